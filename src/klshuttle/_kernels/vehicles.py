"""Where a vehicle can next change its plan, and whether the dispatcher may use it (numba)."""

from __future__ import annotations

from . import njit
from .simstate import V_DRIVE, V_DWELL, V_IDLE


@njit
def vehicle_position(veh, v, now):
    """Where and when vehicle ``v`` can next change its plan.

    Returns
    -------
    node : int
        A driving vehicle's next node on its leg (it cannot turn before), a
        dwelling vehicle's stop, an idle vehicle's node.
    t : float
        When it is there (a dwelling vehicle: its planned departure).
    open_visit : bool
        True while dwelling: entries at this node join the open stop visit.
    path_index : int
        Index of ``node`` in the leg's path buffer (-1 if not driving).
    """
    s = veh.state[v]
    if s == V_DRIVE:
        n = veh.path_len[v]
        # first path node reached at or after now (times are sorted)
        lo = 0
        hi = n
        while lo < hi:
            mid = (lo + hi) // 2
            if veh.path_t[v, mid] >= now:
                hi = mid
            else:
                lo = mid + 1
        if lo < n:
            return veh.path_node[v, lo], veh.path_t[v, lo], False, lo
        return veh.leg_to[v], veh.leg_t1[v], False, n - 1
    if s == V_DWELL:
        if veh.waiting[v]:
            # doors closed until an earliest pickup: free to leave now
            return veh.node[v], now, False, -1
        return veh.node[v], veh.t_free[v], True, -1
    return veh.node[v], now, False, -1


@njit
def vehicle_available(veh, v, max_plan):
    """True if vehicle ``v`` is in service and has room in its plan for two entries."""
    s = veh.state[v]
    if s != V_IDLE and s != V_DRIVE and s != V_DWELL:
        return False
    return veh.plan_len[v] + 2 <= max_plan
