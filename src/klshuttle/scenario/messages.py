"""Scenario error messages: one line naming the file, the key path and what was expected.

:func:`format_errors` turns a pydantic :class:`~pydantic.ValidationError` into
``scenarios/x.toml: fleet.vehicle.capacity: must be >= 1, got 0``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

__all__ = ["display_path", "format_errors"]


def display_path(path: Path) -> str:
    """Show ``path`` relative to the working directory when it lies below it."""
    try:
        rel = Path(os.path.relpath(path))
    except ValueError:
        return str(path)
    return str(rel) if not str(rel).startswith("..") else str(path)


def _clean_loc(loc: tuple[Any, ...], data: Any, missing: bool = False) -> list[str | int]:
    """Drop the union-tag parts pydantic adds to an error location."""
    out: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if (
            isinstance(node, Mapping)
            and node.get("type") == part
            and not last
            and loc[i + 1] in node
        ):
            continue  # the tag of a discriminated union that is also a key ("stops")
        if (isinstance(node, Mapping) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            out.append(part)
            node = node[part]
        elif missing and last and isinstance(part, str) and isinstance(node, Mapping):
            out.append(part)
        # else: a tag of a discriminated union or a validator name: skip
    return out


def _loc_text(loc: list[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _short(value: Any) -> str:
    text = repr(value)
    if isinstance(value, Mapping):
        text = "a table"
    elif isinstance(value, list) and len(text) > 60:
        text = f"a list of {len(value)}"
    return text if len(text) <= 60 else text[:57] + "..."


_TYPE_WORDS = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "date_type": "a date",
    "date_from_datetime_parsing": "a date like 2024-05-14",
}


def _message(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind in _TYPE_WORDS:
        return f"expected {_TYPE_WORDS[kind]}, got {_short(got)}"
    if kind == "missing":
        return "required key is missing"
    if kind == "finite_number":
        return f"must be a finite number, got {_short(got)}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {
            "greater_than_equal": ">=",
            "greater_than": ">",
            "less_than_equal": "<=",
            "less_than": "<",
        }[kind]
        bound = next(iter(ctx.values()))
        return f"must be {op} {bound}, got {_short(got)}"
    if kind in ("too_short", "too_long"):
        lo = ctx.get("min_length")
        hi = ctx.get("max_length")
        n = ctx.get("actual_length")
        if kind == "too_short":
            what = "entry" if lo == 1 else "entries"
            return f"needs at least {lo} {what}, got {n}"
        return f"takes at most {hi} entries, got {n}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {_short(got)}"
    if kind == "union_tag_invalid":
        return f"must be one of {ctx.get('expected_tags')}, got {_short(ctx.get('tag'))}"
    if kind == "union_tag_not_found":
        return "required key is missing"
    if kind == "string_pattern_mismatch":
        return f"may use only letters, digits, '-' and '_', got {_short(got)}"
    if kind == "extra_forbidden":
        return "unknown key"
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    if kind == "value_error" or kind.startswith(("time", "top_speed")):
        return msg
    return msg.replace("Input should be", "must be")


def format_errors(
    exc: ValidationError,
    data: Mapping[str, Any],
    origin: Mapping[tuple[str, ...], Path],
    file: Path,
) -> str:
    errors = exc.errors()
    # A union reports one error per member; show the member that took the
    # input's kind (a table for a table) rather than a plain type mismatch.
    mismatch = {*_TYPE_WORDS, "literal_error"}
    err = min(errors, key=lambda e: (e["type"] in mismatch, -len(e["loc"])))
    if err["type"] in mismatch:
        err = errors[0]
    loc = _clean_loc(tuple(err["loc"]), data, missing=err["type"] == "missing")
    kind = err["type"]
    ctx = err.get("ctx") or {}
    msg = _message(err)
    if kind == "unknown_key":
        loc.append(ctx["key"])
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        loc.append(ctx.get("discriminator", "type").strip("'"))
    elif kind in (
        "lines_missing",
        "lines_unused",
        "line_names",
        "model_names",
        "line_vehicles",
        "top_speed",
    ):
        head, _, msg = msg.partition(": ")
        loc.extend(head.split("."))
        if kind == "line_vehicles":
            loc = ["fleet", "vehicles"]
    # Name the file that set the offending key (it may be an extended base).
    keys = tuple(str(p) for p in loc if isinstance(p, str))
    where = file
    for n in range(len(keys), 0, -1):
        if keys[:n] in origin:
            where = origin[keys[:n]]
            break
    shown_loc = tuple(_clean_loc(tuple(err["loc"]), data))
    others = set()
    for e in errors:
        other = tuple(_clean_loc(tuple(e["loc"]), data))
        n = min(len(other), len(shown_loc))
        if other[:n] != shown_loc[:n]:
            others.add(other)
    more = len(others)
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    key = _loc_text(loc)
    shown = str(where) if where == Path("--set") else display_path(where)
    return f"{shown}: {key}: {msg}{tail}" if key else f"{shown}: {msg}{tail}"
