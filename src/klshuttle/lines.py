"""Fixed lines: their routes through the stops, timetables, and fleet checks.

:func:`build_line` turns a ``[[service.lines]]`` spec into a :class:`Line`
(stop sequence, segment and run times, departures, vehicles needed);
:func:`check_fleet` checks the lines against the fleet and the operating hours;
:func:`line_rides` matches each request's stops to a line direction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .errors import ScenarioError
from .graph import RoadGraph
from .places import suggest
from .scenario import LineSpec, Scenario, format_time
from .stops import StopAssignment, Stops

__all__ = ["Line", "LineRides", "build_line", "check_fleet", "line_rides"]


@dataclass(frozen=True, eq=False)
class Line:
    """A fixed line with its timetable, in stop indices of :attr:`ResolvedScenario.stops`.

    Attributes
    ----------
    name
        Line name.
    stops
        ``{"forward": int32 array, "backward": int32 array}`` stop-index
        sequences (``backward`` absent for one-way lines).
    departures_s
        Departure times from the first stop, per direction.
    segment_time_s
        Driving time between consecutive stops, per direction (fastest path).
    run_time_s
        End-to-end time per direction: driving plus the fixed dwell time at
        intermediate stops (boarding time per passenger comes on top in the
        simulation).
    layover_s
        Time at each terminal before the next trip.
    vehicles_needed
        Vehicles needed to run the timetable (most trips in progress at once,
        counting a vehicle busy from its forward departure until its return
        trip and layover end).
    vehicles
        Vehicles assigned to the line (the scenario's ``vehicles`` or ``vehicles_needed``).
    """

    name: str
    stops: dict[str, NDArray[np.int32]]
    departures_s: dict[str, NDArray[np.float64]]
    segment_time_s: dict[str, NDArray[np.float64]]
    run_time_s: dict[str, float]
    layover_s: float
    vehicles_needed: int
    vehicles: int

    @property
    def directions(self) -> tuple[str, ...]:
        """``("forward",)`` or ``("forward", "backward")``."""
        return tuple(self.stops)


def _segment_times(graph: RoadGraph, nodes: NDArray[np.int32]) -> NDArray[np.float64]:
    from .routing import pair_costs

    return pair_costs(graph, nodes[:-1], nodes[1:], weight="travel_time_s")


def build_line(
    spec: LineSpec, index: int, stops: Stops, graph: RoadGraph, scenario: Scenario
) -> Line:
    """Build line ``index`` of a scenario: stop sequence, timetable, vehicles.

    Parameters
    ----------
    spec
        The line's ``[[service.lines]]`` entry.
    index
        Its position in ``service.lines`` (for the key path in error messages).
    stops
        The service's stops; the line's stop names are looked up here.
    graph
        Road graph for the driving times between consecutive stops.
    scenario
        The scenario (dwell time and operating hours of its fleet).

    Returns
    -------
    Line

    Raises
    ------
    ScenarioError
        A stop is unknown, two consecutive stops have no road path between
        them, a trip runs outside the operating hours, or the line has fewer
        vehicles than its timetable needs.
    """
    where = f"service.lines[{index}]"
    idx = []
    for j, s in enumerate(spec.stops):
        k = stops.index_of(s)
        if k is None:
            close = suggest(s, [str(n) for n in stops.name])
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise ScenarioError(
                f"{where}.stops[{j}]: no stop {s!r} among the service's stops{hint}"
            )
        idx.append(k)
    fwd = np.array(idx, dtype=np.int32)
    seqs = {"forward": fwd}
    if spec.both_directions:
        seqs["backward"] = fwd[::-1].copy()
    dwell = scenario.fleet.vehicle.dwell_time_s
    seg: dict[str, NDArray[np.float64]] = {}
    run: dict[str, float] = {}
    for d, seq in seqs.items():
        t = _segment_times(graph, stops.node[seq])
        if not np.all(np.isfinite(t)):
            j = int(np.flatnonzero(~np.isfinite(t))[0])
            raise ScenarioError(
                f"{where}: no road path from {str(stops.name[seq[j]])!r} to {str(stops.name[seq[j + 1]])!r}"
            )
        seg[d] = t
        run[d] = float(t.sum() + dwell * (len(seq) - 2))
    hours = scenario.fleet.vehicle.operating_hours
    if spec.departures is not None:
        fwd_dep = np.array(spec.departures, dtype=np.float64)
    else:
        first = hours.start if spec.first is None else spec.first
        # default last departure: the trip (and the return trip) ends by closing time
        back = run.get("backward", 0.0) + (spec.layover_s if spec.both_directions else 0.0)
        last = (hours.end - run["forward"] - back) if spec.last is None else spec.last
        if last < first:
            raise ScenarioError(
                f"{where}: no departure fits between {format_time(first)} and closing time "
                f"{format_time(hours.end)} (a round trip takes {format_time(run['forward'] + back)})"
            )
        assert spec.headway_s is not None
        fwd_dep = np.arange(first, last + 1e-6, spec.headway_s, dtype=np.float64)
    deps = {"forward": fwd_dep}
    if spec.both_directions:
        if spec.return_departures is not None:
            deps["backward"] = np.array(spec.return_departures, dtype=np.float64)
        else:
            # the return trip leaves after the run and the layover, on a whole minute
            deps["backward"] = np.ceil((fwd_dep + run["forward"] + spec.layover_s) / 60.0) * 60.0
    for d, t in deps.items():
        outside = t[(t < hours.start) | (t + run[d] > hours.end + 1e-6)]
        if len(outside):
            raise ScenarioError(
                f"{where}: the {d} trip leaving at {format_time(outside[0])} runs outside the "
                f"operating hours {format_time(hours.start)}-{format_time(hours.end)}"
            )
    # vehicles: a vehicle is busy from a forward departure to the end of its
    # return trip plus layover (one-way lines: driving back empty is assumed
    # to take as long as the forward run).
    back_run = run.get("backward", run["forward"])
    cycle = run["forward"] + spec.layover_s + back_run + spec.layover_s
    if spec.both_directions and spec.return_departures is not None:
        starts = np.concatenate([deps["forward"], deps["backward"]])
        ends = np.concatenate(
            [
                deps["forward"] + run["forward"] + spec.layover_s,
                deps["backward"] + back_run + spec.layover_s,
            ]
        )
        needed = _max_overlap(starts, ends)
    else:
        needed = _max_overlap(fwd_dep, fwd_dep + cycle + 60.0)
    vehicles = spec.vehicles if spec.vehicles is not None else needed
    if vehicles < needed:
        raise ScenarioError(
            f"{where}.vehicles: the timetable needs {needed} vehicles "
            f"(round trip {cycle / 60:.0f} min incl. layovers), got {vehicles}"
        )
    return Line(
        name=spec.name,
        stops=seqs,
        departures_s=deps,
        segment_time_s=seg,
        run_time_s=run,
        layover_s=spec.layover_s,
        vehicles_needed=needed,
        vehicles=vehicles,
    )


def _max_overlap(starts: NDArray[np.float64], ends: NDArray[np.float64]) -> int:
    events = sorted(
        [(float(s), 1) for s in starts] + [(float(e), -1) for e in ends], key=lambda e: (e[0], e[1])
    )
    cur = best = 0
    for _, k in events:
        cur += k
        best = max(best, cur)
    return best


@dataclass(frozen=True, eq=False)
class LineRides:
    """Which line direction each request rides, and where it boards and alights.

    Attributes
    ----------
    routes
        ``(line index, direction)`` of each route, in the order of
        :attr:`ResolvedScenario.lines` and :attr:`Line.directions`.
    route : int64
        Route index of each request; -1 when no single line direction runs
        from its pickup stop to its drop-off stop (or it has no stops).
    board, alight : int64
        Positions of the pickup and drop-off stop along that route's stop
        sequence (``board < alight``); -1 where ``route`` is -1.
    """

    routes: tuple[tuple[int, str], ...]
    route: NDArray[np.int64]
    board: NDArray[np.int64]
    alight: NDArray[np.int64]


def line_rides(
    assignment: StopAssignment, lines: tuple[Line, ...] | list[Line], n_stops: int
) -> LineRides:
    """Match each request's pickup and drop-off stop to a line direction.

    The first route (in line order, forward before backward) that visits the
    pickup stop before the drop-off stop carries the request; transfers
    between lines are not modelled. On a loop line (first stop = last stop)
    riders board at the first and alight at the last visit.
    """
    routes = tuple((i, d) for i, ln in enumerate(lines) for d in ln.directions)
    n = len(assignment)
    route = np.full(n, -1, dtype=np.int64)
    board = np.full(n, -1, dtype=np.int64)
    alight = np.full(n, -1, dtype=np.int64)
    p = assignment.pickup_stop.astype(np.int64)
    q = assignment.dropoff_stop.astype(np.int64)
    ok = (p >= 0) & (q >= 0)
    for r, (i, d) in enumerate(routes):
        seq = np.asarray(lines[i].stops[d], dtype=np.int64)
        first = np.full(n_stops, -1, dtype=np.int64)
        last = np.full(n_stops, -1, dtype=np.int64)
        first[seq[::-1]] = np.arange(len(seq))[::-1]
        last[seq] = np.arange(len(seq))
        bp = np.where(ok, first[np.where(ok, p, 0)], -1)
        aq = np.where(ok, last[np.where(ok, q, 0)], -1)
        take = (route < 0) & (bp >= 0) & (aq > bp)
        route[take], board[take], alight[take] = r, bp[take], aq[take]
    return LineRides(routes, route, board, alight)


def check_fleet(scenario: Scenario, lines: tuple[Line, ...]) -> list[str]:
    """Check the lines against the fleet; return warnings for what looks wrong.

    Raises
    ------
    ScenarioError
        The lines need more vehicles than the fleet has (mode line), or leave
        none for on-demand service (mode hybrid).
    """
    warnings: list[str] = []
    fleet = scenario.fleet
    on_lines = sum(ln.vehicles for ln in lines)
    if scenario.service.mode == "line" and on_lines > fleet.vehicles:
        detail = ", ".join(f"{ln.name} {ln.vehicles}" for ln in lines)
        raise ScenarioError(
            f"fleet.vehicles: the lines need {on_lines} vehicles ({detail}), the fleet has {fleet.vehicles}"
        )
    if scenario.service.mode == "hybrid" and on_lines >= fleet.vehicles:
        raise ScenarioError(
            f"fleet.vehicles: the lines take {on_lines} vehicles and leave none of {fleet.vehicles} for on-demand service"
        )
    if scenario.service.mode == "line" and on_lines < fleet.vehicles:
        warnings.append(
            f"{fleet.vehicles - on_lines} of {fleet.vehicles} vehicles are not needed by the lines"
        )
    hours = fleet.vehicle.operating_hours
    energy = fleet.vehicle.energy
    if energy is not None and hours.duration_s / 3600 > energy.hours_per_charge:
        warnings.append(
            f"operating hours ({hours.duration_s / 3600:.1f} h) exceed the {fleet.vehicle.label}'s "
            f"{energy.hours_per_charge:g} h per charge"
        )
    w = scenario.demand.window
    if w.start < hours.start or w.end > hours.end:
        warnings.append(
            f"demand window {format_time(w.start)}-{format_time(w.end)} reaches beyond the operating hours "
            f"{format_time(hours.start)}-{format_time(hours.end)}"
        )
    if math.isfinite(fleet.vehicle.max_speed_kmh) and fleet.vehicle.max_speed_kmh > 25:
        warnings.append(
            f"max_speed_kmh {fleet.vehicle.max_speed_kmh:g} is above the 15-20 km/h automated shuttles run in German pilots"
        )
    return warnings
