"""Run ids: a short hash of what a run computes, files entering by their content.

Every file-path key of the schema (:func:`~klshuttle.scenario.filepaths.path_keys`)
enters the hash by the content of the file it names; the map by the content of
the file the map source resolves to, or by the place or bounding box fetched.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Protocol

from ..errors import MapSourceError
from ..mapconfig import resolve_map_source
from ..paths import file_sha256
from .filepaths import path_keys, replace_paths


class _MapSpec(Protocol):
    @property
    def source(self) -> str | None: ...


class _Hashable(Protocol):
    """What a run id reads of a :class:`~klshuttle.scenario.Scenario` (no import of it,
    so the spec module can call this one without a circle)."""

    @property
    def seed(self) -> int: ...

    @property
    def map(self) -> _MapSpec: ...

    def content(self) -> dict[str, Any]: ...


__all__ = ["MAP_KEY", "scenario_run_id"]

#: The key of the map file: its fingerprint also covers a place or the default search.
MAP_KEY = ("map", "osm")


def scenario_run_id(scenario: _Hashable, seed: int | None = None) -> str:
    """A short stable hash of what the run computes: content and seed.

    See :meth:`Scenario.run_id <klshuttle.scenario.Scenario.run_id>`.
    """
    data = scenario.content()
    # privacy changes what public files show (and where land use places spaces): in the id
    for key in ("name", "description", "outputs", "sweep"):
        data.pop(key, None)
    data["demand"]["seed"] = scenario.seed if seed is None else int(seed)
    data["map"]["osm"] = _map_fingerprint(scenario.map.source)
    model: Any = type(scenario)  # a Scenario (a pydantic model)
    keys = tuple(k for k in path_keys(model) if k != MAP_KEY)
    replace_paths(data, keys, _file_fingerprint)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _file_fingerprint(path: str) -> str:
    p = Path(path)
    if p.is_file():
        return "sha256:" + file_sha256(p)
    if p.is_dir():
        h = hashlib.sha256()
        for f in sorted(q for q in p.rglob("*") if q.is_file()):
            h.update(f.relative_to(p).as_posix().encode())
            h.update(file_sha256(f).encode())
        return "sha256:" + h.hexdigest()
    return f"missing:{p.name}"


def _map_fingerprint(source: str | None) -> str:
    try:
        src = resolve_map_source(source)
    except MapSourceError:
        return f"unresolved:{source}"
    if src.kind == "file" and src.path is not None:
        return "sha256:" + file_sha256(src.path)
    return f"{src.kind}:{src.place or src.bbox}"
