"""The report's parts without a map: numbers and units, the catalogue, the page
template, the door-to-door medians, ``[outputs].lang``."""

from __future__ import annotations

import re
import string
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from klshuttle.errors import ScenarioError
from klshuttle.events import REASON_NAMES
from klshuttle.graph import to_lonlat
from klshuttle.outputs.report import render_page, section
from klshuttle.outputs.report.fmt import DASH, NBSP, km, m2, minutes, num, pct, signed
from klshuttle.outputs.report.headline import door_to_door
from klshuttle.outputs.report.i18n import LANGS, MESSAGES, REASONS_DE, reason, tr
from klshuttle.outputs.report.maps import nice_length_m
from klshuttle.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "want"),
    [
        (1234.5, "de", 1, "1.234,5"),
        (1234.5, "en", 1, "1,234.5"),
        (1234567, "de", 0, "1.234.567"),
        (0.25, "de", 2, "0,25"),
        (-0.0001, "en", 1, "0.0"),
        (None, "de", 0, DASH),
        (float("nan"), "en", 0, DASH),
    ],
)
def test_num(value: float | None, lang: str, decimals: int, want: str) -> None:
    assert num(value, lang, decimals) == want


def test_units_and_percent() -> None:
    assert pct(0.95, "de") == f"95{NBSP}%"
    assert pct(0.95, "en") == "95%"
    assert pct(0.9876, "de", 1) == f"98,8{NBSP}%"
    assert minutes(90, "de") == f"1,5{NBSP}min"
    assert minutes(1200, "en", 0) == f"20{NBSP}min"
    assert km(12345.6, "de") == f"12.346{NBSP}km"
    assert m2(1500.4, "en") == f"1,500{NBSP}m²"
    assert signed(12, "en") == "+12" and signed(-3.2, "de", 1) == "-3,2" and signed(0, "en") == "0"


def test_catalogue_is_complete_in_both_languages() -> None:
    fields = string.Formatter()
    for key, texts in MESSAGES.items():
        assert len(texts) == len(LANGS), key
        assert all(t.strip() for t in texts), key
        names = [{f for _, f, _, _ in fields.parse(t) if f} for t in texts]
        assert names[0] == names[1], f"{key}: fields differ between languages"
    # every reject reason the simulator can give has a German text
    assert {r for r in REASON_NAMES if r} <= set(REASONS_DE)
    assert (
        reason("max_wait", "en") == "max wait" and reason("max_wait", "de") == "Wartezeit zu lang"
    )
    assert tr("h.served_of", "de", requests="1.234") == "von 1.234 Fahrtwünschen"


def test_page_leaves_out_absent_sections_and_loads_nothing() -> None:
    page = render_page(
        "Vergleich <A & B>", [section("Eins", "<p>1</p>"), "", None, "<p>zwei</p>"], "de"
    )
    assert '<html lang="de">' in page
    assert "Vergleich &lt;A &amp; B&gt;" in page
    assert page.index("<p>1</p>") < page.index("<p>zwei</p>")
    assert "<script" not in page and not re.search(r"https?://|<link|@import|url\(", page)
    with pytest.raises(ValueError, match="fr"):
        render_page("x", [], "fr")


def test_nice_scale_bar_length() -> None:
    assert nice_length_m(5000) == 1000
    assert nice_length_m(4000) == 500
    assert nice_length_m(12000) == 2000
    assert nice_length_m(13000) == 2500


def test_door_to_door_medians_by_hand() -> None:
    # three served trips and one rejected one; origins and destinations
    # 1,000 m / 2,000 m / 3,000 m apart due east
    x0, y0 = 410000.0, 5477000.0
    olon, olat = to_lonlat(np.full(4, x0), np.full(4, y0))
    dlon, dlat = to_lonlat(x0 + np.array([1000.0, 2000.0, 3000.0, 500.0]), np.full(4, y0))
    trips = pd.DataFrame(
        {
            "status": ["served", "served", "served", "rejected"],
            "origin_lon": olon,
            "origin_lat": olat,
            "dest_lon": dlon,
            "dest_lat": dlat,
            "walk_to_m": [100.0, 0.0, 200.0, 0.0],
            "walk_from_m": [0.0, 100.0, 100.0, 0.0],
            "wait_s": [60.0, 300.0, 120.0, np.nan],
            "ride_s": [240.0, 400.0, 600.0, np.nan],
            "direct_s": [180.0, 360.0, 540.0, 90.0],
        }
    )
    od = SimpleNamespace(walk_speed_mps=1.0, walk_detour_factor=1.5)
    result = SimpleNamespace(
        trips=trips, scenario=SimpleNamespace(service=SimpleNamespace(on_demand=od))
    )
    got = door_to_door(result)  # type: ignore[arg-type]
    # shuttle: 100+60+240=400, 100+300+400=800, 300+120+600=1020 -> median 800
    assert got.shuttle_s == pytest.approx(800.0)
    # on foot: 1.5 x 2,000 m at 1 m/s (UTM round trip within millimetres)
    assert got.walk_s == pytest.approx(3000.0, abs=0.01)
    assert got.car_s == pytest.approx(360.0)


def test_outputs_lang_key(tmp_path: Path) -> None:
    base = SCENARIOS / "trippstadter-line.toml"
    en = load_scenario(base)
    de = load_scenario(base, overrides={"outputs.lang": "de"})
    assert en.outputs.lang == "en" and de.outputs.lang == "de"
    assert en.run_id() == de.run_id(), "the language must not change the run id"
    with pytest.raises(ScenarioError, match=r"outputs\.lang"):
        load_scenario(base, overrides={"outputs.lang": "fr"})
