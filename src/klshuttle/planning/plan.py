"""``klshuttle plan``: a planned service written as a scenario plus GeoJSON.

* :func:`plan_osm_line` -- today's bus line from its OSM route relations
  (``osm_route``), the "before" of a comparison;
* :func:`plan_stops` -- stops chosen by :mod:`~klshuttle.planning.coverage`
  from the OSM bus stops and the street nodes of the area;
* :func:`write_plan` -- the scenario TOML (every key explicit, runnable by
  ``klshuttle run`` unchanged), ``stops.geojson``, ``routes.geojson``,
  ``plan.json`` and, with fleet sizing, ``fleet_sizing.csv`` and ``.png``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import KlshuttleError
from ..lines import select_relations
from ..places import normalize_name
from ..resolve import ResolvedScenario, resolve
from ..scenario import LineSpec, Scenario
from .coverage import StopPlan, coverage_matrix, place_stops
from .fleet import FleetSizing, plot_fleet_curve, scenario_with_fleet

__all__ = ["Plan", "plan_osm_line", "plan_stops", "size_plan_fleet", "write_plan"]


@dataclass
class Plan:
    """A planned service: the scenario and what to write beside it."""

    scenario: Scenario
    resolved: ResolvedScenario
    report: dict[str, Any] = field(default_factory=dict)
    fleet: FleetSizing | None = None


def _with(scenario: Scenario, data: dict[str, Any]) -> Scenario:
    new = Scenario.model_validate(data)
    new._source_path, new._chain = scenario._source_path, scenario._chain
    return new


def plan_osm_line(
    scenario: Scenario,
    ref: str,
    *,
    relations: list[int] | None = None,
    headway_s: float = 600.0,
    layover_s: float = 300.0,
    through_running: bool = False,
) -> Plan:
    """Today's bus line ``ref`` as mapped, as a line scenario on ``scenario``'s map and demand.

    The stops are the route relations' stops; the fleet is what the timetable
    needs. With ``through_running`` riders stay aboard through the far
    terminal (the outbound relation's last stop).
    """
    from ..osmroutes import load_bus_routes

    routes = load_bus_routes(scenario.map.source)
    both = relations is None or len(relations) == 2
    spec = LineSpec(
        name=f"Line {ref}",
        osm_route=ref,
        osm_relations=relations,
        headway_s=headway_s,
        layover_s=layover_s,
        both_directions=both,
        through_running=through_running and both,
    )
    rels = select_relations(spec, "--from-osm-route", routes)
    names: list[str] = []
    for rel in rels:
        for st in rel.stops:
            if st.name and st.name not in names:
                names.append(st.name)
    data = scenario.model_dump(mode="python")
    data["name"] = f"{scenario.name}-line-{ref}"
    data["description"] = (
        f"Bus line {ref} as mapped in OSM (relations "
        f"{', '.join(str(r.relation_id) for r in rels)}), planned by klshuttle plan"
    )
    data["service"]["mode"] = "line"
    data["service"]["stops"] = {"type": "named", "names": names}
    line = spec.model_dump(mode="python")
    line["osm_relations"] = [r.relation_id for r in rels]
    data["service"]["lines"] = [line]
    data["fleet"]["vehicles"] = 1000  # sized from the timetable below
    res = resolve(_with(scenario, data), demand=False)
    need = res.lines[0].vehicles_needed
    data["fleet"]["vehicles"] = need
    sc = _with(scenario, data)
    res = resolve(sc, demand=False)
    (ln,) = res.lines
    report = {
        "kind": "osm_line",
        "ref": ref,
        "relations": list(ln.osm_relations),
        "vehicles": need,
        "directions": {
            d: {
                "stops": [str(res.stops.name[i]) for i in ln.stops[d]],
                "run_time_s": ln.run_time_s[d],
                "length_m": float(res.graph.length_m[ln.path_edges[d]].sum()),
                "off_route_m": ln.off_route_m.get(d, 0.0),
            }
            for d in ln.directions
        },
    }
    return Plan(sc, res, report)


def plan_stops(
    scenario: Scenario,
    *,
    budget: int | None = None,
    target: float | None = None,
    walk_m: float | None = None,
    time_limit_s: float = 60.0,
) -> Plan:
    """Choose the stops of an on-demand service to cover residents (exact MILP).

    Candidates are the area's named OSM bus stops and its street nodes; the
    demand points are the residential buildings the osm demand model draws
    homes from, weighted by footprint area; hubs of the demand models that
    are OSM stops are always kept. Walks run along streets up to ``walk_m``
    (default: the scenario's ``max_walk_m``).
    """
    from ..osmfeatures import BUILDING_RESIDENTIAL, load_features
    from ..stops import merge_osm_stops

    res = resolve(scenario, demand=False)
    g, area = res.graph, res.area
    walk = float(walk_m if walk_m is not None else scenario.service.on_demand.max_walk_m)
    feats = load_features(scenario.map.source)
    sel = (feats.building_use == BUILDING_RESIDENTIAL) & area.contains_xy_m(
        feats.building_x, feats.building_y
    )
    if not sel.any():
        raise KlshuttleError(f"{scenario.name}: no residential building inside the service area")
    bx, by, bw = feats.building_x[sel], feats.building_y[sel], feats.building_area_m2[sel]
    from ..graph import to_lonlat

    blon, blat = to_lonlat(bx, by)
    pnode, psnap = g.nearest_nodes(blon, blat)
    clusters = [
        c for c in merge_osm_stops(feats, 250.0) if bool(area.contains([c.lon], [c.lat])[0])
    ]
    osm_node = (
        np.asarray(g.nearest_nodes([c.lon for c in clusters], [c.lat for c in clusters])[0])
        if clusters
        else np.empty(0, dtype=np.int64)
    )
    street = np.flatnonzero(area.node_inside)
    street = street[~np.isin(street, osm_node)]
    cand_node = np.concatenate([osm_node, street]).astype(np.int64)
    cand_name = [c.name for c in clusters] + [f"Stop {int(g.osmid[n])}" for n in street]
    hubs = {normalize_name(h) for m in scenario.demand.models for h in getattr(m, "hubs", {})}
    keep = [i for i, c in enumerate(clusters) if normalize_name(c.name) in hubs]
    cover = coverage_matrix(g, pnode, psnap, cand_node, walk)
    sp: StopPlan = place_stops(
        cover, bw, budget=budget, target=target, keep=keep, time_limit_s=time_limit_s
    )
    points = [
        {"name": cand_name[j], "lon": float(g.lon[cand_node[j]]), "lat": float(g.lat[cand_node[j]])}
        for j in sp.chosen
    ]
    data = scenario.model_dump(mode="python")
    data["name"] = f"{scenario.name}-planned"
    data["service"]["stops"] = {"type": "coordinates", "points": points}
    sc = _with(scenario, data)
    res2 = resolve(sc, demand=False)
    report = {
        "kind": "stops",
        "walk_m": walk,
        "candidates": {"osm_stops": len(clusters), "street_nodes": len(street)},
        "demand_points": int(sel.sum()),
        "stops": len(sp.chosen),
        "hubs_kept": [clusters[i].name for i in keep],
        "budget": budget,
        "target": target,
        "coverage": sp.coverage,
        "covered_weight_m2": sp.covered_weight,
        "optimal": sp.optimal,
        "gap": sp.gap,
        "bound": sp.bound,
    }
    return Plan(sc, res2, report)


def size_plan_fleet(plan: Plan, sizing: FleetSizing) -> Plan:
    """The plan with the fleet size found by :func:`~klshuttle.planning.fleet.size_fleet`."""
    sc = scenario_with_fleet(plan.scenario, sizing.vehicles)
    report = dict(plan.report)
    report["fleet"] = {
        "vehicles": sizing.vehicles,
        "seeds": list(sizing.seeds),
        "target": {
            "served_share": sizing.target.served_share,
            "wait_p95_s": sizing.target.wait_p95_s,
            "ride_direct_p95": sizing.target.ride_direct_p95,
        },
    }
    return Plan(sc, plan.resolved, report, sizing)


def _stop_features(res: ResolvedScenario) -> list[dict[str, Any]]:
    s = res.stops
    return [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [round(float(s.lon[i]), 7), round(float(s.lat[i]), 7)],
            },
            "properties": {"stop_id": int(i), "name": str(s.name[i]), "source": str(s.source[i])},
        }
        for i in range(len(s))
    ]


def _route_features(res: ResolvedScenario) -> list[dict[str, Any]]:
    from ..outputs._io import edge_coordinates

    feats = []
    for ln in res.lines:
        for d in ln.directions:
            edges = ln.path_edges.get(d)
            if edges is None or len(edges) == 0:
                continue
            coords: list[list[float]] = []
            for e in edges:
                pts = edge_coordinates(res.graph, int(e))
                coords.extend(pts if not coords else pts[1:])
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": coords},
                    "properties": {
                        "line": ln.name,
                        "direction": d,
                        "run_time_s": round(ln.run_time_s[d], 3),
                        "length_m": round(float(res.graph.length_m[edges].sum()), 2),
                    },
                }
            )
    return feats


def write_plan(plan: Plan, out: Path) -> Path:
    """Write the plan folder atomically; never replaces an existing folder.

    Raises
    ------
    OutputExistsError
        ``out`` exists.
    """
    from ..outputs._io import write_folder, write_geojson

    def fill(tmp: Path) -> None:
        (tmp / f"{plan.scenario.name}.toml").write_text(
            plan.scenario.resolved_toml(), encoding="utf-8"
        )
        write_geojson(_stop_features(plan.resolved), tmp / "stops.geojson")
        write_geojson(_route_features(plan.resolved), tmp / "routes.geojson")
        # the run id ties the plan to the scenario as written: the report of a
        # run of it, unchanged, shows the plan
        me = {"name": plan.scenario.name, "run_id": plan.scenario.run_id()}
        (tmp / "plan.json").write_text(
            json.dumps({**plan.report, "scenario": me}, indent=1, sort_keys=True, default=float)
            + "\n",
            encoding="utf-8",
        )
        if plan.fleet is not None:
            plan.fleet.table.to_csv(tmp / "fleet_sizing.csv", index=False, float_format="%.6g")
            plot_fleet_curve(plan.fleet, tmp / "fleet_sizing.png")

    return write_folder(out, fill, overwrite=False)
