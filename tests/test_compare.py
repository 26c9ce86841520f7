"""klshuttle compare: hand-made run and sweep folders, Welch's test against the formula."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from klshuttle.cli import cli
from klshuttle.compare import compare, load_entries, welch_p


def _run(folder: Path, wait_s: float, *, vkm: float = 100.0, public: bool = False) -> Path:
    target = folder / "public" if public else folder
    target.mkdir(parents=True)
    kpis = {
        "scenario": "s",
        "run_id": folder.name,
        "seed": 1,
        "mode": "on_demand",
        "requests": 10,
        "wait_mean_s": wait_s,
        "vehicle_km": vkm,
        "rejections": {},
    }
    (target / "kpis.json").write_text(json.dumps(kpis))
    return folder


def _sweep(folder: Path, waits: dict[int, list[float]]) -> Path:
    """A finished sweep folder of one swept key with the given waits per value."""
    runs = []
    for point, values in enumerate(waits.values()):
        for rep, w in enumerate(values):
            run_id = f"r{point}{rep}"
            _run(folder / "runs" / run_id, w)
            runs.append({"point": point, "replication": rep, "seed": rep, "run_id": run_id})
    plan = {
        "scenario": "s",
        "grid": {"fleet.vehicles": list(waits)},
        "replications": 3,
        "runs": runs,
    }
    (folder / "sweep.json").write_text(json.dumps(plan))
    return folder


def _welch_by_hand(a: list[float], b: list[float]) -> float:
    """Welch's t and Welch-Satterthwaite degrees of freedom, two-sided p."""
    na, nb = len(a), len(b)
    ma, mb = sum(a) / na, sum(b) / nb
    va = sum((x - ma) ** 2 for x in a) / (na - 1)
    vb = sum((x - mb) ** 2 for x in b) / (nb - 1)
    se2 = va / na + vb / nb
    t = (ma - mb) / math.sqrt(se2)
    df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    return float(2 * stats.t.sf(abs(t), df))


def test_welch_p_matches_the_formula() -> None:
    a, b = [300.0, 320.0, 310.0, 290.0], [250.0, 255.0, 270.0]
    assert welch_p(a, b) == pytest.approx(_welch_by_hand(a, b), rel=1e-9)
    assert math.isnan(welch_p([1.0], b))  # one run has no spread to test against
    assert math.isnan(welch_p([2.0, 2.0], [2.0, 2.0]))


def test_compare_sweep_points_and_a_run(tmp_path: Path) -> None:
    waits = {2: [300.0, 320.0, 310.0], 3: [250.0, 255.0, 270.0], 4: [305.0, 295.0, 318.0]}
    sweep = _sweep(tmp_path / "sw", waits)
    run = _run(tmp_path / "one", 200.0, public=True)
    entries = load_entries(sweep) + load_entries(run)
    assert [e.label for e in entries] == [
        "sw [fleet.vehicles=2]",
        "sw [fleet.vehicles=3]",
        "sw [fleet.vehicles=4]",
        "one",
    ]
    table = compare(entries).set_index(["figure", "entry"])
    wait = table.loc["wait_mean_s"]
    diff = (250.0 + 255.0 + 270.0) / 3 - 310.0  # -51.67 s
    assert wait.loc["sw [fleet.vehicles=3]", "diff"] == pytest.approx(diff)
    assert wait.loc["sw [fleet.vehicles=3]", "diff_pct"] == pytest.approx(diff / 310.0 * 100)
    p3 = _welch_by_hand(waits[2], waits[3])
    assert wait.loc["sw [fleet.vehicles=3]", "welch_p"] == pytest.approx(p3)
    assert p3 < 0.05 and wait.loc["sw [fleet.vehicles=3]", "beyond_noise"] == True  # noqa: E712
    assert _welch_by_hand(waits[2], waits[4]) > 0.05
    assert wait.loc["sw [fleet.vehicles=4]", "beyond_noise"] == False  # noqa: E712
    # a single run: a difference, but no test
    assert wait.loc["one", "diff"] == pytest.approx(-110.0)
    assert pd.isna(wait.loc["one", "beyond_noise"])
    # the first column's interval is Student t's
    ci = stats.t.interval(0.95, 2, loc=310.0, scale=stats.sem(waits[2]))
    base = wait.loc["sw [fleet.vehicles=2]"]
    assert (base["ci95_low"], base["ci95_high"]) == pytest.approx(ci)


def test_compare_command_writes_csv_and_html_and_keeps_existing(tmp_path: Path) -> None:
    a = _run(tmp_path / "a", 300.0)
    b = _run(tmp_path / "b", 240.0, vkm=90.0)
    out = tmp_path / "cmp"
    result = CliRunner().invoke(cli, ["compare", str(a), str(b), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wait_mean_s" in result.output and "-60" in result.output
    csv = pd.read_csv(out / "compare.csv")
    row = csv[(csv["figure"] == "vehicle_km") & (csv["entry"] == "b")].iloc[0]
    assert row["diff"] == pytest.approx(-10.0) and row["diff_pct"] == pytest.approx(-10.0)
    assert "<table>" in (out / "compare.html").read_text()
    again = CliRunner().invoke(cli, ["compare", str(a), str(b), "--out", str(out)])
    assert again.exit_code == 1 and "exists" in again.output


def test_compare_refuses_what_is_not_a_finished_run_or_sweep(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(
        cli, ["compare", str(tmp_path / "empty"), "--out", str(tmp_path / "c")]
    )
    assert result.exit_code == 1
    assert "neither a finished run" in result.output
    assert not (tmp_path / "c").exists()
    sweep = _sweep(tmp_path / "sw", {2: [1.0, 2.0]})
    for p in (sweep / "runs" / "r01").iterdir():
        p.unlink()
    result = CliRunner().invoke(cli, ["compare", str(sweep), "--out", str(tmp_path / "c")])
    assert result.exit_code == 1 and "not finished" in result.output


def test_compare_page_has_the_report_style_in_both_languages(tmp_path: Path) -> None:
    import pandas as pd

    from klshuttle.compare import write_compare_html
    from klshuttle.outputs.report.page import CSS

    nan = float("nan")
    table = pd.DataFrame(
        {
            "entry": ["before", "after"],
            "figure": ["wait_mean_s", "wait_mean_s"],
            "mean": [300.0, 200.0],
            "n": [5, 5],
            "ci95_low": [280.0, 190.0],
            "ci95_high": [320.0, 210.0],
            "diff": [nan, -100.0],
            "beyond_noise": [None, True],
            "welch_p": [nan, 0.001],
        }
    )
    for lang, word in (("en", "difference"), ("de", "Unterschied")):
        path = tmp_path / f"{lang}.html"
        write_compare_html(table, path, lang=lang)
        page = path.read_text()
        assert CSS.strip() in page and f'lang="{lang}"' in page
        assert f"<th>{word}</th>" in page and "<b>-100</b>" in page
        assert "http" not in page and "<script" not in page
