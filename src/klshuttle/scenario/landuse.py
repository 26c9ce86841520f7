"""``[landuse]``: parameters of the land-use chain (:mod:`klshuttle.landuse`).

The chain has four steps; every parameter below is used in exactly the step
named beside it, and ``landuse.json`` lists each with its source:

1. mode shift: ``mode_shift_share``, ``rail_mode_shift_share``;
2. car trips and cars: ``car_occupancy``, ``commute_car_occupancy``,
   ``trips_per_car_per_day``, ``car_giveup_share``, and the upper bound
   ``cars_replaced_per_shared_vehicle`` with its condition ``extra_vkm_share``;
3. spaces: ``parking_spaces_per_car``, ``home_space_share``,
   ``home_on_street_share``, ``destination_on_street_share``, placed within the
   removable shares ``on_street_removable_share`` and ``off_street_removable_share``
   of the kerbs (from ``stall_length_m`` and ``kerb_parkable_share``) and car parks;
4. area: ``on_street_m2_per_space``, ``off_street_m2_per_space`` and, for a
   space on private ground at home, ``stall_width_m`` x ``stall_length_m``.

Sources are in ``scenarios/base.toml`` and shared/DOMAIN.md.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict, model_validator

from .base import Share, SpecModel

__all__ = ["LandUseSpec", "ShareRange"]

# Upper bounds lie far above any published figure; they only keep absurd values
# (1e300, inf) out of the arithmetic.
PositiveFloat = Annotated[float, Strict(), Field(gt=0, le=1000, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Strict(), Field(ge=0, le=100, allow_inf_nan=False)]


class ShareRange(SpecModel):
    """A share with its low, central and high value: ``{ low = .., central = .., high = .. }``."""

    low: Share
    central: Share
    high: Share

    @model_validator(mode="after")
    def _ordered(self) -> ShareRange:
        if not self.low <= self.central <= self.high:
            raise ValueError(
                f"must have low <= central <= high, got {self.low:g}, "
                f"{self.central:g}, {self.high:g}"
            )
        return self


class LandUseSpec(SpecModel):
    """``[landuse]``: parameters of the land-use chain (sources in scenarios/base.toml)."""

    # step 1: mode shift (ioki Hamburg evaluation 2021; SrV 2023 as the upper bound)
    mode_shift_share: ShareRange = ShareRange(low=0.10, central=0.25, high=0.50)
    rail_mode_shift_share: ShareRange = ShareRange(low=0.05, central=0.10, high=0.25)
    # step 2: car trips (MiD 2017 occupancy) and cars given up
    car_occupancy: Annotated[float, Strict(), Field(ge=1, le=100)] = 1.5
    commute_car_occupancy: Annotated[float, Strict(), Field(ge=1, le=100)] = 1.2
    trips_per_car_per_day: PositiveFloat = 2.6
    car_giveup_share: ShareRange = ShareRange(low=0.05, central=0.10, high=0.20)
    cars_replaced_per_shared_vehicle: PositiveFloat = 11.0
    extra_vkm_share: NonNegFloat = 0.10
    # step 3: spaces where the cars stood
    parking_spaces_per_car: PositiveFloat = 2.5
    home_space_share: Share = 0.4
    home_on_street_share: Share = 0.5
    destination_on_street_share: Share = 0.3
    on_street_removable_share: Share = 1.0
    off_street_removable_share: Share = 0.8
    kerb_parkable_share: Share = 0.5
    stall_width_m: PositiveFloat = 2.65
    stall_length_m: PositiveFloat = 5.20
    # step 4: area per space
    on_street_m2_per_space: PositiveFloat = 13.0
    off_street_m2_per_space: PositiveFloat = 22.5
