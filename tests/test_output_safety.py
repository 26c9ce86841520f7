"""Result folders under hostile conditions: concurrent runs, --overwrite, odd targets, signals.

Issue 10, defects 1, 3, 4 and 8. Every failure is one line with a non-zero
exit and no traceback; nothing outside the chosen folder is written or
deleted; no partial or hidden folder is left behind.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grid_scenario import grid_scenario, klshuttle, one_line_error, tree
from klshuttle.cli import cli
from klshuttle.errors import OutputError, OutputExistsError
from klshuttle.outputs import OUTPUTS, run_files
from klshuttle.outputs.folders import rename_noreplace, write_folder
from klshuttle.outputs.registry import public

#: The files of a full result of the grid scenario (every output kind).
RESULT_FILES = set(run_files(OUTPUTS))


def _files(folder: Path) -> set[str]:
    """Every file of a result folder, by its path in it (``public/kpis.json``)."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path/work holds the grid scenario and is the working folder."""
    folder = tmp_path / "work"
    grid_scenario(folder)
    monkeypatch.chdir(folder)
    return folder


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["run", "grid.toml", "--no-progress", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def _refused(tmp_path: Path, *args: str, words: tuple[str, ...]) -> str:
    before = tree(tmp_path)
    code, out, err = _invoke(*args)
    assert code == 1, out + err
    line = one_line_error(err, *words)
    assert "requests" not in out, "it simulated before refusing"
    assert tree(tmp_path) == before, "something was written or deleted"
    return line


def _no_leftovers(folder: Path, name: str) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.startswith(f".{name}.")]


# ----------------------------------------------------------------- defect 1
def test_concurrent_runs_to_one_folder_one_wins(work: Path) -> None:
    """Two real processes, two seeds, one --out: one result, one clear refusal."""
    cmd = [sys.executable, "-m", "klshuttle", "run", "grid.toml", "--out", "o", "--no-progress"]
    procs = [
        subprocess.Popen(
            [*cmd, "--seed", str(seed)],
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    winner = 1 + [code for code, _, _ in results].index(0)
    loser_err = next(err for code, _, err in results if code == 1)
    one_line_error(loser_err, "o")
    assert "appeared while this run was writing" in loser_err or "exists" in loser_err
    run = json.loads((work / "o" / "public" / "run.json").read_text())
    assert run["seed"] == winner
    assert _files(work / "o") == RESULT_FILES
    _no_leftovers(work, "o")


def test_a_folder_appearing_during_the_write_is_never_replaced(tmp_path: Path) -> None:
    """The rename at the end refuses a target another process created meanwhile."""
    target = tmp_path / "o"

    def fill(folder: Path) -> None:
        (folder / "run.json").write_text('{"run_id": "mine", "klshuttle_version": "0"}')
        target.mkdir()  # another run got there first (even an empty folder counts)
        (target / "theirs.txt").write_text("theirs")

    with pytest.raises(OutputExistsError, match="appeared while this run was writing"):
        write_folder(target, fill, overwrite=False)
    assert [p.name for p in target.iterdir()] == ["theirs.txt"]
    _no_leftovers(tmp_path, "o")
    empty = tmp_path / "e"
    with pytest.raises(OutputExistsError, match="appeared"):
        write_folder(empty, lambda folder: empty.mkdir(), overwrite=False)
    assert list(empty.iterdir()) == []


def test_rename_noreplace_keeps_an_existing_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x").write_text("x")
    (tmp_path / "b").mkdir()
    with pytest.raises(FileExistsError):
        rename_noreplace(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "a" / "x").is_file() and list((tmp_path / "b").iterdir()) == []
    rename_noreplace(tmp_path / "a", tmp_path / "c")
    assert (tmp_path / "c" / "x").is_file()


# ----------------------------------------------------------------- defect 3
def test_overwrite_refuses_a_folder_klshuttle_did_not_write(work: Path, tmp_path: Path) -> None:
    (work / "d").mkdir()
    (work / "d" / "notes.txt").write_text("mine")
    _refused(tmp_path, "--out", "d", "--overwrite", words=("d", "not a klshuttle result"))
    assert (work / "d" / "notes.txt").read_text() == "mine"


def test_overwrite_refuses_a_result_holding_a_users_file(work: Path, tmp_path: Path) -> None:
    code, _, err = _invoke("--out", "r")
    assert code == 0, err
    (work / "r" / "notes.txt").write_text("mine")
    _refused(tmp_path, "--out", "r", "--overwrite", words=("notes.txt", "did not write"))
    (work / "r" / "notes.txt").unlink()
    # a forged run.json does not make a folder ours either
    (work / "r" / "public" / "run.json").write_text("[]")
    _refused(tmp_path, "--out", "r", "--overwrite", words=("run.json",))


def test_overwrite_replaces_an_earlier_result(work: Path) -> None:
    assert _invoke("--out", "r", "--seed", "1")[0] == 0
    assert _invoke("--out", "r", "--seed", "2", "--overwrite")[0] == 0
    assert json.loads((work / "r" / "public" / "run.json").read_text())["seed"] == 2
    assert _files(work / "r") == RESULT_FILES
    _no_leftovers(work, "r")


# ----------------------------------------------------------------- defect 8
@pytest.mark.parametrize(
    ("out", "words"),
    [
        (".", ("working folder",)),
        ("..", ("working folder",)),
        ("./", ("working folder",)),
        ("f/sub", ("f is a file",)),
        ("f/sub/deeper", ("f is a file",)),
    ],
)
def test_bad_targets_fail_before_simulating(
    work: Path, tmp_path: Path, out: str, words: tuple[str, ...]
) -> None:
    (work / "f").write_text("a file")
    for extra in ((), ("--overwrite",)):
        _refused(tmp_path, "--out", out, *extra, words=words)


def test_symlinks_are_refused(work: Path, tmp_path: Path) -> None:
    assert _invoke("--out", "real")[0] == 0
    (work / "link").symlink_to(work / "real")
    (work / "dangling").symlink_to(work / "nowhere")
    _refused(tmp_path, "--out", "link", "--overwrite", words=("link", "symbolic link"))
    _refused(tmp_path, "--out", "dangling", words=("dangling", "symbolic link"))


def _make_read_only(folder: Path) -> None:
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # root ignores modes; an immutable folder binds root too
        proc = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
        if proc.returncode != 0 or os.access(folder, os.W_OK):
            pytest.skip("cannot make a read-only folder here (root without chattr)")


def _make_writable(folder: Path) -> None:
    subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    folder.chmod(0o755)


def test_read_only_parent_fails_before_simulating(work: Path, tmp_path: Path) -> None:
    ro = work / "ro"
    ro.mkdir()
    _make_read_only(ro)
    try:
        _refused(tmp_path, "--out", "ro/out", words=("ro/out", "no permission"))
        _refused(tmp_path, "--out", "ro/a/b", words=("no permission",))
    finally:
        _make_writable(ro)


def test_cache_dir_that_is_a_file(work: Path, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "cachefile").write_text("x")
    monkeypatch.setenv("KLSHUTTLE_CACHE_DIR", str(tmp_path / "cachefile"))
    line = _refused(tmp_path, "--out", "o", words=("KLSHUTTLE_CACHE_DIR", "not a folder"))
    assert str(tmp_path / "cachefile") in line


def test_full_disk_is_one_line_and_leaves_nothing(work: Path, tmp_path: Path, monkeypatch) -> None:
    def full(result, path: Path) -> None:
        path.write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setitem(OUTPUTS["geojson"].files, "link_loads.geojson", public(full))
    before = tree(tmp_path)
    code, _, err = _invoke("--out", "deep/er/o")
    assert code == 1
    one_line_error(err, "link_loads.geojson", "No space left on device", "deep/er/o")
    assert tree(tmp_path) == before  # the parents it created are gone again


def test_write_folder_reports_os_errors_in_one_line(tmp_path: Path) -> None:
    def denied(folder: Path) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(folder / "x.csv"))

    with pytest.raises(OutputError, match=r"cannot write x\.csv in .*Permission denied"):
        write_folder(tmp_path / "o", denied, overwrite=False)
    assert list(tmp_path.iterdir()) == []


def test_a_failing_rename_is_one_line(tmp_path: Path, monkeypatch) -> None:
    from klshuttle.outputs import folders

    def refuse(src: Path, dst: Path) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(dst))

    monkeypatch.setattr(folders, "rename_noreplace", refuse)
    with pytest.raises(OutputError, match=r"cannot put .*o in place: Permission denied"):
        write_folder(tmp_path / "a" / "o", lambda f: None, overwrite=False)
    assert list(tmp_path.iterdir()) == []  # neither the temporary folder nor the parent


def test_demand_output_file_checks(work: Path, tmp_path: Path) -> None:
    (work / "f").write_text("a file")
    before = tree(tmp_path)
    for args, words in (
        (["-o", "f/x.csv"], ("f is a file",)),
        (["-o", "f"], ("f exists",)),
    ):
        result = CliRunner().invoke(cli, ["demand", "grid.toml", *args])
        assert result.exit_code == 1, result.output
        one_line_error(result.stderr, *words)
    assert tree(tmp_path) == before


# ----------------------------------------------------------------- defect 4
#: Runs the command line in a process whose ``stage`` writes a marker and waits.
_STAGED = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path

    stage, marker = sys.argv[1], Path(sys.argv[2])

    def hold(*args, **kwargs):
        marker.write_text("ready")
        time.sleep(120)

    if stage == "resolve":
        import klshuttle.runner
        klshuttle.runner.resolve = hold
    elif stage == "write":
        from klshuttle.outputs import OUTPUTS
        from klshuttle.outputs.registry import public

        def slow(result, path):
            path.write_text("half")
            hold()

        OUTPUTS["kpis"].files["kpis.json"] = public(slow)
    sys.argv = ["klshuttle", *sys.argv[3:]]
    from klshuttle.__main__ import main

    main()
    """
)


def _wait_for(check, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, "the process never reached the stage"
        time.sleep(0.02)


def _catches_sigterm(pid: int) -> bool:
    """Whether the process has a handler for SIGTERM (klshuttle's ``main`` has started)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    return False


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("stage", ["startup", "resolve", "write"])
def test_signals_leave_nothing_and_print_one_line(
    work: Path, tmp_path: Path, stage: str, sig: int
) -> None:
    marker = tmp_path / "marker"
    before = tree(work)
    proc = subprocess.Popen(
        [sys.executable, "-c", _STAGED, stage, str(marker), "run", "grid.toml", "--out", "o"],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        if stage == "startup":
            _wait_for(lambda: _catches_sigterm(proc.pid))
        else:
            _wait_for(marker.exists)
        if stage == "write":
            assert [p for p in work.iterdir() if p.name.startswith(".o.")], "no temp folder"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 128 + sig, err
    one_line_error(err, "terminated" if sig == signal.SIGTERM else "interrupted")
    assert tree(work) == before, "a partial or hidden folder was left"


def test_sigterm_from_the_real_entry_point(work: Path) -> None:
    """Without any test hook: SIGTERM soon after start still exits 143 in one line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "klshuttle", "run", "grid.toml", "--out", "o"],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(lambda: _catches_sigterm(proc.pid))
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    one_line_error(err, "terminated")
    assert not (work / "o").exists()
    _no_leftovers(work, "o")


def test_real_run_from_the_command_line(work: Path) -> None:
    proc = klshuttle("run", "grid.toml", "--out", "o", "--no-progress", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "wrote o/" in proc.stdout
    assert _files(work / "o") == RESULT_FILES
