"""One run of a sweep, as a worker executes it; the worker's road-graph cache.

:func:`run_task` is the function sent to Dask workers (and called in-process for
a serial sweep). Each worker process keeps the road graph and the routing
tables of the last few networks it saw (keyed by map content and build
settings), so they are built once per worker, not once per run; the numba
kernels load from numba's on-disk cache (``cache=True``, ``NUMBA_CACHE_DIR``).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import OutputExistsError
from ..outputs import write_result
from ..resolve import resolve
from ..routing import Router
from ..runner import simulate
from ..scenario import Scenario
from .runfiles import is_finished

__all__ = ["RunReport", "clear_networks", "run_task", "warm_network"]

#: Networks (graph, router) a worker keeps; a sweep over build settings needs a few.
MAX_NETWORKS = 2

_networks: OrderedDict[str, tuple[Any, Router]] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class RunReport:
    """What a worker did for one run.

    Attributes
    ----------
    run_id
        The run.
    ran
        False if the folder already held the finished run (nothing was done).
    pid
        The process that ran it.
    network_built
        True if this run built the road graph and routing tables of its worker.
    seconds
        Wall time of the run in the worker.
    """

    run_id: str
    ran: bool
    pid: int
    network_built: bool
    seconds: float


def clear_networks() -> None:
    """Forget the cached road graphs and routing tables of this process."""
    with _lock:
        _networks.clear()


def _network(key: str, scenario: Scenario) -> tuple[Any, Router, bool]:
    """(graph, router, built now) for the network ``key``; built once per process."""
    from ..maps import load_map

    with _lock:
        if key in _networks:
            _networks.move_to_end(key)
            graph, router = _networks[key]
            return graph, router, False
        graph = load_map(scenario.map.source, settings=scenario.build_settings)
        router = Router(graph)
        _networks[key] = (graph, router)
        while len(_networks) > MAX_NETWORKS:
            _networks.popitem(last=False)
        return graph, router, True


def run_task(scenario: Scenario, folder: str, network_key: str) -> RunReport:
    """Simulate one run and write its files atomically into ``folder``.

    A folder that already holds the finished run is left as it is; if another
    worker finishes the same run first (a task retried after a worker was
    lost), its folder is kept and this copy is dropped.

    Parameters
    ----------
    scenario
        The run's scenario (its seed set).
    folder
        The run's folder (named by its run id).
    network_key
        The key of its road graph in this worker's cache.
    """
    t0 = time.perf_counter()
    target = Path(folder)
    run_id = scenario.run_id()
    if is_finished(target):
        return RunReport(run_id, False, os.getpid(), False, 0.0)
    graph, router, built = _network(network_key, scenario)
    resolved = resolve(scenario, graph=graph, seed=scenario.seed)
    result = simulate(scenario, seed=scenario.seed, resolved=resolved, router=router)
    try:
        write_result(result, target)
    except (OutputExistsError, OSError):
        if not is_finished(target):
            raise
    return RunReport(run_id, True, os.getpid(), built, time.perf_counter() - t0)


def warm_network(scenario: Scenario, network_key: str) -> int:
    """Load the road graph and routing tables of ``network_key`` in this worker.

    For benchmarks and long-lived clusters: the first run on a worker then
    pays nothing for them. Returns the process id.
    """
    _network(network_key, scenario)
    return os.getpid()
