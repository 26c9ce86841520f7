"""The requests table: one day's trips, sorted by time, and its CSV form."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..errors import OutputExistsError
from ..scenario import display_path

__all__ = ["REQUEST_COLUMNS", "Requests", "format_clock"]

#: Columns of the requests CSV, in order.
REQUEST_COLUMNS = (
    "request_id",
    "time_s",
    "time",
    "origin_lon",
    "origin_lat",
    "dest_lon",
    "dest_lat",
    "origin_node",
    "dest_node",
    "passengers",
    "tag",
    "train",
    "latest_arrival_s",
    "book_s",
)


def _frozen(a: Any, dtype: Any) -> NDArray[Any]:
    arr = np.ascontiguousarray(a, dtype=dtype)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class Requests:
    """Trip requests of one day, sorted by time (then id).

    Attributes
    ----------
    request_id : int64
        0..n-1 in time order.
    time_s : float64
        When the rider asks for the trip (desired pickup time), seconds since day start.
    origin_lon, origin_lat, dest_lon, dest_lat : float64
        Door-to-door end points, WGS84.
    origin_node, dest_node : int32
        Nearest road-graph node of each end point.
    passengers : int32
        Riders travelling together (>= 1).
    tag : str
        ``"<model>:<purpose>"``, e.g. ``"feeder:to_train"``.
    train : str
        The train a rider connects with (``"dep 07:15"``, ``"arr 06:48"``), or ``""``.
    latest_arrival_s : float64
        Latest arrival at the destination (a train's departure minus the
        transfer time), NaN for none. A hard limit of the rider's drop-off.
    book_s : float64
        When a prebooked ride was booked (seconds since day start, negative:
        the day before), NaN for an immediate request (asked for at
        ``time_s``). ``time_s`` is then the earliest pickup.
    """

    request_id: NDArray[np.int64]
    time_s: NDArray[np.float64]
    origin_lon: NDArray[np.float64]
    origin_lat: NDArray[np.float64]
    dest_lon: NDArray[np.float64]
    dest_lat: NDArray[np.float64]
    origin_node: NDArray[np.int32]
    dest_node: NDArray[np.int32]
    passengers: NDArray[np.int32]
    tag: NDArray[np.str_]
    meta: dict[str, Any] = field(default_factory=dict)
    train: NDArray[np.str_] | None = None
    latest_arrival_s: NDArray[np.float64] | None = None
    book_s: NDArray[np.float64] | None = None

    _DTYPES: ClassVar[dict[str, Any]] = {
        "request_id": np.int64,
        "time_s": np.float64,
        "origin_lon": np.float64,
        "origin_lat": np.float64,
        "dest_lon": np.float64,
        "dest_lat": np.float64,
        "origin_node": np.int32,
        "dest_node": np.int32,
        "passengers": np.int32,
        "tag": np.str_,
        "train": np.str_,
        "latest_arrival_s": np.float64,
        "book_s": np.float64,
    }

    def __post_init__(self) -> None:
        n0 = len(np.asarray(self.request_id))
        if self.train is None:
            object.__setattr__(self, "train", np.full(n0, "", dtype=np.str_))
        if self.latest_arrival_s is None:
            object.__setattr__(self, "latest_arrival_s", np.full(n0, np.nan))
        if self.book_s is None:
            object.__setattr__(self, "book_s", np.full(n0, np.nan))
        for name, dtype in self._DTYPES.items():
            object.__setattr__(self, name, _frozen(getattr(self, name), dtype))
        n = len(self.request_id)
        bad = [k for k in self._DTYPES if getattr(self, k).shape != (n,)]
        if bad:
            raise ValueError(f"Requests arrays differ in length: {', '.join(bad)}")
        if n and (np.any(np.diff(self.time_s) < 0) or np.any(self.passengers < 1)):
            raise ValueError("Requests must be sorted by time and carry >= 1 passenger")

    def __len__(self) -> int:
        return int(self.request_id.shape[0])

    @classmethod
    def empty(cls) -> Requests:
        """A table with no requests."""
        arrays: dict[str, Any] = {k: np.empty(0, dtype=v) for k, v in cls._DTYPES.items()}
        return cls(**arrays)

    def to_frame(self) -> pd.DataFrame:
        """The requests as a pandas DataFrame (one row per request, CSV column order)."""
        df = pd.DataFrame({k: getattr(self, k) for k in self._DTYPES})
        df.insert(2, "time", [format_clock(t) for t in self.time_s])
        df["tag"] = df["tag"].astype(str)
        return df[list(REQUEST_COLUMNS)]

    def to_csv(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the requests as CSV, atomically (temp file, then rename).

        Byte-identical for the same requests: fixed float formats, ``\\n`` line ends.

        Raises
        ------
        OutputExistsError
            If ``path`` exists and ``overwrite`` is false.
        """
        target = Path(path)
        if target.exists() and not overwrite:
            raise OutputExistsError(
                f"{display_path(target)} exists; pass --overwrite or choose another path"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                fh.write(",".join(REQUEST_COLUMNS) + "\n")
                w = csv.writer(fh, lineterminator="\n")
                for i in range(len(self)):
                    w.writerow(
                        (
                            int(self.request_id[i]),
                            f"{self.time_s[i]:.1f}",
                            format_clock(self.time_s[i]),
                            f"{self.origin_lon[i]:.7f}",
                            f"{self.origin_lat[i]:.7f}",
                            f"{self.dest_lon[i]:.7f}",
                            f"{self.dest_lat[i]:.7f}",
                            int(self.origin_node[i]),
                            int(self.dest_node[i]),
                            int(self.passengers[i]),
                            str(self.tag[i]),
                            str(self.train[i]),  # type: ignore[index]
                            _fmt_opt(self.latest_arrival_s[i]),  # type: ignore[index]
                            _fmt_opt(self.book_s[i]),  # type: ignore[index]
                        )
                    )
            tmp.replace(target)
        finally:
            if tmp.exists():
                tmp.unlink()
        return target


def _fmt_opt(x: float) -> str:
    """A time with one decimal, or an empty field for NaN."""
    return "" if np.isnan(x) else f"{x:.1f}"


def format_clock(seconds: float) -> str:
    """``HH:MM:SS`` of seconds since day start."""
    s = round(float(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
