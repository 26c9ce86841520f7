"""Run every demand model of a scenario and assemble one sorted requests table."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DemandError
from ..graph import RoadGraph
from ..osmfeatures import OsmFeatures
from ..scenario import Scenario, display_path
from .registry import model_generator
from .requests import Requests
from .trips import DemandContext, Trips

if TYPE_CHECKING:
    from ..area import ServiceArea

__all__ = ["generate_requests"]


def generate_requests(
    scenario: Scenario,
    graph: RoadGraph,
    area: ServiceArea,
    *,
    locate: Callable[[Any, str], tuple[float, float, str]],
    features: Callable[[], OsmFeatures],
    seed: int | None = None,
) -> Requests:
    """Run every demand model of a scenario and return one sorted Requests table.

    Parameters
    ----------
    scenario
        The validated scenario.
    graph
        Road graph for snapping end points to nodes.
    area
        Service area; every end point lies inside it.
    locate
        ``locate(location, key_path) -> (lon, lat, label)`` for named hubs.
    features
        Returns the OSM buildings/land use. Called only when a model needs them
        (csv/od_matrix with ``placement = "uniform"`` never do), at most once.
        The caller loads them: resolving a scenario does, demand never does.
    seed
        Overrides ``scenario.demand.seed``.

    Raises
    ------
    DemandError
        A model cannot produce its trips (no homes in the area, bad CSV rows, ...).
    """
    label = display_path(scenario.source_path) if scenario.source_path else scenario.name
    cache: dict[str, OsmFeatures] = {}

    def feats() -> OsmFeatures:
        if "f" not in cache:
            cache["f"] = features()
        return cache["f"]

    ctx = DemandContext(
        graph,
        area,
        scenario.demand.window,
        feats,
        locate,
        label,
        allow_personal_columns=scenario.privacy.allow_personal_columns,
    )
    s = scenario.demand.seed if seed is None else int(seed)
    streams = np.random.SeedSequence(s).spawn(len(scenario.demand.models))
    parts: list[Trips] = []
    per_model: dict[str, dict[str, int]] = {}
    for i, (model, stream) in enumerate(zip(scenario.demand.models, streams, strict=True)):
        rng = np.random.default_rng(stream)
        where = f"demand.models[{i}]"
        generate = model_generator(model.type)
        if generate is None:  # pragma: no cover - the schema admits no other type
            raise DemandError(f"{label}: {where}: unknown model type {model.type!r}")
        trips = generate(model, ctx, rng, where)
        # a stream of its own, so that prebooking leaves every other draw unchanged
        _prebook(trips, model, np.random.default_rng(stream.spawn(1)[0]))
        parts.append(trips)
        per_model[model.name or model.type] = {
            "requests": len(trips.time_s),
            "dropped": trips.dropped,
        }
    return _assemble(parts, graph, meta={"seed": s, "models": per_model})


def _prebook(trips: Trips, model: Any, rng: np.random.Generator) -> None:
    """Let ``model.prebooked_share`` of the trips (those without a booking time) book ahead.

    A prebooked rider books ``booking_lead_s`` = [min, max] (uniform) before
    the time they are ready at the pickup.
    """
    n = len(trips.time_s)
    share = float(getattr(model, "prebooked_share", 0.0))  # a registered model may lack it
    if share <= 0.0 or n == 0:
        return
    book = np.full(n, np.nan) if trips.book_s is None else np.asarray(trips.book_s, float).copy()
    lo, hi = model.booking_lead_s
    pick = (rng.random(n) < share) & np.isnan(book)
    lead = lo + rng.random(n) * (hi - lo)
    book[pick] = np.floor(trips.time_s[pick] - lead[pick])
    trips.book_s = book


def _assemble(parts: list[Trips], graph: RoadGraph, meta: dict[str, Any]) -> Requests:
    """Snap the trips of all models to nodes, sort by (time, model, order) and number them."""
    if not parts or sum(len(p.time_s) for p in parts) == 0:
        out = Requests.empty()
        object.__setattr__(out, "meta", meta)
        return out
    cat = {
        k: np.concatenate([getattr(p, k) for p in parts])
        for k in ("time_s", "o_lon", "o_lat", "d_lon", "d_lat", "passengers", "tag")
    }
    cat["train"] = np.concatenate(
        [np.full(len(p.time_s), "") if p.train is None else p.train for p in parts]
    ).astype(np.str_)
    cat["latest_arrival_s"] = np.concatenate(
        [
            np.full(len(p.time_s), np.nan) if p.latest_arrival_s is None else p.latest_arrival_s
            for p in parts
        ]
    ).astype(np.float64)
    cat["book_s"] = np.concatenate(
        [np.full(len(p.time_s), np.nan) if p.book_s is None else p.book_s for p in parts]
    ).astype(np.float64)
    model_idx = np.concatenate([np.full(len(p.time_s), i) for i, p in enumerate(parts)])
    within = np.concatenate([np.arange(len(p.time_s)) for p in parts])
    order = np.lexsort((within, model_idx, cat["time_s"]))
    o_node, _ = graph.nearest_nodes(cat["o_lon"][order], cat["o_lat"][order])
    d_node, _ = graph.nearest_nodes(cat["d_lon"][order], cat["d_lat"][order])
    return Requests(
        request_id=np.arange(len(order), dtype=np.int64),
        time_s=cat["time_s"][order],
        origin_lon=np.round(cat["o_lon"][order], 7),
        origin_lat=np.round(cat["o_lat"][order], 7),
        dest_lon=np.round(cat["d_lon"][order], 7),
        dest_lat=np.round(cat["d_lat"][order], 7),
        origin_node=np.atleast_1d(o_node),
        dest_node=np.atleast_1d(d_node),
        passengers=cat["passengers"][order],
        tag=cat["tag"][order],
        meta=meta,
        train=cat["train"][order],
        latest_arrival_s=cat["latest_arrival_s"][order],
        book_s=cat["book_s"][order],
    )
