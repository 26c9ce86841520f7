"""``[dispatch]``: the dispatcher and its objective by name, the rebalancing policy."""

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
    # What the insertion dispatcher minimises (README, "Dispatch objectives"):
    # vehicle_time: extra vehicle time + wait_weight x the new rider's wait
    # (MATSim DRT's default with wait_weight 0); passenger_time: the wait and
    # ride time the insertion adds over the new rider and every rider it delays
    # (total delay, Alonso-Mora et al. 2017, PNAS 114(3)); weighted: extra
    # vehicle time + passenger_weight x that passenger time. passenger_time is
    # the default: the README's table over 5 seeds of the feeder and campus
    # scenarios shows it keeps rides close to direct at the same served share.
    objective: Literal["vehicle_time", "passenger_time", "weighted"] = "passenger_time"
    # assumption (vehicle_time only): a minute of waiting weighs as much as a
    # minute of vehicle time.
    wait_weight: Annotated[float, Strict(), Field(ge=0, le=100)] = 1.0
    # assumption (weighted only): a passenger-minute weighs as much as a
    # vehicle-minute.
    passenger_weight: Annotated[float, Strict(), Field(ge=0, le=100)] = 1.0
