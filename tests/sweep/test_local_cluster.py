"""The LocalCluster a sweep starts: its workers run as this process does.

Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` in every worker and each
worker samples its threads every 10 ms for the dashboard's profiler; a sweep's
workers run without both (see ``LOCAL_WORKER_CONFIG``). Read back from inside
the worker processes, not from the configuration handed to them.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from klshuttle.sweep.execute import local_cluster


def _worker_settings(dask_worker: Any) -> dict[str, Any]:
    import dask

    worker = dask_worker
    return {
        "pid": os.getpid(),
        "trim": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        "omp": os.environ.get("OMP_NUM_THREADS"),
        "profile_enabled": dask.config.get("distributed.worker.profile.enabled"),
        # the profiler's periodic callback exists only when it is enabled
        "profile_callback": "profile" in worker.periodic_callbacks,
        "threads": worker.state.nthreads,
    }


def test_sweep_workers_keep_glibc_trim_and_run_no_profiler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # an earlier LocalCluster in this process leaves dask's value in os.environ
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    from distributed import Client

    cluster = local_cluster(1)
    try:
        with Client(cluster) as client:
            settings = list(client.run(_worker_settings).values())
    finally:
        cluster.close()
    assert len(settings) == 1 and settings[0]["pid"] != os.getpid()
    for s in settings:
        assert s["trim"] is None
        assert s["omp"] == "1"  # dask's other pre-spawn settings stay
        assert s["profile_enabled"] is False and s["profile_callback"] is False
        assert s["threads"] == 1
    assert "MALLOC_TRIM_THRESHOLD_" not in os.environ
