"""The discrete-event loop of the on-demand simulation (numba).

Events come from two sources: the requests, sorted by release time (when the
dispatcher learns of them: the booking time of a prebooked ride, clipped to
the start of service; the ready time of an immediate one), and
one pending event per vehicle (arrival at the end of a leg, departure after a
dwell, start or end of service). The loop always takes the earliest; at equal
times vehicles go first (lowest index first), then requests. ``run_until``
stops before the first event later than its time limit, so Python can run
batch assignments, rebalancing and the progress bar between calls; it also
stops, with RUN_BUFFER_FULL, when the event buffers need to grow.

Vehicles change plans only at their next node: a driving vehicle that gets a
new first stop drives on to the next node of its path and turns there. Legs are
recorded as they are driven, a cut leg up to the node where it turned, so the
recorded legs of a vehicle join end to end.
"""

from __future__ import annotations

import numpy as np

from . import njit
from .insertion import (
    STAGE_CAPACITY,
    STAGE_MAX_RIDE,
    STAGE_OTHER_RIDE,
    STAGE_OTHER_WAIT,
    STAGE_WAIT,
    STAGE_WALK,
    best_insertion,
)
from .netops import fill_path, leg_end_time, leg_length, pair_time
from .simstate import (
    D_BATCH,
    DROPOFF,
    E_ARRIVE,
    E_ASSIGN,
    E_DEPART,
    E_DEPOT,
    E_DIVERT,
    E_DROPOFF,
    E_END,
    E_IDLE,
    E_PICKUP,
    E_REBALANCE,
    E_REJECT,
    E_REQUEST,
    E_START,
    LEG_DEPOT,
    LEG_REBALANCE,
    LEG_SERVICE,
    PICKUP,
    R_ASSIGNED,
    R_DONE,
    R_ONBOARD,
    R_REJECTED,
    R_WAITING,
    REBALANCE_DEPOT,
    RS_CAPACITY,
    RS_DEADLINE,
    RS_MAX_RIDE,
    RS_MAX_WAIT,
    RS_NO_VEHICLE,
    RS_OTHER_RIDE,
    RS_OTHER_WAIT,
    RS_OUTSIDE_HOURS,
    RS_WALKING,
    RUN_BUFFER_FULL,
    RUN_DONE,
    RUN_NO_PATH,
    V_DRIVE,
    V_DWELL,
    V_IDLE,
    V_OFF,
)
from .vehicles import vehicle_position


@njit
def emit(log, t, etype, v, r, node, load, info):
    """Append one event to the log."""
    k = log.n_ev[0]
    log.ev_t[k] = t
    log.ev_type[k] = etype
    log.ev_veh[k] = v
    log.ev_req[k] = r
    log.ev_node[k] = node
    log.ev_load[k] = load
    log.ev_info[k] = info
    log.n_ev[0] = k + 1


@njit
def record_leg(net, veh, req, log, v, t0, t1, a, b, kind, idx):
    """Record the driven part a -> b of vehicle ``v``'s leg, ``b`` its path node ``idx``.

    Logs the leg, its length and its road edges, and adds the length to every
    passenger on board.
    """
    if a == b:
        return
    k = log.n_leg[0]
    d = leg_length(net, veh, v, a, b, idx)
    log.lg_veh[k] = v
    log.lg_t0[k] = t0
    log.lg_t1[k] = t1
    log.lg_from[k] = a
    log.lg_to[k] = b
    log.lg_load[k] = veh.load[v]
    log.lg_kind[k] = kind
    log.lg_m[k] = d
    e0 = log.n_ed[0]
    for p in range(1, idx + 1):
        log.ed[e0 + p - 1] = veh.path_edge[v, p]
    log.lg_e0[k] = e0
    log.lg_e1[k] = e0 + idx
    log.n_ed[0] = e0 + idx
    log.n_leg[0] = k + 1
    for q in range(veh.n_onboard[v]):
        req.ride_m[veh.onboard[v, q]] += d


@njit
def start_leg(net, veh, v, a, b, t0, kind):
    """Start driving a -> b at t0 along the shortest path; False if there is none."""
    n = fill_path(net, veh, v, a, b)
    if n < 0:
        return False
    veh.path_t[v, 0] = t0
    veh.path_m[v, 0] = 0.0
    for p in range(1, n + 1):
        e = veh.path_edge[v, p]
        veh.path_t[v, p] = veh.path_t[v, p - 1] + net.edge_time_s[e]
        veh.path_m[v, p] = veh.path_m[v, p - 1] + net.edge_length_m[e]
    t1 = leg_end_time(net, veh, v, a, b, n, t0)
    veh.path_t[v, n] = t1
    veh.path_len[v] = n + 1
    veh.state[v] = V_DRIVE
    veh.node[v] = a
    veh.leg_kind[v] = kind
    veh.leg_from[v] = a
    veh.leg_to[v] = b
    veh.leg_t0[v] = t0
    veh.leg_t1[v] = t1
    veh.next_t[v] = t1
    return True


@njit
def _pop_front(veh, v):
    L = veh.plan_len[v]
    for k in range(1, L):
        veh.plan_node[v, k - 1] = veh.plan_node[v, k]
        veh.plan_req[v, k - 1] = veh.plan_req[v, k]
        veh.plan_kind[v, k - 1] = veh.plan_kind[v, k]
        veh.plan_tt[v, k - 1] = veh.plan_tt[v, k]
    veh.plan_len[v] = L - 1


@njit
def refresh_plan_tt(net, veh, v):
    """Recompute the drive times between consecutive plan entries of vehicle ``v``."""
    for k in range(1, veh.plan_len[v]):
        veh.plan_tt[v, k] = pair_time(net, veh.plan_node[v, k - 1], veh.plan_node[v, k])


@njit
def _execute_stop(veh, req, log, v, t):
    """Serve the leading plan entries at the vehicle's node; return passengers moved."""
    node = veh.node[v]
    moved = 0
    while veh.plan_len[v] > 0 and veh.plan_node[v, 0] == node:
        r = veh.plan_req[v, 0]
        if veh.plan_kind[v, 0] == PICKUP and req.t_submit[r] > t:
            break  # the rider is not ready yet: the vehicle waits for them
        pax = req.pax[r]
        if veh.plan_kind[v, 0] == DROPOFF:
            n = veh.n_onboard[v]
            for q in range(n):
                if veh.onboard[v, q] == r:
                    veh.onboard[v, q] = veh.onboard[v, n - 1]
                    break
            veh.n_onboard[v] = n - 1
            veh.load[v] -= pax
            req.status[r] = R_DONE
            req.dropoff_s[r] = t
            emit(log, t, E_DROPOFF, v, r, node, veh.load[v], 0)
        else:
            n = veh.n_onboard[v]
            if n > 0:
                req.pooled[r] = 1
                for q in range(n):
                    req.pooled[veh.onboard[v, q]] = 1
            veh.onboard[v, n] = r
            veh.n_onboard[v] = n + 1
            veh.load[v] += pax
            req.status[r] = R_ONBOARD
            req.pickup_s[r] = t
            emit(log, t, E_PICKUP, v, r, node, veh.load[v], 0)
        moved += pax
        _pop_front(veh, v)
    return moved


@njit
def _wait_for_pickup(veh, req, v, t):
    """Close the doors and wait at the stop for the leading pickup's earliest time.

    True if the leading plan entry is a pickup at this stop whose rider is not
    ready before ``t``.
    """
    if veh.plan_len[v] == 0 or veh.plan_node[v, 0] != veh.node[v]:
        return False
    r = veh.plan_req[v, 0]
    if veh.plan_kind[v, 0] != PICKUP or req.t_submit[r] <= t:
        return False
    veh.state[v] = V_DWELL
    veh.waiting[v] = 1
    veh.t_free[v] = req.t_submit[r]
    veh.next_t[v] = req.t_submit[r]
    return True


@njit
def _go_idle(net, fleet, veh, log, params, v, t):
    """The plan is empty: wait, return to the depot, or go off service."""
    node = veh.node[v]
    depot = fleet.depot[v]
    end = params.end_s[0]
    if t >= end or params.rebalancing[0] == REBALANCE_DEPOT:
        if node == depot:
            if t >= end:
                veh.state[v] = V_OFF
                veh.off_s[v] = t
                veh.next_t[v] = np.inf
                emit(log, t, E_END, v, -1, node, 0, 0)
                return True
        else:
            emit(log, t, E_DEPOT, v, -1, node, 0, depot)
            return start_leg(net, veh, v, node, depot, t, LEG_DEPOT)
    veh.state[v] = V_IDLE
    veh.next_t[v] = end if t < end else np.inf
    emit(log, t, E_IDLE, v, -1, node, 0, 0)
    return True


@njit
def _vehicle_event(net, fleet, veh, req, log, params, v, t):
    s = veh.state[v]
    if s == V_OFF:
        # start of service at the depot
        veh.state[v] = V_IDLE
        veh.node[v] = fleet.depot[v]
        emit(log, t, E_START, v, -1, veh.node[v], 0, 0)
        veh.next_t[v] = params.end_s[0]
        return True
    if s == V_DRIVE:
        a = veh.leg_from[v]
        b = veh.leg_to[v]
        kind = veh.leg_kind[v]
        record_leg(net, veh, req, log, v, veh.leg_t0[v], t, a, b, kind, veh.path_len[v] - 1)
        veh.node[v] = b
        if kind == LEG_SERVICE:
            emit(log, t, E_ARRIVE, v, -1, b, veh.load[v], 0)
            moved = _execute_stop(veh, req, log, v, t)
            if moved == 0 and _wait_for_pickup(veh, req, v, t):
                return True
            veh.state[v] = V_DWELL
            veh.t_free[v] = t + fleet.dwell_s[v] + fleet.per_pax_s[v] * moved
            veh.next_t[v] = veh.t_free[v]
            return True
        if veh.plan_len[v] > 0:  # cannot happen: plans divert the leg at once
            return start_leg(net, veh, v, b, veh.plan_node[v, 0], t, LEG_SERVICE)
        return _go_idle(net, fleet, veh, log, params, v, t)
    if s == V_DWELL:
        if _wait_for_pickup(veh, req, v, t):
            return True
        if veh.plan_len[v] > 0 and veh.plan_node[v, 0] == veh.node[v]:
            # passengers assigned to this stop while the doors were open, or the
            # riders the vehicle waited for (the doors open: a new fixed dwell)
            moved = _execute_stop(veh, req, log, v, t)
            veh.t_free[v] = t + fleet.per_pax_s[v] * moved
            if veh.waiting[v]:
                veh.t_free[v] += fleet.dwell_s[v]
                veh.waiting[v] = 0
            veh.next_t[v] = veh.t_free[v]
            return True
        veh.waiting[v] = 0
        if veh.plan_len[v] > 0:
            emit(log, t, E_DEPART, v, -1, veh.node[v], veh.load[v], veh.plan_node[v, 0])
            return start_leg(net, veh, v, veh.node[v], veh.plan_node[v, 0], t, LEG_SERVICE)
        return _go_idle(net, fleet, veh, log, params, v, t)
    # V_IDLE: the end-of-service check
    if veh.plan_len[v] == 0:
        return _go_idle(net, fleet, veh, log, params, v, t)
    veh.next_t[v] = np.inf
    return True


@njit
def redirect(net, veh, req, log, v, target, kind, now):
    """Send vehicle ``v`` to ``target`` from its next free position.

    An idle vehicle leaves at ``now``; a driving one turns at the next node of
    its path (the driven part is recorded as a leg); a dwelling one is left
    alone (it departs towards its plan when the doors close).
    """
    s = veh.state[v]
    if s == V_DWELL or s == V_OFF:
        return True
    if s == V_IDLE:
        return start_leg(net, veh, v, veh.node[v], target, now, kind)
    # driving
    if veh.leg_to[v] == target and veh.leg_kind[v] == kind:
        return True
    node, t, _, p = vehicle_position(veh, v, now)
    record_leg(net, veh, req, log, v, veh.leg_t0[v], t, veh.leg_from[v], node, veh.leg_kind[v], p)
    emit(log, now, E_DIVERT, v, -1, node, veh.load[v], target)
    return start_leg(net, veh, v, node, target, t, kind)


@njit
def apply_insertion(net, veh, req, log, v, r, i, j, now, pickup_t):
    """Put request ``r`` into vehicle ``v``'s plan at positions ``i`` and ``j``."""
    L = veh.plan_len[v]
    # shift entries from j on by two and entries i..j-1 by one
    for k in range(L - 1, j - 1, -1):
        veh.plan_node[v, k + 2] = veh.plan_node[v, k]
        veh.plan_req[v, k + 2] = veh.plan_req[v, k]
        veh.plan_kind[v, k + 2] = veh.plan_kind[v, k]
    for k in range(j - 1, i - 1, -1):
        veh.plan_node[v, k + 1] = veh.plan_node[v, k]
        veh.plan_req[v, k + 1] = veh.plan_req[v, k]
        veh.plan_kind[v, k + 1] = veh.plan_kind[v, k]
    veh.plan_node[v, i] = req.pickup_node[r]
    veh.plan_req[v, i] = r
    veh.plan_kind[v, i] = PICKUP
    veh.plan_node[v, j + 1] = req.dropoff_node[r]
    veh.plan_req[v, j + 1] = r
    veh.plan_kind[v, j + 1] = DROPOFF
    veh.plan_len[v] = L + 2
    refresh_plan_tt(net, veh, v)
    req.status[r] = R_ASSIGNED
    req.vehicle[r] = v
    req.assign_s[r] = now
    req.promised_pickup_s[r] = pickup_t
    emit(log, now, E_ASSIGN, v, r, req.pickup_node[r], veh.load[v], 0)
    if i == 0 and veh.state[v] != V_DWELL:
        return redirect(net, veh, req, log, v, veh.plan_node[v, 0], LEG_SERVICE, now)
    if i == 0 and veh.waiting[v]:
        veh.next_t[v] = now  # the vehicle waiting for a rider has something to do first
    return True


@njit
def reject(req, log, r, t, reason):
    """Reject request ``r`` with a reason code."""
    req.status[r] = R_REJECTED
    req.reason[r] = reason
    emit(log, t, E_REJECT, -1, r, req.pickup_node[r], 0, reason)


@njit
def stage_reason(stage):
    """Map an insertion search stage to a rejection reason."""
    if stage == STAGE_WAIT:
        return RS_MAX_WAIT
    if stage == STAGE_CAPACITY:
        return RS_CAPACITY
    if stage == STAGE_MAX_RIDE:
        return RS_MAX_RIDE
    if stage == STAGE_WALK:
        return RS_WALKING
    if stage == STAGE_OTHER_RIDE:
        return RS_OTHER_RIDE
    if stage == STAGE_OTHER_WAIT:
        return RS_OTHER_WAIT
    return RS_NO_VEHICLE


@njit
def request_reason(req, r, stage):
    """The rejection reason of request ``r`` whose insertion search ended at ``stage``.

    A latest drop-off that is the rider's deadline (a train to catch) gives
    ``RS_DEADLINE``, one that beats walking ``RS_WALKING``.
    """
    reason = stage_reason(stage)
    if reason == RS_WALKING and req.deadline[r]:
        return RS_DEADLINE
    return reason


@njit
def start_rebalance(net, veh, req, log, v, target, now):
    """Send an idle vehicle towards ``target`` (rebalancing)."""
    if veh.state[v] != V_IDLE or veh.plan_len[v] > 0 or veh.node[v] == target:
        return True
    emit(log, now, E_REBALANCE, v, -1, veh.node[v], 0, target)
    return start_leg(net, veh, v, veh.node[v], target, now, LEG_REBALANCE)


@njit
def run_until(net, fleet, veh, req, log, params, dispatch, clock, t_stop, max_plan, margin):
    """Process every event up to and including time ``t_stop``.

    Parameters
    ----------
    params : Params
        Service hours and rebalancing policy.
    dispatch : DispatchParams
        Dispatcher settings, passed on to the insertion search.
    t_stop : float
        Time limit; events later than this stay pending.
    max_plan : int
        Length of the plan buffers.
    margin : int
        Free event slots needed before handling another event.

    Returns
    -------
    int
        RUN_DONE, RUN_BUFFER_FULL (grow the buffers and call again) or RUN_NO_PATH.
    """
    nv = veh.state.shape[0]
    nr = req.t_submit.shape[0]
    start = params.start_s[0]
    end = params.end_s[0]
    batch = dispatch.dispatcher == D_BATCH
    while True:
        if (
            log.n_ev[0] + margin > log.ev_t.shape[0]
            or log.n_leg[0] + margin > log.lg_t0.shape[0]
            or log.n_ed[0] + veh.path_node.shape[1] > log.ed.shape[0]
        ):
            return RUN_BUFFER_FULL
        tv = np.inf
        v = -1
        for u in range(nv):
            if veh.next_t[u] < tv:
                tv = veh.next_t[u]
                v = u
        k = clock.next_req[0]
        tr = req.release_s[k] if k < nr else np.inf
        t = min(tv, tr)
        if t > t_stop or t == np.inf:
            clock.now[0] = max(clock.now[0], min(t_stop, t))
            return RUN_DONE
        clock.now[0] = t
        if tv <= tr:
            if not _vehicle_event(net, fleet, veh, req, log, params, v, t):
                return RUN_NO_PATH
            continue
        # a request is submitted
        clock.next_req[0] = k + 1
        emit(log, t, E_REQUEST, -1, k, req.pickup_node[k], req.pax[k], 0)
        if req.status[k] == R_REJECTED:  # rejected while prepared (no stop in reach, ...)
            emit(log, t, E_REJECT, -1, k, req.pickup_node[k], 0, req.reason[k])
            continue
        if req.t_submit[k] < start or req.t_submit[k] > end:
            reject(req, log, k, t, RS_OUTSIDE_HOURS)
            continue
        if batch:
            req.status[k] = R_WAITING
            continue
        bv, bi, bj, _cost, stage, tp = best_insertion(
            net, fleet, veh, req, dispatch, k, t, max_plan
        )
        if bv < 0:
            reject(req, log, k, t, request_reason(req, k, stage))
        elif not apply_insertion(net, veh, req, log, bv, k, bi, bj, t, tp):
            return RUN_NO_PATH


@njit
def table_leg_edges(pred_edge, edge_source, leg_from, leg_to):
    """The road edges of legs driven along the tables' fastest paths (travel order).

    For logs that did not record their legs' edges (line service on the
    all-pairs tables): leg ``g``'s edges are ``edges[start[g]:end[g]]``, walked
    back from its end through the predecessor edges of row ``leg_from[g]``.
    """
    ng = leg_from.shape[0]
    start = np.zeros(ng, dtype=np.int64)
    end = np.zeros(ng, dtype=np.int64)
    total = 0
    for g in range(ng):
        a = leg_from[g]
        x = leg_to[g]
        start[g] = total
        while x != a:
            e = pred_edge[a, x]
            if e < 0:
                break
            total += 1
            x = edge_source[e]
        end[g] = total
    edges = np.empty(total, dtype=np.int32)
    for g in range(ng):
        a = leg_from[g]
        x = leg_to[g]
        i = end[g]
        while i > start[g]:
            e = pred_edge[a, x]
            i -= 1
            edges[i] = e
            x = edge_source[e]
    return start, end, edges


@njit
def link_loads(leg_e0, leg_e1, edges, leg_load, n_edges):
    """Vehicle passages and passenger passages per edge, from the legs' edges.

    Leg ``g`` drove ``edges[leg_e0[g]:leg_e1[g]]`` with ``leg_load[g]`` on board.

    Returns
    -------
    passages : ndarray of int64, shape (n_edges,)
        Vehicle passages of each edge.
    pax_passages : ndarray of int64, shape (n_edges,)
        Passengers on board summed over the passages.
    """
    passages = np.zeros(n_edges, dtype=np.int64)
    pax_passages = np.zeros(n_edges, dtype=np.int64)
    for g in range(leg_e0.shape[0]):
        for i in range(leg_e0[g], leg_e1[g]):
            e = edges[i]
            passages[e] += 1
            pax_passages[e] += leg_load[g]
    return passages, pax_passages


@njit
def link_riders(
    leg_indptr,
    leg_t0_s,
    leg_t1_s,
    leg_e0,
    leg_e1,
    edges,
    leg_load,
    req_vehicle,
    req_pickup_s,
    req_dropoff_s,
    n_edges,
):
    """Distinct requests on board per edge, from the legs' edges.

    A request rides the legs of its vehicle that start at or after its pickup
    and end at or before its drop-off (and carry a load); it counts once per
    edge however often its vehicle passes there.

    Parameters
    ----------
    leg_indptr
        Legs ``leg_indptr[v]:leg_indptr[v + 1]`` are vehicle ``v``'s (legs
        sorted vehicle by vehicle).
    leg_e0, leg_e1, edges
        Leg ``g`` drove ``edges[leg_e0[g]:leg_e1[g]]``.
    req_vehicle, req_pickup_s, req_dropoff_s
        Per request: its vehicle (-1: never served) and pickup and drop-off
        times (NaN: not picked up or not dropped off).

    Returns
    -------
    ndarray of int64, shape (n_edges,)
        Requests whose ride covers each edge.
    """
    riders = np.zeros(n_edges, dtype=np.int64)
    last = np.full(n_edges, -1, dtype=np.int64)
    for r in range(req_vehicle.shape[0]):
        v = req_vehicle[r]
        t_in = req_pickup_s[r]
        t_out = req_dropoff_s[r]
        if v < 0 or not (t_in <= t_out):  # also False for NaN
            continue
        for g in range(leg_indptr[v], leg_indptr[v + 1]):
            if leg_load[g] <= 0 or leg_t0_s[g] < t_in or leg_t1_s[g] > t_out:
                continue
            for i in range(leg_e0[g], leg_e1[g]):
                e = edges[i]
                if last[e] != r:
                    last[e] = r
                    riders[e] += 1
    return riders
