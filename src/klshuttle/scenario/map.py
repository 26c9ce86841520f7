"""``[map]``: the map source, the road network settings and the service area."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, Strict, ValidationError, field_validator, model_validator

from ..mapconfig import DEFAULT_ROAD_CLASSES, BuildSettings
from .area import NetworkArea, ServiceAreaSpec
from .base import Bool, SpecModel, Str
from .filepaths import FilePath

__all__ = ["MapSpec"]


class MapSpec(SpecModel):
    """``[map]``: the map source, the road network settings and the service area."""

    osm: FilePath | None = Field(
        default=None, description="OSM file, relative to the scenario file that names it"
    )
    place: Annotated[Str, Field(min_length=1)] | None = Field(
        default=None, description="place name fetched online through osmnx"
    )
    road_classes: tuple[Str, ...] = Field(
        default=DEFAULT_ROAD_CLASSES, description="OSM highway values the shuttle may use"
    )
    # At least 1 km/h (slower speeds turn every trip into a day-long one).
    speeds_kmh: dict[Str, Annotated[float, Strict(), Field(ge=1, le=200)]] = Field(
        default_factory=dict, description="per-class speeds where a way has no maxspeed"
    )
    largest_component: Bool = True
    psv_ways: Bool = Field(
        default=False,
        description=(
            "on-demand shuttles may drive ways open only to buses (access=no/official "
            "with psv=yes); lines always may on the ways of their route relation"
        ),
    )
    area: ServiceAreaSpec = Field(default_factory=NetworkArea)
    # assumption (not in DOMAIN.md): OSM bus stops of the shared extract lie at
    # most 12.4 m from the nearest road edge; 50 m leaves room for stops mapped
    # on a platform or a forecourt, and catches points set in the wrong place.
    max_snap_m: Annotated[float, Strict(), Field(gt=0, le=1000)] = 50.0

    @field_validator("road_classes", mode="before")
    @classmethod
    def _classes(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            try:
                return BuildSettings(road_classes=tuple(value)).road_classes
            except ValidationError as exc:
                raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
        return value

    @field_validator("speeds_kmh")
    @classmethod
    def _speed_classes(cls, value: dict[str, float]) -> dict[str, float]:
        try:
            return BuildSettings(speeds_kmh=value).speeds_kmh
        except ValidationError as exc:
            raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None

    @model_validator(mode="after")
    def _one_source(self) -> MapSpec:
        if self.osm is not None and self.place is not None:
            raise ValueError("give either osm (a file) or place (online), not both")
        return self

    @property
    def source(self) -> str | None:
        """The map source for :func:`~klshuttle.maps.load_map` (None: the default search)."""
        if self.osm is not None:
            return self.osm
        if self.place is not None:
            return f"place:{self.place}"
        return None
