"""End to end: every shipped scenario simulated on the Kaiserslautern graph."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from klshuttle import Router, load_scenario, simulate
from klshuttle.errors import OutputExistsError
from klshuttle.outputs import OUTPUTS, run_files, write_result
from klshuttle.resolve import resolve
from klshuttle.sim import net_tables
from test_sim import check_invariants

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SHIPPED = sorted(p.name for p in SCENARIOS.glob("*.toml"))


@pytest.fixture(scope="session")
def kl_router(kl_graph) -> Router:
    return Router(kl_graph)


@pytest.fixture(scope="session")
def campus_router(kl_osm, kl_cache) -> Router:
    """The router of campus-on-demand's own graph (its area differs from the default one)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("KLSHUTTLE_OSM", str(kl_osm))
    mp.setenv("KLSHUTTLE_CACHE_DIR", str(kl_cache))
    try:
        return Router(resolve(load_scenario(SCENARIOS / "campus-on-demand.toml")).graph)
    finally:
        mp.undo()


@pytest.fixture(scope="session")
def runs(kl_osm, kl_cache, kl_graph, kl_router):
    """Each shipped scenario simulated once (seed of the scenario)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("KLSHUTTLE_OSM", str(kl_osm))
    mp.setenv("KLSHUTTLE_CACHE_DIR", str(kl_cache))
    # scenarios may build different graphs (a line's bus-only ways): one router per graph
    routers = {id(kl_graph): kl_router}

    def run(name: str):
        sc = load_scenario(SCENARIOS / name)
        res = resolve(sc)
        key = res.graph.meta.get("cache_file") or id(res.graph)
        if key not in routers:
            routers[key] = Router(res.graph)
        return simulate(sc, resolved=res, router=routers[key])

    try:
        return {name: run(name) for name in SHIPPED}
    finally:
        mp.undo()


def test_all_five_scenarios_ship() -> None:
    assert {
        "base.toml",
        "trippstadter-line.toml",
        "hbf-feeder-on-demand.toml",
        "campus-on-demand.toml",
        "pfaff-quarter.toml",
    } <= set(SHIPPED)


@pytest.mark.kaiserslautern
@pytest.mark.parametrize("name", SHIPPED)
def test_invariants_hold_on_every_shipped_scenario(runs, name: str) -> None:
    res = runs[name]
    log = res.log
    graph = res.resolved.graph
    check_invariants(
        log,
        graph,
        net_tables(Router(graph)),
        log.trips,
        capacity=res.scenario.fleet.vehicle.capacity,
    )
    # the service does work: most requests it can carry are served (a line
    # carries a request when one direction runs from its stop to its stop)
    k = res.kpis
    assert k["requests"] == len(res.trips) > 0
    carried = k["requests"] - k["rejections"].get("no_line_connection", 0)
    assert k["served"] > 0.5 * carried, k["rejections"]


@pytest.mark.kaiserslautern
@pytest.mark.parametrize("name", SHIPPED)
def test_tables_agree_with_each_other(runs, name: str) -> None:
    res = runs[name]
    trips, veh, loads = res.trips, res.vehicles, res.link_loads
    served = trips["status"] == "served"
    # passenger-km: trips = vehicles = links
    pkm = trips.loc[served, "passenger_km"].sum()
    assert veh["passenger_km"].sum() == pytest.approx(pkm, rel=1e-9)
    assert loads["passenger_km"].sum() == pytest.approx(pkm, rel=1e-9)
    assert loads["vehicle_km"].sum() == pytest.approx(veh["km_driven"].sum(), rel=1e-9)
    assert veh["passengers_served"].sum() == trips.loc[served, "passengers"].sum()
    # waits and rides are what the times say, detours at least 1 (minus dwell rounding)
    s = trips[served]
    assert np.allclose(s["wait_s"], s["pickup_s"] - s["submit_s"])
    assert np.all(s["detour_factor"] >= 1.0 - 1e-9)
    # every rejected trip names its reason
    assert (trips.loc[~served, "reject_reason"] != "").all()
    # each event row refers to real requests and vehicles
    ev = res.events
    assert set(ev.loc[ev["request_id"] >= 0, "request_id"]) <= set(trips["request_id"])
    assert ev["time_s"].is_monotonic_increasing


@pytest.mark.kaiserslautern
def test_line_scenario_follows_its_timetable(runs) -> None:
    res = runs["trippstadter-line.toml"]
    ev = res.events
    line = res.resolved.lines[0]
    legs = res.log.legs
    for pat in line.patterns():
        # where the vehicles halt (line 116: on the direction's carriageway), and
        # the first point they drive to (a waypoint or the second halt); line 116
        # runs out and back as one trip (through the Uni Ost terminal)
        nodes = pat.stop_nodes
        first_way = pat.waypoints[0]
        nodes = [nodes[0], first_way[0] if len(first_way) else nodes[1]]
        assert nodes[0] != nodes[1]
        # every scheduled trip ran, each leaving its first stop at or after its time
        first = np.sort(
            legs["t0_s"][(legs["from_node"] == nodes[0]) & (legs["to_node"] == nodes[1])]
        )
        scheduled = np.sort(pat.departures_s)
        assert len(first) == len(scheduled)
        assert np.all(first >= scheduled - 1e-9)
    assert ev["event"].eq("depart").any()
    # riders wait for the next bus: the 10-minute headway, not the on-demand
    # wait limit (420 s), is how long they wait at most
    tr = res.log.trips
    riding = np.asarray(tr.pre_reason) == 0
    assert np.all(np.asarray(tr.max_wait_s)[riding] >= 600.0)
    # of the riders line 116 carries in one ride (out, back, or on through Uni
    # Ost), almost all are served; the others ride against its loop
    t = res.trips[res.trips["reject_reason"] != "no_line_connection"]
    assert (t["status"] == "served").mean() > 0.95, res.kpis["rejections"]
    assert res.kpis["served_share"] > 0.8, res.kpis["rejections"]
    served = res.trips[res.trips["status"] == "served"]
    assert not served.empty and (served["pickup_stop"] != "").all()


@pytest.mark.kaiserslautern
def test_hybrid_scenario_uses_line_and_on_demand_vehicles(runs) -> None:
    res = runs["pfaff-quarter.toml"]
    n_line = sum(ln.vehicles for ln in res.resolved.lines)
    served = res.trips[res.trips["status"] == "served"]
    used = set(served["vehicle"])
    assert any(v < n_line for v in used) and any(v >= n_line for v in used)


@pytest.mark.kaiserslautern
def test_same_seed_gives_byte_identical_files(kl_env, campus_router, tmp_path: Path) -> None:
    sc = load_scenario(SCENARIOS / "campus-on-demand.toml")
    a = write_result(simulate(sc, router=campus_router), tmp_path / "a")
    b = write_result(simulate(sc, router=campus_router), tmp_path / "b")
    files = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    # each selected output kind writes exactly its files
    assert set(files) == set(run_files(sc.outputs.which))
    assert {
        "private/trips.csv",
        "private/vehicles.csv",
        "private/events.csv",
        "public/link_loads.geojson",
        "public/kpis.json",
        "public/layers.gpkg",
        "private/scenario.toml",
    } <= set(files)
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    other = simulate(sc, seed=sc.seed + 1, router=campus_router)
    assert other.run_id != simulate(sc, router=campus_router).run_id
    trips = pd.read_csv(a / "private" / "trips.csv")
    assert not other.trips["request_s"].equals(trips["request_s"])


@pytest.mark.kaiserslautern
def test_output_folder_is_never_overwritten_silently(
    kl_env, campus_router, tmp_path: Path, monkeypatch
) -> None:
    sc = load_scenario(SCENARIOS / "campus-on-demand.toml")
    res = simulate(sc, router=campus_router)
    target = write_result(res, tmp_path / "out")
    (target / "public" / "kpis.json").write_text("{}")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_result(res, target)
    assert (target / "public" / "kpis.json").read_text() == "{}"
    write_result(res, target, overwrite=True)
    assert (target / "public" / "kpis.json").read_text() != "{}"
    assert (target / "private" / "trips.csv").exists()
    # a file klshuttle did not write keeps the folder from being replaced
    (target / "notes.txt").write_text("mine")
    with pytest.raises(OutputExistsError, match=r"notes\.txt"):
        write_result(res, target, overwrite=True)
    assert (target / "notes.txt").read_text() == "mine"

    # a writer failing half-way leaves neither a folder nor temp files
    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    broken = replace(OUTPUTS["geojson"].files["link_loads.geojson"], writer=boom)
    monkeypatch.setitem(OUTPUTS["geojson"].files, "link_loads.geojson", broken)
    with pytest.raises(RuntimeError):
        write_result(res, tmp_path / "failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.kaiserslautern
@pytest.mark.parametrize("kind", list(OUTPUTS))
def test_each_output_kind_writes_exactly_its_files(runs, tmp_path: Path, kind: str) -> None:
    res = runs["campus-on-demand.toml"]
    outputs = res.scenario.outputs.model_copy(update={"which": [kind]})
    only = replace(res, scenario=res.scenario.model_copy(update={"outputs": outputs}))
    folder = write_result(only, tmp_path / kind)
    written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert written == sorted(run_files([kind]))
    assert all((folder / p).stat().st_size > 0 for p in written)


@pytest.mark.kaiserslautern
def test_no_landuse_unless_the_outputs_ask(kl_env, campus_router) -> None:
    sc = load_scenario(SCENARIOS / "campus-on-demand.toml")
    outputs = sc.outputs.model_copy(update={"which": ["kpis", "html"]})
    res = simulate(sc.model_copy(update={"outputs": outputs}), router=campus_router)
    assert res.landuse is None and res.accessibility is None


@pytest.mark.kaiserslautern
def test_kpis_json_matches_the_trip_table(kl_env, campus_router, tmp_path: Path) -> None:
    sc = load_scenario(SCENARIOS / "campus-on-demand.toml")
    res = simulate(sc, router=campus_router)
    folder = write_result(res, tmp_path / "o")
    k = json.loads((folder / "public" / "kpis.json").read_text())
    trips = pd.read_csv(folder / "private" / "trips.csv")
    served = trips[trips["status"] == "served"]
    assert k["served"] == len(served)
    assert k["wait_mean_s"] == pytest.approx(served["wait_s"].mean(), abs=1e-3)
    assert k["wait_p95_s"] == pytest.approx(np.percentile(served["wait_s"], 95), abs=1e-2)
    assert k["pooling_rate"] == pytest.approx(served["pooled"].mean(), abs=1e-6)
    geo = json.loads((folder / "public" / "link_loads.geojson").read_text())
    # published: the segments with at least k vehicles and no rider or at least k riders
    kmin = res.scenario.privacy.min_trips
    loads = res.link_loads
    ok = (loads["passages"] >= kmin) & ((loads["riders"] == 0) | (loads["riders"] >= kmin))
    assert 0 < len(geo["features"]) == int(ok.sum()) < len(loads)
    assert all(f["geometry"]["type"] == "LineString" for f in geo["features"])


@pytest.mark.kaiserslautern
@pytest.mark.parametrize("name", SHIPPED)
def test_landuse_chain_is_consistent(runs, name: str) -> None:
    res = runs[name]
    assert res.landuse is not None  # [outputs].which lists landuse
    summary, streets, lots = res.landuse
    p = res.scenario.landuse
    served = res.trips[res.trips["status"] == "served"]
    assert summary["riders_per_day"]["served"] == served["passengers"].sum()
    for case, c in summary["cases"].items():
        # whole spaces by kind, area by kind as stated
        assert c["spaces_freed_total"] == sum(c["spaces_freed"].values())
        assert all(isinstance(v, int) and v >= 0 for v in c["spaces_freed"].values())
        assert c["spaces_freed_total"] <= c["cars_given_up"] * p.parking_spaces_per_car + 1e-9
        assert c["net_vehicle_km"] == pytest.approx(
            res.vehicles["km_driven"].sum() - c["car_km_avoided"]
        ), case
    # the map: no street or car park gives more than it can, per-street counts of
    # homes and destinations never add up to more than the day's served trips
    assert (streets["spaces_freed"] <= streets["removable_spaces"]).all()
    assert (lots["spaces_freed"] <= lots["removable_spaces"]).all()
    assert streets["homes_nearby"].sum() <= len(served)
    assert streets["destinations_nearby"].sum() <= len(served)
    assert lots["destinations_nearby"].sum() <= len(served)
    placed = summary["placement_central_case"]
    assert streets["spaces_freed_home"].sum() == placed["home_kerb"]["placed"]
    assert streets["spaces_freed_destination"].sum() == placed["destination_kerb"]["placed"]
    assert lots["spaces_freed"].sum() == placed["destination_car_park"]["placed"]
    for v in placed.values():
        assert v["placed"] + v["not_placed"] == v["freed"]


@pytest.mark.kaiserslautern
@pytest.mark.parametrize("name", SHIPPED)
def test_the_shuttle_never_makes_a_best_time_worse(runs, name: str) -> None:
    acc = runs[name].accessibility
    assert acc is not None
    assert np.all(acc.best_s <= acc.walk_s)
    assert np.isfinite(acc.walk_s).all()
    for d in acc.summary["destinations"]:
        for within in d["residents_within"].values():
            assert within["walk_and_shuttle"] >= within["walk"]
    assert acc.summary["residents_total"] == res_population(runs[name])


def res_population(res) -> int:
    return res.scenario.accessibility.population


@pytest.mark.kaiserslautern
def test_more_vehicles_never_reduce_residents_reached(kl_env) -> None:
    sc = load_scenario(SCENARIOS / "hbf-feeder-on-demand.toml")
    outputs = sc.outputs.model_copy(update={"which": ["accessibility"]})
    router = Router(
        resolve(sc).graph
    )  # the scenario's own graph (its hub stop may be a bus-way node)
    reached = {}
    for n in (10, 20, 40):
        fleet = sc.fleet.model_copy(update={"vehicles": n})
        res = simulate(sc.model_copy(update={"fleet": fleet, "outputs": outputs}), router=router)
        assert res.accessibility is not None
        reached[n] = res.accessibility
    for fewer, more in ((10, 20), (20, 40)):
        a, b = reached[fewer], reached[more]
        assert len(a.summary["destinations"]) == len(b.summary["destinations"])
        for da, db in zip(a.summary["destinations"], b.summary["destinations"], strict=True):
            for t, within in da["residents_within"].items():
                assert db["residents_within"][t]["walk_and_shuttle"] >= within["walk_and_shuttle"]


@pytest.mark.kaiserslautern
def test_router_of_another_graph_is_refused(kl_env, kl_router) -> None:
    sc = load_scenario(SCENARIOS / "hbf-feeder-on-demand.toml")
    res = resolve(sc)
    assert res.graph.n_nodes != kl_router.n_nodes  # the feeder's graph keeps bus ways
    with pytest.raises(ValueError, match="scenario's own graph"):
        simulate(sc, resolved=res, router=kl_router)


@pytest.mark.kaiserslautern
def test_router_gives_times_to_each_node_once(kl_router) -> None:
    t = kl_router.time_to_s
    assert t is kl_router.time_to_s  # built once, reused by every simulation
    assert t.flags.c_contiguous and not t.flags.writeable
    assert np.array_equal(t, kl_router.time_s.T)


def test_run_warns_when_more_than_a_tenth_of_the_fleet_never_moves() -> None:
    from klshuttle.runner import _fleet_warnings

    assert _fleet_warnings({"vehicles_never_moved": 4, "vehicles": 40}) == []
    (warning,) = _fleet_warnings({"vehicles_never_moved": 5, "vehicles": 40})
    assert warning.startswith("5 of 40 vehicles never moved")
