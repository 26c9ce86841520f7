"""RoadGraph: CSR invariants, snapping, networkx interop, storage."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from klshuttle import RoadGraph
from klshuttle.errors import MapBuildError
from klshuttle.graph import to_metric


@pytest.mark.kaiserslautern
def test_csr_arrays_have_fixed_dtypes_and_are_frozen(kl_graph: RoadGraph) -> None:
    g = kl_graph
    assert g.indptr.dtype == np.int64 and g.indices.dtype == np.int32
    assert g.travel_time_s.dtype == np.float64 and g.length_m.dtype == np.float64
    assert g.indptr[0] == 0 and g.indptr[-1] == g.n_edges
    assert np.all(np.diff(g.indptr) >= 0)
    with pytest.raises(ValueError):
        g.travel_time_s[0] = 1.0


@pytest.mark.kaiserslautern
def test_edge_geometry_runs_from_tail_to_head(kl_graph: RoadGraph) -> None:
    g = kl_graph
    src = g.edge_source
    for k in range(0, g.n_edges, 97):
        line = g.edge_geometry(k)
        (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
        assert (x0, y0) == pytest.approx((g.lon[src[k]], g.lat[src[k]]), abs=1e-6)
        assert (x1, y1) == pytest.approx((g.lon[g.indices[k]], g.lat[g.indices[k]]), abs=1e-6)
        # the polyline length in metres matches the edge length
        xs, ys = to_metric(*np.asarray(line.coords).T)
        assert np.hypot(np.diff(xs), np.diff(ys)).sum() == pytest.approx(
            g.length_m[k], rel=0.01, abs=0.5
        )


@pytest.mark.kaiserslautern
def test_nearest_nodes_matches_brute_force(kl_graph: RoadGraph) -> None:
    g = kl_graph
    rng = np.random.default_rng(7)
    west, south, east, north = g.bbox
    lon = rng.uniform(west, east, 300)
    lat = rng.uniform(south, north, 300)
    idx, dist = g.nearest_nodes(lon, lat)
    px, py = to_metric(lon, lat)
    d_all = np.hypot(px[:, None] - g.x[None, :], py[:, None] - g.y[None, :])
    assert np.array_equal(idx, d_all.argmin(axis=1))
    assert np.allclose(dist, d_all.min(axis=1))
    # scalar in, scalar out
    node, d = g.nearest_nodes(float(g.lon[5]), float(g.lat[5]))
    assert node == 5 and d < 1e-6


@pytest.mark.kaiserslautern
def test_nearest_edges_gives_distance_and_offset(kl_graph: RoadGraph) -> None:
    from shapely import LineString

    from klshuttle.graph import to_lonlat

    g = kl_graph
    k = int(np.argmax(g.length_m))
    xs, ys = to_metric(*np.asarray(g.edge_geometry(k).coords).T)
    line_m = LineString(np.column_stack([xs, ys]))
    quarter = line_m.interpolate(0.25, normalized=True)
    lon, lat = to_lonlat([quarter.x], [quarter.y])
    edge, dist, offset = g.nearest_edges(lon, lat)
    assert dist[0] < 0.5
    if edge[0] == k:
        assert offset[0] == pytest.approx(0.25 * g.length_m[k], rel=0.01)
    else:  # the twin edge of a two-way street, which runs the other way
        assert g.indices[edge[0]] == g.edge_source[k] and g.edge_source[edge[0]] == g.indices[k]
        assert offset[0] == pytest.approx(0.75 * g.length_m[k], rel=0.01)


@pytest.mark.kaiserslautern
def test_to_networkx_round_trip(kl_graph: RoadGraph) -> None:
    g = kl_graph
    G = g.to_networkx()
    assert G.number_of_nodes() == g.n_nodes and G.number_of_edges() == g.n_edges
    assert nx.is_strongly_connected(G)
    src = g.edge_source
    for k in range(0, g.n_edges, 101):
        data = G.edges[int(src[k]), int(g.indices[k]), k]
        assert data["travel_time_s"] == g.travel_time_s[k]
        assert data["length_m"] == g.length_m[k]


@pytest.mark.kaiserslautern
def test_reverse_csr_lists_incoming_edges(kl_graph: RoadGraph) -> None:
    g = kl_graph
    rptr, rsrc, redge = g.reverse_csr
    assert rptr[-1] == g.n_edges
    for v in range(0, g.n_nodes, 37):
        edges = redge[rptr[v] : rptr[v + 1]]
        assert set(edges.tolist()) == set(np.flatnonzero(g.indices == v).tolist())
        assert np.array_equal(g.edge_source[edges], rsrc[rptr[v] : rptr[v + 1]])


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    g = RoadGraph(
        indptr=[0, 1, 2],
        indices=[1, 0],
        travel_time_s=[1.5, 2.5],
        length_m=[10.0, 10.0],
        speed_kmh=[24.0, 14.4],
        road_class=[0, 0],
        name_code=[0, -1],
        edge_osmid=[5, 6],
        geom_indptr=[0, 2, 4],
        geom_lon=[7.0, 7.001, 7.001, 7.0],
        geom_lat=[49.0, 49.0, 49.0, 49.0],
        lon=[7.0, 7.001],
        lat=[49.0, 49.0],
        osmid=[11, 12],
        road_class_names=("residential",),
        street_names=("Gasse",),
        meta={"source": "hand"},
    )
    g.save(tmp_path / "g.npz")
    h = RoadGraph.load(tmp_path / "g.npz")
    assert h.edge_name(0) == "Gasse" and h.edge_name(1) == ""
    assert np.array_equal(h.travel_time_s, g.travel_time_s)
    assert h.meta == {"source": "hand"}


def test_inconsistent_arrays_are_rejected() -> None:
    with pytest.raises(MapBuildError, match="inconsistent"):
        RoadGraph(
            indptr=[0, 1],
            indices=[5],
            travel_time_s=[1.0],
            length_m=[1.0],
            speed_kmh=[1.0],
            road_class=[0],
            name_code=[-1],
            edge_osmid=[1],
            geom_indptr=[0, 2],
            geom_lon=[0, 0],
            geom_lat=[0, 0],
            lon=[0.0],
            lat=[0.0],
            osmid=[1],
            road_class_names=("residential",),
            street_names=(),
        )


def test_unreadable_cache_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"nope")
    with pytest.raises(MapBuildError, match="not a readable klshuttle graph"):
        RoadGraph.load(bad)
