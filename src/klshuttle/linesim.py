"""Fixed-line service: vehicles follow a route and a timetable.

Each scheduled departure takes an idle vehicle of the line, the one that can
be at the first stop soonest (driving there empty if it stands elsewhere);
with no vehicle idle, the departure waits for the next one to come free and
leaves late. A trip stops where someone boards or alights (fixed dwell plus
a time per passenger) and passes the other stops. Passengers wait at their
stop and board the first vehicle of their line and direction that has room,
first come first served; who has waited longer than the wait limit gives up.
After the last trip the vehicles drive back to their depots.

The simulation is event-driven in plain Python (lines carry far fewer events
than on-demand service) and produces the same :class:`~klshuttle.events.EventLog`
as the on-demand simulation, so tables, KPIs and files are shared.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._kernels.paths import path_edges
from ._kernels.simstate import Net
from .errors import KlshuttleError
from .events import (
    EVENT_COLUMNS,
    LEG_COLUMNS,
    EventKind,
    EventLog,
    LegKind,
    LegPaths,
    RejectReason,
    RequestStatus,
    columns_from_rows,
)
from .sim import FleetInput, TripInput
from .simnet import NodeTables

__all__ = ["LineRoute", "LineSimulation", "RoutePassengers"]

# event priorities at equal times: vehicles first, then departures due, then passengers
_P_VEHICLE, _P_DUE, _P_PAX, _P_GIVE_UP = 0, 1, 2, 3


@dataclass(frozen=True)
class LineRoute:
    """One direction of a line: its stops and its timetable.

    Attributes
    ----------
    line : str
        Line name.
    direction : str
        ``"forward"`` or ``"backward"``.
    stop_nodes : ndarray of int32
        Graph node of each stop, in travel order.
    departures_s : ndarray of float64
        Scheduled departures from the first stop.
    layover_s : float
        Minimum time a vehicle rests at the last stop before its next trip.
    waypoints : tuple of ndarray of int32
        Per segment (stop k to k+1), nodes the vehicle passes on the way
        (fastest paths between them); empty: the fastest path stop to stop.
    """

    line: str
    direction: str
    stop_nodes: NDArray[np.int32]
    departures_s: NDArray[np.float64]
    layover_s: float
    waypoints: tuple[NDArray[np.int32], ...] = ()


@dataclass(frozen=True)
class RoutePassengers:
    """Which route each request rides, and where it boards and alights.

    ``route[r]`` indexes the routes given to :class:`LineSimulation` (-1: the
    request is not for the line); ``board[r] < alight[r]`` are positions
    along that route's stops.
    """

    route: NDArray[np.int64]
    board: NDArray[np.int64]
    alight: NDArray[np.int64]


class _Vehicle:
    __slots__ = ("busy", "index", "load", "node", "onboard", "ready_s")

    def __init__(self, index: int, node: int, ready_s: float) -> None:
        self.index = index
        self.node = node
        self.ready_s = ready_s
        self.busy = False
        self.load = 0
        self.onboard: list[int] = []


class LineSimulation:
    """A day of fixed-line service.

    Parameters
    ----------
    net
        Routing tables (travel times and lengths between stops): the Router's
        all-pairs tables, or :class:`~klshuttle.simnet.NodeTables` over the
        lines' stops and depots only (graphs too large for all-pairs tables).
        Either way the legs log their length and edges.
    routes
        The directions of all lines.
    vehicle_route_line
        Line name of each vehicle (vehicles serve only their line).
    fleet
        Depots (one per vehicle), capacity and dwell times.
    trips
        All requests of the day, sorted by submission time (at the stop).
    passengers
        Route, boarding and alighting position of each request.
    start_s, end_s
        Service hours: requests outside them are rejected.
    """

    def __init__(
        self,
        net: Net | NodeTables,
        routes: list[LineRoute],
        vehicle_line: list[str],
        fleet: FleetInput,
        trips: TripInput,
        passengers: RoutePassengers,
        *,
        start_s: float,
        end_s: float,
    ) -> None:
        if len(vehicle_line) != fleet.n_vehicles:
            raise KlshuttleError("every line vehicle needs a line")
        lines = {r.line for r in routes}
        missing = sorted(lines - set(vehicle_line))
        if missing:
            raise KlshuttleError(f"line {missing[0]!r} has no vehicle")
        self.net = net
        self.routes = routes
        self.vehicle_line = vehicle_line
        self.fleet = fleet
        self.trips = trips
        self.pax = passengers
        self.start_s = float(start_s)
        self.end_s = float(end_s)

    # ------------------------------------------------------------------ output
    def _emit(self, t: float, etype: int, v: int, r: int, node: int, load: int, info: int) -> None:
        self._ev.append((t, etype, v, r, node, load, info))

    def _time(self, a: int, b: int) -> float:
        if isinstance(self.net, NodeTables):
            return self.net.time(a, b)
        return float(self.net.time_s[a, b])

    def _leg(self, v: _Vehicle, t0: float, t1: float, a: int, b: int, kind: int) -> None:
        if a == b:
            return
        self._legs.append((v.index, t0, t1, a, b, v.load, kind))
        if isinstance(self.net, NodeTables):
            d = self.net.length(a, b)
            edges = self.net.path_edges(a, b)
        else:
            d = float(self.net.length_m[a, b])
            edges = path_edges(self.net.pred_edge[a], self.net.edge_source, a, b)
        self._leg_m.append(d)
        self._leg_edges.append(edges)
        for r in v.onboard:
            self._ride_m[r] += d

    def _push(self, t: float, prio: int, *item: Any) -> None:
        heapq.heappush(self._heap, (t, prio, next(self._seq), *item))

    # ------------------------------------------------------------------ running
    def run(self) -> EventLog:
        """Simulate the day and return the event log."""
        tr, nr = self.trips, len(self.trips)
        self._ev: list[tuple[float, int, int, int, int, int, int]] = []
        self._legs: list[tuple[int, float, float, int, int, int, int]] = []
        self._leg_m: list[float] = []
        self._leg_edges: list[NDArray[np.int64]] = []
        self._heap: list[tuple[Any, ...]] = []
        self._seq = itertools.count()
        self._status = np.full(nr, RequestStatus.future, dtype=np.int8)
        self._reason = np.zeros(nr, dtype=np.int8)
        self._vehicle = np.full(nr, -1, dtype=np.int32)
        self._pickup = np.full(nr, np.nan)
        self._dropoff = np.full(nr, np.nan)
        self._ride_m = np.zeros(nr)
        self._pooled = np.zeros(nr, dtype=bool)
        self._passed_full = np.zeros(nr, dtype=bool)
        self._queues: dict[tuple[int, int], deque[int]] = {}
        self._pending: dict[str, deque[tuple[float, int]]] = {}
        self._remaining = {line: 0 for line in self.vehicle_line}
        self._last_departure = {
            i: (float(r.departures_s.max()) if len(r.departures_s) else -np.inf)
            for i, r in enumerate(self.routes)
        }
        vehicles = [
            _Vehicle(v, int(self.fleet.depot_node[v]), self.start_s)
            for v in range(self.fleet.n_vehicles)
        ]
        self._vehicles = vehicles
        self._off = np.full(len(vehicles), np.inf)
        for v in vehicles:
            self._emit(self.start_s, EventKind.start_service, v.index, -1, v.node, 0, 0)
        for i, route in enumerate(self.routes):
            for d in np.sort(route.departures_s):
                self._push(float(d), _P_DUE, "due", i)
                self._remaining[route.line] += 1
        for r in range(nr):
            self._push(float(tr.t_submit_s[r]), _P_PAX, "pax", r)
        for line, left in self._remaining.items():
            if left == 0:
                for v in vehicles:
                    if self.vehicle_line[v.index] == line:
                        self._home(v, self.start_s)
        while self._heap:
            t, _, _, kind, *args = heapq.heappop(self._heap)
            getattr(self, f"_on_{kind}")(t, *args)
        return self._log()

    def _on_pax(self, t: float, r: int) -> None:
        tr = self.trips
        self._emit(t, EventKind.request, -1, r, int(tr.pickup_node[r]), int(tr.pax[r]), 0)
        if tr.pre_reason[r] > 0:
            self._reject(t, r, int(tr.pre_reason[r]))
            return
        if t < self.start_s or t > self.end_s:
            self._reject(t, r, RejectReason.outside_operating_hours)
            return
        route = int(self.pax.route[r])
        key = (route, int(self.pax.board[r]))
        self._queues.setdefault(key, deque()).append(r)
        self._push(t + float(tr.max_wait_s[r]), _P_GIVE_UP, "give_up", r)

    def _on_give_up(self, t: float, r: int) -> None:
        if self._status[r] != RequestStatus.future:
            return
        key = (int(self.pax.route[r]), int(self.pax.board[r]))
        self._queues[key].remove(r)
        if self._passed_full[r]:
            reason = RejectReason.capacity
        elif self._last_departure[key[0]] < float(self.trips.t_submit_s[r]):
            reason = RejectReason.no_departure
        else:
            reason = RejectReason.max_wait
        self._reject(t, r, reason)

    def _reject(self, t: float, r: int, reason: int) -> None:
        self._status[r] = RequestStatus.rejected
        self._reason[r] = reason
        self._emit(t, EventKind.reject, -1, r, int(self.trips.pickup_node[r]), 0, reason)

    def _on_due(self, t: float, route_i: int) -> None:
        line = self.routes[route_i].line
        self._remaining[line] -= 1
        first = int(self.routes[route_i].stop_nodes[0])
        best, best_t = None, np.inf
        for v in self._vehicles:
            if v.busy or self.vehicle_line[v.index] != line:
                continue
            at = max(t, v.ready_s) + self._time(v.node, first)
            if at < best_t:
                best, best_t = v, at
        if best is None:
            self._pending.setdefault(line, deque()).append((t, route_i))
            return
        self._start_trip(best, t, route_i)
        if self._remaining[line] == 0:
            # the line's last departure is on its way: the idle vehicles go home
            for v in self._vehicles:
                if self.vehicle_line[v.index] == line and not v.busy:
                    self._home(v, max(t, v.ready_s))

    def _start_trip(self, v: _Vehicle, t_due: float, route_i: int) -> None:
        route = self.routes[route_i]
        first = int(route.stop_nodes[0])
        v.busy = True
        t = max(t_due, v.ready_s)
        if v.node != first:
            t1 = t + self._time(v.node, first)
            self._emit(t, EventKind.depart, v.index, -1, v.node, v.load, first)
            self._leg(v, t, t1, v.node, first, LegKind.rebalance)
            v.node, t = first, t1
        self._push(t, _P_VEHICLE, "stop", v.index, route_i, 0)

    def _on_stop(self, t: float, vi: int, route_i: int, k: int) -> None:
        v = self._vehicles[vi]
        route = self.routes[route_i]
        node = int(route.stop_nodes[k])
        last = k == len(route.stop_nodes) - 1
        moved = 0
        if k > 0:
            self._emit(t, EventKind.arrive, v.index, -1, node, v.load, 0)
        for r in list(v.onboard):
            if int(self.pax.alight[r]) == k:
                v.onboard.remove(r)
                v.load -= int(self.trips.pax[r])
                moved += int(self.trips.pax[r])
                self._status[r] = RequestStatus.done
                self._dropoff[r] = t
                self._emit(t, EventKind.dropoff, v.index, r, node, v.load, 0)
        if not last:
            queue = self._queues.get((route_i, k))
            if queue:
                cap = self.fleet.capacity
                for r in list(queue):
                    pax = int(self.trips.pax[r])
                    if v.load + pax > cap:
                        self._passed_full[r] = True
                        continue
                    queue.remove(r)
                    if v.onboard:
                        self._pooled[r] = True
                        self._pooled[v.onboard] = True
                    v.onboard.append(r)
                    v.load += pax
                    moved += pax
                    self._status[r] = RequestStatus.onboard
                    self._vehicle[r] = v.index
                    self._pickup[r] = t
                    self._emit(t, EventKind.pickup, v.index, r, node, v.load, 0)
        dwell = self.fleet.dwell_s + self.fleet.per_pax_s * moved if moved else 0.0
        t_dep = t + dwell
        if last:
            v.node = node
            v.ready_s = t_dep + route.layover_s
            v.busy = False
            self._emit(t_dep, EventKind.idle, v.index, -1, node, 0, 0)
            self._push(v.ready_s, _P_VEHICLE, "ready", v.index)
            return
        nxt = int(route.stop_nodes[k + 1])
        self._emit(t_dep, EventKind.depart, v.index, -1, node, v.load, nxt)
        via = route.waypoints[k] if route.waypoints else ()
        a, t_arr = node, t_dep
        for b in [*(int(w) for w in via), nxt]:
            t_b = t_arr + self._time(a, b)
            self._leg(v, t_arr, t_b, a, b, LegKind.service)
            a, t_arr = b, t_b
        v.node = nxt
        self._push(t_arr, _P_VEHICLE, "stop", v.index, route_i, k + 1)

    def _on_ready(self, t: float, vi: int) -> None:
        v = self._vehicles[vi]
        if v.busy:
            return
        line = self.vehicle_line[vi]
        pending = self._pending.get(line)
        if pending:
            t_due, route_i = pending.popleft()
            self._start_trip(v, max(t, t_due), route_i)
        elif self._remaining[line] == 0:
            self._home(v, t)

    def _home(self, v: _Vehicle, t: float) -> None:
        if np.isfinite(self._off[v.index]) or v.busy:
            return
        depot = int(self.fleet.depot_node[v.index])
        if v.node != depot:
            t1 = t + self._time(v.node, depot)
            self._emit(t, EventKind.return_to_depot, v.index, -1, v.node, 0, depot)
            self._leg(v, t, t1, v.node, depot, LegKind.depot)
            v.node, t = depot, t1
        v.busy = True
        self._off[v.index] = t
        self._emit(t, EventKind.end_service, v.index, -1, depot, 0, 0)

    def _log(self) -> EventLog:
        # stable sort: same-time events keep their order
        events = columns_from_rows(sorted(self._ev, key=lambda e: e[0]), EVENT_COLUMNS)
        requests: dict[str, NDArray[Any]] = {
            "status": self._status,
            "vehicle": self._vehicle,
            "assign_s": self._pickup.copy(),
            "promised_pickup_s": np.full(len(self.trips), np.nan),
            "pickup_s": self._pickup,
            "dropoff_s": self._dropoff,
            "ride_m": self._ride_m,
            "reason": self._reason,
            "pooled": self._pooled,
        }
        return EventLog.from_columns(
            events,
            columns_from_rows(self._legs, LEG_COLUMNS),
            requests,
            vehicle_off_s=self._off,
            start_s=self.start_s,
            end_s=self.end_s,
            fleet=self.fleet,
            trips=self.trips,
            leg_paths=self._leg_paths(),
        )

    def _leg_paths(self) -> LegPaths:
        """The legs' lengths and edges, as driven."""
        sizes = np.array([e.size for e in self._leg_edges], dtype=np.int64)
        end = np.cumsum(sizes)
        return LegPaths(
            length_m=np.asarray(self._leg_m, dtype=np.float64),
            edge_start=end - sizes,
            edge_end=end,
            edges=np.concatenate(self._leg_edges).astype(np.int32)
            if self._leg_edges
            else np.zeros(0, dtype=np.int32),
        )
