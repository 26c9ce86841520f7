"""Demand models: who wants to travel when, from where to where.

Every model of a scenario's ``[[demand.models]]`` produces trips; together
they form one :class:`Requests` table sorted by time. All randomness comes
from the scenario's seed: a :class:`numpy.random.SeedSequence` of
``demand.seed`` is split into one independent stream per model (numpy's
documented way to seed parallel streams), so adding a model never changes the
trips of the others, and the same scenario and seed give byte-identical CSV.

Models
------
``osm`` (:mod:`.osm`)
    Homes are residential buildings inside the service area, weighted by
    footprint area; destinations are hubs (named places or stops with
    weights), commercial buildings and other homes, mixed by
    ``destination_shares``. The daily total is split over the hours of the
    demand window by the time profile (largest-remainder rounding, so the
    total is exact); within an hour, trip times are uniform. A trip in hour
    ``h`` leaves home with the probability the profile gives for outbound
    trips in that hour (mornings mostly outbound, evenings mostly returning).
``feeder`` (:mod:`.feeder`, GTFS in :mod:`.gtfs`)
    Trips between homes and a rail hub, timed to train departures and arrivals
    (given in the scenario or read from a GTFS feed).
``csv`` (:mod:`.csv_demand`)
    Prepared trips from a CSV file, validated row by row.
``od_matrix`` (:mod:`.od_matrix`)
    Zone-to-zone counts with zone polygons; points drawn in the zones.

Adding a model
--------------
Write one module in this package with a function ``(spec, ctx, rng, where) ->
Trips`` decorated with ``@register_model("<type>")`` (see :mod:`.registry`),
and add its spec (a pydantic model with ``type: Literal["<type>"]``) to the
demand specs of the scenario package. Nothing else lists the models: the
registry imports every module of this package on first use.
"""

from __future__ import annotations

from .generate import generate_requests
from .gtfs import read_gtfs_train_times
from .profile import WEEKDAY_PROFILE, expected_hourly_counts, hourly_profile
from .registry import register_model, registered_models
from .requests import REQUEST_COLUMNS, Requests, format_clock
from .summary import DemandSummary, summarize_requests
from .trips import DemandContext, Trips

__all__ = [
    "REQUEST_COLUMNS",
    "WEEKDAY_PROFILE",
    "DemandContext",
    "DemandSummary",
    "Requests",
    "Trips",
    "expected_hourly_counts",
    "format_clock",
    "generate_requests",
    "hourly_profile",
    "read_gtfs_train_times",
    "register_model",
    "registered_models",
    "summarize_requests",
]
