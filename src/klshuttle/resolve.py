"""A scenario placed on the road graph: :func:`resolve` and :class:`ResolvedScenario`.

:func:`resolve` is the bridge from a validated :class:`~klshuttle.scenario.Scenario`
to what the simulator works with: it loads the road graph (the fleet's max
speed caps the edge speeds), builds the service area, finds and snaps the
stops and depots, computes line timetables, runs the demand models and assigns
requests to stops. Every check a planner needs before a simulation happens
here; problems raise :class:`~klshuttle.errors.ScenarioError` naming the key.
Besides the runner, this is the only module that loads maps and OSM features;
stops, lines and demand get what they need as data or providers.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .area import ServiceArea, resolve_area
from .demand import Requests, generate_requests
from .errors import KlshuttleError, MapSourceError, ScenarioError
from .graph import RoadGraph, to_metric
from .lines import Line, LineRides, build_line, check_fleet, line_rides, select_relations
from .mapconfig import BuildSettings
from .osmfeatures import OsmFeatures, load_features
from .osmroutes import OsmRoute
from .places import find_place, normalize_name, suggest
from .scenario import (
    FeederDemand,
    NamedStops,
    OsmStops,
    PointSpec,
    PointStops,
    Scenario,
    VirtualStops,
    display_path,
    format_time,
    location_label,
)
from .stops import (
    REJECT_NO_STOP,
    REJECT_SAME_STOP,
    FixedStop,
    OsmStopCluster,
    StopAssignment,
    Stops,
    assign_stops,
    make_stops,
    merge_osm_stops,
    virtual_stops,
)

__all__ = ["Depots", "ResolvedScenario", "resolve"]

log = logging.getLogger(__name__)


# --------------------------------------------------------------------- depots
@dataclass(frozen=True, eq=False)
class Depots:
    """Depots where vehicles start and may return.

    ``vehicle_depot[v]`` is the depot index of vehicle ``v``.
    """

    name: NDArray[np.str_]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    node: NDArray[np.int32]
    snap_m: NDArray[np.float64]
    edge_m: NDArray[np.float64]
    inside_area: NDArray[np.bool_]
    vehicle_depot: NDArray[np.int32]

    def __len__(self) -> int:
        return int(self.name.shape[0])

    @property
    def vehicle_node(self) -> NDArray[np.int32]:
        """Start node of each vehicle."""
        return self.node[self.vehicle_depot]

    def to_frame(self) -> pd.DataFrame:
        """The depots as a DataFrame with the number of vehicles at each."""
        df = pd.DataFrame(
            {
                k: getattr(self, k)
                for k in ("name", "lon", "lat", "node", "snap_m", "edge_m", "inside_area")
            }
        )
        df["vehicles"] = np.bincount(self.vehicle_depot, minlength=len(self))
        return df


# ---------------------------------------------------------------- resolution
@dataclass(frozen=True, eq=False)
class ResolvedScenario:
    """A scenario placed on the road graph: everything the simulator needs.

    Attributes
    ----------
    scenario
        The validated scenario.
    graph
        Road graph built with ``scenario.build_settings``.
    area
        Service area (polygon, km², nodes inside).
    stops
        Stops of the service (empty for door-to-door on-demand without lines).
    depots
        Depots and the start depot of each vehicle.
    lines
        Fixed lines with timetables (mode line or hybrid).
    requests
        The day's requests (None when resolved with ``demand=False``).
    assignment
        Pickup/drop-off stop per request for stop-based service (on-demand
        stop-based: all stops; line mode: the line stops), else None.
    warnings
        Things that are allowed but look wrong.
    timings_s
        Seconds spent per step (graph, features, stops, demand, ...).
    hub_stops
        Index of each hub's own stop in ``stops`` (on-demand and hybrid
        service): riders to or from a train board or alight there.
    """

    scenario: Scenario
    graph: RoadGraph
    area: ServiceArea
    stops: Stops
    depots: Depots
    lines: tuple[Line, ...]
    requests: Requests | None
    assignment: StopAssignment | None
    warnings: tuple[str, ...] = ()
    timings_s: dict[str, float] = field(default_factory=dict)
    hub_stops: tuple[int, ...] = ()

    @property
    def vehicle_capacity(self) -> int:
        """Passengers per vehicle."""
        return self.scenario.fleet.vehicle.capacity

    def line_rides(self) -> LineRides | None:
        """Line direction, boarding and alighting position of each request (line mode)."""
        if self.assignment is None or not self.lines:
            return None
        return line_rides(self.assignment, self.lines, len(self.stops))

    @property
    def on_demand_vehicles(self) -> int:
        """Vehicles left for on-demand service after the lines took theirs."""
        if self.scenario.service.mode == "line":
            return 0
        return self.scenario.fleet.vehicles - sum(ln.vehicles for ln in self.lines)


class _Locator:
    """Finds named places and stops; the error names the key path."""

    def __init__(self, graph: RoadGraph, feats: Any, merge_m: float) -> None:
        self._graph = graph
        self._feats = feats
        self._merge_m = merge_m
        self._osm: list[OsmStopCluster] | None = None

    def osm_stops(self) -> list[OsmStopCluster]:
        if self._osm is None:
            self._osm = merge_osm_stops(self._feats(), self._merge_m)
        return self._osm

    def find_stop(self, name: str) -> list[OsmStopCluster]:
        """Stops of that name; "Post" finds "Post" and "Post (2)" (ambiguous), "Post (2)" one."""
        import re

        key = normalize_name(name)
        exact = [c for c in self.osm_stops() if normalize_name(c.name) == key]
        same_base = [
            c for c in self.osm_stops() if normalize_name(re.sub(r" \(\d+\)$", "", c.name)) == key
        ]
        return same_base if len(same_base) > len(exact) else exact

    def __call__(self, loc: Any, where: str, prefer: str = "place") -> tuple[float, float, str]:
        if isinstance(loc, PointSpec):
            return loc.lon, loc.lat, location_label(loc)
        name = str(loc)
        place = find_place(name)
        stops: list[OsmStopCluster] = []
        if prefer == "stop" or place is None:
            try:
                stops = self.find_stop(name)
            except KlshuttleError:
                if place is None:
                    raise
        if prefer == "stop" and len(stops) == 1:
            return stops[0].lon, stops[0].lat, stops[0].name
        if place is not None:
            return place.lon, place.lat, place.name
        if len(stops) == 1:
            return stops[0].lon, stops[0].lat, stops[0].name
        if len(stops) > 1:
            names = ", ".join(repr(c.name) for c in stops)
            raise ScenarioError(f"{where}: {name!r} names several stops ({names}); pick one")
        feats = self._feats()
        stations = [str(s) for s in feats.station_name]
        for i, s in enumerate(stations):
            if normalize_name(s) == normalize_name(name):
                return float(feats.station_lon[i]), float(feats.station_lat[i]), s
        from .places import PLACES

        candidates = [c.name for c in self.osm_stops()] + [p.name for p in PLACES] + stations
        close = suggest(name, candidates)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise ScenarioError(f"{where}: no stop or place named {name!r} on this map{hint}")


def resolve(
    scenario: Scenario,
    *,
    graph: RoadGraph | None = None,
    demand: bool = True,
    seed: int | None = None,
    use_cache: bool = True,
) -> ResolvedScenario:
    """Place a scenario on the road graph and check that it makes sense.

    Parameters
    ----------
    scenario
        A validated scenario (:func:`~klshuttle.scenario.load_scenario`).
    graph
        A road graph to use instead of loading one (it should match
        ``scenario.build_settings``).
    demand
        Also run the demand models and assign stops.
    seed
        Overrides the scenario's seed for the demand.
    use_cache
        Use the graph and OSM-features caches.

    Returns
    -------
    ResolvedScenario

    Raises
    ------
    ScenarioError
        A stop, depot or the area is off the network, a name is unknown, a
        line's timetable does not fit the fleet or the operating hours, ...
    DemandError
        A demand model cannot produce its trips.
    """
    from .maps import load_map

    label = display_path(scenario.source_path) if scenario.source_path else scenario.name
    timings: dict[str, float] = {}
    warnings: list[str] = []
    t0 = time.perf_counter()
    try:
        routes, settings = _bus_routes(scenario, use_cache, warnings)
        if graph is None:
            graph = load_map(scenario.map.source, settings=settings, use_cache=use_cache)
        timings["graph"] = time.perf_counter() - t0

        features_cache: dict[str, OsmFeatures] = {}

        def feats() -> OsmFeatures:
            if "f" not in features_cache:
                t = time.perf_counter()
                features_cache["f"] = load_features(scenario.map.source, use_cache=use_cache)
                timings["osm_features"] = time.perf_counter() - t
            return features_cache["f"]

        stops_spec = scenario.service.stops
        merge_m = getattr(stops_spec, "merge_distance_m", 250.0)
        locator = _Locator(graph, feats, merge_m)
        t = time.perf_counter()
        area = resolve_area(
            scenario.map.area, graph, locate=lambda loc, where: locator(loc, where, "stop")
        )
        timings["area"] = time.perf_counter() - t

        t = time.perf_counter()
        stops, hub_stops = _resolve_stops(scenario, graph, area, locator, warnings)
        depots = _resolve_depots(scenario, graph, area, locator, warnings)
        lines = tuple(
            build_line(spec, i, stops, graph, scenario, routes)
            for i, spec in enumerate(scenario.service.lines)
        )
        for ln in lines:
            for d, m in ln.off_route_m.items():
                if m > 0:
                    warnings.append(
                        f"line {ln.name!r} ({d}) runs {m:.0f} m off its route relation's ways "
                        "(ways missing from the road graph)"
                    )
        warnings.extend(check_fleet(scenario, lines))
        timings["service"] = time.perf_counter() - t
    except ScenarioError as exc:
        raise ScenarioError(f"{label}: {exc}") from None

    requests, assignment = None, None
    if demand:
        try:
            requests, assignment = _demand(
                scenario,
                graph,
                area,
                stops,
                lines,
                locator,
                feats,
                seed,
                timings,
                warnings,
                hub_stops,
            )
        except ScenarioError as exc:
            raise ScenarioError(f"{label}: {exc}") from None
    timings["total"] = time.perf_counter() - t0
    return ResolvedScenario(
        scenario=scenario,
        graph=graph,
        area=area,
        stops=stops,
        depots=depots,
        lines=lines,
        requests=requests,
        assignment=assignment,
        warnings=tuple(warnings),
        timings_s=timings,
        hub_stops=hub_stops,
    )


def _bus_routes(
    scenario: Scenario, use_cache: bool, warnings: list[str]
) -> tuple[list[OsmRoute], BuildSettings]:
    """The map's bus route relations (when a line follows one) and the graph settings.

    The ways of the followed relations enter the graph even where only buses may
    drive (``bus_ways``) when every vehicle is a line bus (mode ``line``) or the
    on-demand shuttles may use bus-only ways (``map.psv_ways``); otherwise the
    line drives around them.
    """
    from .osmroutes import load_bus_routes

    settings = scenario.build_settings
    osm_lines = [(i, ln) for i, ln in enumerate(scenario.service.lines) if ln.osm_route]
    if not osm_lines:
        return [], settings
    try:
        routes = load_bus_routes(scenario.map.source, use_cache=use_cache)
    except MapSourceError as exc:
        raise ScenarioError(f"service.lines[{osm_lines[0][0]}].osm_route: {exc}") from None
    ways: set[int] = set()
    for i, ln in osm_lines:
        for rel in select_relations(ln, f"service.lines[{i}]", routes):
            ways.update(rel.way_ids)
    if scenario.service.mode == "line" or scenario.map.psv_ways:
        settings = settings.model_copy(update={"bus_ways": tuple(sorted(ways))})
    else:
        warnings.append(
            "lines keep off bus-only ways of their route relations: on-demand shuttles share "
            "the road graph and may not use them (map.psv_ways = false)"
        )
    return routes, settings


def _demand(
    scenario: Scenario,
    graph: RoadGraph,
    area: ServiceArea,
    stops: Stops,
    lines: tuple[Line, ...],
    locator: _Locator,
    feats: Any,
    seed: int | None,
    timings: dict[str, float],
    warnings: list[str],
    hub_stops: tuple[int, ...] = (),
) -> tuple[Requests, StopAssignment | None]:
    assignment = None
    t = time.perf_counter()
    requests = generate_requests(
        scenario,
        graph,
        area,
        locate=lambda loc, where: locator(loc, where, "place"),
        features=feats,
        seed=seed,
    )
    timings["demand"] = time.perf_counter() - t
    svc = scenario.service
    stop_based = svc.mode == "line" or svc.on_demand.stop_based
    if stop_based:
        usable = stops
        if svc.mode == "line":
            on_line = np.unique(np.concatenate([s for ln in lines for s in ln.stops.values()]))
            usable = stops.subset(on_line)
        assignment = assign_stops(
            requests,
            usable,
            max_walk_m=svc.on_demand.max_walk_m,
            walk_detour_factor=svc.on_demand.walk_detour_factor,
            hub_stops=list(hub_stops) if svc.mode != "line" else None,
        )
        if svc.mode == "line":
            # report stop indices in the full stop table
            object.__setattr__(assignment, "pickup_stop", _remap(assignment.pickup_stop, on_line))
            object.__setattr__(assignment, "dropoff_stop", _remap(assignment.dropoff_stop, on_line))
        counts = assignment.counts()
        bad = counts.get(REJECT_NO_STOP, 0) + counts.get(REJECT_SAME_STOP, 0)
        if len(requests) and bad / len(requests) > 0.2:
            warnings.append(
                f"{bad} of {len(requests)} requests ({100 * bad / len(requests):.0f} %) have no "
                f"stop within {svc.on_demand.max_walk_m:g} m or the same stop at both ends"
            )
    hours = scenario.fleet.vehicle.operating_hours
    if len(requests):
        late = int(((requests.time_s < hours.start) | (requests.time_s >= hours.end)).sum())
        if late:
            warnings.append(
                f"{late} requests fall outside the operating hours "
                f"{format_time(hours.start)}-{format_time(hours.end)}"
            )
    for tag, info in requests.meta.get("models", {}).items():
        if info.get("dropped"):
            warnings.append(
                f"demand model {tag!r}: {info['dropped']} trips left out (outside the window or area)"
            )
    return requests, assignment


def _remap(idx: NDArray[np.int32], table: NDArray[np.int64]) -> NDArray[np.int32]:
    out = np.full(len(idx), -1, dtype=np.int32)
    ok = idx >= 0
    out[ok] = table[idx[ok]]
    return out


def _scenario_hubs(scenario: Scenario) -> list[tuple[Any, str]]:
    """The hubs the demand models name, each once, with the key path that names it."""
    hubs: list[tuple[Any, str]] = []
    seen: set[str] = set()
    for i, model in enumerate(scenario.demand.models):
        named = []
        if isinstance(model, FeederDemand):
            named.append((model.hub, f"demand.models[{i}].hub"))
        for h in getattr(model, "hubs", None) or {}:
            named.append((h, f"demand.models[{i}].hubs"))
        for h, where in named:
            key = normalize_name(h) if isinstance(h, str) else repr(h)
            if key not in seen:
                seen.add(key)
                hubs.append((h, where))
    return hubs


#: An OSM bus stop named like the hub counts as the hub's stop within this
#: distance of the place (assumption: a station forecourt is < 300 m across).
_HUB_STOP_REACH_M = 300.0


def _hub_fixed_stops(
    scenario: Scenario, graph: RoadGraph, area: ServiceArea, locator: _Locator
) -> list[FixedStop]:
    """A stop at each hub's forecourt: its named OSM bus stop, else the nearest road point."""
    out: list[FixedStop] = []
    for hub, where in _scenario_hubs(scenario):
        lon, lat, label = locator(hub, where, "place")
        if not area.contains(lon, lat)[0]:
            continue  # the demand model reports a hub outside the area
        hx, hy = to_metric(lon, lat)
        mapped = None
        try:
            clusters = locator.osm_stops()
        except KlshuttleError:
            clusters = []
        for c in clusters:
            if normalize_name(c.name) in (normalize_name(label), normalize_name(str(hub))):
                cx, cy = to_metric(c.lon, c.lat)
                if math.hypot(float(cx - hx), float(cy - hy)) <= _HUB_STOP_REACH_M:
                    mapped = c
                    break
        if mapped is not None:
            out.append(FixedStop(label, mapped.lon, mapped.lat, mapped.n_objects, "hub"))
        else:
            rlon, rlat = graph.nearest_road_points(lon, lat)
            out.append(FixedStop(label, float(rlon[0]), float(rlat[0]), 0, "hub"))
    return out


def _resolve_stops(
    scenario: Scenario, graph: RoadGraph, area: ServiceArea, locator: _Locator, warnings: list[str]
) -> tuple[Stops, tuple[int, ...]]:
    stops = _resolve_service_stops(scenario, graph, area, locator, warnings)
    if scenario.service.mode == "line":
        return stops, ()
    hubs = (
        []
        if isinstance(scenario.service.stops, VirtualStops)
        else _hub_fixed_stops(scenario, graph, area, locator)
    )
    idx = []
    for h in hubs:
        k = stops.index_of(h.name)
        if k is None:
            extra = make_stops(graph, [h.name], np.array([h.lon]), np.array([h.lat]), [0], "hub")
            stops = _concat_stops(stops, extra)
            k = len(stops) - 1
        idx.append(k)
    if isinstance(scenario.service.stops, VirtualStops):
        idx = [int(i) for i in np.flatnonzero(stops.source == "hub")]
    return stops, tuple(idx)


def _concat_stops(a: Stops, b: Stops) -> Stops:
    kw = {k: np.concatenate([getattr(a, k), getattr(b, k)]) for k in a.__dataclass_fields__}
    kw["stop_id"] = np.arange(len(a) + len(b), dtype=np.int32)
    return Stops(**kw)


def _resolve_service_stops(
    scenario: Scenario, graph: RoadGraph, area: ServiceArea, locator: _Locator, warnings: list[str]
) -> Stops:
    spec = scenario.service.stops
    tol = scenario.map.max_snap_m
    where = "service.stops"
    needs_stops = scenario.service.mode != "on_demand" or scenario.service.on_demand.stop_based
    if isinstance(spec, VirtualStops):
        hubs = (
            _hub_fixed_stops(scenario, graph, area, locator)
            if scenario.service.mode != "line"
            else []
        )
        hub_keys = {normalize_name(h.name) for h in hubs}
        preferred = _osm_stop_positions(graph, area, locator, tol, hub_keys)
        stops = virtual_stops(graph, area, spec.spacing_m, fixed=hubs, preferred=preferred)
    elif isinstance(spec, OsmStops):
        clusters = locator.osm_stops()
        lon = np.array([c.lon for c in clusters])
        lat = np.array([c.lat for c in clusters])
        inside = area.contains(lon, lat) if len(clusters) else np.zeros(0, bool)
        sel = [c for c, ok in zip(clusters, inside, strict=True) if ok]
        stops = make_stops(
            graph,
            [c.name for c in sel],
            np.array([c.lon for c in sel]),
            np.array([c.lat for c in sel]),
            [c.n_objects for c in sel],
            "osm",
        )
        far = stops.edge_m > tol
        if far.any():
            names = ", ".join(
                f"{stops.name[i]} ({stops.edge_m[i]:.0f} m)" for i in np.flatnonzero(far)[:3]
            )
            warnings.append(
                f"{int(far.sum())} OSM stops lie more than {tol:g} m from the shuttle's roads and are left out: {names}"
            )
            stops = stops.subset(np.flatnonzero(~far))
    elif isinstance(spec, NamedStops):
        pts = [locator(n, f"{where}.names[{i}]", "stop") for i, n in enumerate(spec.names)]
        stops = make_stops(
            graph,
            [p[2] for p in pts],
            np.array([p[0] for p in pts]),
            np.array([p[1] for p in pts]),
            [0] * len(pts),
            "osm",
        )
        _check_given(stops, area, tol, f"{where}.names")
    elif isinstance(spec, PointStops):
        stops = make_stops(
            graph,
            [str(p.name) for p in spec.points],
            np.array([p.lon for p in spec.points]),
            np.array([p.lat for p in spec.points]),
            [0] * len(spec.points),
            "coordinates",
        )
        _check_given(stops, area, tol, f"{where}.points")
    else:  # pragma: no cover
        raise ScenarioError(f"{where}: unknown stops type")
    dup = [n for n, c in Counter(str(n) for n in stops.name).items() if c > 1]
    if dup:
        raise ScenarioError(f"{where}: stop {dup[0]!r} is listed twice")
    if needs_stops and len(stops) < 2:
        raise ScenarioError(
            f"{where}: the service needs at least 2 stops in the service area, found {len(stops)}"
        )
    return stops


def _osm_stop_positions(
    graph: RoadGraph, area: ServiceArea, locator: _Locator, tol: float, skip: set[str]
) -> list[FixedStop]:
    """The map's bus stops inside the area and on the shuttle's roads (candidates of virtual stops)."""
    try:
        clusters = [c for c in locator.osm_stops() if normalize_name(c.name) not in skip]
    except KlshuttleError:
        return []
    if not clusters:
        return []
    lon = np.array([c.lon for c in clusters])
    lat = np.array([c.lat for c in clusters])
    _, edge_m, _ = graph.nearest_edges(lon, lat)
    ok = area.contains(lon, lat) & (edge_m <= tol)
    return [
        FixedStop(c.name, c.lon, c.lat, c.n_objects, "osm")
        for c, k in zip(clusters, ok, strict=True)
        if k
    ]


def _check_given(stops: Stops, area: ServiceArea, tol: float, where: str) -> None:
    inside = area.contains(stops.lon, stops.lat)
    for i in range(len(stops)):
        if stops.edge_m[i] > tol:
            raise ScenarioError(
                f"{where}[{i}]: stop {str(stops.name[i])!r} lies {stops.edge_m[i]:.1f} m from the nearest "
                f"road the shuttle may use (at most {tol:g} m, map.max_snap_m)"
            )
        if not inside[i]:
            raise ScenarioError(
                f"{where}[{i}]: stop {str(stops.name[i])!r} lies outside the service area"
            )


def _resolve_depots(
    scenario: Scenario, graph: RoadGraph, area: ServiceArea, locator: _Locator, warnings: list[str]
) -> Depots:
    tol = scenario.map.max_snap_m
    pts = [locator(d, f"fleet.depots[{i}]", "stop") for i, d in enumerate(scenario.fleet.depots)]
    lon = np.array([p[0] for p in pts])
    lat = np.array([p[1] for p in pts])
    node, snap = graph.nearest_nodes(lon, lat)
    _, edge_m, _ = graph.nearest_edges(lon, lat)
    for i in range(len(pts)):
        if edge_m[i] > tol:
            raise ScenarioError(
                f"fleet.depots[{i}]: depot {pts[i][2]!r} lies {edge_m[i]:.1f} m from the nearest road "
                f"the shuttle may use (at most {tol:g} m, map.max_snap_m)"
            )
    inside = area.contains(lon, lat)
    for j in np.flatnonzero(~inside):
        warnings.append(
            f"depot {pts[j][2]!r} lies outside the service area (vehicles drive in empty)"
        )
    return Depots(
        name=np.array([p[2] for p in pts], dtype=str),
        lon=lon,
        lat=lat,
        node=np.asarray(node, dtype=np.int32),
        snap_m=np.asarray(snap, dtype=np.float64),
        edge_m=np.asarray(edge_m, dtype=np.float64),
        inside_area=inside,
        vehicle_depot=np.array(scenario.fleet.depot_of_vehicle(), dtype=np.int32),
    )
