"""Line timetables from demand: headways, peak and off-peak periods, train alignment.

The classic sizing of a line's service frequency (Ceder, *Public Transit
Planning and Operation*, 2nd ed. 2016, ch. 4, the "max-load" method): the
headway that carries the peak-hour load on the busiest segment is

    h = 3600 s x capacity x load factor / peak-hour passengers,

bounded above by a policy headway (the longest wait the service promises) and
rounded down to a clock-face value (a divisor of the hour, so departures repeat
every hour). Hours whose load needs a shorter headway than the policy one are
peak hours; consecutive peak hours form a peak period with the shortest
headway any of its hours needs; the rest of the day runs on the policy headway.

Where trains leave or arrive at a hub the line serves, the whole timetable is
shifted by the offset (whole minutes within the longest headway) that misses
the fewest trains and then waits least: riders to a train arrive by its
departure minus the transfer time; riders from a train board the first trip
leaving the hub at least the transfer time after its arrival. The offset is
found by enumeration, so it is optimal for the grid of headways.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import KlshuttleError

__all__ = [
    "CLOCK_FACE_S",
    "Period",
    "align_offset_s",
    "clock_face_headway_s",
    "departures_for_periods",
    "headway_for_load_s",
    "periods_from_loads",
    "segment_loads",
]

#: Headways that divide the hour (whole minutes), longest first.
CLOCK_FACE_S = tuple(60.0 * m for m in (60, 30, 20, 15, 12, 10, 6, 5, 4, 3, 2, 1))


@dataclass(frozen=True)
class Period:
    """A stretch of the day with one headway.

    Attributes
    ----------
    start_s, end_s
        Start and end (seconds since the day's start).
    headway_s
        Headway in the period.
    peak
        Whether the period's load needs more than the policy headway.
    busiest_load_pax_h
        Highest hourly load on the busiest segment within the period.
    """

    start_s: float
    end_s: float
    headway_s: float
    peak: bool
    busiest_load_pax_h: float


def clock_face_headway_s(headway_s: float) -> float:
    """The longest clock-face headway not longer than ``headway_s`` (at least 60 s)."""
    for h in CLOCK_FACE_S:
        if h <= headway_s + 1e-9:
            return h
    return CLOCK_FACE_S[-1]


def headway_for_load_s(
    load_pax_h: float,
    capacity: int,
    load_factor: float,
    policy_headway_s: float,
    min_headway_s: float = 120.0,
) -> float:
    """The headway that carries ``load_pax_h`` passengers an hour past the busiest point.

    Parameters
    ----------
    load_pax_h
        Passengers an hour on the busiest segment.
    capacity
        Passengers per vehicle.
    load_factor
        Share of the capacity planned to be used at the peak (0-1].
    policy_headway_s
        Longest headway the service runs.
    min_headway_s
        Shortest headway the planner accepts.

    Raises
    ------
    KlshuttleError
        The load needs a headway below ``min_headway_s``.
    """
    if not 0 < load_factor <= 1:
        raise KlshuttleError(f"load factor must be in (0, 1], got {load_factor:g}")
    if capacity < 1:
        raise KlshuttleError(f"capacity must be >= 1, got {capacity}")
    need = math.inf if load_pax_h <= 0 else 3600.0 * capacity * load_factor / load_pax_h
    h = clock_face_headway_s(min(need, policy_headway_s))
    if h < min_headway_s - 1e-9:
        raise KlshuttleError(
            f"{load_pax_h:.0f} passengers an hour on the busiest segment need a headway of "
            f"{need:.0f} s with {capacity} seats x {load_factor:g}, below the shortest "
            f"{min_headway_s:g} s: use larger vehicles or another line"
        )
    return h


def segment_loads(
    n_stops: int,
    board: ArrayLike,
    alight: ArrayLike,
    time_s: ArrayLike,
    passengers: ArrayLike,
    *,
    day_start_s: float,
    n_hours: int,
) -> NDArray[np.float64]:
    """Passengers on each segment of a route per hour (by the hour of their request).

    ``board`` and ``alight`` are positions along the route (``-1``: the
    request does not ride it). Returns ``n_hours x (n_stops - 1)``.
    """
    b = np.asarray(board, dtype=np.int64)
    a = np.asarray(alight, dtype=np.int64)
    t = np.asarray(time_s, dtype=np.float64)
    p = np.asarray(passengers, dtype=np.float64)
    out = np.zeros((n_hours, max(n_stops - 1, 0)))
    hour = np.floor((t - day_start_s) / 3600.0).astype(np.int64)
    use = (b >= 0) & (a > b) & (hour >= 0) & (hour < n_hours)
    for r in np.flatnonzero(use):
        out[hour[r], b[r] : a[r]] += p[r]
    return out


def periods_from_loads(
    hourly_busiest_pax_h: Sequence[float],
    *,
    day_start_s: float,
    capacity: int,
    load_factor: float,
    policy_headway_s: float,
    min_headway_s: float = 120.0,
) -> list[Period]:
    """Peak and off-peak periods from the hourly load on the busiest segment.

    Consecutive hours that need a headway shorter than the policy one form a
    peak period with the shortest headway among them; the other hours form
    off-peak periods on the policy headway (rounded to the clock face).
    """
    policy = clock_face_headway_s(policy_headway_s)
    need = [
        headway_for_load_s(x, capacity, load_factor, policy, min_headway_s)
        for x in hourly_busiest_pax_h
    ]
    periods: list[Period] = []
    for i, (h, x) in enumerate(zip(need, hourly_busiest_pax_h, strict=True)):
        peak = h < policy
        start = day_start_s + 3600.0 * i
        last = periods[-1] if periods else None
        if last is not None and last.peak == peak:
            periods[-1] = Period(
                last.start_s,
                start + 3600.0,
                min(last.headway_s, h),
                peak,
                max(last.busiest_load_pax_h, float(x)),
            )
        else:
            periods.append(Period(start, start + 3600.0, h, peak, float(x)))
    return periods


def departures_for_periods(
    periods: Sequence[Period], first_s: float, last_s: float, offset_s: float = 0.0
) -> NDArray[np.float64]:
    """Departures from ``first_s + offset_s`` to ``last_s``, each period on its headway.

    The next departure follows the current one by the headway of the period
    the current one falls in (the last period's beyond the periods).
    """
    if not periods:
        raise KlshuttleError("a timetable needs at least one period")
    out = []
    t = first_s + offset_s
    while t <= last_s + 1e-6:
        out.append(t)
        h = next((p.headway_s for p in periods if p.start_s <= t < p.end_s), periods[-1].headway_s)
        t += h
    return np.array(out, dtype=np.float64)


def align_offset_s(
    periods: Sequence[Period],
    first_s: float,
    last_s: float,
    *,
    arrive_hub_after_s: float | None,
    leave_hub_after_s: float | None,
    train_departures_s: ArrayLike = (),
    train_arrivals_s: ArrayLike = (),
    transfer_s: float = 300.0,
    step_s: float = 60.0,
) -> tuple[float, int, float]:
    """The timetable offset that connects best with the trains at a hub.

    Parameters
    ----------
    periods, first_s, last_s
        The timetable (see :func:`departures_for_periods`).
    arrive_hub_after_s
        Time from a trip's departure to its arrival at the hub (None: the
        line does not arrive there).
    leave_hub_after_s
        Time from a trip's departure to its departure from the hub (None: it
        does not leave from there).
    train_departures_s, train_arrivals_s
        Train times at the hub.
    transfer_s
        Time between shuttle and train on foot.
    step_s
        Offsets tried: 0, step, ... below the longest headway.

    Returns
    -------
    offset_s, missed, wait_s
        The best offset, the trains it misses (no trip connects) and the total
        wait of the connected ones, minimised in that order (ties: the
        earliest offset).
    """
    dep_t = np.asarray(train_departures_s, dtype=np.float64)
    arr_t = np.asarray(train_arrivals_s, dtype=np.float64)
    longest = max(p.headway_s for p in periods)
    best: tuple[int, float, float] | None = None
    for off in np.arange(0.0, longest - 1e-9, step_s):
        trips = departures_for_periods(periods, first_s, last_s, float(off))
        missed, wait = 0, 0.0
        if arrive_hub_after_s is not None and len(dep_t):
            at_hub = trips + arrive_hub_after_s
            for tr in dep_t:
                ok = at_hub[at_hub <= tr - transfer_s + 1e-9]
                if len(ok):
                    wait += float(tr - transfer_s - ok.max())
                else:
                    missed += 1
        if leave_hub_after_s is not None and len(arr_t):
            from_hub = trips + leave_hub_after_s
            for tr in arr_t:
                ok = from_hub[from_hub >= tr + transfer_s - 1e-9]
                if len(ok):
                    wait += float(ok.min() - tr - transfer_s)
                else:
                    missed += 1
        key = (missed, round(wait, 6), float(off))
        if best is None or key < best:
            best = key
    assert best is not None
    return best[2], best[0], best[1]
