"""Helpers for the demand tests: a scenario head without demand models, resolving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from klshuttle import load_scenario
from klshuttle.resolve import resolve
from scenario_files import SMALL, scenario_dir, write

#: SMALL up to its first demand model: append ``[[demand.models]]`` tables to it.
HEAD = SMALL.split("[[demand.models]]")[0]


def resolve_text(tmp_path: Path, text: str, name: str = "s.toml", **kw: Any) -> Any:
    """Write ``text`` beside a copy of base.toml and resolve it on the real map."""
    folder = scenario_dir(tmp_path)
    return resolve(load_scenario(write(folder, name, text)), **kw)
