"""Hand-made RoadGraphs for routing tests: a few nodes and edges, CSR built here."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from klshuttle import RoadGraph

#: A point in central Kaiserslautern; hand-made nodes are placed around it.
LON0, LAT0 = 7.7689, 49.4447


def make_graph(
    n_nodes: int,
    edges: Sequence[tuple[int, int, float] | tuple[int, int, float, float]],
    coords: Sequence[tuple[float, float]] | None = None,
) -> RoadGraph:
    """Build a RoadGraph from ``(u, v, time_s[, length_m])`` edges.

    Edges are put in CSR order by tail node, keeping the given order among
    edges with the same tail (so parallel edges keep their relative order).
    The length defaults to ten times the time. Nodes sit on a line 100 m apart
    unless ``coords`` (lon, lat) are given; edge geometries are straight lines.
    """
    rows = sorted(
        (
            (int(e[0]), int(e[1]), float(e[2]), float(e[3] if len(e) > 3 else 10 * e[2]), i)
            for i, e in enumerate(edges)
        ),
        key=lambda r: (r[0], r[4]),
    )
    m = len(rows)
    src = np.array([r[0] for r in rows], dtype=np.int64)
    dst = np.array([r[1] for r in rows], dtype=np.int32)
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    indptr = np.cumsum(indptr)
    if coords is None:
        lon = LON0 + 0.0014 * np.arange(n_nodes)
        lat = np.full(n_nodes, LAT0)
    else:
        lon = np.array([c[0] for c in coords], dtype=np.float64)
        lat = np.array([c[1] for c in coords], dtype=np.float64)
    geom = np.empty((2 * m, 2))
    geom[0::2] = np.column_stack([lon[src], lat[src]]) if m else geom[0::2]
    geom[1::2] = np.column_stack([lon[dst], lat[dst]]) if m else geom[1::2]
    length = np.array([r[3] for r in rows], dtype=np.float64)
    time = np.array([r[2] for r in rows], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):  # tests may use nan or inf times
        speed_kmh = np.divide(3.6 * length, time, out=np.zeros(m), where=time > 0)
    return RoadGraph(
        indptr=indptr,
        indices=dst,
        travel_time_s=time,
        length_m=length,
        speed_kmh=speed_kmh,
        road_class=np.zeros(m, dtype=np.int8),
        name_code=np.full(m, -1, dtype=np.int32),
        edge_osmid=np.arange(m, dtype=np.int64),
        geom_indptr=2 * np.arange(m + 1, dtype=np.int64),
        geom_lon=geom[:, 0],
        geom_lat=geom[:, 1],
        lon=lon,
        lat=lat,
        osmid=np.arange(n_nodes, dtype=np.int64) + 1000,
        road_class_names=("residential",),
        street_names=(),
    )
