"""Speed-up ratios from pytest-benchmark JSON files (median against median).

Usage::

    pytest benchmarks --benchmark-only --benchmark-json=run1.json
    python benchmarks/ratios.py run1.json [run2.json ...]

For every group, each reference's median time is divided by the median time
of each klshuttle entry (names ``test_<group>[klshuttle...]``). With several
files (separate runs, so that the contenders meet the same machine noise
several times) it prints each run's ratio and their median.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

_NAME = re.compile(r"^(?P<test>[^\[]+)\[(?P<impl>[^\]]+)\]$")


def medians(path: Path) -> dict[str, dict[str, float]]:
    """``{group: {impl: median seconds}}`` from one pytest-benchmark JSON file."""
    data = json.loads(path.read_text())
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for bench in data["benchmarks"]:
        match = _NAME.match(bench["name"])
        impl = match.group("impl") if match else bench["name"]
        out[bench["group"]][impl] = bench["stats"]["median"]
    return out


def ratios(path: Path) -> dict[tuple[str, str, str], float]:
    """``{(group, reference, ours): reference median / our median}``."""
    result = {}
    for group, impls in medians(path).items():
        ours = [name for name in impls if name.startswith("klshuttle")]
        for ref in (name for name in impls if not name.startswith("klshuttle")):
            for mine in ours:
                result[(group, ref, mine)] = impls[ref] / impls[mine]
    return result


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    runs = [ratios(Path(a)) for a in argv]
    keys = sorted({k for r in runs for k in r})
    head = f"{'group':<16} {'ours':<18} {'vs':<10} " + " ".join(
        f"run{i + 1:>6}" for i in range(len(runs))
    )
    print(head + ("   median" if len(runs) > 1 else ""))
    for key in keys:
        values = [r[key] for r in runs if key in r]
        cells = " ".join(
            f"{v:9.1f}x" if key in r else f"{'-':>10}" for r, v in zip(runs, values, strict=False)
        )
        line = f"{key[0]:<16} {key[2]:<18} {key[1]:<10} {cells}"
        if len(runs) > 1:
            line += f" {statistics.median(values):8.1f}x"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
