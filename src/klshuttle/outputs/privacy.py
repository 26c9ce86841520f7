"""The aggregation of the public outputs: no count of fewer than k trips, times rounded.

Every file of a run's ``public/`` folder that counts trips reads its counts
from here, so the rule lives in one place (k is ``[privacy].min_trips``):

- road segments (:func:`public_link_loads`): a segment is published only if
  at least k vehicles passed it and either no rider or at least k distinct
  riders rode over it; other segments are left out. ``empty_passages``
  between 1 and k - 1 is blanked.
- stops (:func:`public_stops`): a stop where fewer than k trips board (or
  alight) has its boardings (alightings) merged into the nearest stop that
  has some, until every published count is 0 or at least k; if all of them
  together are fewer than k, they are suppressed.
- per hour (:func:`hourly_counts`), per wait bin and per street
  (:func:`public_streets`): counts between 1 and k - 1 are blanked.

Each rule returns :class:`Suppression` notes (what, how many, where) that the
report prints. Counts are of trips (requests), not passengers: a group of five
riding together is one trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..graph import to_metric
from ..scenario import PrivacySpec

if TYPE_CHECKING:
    from ..result import Result

__all__ = [
    "Suppression",
    "blank_small",
    "blank_small_counts",
    "hourly_counts",
    "merge_small_counts",
    "privacy_of",
    "public_link_loads",
    "public_stops",
    "public_streets",
]

#: How many names a suppression note lists before "and N more".
_MAX_NAMES = 12


@dataclass(frozen=True)
class Suppression:
    """Counts below k in one public output, and what was done with them.

    Attributes
    ----------
    output
        The layer or table (``"link_loads"``, ``"stops: boardings"``, ...).
    what
        What is counted there (``"road segments"``, ``"stops"``, ``"hours"``).
    affected, total
        Features (rows, bins) affected, of how many.
    action
        ``"left out"``, ``"merged into the nearest stop"``, ``"blanked"`` ...
    where
        Names of the places or bins affected (streets, stops, hours).
    key
        What kind of note this is (``"link_loads"``, ``"stops_boardings"``,
        ``"hours"`` ...), for a report that words it in another language.
    values
        The numbers in ``what`` and ``action`` (``k``, ``km`` ...), for the same.
    """

    output: str
    what: str
    affected: int
    total: int
    action: str
    where: list[str] = field(default_factory=list)
    key: str = ""
    values: dict[str, Any] = field(default_factory=dict)

    def sentence(self) -> str:
        """One line for the report."""
        where = ""
        if self.where:
            shown = ", ".join(self.where[:_MAX_NAMES])
            more = len(self.where) - _MAX_NAMES
            where = f": {shown}" + (f" and {more} more" if more > 0 else "")
        return f"{self.output}: {self.affected} of {self.total} {self.what} {self.action}{where}"


def privacy_of(result: Result) -> PrivacySpec:
    """The scenario's ``[privacy]`` table (the defaults when it has none)."""
    spec = getattr(result.scenario, "privacy", None)
    return spec if isinstance(spec, PrivacySpec) else PrivacySpec()


def blank_small(counts: NDArray[Any], k: int) -> NDArray[np.float64]:
    """``counts`` as floats with every value between 1 and ``k - 1`` set to NaN."""
    out = np.asarray(counts, dtype=np.float64).copy()
    out[(out > 0) & (out < k)] = np.nan
    return out


def blank_small_counts(counts: pd.Series, k: int) -> pd.Series:
    """``counts`` as nullable integers (``Int64``), values between 1 and ``k - 1`` missing."""
    values = counts.astype("Int64")
    return values.mask((values > 0) & (values < k))


def _names(values: Any) -> list[str]:
    """Distinct display names in first-seen order, unnamed ones as one entry."""
    seen: dict[str, None] = {}
    for v in values:
        seen[str(v) if str(v) else "(unnamed)"] = None
    return list(seen)


def public_link_loads(result: Result) -> tuple[pd.DataFrame, list[Suppression]]:
    """The link loads a public file may show, and what was left out.

    Returns
    -------
    loads : DataFrame
        ``edge`` (the road-graph edge, not for publishing), ``from_osmid``, ``to_osmid``, ``name``, ``road_class``, ``length_m``,
        ``passages``, ``empty_passages`` (missing: between 1 and k - 1),
        ``riders``, ``passengers``, ``vehicle_km``, ``passenger_km`` for the
        segments published.
    notes : list of Suppression
    """
    k = privacy_of(result).min_trips
    loads = result.link_loads
    riders = loads["riders"].to_numpy()
    keep = (loads["passages"].to_numpy() >= k) & ((riders == 0) | (riders >= k))
    out = loads.loc[keep].reset_index(drop=True)
    out["empty_passages"] = blank_small_counts(out["empty_passages"], k)
    dropped = loads.loc[~keep]
    notes = []
    if len(dropped):
        km = float(dropped["length_m"].sum()) / 1000.0
        notes.append(
            Suppression(
                "link_loads",
                "road segments",
                len(dropped),
                len(loads),
                f"left out ({km:.1f} km; fewer than {k} vehicles or 1 to {k - 1} riders)",
                _names(dropped.sort_values("length_m", ascending=False, kind="stable")["name"]),
                "link_loads",
                {"k": k, "km": km},
            )
        )
    return out, notes


def merge_small_counts(
    counts: NDArray[Any], x_m: NDArray[np.float64], y_m: NDArray[np.float64], k: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Merge counts below ``k`` into the nearest place with a count, until none is left.

    The smallest count below k (the first such place on ties) moves to the
    nearest other place whose count is positive (straight line; the lowest
    index on ties); this repeats until every count is 0 or at least k. When
    no other place has a count, the remaining small count is suppressed.

    Parameters
    ----------
    counts
        Non-negative counts per place.
    x_m, y_m
        Metric coordinates of the places.
    k
        The smallest count that may be published.

    Returns
    -------
    merged : ndarray of int64
        The counts after merging (each 0 or >= k; the total is kept unless
        some were suppressed).
    into : ndarray of int64
        Per place, the place its count went to (itself when kept, -1 when
        suppressed); chains are followed to the end.
    """
    c = np.asarray(counts, dtype=np.int64).copy()
    n = len(c)
    into = np.arange(n, dtype=np.int64)
    xy = np.column_stack([np.asarray(x_m, float), np.asarray(y_m, float)])
    while True:
        small = np.flatnonzero((c > 0) & (c < k))
        if not len(small):
            break
        i = int(small[np.argmin(c[small])])
        others = np.flatnonzero(c > 0)
        others = others[others != i]
        if not len(others):
            c[i] = 0
            into[into == i] = -1
            continue
        d = np.hypot(*(xy[others] - xy[i]).T)
        j = int(others[np.argmin(d)])
        c[j] += c[i]
        c[i] = 0
        into[into == i] = j
    return c, into


def public_stops(result: Result) -> tuple[pd.DataFrame, list[Suppression]]:
    """The stops with boardings and alightings, small counts merged into neighbours.

    Returns
    -------
    stops : DataFrame
        The stops (name, lon, lat, node, ...) with ``boardings`` and
        ``alightings`` (passengers) after merging, and ``boardings_merged_into``
        / ``alightings_merged_into`` (the stop that carries a merged count,
        ``"(suppressed)"``, or empty).
    notes : list of Suppression
    """
    k = privacy_of(result).min_trips
    stops = result.resolved.stops.to_frame()
    names = stops["name"].astype(str).to_numpy()
    served = result.trips[result.trips["status"] == "served"]
    x_m, y_m = to_metric(stops["lon"].to_numpy(), stops["lat"].to_numpy())
    notes = []
    for col, key, verb in (
        ("boardings", "pickup_stop", "board"),
        ("alightings", "dropoff_stop", "alight"),
    ):
        trips_at = served.groupby(key).size()
        pax_at = served.groupby(key)["passengers"].sum()
        n_trips = pd.Series(names).map(trips_at).fillna(0).to_numpy(np.int64)
        pax = pd.Series(names).map(pax_at).fillna(0).to_numpy(np.int64)
        _, into = merge_small_counts(n_trips, x_m, y_m, k)
        merged_pax = np.zeros(len(stops), dtype=np.int64)
        kept = into >= 0
        np.add.at(merged_pax, into[kept], pax[kept])
        moved = into != np.arange(len(stops))
        stops[col] = merged_pax
        label = np.where(into >= 0, names[np.maximum(into, 0)], "(suppressed)")
        stops[f"{col}_merged_into"] = np.where(moved, label, "")
        if moved.any():
            action = (
                "merged into the nearest stop with riders"
                if kept[moved].all()
                else "merged into the nearest stop with riders or suppressed"
            )
            notes.append(
                Suppression(
                    f"stops: {col}",
                    f"stops where 1 to {k - 1} trips {verb}",
                    int(moved.sum()),
                    len(stops),
                    action,
                    [f"{a} -> {b}" for a, b in zip(names[moved], label[moved], strict=True)],
                    f"stops_{col}",
                    {"k": k, "suppressed": not bool(kept[moved].all())},
                )
            )
    return stops, notes


def public_streets(streets: pd.DataFrame, k: int) -> tuple[pd.DataFrame, list[Suppression]]:
    """Land-use streets with trip-end counts (``*_nearby``) between 1 and k - 1 blanked."""
    out = streets.copy()
    notes = []
    for column in [c for c in out.columns if c.endswith("_nearby")]:
        ends = out[column].to_numpy()
        small = (ends > 0) & (ends < k)
        out[column] = blank_small_counts(out[column], k)
        if small.any():
            what = column.removesuffix("_nearby")
            notes.append(
                Suppression(
                    "landuse_streets",
                    "streets",
                    int(small.sum()),
                    len(out),
                    f"with 1 to {k - 1} {what} nearby have that count blanked",
                    _names(out.loc[small, "name"]),
                    f"streets_{what}",
                    {"k": k},
                )
            )
    return out, notes


def hourly_counts(result: Result) -> tuple[pd.DataFrame, list[Suppression]]:
    """Requests per hour of day, served and rejected, counts below k blanked.

    Bins are one hour wide (or ``[privacy].time_rounding_s`` if that is longer),
    by the time of the request.

    Returns
    -------
    counts : DataFrame
        ``start_s`` (bin start), ``served``, ``rejected`` (NaN: 1 to k - 1).
    notes : list of Suppression
    """
    p = privacy_of(result)
    k = p.min_trips
    step_s = max(3600.0, float(p.time_rounding_s))
    trips = result.trips
    t = trips["request_s"].to_numpy(dtype=float)
    served = (trips["status"] == "served").to_numpy()
    edges = np.arange(0.0, max(24 * 3600.0, float(t.max(initial=0.0)) + step_s) + 1.0, step_s)
    n_served, _ = np.histogram(t[served], bins=edges)
    n_rejected, _ = np.histogram(t[~served], bins=edges)
    out = pd.DataFrame(
        {
            "start_s": edges[:-1],
            "served": blank_small(n_served, k),
            "rejected": blank_small(n_rejected, k),
        }
    )
    notes = []
    blanked = out[["served", "rejected"]].isna().any(axis=1).to_numpy()
    if blanked.any():
        labels = [
            f"{int(s // 3600):02d}:{int(s % 3600 // 60):02d}" for s in out["start_s"][blanked]
        ]
        notes.append(
            Suppression(
                "report: requests per hour",
                "hours",
                int(blanked.sum()),
                int(((n_served + n_rejected) > 0).sum()),
                f"with 1 to {k - 1} served or rejected requests not shown",
                labels,
                "hours",
                {"k": k},
            )
        )
    return out, notes
