"""The command line: help on every subcommand, one-line errors, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from klshuttle.cli import cli
from osm_xml import write_osm


def _run(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "klshuttle", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def _all_commands(group, prefix=()):
    import click

    for name, cmd in group.commands.items():
        yield (*prefix, name)
        if isinstance(cmd, click.Group):
            yield from _all_commands(cmd, (*prefix, name))


@pytest.mark.parametrize(
    "command", [(), *list(_all_commands(cli))], ids=lambda c: " ".join(c) or "top"
)
def test_help_on_every_subcommand(command: tuple[str, ...]) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output


def test_map_build_prints_summary(tmp_path: Path) -> None:
    osm = write_osm(
        tmp_path / "t.osm",
        {1: (0, 0), 2: (200, 0), 3: (200, 200)},
        [(1, [1, 2, 3], {"highway": "residential", "name": "Teststrasse"})],
    )
    proc = _run("map", "build", "--osm", str(osm))
    assert proc.returncode == 0, proc.stderr
    assert "nodes" in proc.stdout and "km residential" in proc.stdout
    again = _run("map", "build", "--osm", str(osm))
    assert "loaded from cache" in again.stdout


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (None, ["--osm", "{tmp}/missing.osm"], "OSM file not found"),
        ("text", ["--osm", "{tmp}/bad.osm"], "not a readable OpenStreetMap file"),
        ("footways", ["--osm", "{tmp}/foot.osm"], "no drivable road"),
        (
            "ok",
            ["--osm", "{tmp}/ok.osm", "--road-classes", "residential,highways"],
            "unknown road class",
        ),
    ],
)
def test_map_build_bad_input_is_one_line(tmp_path: Path, make, args, message) -> None:
    if make == "text":
        (tmp_path / "bad.osm").write_text("hello\n")
    elif make == "footways":
        write_osm(
            tmp_path / "foot.osm", {1: (0, 0), 2: (50, 0)}, [(1, [1, 2], {"highway": "footway"})]
        )
    elif make == "ok":
        write_osm(
            tmp_path / "ok.osm", {1: (0, 0), 2: (50, 0)}, [(1, [1, 2], {"highway": "residential"})]
        )
    proc = _run("map", "build", *[a.format(tmp=tmp_path) for a in args])
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_map_build_offline_place_fails_in_one_line() -> None:
    proc = _run(
        "map",
        "build",
        "--place",
        "Kaiserslautern, Germany",
        env_extra={"KLSHUTTLE_OVERPASS_URL": "http://127.0.0.1:9/api"},
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "cannot reach" in proc.stderr
