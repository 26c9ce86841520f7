"""``[landuse]``: parameters of the land-use impact model."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict

from .base import Share, SpecModel

__all__ = ["LandUseSpec"]


class LandUseSpec(SpecModel):
    """``[landuse]``: parameters of the land-use impact model (shared/DOMAIN.md).

    Upper bounds lie far above any published figure; they only keep absurd
    values (1e300) out of the arithmetic.
    """

    # EAR 05 (approx.): on-street 10-16 m2 per space; midpoint.
    on_street_m2_per_space: Annotated[float, Strict(), Field(gt=0, le=1000)] = 13.0
    # EAR 05 (approx.): off-street including aisles 18-27 m2 per space; midpoint.
    off_street_m2_per_space: Annotated[float, Strict(), Field(gt=0, le=1000)] = 22.5
    # EAR 23 stall 2.65 m x 5.20 m, used to estimate on-street spaces from kerb length.
    stall_width_m: Annotated[float, Strict(), Field(gt=0, le=50)] = 2.65
    stall_length_m: Annotated[float, Strict(), Field(gt=0, le=50)] = 5.20
    # assumption: half of the kerb length of a street can hold parked cars;
    # driveways, junctions, bus stops and hydrants take the rest.
    kerb_parkable_share: Share = 0.5
    # MiD 2017: 1.5 persons per car on average, 1.2 for commuting.
    car_occupancy: Annotated[float, Strict(), Field(ge=1, le=100)] = 1.5
    commute_car_occupancy: Annotated[float, Strict(), Field(ge=1, le=100)] = 1.2
    # About 2.5 parking spaces per car in Germany (approx., primary source unknown).
    parking_spaces_per_car: Annotated[float, Strict(), Field(gt=0, le=100)] = 2.5
    # Fagnant & Kockelman 2014 (TR-C 40): one shared automated vehicle replaced
    # about 11 private cars with up to 10 % more vehicle-km.
    cars_replaced_per_shared_vehicle: Annotated[float, Strict(), Field(gt=0, le=1000)] = 11.0
    extra_vkm_share: Annotated[float, Strict(), Field(ge=0, le=100)] = 0.10
    # SrV 2023, Kaiserslautern residents: car 50 % of trips.
    car_mode_share: Share = 0.50
    # ITF/OECD Lisbon 2015: all on-street and up to 80 % of off-street parking
    # become unnecessary with shared automated fleets plus rail.
    on_street_removable_share: Share = 1.0
    off_street_removable_share: Share = 0.8
