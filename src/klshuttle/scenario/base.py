"""Building blocks of the scenario schema: value types, the base spec, times, points.

Every table of a scenario is a :class:`SpecModel`: frozen, and an unknown key
is an error that suggests the key meant (or the table it belongs in).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, model_validator
from pydantic_core import PydanticCustomError

from ..places import suggest

__all__ = [
    "KEXI_HOURS",
    "Bool",
    "Float",
    "Int",
    "Lat",
    "Location",
    "Lon",
    "NonNegFloat",
    "NonNegInt",
    "NonNegLimit",
    "PointSpec",
    "PositiveFloat",
    "PositiveInt",
    "PositiveLimit",
    "Share",
    "SpecModel",
    "Str",
    "TimeOfDay",
    "TimeWindow",
    "custom_error",
    "format_time",
    "location_label",
    "parse_time",
]

_TIME_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?\s*$")


def parse_time(value: Any) -> float:
    """Parse a time of day to seconds since the day start.

    Accepts ``"HH:MM"``, ``"HH:MM:SS"`` (hours up to 47 for service after
    midnight) or a number of seconds.

    Raises
    ------
    ValueError
        With a message fit for a scenario error.
    """
    if isinstance(value, bool):
        raise ValueError(f'expected a time such as "06:30" or seconds, got {value!r}')
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0 or value > 48 * 3600:
            raise ValueError(f"a time in seconds must be between 0 and 172800, got {value!r}")
        return float(value)
    if isinstance(value, str):
        m = _TIME_RE.match(value)
        if m:
            h, mi = int(m.group(1)), int(m.group(2))
            s = float(m.group(3)) if m.group(3) else 0.0
            if h < 48 and mi < 60 and s < 60:
                return h * 3600.0 + mi * 60.0 + s
        raise ValueError(f'expected a time such as "06:30" or "06:30:15", got {value!r}')
    raise ValueError(f'expected a time such as "06:30" or seconds, got {value!r}')


def format_time(seconds: float) -> str:
    """Format seconds since day start as ``HH:MM`` (``HH:MM:SS`` when needed)."""
    total = round(float(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" if s == 0 else f"{h:02d}:{m:02d}:{s:02d}"


def custom_error(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose message is shown as is ("key.path: text" for parents)."""
    return PydanticCustomError(kind, "{text}", {"text": message})


def _check_time(value: Any) -> float:
    try:
        return parse_time(value)
    except ValueError as exc:
        raise custom_error("time", str(exc)) from None


Int = Annotated[int, Strict()]
# Numbers are finite unless a key says that inf means "no limit" (and documents
# it); NaN is never accepted.
Float = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Str = Annotated[str, Strict()]
Bool = Annotated[bool, Strict()]
TimeOfDay = Annotated[float, BeforeValidator(_check_time)]
PositiveInt = Annotated[int, Strict(), Field(ge=1)]
NonNegInt = Annotated[int, Strict(), Field(ge=0)]
PositiveFloat = Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
#: A limit where ``inf`` means "no limit" (each use says so in its docs).
PositiveLimit = Annotated[float, Strict(), Field(gt=0)]
NonNegLimit = Annotated[float, Strict(), Field(ge=0)]
Share = Annotated[float, Strict(), Field(ge=0, le=1)]
Lon = Annotated[float, Strict(), Field(ge=-180, le=180)]
Lat = Annotated[float, Strict(), Field(ge=-90, le=90)]


#: Keys people put in the wrong table, and where they belong.
_ELSEWHERE = {
    "seed": "[demand] seed",
    "vehicles": "[fleet] vehicles",
    "capacity": "[fleet.vehicle] capacity",
    "max_speed_kmh": "[fleet.vehicle] max_speed_kmh",
    "operating_hours": "[fleet.vehicle] operating_hours",
    "depots": "[fleet] depots",
    "mode": "[service] mode",
    "stops": "[service] stops",
    "area": "[map] area",
    "osm": "[map] osm",
    "algorithm": "[dispatch] algorithm",
    "max_wait_s": "[service.on_demand] max_wait_s",
    "window": "[demand] window",
    "models": "[demand] models",
    "folder": "[outputs] folder",
}


class SpecModel(BaseModel):
    """Base of every scenario table: frozen; an unknown key is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            known = [name for name in cls.model_fields if not name.startswith("_")]
            for key in data:
                if key not in cls.model_fields:
                    close = suggest(str(key), known, n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    if str(key) in _ELSEWHERE:
                        # a known misplaced key says more than a similar name
                        hint = f"it belongs in {_ELSEWHERE[str(key)]}; "
                    raise PydanticCustomError(
                        "unknown_key",
                        "unknown key ({hint}known keys: {known})",
                        {"key": str(key), "hint": hint, "known": ", ".join(known)},
                    )
        return data


class TimeWindow(SpecModel):
    """A span of the day; ``start`` and ``end`` in seconds since day start.

    TOML accepts ``"06:00"`` strings or seconds: ``{ start = "06:00", end = "21:00" }``.
    """

    start: TimeOfDay
    end: TimeOfDay

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        if self.end <= self.start:
            raise ValueError(
                f"end {format_time(self.end)} must be after start {format_time(self.start)}"
            )
        return self

    @property
    def start_s(self) -> float:
        """Start in seconds since day start."""
        return self.start

    @property
    def end_s(self) -> float:
        """End in seconds since day start."""
        return self.end

    @property
    def duration_s(self) -> float:
        """Length of the window in seconds."""
        return self.end - self.start


#: KEXI Kelheim operates Mon-Sat 06:00-21:00 (shared/DOMAIN.md, On-demand service parameters).
KEXI_HOURS = {"start": 6 * 3600.0, "end": 21 * 3600.0}


class PointSpec(SpecModel):
    """A point given by coordinates: ``{ name = "...", lon = 7.76, lat = 49.43 }``."""

    name: Str | None = None
    lon: Lon
    lat: Lat


#: A location: the name of an OSM stop or a gazetteer place, or a point.
Location = Annotated[Str, Field(min_length=1)] | PointSpec


def location_label(loc: str | PointSpec) -> str:
    """A short label of a location for messages and tables."""
    if isinstance(loc, str):
        return loc
    return loc.name or f"({loc.lon:.5f}, {loc.lat:.5f})"
