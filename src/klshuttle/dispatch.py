"""Dispatchers: which vehicle serves a request, and where it goes in its plan.

Three strategies, chosen by name in the scenario's ``[dispatch]`` table:

``insertion``
    Cheapest feasible insertion over all vehicles, decided the moment a
    request comes in (numba kernel :func:`klshuttle._kernels.insertion.best_insertion`).
    What "cheapest" means is the objective (:data:`OBJECTIVES`): extra vehicle
    time, the passenger time the insertion adds, or a weighted sum.
``nearest_idle``
    Baseline without pooling: the idle vehicle that reaches the pickup first.
``batch``
    Requests are collected for a short window and assigned together: one
    request per vehicle by :func:`scipy.optimize.linear_sum_assignment` on the
    insertion costs, the rest one by one by cheapest insertion.

:func:`best_insertion_reference` is the plain-Python twin of the numba search,
written for clarity; tests check that both make the same decisions. Both take
the dispatcher's settings as one :class:`DispatchParams` (built from the
scenario by :func:`dispatch_params`), so a new cost parameter is a field of
that tuple and of the scenario's ``[dispatch]`` spec, used in the kernel and
in the reference.

:func:`assign_batch` and :class:`DemandRebalancer` act on a running
simulation through :class:`SimulationState`.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np
from scipy.optimize import linear_sum_assignment

from ._kernels import insertion as kin
from ._kernels import simloop as kloop
from ._kernels.simstate import (
    D_BATCH,
    D_INSERTION,
    D_NEAREST_IDLE,
    EPS_S,
    OBJ_PASSENGER_TIME,
    OBJ_VEHICLE_TIME,
    OBJ_WEIGHTED,
    PICKUP,
    V_DRIVE,
    V_DWELL,
    V_IDLE,
    DispatchParams,
    Fleet,
    Log,
    Net,
    RequestArrays,
    SparseNet,
    Vehicles,
)
from .errors import ScenarioError
from .events import RequestStatus
from .simnet import net_nodes, travel_times

__all__ = [
    "DISPATCHERS",
    "OBJECTIVES",
    "DemandRebalancer",
    "DispatchParams",
    "SimulationState",
    "assign_batch",
    "best_insertion_reference",
    "dispatch_params",
    "dispatcher_code",
    "insertion_cost_reference",
]

# plain ints: the reference compares them in its innermost loops
R_ONBOARD = int(RequestStatus.onboard)
R_WAITING = int(RequestStatus.waiting)

#: Dispatcher names as scenarios spell them, and their kernel codes.
DISPATCHERS: dict[str, int] = {
    "insertion": D_INSERTION,
    "nearest_idle": D_NEAREST_IDLE,
    "batch": D_BATCH,
}


#: Insertion objectives as scenarios spell them (``dispatch.objective``), and their codes.
OBJECTIVES: dict[str, int] = {
    "vehicle_time": OBJ_VEHICLE_TIME,
    "passenger_time": OBJ_PASSENGER_TIME,
    "weighted": OBJ_WEIGHTED,
}


def dispatcher_code(name: str) -> int:
    """Return the kernel code of a dispatcher name.

    Raises
    ------
    ScenarioError
        For an unknown name, listing the known ones.
    """
    try:
        return DISPATCHERS[name]
    except KeyError:
        known = ", ".join(DISPATCHERS)
        raise ScenarioError(
            f"dispatch.algorithm: unknown dispatcher {name!r} (known: {known})"
        ) from None


def dispatch_params(algorithm: str = "insertion", **settings: Any) -> DispatchParams:
    """Dispatcher settings for the kernels and the reference, from the scenario's names.

    Parameters
    ----------
    algorithm
        Dispatcher name (:data:`DISPATCHERS`).
    **settings
        Other fields of :class:`DispatchParams` (``pooling``, ``objective``
        by name or code, ``wait_weight``, ``passenger_weight``,
        ``batch_window_s`` ...), each cast to the type of the field's default;
        missing ones keep the default.

    Raises
    ------
    ScenarioError
        For an unknown dispatcher name.
    """
    defaults = DispatchParams._field_defaults
    unknown = sorted(set(settings) - (set(defaults) - {"dispatcher"}))
    if unknown:
        raise TypeError(f"unknown dispatch setting {unknown[0]!r}")
    objective = settings.get("objective")
    if isinstance(objective, str):
        if objective not in OBJECTIVES:
            known = ", ".join(OBJECTIVES)
            raise ScenarioError(
                f"dispatch.objective: unknown objective {objective!r} (known: {known})"
            )
        settings = {**settings, "objective": OBJECTIVES[objective]}
    values = {k: type(defaults[k])(v) for k, v in settings.items()}
    return DispatchParams(dispatcher=dispatcher_code(algorithm), **values)


def dispatch_params_from_spec(spec: Any, *, pooling: bool) -> DispatchParams:
    """:func:`dispatch_params` of a scenario's ``[dispatch]`` spec.

    Every field of :class:`DispatchParams` the spec has by name is taken from
    it; ``pooling`` comes from the service (``service.on_demand.pooling``).
    """
    shared = [k for k in DispatchParams._fields if k != "dispatcher" and hasattr(spec, k)]
    return dispatch_params(spec.algorithm, pooling=pooling, **{k: getattr(spec, k) for k in shared})


class SimulationState(Protocol):
    """What the dispatchers read and change of a running on-demand simulation
    (:class:`klshuttle.sim.OnDemandSimulation`)."""

    net: Net | SparseNet
    fleet: Fleet
    veh: Vehicles
    req: RequestArrays
    log: Log
    dispatch: DispatchParams
    max_plan: int

    def check_path(self, ok: bool) -> None:
        """Raise if a kernel found no path for a leg."""
        ...


# ------------------------------------------------------------ Python reference
def _position_reference(veh: Vehicles, v: int, now: float) -> tuple[int, float, bool]:
    state = int(veh.state[v])
    if state == V_DRIVE:
        for p in range(int(veh.path_len[v])):
            if veh.path_t[v, p] >= now:
                return int(veh.path_node[v, p]), float(veh.path_t[v, p]), False
        return int(veh.leg_to[v]), float(veh.leg_t1[v]), False
    if state == V_DWELL and not veh.waiting[v]:
        return int(veh.node[v]), float(veh.t_free[v]), True
    return int(veh.node[v]), float(now), False


def _plan_times(
    plan: list[tuple[int, int, int]],
    start: tuple[int, float, bool],
    tt: Any,
    req: RequestArrays,
    fixed_s: float,
    per_pax_s: float,
) -> tuple[list[float], float]:
    """Event time of every plan entry and the time the plan ends.

    A pickup waits for its rider's earliest pickup (``t_submit``) and joins an
    open visit at its node only if that is no later than the visit's arrival.
    """
    pax = req.pax
    node, t, open_visit = start
    visit_arrival = t
    times = []
    for entry_node, r, kind in plan:
        earliest = float(req.t_submit[r]) if kind == PICKUP else -math.inf
        if entry_node != node or not open_visit or earliest > visit_arrival:
            visit_arrival = max(t + tt[node, entry_node], earliest)
            t = visit_arrival + fixed_s
            open_visit = True
        t = t + per_pax_s * pax[r]
        node = entry_node
        times.append(visit_arrival)
    return times, t


def _feasible(
    plan: list[tuple[int, int, int]],
    times: list[float],
    load0: int,
    capacity: int,
    req: RequestArrays,
    new: int,
) -> int:
    """Check a timed plan; return -1 if feasible, else the STAGE of the first failure.

    For the new request: a late pickup is STAGE_WAIT, a ride over its limit
    STAGE_MAX_RIDE, a drop-off after its latest drop-off STAGE_WALK; any
    entry overfilling the vehicle is STAGE_CAPACITY; for a passenger already
    planned, a late pickup is STAGE_OTHER_WAIT, a ride over the limit or a
    late drop-off STAGE_OTHER_RIDE.
    """
    load = load0
    picked: dict[int, float] = {}
    for (_node, r, kind), t in zip(plan, times, strict=True):
        if kind == PICKUP:
            load += int(req.pax[r])
            late = t > req.latest_pickup[r] + EPS_S
            if r == new and late:
                return kin.STAGE_WAIT
            if load > capacity:
                return kin.STAGE_CAPACITY
            if late:
                return kin.STAGE_OTHER_WAIT
            picked[r] = t
        else:
            load -= int(req.pax[r])
            t_pick = float(req.pickup_s[r]) if req.status[r] == R_ONBOARD else picked[r]
            too_long = t - t_pick > req.max_ride_s[r] + EPS_S
            too_late = t > req.latest_dropoff[r] + EPS_S
            if r == new and too_long:
                return kin.STAGE_MAX_RIDE
            if r == new and too_late:
                return kin.STAGE_WALK
            if too_long or too_late:
                return kin.STAGE_OTHER_RIDE
    return -1


def _drop_times(plan: list[tuple[int, int, int]], times: list[float]) -> dict[int, float]:
    """Drop-off time of every request of a timed plan."""
    return {r: t for (_n, r, kind), t in zip(plan, times, strict=True) if kind != PICKUP}


class _VehiclePlan:
    """A vehicle's plan as (node, request, kind) entries, timed from its next free position."""

    def __init__(
        self, net: Net, fleet: Fleet, veh: Vehicles, req: RequestArrays, v: int, now: float
    ) -> None:
        self.tt = net.time_s
        self.req = req
        self.capacity = int(fleet.capacity[v])
        self.fixed, self.per_pax = float(fleet.dwell_s[v]), float(fleet.per_pax_s[v])
        self.load = int(veh.load[v])
        self.start = _position_reference(veh, v, now)
        self.entries = [
            (int(veh.plan_node[v, k]), int(veh.plan_req[v, k]), int(veh.plan_kind[v, k]))
            for k in range(int(veh.plan_len[v]))
        ]
        old_times, self.end = self.times(self.entries)
        self.old_drop = _drop_times(self.entries, old_times)

    def times(self, entries: list[tuple[int, int, int]]) -> tuple[list[float], float]:
        return _plan_times(entries, self.start, self.tt, self.req, self.fixed, self.per_pax)

    def with_request(self, r: int, i: int, j: int) -> list[tuple[int, int, int]]:
        """The plan with request ``r`` picked up before entry ``i`` and dropped before ``j``."""
        p = (int(self.req.pickup_node[r]), r, PICKUP)
        d = (int(self.req.dropoff_node[r]), r, -PICKUP)
        e = self.entries
        return [*e[:i], p, *e[i:j], d, *e[j:]]

    def insertion(
        self, r: int, i: int, j: int, dispatch: DispatchParams
    ) -> tuple[int, float, float]:
        """(failing STAGE or -1, cost, pickup time) of one insertion."""
        cand = self.with_request(r, i, j)
        times, end = self.times(cand)
        failed = _feasible(cand, times, self.load, self.capacity, self.req, r)
        req = self.req
        wait = times[i] - float(req.t_submit[r])
        vehicle_time = end - self.end
        if dispatch.objective == OBJ_VEHICLE_TIME:
            return failed, vehicle_time + dispatch.wait_weight * wait, times[i]
        new_drop = _drop_times(cand, times)
        # the new riders' wait and ride, and the delay of every other drop-off
        added = int(req.pax[r]) * (new_drop[r] - float(req.t_submit[r]))
        for q, t_old in self.old_drop.items():
            added += int(req.pax[q]) * (new_drop[q] - t_old)
        if dispatch.objective == OBJ_PASSENGER_TIME:
            return failed, added, times[i]
        return failed, vehicle_time + dispatch.passenger_weight * added, times[i]


def _eval_vehicle_reference(
    net: Net,
    fleet: Fleet,
    veh: Vehicles,
    req: RequestArrays,
    dispatch: DispatchParams,
    v: int,
    r: int,
    now: float,
) -> tuple[float, int, int, int, float]:
    """Try every insertion of request ``r`` into vehicle ``v``'s plan, the slow way."""
    pooling = dispatch.pooling
    if req.pax[r] > int(fleet.capacity[v]):
        return math.inf, -1, -1, kin.STAGE_CAPACITY, math.inf
    plan = _VehiclePlan(net, fleet, veh, req, v, now)
    node, t = plan.start[0], plan.start[1]
    if t + plan.tt[node, req.pickup_node[r]] > req.latest_pickup[r] + EPS_S:
        return math.inf, -1, -1, kin.STAGE_WAIT, math.inf
    n = len(plan.entries)
    loads = [plan.load]
    for _node, q, kind in plan.entries:
        loads.append(loads[-1] + kind * int(req.pax[q]))
    best, bi, bj, btp = math.inf, -1, -1, math.inf
    stage = kin.STAGE_WAIT
    for i in range(n + 1):
        for j in range(i, n + 1 if pooling else i + 1):
            failed, cost, t_pick = plan.insertion(r, i, j, dispatch)
            if not pooling and loads[i] > 0:
                # without pooling the new passenger boards an empty vehicle only
                late = t_pick > req.latest_pickup[r] + EPS_S
                failed = kin.STAGE_WAIT if late else kin.STAGE_CAPACITY
            if failed >= 0:
                stage = max(stage, failed)
                continue
            if cost < best:
                best, bi, bj, btp = cost, i, j, t_pick
    return best, bi, bj, stage, btp


def insertion_cost_reference(
    net: Net,
    fleet: Fleet,
    veh: Vehicles,
    req: RequestArrays,
    dispatch: DispatchParams,
    v: int,
    r: int,
    i: int,
    j: int,
    now: float,
) -> float:
    """Cost of one given insertion, or inf if it breaks a limit."""
    failed, cost, _ = _VehiclePlan(net, fleet, veh, req, v, now).insertion(r, i, j, dispatch)
    return math.inf if failed >= 0 else cost


def best_insertion_reference(
    net: Net,
    fleet: Fleet,
    veh: Vehicles,
    req: RequestArrays,
    dispatch: DispatchParams,
    r: int,
    now: float,
    max_plan: int,
) -> tuple[int, int, int, float, int, float]:
    """Plain-Python twin of the numba insertion search, for tests and benchmarks.

    Returns
    -------
    vehicle, i, j, cost, stage, pickup_t
        As :func:`klshuttle._kernels.insertion.best_insertion`.
    """
    nearest_idle = dispatch.dispatcher == D_NEAREST_IDLE
    best, bv, bi, bj, btp = math.inf, -1, -1, -1, math.inf
    brank = len(veh.state)
    stage = kin.STAGE_NONE
    for v in range(len(veh.state)):
        if int(veh.state[v]) not in (V_IDLE, V_DRIVE, V_DWELL) or veh.plan_len[v] + 2 > max_plan:
            continue
        if nearest_idle and veh.plan_len[v] > 0:
            continue
        cost, i, j, st, tp = _eval_vehicle_reference(net, fleet, veh, req, dispatch, v, r, now)
        if nearest_idle and cost < math.inf:
            cost = tp - now
        if cost == math.inf:
            stage = max(stage, st)
            continue
        # equally cheap vehicles: the rotation by request index of the kernel
        rank = (v - r) % len(veh.state)
        if (cost, rank) < (best, brank):
            best, brank, bv, bi, bj, btp = cost, rank, v, i, j, tp
    return bv, bi, bj, best, stage, btp


# ---------------------------------------------------------------------- batch
def assign_batch(sim: SimulationState, now: float) -> None:
    """Assign every request waiting in a batch at time ``now``.

    First one request per vehicle by minimum total insertion cost
    (Hungarian method); then the rest in order of submission, each by
    cheapest insertion into the updated plans; requests no vehicle can take
    are rejected with the reason the search found.
    """
    req, veh = sim.req, sim.veh
    waiting = np.flatnonzero(req.status == R_WAITING).astype(np.int64)
    if waiting.size == 0:
        return
    cost, pos_i, pos_j, _ = kin.insertion_costs(
        sim.net, sim.fleet, veh, req, sim.dispatch, waiting, now, sim.max_plan
    )
    finite = np.isfinite(cost)
    done = np.zeros(waiting.size, dtype=bool)
    if finite.any():
        big = float(np.nanmax(np.where(finite, cost, np.nan))) * 10.0 + 1e6
        rows, cols = linear_sum_assignment(np.where(finite, cost, big))
        for a, v in zip(rows, cols, strict=True):
            if not finite[a, v]:
                continue
            r = int(waiting[a])
            # the pickup time of this insertion, for the promise
            _, _, _, _, tp = kin.eval_one(
                sim.net, sim.fleet, veh, req, sim.dispatch, int(v), r, now, sim.max_plan
            )
            ok = kloop.apply_insertion(
                sim.net, veh, req, sim.log, int(v), r, int(pos_i[a, v]), int(pos_j[a, v]), now, tp
            )
            sim.check_path(ok)
            done[a] = True
    for a in np.flatnonzero(~done):
        r = int(waiting[a])
        bv, bi, bj, _, stage, tp = kin.best_insertion(
            sim.net, sim.fleet, veh, req, sim.dispatch, r, now, sim.max_plan
        )
        if bv < 0:
            kloop.reject(req, sim.log, r, now, kloop.request_reason(req, r, stage))
        else:
            sim.check_path(
                kloop.apply_insertion(sim.net, veh, req, sim.log, bv, r, bi, bj, now, tp)
            )


# ---------------------------------------------------------------- rebalancing
class DemandRebalancer:
    """Move idle vehicles towards where requests came from recently.

    Every call (each ``rebalancing_interval_s``, with ``rebalancing = "demand"``) counts the requests
    submitted since the previous call near each target (stops, or depots),
    shares the idle vehicles among the targets in proportion to those counts
    (largest remainder), and sends them by minimum total driving time
    (Hungarian method). Vehicles already at a chosen target stay.

    Parameters
    ----------
    net
        Routing tables, or the contraction hierarchy (graphs too large for
        tables: the nearest target of a pickup node is then found when a
        request there first counts, by hierarchy queries).
    targets
        Candidate nodes to wait at (the service's stops).
    """

    def __init__(self, net: Net | SparseNet, targets: np.ndarray) -> None:
        self.targets = np.unique(np.asarray(targets, dtype=np.int32))
        self.net = net
        # the target each node's requests count for: the one that reaches it fastest
        if isinstance(net, SparseNet):
            self.target_of_node = np.full(net_nodes(net), -1, dtype=np.int64)  # -1: not yet
        else:
            self.target_of_node = np.argmin(net.time_s[self.targets, :], axis=0)
        self.last_s = -math.inf

    def _target_of(self, nodes: np.ndarray) -> np.ndarray:
        """The target each of ``nodes`` counts for (ties: the first target)."""
        missing = np.unique(nodes[self.target_of_node[nodes] < 0])
        if missing.size:
            times = travel_times(self.net, self.targets, missing)
            self.target_of_node[missing] = np.argmin(times, axis=0)
        return self.target_of_node[nodes]

    def __call__(self, sim: SimulationState, now: float) -> None:
        req, veh = sim.req, sim.veh
        recent = (req.t_submit > self.last_s) & (req.t_submit <= now)
        self.last_s = now
        idle = np.flatnonzero((veh.state == V_IDLE) & (veh.plan_len == 0))
        if idle.size == 0 or not recent.any():
            return
        weights = np.bincount(
            self._target_of(req.pickup_node[recent]), minlength=len(self.targets)
        ).astype(float)
        share = weights / weights.sum() * idle.size
        slots = np.floor(share).astype(np.int64)
        rest = idle.size - int(slots.sum())
        if rest > 0:
            # largest remainders first, ties by target order
            order = np.lexsort((np.arange(len(share)), -(share - slots)))
            slots[order[:rest]] += 1
        slot_nodes = np.repeat(self.targets, slots)
        cost = travel_times(self.net, veh.node[idle], slot_nodes)
        rows, cols = linear_sum_assignment(cost)
        for a, b in zip(rows, cols, strict=True):
            v, target = int(idle[a]), int(slot_nodes[b])
            if veh.node[v] != target:
                sim.check_path(kloop.start_rebalance(sim.net, veh, req, sim.log, v, target, now))
