"""The public event vocabulary: names as the outputs show them, and joining logs."""

from __future__ import annotations

import numpy as np

from klshuttle._kernels import simstate as ks
from klshuttle.events import (
    EVENT_COLUMNS,
    EVENT_NAMES,
    LEG_COLUMNS,
    REASON_NAMES,
    REQUEST_COLUMNS,
    EventKind,
    EventLog,
    RejectReason,
    columns_from_rows,
)
from simkit import fleet, trips


def test_event_names_are_the_strings_of_events_csv() -> None:
    assert EVENT_NAMES == (
        "request",
        "reject",
        "assign",
        "depart",
        "arrive",
        "pickup",
        "dropoff",
        "idle",
        "rebalance",
        "return_to_depot",
        "start_service",
        "end_service",
        "divert",
    )
    assert EventKind.return_to_depot == ks.E_DEPOT
    assert EventKind["divert"] == ks.E_DIVERT


def test_reject_reasons_are_the_strings_of_trips_csv() -> None:
    assert REASON_NAMES == (
        "",
        "outside_operating_hours",
        "max_wait",
        "capacity",
        "max_ride",
        "no_vehicle_available",
        "no_stop_in_reach",
        "same_stop",
        "no_departure",
        "no_line_connection",
        "other_rider_wait",
        "other_rider_ride",
        "walking_is_faster",
        "deadline",
    )
    assert RejectReason.deadline == ks.RS_DEADLINE
    assert RejectReason.none.label == ""
    assert RejectReason.same_stop.label == "same_stop" and RejectReason.same_stop == ks.RS_SAME_STOP


def test_columns_from_rows_keep_the_schema_also_when_empty() -> None:
    cols = columns_from_rows([], EVENT_COLUMNS)
    assert [(k, v.dtype, len(v)) for k, v in cols.items()] == [
        (c.name, np.dtype(c.dtype), 0) for c in EVENT_COLUMNS
    ]
    cols = columns_from_rows([(1.5, 3, 0, -1, 7, 2, 9)], EVENT_COLUMNS)
    assert cols["t_s"].tolist() == [1.5] and cols["info"].dtype == np.int32


def _part(n_vehicles: int, events: list, legs: list, requests: dict, n_req: int) -> EventLog:
    req = {c.name: np.full(n_req, c.fill, dtype=c.dtype) for c in REQUEST_COLUMNS}
    req.update({k: np.asarray(v) for k, v in requests.items()})
    return EventLog.from_columns(
        columns_from_rows(events, EVENT_COLUMNS),
        columns_from_rows(legs, LEG_COLUMNS),
        req,
        vehicle_off_s=np.full(n_vehicles, 50.0),
        start_s=0.0,
        end_s=100.0,
        fleet=fleet([0] * n_vehicles),
        trips=trips([0.0] * n_req, [0] * n_req, [1] * n_req),
    )


def test_concat_renumbers_vehicles_and_requests_and_orders_by_time() -> None:
    # part a: 1 vehicle, its request 0 is request 2 of the day
    a = _part(
        1,
        [(5.0, EventKind.pickup, 0, 0, 1, 1, 0), (9.0, EventKind.dropoff, 0, 0, 2, 0, 0)],
        [(0, 5.0, 9.0, 1, 2, 1, 0)],
        {"vehicle": [0], "pickup_s": [5.0]},
        1,
    )
    # part b: 2 vehicles, its requests 0, 1 are requests 0, 1 of the day
    b = _part(
        2,
        [(5.0, EventKind.request, -1, 1, 3, 1, 0), (7.0, EventKind.pickup, 1, 0, 3, 1, 0)],
        [(1, 7.0, 8.0, 3, 4, 1, 0), (0, 1.0, 2.0, 0, 1, 0, 0)],
        {"vehicle": [1, -1], "pickup_s": [7.0, np.nan]},
        2,
    )
    day = trips([0.0] * 4, [0] * 4, [1] * 4)
    log = EventLog.concat([(a, np.array([2])), (b, np.array([0, 1]))], day, fleet([0, 0, 0]))
    e = log.events
    assert e["t_s"].tolist() == [5.0, 5.0, 7.0, 9.0]  # stable: a's 5.0 before b's 5.0
    assert e["vehicle"].tolist() == [0, -1, 2, 0]
    assert e["request"].tolist() == [2, 1, 0, 2]
    assert log.legs["vehicle"].tolist() == [0, 1, 2]  # vehicle by vehicle
    assert log.requests["vehicle"].tolist() == [2, -1, 0, -1]
    np.testing.assert_array_equal(log.requests["pickup_s"], [7.0, np.nan, 5.0, np.nan])
    assert log.vehicle_off_s.tolist() == [50.0, 50.0, 50.0]
    assert {k: v.dtype for k, v in log.events.items()} == {
        c.name: np.dtype(c.dtype) for c in EVENT_COLUMNS
    }
