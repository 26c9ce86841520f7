"""A tiny self-contained scenario for command-line tests: a street grid, a CSV demand.

``grid_scenario(folder)`` writes ``grid.osm`` (6 x 6 residential streets 150 m
apart), ``trips.csv`` (ten trips across the grid) and ``grid.toml`` (two
shuttles, virtual stops, the CSV demand) into ``folder``. The scenario needs
no other file and no network; a run takes about a second once the kernels are
compiled.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from osm_xml import lonlat, write_osm

N = 6
SPACING_M = 150.0


def grid_scenario(folder: Path, extra: str = "") -> Path:
    """Write the grid map, its trips and its scenario into ``folder``; return the scenario."""
    folder.mkdir(parents=True, exist_ok=True)
    nodes = {1 + i * N + j: (j * SPACING_M, i * SPACING_M) for i in range(N) for j in range(N)}
    ways = []
    for i in range(N):
        ways.append((100 + 2 * i, [1 + i * N + j for j in range(N)], {"highway": "residential"}))
        ways.append((101 + 2 * i, [1 + j * N + i for j in range(N)], {"highway": "residential"}))
    # one bus stop, so that reading the map's features warns about nothing
    stop = {8: {"highway": "bus_stop", "name": "Gitter"}}
    write_osm(folder / "grid.osm", nodes, ways, stop)
    a, b, depot = lonlat(100, 100), lonlat(600, 600), lonlat(300, 300)
    rows = "".join(
        f"07:{m:02d},{a[0]:.6f},{a[1]:.6f},{b[0]:.6f},{b[1]:.6f}\n" for m in range(0, 50, 5)
    )
    (folder / "trips.csv").write_text("time,origin_lon,origin_lat,dest_lon,dest_lat\n" + rows)
    path = folder / "grid.toml"
    path.write_text(
        f"""name = "grid"
[map]
osm = "grid.osm"
[fleet]
vehicles = 2
depots = [{{ name = "Depot", lon = {depot[0]:.6f}, lat = {depot[1]:.6f} }}]
[service]
mode = "on_demand"
stops = {{ type = "virtual", spacing_m = 200.0 }}
[demand]
seed = 1
[[demand.models]]
type = "csv"
file = "trips.csv"
{extra}"""
    )
    return path


def tree(root: Path, skip: Iterable[str] = ("cache",)) -> set[str]:
    """Every path below ``root`` (relative, as text), leaving out the folders in ``skip``."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        if not rel.parts:
            dirnames[:] = [d for d in dirnames if d not in skip]
        out |= {str(rel / n) for n in dirnames + filenames}
    return out


def klshuttle(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m klshuttle`` in ``cwd`` (a real process: signals, entry point)."""
    return subprocess.run(
        [sys.executable, "-m", "klshuttle", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def one_line_error(stderr: str, *words: str) -> str:
    """The one line of ``stderr``; fails unless it is one line naming every word."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr, stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def fails_cleanly(root: Path, args: list[str], *words: str) -> str:
    """Run the CLI in-process with ``args``: exit 1, one line naming ``words``, and
    nothing written or deleted below ``root``. Returns the line."""
    from click.testing import CliRunner

    from klshuttle.cli import cli

    before = tree(root)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    line = one_line_error(result.stderr, *words)
    assert tree(root) == before, "something was written or deleted"
    return line
