"""Hourly profiles and the split of a day's trips, against numbers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from klshuttle.demand import WEEKDAY_PROFILE, expected_hourly_counts, hourly_profile
from klshuttle.demand.profile import sample_times
from klshuttle.errors import DemandError
from klshuttle.scenario import TimeWindow

H = 3600.0
#: 06:30-09:00: a half hour, then two full hours.
WINDOW = TimeWindow(start="06:30", end="09:00")


def test_flat_split_uses_largest_remainders() -> None:
    # weights 0.5, 1, 1 of 2.5: exact shares 1.4, 2.8, 2.8 of 7 trips; floors 1, 2, 2
    # leave 2 trips for the two largest remainders (0.8, 0.8)
    assert expected_hourly_counts(7, "flat", WINDOW) == [
        (6.5 * H, 7 * H, 1),
        (7 * H, 8 * H, 3),
        (8 * H, 9 * H, 3),
    ]
    # 10 trips: exact 2, 4, 4
    assert [c for _, _, c in expected_hourly_counts(10, "flat", WINDOW)] == [2, 4, 4]


def test_weekday_split() -> None:
    # weekday weights (out + return): 06h 3.5 + 0.3 = 3.8 (half hour: 1.9),
    # 07h 9.0 + 0.8 = 9.8, 08h 7.5 + 1.2 = 8.7; total 20.4.
    # 100 trips: exact 9.31, 48.04, 42.65 -> floors 9, 48, 42 (99) -> +1 to 42.65
    assert [c for _, _, c in expected_hourly_counts(100, "weekday", WINDOW)] == [9, 48, 43]
    assert WEEKDAY_PROFILE[7] == pytest.approx(9.8)


def test_profiles_and_outbound_shares() -> None:
    w, share = hourly_profile("weekday")
    assert share[7] == pytest.approx(9.0 / 9.8)  # mornings leave home
    assert share[17] == pytest.approx(1.5 / 8.5)  # evenings return
    assert share[2] == 0.5  # no trips at all: even
    w, share = hourly_profile("flat")
    assert w.tolist() == [1.0] * 24 and share.tolist() == [0.5] * 24
    custom = [0.0] * 24
    custom[8] = 2.0
    w, share = hourly_profile(custom)
    assert w.tolist() == custom and share[7] == pytest.approx(9.0 / 9.8)


def test_a_profile_without_weight_in_the_window_is_an_error() -> None:
    custom = [0.0] * 24
    custom[3] = 1.0
    with pytest.raises(DemandError, match="no weight to the demand window 06:30-09:00"):
        expected_hourly_counts(5, custom, WINDOW)
    with pytest.raises(DemandError, match=r"^m\.time_profile: the time profile gives no weight"):
        sample_times(np.random.default_rng(0), 5, custom, WINDOW, "m.time_profile")


def test_sampled_times_fall_in_their_hours_as_whole_seconds() -> None:
    times, p_out = sample_times(np.random.default_rng(3), 100, "weekday", WINDOW)
    assert len(times) == 100 and np.all(times == np.floor(times))
    pieces = [(6.5 * H, 7 * H, 9), (7 * H, 8 * H, 48), (8 * H, 9 * H, 43)]
    for a, b, c in pieces:
        sel = (times >= a) & (times < b)
        assert sel.sum() == c
        assert np.allclose(p_out[sel], hourly_profile("weekday")[1][int(a // H)])
    assert sample_times(np.random.default_rng(3), 0, "flat", WINDOW)[0].shape == (0,)
