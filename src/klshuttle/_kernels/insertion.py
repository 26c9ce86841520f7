"""Cheapest feasible insertion of a request into vehicle plans (numba).

A plan is a sequence of entries (node, request, pickup or drop-off). Starting
from the vehicle's next free position, a plan is timed like this: consecutive
entries at one node form one stop visit; a visit costs the drive from the
previous node, a fixed dwell and a per-passenger time for every boarding or
alighting passenger. Every entry of a visit happens at the visit's arrival time.
A dwelling vehicle's open visit can take more entries without a new fixed dwell.

A pickup cannot happen before its request's earliest pickup, the time the
rider is ready (``t_submit``: a prebooked ride's booked time, a train's
arrival plus the walk inside the station): a visit whose first entry is such a
pickup opens at max(arrival, earliest pickup) - the vehicle waits there - and
a pickup joins an already open visit at its node only if its earliest pickup
is no later than that visit's arrival (otherwise it opens a new visit at the
same node, with a new fixed dwell). A vehicle waiting for an earliest pickup
(``veh.waiting``) has its doors closed and can leave at once.

An insertion puts the new pickup before old entry ``i`` and the new drop-off
before old entry ``j`` (``0 <= i <= j <= L``). It is feasible when capacity
holds after every entry, every pickup happens no later than its request's
latest pickup time, every passenger's ride (drop-off time minus pickup time)
stays within their maximum ride time and every drop-off happens no later than
the request's latest drop-off (when walking the whole way would be faster;
inf unless the service refuses such rides), also for passengers already on
board.

The cost depends on ``dispatch.objective``:

``OBJ_VEHICLE_TIME``
    how much later the vehicle finishes its plan, plus ``wait_weight`` times
    the new passenger's wait (MATSim DRT's default with ``wait_weight`` 0);
``OBJ_PASSENGER_TIME``
    the passenger time the insertion adds: the new passengers' wait plus ride
    (drop-off time minus submission time) and, for every request already in
    the plan, its passengers times the delay of its drop-off (the added wait
    plus the added ride of everyone whose pickup or drop-off the insertion
    delays: the total delay of Alonso-Mora et al. 2017, PNAS 114(3));
``OBJ_WEIGHTED``
    the extra vehicle time plus ``passenger_weight`` times that passenger time.

When no insertion is feasible the search reports a STAGE_* for the rejection
reason: each candidate insertion fails at its first broken limit in plan
order, and the search reports the highest stage any candidate reached, in the
order STAGE_WAIT < STAGE_CAPACITY < STAGE_MAX_RIDE < STAGE_WALK <
STAGE_OTHER_RIDE < STAGE_OTHER_WAIT (a later stage: the new rider's own limits
held further).

Equally cheap vehicles are told apart by :func:`tie_rank`, a rotation by the
request's index, so ties go round the fleet instead of to the lowest index.
The search over vehicles runs on ``dispatch.threads`` threads (numba prange,
one workspace per thread, one offer per vehicle), and the offers are reduced
in vehicle order as the serial loop reduces them: the same choice whatever the
thread count.

The plain-Python twin in :mod:`klshuttle.dispatch` follows the same steps;
tests check that both choose the same vehicle, positions and cost, and an
exhaustive enumeration written apart from both
(tests/test_dispatch_enumeration.py) checks the cost.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from . import njit, njit_parallel
from .netops import first_time, request_rows
from .simstate import (
    D_NEAREST_IDLE,
    EPS_S,
    OBJ_PASSENGER_TIME,
    OBJ_VEHICLE_TIME,
    PICKUP,
    R_ONBOARD,
)
from .vehicles import vehicle_available, vehicle_position

# How far a failed insertion search got, for the rejection reason (the
# highest stage any candidate insertion reached; see the module docstring).
STAGE_NONE = -1  # no vehicle could be considered
STAGE_WAIT = 0  # the new rider's pickup is too late
STAGE_CAPACITY = 1  # in time, but no room
STAGE_MAX_RIDE = 2  # the new rider's ride would exceed their limit
STAGE_WALK = 3  # the new rider would arrive later than walking the whole way
STAGE_OTHER_RIDE = 4  # a rider already planned would ride too long (or arrive too late)
STAGE_OTHER_WAIT = 5  # a rider already planned would be picked up too late
STAGE_TOP = STAGE_OTHER_WAIT


@njit
def _visit(t, va, merge, tt_s, pax, fixed_s, per_pax_s, earliest):
    """Time one plan entry: returns (departure so far, visit arrival).

    ``merge`` means the entry is at the node of an open visit; it joins it if
    its ``earliest`` time (a pickup's earliest pickup, -inf for a drop-off) is
    no later than the visit's arrival ``va``. Otherwise the vehicle drives
    ``tt_s``, waits until ``earliest`` if it is early, and opens a new visit
    with the fixed dwell.
    """
    if not merge or earliest > va:
        va = t + tt_s
        if earliest > va:
            va = earliest
        t = va + fixed_s
    t = t + per_pax_s * pax
    return t, va


@njit
def new_work(max_plan):
    """Work arrays for :func:`eval_vehicle` (allocate once, reuse for every vehicle)."""
    n = max_plan + 1
    return (
        np.empty(n),  # pre_t: departure so far after each old entry
        np.empty(n),  # pre_va: event (visit arrival) time of each old entry
        np.empty(n, dtype=np.int64),  # pre_load: load after each old entry
        np.empty(n),  # leg_tt: drive from the previous old entry's node
        np.empty(n),  # slack: suffix minimum of the old entries' slack
        np.empty(n),  # to_d: drive from each old entry's node to the new drop-off
        np.empty(n),  # from_d: drive from the new drop-off to each old entry's node
        np.empty(n, dtype=np.int64),  # next_visit: first later entry opening a new visit
        np.empty(n),  # drop_pax: passengers alighting at each old entry and after it
        np.empty(n, dtype=np.bool_),  # waits: an earliest pickup binds at or after each old entry
        np.empty(n),  # early: earliest time of each old entry (-inf for a drop-off)
    )


@njit
def _drop_limit_ok(req, q, va, t_pick):
    """True if request ``q`` may alight at ``va`` after boarding at ``t_pick``."""
    return va - t_pick <= req.max_ride_s[q] + EPS_S and va <= req.latest_dropoff[q] + EPS_S


@njit
def _cost_weights(dispatch):
    """(vehicle-time weight, new-rider wait weight, passenger-time weight) of the objective."""
    if dispatch.objective == OBJ_VEHICLE_TIME:
        return 1.0, dispatch.wait_weight, 0.0
    if dispatch.objective == OBJ_PASSENGER_TIME:
        return 0.0, 0.0, 1.0
    return 1.0, 0.0, dispatch.passenger_weight


@njit
def eval_vehicle(net, fleet, veh, req, dispatch, v, r, now, work, rows):
    """Cheapest feasible insertion of request ``r`` into vehicle ``v``'s plan.

    ``dispatch`` is a :class:`~.simstate.DispatchParams`; ``work`` comes from
    :func:`new_work` with at least the plan's length; ``rows`` are the times
    from and to the request's pickup and drop-off (:func:`.netops.request_rows`).
    Without ``dispatch.pooling`` the new passenger boards an empty vehicle and alights
    before anyone else boards. The search is O(L^2) for a plan of L entries: candidate drop-off
    positions share the timing of the entries before them, and once the
    candidate and the old plan open a new visit at the same node, every later
    entry is late by the same delay, checked against the suffix minimum of
    the old entries' slack (an exact entry-by-entry check follows only when
    that bound is not enough); the passenger time of that shifted tail is the
    delay times the passengers alighting in it.

    Returns
    -------
    cost : float
        The objective's cost (module docstring); inf if infeasible.
    i, j : int
        Insert the pickup before old entry ``i``, the drop-off before old entry ``j``.
    stage : int
        How far the best failed candidate got (STAGE_*), if infeasible.
    pickup_t : float
        Planned pickup time of the chosen insertion.
    """
    pooling = dispatch.pooling
    w_veh, w_wait, w_pax = _cost_weights(dispatch)
    cap = fleet.capacity[v]
    fixed = fleet.dwell_s[v]
    pp = fleet.per_pax_s[v]
    P = req.pickup_node[r]
    D = req.dropoff_node[r]
    from_p, to_p, from_d_row, to_d_row = rows
    pax = req.pax[r]
    lp = req.latest_pickup[r] + EPS_S
    mr = req.max_ride_s[r] + EPS_S
    ld = req.latest_dropoff[r] + EPS_S
    t_sub = req.t_submit[r]
    best = np.inf
    bi = -1
    bj = -1
    btp = np.inf
    if pax > cap:
        return best, bi, bj, STAGE_CAPACITY, btp
    pos, pos_t, open0, _ = vehicle_position(veh, v, now)
    if pos_t + to_p[pos] > lp:
        return best, bi, bj, STAGE_WAIT, btp
    pre_t, pre_va, pre_load, leg_tt, slack, to_d, from_d, next_visit, drop_pax, waits, early = work
    L = veh.plan_len[v]
    load0 = veh.load[v]
    # timing of the old plan
    t = pos_t
    va = pos_t
    prev = pos
    opn = open0
    load = load0
    for k in range(L):
        nd = veh.plan_node[v, k]
        q = veh.plan_req[v, k]
        leg_tt[k] = veh.plan_tt[v, k] if k > 0 else first_time(net, v, pos, nd)
        # earliest time of the entry: a pickup's earliest pickup, -inf for a drop-off
        e = req.t_submit[q] if veh.plan_kind[v, k] == PICKUP else -np.inf
        early[k] = e
        mg = nd == prev and opn
        # the vehicle waits for this pickup: a delay before it may shrink the wait
        waits[k] = e > va if mg else e > t + leg_tt[k]
        t, va = _visit(t, va, mg, leg_tt[k], req.pax[q], fixed, pp, e)
        opn = True
        prev = nd
        load += req.pax[q] * veh.plan_kind[v, k]
        if veh.plan_kind[v, k] == PICKUP:
            req.scratch_t[q] = va
            slack[k] = req.latest_pickup[q] - va
        else:
            t_pick = req.pickup_s[q] if req.status[q] == R_ONBOARD else req.scratch_t[q]
            slack[k] = min(req.max_ride_s[q] - (va - t_pick), req.latest_dropoff[q] - va)
        pre_t[k] = t
        pre_va[k] = va
        pre_load[k] = load
        to_d[k] = to_d_row[nd]
        from_d[k] = from_d_row[nd]
    old_end = t
    next_visit[L] = L
    slack[L] = np.inf
    drop_pax[L] = 0.0
    waits[L] = False
    for k in range(L - 1, -1, -1):
        slack[k] = min(slack[k], slack[k + 1])
        waits[k] = waits[k] or waits[k + 1]
        if k >= 1 and veh.plan_node[v, k] != veh.plan_node[v, k - 1]:
            next_visit[k] = k
        else:
            next_visit[k] = next_visit[k + 1]
        alight = req.pax[veh.plan_req[v, k]] if veh.plan_kind[v, k] != PICKUP else 0
        drop_pax[k] = drop_pax[k + 1] + alight
    tt_pd = from_p[D]
    stage = STAGE_WAIT
    for i in range(L + 1):
        if i > 0:
            if pre_va[i - 1] > lp:
                break  # every later pickup happens even later
            # entry i-1 joins the unchanged prefix; an earlier candidate may
            # have overwritten its pickup time
            if veh.plan_kind[v, i - 1] == PICKUP:
                req.scratch_t[veh.plan_req[v, i - 1]] = pre_va[i - 1]
            t0, va0, prev0, load_i = (
                pre_t[i - 1],
                pre_va[i - 1],
                veh.plan_node[v, i - 1],
                pre_load[i - 1],
            )
            merge = prev0 == P
        else:
            t0, va0, prev0, load_i = pos_t, pos_t, pos, load0
            merge = pos == P and open0
        # the new pickup
        tm, tp = _visit(t0, va0, merge, to_p[prev0], pax, fixed, pp, t_sub)
        if tp > lp:
            continue
        if load_i + pax > cap or (not pooling and load_i > 0):
            stage = max(stage, STAGE_CAPACITY)
            continue
        # middle: old entries i..j-1 ride along with the new passenger on board
        mprev = P
        mva = tp
        mload = load_i + pax
        mid_pt = 0.0  # passenger time added by delayed drop-offs of the middle
        for j in range(i, L + 1):
            if j > i:
                if not pooling:
                    break
                k = j - 1
                nd = veh.plan_node[v, k]
                q = veh.plan_req[v, k]
                tt_k = leg_tt[k] if k > i else from_p[nd]
                tm, mva = _visit(tm, mva, nd == mprev, tt_k, req.pax[q], fixed, pp, early[k])
                mprev = nd
                mid_stage = STAGE_NONE
                if veh.plan_kind[v, k] == PICKUP:
                    mload += req.pax[q]
                    if mload > cap:
                        mid_stage = STAGE_CAPACITY
                    elif mva > req.latest_pickup[q] + EPS_S:
                        mid_stage = STAGE_OTHER_WAIT
                    req.scratch_t[q] = mva
                else:
                    mload -= req.pax[q]
                    t_pick = req.pickup_s[q] if req.status[q] == R_ONBOARD else req.scratch_t[q]
                    if not _drop_limit_ok(req, q, mva, t_pick):
                        mid_stage = STAGE_OTHER_RIDE
                    mid_pt += req.pax[q] * (mva - pre_va[k])
                if mid_stage != STAGE_NONE:
                    # every later drop-off position keeps this entry in the middle
                    stage = max(stage, mid_stage)
                    break
            # the new drop-off
            tt_d = tt_pd if j == i else to_d[j - 1]
            ts, td = _visit(tm, mva, mprev == D, tt_d, pax, fixed, pp, -np.inf)
            if td - tp > mr or td > ld:
                # the drop-off only gets later further down the plan (triangle
                # inequality of shortest paths): later j fail here too, or at
                # a middle entry before, which only matters for the stage
                stage = max(stage, STAGE_MAX_RIDE if td - tp > mr else STAGE_WALK)
                if best < np.inf or stage == STAGE_TOP:
                    break
                continue
            # suffix: old entries j..L-1; exact up to the first entry that opens
            # a new visit in both plans, from there on all late by one delay
            sprev = D
            sva = td
            ok = True
            suf_pt = 0.0
            shift_from = next_visit[j + 1] if j < L else L
            if shift_from < L and waits[shift_from]:
                shift_from = L + 1  # a wait may absorb the delay: check one by one
            k = j
            while k < L:
                if k == shift_from:
                    delay = ts - pre_t[k - 1]
                    # (a delay < 0 beyond rounding: the insertion let a waiting
                    # pickup join an earlier visit; later entries may then
                    # wait, so go exact)
                    if -EPS_S <= delay <= slack[k] + EPS_S:
                        ts = pre_t[L - 1] + delay
                        suf_pt += delay * drop_pax[k]
                        break
                    shift_from = L + 1  # not enough slack everywhere: check one by one
                nd = veh.plan_node[v, k]
                q = veh.plan_req[v, k]
                tt_k = from_d[k] if k == j else leg_tt[k]
                ts, sva = _visit(ts, sva, nd == sprev, tt_k, req.pax[q], fixed, pp, early[k])
                sprev = nd
                if veh.plan_kind[v, k] == PICKUP:
                    if sva > req.latest_pickup[q] + EPS_S:
                        stage = max(stage, STAGE_OTHER_WAIT)
                        ok = False
                        break
                    req.scratch_t[q] = sva
                else:
                    t_pick = req.pickup_s[q] if req.status[q] == R_ONBOARD else req.scratch_t[q]
                    if not _drop_limit_ok(req, q, sva, t_pick):
                        stage = max(stage, STAGE_OTHER_RIDE)
                        ok = False
                        break
                    suf_pt += req.pax[q] * (sva - pre_va[k])
                k += 1
            if not ok:
                continue
            cost = w_veh * (ts - old_end) + w_wait * (tp - t_sub)
            if w_pax != 0.0:
                cost += w_pax * (pax * (td - t_sub) + mid_pt + suf_pt)
            if cost < best:
                best = cost
                bi = i
                bj = j
                btp = tp
    return best, bi, bj, stage, btp


@njit
def tie_rank(v, r, nv):
    """Rank of vehicle ``v`` among equally cheap ones for request ``r`` (lower wins).

    A rotation by the request index: request ``r`` prefers vehicle ``r mod nv``,
    then the following ones, so successive ties go round the fleet instead of
    always to vehicle 0, and the choice stays deterministic.
    """
    return (v - r) % nv


@njit
def best_insertion(net, fleet, veh, req, dispatch, r, now, max_plan):
    """Search all vehicles for the cheapest feasible insertion of request ``r``.

    Every vehicle's offer (:func:`vehicle_offers`, on ``dispatch.threads``
    threads) is reduced here in vehicle order by (cost, :func:`tie_rank`),
    so the choice, its cost and the stage are the same whatever the thread
    count.

    Returns
    -------
    vehicle, i, j : int
        The chosen vehicle and insertion positions (-1 if none is feasible).
    cost : float
        Cost of the insertion (the objective's), inf if none. Equally cheap
        vehicles are ranked by :func:`tie_rank`.
    stage : int
        How far the search got (STAGE_*), for the rejection reason.
    pickup_t : float
        Planned pickup time.
    """
    nv = veh.state.shape[0]
    if min(dispatch.threads, nv) <= 1:
        return _best_insertion_serial(net, fleet, veh, req, dispatch, r, now, max_plan)
    o_cost, o_i, o_j, o_stage, o_tp = vehicle_offers(
        net, fleet, veh, req, dispatch, r, now, max_plan
    )
    best = np.inf
    brank = nv
    bv = -1
    bi = -1
    bj = -1
    btp = np.inf
    stage = STAGE_NONE
    for v in range(nv):
        cost = o_cost[v]
        if cost == np.inf:
            if o_stage[v] > stage:
                stage = o_stage[v]
            continue
        rank = tie_rank(v, r, nv)
        if cost < best or (cost == best and rank < brank):
            best = cost
            brank = rank
            bv = v
            bi = o_i[v]
            bj = o_j[v]
            btp = o_tp[v]
    return bv, bi, bj, best, stage, btp


@njit
def _best_insertion_serial(net, fleet, veh, req, dispatch, r, now, max_plan):
    """:func:`best_insertion` on one thread: each offer reduced as it is made.

    The same reduction by (cost, :func:`tie_rank`) in vehicle order as the
    parallel search, without the per-vehicle offer arrays (which made the
    serial search about 40 % slower).
    """
    nv = veh.state.shape[0]
    best = np.inf
    brank = nv
    bv = -1
    bi = -1
    bj = -1
    btp = np.inf
    stage = STAGE_NONE
    nearest_idle = dispatch.dispatcher == D_NEAREST_IDLE
    rows = request_rows(net, veh, req, r, now, max_plan, nearest_idle)
    work = new_work(max_plan)
    for v in range(nv):
        # (the candidate test is written out here and in _fill_offers: a helper
        # function between the loop and eval_vehicle passed every table again
        # per vehicle and made the search about 40 % slower)
        if not vehicle_available(veh, v, max_plan):
            continue
        if nearest_idle and veh.plan_len[v] > 0:
            continue
        cost, i, j, st, tp = eval_vehicle(net, fleet, veh, req, dispatch, v, r, now, work, rows)
        if nearest_idle and cost < np.inf:
            # the baseline ranks idle vehicles by how soon they reach the pickup
            cost = tp - now
        if cost == np.inf:
            if st > stage:
                stage = st
            continue
        rank = tie_rank(v, r, nv)
        if cost < best or (cost == best and rank < brank):
            best = cost
            brank = rank
            bv = v
            bi = i
            bj = j
            btp = tp
    return bv, bi, bj, best, stage, btp


@njit
def _fill_offers(net, fleet, veh, req, dispatch, r, now, max_plan, first, step, offers, rows):
    """Offers of vehicles ``first, first + step, ...`` into ``offers`` (one workspace)."""
    o_cost, o_i, o_j, o_stage, o_tp = offers
    nearest_idle = dispatch.dispatcher == D_NEAREST_IDLE
    work = new_work(max_plan)
    for v in range(first, veh.state.shape[0], step):
        if not vehicle_available(veh, v, max_plan) or (nearest_idle and veh.plan_len[v] > 0):
            # a vehicle the dispatcher does not consider
            cost, i, j, st, tp = np.inf, -1, -1, STAGE_NONE, np.inf
        else:
            cost, i, j, st, tp = eval_vehicle(net, fleet, veh, req, dispatch, v, r, now, work, rows)
            if nearest_idle and cost < np.inf:
                # the baseline ranks idle vehicles by how soon they reach the pickup
                cost = tp - now
        o_cost[v] = cost
        o_i[v] = i
        o_j[v] = j
        o_stage[v] = st
        o_tp[v] = tp


@njit
def vehicle_offers(net, fleet, veh, req, dispatch, r, now, max_plan):
    """Every vehicle's offer for request ``r`` (as :func:`eval_vehicle` makes it), serial or parallel.

    With ``dispatch.threads`` > 1 the vehicles are dealt round-robin to that
    many parts (vehicle ``v`` to part ``v mod threads``, which mixes long and
    short plans), searched in parallel (:func:`_offers_parallel`), each part
    with its own workspace and writing only its vehicles' entries.

    Returns
    -------
    cost, i, j, stage, pickup_t : ndarray, shape (n_vehicles,)
        Each vehicle's offer.
    """
    nv = veh.state.shape[0]
    offers = (
        np.empty(nv),
        np.empty(nv, dtype=np.int64),
        np.empty(nv, dtype=np.int64),
        np.empty(nv, dtype=np.int64),
        np.empty(nv),
    )
    parts = min(dispatch.threads, nv)
    rows = request_rows(
        net, veh, req, r, now, max_plan, dispatch.dispatcher == D_NEAREST_IDLE
    )  # before the threads start: only they write the network's caches
    if parts > 1:
        _offers_parallel(net, fleet, veh, req, dispatch, r, now, max_plan, parts, offers, rows)
    else:
        _fill_offers(net, fleet, veh, req, dispatch, r, now, max_plan, 0, 1, offers, rows)
    return offers


@njit_parallel
def _offers_parallel(net, fleet, veh, req, dispatch, r, now, max_plan, parts, offers, rows):
    """:func:`_fill_offers` of ``parts`` round-robin parts in a numba prange.

    :func:`eval_vehicle` writes scratch times only of requests in the plan of
    the vehicle it evaluates, and a request is in at most one plan, so no two
    parts write the same memory.
    """
    for c in prange(parts):
        _fill_offers(net, fleet, veh, req, dispatch, r, now, max_plan, c, parts, offers, rows)


@njit
def eval_one(net, fleet, veh, req, dispatch, v, r, now, max_plan):
    """:func:`eval_vehicle` of one vehicle, with its own rows and workspace (for Python)."""
    rows = request_rows(net, veh, req, r, now, max_plan, False)
    return eval_vehicle(net, fleet, veh, req, dispatch, v, r, now, new_work(max_plan), rows)


@njit
def insertion_costs(net, fleet, veh, req, dispatch, rs, now, max_plan):
    """Cheapest insertion of each request of ``rs`` into each vehicle (for batches).

    Returns
    -------
    cost : ndarray, shape (len(rs), n_vehicles)
        inf where infeasible.
    pos_i, pos_j : ndarray of int64, same shape
    stage : ndarray of int64, shape (len(rs),)
        Best stage reached per request.
    """
    nv = veh.state.shape[0]
    nr = rs.shape[0]
    cost = np.full((nr, nv), np.inf)
    pos_i = np.full((nr, nv), -1, dtype=np.int64)
    pos_j = np.full((nr, nv), -1, dtype=np.int64)
    stage = np.full(nr, STAGE_NONE, dtype=np.int64)
    work = new_work(max_plan)
    for a in range(nr):
        r = rs[a]
        rows = request_rows(net, veh, req, r, now, max_plan, False)
        for v in range(nv):
            if not vehicle_available(veh, v, max_plan):
                continue
            c, i, j, st, _ = eval_vehicle(net, fleet, veh, req, dispatch, v, r, now, work, rows)
            cost[a, v] = c
            pos_i[a, v] = i
            pos_j[a, v] = j
            if c == np.inf and st > stage[a]:
                stage[a] = st
    return cost, pos_i, pos_j, stage
