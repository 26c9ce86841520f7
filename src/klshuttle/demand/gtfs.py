"""Train departures and arrivals at a station, read from a GTFS feed."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..errors import DemandError
from ..places import normalize_name
from ..scenario import display_path

__all__ = ["read_gtfs_train_times"]


def _gtfs_table(feed: Path, name: str, where: str, required: bool = True) -> pd.DataFrame | None:
    try:
        if feed.is_dir():
            p = feed / name
            if not p.is_file():
                if required:
                    raise DemandError(f"{where}: {display_path(feed)} has no {name}")
                return None
            return pd.read_csv(p, dtype=str, keep_default_na=False)
        with zipfile.ZipFile(feed) as zf:
            names = {Path(n).name: n for n in zf.namelist()}
            if name not in names:
                if required:
                    raise DemandError(f"{where}: {display_path(feed)} has no {name}")
                return None
            with zf.open(names[name]) as fh:
                return pd.read_csv(
                    io.TextIOWrapper(fh, "utf-8-sig"), dtype=str, keep_default_na=False
                )
    except FileNotFoundError:
        raise DemandError(f"{where}: GTFS feed not found: {display_path(feed)}") from None
    except pd.errors.EmptyDataError:
        raise DemandError(
            f"{where}: {name} of {display_path(feed)} is empty (no header, no rows)"
        ) from None
    except OSError as exc:
        raise DemandError(
            f"{where}: cannot read {name} of {display_path(feed)} ({exc.strerror or exc})"
        ) from None
    except (zipfile.BadZipFile, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DemandError(f"{where}: cannot read {name} of {display_path(feed)} ({exc})") from None


def _gtfs_time(text: str) -> float:
    h, m, s = (int(p) for p in text.strip().split(":"))
    return h * 3600.0 + m * 60.0 + s


def read_gtfs_train_times(
    feed: Path,
    stop_name: str,
    day: date,
    route_types: tuple[int, ...],
    *,
    where: str = "gtfs",
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Train departures and arrivals at a station on one day, from a GTFS feed.

    The station's stops are those whose ``stop_name`` matches (case and
    "Kaiserslautern," prefix ignored), plus their child platforms. A trip's
    first stop has no arrival and its last no departure; ``pickup_type`` /
    ``drop_off_type`` 1 (none) are honoured. Services run on ``day`` per
    ``calendar.txt`` and ``calendar_dates.txt``.

    Returns
    -------
    departures, arrivals : ndarray of float64
        Sorted seconds since the day start (may exceed 86,400 after midnight).
    """
    for required in ("stops.txt", "stop_times.txt", "trips.txt", "routes.txt"):
        _gtfs_table(feed, required, where)  # fail early with the missing file's name
    stops = _gtfs_table(feed, "stops.txt", where)
    stop_times = _gtfs_table(feed, "stop_times.txt", where)
    trips = _gtfs_table(feed, "trips.txt", where)
    routes = _gtfs_table(feed, "routes.txt", where)
    calendar = _gtfs_table(feed, "calendar.txt", where, required=False)
    dates = _gtfs_table(feed, "calendar_dates.txt", where, required=False)
    assert stops is not None and stop_times is not None and trips is not None and routes is not None
    try:
        key = normalize_name(stop_name)
        hub = set(stops.loc[stops["stop_name"].map(normalize_name) == key, "stop_id"])
        if not hub:
            raise DemandError(
                f"{where}.stop_name: no stop named {stop_name!r} in {display_path(feed)}"
            )
        if "parent_station" in stops:
            hub |= set(stops.loc[stops["parent_station"].isin(hub), "stop_id"])
        active: set[str] = set()
        ymd = day.strftime("%Y%m%d")
        weekday = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[
            day.weekday()
        ]
        if calendar is not None and len(calendar):
            on = (
                (calendar[weekday] == "1")
                & (calendar["start_date"] <= ymd)
                & (calendar["end_date"] >= ymd)
            )
            active |= set(calendar.loc[on, "service_id"])
        if dates is not None and len(dates):
            today = dates[dates["date"] == ymd]
            active |= set(today.loc[today["exception_type"] == "1", "service_id"])
            active -= set(today.loc[today["exception_type"] == "2", "service_id"])
        rail = set(routes.loc[routes["route_type"].astype(int).isin(route_types), "route_id"])
        ok_trips = set(
            trips.loc[trips["service_id"].isin(active) & trips["route_id"].isin(rail), "trip_id"]
        )
        st = stop_times[stop_times["trip_id"].isin(ok_trips)].copy()
        st["seq"] = st["stop_sequence"].astype(int)
        first = st.groupby("trip_id")["seq"].transform("min")
        last = st.groupby("trip_id")["seq"].transform("max")
        at = st[st["stop_id"].isin(hub)]
        f, l_ = first[at.index], last[at.index]
        pick = at.get("pickup_type", pd.Series("0", index=at.index)).replace("", "0")
        drop = at.get("drop_off_type", pd.Series("0", index=at.index)).replace("", "0")
        dep = at[(at["seq"] != l_) & (pick != "1")]["departure_time"]
        arr = at[(at["seq"] != f) & (drop != "1")]["arrival_time"]
        departures = np.sort(np.array([_gtfs_time(t) for t in dep], dtype=np.float64))
        arrivals = np.sort(np.array([_gtfs_time(t) for t in arr], dtype=np.float64))
    except (KeyError, ValueError) as exc:
        if isinstance(exc, DemandError):
            raise
        raise DemandError(f"{where}: malformed GTFS feed {display_path(feed)} ({exc})") from None
    if len(departures) == 0 and len(arrivals) == 0:
        raise DemandError(
            f"{where}: no train stops at {stop_name!r} on {day.isoformat()} in {display_path(feed)}"
        )
    return departures, arrivals
