"""Planning the lines of a line scenario: stop order, timetable from demand, vehicles.

:func:`plan_lines` takes a scenario with ``[[service.lines]]`` and

1. orders each ``stops`` line's stops (and via points) between its two
   terminals by the shortest cycle time (:mod:`~klshuttle.planning.lineroute`);
   a line on an OSM route keeps the relation's order;
2. loads the day's demand onto the lines and finds, per hour, the load on the
   busiest segment; from it the peak and off-peak headways
   (:mod:`~klshuttle.planning.timetable`);
3. aligns the departures to the trains at the hub of a ``feeder`` demand model
   when the line serves it;
4. writes the departures into the line (explicit ``departures``) and sizes the
   fleet to what the timetable needs (cycle time with dwell and layover).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import KlshuttleError
from ..lines import Line
from ..resolve import ResolvedScenario, resolve
from ..scenario import FeederDemand, Scenario
from .lineroute import cycle_cost_s, order_stops
from .timetable import align_offset_s, departures_for_periods, periods_from_loads, segment_loads

__all__ = ["plan_lines"]


def _with(scenario: Scenario, data: dict[str, Any]) -> Scenario:
    new = Scenario.model_validate(data)
    new._source_path, new._chain = scenario._source_path, scenario._chain
    return new


def _order(res: ResolvedScenario, i: int, entry: dict[str, Any]) -> dict[str, Any]:
    """Reorder line ``i``'s stops and vias in ``entry``; return what was done."""
    from ..routing import cost_matrix

    spec = res.scenario.service.lines[i]
    ln = res.lines[i]
    assert spec.stops is not None
    fwd = ln.stops["forward"]
    # points in the spec's order: stops, each followed by the vias after it
    points: list[tuple[str, Any]] = []
    vias_after: dict[int, list[int]] = {}
    for j, v in enumerate(spec.via):
        vias_after.setdefault(spec.stops.index(v.after), []).append(j)
    nodes: list[int] = []
    for k, name in enumerate(spec.stops):
        points.append(("stop", name))
        nodes.append(int(res.stops.node[fwd[k]]))
        if k < len(spec.stops) - 1:
            for n, j in zip(
                ln.waypoints["forward"][k].tolist(), vias_after.get(k, []), strict=True
            ):
                points.append(("via", j))
                nodes.append(int(n))
    t = np.asarray(cost_matrix(res.graph, np.array(nodes), np.array(nodes)), dtype=np.float64)
    before = cycle_cost_s(t, np.arange(len(nodes)))
    best = order_stops(t, start=0, end=len(nodes) - 1)
    stops: list[str] = []
    via: list[dict[str, Any]] = []
    for p in best.order.tolist():
        kind, what = points[p]
        if kind == "stop":
            stops.append(what)
        else:
            v = entry["via"][what]
            via.append({**v, "after": stops[-1]})
    entry["stops"] = stops
    entry["via"] = via
    return {
        "order": stops,
        "via_after": [v["after"] for v in via],
        "cycle_driving_s_before": before,
        "cycle_driving_s": best.cycle_s,
        "exact": best.exact,
    }


def _train_times(scenario: Scenario) -> list[tuple[Any, np.ndarray, np.ndarray, float]]:
    """(hub, train departures, train arrivals, transfer time) of each feeder model."""
    out = []
    for m in scenario.demand.models:
        if not isinstance(m, FeederDemand):
            continue
        if m.trains is not None:
            dep = np.array(sorted(m.trains.departures), dtype=np.float64)
            arr = np.array(sorted(m.trains.arrivals), dtype=np.float64)
        else:
            from ..demand.gtfs import read_gtfs_train_times

            assert m.gtfs is not None  # the schema requires trains or gtfs
            dep, arr = read_gtfs_train_times(
                Path(m.gtfs.feed),
                m.gtfs.stop_name,
                m.gtfs.date,
                tuple(m.gtfs.route_types),
                where=f"{scenario.name}: demand.models.gtfs",
            )
        out.append((m.hub, dep, arr, float(m.transfer_time_s)))
    return out


def _hub_stop(res: ResolvedScenario, hub: Any) -> int | None:
    if isinstance(hub, str):
        return res.stops.index_of(hub)
    from ..graph import to_metric

    sx, sy = to_metric(np.asarray(res.stops.lon), np.asarray(res.stops.lat))
    hx, hy = to_metric(np.array([hub.lon]), np.array([hub.lat]))
    d = np.hypot(sx - hx[0], sy - hy[0])
    k = int(np.argmin(d))
    return k if d[k] <= 250.0 else None


def _timetable(
    res: ResolvedScenario,
    i: int,
    route_base: int,
    *,
    load_factor: float,
    policy_headway_s: float,
    min_headway_s: float,
) -> tuple[np.ndarray, dict[str, Any]]:
    sc = res.scenario
    spec = sc.service.lines[i]
    ln: Line = res.lines[i]
    hours = sc.fleet.vehicle.operating_hours
    cap = sc.fleet.vehicle.capacity
    dwell = sc.fleet.vehicle.dwell_time_s
    rides = res.line_rides()
    req = res.requests
    assert rides is not None and req is not None
    n_hours = max(1, math.ceil((hours.end - hours.start) / 3600.0 - 1e-9))
    busiest = np.zeros(n_hours)
    riders = 0
    pats = ln.patterns()
    for j, pat in enumerate(pats):
        mine = rides.route == route_base + j
        riders += int(req.passengers[mine].sum())
        loads = segment_loads(
            len(pat.stops),
            np.where(mine, rides.board, -1),
            np.where(mine, rides.alight, -1),
            req.time_s,
            req.passengers,
            day_start_s=hours.start,
            n_hours=n_hours,
        )
        busiest = np.maximum(busiest, loads.max(axis=1) if loads.size else 0.0)
    periods = periods_from_loads(
        busiest.tolist(),
        day_start_s=hours.start,
        capacity=cap,
        load_factor=load_factor,
        policy_headway_s=policy_headway_s,
        min_headway_s=min_headway_s,
    )
    run_f = ln.run_time_s["forward"]
    if ln.through:
        round_trip = ln.patterns()[0].run_time_s + spec.layover_s
        trip_end = round_trip - spec.layover_s
    else:
        back = ln.run_time_s.get("backward", 0.0)
        round_trip = run_f + spec.layover_s + back + (spec.layover_s if back else 0.0)
        trip_end = run_f + (spec.layover_s + back if back else 0.0)
    first = hours.start if spec.first is None else spec.first
    last = (hours.end - trip_end) if spec.last is None else spec.last
    offset, missed, wait = 0.0, 0, 0.0
    trains: dict[str, Any] | None = None
    pat0 = pats[0]
    for hub, dep, arr, transfer in _train_times(sc):
        k = _hub_stop(res, hub)
        seq = pat0.stops.tolist()
        if k is None or k not in seq:
            continue
        at = pat0.arrival_offsets_s(dwell)
        last_pos = len(seq) - 1 - seq[::-1].index(k)
        first_pos = seq.index(k)
        arrive = float(at[last_pos]) if last_pos > 0 else None
        leave = (
            float(at[first_pos] + (dwell if first_pos > 0 else 0.0))
            if first_pos < len(seq) - 1
            else None
        )
        offset, missed, wait = align_offset_s(
            periods,
            first,
            last,
            arrive_hub_after_s=arrive,
            leave_hub_after_s=leave,
            train_departures_s=dep,
            train_arrivals_s=arr,
            transfer_s=transfer,
        )
        n_trains = (len(dep) if arrive is not None else 0) + (len(arr) if leave is not None else 0)
        trains = {
            "hub": str(res.stops.name[k]),
            "trains": n_trains,
            "offset_s": offset,
            "missed": missed,
            "mean_wait_s": wait / max(n_trains - missed, 1),
        }
        break
    deps = departures_for_periods(periods, first, last, offset)
    if len(deps) == 0:
        raise KlshuttleError(f"service.lines[{i}]: no departure fits the operating hours")
    peak_h = min(p.headway_s for p in periods)
    report = {
        "name": ln.name,
        "riders": riders,
        "capacity": cap,
        "load_factor": load_factor,
        "policy_headway_s": policy_headway_s,
        "busiest_load_pax_h": busiest.tolist(),
        "periods": [
            {
                "start_s": p.start_s,
                "end_s": p.end_s,
                "headway_s": p.headway_s,
                "peak": p.peak,
                "busiest_load_pax_h": p.busiest_load_pax_h,
            }
            for p in periods
        ],
        "departures": len(deps),
        "round_trip_s": round_trip,
        "vehicles_by_headway": math.ceil(round_trip / peak_h - 1e-9),
        "trains": trains,
    }
    return deps, report


def plan_lines(
    scenario: Scenario,
    *,
    load_factor: float = 0.8,
    policy_headway_s: float = 1800.0,
    min_headway_s: float = 120.0,
    order: bool = True,
) -> Any:
    """Plan the lines of a line or hybrid scenario (see the module docstring).

    Parameters
    ----------
    scenario
        A scenario with ``[[service.lines]]``.
    load_factor
        Share of the vehicle capacity planned for the peak hour.
    policy_headway_s
        Longest headway (the off-peak service).
    min_headway_s
        Shortest headway accepted.
    order
        Reorder the stops of ``stops`` lines by the shortest cycle time.

    Returns
    -------
    Plan
        The scenario with the planned lines and fleet, and a report.
    """
    from .plan import Plan

    if not scenario.service.lines:
        raise KlshuttleError(f"{scenario.name} has no [[service.lines]] to plan")
    data = scenario.model_dump(mode="python")
    data["name"] = f"{scenario.name}-planned"
    res0 = resolve(scenario, demand=False)
    old_line_vehicles = sum(ln.vehicles for ln in res0.lines)
    lines_report: list[dict[str, Any]] = []
    for i, spec in enumerate(scenario.service.lines):
        rep: dict[str, Any] = {}
        if order and spec.stops is not None and len(spec.stops) > 3:
            rep["route"] = _order(res0, i, data["service"]["lines"][i])
        lines_report.append(rep)
    # provisional fleet: the lines may need more vehicles than the scenario has
    data["fleet"]["vehicles"] = 10_000
    for entry in data["service"]["lines"]:
        entry["vehicles"] = None
    sc1 = _with(scenario, data)
    res1 = resolve(sc1)
    base = 0
    for i, ln in enumerate(res1.lines):
        deps, rep = _timetable(
            res1,
            i,
            base,
            load_factor=load_factor,
            policy_headway_s=policy_headway_s,
            min_headway_s=min_headway_s,
        )
        base += len(ln.patterns())
        entry = data["service"]["lines"][i]
        entry.update(
            headway_s=None,
            first=None,
            last=None,
            departures=[float(x) for x in deps],
            return_departures=None,
        )
        lines_report[i].update(rep)
    sc2 = _with(scenario, data)
    res2 = resolve(sc2, demand=False)
    need = sum(ln.vehicles_needed for ln in res2.lines)
    if scenario.service.mode == "line":
        data["fleet"]["vehicles"] = need
    else:
        on_demand = scenario.fleet.vehicles - old_line_vehicles
        data["fleet"]["vehicles"] = need + max(on_demand, 1)
    sc3 = _with(scenario, data)
    res3 = resolve(sc3, demand=False)
    for rep, ln in zip(lines_report, res3.lines, strict=True):
        rep["vehicles"] = ln.vehicles_needed
        rep["run_time_s"] = dict(ln.run_time_s)
        rep["through_running"] = ln.through
    report = {"kind": "lines", "lines": lines_report, "vehicles": data["fleet"]["vehicles"]}
    return Plan(sc3, res3, report)
