"""The public vocabulary of a simulated day: event kinds, reject reasons, the event log.

Every output (events.csv, trips.csv, the KPIs) speaks these words. The
integer codes are the kernels' (:mod:`klshuttle._kernels.simstate`); this
module gives them names, once. An enum member's name is the string the output
files show (``EventKind.return_to_depot`` is ``"return_to_depot"`` in
events.csv); :attr:`RejectReason.label` is the reason as trips.csv shows it
(empty for :attr:`RejectReason.none`).

:class:`EventLog` is what the on-demand simulation (:mod:`klshuttle.sim`) and
the line simulation (:mod:`klshuttle.linesim`) produce, with its column
specifications in :data:`EVENT_COLUMNS`, :data:`LEG_COLUMNS` and
:data:`REQUEST_COLUMNS`; :meth:`EventLog.concat` joins the logs of separate
simulations of one day (hybrid service).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, NamedTuple, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._kernels import simstate as ks

__all__ = [
    "EVENT_COLUMNS",
    "EVENT_NAMES",
    "LEG_COLUMNS",
    "REASON_NAMES",
    "REQUEST_COLUMNS",
    "Column",
    "EventKind",
    "EventLog",
    "LegKind",
    "LegPaths",
    "RejectReason",
    "RequestStatus",
    "columns_from_rows",
]


class EventKind(IntEnum):
    """What happened (the ``event`` column of events.csv)."""

    request = ks.E_REQUEST
    reject = ks.E_REJECT
    assign = ks.E_ASSIGN
    depart = ks.E_DEPART
    arrive = ks.E_ARRIVE
    pickup = ks.E_PICKUP
    dropoff = ks.E_DROPOFF
    idle = ks.E_IDLE
    rebalance = ks.E_REBALANCE
    return_to_depot = ks.E_DEPOT
    start_service = ks.E_START
    end_service = ks.E_END
    divert = ks.E_DIVERT


class RejectReason(IntEnum):
    """Why a request was not served (``reject_reason`` in trips.csv).

    On-demand rejections name the limit that turned the rider away (the
    furthest any vehicle and insertion position got, :mod:`klshuttle._kernels.insertion`):
    ``max_wait`` (no vehicle reaches the pickup within the rider's wait limit),
    ``capacity`` (in time, but no seat), ``max_ride`` (the rider's own ride
    limit, i.e. their latest drop-off), ``walking_is_faster`` (every offer
    arrives later than walking the whole way, with
    ``reject_if_walking_faster``), ``other_rider_ride`` and
    ``other_rider_wait`` (taking the rider would make someone already booked
    ride too long or be picked up too late), ``deadline`` (no offer reaches
    the destination by the rider's deadline, e.g. a train's departure minus
    the transfer time; such a rider is turned away, never served late).
    """

    none = ks.RS_NONE
    outside_operating_hours = ks.RS_OUTSIDE_HOURS
    max_wait = ks.RS_MAX_WAIT
    capacity = ks.RS_CAPACITY
    max_ride = ks.RS_MAX_RIDE
    no_vehicle_available = ks.RS_NO_VEHICLE
    no_stop_in_reach = ks.RS_NO_STOP
    same_stop = ks.RS_SAME_STOP
    no_departure = ks.RS_NO_DEPARTURE
    no_line_connection = ks.RS_NO_LINE
    other_rider_wait = ks.RS_OTHER_WAIT
    other_rider_ride = ks.RS_OTHER_RIDE
    walking_is_faster = ks.RS_WALKING
    deadline = ks.RS_DEADLINE

    @property
    def label(self) -> str:
        """The reason as the outputs show it (``""`` for no reason)."""
        return "" if self is RejectReason.none else self.name


class RequestStatus(IntEnum):
    """State of a request (``status`` of :attr:`EventLog.requests`)."""

    future = ks.R_FUTURE
    waiting = ks.R_WAITING
    assigned = ks.R_ASSIGNED
    onboard = ks.R_ONBOARD
    done = ks.R_DONE
    rejected = ks.R_REJECTED


class LegKind(IntEnum):
    """Why a vehicle drove a leg (``kind`` of :attr:`EventLog.legs`)."""

    service = ks.LEG_SERVICE
    rebalance = ks.LEG_REBALANCE
    depot = ks.LEG_DEPOT


#: Event names by code, for vectorised lookup (``np.array(EVENT_NAMES)[codes]``).
EVENT_NAMES: tuple[str, ...] = tuple(k.name for k in sorted(EventKind))
#: Reject reasons by code, as the outputs show them.
REASON_NAMES: tuple[str, ...] = tuple(r.label for r in sorted(RejectReason))


class Column(NamedTuple):
    """One column of an event-log table: its name, dtype and the value of an empty row."""

    name: str
    dtype: type[np.generic]
    fill: Any = 0


#: Columns of :attr:`EventLog.events`: one row per event, ``info`` holds the
#: reject reason (``reject``) or the target node (``depart``, ``divert``,
#: ``rebalance``, ``return_to_depot``).
EVENT_COLUMNS: tuple[Column, ...] = (
    Column("t_s", np.float64),
    Column("event", np.int8),
    Column("vehicle", np.int32, -1),
    Column("request", np.int32, -1),
    Column("node", np.int32),
    Column("load", np.int32),
    Column("info", np.int32),
)
#: Columns of :attr:`EventLog.legs`: one row per driven leg.
LEG_COLUMNS: tuple[Column, ...] = (
    Column("vehicle", np.int32),
    Column("t0_s", np.float64),
    Column("t1_s", np.float64),
    Column("from_node", np.int32),
    Column("to_node", np.int32),
    Column("load", np.int32),
    Column("kind", np.int8),
)
#: Columns of :attr:`EventLog.requests`: the final state of each request.
REQUEST_COLUMNS: tuple[Column, ...] = (
    Column("status", np.int8, int(RequestStatus.future)),
    Column("vehicle", np.int32, -1),
    Column("assign_s", np.float64, np.nan),
    Column("promised_pickup_s", np.float64, np.nan),
    Column("pickup_s", np.float64, np.nan),
    Column("dropoff_s", np.float64, np.nan),
    Column("ride_m", np.float64, 0.0),
    Column("reason", np.int8, int(RejectReason.none)),
    Column("pooled", np.bool_, False),
)


def _table(data: Mapping[str, ArrayLike], spec: Sequence[Column]) -> dict[str, NDArray[Any]]:
    """Column arrays in the order and dtypes of ``spec``."""
    return {c.name: np.asarray(data[c.name], dtype=c.dtype) for c in spec}


def _empty_table(n: int, spec: Sequence[Column]) -> dict[str, NDArray[Any]]:
    """``n`` empty rows: every column filled with its ``fill`` value."""
    return {c.name: np.full(n, c.fill, dtype=c.dtype) for c in spec}


def columns_from_rows(
    rows: Sequence[tuple[Any, ...]], spec: Sequence[Column]
) -> dict[str, NDArray[Any]]:
    """Record tuples (one value per column of ``spec``, in order) to named column arrays."""
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(spec)
    return {c.name: np.asarray(col, dtype=c.dtype) for c, col in zip(spec, cols, strict=True)}


class FleetShape(Protocol):
    """What an event log keeps of the fleet (:class:`klshuttle.sim.FleetInput`)."""

    @property
    def depot_node(self) -> NDArray[np.int32]: ...

    @property
    def n_vehicles(self) -> int: ...


class TripsShape(Protocol):
    """What an event log keeps of the requests (:class:`klshuttle.sim.TripInput`)."""

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class LegPaths:
    """What each leg of an :class:`EventLog` drove, as the simulation logged it.

    ``length_m[g]`` is leg ``g``'s length, ``edges[edge_start[g]:edge_end[g]]``
    its road edges in travel order. Metrics read them instead of routing
    tables, which a simulation on a large graph does not have.
    """

    length_m: NDArray[np.float64]
    edge_start: NDArray[np.int64]
    edge_end: NDArray[np.int64]
    edges: NDArray[np.int32]

    def take(self, order: NDArray[np.int64]) -> LegPaths:
        """The legs in the order ``order`` (the edge list is shared)."""
        return LegPaths(
            self.length_m[order], self.edge_start[order], self.edge_end[order], self.edges
        )


@dataclass(frozen=True)
class EventLog:
    """Everything a finished simulation recorded.

    ``events``, ``legs`` and ``requests`` are dicts of column arrays (see
    :data:`EVENT_COLUMNS`, :data:`LEG_COLUMNS`, :data:`REQUEST_COLUMNS`);
    ``requests`` is the final request state (pickup, drop-off, ride distance,
    reason ...); ``vehicle_off_s`` is when each vehicle went off service.
    """

    events: dict[str, NDArray[Any]]
    legs: dict[str, NDArray[Any]]
    requests: dict[str, NDArray[Any]]
    vehicle_off_s: NDArray[np.float64]
    start_s: float
    end_s: float
    fleet: FleetShape
    trips: TripsShape = field(repr=False)
    #: The legs' lengths and edges, if the simulation logged them (on-demand
    #: simulations do; metrics then need no routing tables).
    leg_paths: LegPaths | None = field(default=None, repr=False)

    @classmethod
    def from_columns(
        cls,
        events: Mapping[str, ArrayLike],
        legs: Mapping[str, ArrayLike],
        requests: Mapping[str, ArrayLike],
        *,
        vehicle_off_s: ArrayLike,
        start_s: float,
        end_s: float,
        fleet: FleetShape,
        trips: TripsShape,
        leg_paths: LegPaths | None = None,
    ) -> EventLog:
        """A log from column arrays, cast to the schema; legs in the order they were
        driven, vehicle by vehicle (a stable sort: same-time legs keep their order);
        ``leg_paths`` in the order of ``legs``."""
        lg = _table(legs, LEG_COLUMNS)
        order = np.lexsort((lg["t0_s"], lg["vehicle"]))
        return cls(
            events=_table(events, EVENT_COLUMNS),
            legs={k: v[order] for k, v in lg.items()},
            requests=_table(requests, REQUEST_COLUMNS),
            vehicle_off_s=np.asarray(vehicle_off_s, dtype=np.float64),
            start_s=float(start_s),
            end_s=float(end_s),
            fleet=fleet,
            trips=trips,
            leg_paths=None if leg_paths is None else leg_paths.take(order),
        )

    @classmethod
    def concat(
        cls,
        parts: Sequence[tuple[EventLog, NDArray[np.int64]]],
        trips: TripsShape,
        fleet: FleetShape,
    ) -> EventLog:
        """Combine the logs of separate simulations of one day.

        Parameters
        ----------
        parts
            Each simulation's log and, for each of its requests, the request's
            index in ``trips``. Vehicles are numbered one part after another.
        trips, fleet
            All requests and all vehicles of the day.

        Returns
        -------
        EventLog
            Events in time order (a stable sort), legs vehicle by vehicle;
            requests no part simulated keep the empty row of
            :data:`REQUEST_COLUMNS`; the legs' paths if every part logged them.
        """
        requests = _empty_table(len(trips), REQUEST_COLUMNS)
        events: dict[str, list[NDArray[Any]]] = {}
        legs: dict[str, list[NDArray[Any]]] = {}
        off = []
        offset = 0
        for log, idx in parts:
            for k, v in log.requests.items():
                vals = np.asarray(v)
                if k == "vehicle":
                    vals = np.where(vals >= 0, vals + offset, -1)
                requests[k][idx] = vals
            for k, v in log.events.items():
                vals = np.asarray(v)
                if k == "vehicle":
                    vals = np.where(vals >= 0, vals + offset, -1)
                elif k == "request":
                    vals = np.where(vals >= 0, idx[np.maximum(vals, 0)], -1)
                events.setdefault(k, []).append(vals)
            for k, v in log.legs.items():
                vals = np.asarray(v) + offset if k == "vehicle" else np.asarray(v)
                legs.setdefault(k, []).append(vals)
            off.append(log.vehicle_off_s)
            offset += log.fleet.n_vehicles
        ev = {k: np.concatenate(v) for k, v in events.items()}
        order = np.argsort(ev["t_s"], kind="stable")
        first = parts[0][0]
        paths = [log.leg_paths for log, _ in parts]
        leg_paths = None
        if all(p is not None for p in paths):  # else metrics walk the tables
            kept = [p for p in paths if p is not None]
            shift = np.cumsum([0] + [len(p.edges) for p in kept[:-1]])
            leg_paths = LegPaths(
                length_m=np.concatenate([p.length_m for p in kept]),
                edge_start=np.concatenate(
                    [p.edge_start + s for p, s in zip(kept, shift, strict=True)]
                ),
                edge_end=np.concatenate([p.edge_end + s for p, s in zip(kept, shift, strict=True)]),
                edges=np.concatenate([p.edges for p in kept]),
            )
        return cls.from_columns(
            events={k: v[order] for k, v in ev.items()},
            legs={k: np.concatenate(v) for k, v in legs.items()},
            requests=requests,
            vehicle_off_s=np.concatenate(off),
            start_s=first.start_s,
            end_s=first.end_s,
            fleet=fleet,
            trips=trips,
            leg_paths=leg_paths,
        )
