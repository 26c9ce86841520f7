"""Timetables from demand: numbers worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from klshuttle.errors import KlshuttleError
from klshuttle.planning.timetable import (
    Period,
    align_offset_s,
    departures_for_periods,
    headway_for_load_s,
    periods_from_loads,
    segment_loads,
)


def test_headway_from_the_peak_load_by_hand() -> None:
    """15 seats at a load factor of 0.8 carry 12 riders a trip.
    * 90 riders/h past the busiest point: 3600 x 12 / 90 = 480 s (8 min); the
      longest clock-face headway not above it is 6 min = 360 s.
    * 30 riders/h: 3600 x 12 / 30 = 1,440 s (24 min), above the 20-min policy
      headway: 1,200 s.
    * no riders: the policy headway, 1,200 s.
    * 500 riders/h: 3600 x 12 / 500 = 86.4 s, below the shortest 120 s: an error.
    """
    assert headway_for_load_s(90, 15, 0.8, 1200.0) == 360.0
    assert headway_for_load_s(30, 15, 0.8, 1200.0) == 1200.0
    assert headway_for_load_s(0, 15, 0.8, 1200.0) == 1200.0
    # a 25-min policy is rounded to the clock face: 20 min
    assert headway_for_load_s(0, 15, 0.8, 1500.0) == 1200.0
    with pytest.raises(KlshuttleError, match="below the shortest 120 s"):
        headway_for_load_s(500, 15, 0.8, 1200.0)


def test_segment_loads_by_hand() -> None:
    """Four stops (three segments). Hour 0: one rider 0 -> 3 and two riding
    together 1 -> 2; hour 1: one rider 0 -> 1; one request not on the route.
    Hour 0 loads: segment 0: 1, segment 1: 1 + 2 = 3, segment 2: 1; hour 1: 1, 0, 0."""
    loads = segment_loads(
        4,
        board=[0, 1, 0, -1],
        alight=[3, 2, 1, -1],
        time_s=[100.0, 3000.0, 3700.0, 50.0],
        passengers=[1, 2, 1, 1],
        day_start_s=0.0,
        n_hours=2,
    )
    assert loads.tolist() == [[1.0, 3.0, 1.0], [1.0, 0.0, 0.0]]


def test_peak_and_off_peak_periods_and_departures_by_hand() -> None:
    """Hourly busiest loads 30, 90, 100, 30 from 06:00 (15 seats x 0.8 = 12 a trip,
    20-min policy): needs 1,440 -> 1,200 s; 480 -> 360 s; 432 -> 360 s; 1,200 s.
    So 06-07 off-peak every 20 min, 07-09 peak every 6 min, 09-10 off-peak.
    Departures from 06:00 to 07:20: 06:00, 06:20, 06:40, 07:00 (now peak),
    07:06, 07:12, 07:18. A round trip of 2,000 s at a 6-min headway needs
    ceil(2000 / 360) = 6 vehicles."""
    t0 = 6 * 3600.0
    periods = periods_from_loads(
        [30, 90, 100, 30], day_start_s=t0, capacity=15, load_factor=0.8, policy_headway_s=1200.0
    )
    assert periods == [
        Period(t0, t0 + 3600, 1200.0, False, 30.0),
        Period(t0 + 3600, t0 + 3 * 3600, 360.0, True, 100.0),
        Period(t0 + 3 * 3600, t0 + 4 * 3600, 1200.0, False, 30.0),
    ]
    deps = departures_for_periods(periods, t0, t0 + 80 * 60)
    assert ((deps - t0) / 60).tolist() == [0, 20, 40, 60, 66, 72, 78]
    peak = min(p.headway_s for p in periods)
    assert int(np.ceil(2000.0 / peak)) == 6


def test_offset_aligned_to_trains_by_hand() -> None:
    """Every 20 min from 0 s to 3,600 s; trips reach the hub 500 s after leaving.
    Trains leave at 2,000 s and 3,000 s; riders must arrive 300 s before, by
    1,700 s and 2,700 s. With an offset f (0 < f <= 1,000) the trips arrive at
    f + 500, f + 1,700, f + 2,900: the first train waits 1,200 - f (arrival
    f + 500), the second 1,000 - f (f + 1,700), 2,200 - 2f in all; at f = 0 the
    trip at 3,600 s adds nothing and waits are 0 + 1,000 = 1,000. Above 1,000
    the second train is reached only by f + 500: worse. Best: f = 1,000 s,
    waits 200 s, no train missed; on whole minutes f = 960 s, waits
    240 + 40 = 280 s."""
    periods = [Period(0.0, 10800.0, 1200.0, False, 0.0)]
    off, missed, wait = align_offset_s(
        periods,
        0.0,
        3600.0,
        arrive_hub_after_s=500.0,
        leave_hub_after_s=None,
        train_departures_s=[2000.0, 3000.0],
        transfer_s=300.0,
        step_s=20.0,
    )
    assert (off, missed, wait) == (1000.0, 0, pytest.approx(200.0))
    minute = align_offset_s(
        periods,
        0.0,
        3600.0,
        arrive_hub_after_s=500.0,
        leave_hub_after_s=None,
        train_departures_s=[2000.0, 3000.0],
        transfer_s=300.0,
    )
    assert minute == (960.0, 0, pytest.approx(280.0))
    # a train arriving at 100 s: riders board from 400 s; trips leave the hub
    # at f, f + 1,200, ...; offsets step by 60 s: f = 360 leaves before 400
    # (next trip 1,560: wait 1,160), f = 420 waits 20 s
    off, missed, wait = align_offset_s(
        periods,
        0.0,
        3600.0,
        arrive_hub_after_s=None,
        leave_hub_after_s=0.0,
        train_arrivals_s=[100.0],
        transfer_s=300.0,
    )
    assert (off, missed, wait) == (420.0, 0, pytest.approx(20.0))
