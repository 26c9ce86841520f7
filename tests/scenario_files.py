"""Helpers for scenario tests: write small scenario files beside a copy of base.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
SHIPPED = sorted(p for p in SCENARIOS.glob("*.toml"))

#: A small valid on-demand scenario around the Hauptbahnhof (extends base.toml).
SMALL = """
extends = "base.toml"
[map]
area = { type = "stops", stops = ["Hauptbahnhof"], buffer_m = 1200.0 }
[fleet]
vehicles = 3
[[demand.models]]
type = "osm"
name = "residents"
trips_per_day = 200
hubs = { "Hauptbahnhof" = 1.0 }
"""


def scenario_dir(tmp_path: Path) -> Path:
    """A folder holding a copy of the shipped base.toml."""
    folder = tmp_path / "sc"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SCENARIOS / "base.toml", folder / "base.toml")
    return folder


def write(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` (dedented) to ``folder/name`` and return the path."""
    import textwrap

    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path
