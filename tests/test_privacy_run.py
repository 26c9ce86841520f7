"""Public outputs of a run with one unique trip: it cannot be found, no count below k.

The demand is a CSV of bookings: 80 daytime trips between the Hauptbahnhof and
the Stadtmitte, and one rider from a quiet street south-west of the station
(Walter-Flex-Straße) to the Finanzamt at 03:17, alone in the night. The run
folder's public part must not show that trip: not its coordinates, not its time,
not the road segments only it rode over, not its stops with a count of one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from klshuttle import load_scenario
from klshuttle.outputs import write_result
from klshuttle.runner import simulate
from scenario_files import scenario_dir, write

pytestmark = pytest.mark.kaiserslautern

LONELY = (7.75712, 49.43121, 7.77510, 49.43940)  # origin lon, lat, destination lon, lat
LONELY_S = 3 * 3600 + 17 * 60  # 03:17
K = 5
#: Columns of public files that count trips, passengers or vehicles.
COUNTS = (
    "passages",
    "empty_passages",
    "riders",
    "passengers",
    "boardings",
    "alightings",
    "trip_ends_nearby",
)

SCENARIO = """
extends = "base.toml"
name = "lonely"
[map]
area = { type = "stops", stops = ["Hauptbahnhof"], buffer_m = 1200.0 }
[fleet]
vehicles = 3
[fleet.vehicle]
operating_hours = { start = "03:00", end = "18:00" }
[demand]
window = { start = "03:00", end = "18:00" }
[[demand.models]]
type = "csv"
file = "bookings.csv"
"""


def _bookings() -> str:
    rng = np.random.default_rng(3)
    hbf, mitte = (7.76893, 49.43598), (7.7650, 49.4400)
    rows = ["time,origin_lon,origin_lat,dest_lon,dest_lat,passengers"]
    for i in range(80):
        a, b = (hbf, mitte) if i % 2 == 0 else (mitte, hbf)
        j = rng.normal(0.0, 0.0004, 4)
        rows.append(
            f"{7 * 3600 + i * 450},{a[0] + j[0]:.5f},{a[1] + j[1]:.5f},"
            f"{b[0] + j[2]:.5f},{b[1] + j[3]:.5f},1"
        )
    rows.append("03:17,{:.5f},{:.5f},{:.5f},{:.5f},1".format(*LONELY))
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def lonely_run(kl_osm, kl_cache, kl_graph, tmp_path_factory):
    """The run written to a folder, and its result."""
    mp = pytest.MonkeyPatch()
    mp.setenv("KLSHUTTLE_OSM", str(kl_osm))
    mp.setenv("KLSHUTTLE_CACHE_DIR", str(kl_cache))
    try:
        folder = scenario_dir(tmp_path_factory.mktemp("lonely"))
        (folder / "bookings.csv").write_text(_bookings())
        result = simulate(load_scenario(write(folder, "lonely.toml", SCENARIO)))
        return write_result(result, folder / "run"), result
    finally:
        mp.undo()


def _public_text(run: Path) -> dict[str, str]:
    """Every public file as text (GeoPackage layers as CSV; report without its images)."""
    out = {}
    for p in sorted((run / "public").rglob("*")):
        if p.suffix == ".gpkg":
            for name, _ in pyogrio.list_layers(p):
                out[f"{p.name}:{name}"] = gpd.read_file(p, layer=name).to_csv()
        elif p.is_file():
            text = p.read_text(encoding="utf-8")
            out[p.name] = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    return out


def test_the_unique_trip_is_in_private_and_served(lonely_run) -> None:
    run, _ = lonely_run
    trips = pd.read_csv(run / "private" / "trips.csv")
    lonely = trips[trips["request_s"] == LONELY_S]
    assert len(lonely) == 1 and lonely["status"].iloc[0] == "served"
    assert lonely[["origin_lon", "origin_lat", "dest_lon", "dest_lat"]].iloc[0].tolist() == list(
        LONELY
    )


def test_the_unique_trip_cannot_be_found_in_any_public_file(lonely_run) -> None:
    run, result = lonely_run
    texts = _public_text(run)
    assert {"kpis.json", "report.html", "link_loads.geojson", "stops.csv"} <= set(texts)
    lonely = result.trips.index[result.trips["request_s"] == LONELY_S][0]
    times_s = result.trips.loc[lonely, ["request_s", "submit_s", "pickup_s", "dropoff_s"]]
    # coordinates as booked (about 1 m), the clock time, and the times in seconds
    needles = [re.escape(f"{v:.5f}") for v in LONELY] + [r"\b0?3:17\b"]
    needles += [rf"(?<![\d.]){int(t)}(?:\.\d+)?(?!\d)" for t in times_s]
    for name, text in texts.items():
        for needle in needles:
            assert not re.search(needle, text), f"{needle} in public {name}"
    # the segments only the lonely rider rode over are not published ...
    loads = result.link_loads
    alone = loads[(loads["riders"] == 1)]
    assert len(alone)  # the night ride has segments of its own
    geo = json.loads((run / "public" / "link_loads.geojson").read_text())
    published = {
        (f["properties"]["from_osmid"], f["properties"]["to_osmid"]) for f in geo["features"]
    }
    assert not published & set(zip(alone["from_osmid"], alone["to_osmid"], strict=True))
    # ... nor a street of its own among the places where land use changes
    land = json.loads((run / "public" / "landuse.geojson").read_text())
    x, y = zip(*[LONELY[:2], LONELY[2:]], strict=True)
    ends = shapely.points(np.array(x), np.array(y))
    near = [
        f["properties"]["name"]
        for f in land["features"]
        if shapely.distance(shapely.geometry.shape(f["geometry"]), ends).min() < 0.0005
    ]
    assert near == [] or all(
        result.landuse.streets.loc[result.landuse.streets["name"] == n, "trip_ends_nearby"].max()
        >= K
        for n in near
    )
    # ... nor a boarding count of one at its stop
    stops = pd.read_csv(run / "public" / "stops.csv")
    stop = result.trips.loc[lonely, "pickup_stop"]
    row = stops[stops["name"] == stop].iloc[0]
    stops = pd.read_csv(run / "public" / "stops.csv", keep_default_na=False)
    row = stops[stops["name"] == stop].iloc[0]
    assert row["boardings"] == 0 and row["boardings_merged_into"] not in ("", stop)


def test_no_public_layer_has_a_count_between_1_and_k_minus_1(lonely_run) -> None:
    run, _ = lonely_run
    checked = 0
    frames: dict[str, pd.DataFrame] = {}
    for p in sorted((run / "public").iterdir()):
        if p.suffix == ".gpkg":
            for name, _ in pyogrio.list_layers(p):
                frames[f"{p.name}:{name}"] = gpd.read_file(p, layer=name)
        elif p.suffix == ".geojson":
            feats = json.loads(p.read_text())["features"]
            frames[p.name] = pd.DataFrame([f["properties"] for f in feats])
        elif p.suffix == ".csv":
            frames[p.name] = pd.read_csv(p)
    for name, df in frames.items():
        for col in COUNTS:
            if col in df.columns:
                values = pd.to_numeric(df[col], errors="raise").dropna()
                small = values[(values > 0) & (values < K)]
                assert small.empty, f"{name}.{col} has counts {sorted(set(small))}"
                checked += 1
    assert checked >= 8


def test_the_report_renders_with_the_suppression_note(lonely_run) -> None:
    run, result = lonely_run
    html = (run / "public" / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    section = html.split("<h2>Privacy</h2>", 1)[1]
    assert re.search(rf"at least\s+{K} trips", section)
    loads = result.link_loads
    left_out = int(
        ((loads["passages"] < K) | ((loads["riders"] > 0) & (loads["riders"] < K))).sum()
    )
    assert f"link_loads: {left_out} of {len(loads)} road segments left out" in section
    # the night hour is listed among the hours not shown
    assert re.search(r"requests per hour: \d+ of \d+ hours .*03:00", section)


def test_the_geopackage_opens_with_crs_and_valid_geometries(lonely_run) -> None:
    run, _ = lonely_run
    path = run / "public" / "layers.gpkg"
    layers = {name: geom for name, geom in pyogrio.list_layers(path)}
    assert {"link_loads", "stops", "landuse_streets", "landuse_car_parks"} <= set(layers)
    for name in layers:
        frame = gpd.read_file(path, layer=name)
        assert frame.crs is not None and frame.crs.to_epsg() == 4326, name
        assert shapely.is_valid(frame.geometry.to_numpy()).all(), name
    loads = gpd.read_file(path, layer="link_loads")
    geo = json.loads((run / "public" / "link_loads.geojson").read_text())
    assert len(loads) == len(geo["features"]) > 0
    assert set(loads.geom_type) == {"LineString"}


def test_publish_copies_the_public_part_only(lonely_run, tmp_path: Path) -> None:
    run, _ = lonely_run
    dest = tmp_path / "site"
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "klshuttle", "publish", str(run), str(dest)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    copied = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*"))
    public = sorted(p.relative_to(run / "public").as_posix() for p in (run / "public").rglob("*"))
    assert copied == public
    private = {p.name for p in (run / "private").iterdir()}
    assert private and not private & set(copied)
    for name in copied:
        assert (dest / name).read_bytes() == (run / "public" / name).read_bytes()
    # never over an existing folder: refused in one line, nothing changed
    (dest / "kpis.json").write_text("mine")
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert again.returncode == 1 and "exists" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    assert (dest / "kpis.json").read_text() == "mine"


def test_the_report_map_draws_no_segment_or_stop_below_k(lonely_run, monkeypatch) -> None:
    from matplotlib.collections import LineCollection, PathCollection

    from klshuttle.outputs.report import maps

    _, result = lonely_run
    figs = []
    monkeypatch.setattr(maps, "png", lambda fig: figs.append(fig) or "")
    maps.service_map(result, "de")
    (ax,) = figs[0].axes
    # the blue passages: only segments with >= k vehicles and no or >= k riders
    loads = result.link_loads
    ok = (loads["passages"] >= K) & ((loads["riders"] == 0) | (loads["riders"] >= K))
    (blue,) = [
        c
        for c in ax.collections
        if isinstance(c, LineCollection)
        and np.allclose(c.get_colors()[0][:3], (0.169, 0.482, 0.729), atol=0.01)
    ]
    assert len(blue.get_segments()) == int(ok.sum()) < len(loads)
    # stop circles: sizes 6 + 400 x activity / max, so no stop shows 1 to k - 1 boardings
    # + alightings of its own: the lonely rider's pickup stop is drawn without its trip
    (dots,) = [
        c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_sizes()) > 1
    ]
    sizes = dots.get_sizes()
    names = [str(n) for n in result.resolved.stops.name]
    lonely = result.trips[result.trips["request_s"] == LONELY_S].iloc[0]
    # (fewer than k trips board there: see stops.csv above), so its circle has no area
    assert (result.trips["pickup_stop"] == lonely["pickup_stop"]).sum() < K
    assert sizes[names.index(lonely["pickup_stop"])] == pytest.approx(6.0)
    import matplotlib.pyplot as plt

    plt.close(figs[0])
