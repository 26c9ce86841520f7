"""``[dispatch]``: the dispatcher by name and the rebalancing policy."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, Strict

from .base import SpecModel

__all__ = ["DispatchSpec"]


class DispatchSpec(SpecModel):
    """``[dispatch]``: the dispatcher by name and the rebalancing policy."""

    algorithm: Literal["insertion", "nearest_idle", "batch"] = "insertion"
    # assumption: requests collected for 30 s before a batch assignment. At
    # least 1 s: the simulation clock steps once per window, so a shorter one
    # only multiplies the work (a window of 0.01 s takes 3,000 times as long).
    batch_window_s: Annotated[float, Strict(), Field(ge=1, le=3600)] = 30.0
    rebalancing: Literal["none", "depot", "demand"] = "none"
    # assumption: idle vehicles are repositioned every 15 minutes. At least a
    # minute (a vehicle moves a few hundred metres in it) and at most a day.
    rebalancing_interval_s: Annotated[float, Strict(), Field(ge=60, le=24 * 3600)] = 900.0
    # Insertion cost = extra vehicle time + wait_weight x the new passenger's
    # wait. assumption: a minute of waiting weighs as much as a minute of
    # vehicle time; 0 gives the pure vehicle-time cost (MATSim DRT's default).
    wait_weight: Annotated[float, Strict(), Field(ge=0, le=100)] = 1.0
