"""The headline block: what the service achieves, each figure a number with its unit.

Served share; the typical door-to-door time against walking and the car;
train connections made (when the KPIs carry them); the share of rides booked
ahead with the served share and median wait of prebooked and immediate rides
(when any were prebooked); residents reached
(accessibility); net vehicle-km and parking spaces freed with their low-high
range (land use). A figure whose data is absent is left out.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ...graph import to_metric
from ..accessibility_files import headline as access_headline
from .fmt import minutes, num, pct, signed
from .i18n import tr

if TYPE_CHECKING:
    from ...result import Result

__all__ = ["DoorToDoor", "door_to_door", "headline_html"]


class DoorToDoor(NamedTuple):
    """Medians over the served trips, in seconds (None when nothing was served)."""

    shuttle_s: float | None
    walk_s: float | None
    car_s: float | None


def _median(values: np.ndarray) -> float | None:
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else None


def door_to_door(result: Result) -> DoorToDoor:
    """Median door-to-door times of the served trips: shuttle, on foot, by car.

    Shuttle: walk to the pickup point + wait + ride + walk from the drop-off
    point, walks at the scenario's walking speed. On foot: the straight line
    from origin to destination x the scenario's walk detour factor, at the same
    speed. By car: the direct road time from pickup to drop-off point
    (``direct_s``: the shuttle's road graph, speed limits capped at the
    vehicle's top speed), with no parking search and no walk.
    """
    od = result.scenario.service.on_demand
    trips = result.trips
    s = trips[trips["status"] == "served"]
    speed = float(od.walk_speed_mps)
    walk_m = (s["walk_to_m"] + s["walk_from_m"]).to_numpy(dtype=float)
    shuttle = walk_m / speed + s["wait_s"].to_numpy(dtype=float) + s["ride_s"].to_numpy(dtype=float)
    ox, oy = to_metric(s["origin_lon"].to_numpy(), s["origin_lat"].to_numpy())
    dx, dy = to_metric(s["dest_lon"].to_numpy(), s["dest_lat"].to_numpy())
    on_foot = np.hypot(dx - ox, dy - oy) * float(od.walk_detour_factor) / speed
    car = s["direct_s"].to_numpy(dtype=float)
    return DoorToDoor(_median(shuttle), _median(on_foot), _median(car))


def _card(value: str, key: str, sub: str = "") -> str:
    sub_html = f'<div class="s">{html.escape(sub)}</div>' if sub else ""
    return (
        f'<div class="card"><div class="v">{html.escape(value)}</div>'
        f'<div class="k">{html.escape(key)}</div>{sub_html}</div>'
    )


def headline_html(result: Result, lang: str) -> str:
    """The headline section: one sentence, then a card per figure, then how they are taken."""
    k = result.kpis
    sc = result.scenario
    d2d = door_to_door(result)
    requests = num(k["requests"], lang)
    lead = tr(
        "h.sentence",
        lang,
        share=pct(k.get("served_share"), lang),
        requests=requests,
        d2d=minutes(d2d.shuttle_s, lang, 0),
        walk=minutes(d2d.walk_s, lang, 0),
        car=minutes(d2d.car_s, lang, 0),
    )
    cards = [
        _card(
            pct(k.get("served_share"), lang),
            tr("h.served", lang),
            tr("h.served_of", lang, requests=requests),
        ),
        _card(
            minutes(d2d.shuttle_s, lang, 0),
            tr("h.d2d", lang),
            tr(
                "h.d2d_vs",
                lang,
                walk=minutes(d2d.walk_s, lang, 0),
                car=minutes(d2d.car_s, lang, 0),
            ),
        ),
    ]
    made, missed = k.get("connections_made"), k.get("connections_missed")
    if made is not None:
        cards.append(
            _card(
                num(made, lang),
                tr("h.connections", lang),
                tr("h.connections_of", lang, missed=num(missed, lang))
                if missed is not None
                else "",
            )
        )
    booking = k.get("by_booking")
    if booking:
        pre, imm = booking["prebooked"], booking["immediate"]
        total = pre["requests"] + imm["requests"]
        cards.append(
            _card(
                pct(pre["requests"] / total if total else None, lang, 0),
                tr("h.prebooked", lang),
                tr(
                    "h.prebooked_of",
                    lang,
                    pre=pct(pre["served_share"], lang, 1),
                    imm=pct(imm["served_share"], lang, 1),
                    pre_wait=minutes(pre["wait_p50_s"], lang, 1),
                    imm_wait=minutes(imm["wait_p50_s"], lang, 1),
                ),
            )
        )
    if result.accessibility is not None:
        rows = access_headline(result.accessibility.summary)
        if rows:
            # the destination the shuttle brings most residents within reach of
            place, before, after, mins = max(rows, key=lambda r: r[2] - r[1])
            # rounded to 100: residents come from building footprints, not a census
            b, a = round(before, -2), round(after, -2)
            cards.append(
                _card(
                    signed(a - b, lang),
                    tr("h.residents", lang, minutes=num(mins, lang), place=place),
                    tr("h.residents_from", lang, before=num(b, lang), after=num(a, lang)),
                )
            )
    if result.landuse is not None:
        lu = result.landuse.summary
        net = lu["vehicle_km_per_day"]["net_change"]
        cards.append(
            _card(
                f"{signed(net['central'], lang)}\u00a0km",
                tr("h.net_vkm", lang),
                tr("h.range", lang, lo=signed(net["low"], lang), hi=signed(net["high"], lang))
                + "; "
                + tr("h.net_vkm_note", lang),
            )
        )
        spaces = {c: lu["cases"][c]["spaces_freed_total"] for c in ("low", "central", "high")}
        cards.append(
            _card(
                num(spaces["central"], lang),
                tr("h.spaces", lang),
                tr("h.range", lang, lo=num(spaces["low"], lang), hi=num(spaces["high"], lang)),
            )
        )
    od = sc.service.on_demand
    method = tr(
        "h.method",
        lang,
        detour=num(od.walk_detour_factor, lang, 1),
        speed=num(od.walk_speed_mps * 3.6, lang, 1),
        cap=num(sc.fleet.vehicle.max_speed_kmh, lang),
    )
    return (
        f'<section><p class="lead">{html.escape(lead)}</p>'
        f'<div class="cards">{"".join(cards)}</div>'
        f'<p class="note">{html.escape(method)}</p></section>'
    )
