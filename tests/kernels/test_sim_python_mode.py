"""The simulation kernels run as plain Python (NUMBA_DISABLE_JIT=1) give the same day.

With the JIT disabled numba hands back the Python functions, so the whole
event loop and the insertion search run as ordinary Python: the slow,
obviously-interpreted reference of the compiled simulator. Both must produce
identical events, legs and request outcomes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

TESTS = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
import numpy as np
from simkit import fleet, random_graph, reference_net, trips
from klshuttle.dispatch import dispatch_params
from klshuttle.sim import OnDemandSimulation

rng = np.random.default_rng({seed})
g = random_graph(18, rng, extra=20)
net = reference_net(g)
n = 150
t = np.sort(rng.uniform(0, 3600, n))
o = rng.integers(0, 18, n)
d = (o + rng.integers(1, 18, n)) % 18
tr = trips(t, o, d, max_wait_s=rng.uniform(200, 900, n), max_ride_s=1.5 * net.time_s[o, d] + 300,
           pax=rng.integers(1, 3, n))
sim = OnDemandSimulation(net, fleet(rng.integers(0, 18, 4), capacity=4, dwell_s=10, per_pax_s=2.75), tr,
                         start_s=0.0, end_s=3600.0, dispatch=dispatch_params({dispatcher!r}))
log = sim.run_to_end()
arrays = {{}}
for part in ("events", "legs", "requests"):
    for k, v in getattr(log, part).items():
        arrays[part + "." + k] = np.asarray(v)
np.savez({out!r}, **arrays)
"""


def _day(tmp_path: Path, seed: int, dispatcher: str, *, jit: bool) -> dict[str, np.ndarray]:
    out = tmp_path / f"{'jit' if jit else 'python'}-{seed}-{dispatcher}.npz"
    env = {**os.environ}
    if not jit:
        env["NUMBA_DISABLE_JIT"] = "1"
    script = SCRIPT.format(tests=str(TESTS), seed=seed, dispatcher=dispatcher, out=str(out))
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=900)
    with np.load(out) as data:
        return {k: data[k] for k in data.files}


@pytest.mark.parametrize(("seed", "dispatcher"), [(1, "insertion"), (2, "batch")])
def test_python_mode_gives_the_same_day(tmp_path: Path, seed: int, dispatcher: str) -> None:
    compiled = _day(tmp_path, seed, dispatcher, jit=True)
    python = _day(tmp_path, seed, dispatcher, jit=False)
    assert compiled.keys() == python.keys()
    assert len(compiled["events.t_s"]) > 300
    for key in compiled:
        assert np.array_equal(compiled[key], python[key], equal_nan=True), key
