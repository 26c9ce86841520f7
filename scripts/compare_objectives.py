"""Compare the dispatch objectives on shipped scenarios over several seeds.

Prints a Markdown table (the README's "Dispatch objectives" table): per
scenario and objective, the mean over the seeds of the served share, mean and
95th-percentile wait, mean and 95th-percentile ride / direct time, share of
riders for whom walking would have been faster, pooling rate, vehicle-km per
passenger-km and vehicles used. Each seed is resolved once and simulated with
every objective (same requests, same road graph).

    python scripts/compare_objectives.py scenarios/hbf-feeder-on-demand.toml \
        scenarios/campus-on-demand.toml --seeds 1 2 3 4 5
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tomllib

from klshuttle import load_scenario
from klshuttle.resolve import resolve
from klshuttle.routing import Router
from klshuttle.runner import simulate

OBJECTIVES = ("vehicle_time", "passenger_time", "weighted")
COLUMNS = (
    ("served", "served_share", "{:.1%}"),
    ("wait mean s", "wait_mean_s", "{:.0f}"),
    ("wait p95 s", "wait_p95_s", "{:.0f}"),
    ("ride/direct mean", "detour_mean", "{:.2f}"),
    ("ride/direct p95", "detour_p95", "{:.2f}"),
    ("walk faster", "walk_faster_share", "{:.1%}"),
    ("pooled", "pooling_rate", "{:.1%}"),
    ("veh-km / pass-km", "vehicle_km_per_passenger_km", "{:.2f}"),
    ("vehicles used", "vehicles_used", "{:.1f}"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="+")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3, 4, 5])
    parser.add_argument("--objectives", nargs="+", default=list(OBJECTIVES))
    parser.add_argument("--set", action="append", default=[], help="KEY=VALUE override")
    args = parser.parse_args(argv)
    overrides = {}
    for item in args.set:
        key, _, text = item.partition("=")
        try:
            overrides[key] = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            overrides[key] = text
    head = "| scenario | objective | " + " | ".join(c[0] for c in COLUMNS) + " |"
    print(head)
    print("|" + "---|" * (len(COLUMNS) + 2))
    for path in args.scenarios:
        runs: dict[str, list[dict]] = {o: [] for o in args.objectives}
        router = None
        for seed in args.seeds:
            base = load_scenario(path, overrides=overrides)
            resolved = resolve(base, seed=seed)
            router = router or Router(resolved.graph)
            for objective in args.objectives:
                sc = load_scenario(path, overrides={**overrides, "dispatch.objective": objective})
                res = simulate(
                    sc,
                    seed=seed,
                    resolved=dataclasses.replace(resolved, scenario=sc),
                    router=router,
                )
                runs[objective].append(res.kpis)
                print(f"{sc.name} {objective} seed {seed} done", file=sys.stderr)
        for objective, kpis in runs.items():
            cells = []
            for _, key, fmt in COLUMNS:
                values = [k[key] for k in kpis if k[key] is not None]
                cells.append(fmt.format(statistics.fmean(values)) if values else "-")
            print(f"| {base.name} | {objective} | " + " | ".join(cells) + " |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
