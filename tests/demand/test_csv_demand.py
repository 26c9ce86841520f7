"""The csv model: prepared trips, row-by-row validation, replaying requests.csv."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from demand_helpers import HEAD, resolve_text

from klshuttle import load_scenario
from klshuttle.errors import DemandError
from klshuttle.resolve import resolve
from scenario_files import SMALL, scenario_dir, write

pytestmark = pytest.mark.kaiserslautern

CSV_OK = (
    "time,origin_lon,origin_lat,dest_lon,dest_lat,passengers,tag\n"
    "08:00,7.7650,49.4400,7.7700,49.4370,2,school\n"
    "07:30:15,7.7600,49.4380,7.7690,49.4362,,\n"
    "27000,7.7640,49.4390,7.7700,49.4370,1,work\n"
)


def test_csv_model_reads_trips(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    (folder / "trips.csv").write_text(CSV_OK)
    res = resolve(
        load_scenario(
            write(folder, "c.toml", HEAD + '[[demand.models]]\ntype = "csv"\nfile = "trips.csv"\n')
        )
    )
    req = res.requests
    assert req.time_s.tolist() == [27000.0, 27015.0, 28800.0]
    assert req.tag.tolist() == ["csv:work", "csv:trip", "csv:school"]
    assert req.passengers.tolist() == [1, 1, 2]
    assert req.origin_lon.tolist() == [7.764, 7.76, 7.765]


def test_requests_csv_feeds_back_as_a_csv_model(kl_env: Path, tmp_path: Path) -> None:
    first = resolve_text(tmp_path / "a", SMALL).requests
    folder = scenario_dir(tmp_path / "b")
    first.to_csv(folder / "day.csv")
    again = resolve(
        load_scenario(
            write(
                folder,
                "c.toml",
                HEAD + '[[demand.models]]\ntype = "csv"\nname = "replay"\nfile = "day.csv"\n',
            )
        )
    ).requests
    assert np.array_equal(again.time_s, first.time_s)
    assert np.allclose(again.origin_lon, first.origin_lon) and np.allclose(
        again.dest_lat, first.dest_lat
    )
    assert np.array_equal(again.origin_node, first.origin_node)
    assert again.tag[0] == "replay:" + first.tag[0]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("08:00,7.7650,49.4400,7.7700", "line 3: 4 fields, the header has 5"),
        ("8 Uhr,7.7650,49.4400,7.7700,49.4370", "line 3, column time: expected a time"),
        (
            "22:30,7.7650,49.4400,7.7700,49.4370",
            "line 3, column time: 22:30:00 is outside the demand window 06:00-21:00",
        ),
        (
            "08:00,east,49.4400,7.7700,49.4370",
            "line 3, column origin_lon: expected a longitude between -180 and 180, got 'east'",
        ),
        (
            "08:00,7.7650,49.4400,7.7700,94.0",
            "line 3, column dest_lat: expected a latitude between -90 and 90, got '94.0'",
        ),
        (
            "08:00,7.7650,49.4400,7.7650,49.4400",
            "line 3: origin and destination are the same point",
        ),
        (
            "08:00,7.7650,49.4400,7.8150,49.4500",
            "line 3, column dest_lon/dest_lat: (7.81500, 49.45000) lies outside the service area",
        ),
    ],
)
def test_csv_bad_rows_name_line_and_column(
    kl_env: Path, tmp_path: Path, row: str, expected: str
) -> None:
    folder = scenario_dir(tmp_path)
    (folder / "trips.csv").write_text(
        "time,origin_lon,origin_lat,dest_lon,dest_lat\n08:00,7.7650,49.4400,7.7700,49.4370\n"
        + row
        + "\n"
    )
    path = write(folder, "c.toml", HEAD + '[[demand.models]]\ntype = "csv"\nfile = "trips.csv"\n')
    with pytest.raises(DemandError) as info:
        resolve(load_scenario(path))
    msg = str(info.value)
    assert msg.startswith(str(folder / "trips.csv") + ": line 3"), msg
    assert f"trips.csv: {expected}" in msg, msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty file"),
        ("time,origin_lon,origin_lat,dest_lon\n", "line 1: missing column(s) dest_lat"),
        (
            "time,origin_lon,origin_lat,dest_lon,dest_lat,pasengers\n",
            "line 1: unknown column 'pasengers'",
        ),
        ("time,origin_lon,origin_lat,dest_lon,dest_lat\n", "no trips (only a header"),
        (
            "time,origin_lon,origin_lat,dest_lon,dest_lat,passengers\n08:00,7.765,49.44,7.77,49.437,0\n",
            "line 2, column passengers: expected a whole number from 1 to 300, got '0'",
        ),
    ],
)
def test_csv_bad_files(kl_env: Path, tmp_path: Path, text: str, expected: str) -> None:
    folder = scenario_dir(tmp_path)
    (folder / "trips.csv").write_text(text)
    with pytest.raises(DemandError, match=None) as info:
        resolve(
            load_scenario(
                write(
                    folder, "c.toml", HEAD + '[[demand.models]]\ntype = "csv"\nfile = "trips.csv"\n'
                )
            )
        )
    assert expected in str(info.value)


def test_csv_outside_area_drop(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    (folder / "trips.csv").write_text(CSV_OK + "09:00,7.7650,49.4400,7.8150,49.4500,1,far\n")
    res = resolve(
        load_scenario(
            write(
                folder,
                "c.toml",
                HEAD
                + '[[demand.models]]\ntype = "csv"\nfile = "trips.csv"\noutside_area = "drop"\n',
            )
        )
    )
    assert len(res.requests) == 3
    assert any("1 trips left out" in w for w in res.warnings)


CSV_PERSONAL = (
    "time,origin_lon,origin_lat,dest_lon,dest_lat,name,tag\n"
    "08:00,7.7650,49.4400,7.7700,49.4370,Anna Schmidt,anna@example.org\n"
    "08:10,7.7600,49.4380,7.7690,49.4362,Ben Wolf,ben@example.org\n"
)


def test_personal_columns_are_refused_unless_allowed(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    (folder / "bookings.csv").write_text(CSV_PERSONAL)
    model = '[[demand.models]]\ntype = "csv"\nfile = "bookings.csv"\n'
    with pytest.raises(DemandError) as err:
        resolve(load_scenario(write(folder, "c.toml", HEAD + model)))
    msg = str(err.value)
    assert "bookings.csv" in msg and "column 'name' looks like personal data (names)" in msg
    assert "--allow-personal-columns" in msg and "Anna" not in msg and "\n" not in msg
    allowed = HEAD + model + "[privacy]\nallow_personal_columns = true\n"
    req = resolve(load_scenario(write(folder, "d.toml", allowed))).requests
    # read past: the names and the e-mail tags reach no table
    assert len(req) == 2 and req.tag.tolist() == ["csv:trip", "csv:trip"]
    out = tmp_path / "req.csv"
    req.to_csv(out)
    text = out.read_text()
    assert "Anna" not in text and "example.org" not in text


@pytest.mark.kaiserslautern
def test_csv_riders_may_carry_a_train_and_a_deadline(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    (folder / "trips.csv").write_text(
        "time,origin_lon,origin_lat,dest_lon,dest_lat,train,latest_arrival_s\n"
        "08:00,7.7650,49.4400,7.7700,49.4370,dep 08:30,08:25\n"
        "08:05,7.7650,49.4400,7.7700,49.4370,,\n"
    )
    path = write(folder, "c.toml", HEAD + '[[demand.models]]\ntype = "csv"\nfile = "trips.csv"\n')
    req = resolve(load_scenario(path)).requests
    assert list(req.train) == ["dep 08:30", ""]
    assert req.latest_arrival_s[0] == 8 * 3600 + 25 * 60 and np.isnan(req.latest_arrival_s[1])
    (folder / "trips.csv").write_text(
        "time,origin_lon,origin_lat,dest_lon,dest_lat,latest_arrival_s\n"
        "08:00,7.7650,49.4400,7.7700,49.4370,07:55\n"
    )
    with pytest.raises(DemandError, match=r"line 2, column latest_arrival_s: must be later"):
        resolve(load_scenario(path))


@pytest.mark.kaiserslautern
def test_csv_riders_may_book_ahead(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    (folder / "trips.csv").write_text(
        "time,origin_lon,origin_lat,dest_lon,dest_lat,earliest_pickup_s,book_s,latest_arrival_s\n"
        # asks at 07:00 for a pickup from 08:00: booked at 07:00
        "07:00,7.7650,49.4400,7.7700,49.4370,08:00,,08:30\n"
        # booked the evening before (negative seconds) for 08:10
        "08:10,7.7650,49.4400,7.7700,49.4370,,-7200,\n"
        # immediate
        "08:20,7.7650,49.4400,7.7700,49.4370,,,\n"
    )
    path = write(folder, "c.toml", HEAD + '[[demand.models]]\ntype = "csv"\nfile = "trips.csv"\n')
    req = resolve(load_scenario(path)).requests
    assert req.time_s.tolist() == [8 * 3600.0, 8 * 3600.0 + 600, 8 * 3600.0 + 1200]
    assert req.book_s[:2].tolist() == [7 * 3600.0, -7200.0] and np.isnan(req.book_s[2])
    # the requests CSV carries the booking time and reads back the same
    req.to_csv(folder / "again.csv")
    again = write(folder, "a.toml", HEAD + '[[demand.models]]\ntype = "csv"\nfile = "again.csv"\n')
    back = resolve(load_scenario(again)).requests
    assert np.array_equal(back.book_s, req.book_s, equal_nan=True)
    assert back.time_s.tolist() == req.time_s.tolist()


@pytest.mark.kaiserslautern
@pytest.mark.parametrize(
    ("columns", "row", "message"),
    [
        ("earliest_pickup_s", "07:59", r"line 2, column earliest_pickup_s: must not be before"),
        ("earliest_pickup_s", "soon", r"line 2, column earliest_pickup_s: expected a time"),
        ("earliest_pickup_s", "23:30", r"line 2, column earliest_pickup_s: .* after the demand"),
        ("book_s", "08:05", r"line 2, column book_s: must not be after the earliest pickup"),
        ("book_s", "-700000", r"line 2, column book_s: booked 8\.4 days ahead, beyond"),
        ("book_s", "x", r"line 2, column book_s: expected a time"),
    ],
)
def test_csv_booking_columns_are_checked(
    kl_env: Path, tmp_path: Path, columns: str, row: str, message: str
) -> None:
    folder = scenario_dir(tmp_path)
    (folder / "trips.csv").write_text(
        f"time,origin_lon,origin_lat,dest_lon,dest_lat,{columns}\n"
        f"08:00,7.7650,49.4400,7.7700,49.4370,{row}\n"
    )
    path = write(folder, "c.toml", HEAD + '[[demand.models]]\ntype = "csv"\nfile = "trips.csv"\n')
    with pytest.raises(DemandError, match=r"trips\.csv: " + message):
        resolve(load_scenario(path))
