"""Byte-identical outputs: every runnable shipped scenario, seed 1, against stored digests.

The digests in ``data/output_digests.json`` were taken from the outputs of main before
the restructuring of issue 9 (``klshuttle run SCENARIO --seed 1``). A change that alters
any output file of any shipped scenario fails here; a change meant to alter outputs
(a new model, a new default) regenerates the digests on purpose, in its own commit,
and says why. ``run.json`` is compared without ``klshuttle_version``, and ``scenario.toml``
without its ``# from <path>`` comment (the checkout's folder differs per clone). Files
are keyed by their path in the run folder (``public/kpis.json``, ``private/trips.csv``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DIGESTS = json.loads((Path(__file__).parent / "data" / "output_digests.json").read_text())


def _digest(path: Path) -> str:
    data = path.read_bytes()
    if path.name == "run.json":
        meta = json.loads(data)
        meta.pop("klshuttle_version")
        data = json.dumps(meta, sort_keys=True).encode()
    elif path.name == "scenario.toml":
        # the "# from <path>" comment names the checkout's folder, which differs per clone
        data = b"".join(
            ln for ln in data.splitlines(keepends=True) if not ln.startswith(b"# from ")
        )
    return hashlib.sha256(data).hexdigest()


@pytest.mark.kaiserslautern
@pytest.mark.parametrize("name", sorted(DIGESTS))
def test_outputs_match_stored_digests(
    name: str, kl_osm: Path, kl_cache: Path, tmp_path: Path
) -> None:
    out = tmp_path / name
    env = {**os.environ, "KLSHUTTLE_OSM": str(kl_osm), "KLSHUTTLE_CACHE_DIR": str(kl_cache)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "klshuttle",
            "run",
            str(REPO / "scenarios" / f"{name}.toml"),
            "--seed",
            "1",
            "--out",
            str(out),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = {p.relative_to(out).as_posix(): _digest(p) for p in sorted(out.rglob("*")) if p.is_file()}
    want = DIGESTS[name]
    assert sorted(got) == sorted(want), "the set of output files changed"
    changed = [f for f in want if got[f] != want[f]]
    assert not changed, f"{name}: outputs differ from the stored digests: {changed}"
