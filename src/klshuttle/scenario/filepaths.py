"""File-path keys: the one list that drives path resolution and the run id.

A spec field typed :data:`FilePath` holds the path of a file the scenario reads
(the OSM map, a CSV of trips, a GTFS feed, zones). :func:`path_keys` finds
every such field in the schema, so a new spec's path field is picked up by
both users of the list without being named anywhere else:

- loading makes each path absolute, relative to the file that names it;
- the run id replaces each path by the content hash of the file.
"""

from __future__ import annotations

import functools
import os
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field

from .base import Str

__all__ = ["FILE_PATH", "FilePath", "path_keys", "replace_paths", "resolve_paths"]


class _FilePathMark:
    """Field metadata marking a value as a file path (see :data:`FilePath`)."""

    def __repr__(self) -> str:
        return "FILE_PATH"


#: The marker :func:`path_keys` looks for in a field's metadata.
FILE_PATH = _FilePathMark()

#: A file path, relative to the scenario file that names it.
FilePath = Annotated[Str, Field(min_length=1), FILE_PATH]

#: A key path into scenario data; "*" stands for any list index.
KeyPath = tuple[str, ...]


def _keys_in_type(tp: Any, prefix: KeyPath) -> Iterator[KeyPath]:
    """Key paths of the file-path values inside a value of type ``tp``."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *metadata = typing.get_args(tp)
        if any(m is FILE_PATH for m in metadata):
            yield prefix
        else:
            yield from _keys_in_type(base, prefix)
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            yield from _keys_in_type(arg, prefix)
    elif origin in (list, tuple):
        for arg in typing.get_args(tp):
            if arg is not Ellipsis:
                yield from _keys_in_type(arg, (*prefix, "*"))
    elif isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, field in tp.model_fields.items():
            if any(m is FILE_PATH for m in field.metadata):
                yield (*prefix, name)
            else:
                yield from _keys_in_type(field.annotation, (*prefix, name))


@functools.cache
def path_keys(model: type[BaseModel]) -> tuple[KeyPath, ...]:
    """Key paths of every :data:`FilePath` field of ``model`` and the specs inside it.

    Parameters
    ----------
    model
        A spec class, normally :class:`~klshuttle.scenario.Scenario`.

    Returns
    -------
    tuple of tuple of str
        Each a key path from the top of the scenario data, with ``"*"`` for
        any list index, e.g. ``("demand", "models", "*", "file")``; members of
        a union (the demand models) share one path per field name.
    """
    return tuple(dict.fromkeys(_keys_in_type(model, ())))


def replace_paths(data: Any, keys: tuple[KeyPath, ...], replace: Callable[[str], str]) -> None:
    """Replace each non-empty string at one of ``keys`` in ``data`` by ``replace(it)`` (in place)."""

    def walk(node: Any, keys: KeyPath) -> None:
        if not keys or node is None:
            return
        head, rest = keys[0], keys[1:]
        if head == "*":
            if isinstance(node, list):
                for item in node:
                    walk(item, rest)
            return
        if not isinstance(node, dict) or head not in node:
            return
        if not rest:
            value = node[head]
            if isinstance(value, str) and value:
                node[head] = replace(value)
            return
        walk(node[head], rest)

    for key in keys:
        walk(data, key)


def resolve_paths(data: dict[str, Any], folder: Path, keys: tuple[KeyPath, ...]) -> None:
    """Make the file paths of one file's data absolute, relative to ``folder`` (in place)."""
    replace_paths(data, keys, lambda value: os.path.realpath(folder / Path(value).expanduser()))
