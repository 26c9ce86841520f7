"""Prepared trips from a CSV file, validated row by row (``csv``).

A file with columns that look like personal data (names, e-mail addresses,
phone numbers, street addresses, dates of birth, ids that are not opaque; see
:mod:`.personal`) is refused unless ``[privacy].allow_personal_columns`` (the
CLI's ``--allow-personal-columns``) is set; then those columns are read past
and never reach any output. A ``tag`` column that holds such values is read
past in the same way. Opaque id columns (hex tokens, UUIDs) are read past.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from ..errors import DemandError
from ..scenario import MAX_CAPACITY, CsvDemand, display_path, format_time, parse_time
from .personal import personal_columns
from .registry import register_model
from .requests import format_clock
from .trips import DemandContext, Trips

__all__ = ["csv_trips"]


_CSV_REQUIRED = ("time", "origin_lon", "origin_lat", "dest_lon", "dest_lat")
#: ``train`` names the train a rider connects with; ``latest_arrival_s`` (seconds
#: or ``HH:MM``) is the rider's deadline at the destination, a hard limit;
#: ``earliest_pickup_s`` the time the rider is ready at the pickup (if later
#: than ``time``: the ride is booked at ``time``); ``book_s`` when a
#: prebooked ride was booked (the dispatcher learns of it then).
_CSV_OPTIONAL = (
    "passengers",
    "tag",
    "train",
    "latest_arrival_s",
    "earliest_pickup_s",
    "book_s",
)
#: Columns of klshuttle's own requests CSV that are recomputed, so ignored.
_CSV_IGNORED = ("request_id", "time_s", "origin_node", "dest_node")
_MAX_ROW_ERRORS = 20


@register_model("csv")
def csv_trips(model: CsvDemand, ctx: DemandContext, rng: np.random.Generator, where: str) -> Trips:
    """Trips of the ``csv`` model: prepared trips read from a CSV file.

    Rows are checked one by one; the first bad row (and how many more) is
    reported with its line and column.
    """
    name = model.name or model.type
    path = Path(model.file)
    shown = display_path(path)
    if not path.is_file():
        raise DemandError(f"{ctx.label}: {where}.file: CSV file not found: {shown}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DemandError(f"{shown}: not UTF-8 text (byte {exc.start})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise DemandError(f"{shown}: empty file; expected a header with {', '.join(_CSV_REQUIRED)}")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in _CSV_REQUIRED if c not in header]
    if missing:
        raise DemandError(
            f"{shown}: line 1: missing column(s) {', '.join(missing)} (header: {', '.join(header)})"
        )
    own = (*_CSV_REQUIRED, *_CSV_OPTIONAL, *_CSV_IGNORED)
    check = personal_columns(
        header, rows[1:], own=_CSV_REQUIRED + _CSV_IGNORED, free_text=("tag", "train")
    )
    if check.personal and not ctx.allow_personal_columns:
        first = check.personal[0]
        raise DemandError(
            f"{shown}: line 1: column {first.column!r} looks like personal data "
            f"({first.kind}); remove the column or pass --allow-personal-columns "
            "(it is then read past and written nowhere)"
        )
    skipped = {c.column for c in check.personal} | set(check.opaque_ids)
    unknown = [h for h in header if h not in own and h not in skipped]
    if unknown:
        raise DemandError(
            f"{shown}: line 1: unknown column {unknown[0]!r} (expected {', '.join(_CSV_REQUIRED + _CSV_OPTIONAL)})"
        )
    col = {h: i for i, h in enumerate(header)}
    errors: list[str] = []
    out: list[tuple[float, float, float, float, float, int, str, str, float, float]] = []
    outside = 0
    w = ctx.window

    def bad(line: int, column: str, msg: str) -> None:
        errors.append(f"line {line}, column {column}: {msg}")

    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append(f"line {line}: {len(row)} fields, the header has {len(header)}")
            continue
        ok = True
        cell = {h: row[i].strip() for h, i in col.items() if h not in skipped}
        try:
            t = parse_time(float(cell["time"]) if _is_number(cell["time"]) else cell["time"])
        except ValueError as exc:
            bad(line, "time", str(exc))
            ok = False
        else:
            if not (w.start <= t < w.end):
                bad(
                    line,
                    "time",
                    f"{format_clock(t)} is outside the demand window "
                    f"{format_time(w.start)}-{format_time(w.end)}",
                )
                ok = False
        coords = []
        for c, lo, hi, what in (
            ("origin_lon", -180, 180, "a longitude"),
            ("origin_lat", -90, 90, "a latitude"),
            ("dest_lon", -180, 180, "a longitude"),
            ("dest_lat", -90, 90, "a latitude"),
        ):
            try:
                v = float(cell[c])
                if not (lo <= v <= hi) or not math.isfinite(v):
                    raise ValueError
                coords.append(v)
            except ValueError:
                bad(line, c, f"expected {what} between {lo} and {hi}, got {cell[c]!r}")
                ok = False
        pax = 1
        if "passengers" in cell and cell["passengers"] != "":
            try:
                pax = int(cell["passengers"])
                if not 1 <= pax <= MAX_CAPACITY:
                    raise ValueError
            except ValueError:
                bad(
                    line,
                    "passengers",
                    f"expected a whole number from 1 to {MAX_CAPACITY}, "
                    f"got {cell['passengers'][:30]!r}",
                )
                ok = False
        tag = cell.get("tag") or "trip"
        train = cell.get("train", "")
        ready = t if ok else math.nan
        text_ready = cell.get("earliest_pickup_s", "")
        if text_ready != "" and ok:
            try:
                ready = parse_time(float(text_ready) if _is_number(text_ready) else text_ready)
            except ValueError as exc:
                bad(line, "earliest_pickup_s", str(exc))
                ok = False
            else:
                if ready < t:
                    bad(line, "earliest_pickup_s", "must not be before the time of the request")
                    ok = False
                elif ready >= w.end:
                    bad(
                        line,
                        "earliest_pickup_s",
                        f"{format_clock(ready)} is after the demand window's end {format_time(w.end)}",
                    )
                    ok = False
        book = t if ok and ready > t else math.nan
        text_book = cell.get("book_s", "")
        if text_book != "" and ok:
            try:
                # a booking the day before: negative seconds
                book = float(text_book) if _is_number(text_book) else parse_time(text_book)
                if not math.isfinite(book):
                    raise ValueError(f"expected a time, got {text_book[:30]!r}")
            except ValueError as exc:
                bad(line, "book_s", str(exc))
                ok = False
            else:
                if book > ready:
                    bad(line, "book_s", "must not be after the earliest pickup (or the time)")
                    ok = False
                elif ready - book > model.booking_horizon_s:
                    bad(
                        line,
                        "book_s",
                        f"booked {(ready - book) / 86400:.1f} days ahead, beyond the booking "
                        f"horizon booking_horizon_s = {model.booking_horizon_s:g} s",
                    )
                    ok = False
        arrive_by = math.nan
        text_by = cell.get("latest_arrival_s", "")
        if text_by != "":
            try:
                arrive_by = parse_time(float(text_by) if _is_number(text_by) else text_by)
            except ValueError as exc:
                bad(line, "latest_arrival_s", str(exc))
                ok = False
            else:
                if ok and arrive_by <= ready:
                    bad(
                        line,
                        "latest_arrival_s",
                        "must be later than the time of the request (and the earliest pickup)",
                    )
                    ok = False
        if ok and coords[0:2] == coords[2:4]:
            errors.append(f"line {line}: origin and destination are the same point")
            ok = False
        if ok:
            inside = ctx.area.contains([coords[0], coords[2]], [coords[1], coords[3]])
            if not inside.all():
                if model.outside_area == "drop":
                    outside += 1
                    continue
                end = "origin" if not inside[0] else "dest"
                bad(
                    line,
                    f"{end}_lon/{end}_lat",
                    f"({coords[0 if end == 'origin' else 2]:.5f}, {coords[1 if end == 'origin' else 3]:.5f}) "
                    'lies outside the service area (or set outside_area = "drop")',
                )
                ok = False
        if ok:
            out.append(
                (
                    ready,
                    coords[0],
                    coords[1],
                    coords[2],
                    coords[3],
                    pax,
                    tag,
                    train,
                    arrive_by,
                    book,
                )
            )
        if len(errors) >= _MAX_ROW_ERRORS:
            break
    if errors:
        more = (
            f" (and {len(errors) - 1} more bad row(s){'+' if len(errors) >= _MAX_ROW_ERRORS else ''})"
            if len(errors) > 1
            else ""
        )
        raise DemandError(f"{shown}: {errors[0]}{more}")
    if not out:
        raise DemandError(
            f"{shown}: no trips (only a header{', or every trip outside the area' if outside else ''})"
        )
    arr = list(zip(*out, strict=True))
    tags = np.array([f"{name}:{t}" for t in arr[6]], dtype=str)
    return Trips(
        np.array(arr[0], dtype=np.float64),
        np.array(arr[1], dtype=np.float64),
        np.array(arr[2], dtype=np.float64),
        np.array(arr[3], dtype=np.float64),
        np.array(arr[4], dtype=np.float64),
        np.array(arr[5], dtype=np.int64),
        tags,
        dropped=outside,
        train=np.array(arr[7], dtype=np.str_),
        latest_arrival_s=np.array(arr[8], dtype=np.float64),
        book_s=np.array(arr[9], dtype=np.float64),
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
