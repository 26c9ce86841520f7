"""``[map] area``: the service area specs, one per ``type``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, Strict, field_validator

from .base import Lat, Location, Lon, SpecModel, Str

__all__ = [
    "BboxArea",
    "NetworkArea",
    "PolygonArea",
    "ServiceAreaSpec",
    "StopsAroundArea",
    "StreetsArea",
]


class NetworkArea(SpecModel):
    """The whole road network of the map (its convex hull)."""

    type: Literal["network"] = "network"


class PolygonArea(SpecModel):
    """A lon/lat polygon: ``polygon = [[lon, lat], ...]`` (closed or not)."""

    type: Literal["polygon"]
    polygon: Annotated[list[tuple[Lon, Lat]], Field(min_length=3)]

    @field_validator("polygon")
    @classmethod
    def _valid(cls, value: list[tuple[float, float]]) -> list[tuple[float, float]]:
        import shapely

        poly = shapely.Polygon(value)
        if not poly.is_valid:
            raise ValueError(f"the polygon is not valid ({shapely.is_valid_reason(poly)})")
        if poly.area <= 0:
            raise ValueError("the polygon has no area (points in a line or repeated)")
        return value


class BboxArea(SpecModel):
    """A bounding box ``bbox = [west, south, east, north]`` in degrees."""

    type: Literal["bbox"]
    bbox: tuple[Lon, Lat, Lon, Lat]

    @field_validator("bbox")
    @classmethod
    def _ordered(cls, value: tuple[float, float, float, float]) -> Any:
        west, south, east, north = value
        if not (west < east and south < north):
            raise ValueError(
                f"must be [west, south, east, north] with west < east and south < north, got {list(value)}"
            )
        return value


class StreetsArea(SpecModel):
    """A buffer of ``buffer_m`` metres around the named streets of the graph."""

    type: Literal["streets"]
    streets: Annotated[list[Annotated[Str, Field(min_length=1)]], Field(min_length=1)]
    buffer_m: Annotated[float, Strict(), Field(gt=0, le=10_000)]


class StopsAroundArea(SpecModel):
    """A buffer of ``buffer_m`` metres around stops, places or points."""

    type: Literal["stops"]
    stops: Annotated[list[Location], Field(min_length=1)]
    buffer_m: Annotated[float, Strict(), Field(gt=0, le=10_000)]


#: The service area: one of the area specs, picked by ``type``.
ServiceAreaSpec = Annotated[
    NetworkArea | PolygonArea | BboxArea | StreetsArea | StopsAroundArea,
    Field(discriminator="type"),
]
