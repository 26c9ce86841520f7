"""Scenario files: the TOML schema, validation that names the failing key, run ids.

A scenario describes one shuttle service on the Kaiserslautern road graph in
one readable TOML file. :func:`load_scenario` reads it (following ``extends``),
validates it into a frozen :class:`Scenario` and raises
:class:`~klshuttle.errors.ScenarioError` with a one-line message that names the
file, the key path and what was expected::

    scenarios/x.toml: fleet.vehicle.capacity: must be >= 1, got 0

Tables (see ``scenarios/base.toml`` for a commented example):

``[map]``
    map source (``osm`` path or ``place``; default: ``$KLSHUTTLE_OSM``, maps/,
    the bundled map), road classes and per-class speeds (as :class:`~klshuttle.mapconfig.BuildSettings`),
    the service ``area`` and the snapping tolerance ``max_snap_m``.
``[fleet]``
    ``vehicles``, ``depots`` and the vehicle type ``[fleet.vehicle]`` (a ``model``
    preset such as ``"ez10"`` and overrides: capacity, speed, boarding and
    dwell time, operating hours, energy).
``[service]``
    ``mode`` (``line``, ``on_demand``, ``hybrid``), the ``stops`` and the
    ``[service.on_demand]`` rules and/or ``[[service.lines]]``.
``[demand]``
    ``seed``, the time ``window`` and one or more ``[[demand.models]]``.
``[dispatch]``, ``[landuse]``, ``[accessibility]``, ``[outputs]``, ``[privacy]``
    dispatcher and rebalancing, land-use chain parameters, destinations and
    thresholds of the accessibility measure, output folder, the aggregation of
    the public outputs.
``[sweep]``
    the parameter grid and replications of ``klshuttle sweep`` (not part of the run id).

Defaults come from ``shared/DOMAIN.md``; each names its source beside it.
Values not found there are marked "assumption" with the reasoning.

Modules: ``base`` (value types, the base spec, times, points), ``area``,
``map``, ``vehicles`` (presets), ``fleet``, ``service``, ``demand`` (one spec
per demand model), ``dispatch``, ``landuse``, ``outputs``, ``privacy``, ``sweep``, ``spec`` (the whole
:class:`Scenario`), ``filepaths`` (the file-path keys, found in the specs),
``loading`` (TOML, ``extends``, ``--set``), ``messages`` (error lines) and
``runid``.
"""

from __future__ import annotations

from .accessibility import DEFAULT_DESTINATIONS, AccessibilitySpec
from .area import (
    BboxArea,
    NetworkArea,
    PolygonArea,
    ServiceAreaSpec,
    StopsAroundArea,
    StreetsArea,
)
from .base import (
    KEXI_HOURS,
    Location,
    PointSpec,
    TimeWindow,
    format_time,
    location_label,
    parse_time,
)
from .demand import (
    MAX_TRIPS,
    CsvDemand,
    DemandModel,
    DemandSpec,
    FeederDemand,
    GtfsSpec,
    OdMatrixDemand,
    OsmDemand,
    Passengers,
    TimeProfile,
    TrainTimes,
    ZoneSpec,
)
from .dispatch import DispatchSpec
from .fleet import MAX_CAPACITY, MAX_VEHICLES, EnergySpec, FleetSpec, VehicleSpec
from .landuse import LandUseSpec, ShareRange
from .loading import load_scenario, scenario_from_dict
from .map import MapSpec
from .messages import display_path
from .outputs import OUTPUT_KINDS, OutputsSpec
from .privacy import PrivacySpec
from .service import (
    LineSpec,
    NamedStops,
    OnDemandSpec,
    OsmStops,
    PointStops,
    ServiceSpec,
    StopsSpec,
    ViaSpec,
    VirtualStops,
)
from .spec import Scenario
from .sweep import SweepSpec
from .vehicles import VEHICLE_MODELS

__all__ = [
    "DEFAULT_DESTINATIONS",
    "KEXI_HOURS",
    "MAX_CAPACITY",
    "MAX_TRIPS",
    "MAX_VEHICLES",
    "OUTPUT_KINDS",
    "VEHICLE_MODELS",
    "AccessibilitySpec",
    "BboxArea",
    "CsvDemand",
    "DemandModel",
    "DemandSpec",
    "DispatchSpec",
    "EnergySpec",
    "FeederDemand",
    "FleetSpec",
    "GtfsSpec",
    "LandUseSpec",
    "LineSpec",
    "Location",
    "MapSpec",
    "NamedStops",
    "NetworkArea",
    "OdMatrixDemand",
    "OnDemandSpec",
    "OsmDemand",
    "OsmStops",
    "OutputsSpec",
    "Passengers",
    "PointSpec",
    "PointStops",
    "PolygonArea",
    "PrivacySpec",
    "Scenario",
    "ServiceAreaSpec",
    "ServiceSpec",
    "ShareRange",
    "StopsAroundArea",
    "StopsSpec",
    "StreetsArea",
    "SweepSpec",
    "TimeProfile",
    "TimeWindow",
    "TrainTimes",
    "VehicleSpec",
    "ViaSpec",
    "VirtualStops",
    "ZoneSpec",
    "display_path",
    "format_time",
    "load_scenario",
    "location_label",
    "parse_time",
    "scenario_from_dict",
]
