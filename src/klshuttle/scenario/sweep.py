"""``[sweep]``: the parameter grid and replications of ``klshuttle sweep``.

Example::

    [sweep]
    replications = 5
    [sweep.grid]
    "fleet.vehicles" = [4, 6, 8]
    "demand.models.0.trips_per_day" = [300, 600]

Each key is a dotted scenario key as ``--set`` takes it (a number indexes an
array); each grid point is one combination of the values. The table changes no
run: it is left out of the run id.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr, field_validator

from .base import SpecModel

__all__ = ["GridValue", "SweepSpec"]

#: A value a grid key can take: a TOML scalar.
GridValue = StrictBool | StrictInt | StrictFloat | StrictStr


class SweepSpec(SpecModel):
    """``[sweep]``: ``grid`` (dotted key -> values) and ``replications`` per grid point."""

    grid: dict[str, Annotated[list[GridValue], Field(min_length=1)]] = Field(default_factory=dict)
    replications: Annotated[int, Field(ge=1)] = 1

    @field_validator("grid")
    @classmethod
    def _keys(cls, grid: dict[str, list[GridValue]]) -> dict[str, list[GridValue]]:
        for key in grid:
            parts = key.split(".")
            if not key or any(not p for p in parts):
                raise ValueError(f"grid key {key!r} is not a dotted scenario key")
            if parts[0] == "sweep":
                raise ValueError(f"grid key {key!r}: the sweep table cannot be swept")
        return grid
