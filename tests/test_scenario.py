"""Scenario files: schema, defaults, extends, error messages, run ids (no road graph)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated

import numpy as np
import pytest
from pydantic import BaseModel, Field

from klshuttle import Scenario, load_scenario
from klshuttle.errors import ScenarioError
from klshuttle.scenario import (
    VEHICLE_MODELS,
    BboxArea,
    OnDemandSpec,
    format_time,
    parse_time,
)
from klshuttle.scenario.base import SpecModel
from klshuttle.scenario.filepaths import FilePath, path_keys
from klshuttle.scenario.runid import MAP_KEY
from scenario_files import SHIPPED, SMALL, scenario_dir, write


def test_every_shipped_scenario_passes_the_schema() -> None:
    names = {p.stem for p in SHIPPED}
    assert {
        "base",
        "trippstadter-line",
        "hbf-feeder-on-demand",
        "campus-on-demand",
        "pfaff-quarter",
    } <= names
    for path in SHIPPED:
        sc = load_scenario(path)
        assert isinstance(sc, Scenario)
        assert sc.source_path == path.resolve()
        if path.stem != "base":
            assert sc.extends_chain[0].name == "base.toml"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("06:00", 21600.0), ("6:30", 23400.0), ("21:00:30", 75630.0), ("25:10", 90600.0), (90, 90.0)],
)
def test_parse_time(text, seconds) -> None:
    assert parse_time(text) == seconds


@pytest.mark.parametrize("bad", ["6h", "06:60", "48:00", "", True, -5, "7:5"])
def test_parse_time_rejects(bad) -> None:
    with pytest.raises(ValueError, match=r"expected a time|between 0"):
        parse_time(bad)


def test_format_time() -> None:
    assert format_time(21600) == "06:00"
    assert format_time(21630) == "06:00:30"


def test_defaults_come_from_domain_md(tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    sc = load_scenario(write(folder, "s.toml", SMALL))
    od = sc.service.on_demand
    # the urban preset: Alonso-Mora et al. 2017 (7 min), CleverShuttle (1.5 x) + 120 s
    assert od.limits == "urban"
    assert (od.max_wait_s, od.max_detour_factor, od.max_detour_offset_s) == (420.0, 1.5, 120.0)
    assert od.stop_based is True and od.reject_if_walking_faster is False
    assert od.max_ride_time_s(600.0) == pytest.approx(1.5 * 600 + 120)
    # the runner passes every request's direct time at once
    assert od.max_ride_time_s(np.array([0.0, 600.0])).tolist() == [120.0, 1020.0]
    hours = sc.fleet.vehicle.operating_hours
    assert (hours.start_s, hours.end_s) == (6 * 3600.0, 21 * 3600.0)
    # EZ10 (DOMAIN.md), Levinson dwell time
    v = sc.fleet.vehicle
    assert (v.capacity, v.max_speed_kmh, v.dwell_time_s, v.boarding_time_s) == (12, 20.0, 5.0, 2.75)
    assert sc.landuse.car_occupancy == 1.5 and sc.landuse.cars_replaced_per_shared_vehicle == 11.0
    # the schema's own defaults equal base.toml's
    assert OnDemandSpec() == od


def test_kelheim_limits_preset_and_overrides(tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    kelheim = SMALL + '[service.on_demand]\nlimits = "kelheim"\n'
    od = load_scenario(write(folder, "k.toml", kelheim)).service.on_demand
    # MATSim Kelheim / KEXI (DOMAIN.md)
    assert (od.max_wait_s, od.max_detour_factor, od.max_detour_offset_s) == (1200.0, 1.5, 1200.0)
    # a key the scenario sets wins over its preset; max_ride_s caps every ride
    od = load_scenario(
        write(folder, "k2.toml", kelheim + "max_wait_s = 600.0\nmax_ride_s = 900.0\n")
    ).service.on_demand
    assert (od.max_wait_s, od.max_detour_offset_s) == (600.0, 1200.0)
    assert od.max_ride_time_s(np.array([0.0, 600.0])).tolist() == [900.0, 900.0]
    with pytest.raises(ScenarioError, match="limits"):
        load_scenario(write(folder, "k3.toml", SMALL + '[service.on_demand]\nlimits = "rural"\n'))


def test_vehicle_preset_and_overrides(tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    path = write(
        folder,
        "s.toml",
        SMALL + '[fleet.vehicle]\nmodel = "navya_arma"\ncapacity = 10\n',
    )
    # base.toml sets capacity = 12 explicitly; the child overrides it with 10
    sc = load_scenario(path)
    assert sc.fleet.vehicle.capacity == 10
    assert sc.fleet.vehicle.label == "Navya Arma"
    data = {"model": "navya_arma"}
    from klshuttle.scenario import VehicleSpec

    v = VehicleSpec.model_validate(data)
    assert v.capacity == VEHICLE_MODELS["navya_arma"]["capacity"] == 15
    assert v.energy is not None and v.energy.hours_per_charge == 9.0


def test_fleet_max_speed_flows_into_build_settings(tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    sc = load_scenario(write(folder, "s.toml", SMALL + "[fleet.vehicle]\nmax_speed_kmh = 15.0\n"))
    settings = sc.build_settings
    assert settings.max_speed_kmh == 15.0
    assert settings.road_classes == sc.map.road_classes


def test_extends_deep_merges_tables_and_replaces_arrays(tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    write(
        folder,
        "mid.toml",
        """
        extends = "base.toml"
        [fleet]
        vehicles = 7
        depots = ["Rathaus", "Hauptbahnhof"]
        [fleet.vehicle]
        capacity = 8
        """,
    )
    path = write(
        folder,
        "child.toml",
        """
        extends = "mid.toml"
        [fleet]
        depots = ["Pfaffwerk"]
        [fleet.vehicle]
        dwell_time_s = 20.0
        """,
    )
    sc = load_scenario(path)
    assert sc.fleet.vehicles == 7  # from mid
    assert sc.fleet.depots == ["Pfaffwerk"]  # array replaced, not appended
    assert sc.fleet.vehicle.capacity == 8  # from mid
    assert sc.fleet.vehicle.dwell_time_s == 20.0  # from child
    assert sc.fleet.vehicle.boarding_time_s == 2.75  # from base
    assert [p.name for p in sc.extends_chain] == ["base.toml", "mid.toml", "child.toml"]
    assert sc.name == "child"


def test_extends_with_another_area_type_replaces_the_table(tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    write(
        folder,
        "a.toml",
        'extends = "base.toml"\n[map]\narea = { type = "bbox", bbox = [7.74, 49.42, 7.78, 49.45] }\n',
    )
    sc = load_scenario(
        write(
            folder,
            "b.toml",
            'extends = "a.toml"\n[map.area]\ntype = "streets"\nstreets = ["Trippstadter Straße"]\nbuffer_m = 200.0\n',
        )
    )
    assert sc.map.area.type == "streets"
    sc_a = load_scenario(folder / "a.toml")
    assert isinstance(sc_a.map.area, BboxArea)


def test_paths_are_relative_to_the_file_that_names_them(tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    (folder / "data").mkdir()
    write(
        folder,
        "mid.toml",
        """
        extends = "base.toml"
        [[demand.models]]
        type = "csv"
        file = "data/trips.csv"
        """,
    )
    sub = folder / "variants"
    sub.mkdir()
    sc = load_scenario(write(sub, "v.toml", 'extends = "../mid.toml"\n'))
    assert Path(sc.demand.models[0].file) == (folder / "data" / "trips.csv").resolve()


def test_extends_cycle_lists_the_chain(tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    write(folder, "a.toml", 'extends = "b.toml"\n')
    write(folder, "b.toml", 'extends = "c.toml"\n')
    write(folder, "c.toml", 'extends = "a.toml"\n')
    with pytest.raises(
        ScenarioError, match=r"extends: cycle .*a\.toml -> .*b\.toml -> .*c\.toml -> .*a\.toml"
    ):
        load_scenario(folder / "a.toml")
    write(folder, "self.toml", 'extends = "self.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(folder / "self.toml")


def test_error_names_the_file_that_set_the_key(tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    write(folder, "mid.toml", 'extends = "base.toml"\n[fleet.vehicle]\ncapacity = 0\n')
    child = write(folder, "child.toml", 'extends = "mid.toml"\n[fleet]\nvehicles = 2\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert str(info.value).endswith("mid.toml: fleet.vehicle.capacity: must be >= 1, got 0")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[fleet]\nvehicles = 2.5", "fleet.vehicles: expected an integer, got 2.5"),
        ("[fleet]\nvehicles = true", "fleet.vehicles: expected an integer, got True"),
        (
            '[fleet.vehicle]\nmax_speed_kmh = "fast"',
            "fleet.vehicle.max_speed_kmh: expected a number",
        ),
        (
            "[fleet.vehicle]\nenergy = { hours_per_charge = 0.0 }",
            "fleet.vehicle.energy.hours_per_charge: must be > 0",
        ),
        (
            '[service]\nmode = "shuttle"',
            "service.mode: must be one of 'line', 'on_demand' or 'hybrid'",
        ),
        (
            '[service]\nstops = { type = "virtual", spacing_m = 5.0 }',
            "service.stops.spacing_m: must be >= 25",
        ),
        ('[service.stops]\ntype = "named"', "service.stops.names: required key is missing"),
        (
            "[service.on_demand]\nmax_detour_factor = 0.5",
            "service.on_demand.max_detour_factor: must be >= 1",
        ),
        (
            '[map]\nosm = "a.osm"\nplace = "Kaiserslautern"',
            "map: give either osm (a file) or place",
        ),
        (
            '[map]\narea = { type = "polygon", polygon = [[7.7, 49.4], [7.8, 49.4]] }',
            "map.area.polygon: needs at least 3 entries, got 2",
        ),
        (
            '[map]\narea = { type = "polygon", polygon = [[7.7, 49.4], [7.8, 49.5], [7.8, 49.4], [7.7, 49.5]] }',
            "map.area.polygon: the polygon is not valid",
        ),
        ("[map]\nspeeds_kmh = { highway = 30.0 }", "map.speeds_kmh: unknown road class 'highway'"),
        ("[demand]\nseed = -1", "demand.seed: must be >= 0, got -1"),
        ("[demand]\nmodels = []", "demand.models: needs at least 1 entry, got 0"),
        (
            '[[demand.models]]\ntype = "osm"\ntrips_per_day = 10\nhubs = { "Hauptbahnhof" = 1.0 }\npassengers = { "0" = 1.0 }',
            "demand.models[0].passengers: group sizes must be whole numbers from 1 to",
        ),
        (
            '[[demand.models]]\ntype = "osm"\ntrips_per_day = 10',
            "demand.models[0]: destination_shares gives hubs a share but no hubs are named",
        ),
        (
            '[[demand.models]]\ntype = "feeder"\nriders_per_departure = 1\nriders_per_arrival = 1\ntrains = { departures = ["08:00"] }\nlead_time_s = [900.0, 300.0]',
            "lead_time_s must be [min, max]",
        ),
        (
            '[[demand.models]]\ntype = "od_matrix"\nzones = [{ name = "A", polygon = [[7.75, 49.43], [7.76, 49.43], [7.76, 49.44]] }]\nmatrix = [[1, 2]]',
            "matrix must be 1 x 1",
        ),
        (
            '[outputs]\nfolder = "results/{scenario}"',
            "outputs.folder: unknown placeholder {scenario}",
        ),
        ('[outputs]\nwhich = ["events", "pdf"]', "outputs.which[1]: must be one of"),
        ("[dispatch]\nbatch_window_s = 0", "dispatch.batch_window_s: must be >= 1"),
        (
            '[service]\nmode = "line"\n[[service.lines]]\nname = "A"\nstops = ["Hauptbahnhof", "Rathaus"]',
            "service.lines[0]: give either headway_s or departures",
        ),
        (
            '[service]\nmode = "line"\n[[service.lines]]\nname = "A"\nstops = ["Hauptbahnhof", "Rathaus"]\ndepartures = ["08:00", "07:00"]',
            "service.lines[0]: departures must be in increasing order",
        ),
        ("[landuse]\nhome_space_share = 1.5", "landuse.home_space_share: must be <= 1"),
        (
            "[landuse]\nmode_shift_share = { low = 0.3, central = 0.2, high = 0.5 }",
            "landuse.mode_shift_share: must have low <= central <= high, got 0.3, 0.2, 0.5",
        ),
        (
            "[accessibility]\nthresholds_min = [15.0, 10.0]",
            "accessibility.thresholds_min: must be increasing",
        ),
        (
            "[landuse]\nparking_per_car = 2.0",
            "landuse.parking_per_car: unknown key (did you mean 'parking_spaces_per_car'?",
        ),
    ],
)
def test_schema_errors_name_key_and_expectation(tmp_path: Path, body: str, expected: str) -> None:
    folder = scenario_dir(tmp_path)
    path = write(folder, "bad.toml", 'extends = "base.toml"\n' + body + "\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(str(Path("bad.toml"))) or "bad.toml: " in msg, msg
    assert expected in msg, msg


def test_malformed_toml_gives_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "x.toml", 'name = "x"\n[fleet]\nvehicles = = 3\n')
    with pytest.raises(ScenarioError, match=r"x\.toml: invalid TOML at line 3, column 12: "):
        load_scenario(path)


def test_overrides_apply_after_merge(tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    path = write(folder, "s.toml", SMALL)
    sc = load_scenario(path, overrides={"fleet.vehicles": 9, "demand.seed": 4})
    assert sc.fleet.vehicles == 9 and sc.seed == 4
    with pytest.raises(ScenarioError, match=r"--set: fleet\.vehicles: must be >= 1, got 0"):
        load_scenario(path, overrides={"fleet.vehicles": 0})


def test_run_id_depends_on_content_and_seed_not_on_paths(tmp_path: Path) -> None:
    one = scenario_dir(tmp_path / "one")
    two = scenario_dir(tmp_path / "two")
    a = load_scenario(write(one, "s.toml", SMALL))
    described = SMALL.replace('extends = "base.toml"', 'extends = "base.toml"\ndescription = "x"')
    b = load_scenario(write(two, "other-name.toml", described))
    assert b.name == "other-name" and b.description == "x"
    assert a.run_id() == b.run_id()
    assert len(a.run_id()) == 12
    assert a.run_id(seed=2) != a.run_id()
    assert a.with_seed(2).run_id() == a.run_id(seed=2)
    c = load_scenario(write(one, "c.toml", SMALL + "[outputs]\nfolder = 'elsewhere/{run_id}'\n"))
    assert c.run_id() == a.run_id()  # outputs do not change results
    d = load_scenario(write(one, "d.toml", SMALL.replace("vehicles = 3", "vehicles = 4")))
    assert d.run_id() != a.run_id()
    assert a.output_folder() == Path(f"results/s-{a.run_id()}")


def test_run_id_follows_the_content_of_input_files(tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    csv_file = folder / "trips.csv"
    csv_file.write_text(
        "time,origin_lon,origin_lat,dest_lon,dest_lat\n08:00,7.76,49.43,7.77,49.44\n"
    )
    text = (
        SMALL.split("[[demand.models]]")[0]
        + '[[demand.models]]\ntype = "csv"\nfile = "trips.csv"\n'
    )
    sc = load_scenario(write(folder, "s.toml", text))
    first = sc.run_id()
    csv_file.write_text(
        "time,origin_lon,origin_lat,dest_lon,dest_lat\n09:00,7.76,49.43,7.77,49.44\n"
    )
    assert sc.run_id() != first


def test_resolved_toml_round_trips(tmp_path: Path) -> None:
    for path in SHIPPED:
        sc = load_scenario(path)
        text = sc.resolved_toml()
        data = tomllib.loads(text)
        assert "extends" not in data
        out = tmp_path / f"{path.stem}.resolved.toml"
        out.write_text(text, encoding="utf-8")
        again = load_scenario(out)
        assert again.content() == sc.content()
        assert again.run_id() == sc.run_id()


def test_scenario_is_frozen(tmp_path: Path) -> None:
    sc = load_scenario(write(scenario_dir(tmp_path), "s.toml", SMALL))
    with pytest.raises(ValueError, match="frozen"):
        sc.fleet.vehicles = 5  # type: ignore[misc]


def test_scenario_from_dict_validates_like_files() -> None:
    from klshuttle.scenario import scenario_from_dict

    data = tomllib.loads((Path(__file__).parents[1] / "scenarios" / "base.toml").read_text())
    sc = scenario_from_dict(data, label="sweep[3]")
    assert sc.name == "scenario" and sc.source_path is None
    data["fleet"]["vehicles"] = 0
    with pytest.raises(ScenarioError, match=r"^sweep\[3\]: fleet\.vehicles: must be >= 1, got 0$"):
        scenario_from_dict(data, label="sweep[3]")


def test_misplaced_key_says_where_it_belongs(tmp_path: Path) -> None:
    path = write(
        scenario_dir(tmp_path),
        "s.toml",
        SMALL.replace('extends = "base.toml"', 'extends = "base.toml"\nseed = 3'),
    )
    with pytest.raises(
        ScenarioError,
        match=r"s\.toml: seed: unknown key \(it belongs in \[demand\] seed; known keys: ",
    ):
        load_scenario(path)


# ------------------------------------------------------------ file-path keys
_BASE = SMALL.split("[[demand.models]]")[0]
_TRIANGLE = "[[7.70, 49.40], [7.80, 49.40], [7.80, 49.50]]"

#: For each file-path key: a scenario naming the file ``input.osm`` through that
#: key. A new FilePath field fails the first test below until it has a case here,
#: and the case then proves that the file's content enters the run id.
FILE_CASES = {
    ("map", "osm"): SMALL.replace("[map]\n", '[map]\nosm = "input.osm"\n'),
    ("demand", "models", "*", "file"): _BASE
    + '[[demand.models]]\ntype = "csv"\nfile = "input.osm"\n',
    ("demand", "models", "*", "zones_file"): _BASE
    + '[[demand.models]]\ntype = "od_matrix"\nzones_file = "input.osm"\n'
    + "matrix = [[0, 1], [1, 0]]\n",
    ("demand", "models", "*", "matrix_file"): _BASE
    + '[[demand.models]]\ntype = "od_matrix"\nmatrix_file = "input.osm"\n'
    + f'zones = [{{ name = "a", polygon = {_TRIANGLE} }}]\n',
    ("demand", "models", "*", "gtfs", "feed"): _BASE
    + '[[demand.models]]\ntype = "feeder"\nriders_per_departure = 1\nriders_per_arrival = 1\n'
    + 'gtfs = { feed = "input.osm", stop_name = "Hbf", date = 2024-05-14 }\n',
}


def _value_at(data: object, keys: tuple[str, ...]) -> object:
    for key in keys:
        data = data[0] if key == "*" else data[key]  # type: ignore[index]
    return data


def test_file_path_keys_are_found_in_the_specs() -> None:
    assert set(path_keys(Scenario)) == {
        ("map", "osm"),
        ("demand", "models", "*", "file"),
        ("demand", "models", "*", "zones_file"),
        ("demand", "models", "*", "matrix_file"),
        ("demand", "models", "*", "gtfs", "feed"),
    }
    assert MAP_KEY in path_keys(Scenario)
    assert set(FILE_CASES) == set(path_keys(Scenario)), "add a FILE_CASES entry for the new key"


def test_path_keys_walk_optional_lists_unions_and_nested_specs() -> None:
    class Inner(BaseModel):
        data: FilePath
        label: str = ""

    class Other(BaseModel):
        feed: FilePath | None = None

    class Outer(BaseModel):
        top: FilePath | None = None
        items: Annotated[list[Inner | Other], Field(min_length=1)]
        nested: Inner | None = None
        plain: str = ""

    assert path_keys(Outer) == (
        ("top",),
        ("items", "*", "data"),
        ("items", "*", "feed"),
        ("nested", "data"),
    )


def test_every_file_like_field_is_typed_file_path() -> None:
    def specs(cls: type[SpecModel]) -> list[type[SpecModel]]:
        return [cls, *(s for sub in cls.__subclasses__() for s in specs(sub))]

    names = {keys[-1] for keys in path_keys(Scenario)}
    looks_like_a_file = re.compile(r"(^|_)(file|feed|osm|path)$")
    for spec in specs(SpecModel):
        for name in spec.model_fields:
            if looks_like_a_file.search(name):
                assert name in names, f"{spec.__name__}.{name}: type it FilePath"


@pytest.mark.parametrize("keys", list(FILE_CASES), ids=".".join)
def test_run_id_follows_each_referenced_file(keys: tuple[str, ...], tmp_path: Path) -> None:
    one = scenario_dir(tmp_path / "one")
    two = scenario_dir(tmp_path / "two")
    (one / "input.osm").write_text("first content\n")
    (two / "input.osm").write_text("first content\n")
    a = load_scenario(write(one, "s.toml", FILE_CASES[keys]))
    b = load_scenario(write(two, "s.toml", FILE_CASES[keys]))
    # resolved relative to the scenario file that names it
    assert _value_at(a.content(), keys) == str((one / "input.osm").resolve())
    assert _value_at(b.content(), keys) == str((two / "input.osm").resolve())
    first = a.run_id()
    assert len(first) == 12
    assert b.run_id() == first  # same content, other path: same id
    assert a.run_id() == first  # stable
    (one / "input.osm").write_text("second content\n")
    assert a.run_id() != first
    (one / "input.osm").write_text("first content\n")
    assert a.run_id() == first
    (one / "input.osm").unlink()
    assert a.run_id() != first  # a missing file is not the file
