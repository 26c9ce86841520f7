"""The discrete-event simulation of a day of on-demand shuttle service.

:class:`OnDemandSimulation` owns the simulation state (named tuples of numpy
arrays, see :mod:`klshuttle._kernels.simstate`) and advances it with the numba
event loop in slices of simulated time. Between slices Python runs what needs
Python: batch assignment (scipy's Hungarian method), rebalancing, and whoever
iterates over :meth:`OnDemandSimulation.run` (a progress bar, say). The
simulation does no file I/O: it yields :class:`EventChunk` objects and, at
the end, an :class:`~klshuttle.events.EventLog` that :mod:`klshuttle.metrics`
and :mod:`klshuttle.outputs` turn into tables and files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._kernels import drop_stale_cache
from ._kernels import simloop as kloop
from ._kernels.simstate import (
    D_BATCH,
    R_FUTURE,
    R_REJECTED,
    REBALANCE_DEMAND,
    REBALANCE_DEPOT,
    REBALANCE_NONE,
    RUN_BUFFER_FULL,
    RUN_NO_PATH,
    V_OFF,
    Clock,
    DispatchParams,
    Fleet,
    Log,
    Net,
    Params,
    RequestArrays,
    SparseNet,
    Vehicles,
)
from .dispatch import assign_batch
from .errors import KlshuttleError, RoutingError
from .events import EVENT_NAMES, EventLog, LegPaths
from .simnet import net_nodes

__all__ = [
    "EventChunk",
    "FleetInput",
    "OnDemandSimulation",
    "TripInput",
    "check_threads",
    "net_tables",
    "vehicle_state_bytes",
]

#: Rebalancing policies as scenarios spell them (``dispatch.rebalancing``), and their codes.
REBALANCING = {"none": REBALANCE_NONE, "depot": REBALANCE_DEPOT, "demand": REBALANCE_DEMAND}


def vehicle_state_bytes(n_nodes: int, capacity: int) -> int:
    """Bytes of simulation state per vehicle of :class:`OnDemandSimulation`.

    Each vehicle keeps its current path (a node, a time, an edge and metres
    driven per road node), a plan of ``4 x capacity + 8`` stops (node,
    request, kind, time) and its passengers on board.
    """
    max_plan = 4 * capacity + 8
    return 24 * n_nodes + 17 * max_plan + 4 * max(capacity, 1) + 64


def check_threads(threads: int) -> None:
    """Raise unless ``threads`` is a thread count the insertion search can use.

    At least 1 (serial) and at most numba's thread pool
    (``numba.config.NUMBA_NUM_THREADS``, the machine's cores unless the
    ``NUMBA_NUM_THREADS`` environment variable says otherwise).
    """
    import numba

    most = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    if not 1 <= threads <= most:
        raise KlshuttleError(
            f"threads: the insertion search can use 1 to {most} threads here "
            f"(numba's pool, NUMBA_NUM_THREADS), got {threads}"
        )


@contextmanager
def search_threads(threads: int) -> Iterator[None]:
    """numba's active threads set to ``threads`` for a parallel search, restored afterwards."""
    if threads <= 1:
        yield
        return
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def net_tables(router: Any) -> Net:
    """Unpack a matrix-mode Router and its graph into the kernels' routing tables.

    Raises
    ------
    RoutingError
        If the router holds no all-pairs tables (the graph is too large for them).
    """
    if getattr(router, "mode", None) != "matrix":
        raise RoutingError(
            "the simulation needs the all-pairs routing tables, but the router is in "
            f"{getattr(router, 'mode', '?')!r} mode (graph too large for them)"
        )
    graph = router.graph
    return Net(
        time_s=router.time_s,
        time_s_t=router.time_to_s,
        length_m=router.length_m,
        pred_edge=router.pred_edge,
        edge_source=graph.edge_source,
        edge_time_s=graph.travel_time_s,
        edge_length_m=graph.length_m,
    )


@dataclass(frozen=True)
class FleetInput:
    """The vehicles of an on-demand service.

    Attributes
    ----------
    depot_node : ndarray of int32, shape (n_vehicles,)
        Depot (start and end) node of each vehicle; its length is the fleet size.
    capacity : int
        Passengers per vehicle.
    dwell_s : float
        Fixed time of a stop visit (doors, kneeling).
    per_pax_s : float
        Time per boarding or alighting passenger.
    """

    depot_node: NDArray[np.int32]
    capacity: int
    dwell_s: float
    per_pax_s: float

    @property
    def n_vehicles(self) -> int:
        """Number of vehicles."""
        return len(self.depot_node)


@dataclass(frozen=True)
class TripInput:
    """Requests as the simulator sees them, sorted by release time.

    ``t_submit_s`` is when the passenger is ready at the pickup point (request
    time plus the walk to the stop), the earliest pickup; ``release_s`` is
    when the dispatcher learns of the request (a prebooked ride's booking
    time; None: at ``t_submit_s``, an immediate request); ``pre_reason`` holds a
    rejection code (:class:`~klshuttle.events.RejectReason`) for trips refused before the simulation
    (no stop in reach, same stop), else 0; ``latest_dropoff_s`` is the latest
    drop-off the dispatcher may plan (when walking the whole way would be
    faster, or the rider's deadline; None: no such limit); ``deadline`` is 1
    where that limit is the rider's deadline (a train), for the rejection
    reason ``deadline`` (None: nowhere).
    """

    t_submit_s: NDArray[np.float64]
    pickup_node: NDArray[np.int32]
    dropoff_node: NDArray[np.int32]
    pax: NDArray[np.int32]
    max_wait_s: NDArray[np.float64]
    max_ride_s: NDArray[np.float64]
    pre_reason: NDArray[np.int8]
    latest_dropoff_s: NDArray[np.float64] | None = None
    deadline: NDArray[np.uint8] | None = None
    release_s: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        t = np.asarray(self.t_submit_s if self.release_s is None else self.release_s)
        if t.size and np.any(np.diff(t) < 0):
            raise ValueError("TripInput must be sorted by release time")
        if self.release_s is not None and np.any(
            np.asarray(self.release_s) > np.asarray(self.t_submit_s)
        ):
            raise ValueError("TripInput: a request is released after its earliest pickup")

    def __len__(self) -> int:
        return len(self.t_submit_s)


@dataclass(frozen=True)
class EventChunk:
    """Events of one slice of simulated time (column arrays)."""

    t_s: NDArray[np.float64]
    event: NDArray[np.int8]
    vehicle: NDArray[np.int32]
    request: NDArray[np.int32]
    node: NDArray[np.int32]
    load: NDArray[np.int32]
    info: NDArray[np.int32]
    sim_time_s: float

    def __len__(self) -> int:
        return len(self.t_s)

    def names(self) -> list[str]:
        """Event names of the chunk, in order."""
        return [EVENT_NAMES[e] for e in self.event]


class OnDemandSimulation:
    """A day of pooled on-demand service.

    Parameters
    ----------
    net
        Routing tables (:func:`net_tables`), or a contraction hierarchy
        (:func:`klshuttle.simnet.sparse_net`) on graphs too large for them.
    fleet
        Vehicles, their capacity, dwell times and depots.
    trips
        The requests, sorted by submission time.
    start_s, end_s
        Service hours in seconds since the day's start. Requests outside are
        rejected; vehicles finish their plans after ``end_s`` and return to
        their depots.
    dispatch
        Dispatcher, pooling, objective, cost weights and batch window
        (:func:`klshuttle.dispatch.dispatch_params`; default: cheapest
        insertion by added passenger time, with pooling, 30 s batches).
    rebalancing
        What idle vehicles do, as the scenario's ``dispatch.rebalancing``:
        ``"none"`` (wait where the last passenger left), ``"depot"`` (return
        to the depot) or ``"demand"`` (move towards recent demand every
        ``rebalancing_interval_s``, via ``rebalancer``).
    rebalancer
        Callable ``(sim, now) -> None`` run every ``rebalancing_interval_s`` when
        ``rebalancing == "demand"``.
    max_plan
        Length of each vehicle's plan buffer (default: 4 x capacity + 8).
    """

    def __init__(
        self,
        net: Net | SparseNet,
        fleet: FleetInput,
        trips: TripInput,
        *,
        start_s: float,
        end_s: float,
        dispatch: DispatchParams | None = None,
        rebalancing: str = "none",
        rebalancing_interval_s: float = 900.0,
        rebalancer: Callable[[OnDemandSimulation, float], None] | None = None,
        max_plan: int | None = None,
    ) -> None:
        drop_stale_cache()
        if not end_s > start_s:
            raise KlshuttleError(f"service end {end_s} s must be after its start {start_s} s")
        if rebalancing not in REBALANCING:
            raise KlshuttleError(
                f"unknown rebalancing {rebalancing!r} (known: {', '.join(REBALANCING)})"
            )
        dispatch = DispatchParams() if dispatch is None else dispatch
        if dispatch.batch_window_s <= 0:
            raise KlshuttleError(f"batch window must be > 0 s, got {dispatch.batch_window_s}")
        check_threads(dispatch.threads)
        if isinstance(net, SparseNet) and net.pos_tt.shape[0] < fleet.n_vehicles:
            net = net._replace(pos_tt=np.zeros(fleet.n_vehicles))
        self.net = net
        self.fleet_input = fleet
        self.trips = trips
        self.start_s = float(start_s)
        self.end_s = float(end_s)
        self.dispatch = dispatch
        self.rebalancing = rebalancing
        self.rebalancing_interval_s = float(rebalancing_interval_s)
        self.rebalancer = rebalancer
        self.max_plan = int(max_plan or 4 * fleet.capacity + 8)
        self.margin = self.max_plan + 16
        n_nodes = net_nodes(net)
        nv, nr = fleet.n_vehicles, len(trips)
        if nv == 0:
            raise KlshuttleError("the fleet has no vehicle")
        depot = np.asarray(fleet.depot_node, dtype=np.int32)
        if depot.size and (depot.min() < 0 or depot.max() >= n_nodes):
            raise KlshuttleError("a depot node is not a node of the road graph")
        self.fleet = Fleet(
            capacity=np.full(nv, fleet.capacity, dtype=np.int32),
            dwell_s=np.full(nv, fleet.dwell_s, dtype=np.float64),
            per_pax_s=np.full(nv, fleet.per_pax_s, dtype=np.float64),
            depot=depot,
        )
        self.params = Params(
            start_s=np.array([self.start_s]),
            end_s=np.array([self.end_s]),
            rebalancing=np.array([REBALANCING[rebalancing]], dtype=np.int64),
        )
        t_submit = np.asarray(trips.t_submit_s, dtype=np.float64)
        pre = np.asarray(trips.pre_reason, dtype=np.int8)
        self.req = RequestArrays(
            t_submit=t_submit,
            pickup_node=np.asarray(trips.pickup_node, dtype=np.int32),
            dropoff_node=np.asarray(trips.dropoff_node, dtype=np.int32),
            pax=np.asarray(trips.pax, dtype=np.int32),
            latest_pickup=t_submit + np.asarray(trips.max_wait_s, dtype=np.float64),
            max_ride_s=np.asarray(trips.max_ride_s, dtype=np.float64),
            latest_dropoff=np.full(nr, np.inf)
            if trips.latest_dropoff_s is None
            else np.asarray(trips.latest_dropoff_s, dtype=np.float64),
            deadline=np.zeros(nr, dtype=np.uint8)
            if trips.deadline is None
            else np.asarray(trips.deadline, dtype=np.uint8),
            # prebooked rides booked before the start of service are released at its start
            release_s=t_submit.copy()
            if trips.release_s is None
            else np.maximum(np.asarray(trips.release_s, dtype=np.float64), self.start_s),
            status=np.where(pre > 0, R_REJECTED, R_FUTURE).astype(np.int8),
            vehicle=np.full(nr, -1, dtype=np.int32),
            assign_s=np.full(nr, np.nan),
            promised_pickup_s=np.full(nr, np.nan),
            pickup_s=np.full(nr, np.nan),
            dropoff_s=np.full(nr, np.nan),
            ride_m=np.zeros(nr),
            reason=pre.copy(),
            pooled=np.zeros(nr, dtype=np.uint8),
            scratch_t=np.zeros(nr),
        )
        self.veh = Vehicles(
            state=np.full(nv, V_OFF, dtype=np.int8),
            node=depot.copy(),
            t_free=np.zeros(nv),
            next_t=np.full(nv, self.start_s),
            leg_kind=np.zeros(nv, dtype=np.int8),
            leg_from=depot.copy(),
            leg_to=depot.copy(),
            leg_t0=np.zeros(nv),
            leg_t1=np.zeros(nv),
            path_node=np.zeros((nv, n_nodes), dtype=np.int32),
            path_t=np.zeros((nv, n_nodes)),
            path_len=np.zeros(nv, dtype=np.int32),
            path_edge=np.full((nv, n_nodes), -1, dtype=np.int32),
            path_m=np.zeros((nv, n_nodes)),
            plan_node=np.zeros((nv, self.max_plan), dtype=np.int32),
            plan_req=np.zeros((nv, self.max_plan), dtype=np.int32),
            plan_kind=np.zeros((nv, self.max_plan), dtype=np.int8),
            plan_len=np.zeros(nv, dtype=np.int32),
            plan_tt=np.zeros((nv, self.max_plan)),
            onboard=np.zeros((nv, max(fleet.capacity, 1)), dtype=np.int32),
            n_onboard=np.zeros(nv, dtype=np.int32),
            load=np.zeros(nv, dtype=np.int32),
            off_s=np.full(nv, np.inf),
            waiting=np.zeros(nv, dtype=np.uint8),
        )
        self.log = _new_log(
            max(1024, 12 * nr + 16 * nv), max(1024, 6 * nr + 8 * nv), 4 * n_nodes + 64 * nr
        )
        self.clock = Clock(now=np.array([-np.inf]), next_req=np.zeros(1, dtype=np.int64))
        self._emitted = 0
        self._finished = False

    # ----------------------------------------------------------------- running
    def check_path(self, ok: bool) -> None:
        """Raise if a kernel found no path for a leg."""
        if not ok:
            raise RoutingError(
                "a vehicle leg has no path: the road graph is not strongly connected"
            )

    def _advance(self, t_stop: float) -> None:
        with search_threads(self.dispatch.threads):
            self._advance_loop(t_stop)

    def _advance_loop(self, t_stop: float) -> None:
        while True:
            status = kloop.run_until(
                self.net,
                self.fleet,
                self.veh,
                self.req,
                self.log,
                self.params,
                self.dispatch,
                self.clock,
                t_stop,
                self.max_plan,
                self.margin,
            )
            if status == RUN_BUFFER_FULL:
                self.log = _grow_log(self.log)
                continue
            if status == RUN_NO_PATH:
                self.check_path(False)
            return

    def _control_times(self, chunk_s: float) -> Iterator[tuple[float, str]]:
        """Times at which Python steps in, in order: batches, rebalancing, chunks."""
        batch = self.dispatch.dispatcher == D_BATCH
        window_s = float(self.dispatch.batch_window_s)
        rebalance = self.rebalancing == "demand" and self.rebalancer is not None
        t = self.start_s
        next_chunk = self.start_s + chunk_s
        next_batch = self.start_s + window_s if batch else math.inf
        next_reb = self.start_s + self.rebalancing_interval_s if rebalance else math.inf
        horizon = self.end_s + window_s if batch else self.end_s
        while t < horizon:
            t = min(next_chunk, next_batch, next_reb)
            kinds = []
            if t == next_batch:
                kinds.append("batch")
                next_batch += window_s
            if t == next_reb:
                kinds.append("rebalance")
                next_reb = next_reb + self.rebalancing_interval_s if t < self.end_s else math.inf
            if t == next_chunk:
                kinds.append("chunk")
                next_chunk += chunk_s
            for kind in kinds:
                yield t, kind

    def run(self, *, chunk_s: float = 900.0) -> Iterator[EventChunk]:
        """Simulate the day, yielding the events of each slice of ``chunk_s`` seconds.

        After service end the vehicles finish their plans and drive back to
        their depots; the last chunk holds those events.
        """
        if self._finished:
            return
        self._advance(self.start_s - 1e-9)
        for t, kind in self._control_times(chunk_s):
            self._advance(t)
            if kind == "batch":
                assign_batch(self, t)
            elif kind == "rebalance" and self.rebalancer is not None:
                self.rebalancer(self, t)
            elif kind == "chunk":
                yield self._take_chunk(t)
        self._advance(math.inf)
        self._finished = True
        yield self._take_chunk(float(self.clock.now[0]))

    def _take_chunk(self, sim_time_s: float) -> EventChunk:
        a, b = self._emitted, int(self.log.n_ev[0])
        self._emitted = b
        lg = self.log
        return EventChunk(
            t_s=lg.ev_t[a:b].copy(),
            event=lg.ev_type[a:b].copy(),
            vehicle=lg.ev_veh[a:b].copy(),
            request=lg.ev_req[a:b].copy(),
            node=lg.ev_node[a:b].copy(),
            load=lg.ev_load[a:b].copy(),
            info=lg.ev_info[a:b].copy(),
            sim_time_s=sim_time_s,
        )

    def run_to_end(self) -> EventLog:
        """Run the whole day without yielding and return the event log."""
        for _ in self.run(chunk_s=max(self.end_s - self.start_s, 1.0)):
            pass
        return self.event_log()

    def event_log(self) -> EventLog:
        """The recorded events, legs and request outcomes (after :meth:`run`)."""
        if not self._finished:
            raise KlshuttleError("the simulation has not run to its end yet")
        lg, n, g = self.log, int(self.log.n_ev[0]), int(self.log.n_leg[0])
        events = {
            "t_s": lg.ev_t[:n].copy(),
            "event": lg.ev_type[:n].copy(),
            "vehicle": lg.ev_veh[:n].copy(),
            "request": lg.ev_req[:n].copy(),
            "node": lg.ev_node[:n].copy(),
            "load": lg.ev_load[:n].copy(),
            "info": lg.ev_info[:n].copy(),
        }
        legs = {
            "vehicle": lg.lg_veh[:g].copy(),
            "t0_s": lg.lg_t0[:g].copy(),
            "t1_s": lg.lg_t1[:g].copy(),
            "from_node": lg.lg_from[:g].copy(),
            "to_node": lg.lg_to[:g].copy(),
            "load": lg.lg_load[:g].copy(),
            "kind": lg.lg_kind[:g].copy(),
        }
        r = self.req
        e = int(lg.n_ed[0])
        paths = LegPaths(
            length_m=lg.lg_m[:g].copy(),
            edge_start=lg.lg_e0[:g].copy(),
            edge_end=lg.lg_e1[:g].copy(),
            edges=lg.ed[:e].copy(),
        )
        requests = {
            "status": r.status.copy(),
            "vehicle": r.vehicle.copy(),
            "assign_s": r.assign_s.copy(),
            "promised_pickup_s": r.promised_pickup_s.copy(),
            "pickup_s": r.pickup_s.copy(),
            "dropoff_s": r.dropoff_s.copy(),
            "ride_m": r.ride_m.copy(),
            "reason": r.reason.copy(),
            "pooled": r.pooled.astype(bool),
        }
        return EventLog.from_columns(
            events,
            legs,
            requests,
            vehicle_off_s=self.veh.off_s.copy(),
            start_s=self.start_s,
            end_s=self.end_s,
            fleet=self.fleet_input,
            trips=self.trips,
            leg_paths=paths,
        )


def _new_log(n_events: int, n_legs: int, n_edges: int) -> Log:
    return Log(
        n_ev=np.zeros(1, dtype=np.int64),
        ev_t=np.zeros(n_events),
        ev_type=np.zeros(n_events, dtype=np.int8),
        ev_veh=np.zeros(n_events, dtype=np.int32),
        ev_req=np.zeros(n_events, dtype=np.int32),
        ev_node=np.zeros(n_events, dtype=np.int32),
        ev_load=np.zeros(n_events, dtype=np.int32),
        ev_info=np.zeros(n_events, dtype=np.int32),
        n_leg=np.zeros(1, dtype=np.int64),
        lg_veh=np.zeros(n_legs, dtype=np.int32),
        lg_t0=np.zeros(n_legs),
        lg_t1=np.zeros(n_legs),
        lg_from=np.zeros(n_legs, dtype=np.int32),
        lg_to=np.zeros(n_legs, dtype=np.int32),
        lg_load=np.zeros(n_legs, dtype=np.int32),
        lg_kind=np.zeros(n_legs, dtype=np.int8),
        lg_m=np.zeros(n_legs),
        lg_e0=np.zeros(n_legs, dtype=np.int64),
        lg_e1=np.zeros(n_legs, dtype=np.int64),
        n_ed=np.zeros(1, dtype=np.int64),
        ed=np.zeros(n_edges, dtype=np.int32),
    )


def _grow_log(log: Log) -> Log:
    """Double the event, leg and edge buffers, keeping what they hold."""
    grown = _new_log(2 * log.ev_t.shape[0], 2 * log.lg_t0.shape[0], 2 * log.ed.shape[0])
    n, g, e = int(log.n_ev[0]), int(log.n_leg[0]), int(log.n_ed[0])
    for name in Log._fields:
        old, new = getattr(log, name), getattr(grown, name)
        if name in ("n_ev", "n_leg", "n_ed"):
            new[:] = old
        elif name.startswith("ev_"):
            new[:n] = old[:n]
        elif name == "ed":
            new[:e] = old[:e]
        else:
            new[:g] = old[:g]
    return grown
