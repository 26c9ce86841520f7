"""The privacy rules on hand-worked cases: merging small counts, riders per edge,
personal columns of a CSV, the [privacy] table and publishing a run folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from klshuttle.demand.personal import personal_columns
from klshuttle.errors import OutputExistsError, PublishError, ScenarioError
from klshuttle.events import EventLog, LegKind, RequestStatus
from klshuttle.metrics import link_loads
from klshuttle.outputs import publish_run
from klshuttle.outputs.privacy import merge_small_counts
from klshuttle.scenario import PrivacySpec
from simkit import fleet, line_graph, reference_net, trips


def test_small_counts_merge_into_the_nearest_place_with_riders() -> None:
    # places on a line at x = 0, 100, 250, 1000 m
    x = np.array([0.0, 100.0, 250.0, 1000.0])
    y = np.zeros(4)
    # 2 at x=0 goes to x=100 (6 -> 8); 3 at x=1000 goes to its nearest with riders, x=250
    merged, into = merge_small_counts(np.array([2, 6, 0, 3]), x, y, 5)
    # worked by hand: smallest first: 2 (x=0) -> nearest positive x=100: [0, 8, 0, 3];
    # then 3 (x=1000) -> nearest positive x=100: [0, 11, 0, 0]
    assert merged.tolist() == [0, 11, 0, 0]
    assert into.tolist() == [1, 1, 2, 1]
    # a chain: 1 -> 2 (both small) -> a big one; labels follow the chain to its end
    merged, into = merge_small_counts(np.array([1, 2, 9]), np.array([0.0, 10.0, 50.0]), y[:3], 5)
    assert merged.tolist() == [0, 0, 12] and into.tolist() == [2, 2, 2]
    # everything together below k: suppressed
    merged, into = merge_small_counts(np.array([1, 2]), np.array([0.0, 1.0]), np.zeros(2), 5)
    assert merged.tolist() == [0, 0] and into.tolist() == [-1, -1]
    # nothing to do
    merged, into = merge_small_counts(np.array([0, 5, 7]), np.arange(3.0), np.zeros(3), 5)
    assert merged.tolist() == [0, 5, 7] and into.tolist() == [0, 1, 2]


def test_riders_count_each_request_once_per_edge() -> None:
    # nodes 0-1-2-3 on a two-way street; edges in CSR order: e0 0->1, e1 1->0,
    # e2 1->2, e3 2->1, e4 2->3, e5 3->2
    graph = line_graph(4)
    net = reference_net(graph)
    s = LegKind.service
    # vehicle 0: picks up r0 at 0 (t=10), r1 at 1 (t=120), drives to 3, drops both;
    # then drives empty 3 -> 0 and carries r2 from 0 to 2 and back to 1 (2 -> 1).
    legs = {
        "vehicle": [0, 0, 0, 0, 0],
        "t0_s": [10.0, 120.0, 500.0, 900.0, 1200.0],
        "t1_s": [110.0, 320.0, 800.0, 1100.0, 1300.0],
        "from_node": [0, 1, 3, 0, 2],
        "to_node": [1, 3, 0, 2, 1],
        "load": [1, 2, 0, 1, 1],
        "kind": [s, s, s, s, s],
    }
    done = RequestStatus.done
    requests = {
        "status": [done, done, done],
        "vehicle": [0, 0, 0],
        "assign_s": [0.0, 0.0, 850.0],
        "promised_pickup_s": [10.0, 110.0, 900.0],
        "pickup_s": [10.0, 110.0, 900.0],
        "dropoff_s": [320.0, 320.0, 1300.0],
        "ride_m": [3000.0, 2000.0, 3000.0],
        "reason": [0, 0, 0],
        "pooled": [True, True, False],
    }
    events = {k: [] for k in ("t_s", "event", "vehicle", "request", "node", "load", "info")}
    log = EventLog.from_columns(
        events,
        legs,
        requests,
        vehicle_off_s=[np.inf],
        start_s=0.0,
        end_s=3600.0,
        fleet=fleet([0]),
        trips=trips([0, 100, 850], [0, 1, 0], [3, 3, 1]),
    )
    loads = link_loads(log, net, graph).set_index("edge")
    # by hand: r0 rides e0, e2, e4; r1 rides e2, e4; r2 rides e0, e2 then e3
    assert loads["riders"].to_dict() == {0: 2, 1: 0, 2: 3, 3: 1, 4: 2, 5: 0}
    # passengers on board summed over passages differ: e2 carried 2 then 1
    assert loads.loc[2, "passengers"] == 3 and loads.loc[0, "passengers"] == 2


@pytest.mark.parametrize(
    ("header", "row", "column", "kind"),
    [
        (["time", "name"], ["08:00", "Anna Schmidt"], "name", "names"),
        (["time", "Nachname"], ["08:00", "Schmidt"], "Nachname", "names"),
        (["time", "E-Mail"], ["08:00", "a@b.de"], "E-Mail", "e-mail addresses"),
        (["time", "phone"], ["08:00", "0631 12345"], "phone", "phone numbers"),
        (["time", "home_address"], ["08:00", "x"], "home_address", "street addresses"),
        (["time", "date_of_birth"], ["08:00", "1950-01-02"], "date_of_birth", "dates of birth"),
        (
            ["time", "customer_id"],
            ["08:00", "48213"],
            "customer_id",
            "ids that are not opaque tokens",
        ),
        (["time", "tag"], ["08:00", "anna@example.org"], "tag", "e-mail addresses"),
        (["time", "tag"], ["08:00", "+49 631 1234567"], "tag", "phone numbers"),
        (["time", "tag"], ["08:00", "Pirmasenser Straße 12"], "tag", "street addresses"),
    ],
)
def test_personal_columns_are_found(header, row, column, kind) -> None:
    check = personal_columns(header, [row], own=("time",), free_text=("tag",))
    assert [(c.column, c.kind) for c in check.personal] == [(column, kind)]


def test_opaque_ids_and_plain_tags_are_not_personal() -> None:
    header = ["time", "rider_id", "tag", "passengers"]
    rows = [
        ["08:00", "3f2a9c0d1e8b7a65", "school", "2"],
        ["08:05", "123e4567-e89b-12d3-a456-426614174000", "work 2", "1"],
    ]
    check = personal_columns(header, rows, own=("time",), free_text=("tag",))
    assert check.personal == [] and check.opaque_ids == ["rider_id"]


def test_privacy_table_floor_is_three() -> None:
    assert PrivacySpec().min_trips == 5 and PrivacySpec().time_rounding_s == 900.0
    assert PrivacySpec(min_trips=3).min_trips == 3
    with pytest.raises(ValueError, match="min_trips"):
        PrivacySpec(min_trips=2)


def test_privacy_is_a_scenario_table_in_the_run_id(tmp_path: Path) -> None:
    from klshuttle.scenario import load_scenario
    from scenario_files import SMALL, scenario_dir, write

    folder = scenario_dir(tmp_path)
    plain = load_scenario(write(folder, "a.toml", SMALL))
    strict = load_scenario(write(folder, "b.toml", SMALL + "[privacy]\nmin_trips = 10\n"))
    assert strict.privacy.min_trips == 10 and plain.privacy.min_trips == 5
    # k decides where land use places freed spaces and what the public files
    # show, so two runs that differ in it must not share a run id (nor a sweep folder)
    assert strict.run_id() != plain.run_id()
    with pytest.raises(ScenarioError, match=r"privacy\.min_trips"):
        load_scenario(write(folder, "c.toml", SMALL + "[privacy]\nmin_trips = 1\n"))


def _run_folder(root: Path) -> Path:
    run = root / "run"
    (run / "public" / "sub").mkdir(parents=True)
    (run / "private").mkdir()
    (run / "public" / "kpis.json").write_text("{}")
    (run / "public" / "sub" / "a.csv").write_text("a\n")
    (run / "private" / "trips.csv").write_text("secret\n")
    return run


def test_publish_copies_public_only_and_never_over_a_folder(tmp_path: Path) -> None:
    run = _run_folder(tmp_path)
    files = publish_run(run, tmp_path / "site")
    assert [f.as_posix() for f in files] == ["kpis.json", "sub/a.csv"]
    got = sorted(
        p.relative_to(tmp_path / "site").as_posix() for p in (tmp_path / "site").rglob("*")
    )
    assert got == ["kpis.json", "sub", "sub/a.csv"]
    with pytest.raises(OutputExistsError, match="exists"):
        publish_run(run, tmp_path / "site")
    with pytest.raises(PublishError, match="inside the run folder"):
        publish_run(run, run / "public" / "copy")
    with pytest.raises(PublishError, match="no public/"):
        publish_run(run / "private", tmp_path / "x")


def test_publish_refuses_a_link_and_writes_nothing(tmp_path: Path) -> None:
    run = _run_folder(tmp_path)
    (run / "public" / "trips.csv").symlink_to(run / "private" / "trips.csv")
    with pytest.raises(PublishError, match="symbolic link"):
        publish_run(run, tmp_path / "site")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
