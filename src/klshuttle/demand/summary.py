"""What a planner checks first about a day of requests: counts and direct trips."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..graph import RoadGraph
from .requests import Requests

__all__ = ["DemandSummary", "summarize_requests"]


@dataclass(frozen=True)
class DemandSummary:
    """What a planner checks first about a day of requests."""

    requests: int
    passengers: int
    per_hour: dict[int, int]
    per_tag: dict[str, int]
    mean_direct_distance_m: float
    mean_direct_time_s: float
    median_direct_time_s: float
    same_node: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for JSON)."""
        return dict(self.__dict__)


def summarize_requests(requests: Requests, graph: RoadGraph) -> DemandSummary:
    """Trips per hour and tag, and the mean direct network distance and time.

    Direct distance is the shortest network path by length; direct time the
    fastest path for the shuttle (edge speeds capped by the vehicle's maximum
    speed), both from the origin node to the destination node.
    """
    from ..routing import pair_costs

    n = len(requests)
    hours = (requests.time_s // 3600).astype(int)
    per_hour = {int(h): int(c) for h, c in zip(*np.unique(hours, return_counts=True), strict=True)}
    tags, counts = np.unique(requests.tag, return_counts=True)
    per_tag = {str(t): int(c) for t, c in zip(tags, counts, strict=True)}
    if n:
        dist = pair_costs(graph, requests.origin_node, requests.dest_node, weight="length_m")
        tt = pair_costs(graph, requests.origin_node, requests.dest_node, weight="travel_time_s")
        finite = np.isfinite(tt)
        mean_d = float(dist[finite].mean()) if finite.any() else math.nan
        mean_t = float(tt[finite].mean()) if finite.any() else math.nan
        med_t = float(np.median(tt[finite])) if finite.any() else math.nan
    else:
        mean_d = mean_t = med_t = math.nan
    return DemandSummary(
        requests=n,
        passengers=int(requests.passengers.sum()),
        per_hour=per_hour,
        per_tag=per_tag,
        mean_direct_distance_m=mean_d,
        mean_direct_time_s=mean_t,
        median_direct_time_s=med_t,
        same_node=int((requests.origin_node == requests.dest_node).sum()),
    )
