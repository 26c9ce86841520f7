"""The insertion kernel against an exhaustive enumeration on small random instances.

This check shares no code with the kernel or with its plain-Python twin
(:mod:`klshuttle.dispatch`): it has its own plan timing on a hand-made travel
time matrix (shortest paths by Floyd-Warshall over random arcs), tries every
order that keeps a vehicle's plan and puts the new pickup somewhere before
the new drop-off, and keeps the cheapest feasible one under each objective's
written definition (a rider is never picked up before they are ready,
``t_submit``: a bus that comes early waits, and a pickup joins the visit of
the entry before it only if the rider is ready by that visit's arrival):

* ``vehicle_time``: how much later the vehicle's plan ends, plus
  ``wait_weight`` x the new rider's wait;
* ``passenger_time``: the new riders' wait plus ride, plus, for every request
  already planned, its passengers x how much later it is dropped off (the
  added wait plus added ride of every rider the insertion delays);
* ``weighted``: the vehicle time plus ``passenger_weight`` x that passenger time.

All times are multiples of 0.25 s and all limits sit 0.125 s off that grid, so
costs compare exactly and no limit is met with equality. The kernel must find
the same cost, a vehicle and positions that cost that much, the fair tie-break
among equally cheap vehicles, and, when nothing is feasible, the rejection
stage of the furthest candidate.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klshuttle._kernels import insertion as kin
from klshuttle._kernels.simstate import (
    DispatchParams,
    Fleet,
    Net,
    RequestArrays,
    Vehicles,
)
from klshuttle.dispatch import OBJECTIVES

MAX_PLAN = 16
IDLE, DRIVE, DWELL, WAITING = "idle", "drive", "dwell", "waiting"
# the kernels' codes of vehicle states and request states (simstate); a bus
# waiting for a rider, doors closed, dwells with its waiting flag set
_VSTATE = {IDLE: 1, DRIVE: 2, DWELL: 3, WAITING: 3}
_ASSIGNED, _ONBOARD = 2, 3

# rejection stages by the limit that breaks, in the documented order
WAIT, CAPACITY, MAX_RIDE, WALK, OTHER_RIDE, OTHER_WAIT = range(6)


@dataclass
class Rider:
    pickup: int
    dropoff: int
    pax: int
    t_submit: float
    latest_pickup: float = math.inf
    max_ride: float = math.inf
    latest_dropoff: float = math.inf
    picked_at: float = math.nan  # on board: when they boarded
    onboard: bool = False


@dataclass
class Bus:
    state: str
    node: int  # where it stands, or the node its leg ends at
    t: float  # when it is free there (dwell end, or leg arrival)
    leg_from: int = -1
    leg_t0: float = 0.0
    plan: list[tuple[int, int, int]] = field(default_factory=list)  # (node, rider, +1 / -1)


@dataclass
class Instance:
    tt: list[list[float]]
    now: float
    capacity: int
    dwell_s: float
    per_pax_s: float
    buses: list[Bus]
    riders: list[Rider]  # the last one is the new request


# ------------------------------------------------------------- the oracle
def timeline(bus: Bus, plan, inst: Instance):
    """Arrival time of every entry and the time the plan ends, entry by entry."""
    node, t = bus.node, bus.t
    door_open = bus.state == DWELL
    arrival = t
    out = []
    for n, q, kind in plan:
        ready = inst.riders[q].t_submit if kind > 0 else -math.inf
        if n != node or not door_open or ready > arrival:
            arrival = max(t + inst.tt[node][n], ready)
            t = arrival + inst.dwell_s
            door_open = True
        t += inst.per_pax_s * inst.riders[q].pax
        node = n
        out.append(arrival)
    return out, t


def first_broken_limit(bus: Bus, plan, times, inst: Instance, new: int) -> int | None:
    """None if every limit holds, else the stage of the first limit broken in plan order."""
    load = sum(inst.riders[q].pax for q in range(len(inst.riders)) if _on(bus, q, inst))
    boarded = {}
    for (_n, q, kind), t in zip(plan, times, strict=True):
        rd = inst.riders[q]
        if kind > 0:
            load += rd.pax
            late = t > rd.latest_pickup
            if q == new and late:
                return WAIT
            if load > inst.capacity:
                return CAPACITY
            if late:
                return OTHER_WAIT
            boarded[q] = t
        else:
            load -= rd.pax
            start = rd.picked_at if rd.onboard else boarded[q]
            long_ride = t - start > rd.max_ride
            late = t > rd.latest_dropoff
            if q == new:
                if long_ride:
                    return MAX_RIDE
                if late:
                    return WALK
            elif long_ride or late:
                return OTHER_RIDE
    return None


def _on(bus: Bus, q: int, inst: Instance) -> bool:
    return inst.riders[q].onboard and any(e[1] == q for e in bus.plan)


def _loads(bus: Bus, inst: Instance) -> list[int]:
    """Passengers on board now and after each entry of the bus's plan."""
    load = sum(inst.riders[q].pax for q in range(len(inst.riders)) if _on(bus, q, inst))
    return list(itertools.accumulate([load] + [inst.riders[q].pax * k for _n, q, k in bus.plan]))


def cost_of(bus: Bus, plan, inst: Instance, new: int, objective: str, ww: float, pw: float):
    times, end = timeline(bus, plan, inst)
    old_times, old_end = timeline(bus, bus.plan, inst)
    rd = inst.riders[new]
    t_pick = times[[e[1] for e in plan].index(new)]
    if objective == "vehicle_time":
        return (end - old_end) + ww * (t_pick - rd.t_submit), times
    drops = {q: t for (_n, q, kind), t in zip(plan, times, strict=True) if kind < 0}
    old_drops = {q: t for (_n, q, kind), t in zip(bus.plan, old_times, strict=True) if kind < 0}
    added = rd.pax * (drops[new] - rd.t_submit)
    added += sum(inst.riders[q].pax * (drops[q] - t0) for q, t0 in old_drops.items())
    if objective == "passenger_time":
        return added, times
    return (end - old_end) + pw * added, times


def candidates(bus: Bus, new: int, inst: Instance, pooling: bool):
    """Every plan that keeps the bus's order and puts the new pickup before its drop-off.

    Yields (a, b, plan, shared): the new pickup at index a, its drop-off at b;
    without pooling only plans with the drop-off right after the pickup, and
    ``shared`` when someone else is on board as the new rider boards (the
    rider must then ride alone: a capacity failure).
    """
    rd = inst.riders[new]
    n = len(bus.plan) + 2
    for a, b in itertools.combinations(range(n), 2):
        if not pooling and b != a + 1:
            continue
        rest = iter(bus.plan)
        plan = []
        for k in range(n):
            if k == a:
                plan.append((rd.pickup, new, 1))
            elif k == b:
                plan.append((rd.dropoff, new, -1))
            else:
                plan.append(next(rest))
        load = sum(inst.riders[q].pax for q in range(new) if _on(bus, q, inst))
        load += sum(inst.riders[q].pax * kind for _n, q, kind in plan[:a])
        yield a, b, plan, not pooling and load > 0


def enumerate_best(inst: Instance, objective: str, ww: float, pw: float, pooling: bool):
    """(cost per bus, best (a, b) per bus, stage per bus) by trying every candidate."""
    new = len(inst.riders) - 1
    rd = inst.riders[new]
    costs, where, stages = [], [], []
    for bus in inst.buses:
        best, arg, stage = math.inf, None, -1
        for a, b, plan, shared in candidates(bus, new, inst, pooling):
            c, times = cost_of(bus, plan, inst, new, objective, ww, pw)
            broken = first_broken_limit(bus, plan, times, inst, new)
            if shared:
                broken = WAIT if times[a] > rd.latest_pickup else CAPACITY
            if broken is not None:
                stage = max(stage, broken)
            elif c < best:
                best, arg = c, (a, b)
        costs.append(best)
        where.append(arg)
        stages.append(stage)
    return costs, where, stages


# ------------------------------------------------------- random instances
def _q(x: float) -> float:
    """A limit just off the 0.25 s grid of plan times."""
    return math.floor(x * 4) / 4 + 0.125


@st.composite
def instances(draw):
    n = draw(st.integers(3, 7))
    arcs = [[math.inf] * n for _ in range(n)]
    for a in range(n):
        arcs[a][a] = 0.0
        arcs[a][(a + 1) % n] = float(draw(st.integers(10, 200)))  # a ring: strongly connected
    for _ in range(draw(st.integers(0, 2 * n))):
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if a != b:
            arcs[a][b] = min(arcs[a][b], float(draw(st.integers(10, 300))))
    for k in range(n):  # Floyd-Warshall: the travel times of shortest paths
        for a in range(n):
            for b in range(n):
                arcs[a][b] = min(arcs[a][b], arcs[a][k] + arcs[k][b])
    now = 1000.0
    capacity = draw(st.integers(2, 5))
    inst = Instance(
        tt=arcs,
        now=now,
        capacity=capacity,
        dwell_s=float(draw(st.sampled_from([0, 15, 60]))),
        per_pax_s=draw(st.sampled_from([0.0, 2.75])),
        buses=[],
        riders=[],
    )
    n_bus = draw(st.integers(1, 4))
    for _ in range(n_bus):
        state = draw(st.sampled_from([IDLE, DRIVE, DWELL, WAITING]))
        node = draw(st.integers(0, n - 1))
        if state in (IDLE, WAITING):
            inst.buses.append(Bus(state, node, now))
        elif state == DWELL:
            inst.buses.append(Bus(DWELL, node, now + draw(st.integers(0, 40))))
        else:
            frm = draw(st.integers(0, n - 1).filter(lambda x, node=node: x != node))
            left = float(draw(st.integers(1, int(arcs[frm][node]) - 1)))
            t_arr = now + arcs[frm][node] - left
            inst.buses.append(Bus(DRIVE, node, t_arr, leg_from=frm, leg_t0=now - left))
    n_old = draw(st.integers(0, 5))
    busy = [b for b in range(n_bus) if inst.buses[b].state != IDLE]
    for _ in range(n_old if busy else 0):
        bus = inst.buses[draw(st.sampled_from(busy))]
        p, d = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        # some riders booked ahead and are ready only later
        ready = now + draw(st.sampled_from([-300.0, -300.0, 0.0, 150.0, 400.0, 900.0]))
        rd = Rider(p, d, draw(st.integers(1, 2)), ready, onboard=draw(st.booleans()))
        q = len(inst.riders)
        inst.riders.append(rd)
        if rd.onboard:
            rd.picked_at = now - float(draw(st.integers(0, 200)))
            entries = [(d, q, -1)]
            bus.plan.insert(draw(st.integers(0, len(bus.plan))), entries[0])
        else:
            entries = [(p, q, 1), (d, q, -1)]
            i = draw(st.integers(0, len(bus.plan)))
            bus.plan.insert(i, entries[0])
            bus.plan.insert(draw(st.integers(i + 1, len(bus.plan))), entries[1])
        if max(_loads(bus, inst)) > capacity:
            for e in entries:  # it would not fit: the rider stays out of every plan
                bus.plan.remove(e)
            rd.onboard = False
    # limits just above the current plan's times, so the old plans are feasible
    for bus in inst.buses:
        times, _ = timeline(bus, bus.plan, inst)
        boarded = {}
        for (_n, q, kind), t in zip(bus.plan, times, strict=True):
            rd = inst.riders[q]
            if kind > 0:
                rd.latest_pickup = _q(t + draw(st.integers(0, 400)))
                boarded[q] = t
            else:
                start = rd.picked_at if rd.onboard else boarded[q]
                rd.max_ride = _q(t - start + draw(st.integers(0, 600)))
                if draw(st.booleans()):
                    rd.latest_dropoff = _q(t + draw(st.integers(0, 600)))
    # the new request
    p = draw(st.integers(0, n - 1))
    d = draw(st.integers(0, n - 1).filter(lambda x: x != p))
    if draw(st.booleans()):
        t_sub = now - float(draw(st.integers(0, 60)))
    else:  # prebooked: ready later
        t_sub = now + float(draw(st.integers(0, 1200)))
    new = Rider(p, d, draw(st.integers(1, 2)), t_sub)
    new.latest_pickup = _q(t_sub + draw(st.integers(60, 900)))
    new.max_ride = _q(
        draw(st.sampled_from([1.2, 1.5, 2.0])) * arcs[p][d] + draw(st.integers(0, 600))
    )
    if draw(st.booleans()):
        new.latest_dropoff = _q(t_sub + arcs[p][d] + draw(st.integers(0, 1200)))
    inst.riders.append(new)
    return inst


# ----------------------------------------------------- the kernel's state
def kernel_state(inst: Instance):
    """The instance as the kernels' named tuples (built field by field from the instance)."""
    n = len(inst.tt)
    time_s = np.array(inst.tt, dtype=np.float64)
    net = Net(
        time_s=time_s,
        time_s_t=np.ascontiguousarray(time_s.T),
        length_m=time_s * 5.0,
        pred_edge=np.full((n, n), -1, dtype=np.int32),
        edge_source=np.zeros(1, dtype=np.int32),
        edge_time_s=np.zeros(1),
        edge_length_m=np.zeros(1),
    )
    nv, nr = len(inst.buses), len(inst.riders)
    fleet = Fleet(
        capacity=np.full(nv, inst.capacity, dtype=np.int32),
        dwell_s=np.full(nv, inst.dwell_s),
        per_pax_s=np.full(nv, inst.per_pax_s),
        depot=np.zeros(nv, dtype=np.int32),
    )
    req = RequestArrays(
        t_submit=np.array([rd.t_submit for rd in inst.riders]),
        pickup_node=np.array([rd.pickup for rd in inst.riders], dtype=np.int32),
        dropoff_node=np.array([rd.dropoff for rd in inst.riders], dtype=np.int32),
        pax=np.array([rd.pax for rd in inst.riders], dtype=np.int32),
        latest_pickup=np.array([rd.latest_pickup for rd in inst.riders]),
        max_ride_s=np.array([rd.max_ride for rd in inst.riders]),
        latest_dropoff=np.array([rd.latest_dropoff for rd in inst.riders]),
        deadline=np.zeros(nr, dtype=np.uint8),
        release_s=np.full(nr, inst.now),
        status=np.array([_ONBOARD if rd.onboard else _ASSIGNED for rd in inst.riders], np.int8),
        vehicle=np.full(nr, -1, dtype=np.int32),
        assign_s=np.full(nr, np.nan),
        promised_pickup_s=np.full(nr, np.nan),
        pickup_s=np.array([rd.picked_at for rd in inst.riders]),
        dropoff_s=np.full(nr, np.nan),
        ride_m=np.zeros(nr),
        reason=np.zeros(nr, dtype=np.int8),
        pooled=np.zeros(nr, dtype=np.uint8),
        scratch_t=np.zeros(nr),
    )
    veh = Vehicles(
        state=np.array([_VSTATE[b.state] for b in inst.buses], dtype=np.int8),
        node=np.array([b.leg_from if b.state == DRIVE else b.node for b in inst.buses], np.int32),
        # a waiting bus can leave now (b.t); its doors would open later
        t_free=np.array([b.t + (500.0 if b.state == WAITING else 0.0) for b in inst.buses]),
        next_t=np.array([b.t for b in inst.buses]),
        leg_kind=np.zeros(nv, dtype=np.int8),
        leg_from=np.array([b.leg_from for b in inst.buses], dtype=np.int32),
        leg_to=np.array([b.node for b in inst.buses], dtype=np.int32),
        leg_t0=np.array([b.leg_t0 for b in inst.buses]),
        leg_t1=np.array([b.t for b in inst.buses]),
        # a leg of one arc: its start, then the node it ends at
        path_node=np.array([[max(b.leg_from, 0), b.node] for b in inst.buses], dtype=np.int32),
        path_t=np.array([[b.leg_t0, b.t] for b in inst.buses]),
        path_len=np.array([2 if b.state == DRIVE else 0 for b in inst.buses], dtype=np.int32),
        path_edge=np.full((nv, 2), -1, dtype=np.int32),
        path_m=np.zeros((nv, 2)),
        plan_node=np.zeros((nv, MAX_PLAN), dtype=np.int32),
        plan_req=np.zeros((nv, MAX_PLAN), dtype=np.int32),
        plan_kind=np.zeros((nv, MAX_PLAN), dtype=np.int8),
        plan_len=np.array([len(b.plan) for b in inst.buses], dtype=np.int32),
        plan_tt=np.zeros((nv, MAX_PLAN)),
        onboard=np.zeros((nv, 8), dtype=np.int32),
        n_onboard=np.zeros(nv, dtype=np.int32),
        load=np.array(
            [sum(inst.riders[q].pax for q in range(nr) if _on(b, q, inst)) for b in inst.buses],
            dtype=np.int32,
        ),
        off_s=np.full(nv, np.inf),
        waiting=np.array([b.state == WAITING for b in inst.buses], dtype=np.uint8),
    )
    for v, b in enumerate(inst.buses):
        for k, (nd, q, kind) in enumerate(b.plan):
            veh.plan_node[v, k] = nd
            veh.plan_req[v, k] = q
            veh.plan_kind[v, k] = kind
            if k > 0:
                veh.plan_tt[v, k] = inst.tt[b.plan[k - 1][0]][nd]
    return net, fleet, veh, req


OPTIONS = st.tuples(
    st.sampled_from([0.0, 1.0, 2.5]),  # wait_weight
    st.sampled_from([0.5, 1.0, 2.0]),  # passenger_weight
    st.sampled_from([True, True, True, False]),  # pooling
)


def check(inst: Instance, objective: str, options: tuple[float, float, bool]) -> bool:
    """Compare the kernel with the enumeration; True if the request could be placed."""
    ww, pw, pooling = options
    costs, _where, stages = enumerate_best(inst, objective, ww, pw, pooling)
    net, fleet, veh, req = kernel_state(inst)
    dispatch = DispatchParams(
        pooling=pooling, objective=OBJECTIVES[objective], wait_weight=ww, passenger_weight=pw
    )
    r = len(inst.riders) - 1
    bv, bi, bj, cost, stage, _tp = kin.best_insertion(
        net, fleet, veh, req, dispatch, r, inst.now, MAX_PLAN
    )
    best = min(costs)
    if best == math.inf:
        assert bv == -1 and cost == math.inf
        assert stage == max(stages), (stage, stages)
        return False
    assert cost == best, (cost, best, costs)
    nv = len(inst.buses)
    cheapest = [v for v in range(nv) if costs[v] == best]
    assert bv == min(cheapest, key=lambda v: (v - r) % nv), (bv, cheapest)
    # the kernel's positions cost what the enumeration found
    bus = inst.buses[bv]
    plan = list(bus.plan)
    plan.insert(bj, (inst.riders[r].dropoff, r, -1))
    plan.insert(bi, (inst.riders[r].pickup, r, 1))
    c, times = cost_of(bus, plan, inst, r, objective, ww, pw)
    assert first_broken_limit(bus, plan, times, inst, r) is None
    assert c == best
    return True


N_EXAMPLES = 2000
_SETTINGS = settings(
    max_examples=N_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.parametrize("objective", sorted(OBJECTIVES))
def test_kernel_finds_the_cheapest_insertion_of_the_enumeration(objective: str) -> None:
    seen = {"feasible": 0, "rejected": 0}

    @_SETTINGS
    @given(inst=instances(), options=OPTIONS)
    def run(inst: Instance, options: tuple[float, float, bool]) -> None:
        seen["feasible" if check(inst, objective, options) else "rejected"] += 1

    run()
    # the instances exercise both outcomes
    assert seen["feasible"] > N_EXAMPLES // 4 and seen["rejected"] > 20, seen


def test_oracle_hand_worked_case() -> None:
    """A case worked by hand: a bus at node 0 carries rider 0 to node 2; a new
    rider goes from 1 to 2, and node 1 lies on the way (0 -> 1 -> 2, 100 s each)."""
    inf = math.inf
    tt = [[0.0, 100.0, 200.0], [100.0, 0.0, 100.0], [200.0, 100.0, 0.0]]
    r0 = Rider(0, 2, 1, 900.0, max_ride=inf, onboard=True, picked_at=990.0)
    new = Rider(1, 2, 1, 1000.0, latest_pickup=2000.125, max_ride=1000.125)
    bus = Bus(DWELL, 0, 1000.0, plan=[(2, 0, -1)])
    inst = Instance(tt, 1000.0, 4, 10.0, 0.0, [bus], [r0, new])
    # picking the new rider up on the way: 1100 at node 1 (leave 1110), both
    # alight at 1210; alone the bus would reach node 2 at 1200 and end at 1210
    costs, where, _ = enumerate_best(inst, "passenger_time", 1.0, 1.0, True)
    assert where[0] == (0, 1)
    assert costs[0] == (1210 - 1000) + (1210 - 1200)  # new rider 210 s, rider 0 10 s later
    costs, _, _ = enumerate_best(inst, "vehicle_time", 0.0, 1.0, True)
    assert costs[0] == (1220 - 1210)  # both alight in one visit: the plan ends 10 s later
