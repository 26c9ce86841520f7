"""The report's day charts draw the counts a public file may show, on a hand-made run.

k = 5. Requests: 2 served at 03:xx (a count of 2, must not be drawn), 6 served
and 1 rejected at 08:xx (6 drawn, the 1 not). Waits: 6 trips wait 2.x min (a bin
of 6), 2 trips wait 7.x min (a bin of 2, not drawn). Passengers on board on the
15-minute grid: 7 passengers on board 08:00-08:30, 1 on board at 03:15 (blanked).
The oracle is the hand count above, not the privacy module.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from klshuttle.outputs.privacy import Suppression
from klshuttle.outputs.report import figures
from klshuttle.outputs.report.i18n import tr
from klshuttle.outputs.report.public import fleet_over_day, notes, sentence, wait_bins
from klshuttle.scenario import PrivacySpec

H = 3600.0


def _result() -> Any:
    request_s = [3 * H + 100, 3 * H + 900] + [8 * H + 60 * i for i in range(6)] + [8 * H + 500]
    status = ["served"] * 8 + ["rejected"]
    wait_s = [7.2 * 60, 7.5 * 60, 2.1 * 60, 2.2 * 60, 2.3 * 60, 2.4 * 60, 2.5 * 60, 2.6 * 60]
    trips = pd.DataFrame(
        {"request_s": request_s, "status": status, "wait_s": [*wait_s, np.nan]},
    )
    legs = {
        # one vehicle carries 1 rider 03:10-03:20; one carries 7 riders 08:00-08:30
        "t0_s": np.array([3 * H + 600, 8 * H]),
        "t1_s": np.array([3 * H + 1200, 8 * H + 1800]),
        "load": np.array([1, 7]),
    }
    log = SimpleNamespace(legs=legs, start_s=3 * H, end_s=9 * H)
    scenario = SimpleNamespace(privacy=PrivacySpec(min_trips=5, time_rounding_s=900.0))
    return SimpleNamespace(trips=trips, log=log, scenario=scenario, landuse=None)


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The figures day_figures draws, by name, instead of their PNGs."""
    figs: list[Any] = []

    def keep(fig: Any) -> str:
        figs.append(fig)
        return str(len(figs) - 1)

    monkeypatch.setattr(figures, "png", keep)
    out = figures.day_figures(_result(), "en")
    yield {name: figs[int(i)] for name, i in out.items()}
    import matplotlib.pyplot as plt

    for fig in figs:
        plt.close(fig)


def _bars(fig: Any) -> dict[float, float]:
    """Bar left edge -> top of the stack."""
    tops: dict[float, float] = {}
    for patch in fig.axes[0].patches:
        x = round(patch.get_x(), 6)
        tops[x] = max(tops.get(x, 0.0), patch.get_y() + patch.get_height())
    return tops


def test_hourly_chart_leaves_out_counts_below_k(drawn: dict[str, Any]) -> None:
    tops = _bars(drawn["hourly"])
    assert tops[3.0] == 0.0  # 2 served at 03:xx: not drawn
    # 6 served at 08:xx drawn, the 1 rejected not stacked on top
    assert tops[8.0] == 6.0
    assert all(v == 0.0 for x, v in tops.items() if x not in (3.0, 8.0))


def test_wait_chart_leaves_out_bins_below_k(drawn: dict[str, Any]) -> None:
    tops = _bars(drawn["waits"])
    assert tops[2.0] == 6.0 and tops[7.0] == 0.0
    assert sum(tops.values()) == 6.0


def test_passengers_on_board_on_the_privacy_grid(drawn: dict[str, Any]) -> None:
    lines = {ln.get_label(): ln for ln in drawn["fleet"].axes[0].get_lines()}
    x = np.asarray(lines["passengers on board"].get_xdata(), dtype=float)
    y = np.asarray(lines["passengers on board"].get_ydata(), dtype=float)
    # the 15-minute grid from 03:00
    assert np.allclose(np.diff(x), 0.25) and x[0] == 3.0
    at = dict(zip(np.round(x, 2), y, strict=True))
    assert np.isnan(at[3.25])  # 1 rider at 03:15: blanked
    assert at[8.0] == 7.0 and at[8.25] == 7.0 and at[8.5] == 0.0
    assert np.nansum(y) == 14.0
    # vehicles are drawn as they are: one driving at 03:15
    drive = dict(zip(np.round(x, 2), lines["vehicles driving"].get_ydata(), strict=True))
    assert drive[3.25] == 1.0


def test_notes_say_what_was_left_out_in_both_languages() -> None:
    result = _result()
    assert wait_bins(result).notes[0].affected == 1  # one bin (7 min) of two
    assert fleet_over_day(result).notes[0].affected == 1  # 03:15
    # hours: 03:00 (2 served) and 08:00 (1 rejected) of the two hours with requests;
    # waits; passengers on board (public_link_loads and stops need a map: not here)
    got = _notes_without_map(result)
    assert [n.key for n in got] == ["hours", "waits", "on_board"]
    hours = got[0]
    assert (hours.affected, hours.total, hours.where) == (2, 2, ["03:00", "08:00"])
    assert sentence(hours, "en") == hours.sentence()
    de = sentence(hours, "de")
    assert de.startswith("Bericht, Fahrtwünsche je Stunde: 2 von 2 Stunden mit 1 bis 4 ")
    assert de.endswith(": 03:00, 08:00")
    assert sentence(got[2], "de").startswith("Bericht, Fahrgäste an Bord: 1 von ")
    assert "15-Minuten-Rasters" in sentence(got[2], "de")


def _notes_without_map(result: Any) -> list[Suppression]:
    import klshuttle.outputs.report.public as public

    mp = pytest.MonkeyPatch()
    mp.setattr(public, "public_link_loads", lambda r: (None, []))
    mp.setattr(public, "public_stops", lambda r: (None, []))
    try:
        return notes(result)
    finally:
        mp.undo()


@pytest.mark.parametrize(
    ("key", "values", "output"),
    [
        ("link_loads", {"k": 5, "km": 1.5}, "link_loads"),
        ("stops_boardings", {"k": 5, "suppressed": False}, "stops: boardings"),
        ("stops_alightings", {"k": 5, "suppressed": True}, "stops: alightings"),
        ("streets_homes", {"k": 5}, "landuse_streets"),
        ("waits", {"k": 5}, "report: waits"),
    ],
)
def test_english_catalogue_matches_the_privacy_module(
    key: str, values: dict[str, Any], output: str
) -> None:
    """The German note is a translation of the English one: the catalogue's English
    wording equals Suppression.sentence(), so the two cannot drift apart unseen."""
    k = values["k"]
    texts = {
        "link_loads": (
            "road segments",
            f"left out ({values.get('km', 0):.1f} km; fewer than {k} vehicles or 1 to {k - 1} riders)",
            tr("p.link_loads", "en", affected=3, total=10, k=k, k1=k - 1, km="1.5"),
        ),
        "stops_boardings": (
            f"stops where 1 to {k - 1} trips board",
            "merged into the nearest stop with riders",
            tr("p.stops_boardings", "en", affected=3, total=10, k1=k - 1),
        ),
        "stops_alightings": (
            f"stops where 1 to {k - 1} trips alight",
            "merged into the nearest stop with riders or suppressed",
            tr("p.stops_alightings_suppressed", "en", affected=3, total=10, k1=k - 1),
        ),
        "streets_homes": (
            "streets",
            f"with 1 to {k - 1} homes nearby have that count blanked",
            tr("p.streets", "en", affected=3, total=10, k1=k - 1, what="homes"),
        ),
        "waits": (
            "one-minute bins",
            f"with 1 to {k - 1} trips not drawn",
            tr("p.waits", "en", affected=3, total=10, k1=k - 1),
        ),
    }
    w, a, catalogue = texts[key]
    note = Suppression(output, w, 3, 10, a, key=key, values=values)
    assert catalogue == note.sentence()
    de = sentence(note, "de")
    assert de != note.sentence() and "3 von 10" in de
