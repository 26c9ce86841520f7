"""The headless-Chromium checker fails where it must: a blank page, a console
error, a network request (each broken once on purpose), and passes a plain page."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser import BLANK_STD, chromium, render


@pytest.fixture(scope="module", autouse=True)
def _need_chromium() -> None:
    if chromium() is None:
        pytest.fail("chromium is missing: .ci/run installs it (apt-get install chromium)")


def _page(tmp_path: Path, body: str) -> Path:
    page = tmp_path / "page.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>'
    )
    return page


GOOD = "<h1 style='font-size:80px'>Kaiserslautern</h1>" + "<p>Shuttle " * 200


def test_a_plain_page_passes(tmp_path: Path) -> None:
    got = render(_page(tmp_path, GOOD), tmp_path / "s.png", width=800, height=600)
    assert got.pixel_std() > BLANK_STD
    assert got.console_errors() == []
    assert got.external_requests() == []


def test_a_blank_page_is_caught(tmp_path: Path) -> None:
    got = render(_page(tmp_path, ""), tmp_path / "s.png", width=800, height=600)
    assert got.pixel_std() < BLANK_STD


def test_a_page_whose_content_fails_to_show_is_caught(tmp_path: Path) -> None:
    # content present in the DOM but hidden: the screenshot is what counts
    got = render(_page(tmp_path, f"<div style='display:none'>{GOOD}</div>"), tmp_path / "s.png")
    assert got.pixel_std() < BLANK_STD


def test_a_console_error_is_caught(tmp_path: Path) -> None:
    page = _page(tmp_path, GOOD + "<script>console.error('broken'); notDefined();</script>")
    got = render(page, tmp_path / "s.png", width=800, height=600)
    errors = got.console_errors()
    assert any("broken" in e for e in errors)
    assert any("notDefined" in e for e in errors)


def test_a_network_request_is_caught(tmp_path: Path) -> None:
    page = _page(tmp_path, GOOD + '<img src="https://tile.example.invalid/1/2/3.png">')
    got = render(page, tmp_path / "s.png", width=800, height=600)
    assert got.external_requests() == ["https://tile.example.invalid/1/2/3.png"]


def test_a_stylesheet_request_is_caught(tmp_path: Path) -> None:
    page = _page(tmp_path, '<link rel="stylesheet" href="http://cdn.example.invalid/x.css">' + GOOD)
    got = render(page, tmp_path / "s.png", width=800, height=600)
    assert got.external_requests() == ["http://cdn.example.invalid/x.css"]
