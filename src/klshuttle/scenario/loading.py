"""Loading scenario files: TOML, ``extends``, relative paths, ``--set`` overrides.

:func:`load_scenario` reads a file, follows its ``extends`` chain (tables are
merged, arrays replaced), makes its file paths absolute relative to the file
that names them, applies ``--set`` overrides and validates the result.
"""

from __future__ import annotations

import copy
import errno
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ScenarioError
from .filepaths import path_keys, resolve_paths
from .messages import display_path, format_errors
from .spec import Scenario

__all__ = ["load_scenario", "scenario_from_dict"]


def _read_toml(path: Path) -> dict[str, Any]:
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{shown}: scenario file not found") from None
    except IsADirectoryError:
        raise ScenarioError(f"{shown}: is a folder, not a scenario file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ScenarioError(f"{shown}: symbolic link loop, not a scenario file") from None
        raise ScenarioError(f"{shown}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{shown}: not UTF-8 text (byte {exc.start})") from None
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ScenarioError(f"{shown}: invalid TOML: arrays or tables nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", msg)
        if m:
            detail = msg[: m.start()].strip()
            raise ScenarioError(
                f"{shown}: invalid TOML at line {m.group(1)}, column {m.group(2)}: {detail}"
            ) from None
        m = re.search(r"\s*\(at end of document\)\s*$", msg)
        if m:
            raise ScenarioError(
                f"{shown}: invalid TOML at the end of the file: {msg[: m.start()].strip()}"
            ) from None
        raise ScenarioError(f"{shown}: invalid TOML: {msg}") from None


#: Tables whose ``type`` picks a different schema: a file that extends another
#: and names a different ``type`` replaces the table instead of merging into it.
_DISCRIMINATOR = "type"


def _merge(
    base: dict[str, Any],
    override: Mapping[str, Any],
    origin: dict[tuple[str, ...], Path],
    file: Path,
    prefix: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Deep-merge ``override`` into a copy of ``base``; arrays are replaced whole.

    ``origin`` records for each key path which file set it (for messages).
    """
    out = dict(base)
    for key, value in override.items():
        path = (*prefix, key)
        old = out.get(key)
        if (
            isinstance(value, Mapping)
            and isinstance(old, Mapping)
            and not (
                _DISCRIMINATOR in value and old.get(_DISCRIMINATOR) != value.get(_DISCRIMINATOR)
            )
        ):
            out[key] = _merge(dict(old), value, origin, file, path)
        else:
            out[key] = copy.deepcopy(value)
            for p in [p for p in origin if p[: len(path)] == path]:
                del origin[p]
        origin[path] = file
    return out


def _load_chain(
    path: Path, stack: tuple[Path, ...], origin: dict[tuple[str, ...], Path]
) -> tuple[dict[str, Any], tuple[Path, ...]]:
    data = _read_toml(path)
    resolve_paths(data, path.parent, path_keys(Scenario))
    parent = data.pop("extends", None)
    chain: tuple[Path, ...] = ()
    if parent is None:
        merged: dict[str, Any] = {}
    else:
        if not isinstance(parent, str) or not parent.strip():
            raise ScenarioError(
                f"{display_path(path)}: extends: expected the path of another scenario file, "
                f"got {parent!r}"
            )
        target = Path(os.path.realpath(path.parent / parent))  # no error on a loop
        if target in stack or target == path:
            names = " -> ".join(display_path(p) for p in (*stack, path, target))
            raise ScenarioError(f"{display_path(path)}: extends: cycle {names}")
        if not target.is_file():
            what = "symbolic link loop" if target.is_symlink() else "file not found"
            raise ScenarioError(f"{display_path(path)}: extends: {what}: {display_path(target)}")
        merged, chain = _load_chain(target, (*stack, path), origin)
    merged = _merge(merged, data, origin, path)
    return merged, (*chain, path)


def _set_key(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``data[dotted]``; a numeric part indexes an array (``demand.models.0.trips_per_day``)."""
    keys = dotted.split(".")
    node: Any = data
    for i, k in enumerate(keys):
        last = i == len(keys) - 1
        if isinstance(node, list):
            if not k.isdigit() or int(k) >= len(node):
                raise ScenarioError(
                    f"--set {dotted}: {k} is not an index of the array "
                    f"{'.'.join(keys[:i])} (0 to {len(node) - 1})"
                )
            if last:
                node[int(k)] = value
            else:
                node = node[int(k)]
            continue
        if last:
            node[k] = value
            return
        node = node.setdefault(k, {})
        if not isinstance(node, dict | list):
            raise ScenarioError(f"--set {dotted}: {k} is not a table")


def load_scenario(
    path: str | os.PathLike[str], *, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Parameters
    ----------
    path
        The scenario TOML file.
    overrides
        Optional dotted keys to set after merging, e.g. ``{"fleet.vehicles": 30}``
        (the command line's ``--set``); a number indexes an array, e.g.
        ``{"demand.models.0.trips_per_day": 800}``.

    Returns
    -------
    Scenario
        The frozen, fully defaulted scenario; ``name`` defaults to the file stem.

    Raises
    ------
    ScenarioError
        With one line naming the file, the key path and what was expected.
    """
    file = Path(path).expanduser()
    resolved = Path(os.path.realpath(file))  # unlike Path.resolve, no error on a link loop
    origin: dict[tuple[str, ...], Path] = {}
    data, chain = _load_chain(resolved, (), origin)
    if overrides:
        for dotted, value in overrides.items():
            _set_key(data, dotted, value)
            origin[tuple(dotted.split("."))] = Path("--set")
    data.setdefault("name", resolved.stem)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_errors(exc, data, origin, resolved)) from None
    scenario._source_path = resolved
    scenario._chain = chain
    return scenario


def scenario_from_dict(data: Mapping[str, Any], *, label: str = "<scenario>") -> Scenario:
    """Validate a scenario given as a dict (same messages as :func:`load_scenario`)."""
    data = dict(data)
    data.setdefault("name", "scenario")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_errors(exc, data, {}, Path(label))) from None
