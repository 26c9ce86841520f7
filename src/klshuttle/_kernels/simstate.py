"""State of an on-demand simulation as named tuples of arrays, and its codes.

The simulation kernels take these tuples instead of dozens of positional
arrays. Every tuple holds numpy arrays only (scalars live in small arrays), so
numba compiles each kernel once and caches it on disk. Python builds the
tuples in :mod:`klshuttle.sim`; kernels mutate the arrays in place.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# Vehicle states.
V_OFF = 0  # before service start or back at the depot after service end
V_IDLE = 1  # standing at a node with an empty plan
V_DRIVE = 2  # driving a leg (to its next stop, rebalancing, or to the depot)
V_DWELL = 3  # at a stop until t_free: doors open, or (waiting) closed until an earliest pickup

# Leg kinds.
LEG_SERVICE = 0  # towards the next stop of the plan
LEG_REBALANCE = 1  # empty, towards expected demand
LEG_DEPOT = 2  # empty, back to the depot

# Request status.
R_FUTURE = 0  # not yet submitted
R_WAITING = 1  # submitted, waiting for the next batch
R_ASSIGNED = 2  # in a vehicle's plan, not yet picked up
R_ONBOARD = 3
R_DONE = 4
R_REJECTED = 5

# Plan entry kinds.
PICKUP = 1
DROPOFF = -1

# Event types (named in klshuttle.events.EventKind: what events.csv shows).
E_REQUEST = 0
E_REJECT = 1
E_ASSIGN = 2
E_DEPART = 3
E_ARRIVE = 4
E_PICKUP = 5
E_DROPOFF = 6
E_IDLE = 7
E_REBALANCE = 8
E_DEPOT = 9
E_START = 10
E_END = 11
E_DIVERT = 12

# Rejection reasons (named in klshuttle.events.RejectReason).
RS_NONE = 0
RS_OUTSIDE_HOURS = 1
RS_MAX_WAIT = 2
RS_CAPACITY = 3
RS_MAX_RIDE = 4  # the new rider's own ride limit (latest drop-off)
RS_NO_VEHICLE = 5
RS_NO_STOP = 6
RS_SAME_STOP = 7
RS_NO_DEPARTURE = 8
RS_NO_LINE = 9
RS_OTHER_WAIT = 10  # the insertion would make a rider already planned wait too long
RS_OTHER_RIDE = 11  # ... or ride too long (or past their walking deadline)
RS_WALKING = 12  # no insertion beats walking the whole way
RS_DEADLINE = 13  # no insertion reaches the destination by the rider's deadline (a train)

# Dispatchers and rebalancing policies as the kernels know them.
D_INSERTION = 0
D_NEAREST_IDLE = 1
D_BATCH = 2
# Insertion objectives (klshuttle.dispatch.OBJECTIVES).
OBJ_VEHICLE_TIME = 0  # extra vehicle time + wait_weight x the new rider's wait
OBJ_PASSENGER_TIME = 1  # added wait + ride of every rider the insertion delays
OBJ_WEIGHTED = 2  # extra vehicle time + passenger_weight x added passenger time
REBALANCE_NONE = 0  # idle vehicles wait where they are
REBALANCE_DEPOT = 1  # idle vehicles return to their depot
REBALANCE_DEMAND = 2  # the kernels let them wait; Python moves them between slices

# Return codes of run_until.
RUN_DONE = 0  # reached the requested time
RUN_BUFFER_FULL = 1  # the event or leg buffer needs to grow
RUN_NO_PATH = 2  # a leg had no path (graph not strongly connected)

#: Feasibility tolerance in seconds: plans are checked with the routing
#: matrix, vehicles drive edge by edge, and the two sums may differ in the
#: last bits.
EPS_S = 1e-6


class Net(NamedTuple):
    """Routing tables the kernels read (all-pairs, from the Router)."""

    time_s: np.ndarray  # float64 [n, n]
    time_s_t: np.ndarray  # float64 [n, n], transposed copy: row v holds times *to* v
    length_m: np.ndarray  # float64 [n, n], along the time-shortest path
    pred_edge: np.ndarray  # int32 [n, n], last edge of the path s -> v, -1 if none
    edge_source: np.ndarray  # int32 [m]
    edge_time_s: np.ndarray  # float64 [m]
    edge_length_m: np.ndarray  # float64 [m]


class SparseNet(NamedTuple):
    """Routing without all-pairs tables: a contraction hierarchy and its caches.

    Travel times come from the hierarchy's upward search spaces (each node's
    forward and backward space is searched once and kept in a bounded arena
    that is emptied when full), paths from point-to-point hierarchy queries
    unpacked to road edges. Hierarchy nodes are in rank space (``rank``);
    everything else is indexed by road-graph node. See :mod:`.sparse`.
    """

    rank: np.ndarray  # int32 [n], hierarchy position of each road node
    up_indptr: np.ndarray  # int64 [n + 1], upward hierarchy edges by tail (rank space)
    up_head: np.ndarray  # int32
    up_w: np.ndarray  # float64
    up_edge: np.ndarray  # int64, hierarchy edge id
    dn_indptr: np.ndarray  # int64 [n + 1], downward edges stored reversed, by head
    dn_head: np.ndarray  # int32
    dn_w: np.ndarray  # float64
    dn_edge: np.ndarray  # int64
    e_src_rank: np.ndarray  # int32, per hierarchy edge
    e_dst_rank: np.ndarray  # int32
    e_child1: np.ndarray  # int64, -1: a road edge
    e_child2: np.ndarray  # int64
    e_orig: np.ndarray  # int64, the road edge of a non-shortcut
    edge_source: np.ndarray  # int32 [m]
    edge_target: np.ndarray  # int32 [m]
    edge_time_s: np.ndarray  # float64 [m]
    edge_length_m: np.ndarray  # float64 [m]
    sp_slot: np.ndarray  # int64 [2 n], slot of node x's space (2 x + 0 forward, + 1 backward), -1
    sp_key: np.ndarray  # int64 [S], the key each slot holds
    sp_start: np.ndarray  # int64 [S], first arena entry of each slot
    sp_len: np.ndarray  # int64 [S]
    sp_hub: np.ndarray  # int32 [A], arena: hierarchy node of each space entry
    sp_dist: np.ndarray  # float64 [A], arena: its distance
    sp_stats: np.ndarray  # int64 [4]: slots used, arena entries used, spaces searched, flushes
    dense: np.ndarray  # float64 [n, 5] (rank space), inf: spaces scattered for joins
    dense_touched: np.ndarray  # int32 [5, n]
    dense_count: np.ndarray  # int64 [5]
    rows: np.ndarray  # float64 [4, n] (road nodes): from_p, to_p, from_d, to_d of a request
    pos_tt: np.ndarray  # float64 [nv], each vehicle's position to its first plan stop
    q_df: np.ndarray  # float64 [n], query workspace (ch_query.make_workspace)
    q_db: np.ndarray  # float64 [n]
    q_pf: np.ndarray  # int64 [n]
    q_pb: np.ndarray  # int64 [n]
    q_tf: np.ndarray  # int32 [n]
    q_tb: np.ndarray  # int32 [n]
    q_hkf: np.ndarray  # float64 [E + 2]
    q_hkb: np.ndarray  # float64 [E + 2]
    q_hnf: np.ndarray  # int32 [E + 2]
    q_hnb: np.ndarray  # int32 [E + 2]


class Fleet(NamedTuple):
    """Fixed vehicle parameters."""

    capacity: np.ndarray  # int32 [nv]
    dwell_s: np.ndarray  # float64 [nv], fixed dwell per stop visit
    per_pax_s: np.ndarray  # float64 [nv], per boarding or alighting passenger
    depot: np.ndarray  # int32 [nv], depot node


class Params(NamedTuple):
    """Service settings, each in a one-element array."""

    start_s: np.ndarray  # float64 [1], service start
    end_s: np.ndarray  # float64 [1], service end (no requests accepted after)
    rebalancing: np.ndarray  # int64 [1], REBALANCE_*


class DispatchParams(NamedTuple):
    """Dispatcher settings as scalars, passed unchanged to the kernels and to the
    Python reference dispatcher (:mod:`klshuttle.dispatch`).

    Fields with the name of a field of the scenario's ``[dispatch]`` table are
    read from it (:func:`klshuttle.dispatch.dispatch_params`), cast to the type
    of their default here; a new cost parameter is a field here, its spec field,
    and its use in the kernel and in the reference. Build it with Python
    scalars (int, bool, float), so numba compiles each kernel once.
    """

    dispatcher: int = D_INSERTION  # D_*
    pooling: bool = True  # False: one request on board at a time
    objective: int = OBJ_PASSENGER_TIME  # OBJ_*
    wait_weight: float = 1.0  # vehicle_time: cost of a second of the new passenger's wait
    passenger_weight: float = 1.0  # weighted: cost of a passenger-second added
    batch_window_s: float = 30.0  # length of a batch (batch dispatcher; Python only)
    # Not a scenario key: how the search runs, never what it chooses. The
    # insertion search over vehicles on this many threads (1: serial), same
    # assignments either way (insertion.best_insertion).
    threads: int = 1


class RequestArrays(NamedTuple):
    """Requests: static columns first, then the state the simulation fills in."""

    t_submit: (
        np.ndarray
    )  # float64 [nr], time the passenger is ready at the pickup (earliest pickup)
    pickup_node: np.ndarray  # int32 [nr]
    dropoff_node: np.ndarray  # int32 [nr]
    pax: np.ndarray  # int32 [nr]
    latest_pickup: np.ndarray  # float64 [nr]
    max_ride_s: np.ndarray  # float64 [nr]
    latest_dropoff: np.ndarray  # float64 [nr], inf unless walking would be faster after it
    deadline: np.ndarray  # uint8 [nr], 1: latest_dropoff is the rider's deadline (a train)
    release_s: np.ndarray  # float64 [nr], when the dispatcher learns of it (booking, <= t_submit)
    status: np.ndarray  # int8 [nr], R_*
    vehicle: np.ndarray  # int32 [nr]
    assign_s: np.ndarray  # float64 [nr]
    promised_pickup_s: np.ndarray  # float64 [nr], planned pickup at assignment
    pickup_s: np.ndarray  # float64 [nr]
    dropoff_s: np.ndarray  # float64 [nr]
    ride_m: np.ndarray  # float64 [nr], distance driven while on board
    reason: np.ndarray  # int8 [nr], RS_*
    pooled: np.ndarray  # uint8 [nr], shared the vehicle at some point of the ride
    scratch_t: np.ndarray  # float64 [nr], work space of the insertion search


class Vehicles(NamedTuple):
    """Vehicle state, plans, legs in progress and passengers on board."""

    state: np.ndarray  # int8 [nv], V_*
    node: np.ndarray  # int32 [nv], where it stands, or where its leg started
    t_free: np.ndarray  # float64 [nv], end of dwell (V_DWELL)
    next_t: np.ndarray  # float64 [nv], time of the vehicle's next event
    leg_kind: np.ndarray  # int8 [nv]
    leg_from: np.ndarray  # int32 [nv]
    leg_to: np.ndarray  # int32 [nv]
    leg_t0: np.ndarray  # float64 [nv]
    leg_t1: np.ndarray  # float64 [nv]
    path_node: np.ndarray  # int32 [nv, max_path], nodes of the leg in progress
    path_t: np.ndarray  # float64 [nv, max_path], time at each of them
    path_len: np.ndarray  # int32 [nv]
    path_edge: np.ndarray  # int32 [nv, max_path], road edge into each path node (-1 at 0)
    path_m: np.ndarray  # float64 [nv, max_path], metres driven to each path node
    plan_node: np.ndarray  # int32 [nv, max_plan]
    plan_req: np.ndarray  # int32 [nv, max_plan]
    plan_kind: np.ndarray  # int8 [nv, max_plan], PICKUP / DROPOFF
    plan_len: np.ndarray  # int32 [nv]
    plan_tt: np.ndarray  # float64 [nv, max_plan], drive from the previous entry's node
    onboard: np.ndarray  # int32 [nv, max_onboard], request ids
    n_onboard: np.ndarray  # int32 [nv]
    load: np.ndarray  # int32 [nv], passengers on board
    off_s: np.ndarray  # float64 [nv], when it went off service (inf if not yet)
    waiting: np.ndarray  # uint8 [nv], 1: doors closed, waiting at a stop for an earliest pickup


class Log(NamedTuple):
    """Event and leg buffers with their fill counters."""

    n_ev: np.ndarray  # int64 [1]
    ev_t: np.ndarray  # float64 [E]
    ev_type: np.ndarray  # int8 [E]
    ev_veh: np.ndarray  # int32 [E]
    ev_req: np.ndarray  # int32 [E]
    ev_node: np.ndarray  # int32 [E]
    ev_load: np.ndarray  # int32 [E]
    ev_info: np.ndarray  # int32 [E], reason code or leg target
    n_leg: np.ndarray  # int64 [1]
    lg_veh: np.ndarray  # int32 [G]
    lg_t0: np.ndarray  # float64 [G]
    lg_t1: np.ndarray  # float64 [G]
    lg_from: np.ndarray  # int32 [G]
    lg_to: np.ndarray  # int32 [G]
    lg_load: np.ndarray  # int32 [G], passengers on board
    lg_kind: np.ndarray  # int8 [G]
    lg_m: np.ndarray  # float64 [G], metres driven
    lg_e0: np.ndarray  # int64 [G], first of the leg's edges in ``ed``
    lg_e1: np.ndarray  # int64 [G], one past its last
    n_ed: np.ndarray  # int64 [1]
    ed: np.ndarray  # int32 [K], road edges of the driven legs, in travel order


class Clock(NamedTuple):
    """Simulation clock and the next request to submit."""

    now: np.ndarray  # float64 [1]
    next_req: np.ndarray  # int64 [1]
