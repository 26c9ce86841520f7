"""numba's on-disk cache: a second process loads the routing kernels, never recompiles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json
from klshuttle.routing import compile_kernels, routing_kernels
seconds = compile_kernels()
stats = {
    name: [sum(d.stats.cache_hits.values()), sum(d.stats.cache_misses.values())]
    for name, d in routing_kernels().items()
}
print(json.dumps({"seconds": seconds, "stats": stats}))
"""


def run_fresh_process(cache_dir: Path) -> dict:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_second_process_loads_every_kernel_from_the_cache(tmp_path: Path) -> None:
    first = run_fresh_process(tmp_path)
    # the first process compiled everything (an empty cache has nothing to load)
    assert all(misses > 0 and hits == 0 for hits, misses in first["stats"].values()), first
    assert any(tmp_path.rglob("*.nbi")), "numba wrote no cache index"
    second = run_fresh_process(tmp_path)
    for name, (hits, misses) in second["stats"].items():
        assert misses == 0, f"{name} was compiled again in a second process"
        assert hits > 0, f"{name} was not loaded from the cache"
    assert sum(second["seconds"].values()) < sum(first["seconds"].values())
