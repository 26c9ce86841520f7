"""Fixtures for the routing benchmarks: the real map, references, warmed-up kernels.

Everything that is not being measured happens here, once per session and
before any timing: loading the Kaiserslautern graph, building the networkx and
scipy references, and compiling the numba kernels. The JIT compile time is
measured separately, in fresh processes with an empty and then a filled numba
cache, and attached to every benchmark's ``extra_info``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from klshuttle import RoadGraph, Router, load_map
from klshuttle.reference import to_scipy_csgraph, to_simple_digraph
from klshuttle.routing import compile_kernels

REPO = Path(__file__).resolve().parents[1]
SHARED_MAP = REPO.parent / "shared" / "maps" / "kaiserslautern.osm.gz"

#: Random pairs and sources are drawn with this seed.
SEED = 20240611
N_PAIRS = 1000
N_SOURCES = 50

_COMPILE_SCRIPT = """
import json, time
t0 = time.perf_counter()
from klshuttle.routing import compile_kernels, routing_kernels
t1 = time.perf_counter()
seconds = compile_kernels()
misses = sum(sum(d.stats.cache_misses.values()) for d in routing_kernels().values())
hits = sum(sum(d.stats.cache_hits.values()) for d in routing_kernels().values())
print(json.dumps({"import_s": t1 - t0, "kernels_s": sum(seconds.values()),
                  "cache_hits": hits, "cache_misses": misses}))
"""


def _fresh_process(cache_dir: str) -> dict[str, Any]:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    out = subprocess.run(
        [sys.executable, "-c", _COMPILE_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def compile_report() -> dict[str, Any]:
    """JIT compile time of all routing kernels, cold and from numba's cache.

    ``compile_s``: first process with an empty cache (pure compilation);
    ``cached_load_s``: a second process with that cache (must not recompile;
    ``cached_misses`` counts recompilations and must be 0).
    """
    with tempfile.TemporaryDirectory(prefix="klshuttle-numba-") as cache:
        cold = _fresh_process(cache)
        warm = _fresh_process(cache)
    return {
        "compile_s": round(cold["kernels_s"], 3),
        "cached_load_s": round(warm["kernels_s"], 3),
        "cached_hits": warm["cache_hits"],
        "cached_misses": warm["cache_misses"],
    }


@pytest.fixture(scope="session")
def kl_graph() -> RoadGraph:
    """The Kaiserslautern road graph ($KLSHUTTLE_OSM, else ../shared/maps)."""
    env = os.environ.get("KLSHUTTLE_OSM")
    path = Path(env) if env else SHARED_MAP
    if not path.is_file():
        pytest.fail(f"the Kaiserslautern OSM extract is missing ({path}); set KLSHUTTLE_OSM")
    return load_map(path)


@pytest.fixture(scope="session")
def warm(kl_graph: RoadGraph, compile_report: dict[str, Any]) -> dict[str, Any]:
    """Kernels compiled in this process (outside any timing) and the compile report."""
    compile_kernels()
    return compile_report


@pytest.fixture(scope="session")
def router(kl_graph: RoadGraph, warm: dict[str, Any]) -> Router:
    """The simulator's Router: matrix mode on Kaiserslautern."""
    r = Router(kl_graph)
    assert r.mode == "matrix"
    return r


@pytest.fixture(scope="session")
def query_router(kl_graph: RoadGraph, warm: dict[str, Any]) -> Router:
    """A query-mode Router with the cache off: every call runs A*."""
    return Router(kl_graph, mode="query", cache_size=0)


@pytest.fixture(scope="session")
def nx_graph(kl_graph: RoadGraph) -> nx.DiGraph:
    """networkx reference: a DiGraph with the minimum travel time per node pair."""
    return to_simple_digraph(kl_graph, "travel_time_s")


@pytest.fixture(scope="session")
def csgraph(kl_graph: RoadGraph) -> sp.csr_matrix:
    """scipy reference: CSR with the minimum travel time per node pair, no self-loops."""
    return to_scipy_csgraph(kl_graph, "travel_time_s")


@pytest.fixture(scope="session")
def pairs(kl_graph: RoadGraph) -> list[tuple[int, int]]:
    """1,000 random origin-destination pairs (fixed seed)."""
    rng = np.random.default_rng(SEED)
    return [tuple(p) for p in rng.integers(0, kl_graph.n_nodes, size=(N_PAIRS, 2)).tolist()]


@pytest.fixture(scope="session")
def sources(kl_graph: RoadGraph) -> list[int]:
    """50 random source nodes (fixed seed), cycled so no run repeats one search."""
    rng = np.random.default_rng(SEED + 1)
    return rng.integers(0, kl_graph.n_nodes, size=N_SOURCES).tolist()
