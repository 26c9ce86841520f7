"""Every shipped scenario's report, in English and German, rendered in headless Chromium:
not blank, no console message, no network request; and ``klshuttle run --lang de``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from browser import BLANK_STD, chromium, render

REPO = Path(__file__).resolve().parents[1]
#: The runnable shipped scenarios (those with stored output digests).
SHIPPED = sorted(json.loads((Path(__file__).parent / "data" / "output_digests.json").read_text()))


@pytest.fixture(scope="module", autouse=True)
def _need_chromium() -> None:
    if chromium() is None:
        pytest.fail("chromium is missing: .ci/run installs it (apt-get install chromium)")


def _check_page(page: Path, lang: str) -> None:
    text = page.read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in text
    assert not re.search(r"https?://|<script|<link|@import|url\(", text)
    got = render(page, page.with_suffix(".png"))
    assert got.pixel_std() > BLANK_STD, f"{page.name}: blank screenshot"
    assert got.console_errors() == [], f"{page.name}: console messages"
    assert got.external_requests() == [], f"{page.name}: network requests"


@pytest.mark.kaiserslautern
@pytest.mark.parametrize("name", SHIPPED)
def test_report_renders_in_chromium(name: str, kl_env: Path, tmp_path: Path) -> None:
    from klshuttle.outputs.report import render_html
    from klshuttle.runner import simulate
    from klshuttle.scenario import load_scenario

    result = simulate(
        load_scenario(REPO / "scenarios" / f"{name}.toml", overrides={"demand.seed": 1})
    )
    for lang, words in (("en", ("door to door", "served")), ("de", ("Tür zu Tür", "bedient"))):
        page = tmp_path / f"{name}-{lang}.html"
        html = render_html(result, lang)
        assert all(w in html for w in words)
        page.write_text(html, encoding="utf-8")
        _check_page(page, lang)
    # German numbers in the German page: a percent with a space, no English thousands
    de = (tmp_path / f"{name}-de.html").read_text(encoding="utf-8")
    assert re.search(r"\d\u00a0%", de)
    lead = re.search(r'<p class="lead">(.*?)</p>', de)
    assert lead and not re.search(r"\d,\d{3}\b", lead.group(1))


@pytest.mark.kaiserslautern
def test_run_lang_de_writes_german_report_and_summary(
    kl_osm: Path, kl_cache: Path, kl_graph: object, tmp_path: Path
) -> None:
    env = {**os.environ, "KLSHUTTLE_OSM": str(kl_osm), "KLSHUTTLE_CACHE_DIR": str(kl_cache)}
    scenario = str(REPO / "scenarios" / "trippstadter-line.toml")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "klshuttle",
            "run",
            scenario,
            "--lang",
            "de",
            "--out",
            "de",
            "--no-progress",
            "--seed",
            "1",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Fahrtwünsche" in proc.stdout and "Wartezeit" in proc.stdout
    assert re.search(r"\d\u00a0%", proc.stdout)
    # the report is public, the scenario copy private (the run folder of issue 16)
    report = tmp_path / "de" / "public" / "report.html"
    _check_page(report, "de")
    assert "<h2>Datenschutz</h2>" in report.read_text(encoding="utf-8")
    assert 'lang = "de"' in (tmp_path / "de" / "private" / "scenario.toml").read_text()
