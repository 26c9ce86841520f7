"""The 100,000-request, 500-vehicle door-to-door day: serial against parallel insertion.

Too long for CI (a few minutes per pair on 2 cores); the CI benchmark
``sim_day_threads_*`` in benchmarks/test_simulation.py is a smaller day with the
same guarded ratio. Each run is a fresh process (its own peak memory), with
the day's scenario of benchmarks/test_simulation.py (capacity 8, insertion
dispatcher, requests from the OSM demand model over the Kaiserslautern graph,
output files written); serial and parallel runs alternate, so a change in the
machine's load hits both. Prints one line per run and then the medians, the
ratio serial / parallel and whether every run wrote byte-identical files.

    python scripts/bench_big_day.py --repeats 3 [--requests 100000 --vehicles 500]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def one_day(requests: int, vehicles: int, threads: int) -> dict[str, Any]:
    """Resolve, simulate and write one day in this process; times, memory and digest."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from klshuttle import Router, load_map, simulate
    from klshuttle.outputs import write_result
    from klshuttle.resolve import resolve
    from test_simulation import _day_scenario

    sc = _day_scenario(requests, vehicles)
    t0 = time.perf_counter()
    graph = load_map(os.environ["KLSHUTTLE_OSM"], settings=sc.build_settings)
    router = Router(graph)
    t1 = time.perf_counter()
    resolved = resolve(sc, graph=graph)  # stops, depots and the demand (requests)
    t2 = time.perf_counter()
    result = simulate(sc, resolved=resolved, router=router, threads=threads)
    t3 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="klshuttle-bigday-") as tmp:
        folder = write_result(result, Path(tmp) / "day")
        t4 = time.perf_counter()
        digest = hashlib.sha256()
        for f in sorted(p for p in folder.rglob("*") if p.is_file()):
            if f.name != "run.json":  # holds the klshuttle version only in addition
                digest.update(f.relative_to(folder).as_posix().encode())
                digest.update(f.read_bytes())
    return {
        "threads": threads,
        "map_router_s": t1 - t0,
        "resolve_demand_s": t2 - t1,
        "simulate_s": t3 - t2,
        "simulation_s": result.timings_s["simulation"],
        "tables_s": result.timings_s["tables"],
        "write_s": t4 - t3,
        "day_s": t4 - t1,
        "served_share": result.kpis["served_share"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "digest": digest.hexdigest()[:16],
        "load_1min": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--vehicles", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2, help="threads of the parallel runs")
    ap.add_argument("--repeats", type=int, default=3, help="pairs of runs (serial, parallel)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(one_day(args.requests, args.vehicles, args.threads)))
        return 0
    runs: dict[int, list[dict[str, Any]]] = {1: [], args.threads: []}
    for rep in range(args.repeats):
        # alternate which goes first, so neither always meets the same load
        order = (1, args.threads) if rep % 2 == 0 else (args.threads, 1)
        for threads in order:
            cmd = [sys.executable, __file__, "--child", "--threads", str(threads)]
            cmd += ["--requests", str(args.requests), "--vehicles", str(args.vehicles)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True)
            run = json.loads(out.stdout.strip().splitlines()[-1])
            runs[threads].append(run)
            print(json.dumps(run), flush=True)
    med = {
        t: {
            k: statistics.median(r[k] for r in rs) for k in ("day_s", "simulation_s", "peak_rss_mb")
        }
        for t, rs in runs.items()
    }
    digests = {r["digest"] for rs in runs.values() for r in rs}
    for t, m in med.items():
        print(
            f"threads={t}: median day {m['day_s']:.1f} s (simulation {m['simulation_s']:.1f} s), "
            f"peak memory {m['peak_rss_mb']:.0f} MB"
        )
    print(
        f"serial / parallel: day {med[1]['day_s'] / med[args.threads]['day_s']:.2f}x, "
        f"simulation {med[1]['simulation_s'] / med[args.threads]['simulation_s']:.2f}x; "
        f"byte-identical files: {len(digests) == 1}"
    )
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
