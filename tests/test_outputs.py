"""Output writers on hand-made inputs: exact bytes, atomic folders, the registry."""

from __future__ import annotations

import json
import typing
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from graph_factory import make_graph
from klshuttle.errors import OutputExistsError
from klshuttle.outputs import OUTPUTS, check_kinds, output_names, run_files, write_result
from klshuttle.outputs._io import (
    edge_coordinates,
    plain,
    write_csv,
    write_folder,
    write_geojson,
    write_json,
)
from klshuttle.scenario import OUTPUT_KINDS, OutputsSpec


def test_csv_rounds_by_unit_and_leaves_nan_empty(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "wait_s": [1.23456, np.nan],
            "walk_m": [2.3456, 0.0],
            "direct_km": [1.234567, 2.0],
            "lon": [7.123456789, 7.0],
            "share": [0.1234567, 1.0],
            "n": [3, 4],
            "name": ["a,b", ""],
        }
    )
    write_csv(df, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == (
        b"wait_s,walk_m,direct_km,lon,share,n,name\n"
        b'1.235,2.35,1.2346,7.1234568,0.123457,3,"a,b"\n'
        b",0.0,2.0,7.0,1.0,4,\n"
    )


def test_json_is_plain_python_rounded_and_nan_free(tmp_path: Path) -> None:
    data = {"n": np.int64(3), "x": np.float64(1.23456789), "bad": float("nan"), "l": (1, 2.5)}
    assert plain(data) == {"n": 3, "x": 1.234568, "bad": None, "l": [1, 2.5]}
    write_json(data, tmp_path / "k.json")
    assert (tmp_path / "k.json").read_text(encoding="utf-8") == (
        '{\n  "n": 3,\n  "x": 1.234568,\n  "bad": null,\n  "l": [\n    1,\n    2.5\n  ]\n}\n'
    )


def test_geojson_is_one_compact_feature_collection(tmp_path: Path) -> None:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [7.5, 49.25]},
        "properties": {"name": "Straße"},
    }
    write_geojson([feature], tmp_path / "g.geojson")
    assert (tmp_path / "g.geojson").read_text(encoding="utf-8") == (
        '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":'
        '{"type":"Point","coordinates":[7.5,49.25]},"properties":{"name":"Straße"}}]}\n'
    )


def test_edge_coordinates_follow_the_edge_geometry() -> None:
    g = make_graph(2, [(0, 1, 1.0)], coords=[(7.123456789, 49.1), (7.2, 49.987654321)])
    assert edge_coordinates(g, 0) == [[7.1234568, 49.1], [7.2, 49.9876543]]


RUN = '{"run_id": "abc", "klshuttle_version": "0"}'


def test_folder_write_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "out"

    def fill(folder: Path) -> None:
        (folder / "run.json").write_text(RUN)
        (folder / "a.txt").write_text("a")

    assert write_folder(target, fill, overwrite=False) == target
    assert sorted(p.name for p in target.iterdir()) == ["a.txt", "run.json"]
    # an existing folder stays as it is without overwrite
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_folder(target, fill, overwrite=False)

    def fail(folder: Path) -> None:
        (folder / "half.txt").write_text("half")
        raise RuntimeError("disk full")

    # a failing writer leaves nothing: no new folder, no temporary folder
    with pytest.raises(RuntimeError, match="disk full"):
        write_folder(tmp_path / "failed", fail, overwrite=False)
    # ... and does not touch the folder it would have replaced
    with pytest.raises(RuntimeError, match="disk full"):
        write_folder(target, fail, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in target.iterdir()) == ["a.txt", "run.json"]

    # overwrite replaces the whole folder, since klshuttle wrote it (its run.json)
    def fill_b(folder: Path) -> None:
        (folder / "run.json").write_text(RUN)
        (folder / "b.txt").write_text("b")

    write_folder(target, fill_b, overwrite=True)
    assert sorted(p.name for p in target.iterdir()) == ["b.txt", "run.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputExistsError, match="not a folder"):
        write_folder(tmp_path / "file", fill, overwrite=True)


def test_registry_names_are_the_scenario_schema_names() -> None:
    assert output_names() == tuple(OUTPUT_KINDS)
    which = typing.get_args(OutputsSpec.model_fields["which"].annotation)[0]
    assert set(typing.get_args(which)) == set(OUTPUTS)
    assert OutputsSpec().which == list(OUTPUTS)
    # no file is written by two kinds
    files = [f for kind in OUTPUTS.values() for f in kind.files]
    assert len(files) == len(set(files))


def test_per_trip_tables_are_private_and_aggregates_public() -> None:
    folders = {name: file.folder for kind in OUTPUTS.values() for name, file in kind.files.items()}
    for name in ("trips.csv", "events.csv", "events.parquet", "requests.csv", "vehicles.csv"):
        assert folders[name] == "private", name
    # scenario.toml may name private input files (bookings as CSV demand)
    assert folders["scenario.toml"] == "private"
    for name in ("kpis.json", "report.html", "link_loads.geojson", "layers.gpkg", "run.json"):
        assert folders[name] == "public", name


def test_unknown_kinds_are_refused() -> None:
    assert check_kinds(("kpis", "trips")) == ["kpis", "trips"]
    with pytest.raises(ValueError, match="'maps'"):
        check_kinds(["kpis", "maps"])


def _result(which: list[str]) -> SimpleNamespace:
    """A stand-in result with the tables the table writers read."""
    return SimpleNamespace(
        scenario=SimpleNamespace(outputs=SimpleNamespace(which=which)),
        seed=1,
        trips=pd.DataFrame({"request_id": [0, 1], "wait_s": [10.0, 20.12345]}),
        vehicles=pd.DataFrame({"vehicle": [0], "km_driven": [1.5]}),
        events=pd.DataFrame({"time_s": [0.0, 1.5], "event": ["request", "reject"]}),
        kpis={"requests": 2, "wait_mean_s": 15.061725},
    )


@pytest.mark.parametrize("kinds", [["kpis"], ["trips", "vehicles"], ["events", "kpis"]])
def test_registry_writes_exactly_the_files_of_each_kind(tmp_path: Path, kinds: list[str]) -> None:
    folder = write_result(_result(kinds), tmp_path / "o")  # type: ignore[arg-type]
    expected = {
        f"{file.folder}/{name}" for kind in kinds for name, file in OUTPUTS[kind].files.items()
    }
    assert set(run_files(kinds)) == expected
    assert {p.name for p in folder.iterdir()} == {"public", "private"}
    written = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert written == expected


def test_table_files_hold_exactly_the_tables(tmp_path: Path) -> None:
    folder = write_result(  # type: ignore[arg-type]
        _result(["trips", "vehicles", "events", "kpis"]), tmp_path / "o"
    )
    private, public = folder / "private", folder / "public"
    assert (private / "trips.csv").read_text() == "request_id,wait_s\n0,10.0\n1,20.123\n"
    assert (private / "vehicles.csv").read_text() == "vehicle,km_driven\n0,1.5\n"
    assert (private / "events.csv").read_text() == "time_s,event\n0.0,request\n1.5,reject\n"
    assert json.loads((public / "kpis.json").read_text()) == {
        "requests": 2,
        "wait_mean_s": 15.061725,
    }
    events = pd.read_parquet(private / "events.parquet")
    assert events["event"].tolist() == ["request", "reject"]


def test_a_failing_writer_leaves_no_folder(tmp_path: Path, monkeypatch) -> None:
    def boom(*_a: object) -> None:
        raise RuntimeError("disk full")

    broken = replace(OUTPUTS["vehicles"].files["vehicles.csv"], writer=boom)
    monkeypatch.setitem(OUTPUTS["vehicles"].files, "vehicles.csv", broken)  # type: ignore[index]
    with pytest.raises(RuntimeError):
        write_result(_result(["trips", "vehicles"]), tmp_path / "o")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
