"""The outcome of one simulated day: tables and summaries, no file writing.

:func:`klshuttle.runner.simulate` builds a :class:`Result`;
:func:`klshuttle.outputs.write_result` writes its files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from .accessibility import Accessibility
    from .landuse import LandUse
    from .resolve import ResolvedScenario
    from .scenario import Scenario
    from .sim import EventLog

__all__ = ["Result"]


@dataclass(frozen=True, eq=False)
class Result:
    """The outcome of one simulated day.

    Attributes
    ----------
    scenario : Scenario
        The validated scenario that ran.
    seed : int
        The demand seed used.
    run_id : str
        Stable id of scenario content and seed.
    trips : DataFrame
        One row per request (columns of trips.csv).
    vehicles : DataFrame
        One row per vehicle (columns of vehicles.csv).
    events : DataFrame
        Every event in time order (columns of events.csv).
    link_loads : DataFrame
        Passages and passenger-km per road edge driven.
    kpis : dict
        The KPIs of kpis.json.
    resolved : ResolvedScenario
        The scenario placed on the road graph (graph, area, stops, requests).
    log : EventLog
        The event log of the simulation(s).
    landuse : LandUse or None
        The land-use impact (:func:`klshuttle.landuse.landuse_impact`); None
        when the scenario's ``[outputs].which`` does not ask for it.
    accessibility : Accessibility or None
        Residents reaching the key places before and after
        (:func:`klshuttle.accessibility.accessibility`); None when
        ``[outputs].which`` does not ask for it.
    timings_s : dict
        Seconds spent per step of the run.
    warnings : list of str
        What the run found a planner should know (a fleet that stands still).
    """

    scenario: Scenario
    seed: int
    run_id: str
    trips: pd.DataFrame
    vehicles: pd.DataFrame
    events: pd.DataFrame
    link_loads: pd.DataFrame
    kpis: dict[str, Any]
    resolved: ResolvedScenario = field(repr=False)
    log: EventLog = field(repr=False)
    landuse: LandUse | None = field(default=None, repr=False)
    accessibility: Accessibility | None = field(default=None, repr=False)
    timings_s: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
