"""The walking network of an OSM file: osmnx's ``walk`` network type, compiled and cached.

osmnx's ``network_type="walk"`` is an Overpass filter; for a local file the same
filter is applied to the file's ``highway`` ways with pyosmium (:data:`WALK_FILTER`,
the filter of osmnx 2.x), and osmnx builds the graph from what is left, every way
walkable both ways, simplified, its largest connected part kept. The compiled
:class:`WalkGraph` (node coordinates and a symmetric CSR of lengths) is cached
as ``.npz`` beside the road graphs, keyed by the file's content.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import MapBuildError
from .graph import to_metric
from .mapconfig import MapSource, osm_file
from .paths import cache_dir, cached, file_sha256

__all__ = ["WALK_FILTER", "WalkGraph", "build_walk_graph", "load_walk_graph", "walkable"]

log = logging.getLogger(__name__)

#: Bump when the compiled walking graph changes; old cache files are then ignored.
WALK_FORMAT_VERSION = 1

#: osmnx 2.x ``_overpass._get_network_filter("walk")``, the ``walk`` network type.
WALK_FILTER = (
    '["highway"]["area"!~"yes"]["access"!~"private"]'
    '["highway"!~"abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|'
    'proposed|raceway|razed|rest_area|services"]["foot"!~"no"]["service"!~"private"]'
    '["sidewalk"!~"separate"]["sidewalk:both"!~"separate"]["sidewalk:left"!~"separate"]'
    '["sidewalk:right"!~"separate"]'
)

_CLAUSES = [
    (key, re.compile(rx) if rx else None)
    for key, rx in re.findall(r'\["([^"]+)"(?:!~"([^"]*)")?\]', WALK_FILTER)
]


def walkable(tags: dict[str, str]) -> bool:
    """Whether a way with these tags passes :data:`WALK_FILTER` (Overpass semantics).

    ``["key"]`` requires the key; ``["key"!~"regex"]`` rejects a value the regex
    finds anywhere in (a missing key passes).
    """
    for key, rx in _CLAUSES:
        value = tags.get(key)
        if rx is None:
            if value is None:
                return False
        elif value is not None and rx.search(value):
            return False
    return True


@dataclass(frozen=True, eq=False)
class WalkGraph:
    """A walking network: nodes with coordinates, both directions of every edge.

    Attributes
    ----------
    lon, lat : float64 (n,)
        Node coordinates (WGS84).
    indptr : int64 (n + 1,), indices : int32 (m,), length_m : float64 (m,)
        CSR adjacency: edge ``k`` of row ``u`` leads to ``indices[k]``.
    meta : dict
        Source, build time, cache file.
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    indptr: NDArray[np.int64]
    indices: NDArray[np.int32]
    length_m: NDArray[np.float64]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.lon)

    @classmethod
    def from_edges(
        cls,
        lon: Any,
        lat: Any,
        edges: list[tuple[int, int, float]],
        meta: dict[str, Any] | None = None,
    ) -> WalkGraph:
        """Build from undirected edges ``(u, v, length_m)``; both directions are added."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        n = len(lon)
        e = np.asarray(edges, dtype=np.float64).reshape(-1, 3)
        u = np.concatenate([e[:, 0], e[:, 1]]).astype(np.int64)
        v = np.concatenate([e[:, 1], e[:, 0]]).astype(np.int64)
        w = np.concatenate([e[:, 2], e[:, 2]])
        order = np.lexsort((v, u))
        u, v, w = u[order], v[order], w[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, u + 1, 1)
        return cls(lon, lat, np.cumsum(indptr), v.astype(np.int32), w, dict(meta or {}))

    def matrix(self) -> Any:
        """The adjacency as a scipy CSR matrix of lengths (m); parallel edges keep the shortest."""
        from scipy.sparse import csr_matrix

        n = self.n_nodes
        rows = np.repeat(np.arange(n), np.diff(self.indptr))
        # csr_matrix sums duplicates; keep the shortest of parallel edges instead
        key = rows * n + self.indices
        order = np.lexsort((self.length_m, key))
        first = np.ones(len(order), dtype=bool)
        first[1:] = key[order][1:] != key[order][:-1]
        keep = order[first]
        return csr_matrix(
            (np.maximum(self.length_m[keep], 1e-6), (rows[keep], self.indices[keep])),
            shape=(n, n),
        )

    def nearest(self, lon: Any, lat: Any) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Nearest node of each point and the straight-line distance to it (m)."""
        from scipy.spatial import cKDTree

        x, y = to_metric(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        nx_, ny_ = to_metric(self.lon, self.lat)
        dist, idx = cKDTree(np.column_stack([nx_, ny_])).query(np.column_stack([x, y]))
        return np.asarray(idx, dtype=np.int64), np.asarray(dist, dtype=np.float64)

    def save(self, path: Path) -> None:
        """Write the graph to ``path`` (.npz), atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(
            tmp,
            lon=self.lon,
            lat=self.lat,
            indptr=self.indptr,
            indices=self.indices,
            length_m=self.length_m,
            version=np.array(WALK_FORMAT_VERSION),
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> WalkGraph:
        """Read a graph written by :meth:`save`."""
        with np.load(path) as z:
            if int(z["version"]) != WALK_FORMAT_VERSION:
                raise ValueError(f"{path}: walking graph format {int(z['version'])}")
            return cls(
                z["lon"], z["lat"], z["indptr"], z["indices"], z["length_m"], {"cache": str(path)}
            )


def build_walk_graph(path: Path) -> WalkGraph:
    """Build the walking network of an OSM file (no cache involved).

    Raises
    ------
    MapBuildError
        The file holds no walkable way or cannot be read.
    """
    import osmium
    import osmnx as ox

    t0 = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="klshuttle-walk-") as tmp:
            ways = Path(tmp) / "walk.osm"
            n_ways = 0
            with osmium.BackReferenceWriter(str(ways), ref_src=str(path), overwrite=True) as w:
                fp = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
                    osmium.filter.KeyFilter("highway")
                )
                for way in fp:
                    if walkable({t.k: t.v for t in way.tags}):
                        w.add(way)
                        n_ways += 1
            if n_ways == 0:
                raise MapBuildError(f"{path}: no walkable way in this OSM file")
            G = ox.graph_from_xml(ways, bidirectional=True, simplify=True, retain_all=False)
    except MapBuildError:
        raise
    except (RuntimeError, ValueError, OSError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MapBuildError(f"{path}: not a readable OpenStreetMap file ({detail})") from exc
    nodes = sorted(G.nodes)
    index = {nd: i for i, nd in enumerate(nodes)}
    edges = sorted(
        {
            (min(index[u], index[v]), max(index[u], index[v]), float(d["length"]))
            for u, v, d in G.edges(data=True)
            if u != v
        }
    )
    return WalkGraph.from_edges(
        [G.nodes[nd]["x"] for nd in nodes],
        [G.nodes[nd]["y"] for nd in nodes],
        edges,
        {"source": str(path), "ways": n_ways, "build_time_s": time.perf_counter() - t0},
    )


def load_walk_graph(
    source: str | Path | MapSource | None = None, *, use_cache: bool = True
) -> WalkGraph:
    """The walking network of a map file, from the cache when it holds one.

    Parameters
    ----------
    source
        As for :func:`klshuttle.maps.resolve_map_source`; must resolve to a file.
    use_cache
        Read and write the compiled graph under the cache folder.

    Raises
    ------
    MapSourceError
        The source is not a local OSM file.
    MapBuildError
        The file holds no walkable way.
    """
    path = osm_file(source, "the walking network is built")
    digest = file_sha256(path)
    key = hashlib.sha256(f"{WALK_FORMAT_VERSION}|{digest}".encode()).hexdigest()[:16]
    return cached(
        cache_dir() / f"walk-{key}.npz",
        load=WalkGraph.load,
        build=lambda: build_walk_graph(path),
        save=WalkGraph.save,
        what="walking-graph",
        use_cache=use_cache,
    )
