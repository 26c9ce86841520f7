"""Fail when a speed ratio of the benchmark run falls below its floor.

Usage::

    pytest benchmarks --benchmark-only --benchmark-json=benchmarks/results/run.json
    python benchmarks/guard.py benchmarks/results/run.json [--floors benchmarks/floors.toml]

Each floor in ``floors.toml`` names a benchmark group, our entry and a
reference entry of that group (pytest-benchmark names
``test_<group>[<impl>]``); the ratio is the reference's median time over
ours, so both were measured in the same run on the same machine. The guard
prints every ratio with its floor and exits 1 if any ratio is below its floor
or a floored benchmark is missing from the run, naming the benchmark, the
ratio and the floor.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_NAME = re.compile(r"^(?P<test>[^\[]+)\[(?P<impl>[^\]]+)\]$")


def medians(run: dict[str, Any]) -> dict[tuple[str, str], float]:
    """``{(group, impl): median seconds}`` of a pytest-benchmark JSON document."""
    out = {}
    for bench in run["benchmarks"]:
        match = _NAME.match(bench["name"])
        impl = match.group("impl") if match else bench["name"]
        # parametrize ids of several parameters read "impl-size": keep the impl part
        impl = impl.split("-")[0]
        out[(bench["group"], impl)] = float(bench["stats"]["median"])
    return out


def check(run: dict[str, Any], floors: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Compare the run's ratios with the floors.

    Returns
    -------
    lines : list of str
        One line per floor: group, ours vs reference, ratio, floor.
    failures : list of str
        One message per floor not met.
    """
    med = medians(run)
    lines, failures = [], []
    for f in floors:
        group, ours, ref, floor = f["group"], f["ours"], f["reference"], float(f["min_ratio"])
        label = f"{group}: {ours} vs {ref}"
        if (group, ours) not in med or (group, ref) not in med:
            failures.append(f"{label}: not in this benchmark run (floor {floor:g}x)")
            lines.append(f"{label:<52} {'missing':>10} {floor:>9.3g}x  MISSING")
            continue
        ratio = med[(group, ref)] / med[(group, ours)]
        ok = ratio >= floor
        lines.append(f"{label:<52} {ratio:>9.3g}x {floor:>9.3g}x  {'ok' if ok else 'BELOW FLOOR'}")
        if not ok:
            failures.append(
                f"{label}: ratio {ratio:.2f}x is below its floor {floor:g}x ({f['guards']})"
            )
    return lines, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="pytest-benchmark JSON (--benchmark-json)")
    parser.add_argument("--floors", type=Path, default=HERE / "floors.toml")
    args = parser.parse_args(argv)
    try:
        run = json.loads(args.run.read_text())
        floors = tomllib.loads(args.floors.read_text())["floor"]
    except (OSError, ValueError, KeyError) as exc:
        print(f"guard: cannot read {args.run} or {args.floors}: {exc}", file=sys.stderr)
        return 2
    lines, failures = check(run, floors)
    print(f"{'benchmark':<52} {'ratio':>10} {'floor':>10}")
    print("\n".join(lines))
    for message in failures:
        print(f"guard: {message}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
