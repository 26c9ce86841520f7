"""``[accessibility]``: who reaches the key places, before and after (:mod:`klshuttle.accessibility`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict, field_validator

from .base import Location, SpecModel

__all__ = ["DEFAULT_DESTINATIONS", "AccessibilitySpec"]

#: The key destinations the city asks about (places of shared/DOMAIN.md).
DEFAULT_DESTINATIONS = ("Hauptbahnhof", "University campus", "Rathaus", "Westpfalz-Klinikum")


class AccessibilitySpec(SpecModel):
    """``[accessibility]``: destinations, time thresholds, residents and the grid.

    The hubs of the scenario's demand models are added to ``destinations``.
    """

    destinations: Annotated[list[Location], Field(min_length=1)] = Field(
        default_factory=lambda: list[Location](DEFAULT_DESTINATIONS)
    )
    thresholds_min: Annotated[
        list[Annotated[float, Strict(), Field(gt=0, le=120)]], Field(min_length=1)
    ] = Field(default_factory=lambda: [10.0, 15.0, 20.0])
    # Kaiserslautern core city: 78,501 residents (end of 2016, city press release,
    # shared/DOMAIN.md); the map extract (32.6 km²) holds the core city, not the nine
    # outer districts, so the residential buildings of the map share this figure.
    population: Annotated[int, Strict(), Field(ge=1)] = 78_501
    # assumption: half of the requests of an hour get a shuttle within this wait;
    # a rejected request counts as never served.
    wait_percentile: Annotated[float, Strict(), Field(gt=0, lt=100)] = 50.0
    # assumption: 250 m cells, the KEXI stop spacing (DOMAIN.md), fine enough for a city map.
    grid_m: Annotated[float, Strict(), Field(ge=50, le=5000)] = 250.0

    @field_validator("thresholds_min")
    @classmethod
    def _sorted(cls, value: list[float]) -> list[float]:
        if sorted(set(value)) != list(value):
            raise ValueError("must be increasing, without repeats, e.g. [10, 15, 20]")
        return value
