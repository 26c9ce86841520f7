"""The report's counts as a public file may show them, and its Privacy section.

The report is public (``public/report.html``), so every count it draws goes
through :mod:`..privacy` (k is ``[privacy].min_trips``):

- requests per hour: :func:`..privacy.hourly_counts` (1 to k - 1 blanked);
- waits: one-minute bins with 1 to k - 1 trips are not drawn (:func:`wait_bins`);
- passengers on board on the ``[privacy].time_rounding_s`` grid, values 1 to
  k - 1 not drawn (:func:`fleet_over_day`);
- the service map: link loads from :func:`..privacy.public_link_loads`, stop
  sizes from :func:`..privacy.public_stops` (small counts merged);
- land use: the freed-parking map shows the streets and car parks of
  ``landuse.geojson``, where spaces are freed only with at least k trip ends
  nearby; per-street trip-end counts as :func:`..privacy.public_streets` gives
  them (the notes below).

Day totals and means (the KPIs) stay exact. :func:`privacy_section` lists
every :class:`..privacy.Suppression` note, in the report's language.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..landuse_files import streets_by_name
from ..privacy import (
    Suppression,
    blank_small,
    hourly_counts,
    privacy_of,
    public_link_loads,
    public_stops,
    public_streets,
)
from .fmt import num
from .i18n import tr
from .page import section

if TYPE_CHECKING:
    from ...result import Result

__all__ = ["FleetOverDay", "WaitBins", "fleet_over_day", "notes", "privacy_section", "wait_bins"]

#: How many names a note lists before "and N more" (as :meth:`Suppression.sentence`).
_MAX_NAMES = 12


class WaitBins(NamedTuple):
    """One-minute wait bins: ``edges_min`` (n + 1), ``shown`` (n; NaN: not drawn)."""

    edges_min: np.ndarray
    shown: np.ndarray
    notes: list[Suppression]


def wait_bins(result: Result) -> WaitBins:
    """Waits of the served trips in one-minute bins, bins of 1 to k - 1 trips blanked."""
    k = privacy_of(result).min_trips
    trips = result.trips
    waits = trips.loc[trips["status"] == "served", "wait_s"].to_numpy(dtype=float) / 60.0
    waits = waits[np.isfinite(waits)]
    edges = np.arange(0.0, float(np.ceil(waits.max(initial=0.0))) + 2.0, 1.0)
    counts, _ = np.histogram(waits, bins=edges)
    shown = blank_small(counts, k)
    out = []
    if np.isnan(shown).any():
        out.append(
            Suppression(
                "report: waits",
                "one-minute bins",
                int(np.isnan(shown).sum()),
                int((counts > 0).sum()),
                f"with 1 to {k - 1} trips not drawn",
                key="waits",
                values={"k": k},
            )
        )
    return WaitBins(edges, shown, out)


class FleetOverDay(NamedTuple):
    """Vehicles driving and passengers on board (NaN: 1 to k - 1) at ``grid_s``."""

    grid_s: np.ndarray
    driving: np.ndarray
    on_board: np.ndarray
    notes: list[Suppression]


def fleet_over_day(result: Result) -> FleetOverDay:
    """Vehicles driving and passengers on board on the ``[privacy].time_rounding_s`` grid.

    A leg counts at every grid time in ``[t0, t1)``. Passenger counts of 1 to
    k - 1 are blanked; vehicles are not people and are drawn as they are.
    """
    p = privacy_of(result)
    k = p.min_trips
    legs = result.log.legs
    if not len(legs["t0_s"]):
        empty = np.zeros(0)
        return FleetOverDay(empty, empty, empty, [])
    step_s = float(p.time_rounding_s)
    start_s = np.floor(result.log.start_s / step_s) * step_s
    grid = np.arange(start_s, max(result.log.end_s, float(legs["t1_s"].max())) + step_s, step_s)
    a = np.searchsorted(grid, legs["t0_s"], side="left")
    b = np.searchsorted(grid, legs["t1_s"], side="left")
    n = len(grid) + 1
    driving = np.cumsum(np.bincount(a, minlength=n) - np.bincount(b, minlength=n))[:-1]
    load = np.asarray(legs["load"], dtype=float)
    pax = np.cumsum(np.bincount(a, load, n) - np.bincount(b, load, n))[:-1]
    shown = blank_small(np.round(pax), k)
    out = []
    if np.isnan(shown).any():
        out.append(
            Suppression(
                "report: passengers on board",
                f"times of the {step_s / 60:g}-minute grid",
                int(np.isnan(shown).sum()),
                int((np.round(pax) > 0).sum()),
                f"with 1 to {k - 1} passengers on board not drawn",
                key="on_board",
                values={"k": k, "step_min": step_s / 60.0},
            )
        )
    return FleetOverDay(grid, driving.astype(float), shown, out)


def notes(result: Result) -> list[Suppression]:
    """Every suppression note of the report, in page order (day charts, map, land use)."""
    out = list(hourly_counts(result)[1])
    out += wait_bins(result).notes
    out += fleet_over_day(result).notes
    out += public_link_loads(result)[1]
    out += public_stops(result)[1]
    if result.landuse is not None:
        streets = streets_by_name(result.landuse.streets)
        out += public_streets(streets, privacy_of(result).min_trips)[1]
    return out


#: German for the placeholders :mod:`..privacy` puts in place names.
_PLACEHOLDERS_DE = {"(unnamed)": "(ohne Namen)", "(suppressed)": "(unterdrückt)"}


def _where_de(where: list[str]) -> str:
    def one(name: str) -> str:
        for en, de in _PLACEHOLDERS_DE.items():
            name = name.replace(en, de)
        return name.replace(" -> ", " \u2192 ")

    if not where:
        return ""
    shown = ", ".join(one(w) for w in where[:_MAX_NAMES])
    more = len(where) - _MAX_NAMES
    return ": " + shown + (" " + tr("p.more", "de", n=more) if more > 0 else "")


def sentence(note: Suppression, lang: str) -> str:
    """One line for the note: :meth:`Suppression.sentence` in English, the catalogue in German.

    A note of a kind the catalogue does not know is given in English.
    """
    if lang == "en":
        return note.sentence()
    v = note.values
    k = int(v.get("k", 0))
    fields: dict[str, Any] = {
        "affected": num(note.affected, lang),
        "total": num(note.total, lang),
        "k": k,
        "k1": k - 1,
    }
    key = note.key
    if key == "link_loads":
        fields["km"] = num(v["km"], lang, 1)
    elif key.startswith("stops_"):
        key = key + ("_suppressed" if v.get("suppressed") else "")
    elif key.startswith("streets_"):
        what = key.removeprefix("streets_")
        fields["what"] = tr(f"p.nearby.{what}", lang) if f"p.nearby.{what}" in _keys() else what
        key = "streets"
    elif key == "on_board":
        fields["step"] = num(v["step_min"], lang)
    msg = f"p.{key}"
    if not key or msg not in _keys():
        return note.sentence()
    return tr(msg, lang, **fields) + _where_de(note.where)


def _keys() -> set[str]:
    from .i18n import MESSAGES

    return set(MESSAGES)


def privacy_section(result: Result, lang: str) -> str:
    """What the report and public/ aggregate, and what was left out or merged, where."""
    p = privacy_of(result)
    found = notes(result)
    items = "".join(f"<li>{html.escape(sentence(n, lang))}</li>" for n in found)
    listed = f"<ul>{items}</ul>" if found else f"<p>{html.escape(tr('p.nothing', lang))}</p>"
    intro = tr(
        "p.intro",
        lang,
        k=p.min_trips,
        step=num(p.time_rounding_s / 60.0, lang),
    )
    return section(tr("s.privacy", lang), f'<p class="note">{html.escape(intro)}</p>{listed}')
