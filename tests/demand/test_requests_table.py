"""The Requests table: its contract, and its CSV written byte for byte."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from demand_helpers import resolve_text

from klshuttle.demand import REQUEST_COLUMNS, Requests, format_clock
from klshuttle.errors import OutputExistsError
from scenario_files import SMALL


def _two() -> Requests:
    return Requests(
        request_id=[0, 1],
        time_s=[3661.0, 7200.4],
        origin_lon=[7.7689, 7.77],
        origin_lat=[49.4447, 49.44],
        dest_lon=[7.77, 7.7689],
        dest_lat=[49.44, 49.4447],
        origin_node=[0, 1],
        dest_node=[1, 0],
        passengers=[1, 2],
        tag=["a:x", "b:y,z"],
    )


def test_csv_is_written_byte_for_byte(tmp_path: Path) -> None:
    out = _two().to_csv(tmp_path / "sub" / "r.csv")
    assert out.read_bytes() == (
        b"request_id,time_s,time,origin_lon,origin_lat,dest_lon,dest_lat,"
        b"origin_node,dest_node,passengers,tag,train,latest_arrival_s,book_s\n"
        b"0,3661.0,01:01:01,7.7689000,49.4447000,7.7700000,49.4400000,0,1,1,a:x,,,\n"
        b'1,7200.4,02:00:00,7.7700000,49.4400000,7.7689000,49.4447000,1,0,2,"b:y,z",,,\n'
    )


def test_frame_columns_and_clock() -> None:
    df = _two().to_frame()
    assert tuple(df.columns) == REQUEST_COLUMNS
    assert df["time"].tolist() == ["01:01:01", "02:00:00"]
    assert df["tag"].tolist() == ["a:x", "b:y,z"]
    assert format_clock(86399.6) == "24:00:00"  # rounds to the whole second
    assert format_clock(0.0) == "00:00:00"


def test_table_checks_order_lengths_and_passengers() -> None:
    r = _two()
    assert len(r) == 2 and r.passengers.dtype == np.int32 and r.origin_node.dtype == np.int32
    assert not r.tag.flags.writeable
    assert len(Requests.empty()) == 0
    fields = {k: getattr(r, k) for k in REQUEST_COLUMNS if k != "time"}
    with pytest.raises(ValueError, match="sorted by time"):
        Requests(**{**fields, "time_s": [7200.0, 3600.0]})
    with pytest.raises(ValueError, match=">= 1 passenger"):
        Requests(**{**fields, "passengers": [1, 0]})
    with pytest.raises(ValueError, match="differ in length: tag"):
        Requests(**{**fields, "tag": ["a:x"]})


@pytest.mark.kaiserslautern
def test_requests_table_contract(kl_env: Path, tmp_path: Path) -> None:
    req = resolve_text(tmp_path, SMALL).requests
    assert isinstance(req, Requests) and len(req) == 200
    assert req.request_id.dtype == np.int64 and np.array_equal(req.request_id, np.arange(200))
    assert req.time_s.dtype == np.float64 and np.all(np.diff(req.time_s) >= 0)
    assert req.origin_node.dtype == np.int32 and req.dest_node.dtype == np.int32
    assert req.passengers.dtype == np.int32 and req.passengers.min() >= 1
    assert not req.time_s.flags.writeable
    df = req.to_frame()
    assert list(df.columns)[:3] == ["request_id", "time_s", "time"] and len(df) == 200
    out = req.to_csv(tmp_path / "r.csv")
    with pytest.raises(OutputExistsError):
        req.to_csv(out)
    assert req.to_csv(out, overwrite=True) == out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".r.csv")] == []
