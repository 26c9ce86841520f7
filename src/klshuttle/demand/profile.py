"""Hourly time profiles: weights per hour, the split of a day's trips, trip times."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ..errors import DemandError
from ..scenario import TimeWindow, format_time

__all__ = ["WEEKDAY_PROFILE", "expected_hourly_counts", "hourly_profile", "sample_times"]

# Weekday hourly weights (hours 0-23) of trips leaving home (OUT) and trips
# returning home (RET). assumption: the shape, not a survey table. German
# weekday travel (MiD 2017) peaks 07-09 and 16-18; these weights approximate
# that shape. Replace them with a 24-value time_profile where counts are known.
_WEEKDAY_OUT = np.array(
    [0.0, 0.0, 0.0, 0.0, 0.2, 1.0, 3.5, 9.0, 7.5, 4.5, 3.5, 3.0,
     3.0, 2.5, 2.5, 2.5, 2.0, 1.5, 1.0, 0.8, 0.5, 0.3, 0.2, 0.1]
)  # fmt: skip
_WEEKDAY_RET = np.array(
    [0.2, 0.1, 0.0, 0.0, 0.0, 0.1, 0.3, 0.8, 1.2, 1.6, 2.2, 2.8,
     3.8, 3.6, 3.2, 4.5, 6.5, 7.0, 5.0, 3.2, 2.2, 1.6, 1.0, 0.6]
)  # fmt: skip

#: The weekday profile: hourly weights of all trips (hours 0-23).
WEEKDAY_PROFILE = _WEEKDAY_OUT + _WEEKDAY_RET


def hourly_profile(profile: str | list[float]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return (weights, outbound share) per hour of the day for a time profile.

    ``"weekday"`` is the built-in double-peak profile; ``"flat"`` is even; a
    list gives 24 custom weights. The outbound share (the probability that a
    trip of that hour leaves home) follows the weekday shape for ``weekday``
    and custom profiles and is 0.5 for ``flat``.
    """
    share = np.where(WEEKDAY_PROFILE > 0, _WEEKDAY_OUT / np.maximum(WEEKDAY_PROFILE, 1e-12), 0.5)
    if profile == "weekday":
        return WEEKDAY_PROFILE.copy(), share
    if profile == "flat":
        return np.ones(24), np.full(24, 0.5)
    weights = np.asarray(profile, dtype=np.float64)
    return weights, share


def _slices(window: TimeWindow) -> list[tuple[float, float, int]]:
    """Split the window at full hours: (start, end, hour of day) per piece."""
    out = []
    t = window.start
    while t < window.end:
        nxt = min((math.floor(t / 3600.0) + 1) * 3600.0, window.end)
        out.append((t, nxt, int(t // 3600) % 24))
        t = nxt
    return out


def _largest_remainder(total: int, weights: NDArray[np.float64]) -> NDArray[np.int64]:
    """Split ``total`` into integer parts proportional to ``weights`` (exact sum)."""
    if total == 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = total * weights / weights.sum()
    base = np.floor(exact).astype(np.int64)
    rest = total - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:rest]] += 1
    return base


def expected_hourly_counts(
    total: int, profile: str | list[float], window: TimeWindow
) -> list[tuple[float, float, int]]:
    """How many of ``total`` trips fall in each hour piece of the window.

    Returns (start_s, end_s, count) per piece; the counts add up to ``total``.
    This is the split the demand models use.
    """
    weights, _ = hourly_profile(profile)
    pieces = _slices(window)
    w = np.array([weights[h] * (b - a) / 3600.0 for a, b, h in pieces])
    if w.sum() <= 0:
        raise DemandError(
            f"the time profile gives no weight to the demand window "
            f"{format_time(window.start)}-{format_time(window.end)}"
        )
    counts = _largest_remainder(total, w)
    return [(a, b, int(c)) for (a, b, _), c in zip(pieces, counts, strict=True)]


def sample_times(
    rng: np.random.Generator,
    total: int,
    profile: str | list[float],
    window: TimeWindow,
    where: str = "time_profile",
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Draw ``total`` trip times (whole seconds) and their outbound probability."""
    _, share = hourly_profile(profile)
    times, p_out = [], []
    try:
        pieces = expected_hourly_counts(total, profile, window)
    except DemandError as exc:
        raise DemandError(f"{where}: {exc}") from None
    for a, b, c in pieces:
        if c == 0:
            continue
        t = np.floor(a + rng.random(c) * (b - a))
        times.append(np.clip(t, math.ceil(a), max(math.ceil(a), math.ceil(b) - 1)))
        p_out.append(np.full(c, share[int(a // 3600) % 24]))
    if not times:
        return np.empty(0), np.empty(0)
    return np.concatenate(times), np.concatenate(p_out)
