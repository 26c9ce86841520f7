"""A door-to-door day on the tiled city-scale graph, without all-pairs tables.

The central Kaiserslautern graph tiled 5 x 5 (``benchmarks/tiled.py``, about
48,000 nodes; its all-pairs tables would need 46 GB) carries a day of
``--requests`` door-to-door requests served by ``--vehicles`` shuttles of
capacity 8 with the cheapest-insertion dispatcher, routed on the graph's
contraction hierarchy (:func:`klshuttle.simnet.sparse_net`). Requests: origins
uniform over the nodes, each destination a node 1-5 km in a straight line
from its origin, times uniform over 06:00-22:00; at most 15 min wait, a ride
at most 1.5 x the direct time + 5 min (``benchmarks/tiled.py``, ``city_day``). Prints one JSON line per run with the
time of each step, the served share and the peak memory of the process.

    python scripts/bench_tiled_day.py [--requests 10000 --vehicles 50 --threads 1]

A fresh process per run (``--repeats``) so that each peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def one_day(requests: int, vehicles: int, threads: int, seed: int) -> dict[str, Any]:
    """Build the graph and its hierarchy, simulate the day, compute the tables; times and memory."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from klshuttle import load_map
    from klshuttle.ch import contraction_hierarchy
    from klshuttle.sim import OnDemandSimulation
    from klshuttle.simnet import sparse_net
    from tiled import city_day, day_tables, tiled_graph

    t0 = time.perf_counter()
    central = load_map(os.environ["KLSHUTTLE_OSM"])
    graph = tiled_graph(central, 5, 5)
    t1 = time.perf_counter()
    ch = contraction_hierarchy(graph)
    net = sparse_net(graph, n_vehicles=vehicles)
    t2 = time.perf_counter()
    trips, fleet = city_day(graph, requests, vehicles, seed)
    t_s = trips.t_submit_s
    direct_s = ch.distances(trips.pickup_node, trips.dropoff_node)
    t3 = time.perf_counter()
    from klshuttle.dispatch import dispatch_params

    sim = OnDemandSimulation(
        net,
        fleet,
        trips,
        start_s=6 * 3600.0,
        end_s=22 * 3600.0,
        dispatch=dispatch_params(threads=threads),
    )
    log = sim.run_to_end()
    t4 = time.perf_counter()
    served, veh, loads = day_tables(log, sim.net, graph)
    t5 = time.perf_counter()
    wait = (log.requests["pickup_s"] - t_s)[served]
    ride = (log.requests["dropoff_s"] - log.requests["pickup_s"])[served]
    return {
        "requests": requests,
        "vehicles": vehicles,
        "threads": threads,
        "nodes": graph.n_nodes,
        "edges": graph.n_edges,
        "graph_s": round(t1 - t0, 2),
        "hierarchy_s": round(t2 - t1, 2),
        "demand_s": round(t3 - t2, 2),
        "simulation_s": round(t4 - t3, 2),
        "tables_s": round(t5 - t4, 2),
        "day_s": round(t5 - t2, 2),
        "total_s": round(t5 - t0, 2),
        "served_share": round(float(served.mean()), 4),
        "wait_p50_s": round(float(np.median(wait)), 1) if served.any() else None,
        "ride_over_direct_p50": round(float(np.median(ride / direct_s[served])), 3)
        if served.any()
        else None,
        "vehicle_km": round(float(veh["km_driven"].sum()), 1),
        "edges_driven": len(loads),
        "spaces_searched": int(net.sp_stats[2]),
        "cache_flushes": int(net.sp_stats[3]),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--vehicles", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if "KLSHUTTLE_OSM" not in os.environ:
        from klshuttle.mapconfig import bundled_map_path

        os.environ["KLSHUTTLE_OSM"] = str(bundled_map_path())
    if args.child:
        print(json.dumps(one_day(args.requests, args.vehicles, args.threads, args.seed)))
        return 0
    for _ in range(args.repeats):
        cmd = [sys.executable, __file__, "--child"] + [
            f"--{k}={v}"
            for k, v in vars(args).items()
            if k in ("requests", "vehicles", "threads", "seed")
        ]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        print(out.stdout.strip().splitlines()[-1], flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
