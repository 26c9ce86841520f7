"""Running a sweep: the sweep folder, skipping finished runs, serial or on Dask.

The sweep folder holds ``sweep.json`` (the plan), ``runs/<run id>/`` (one
folder per run, written atomically by :func:`klshuttle.outputs.write_result`)
and, when every run is finished, ``sweep.csv``, ``summary.csv`` and
``sweep.png``. A restarted sweep runs only the runs whose folder is missing,
so an interrupted or crashed sweep loses nothing that finished and counts
nothing twice.

Runs execute in this process (``workers=1``), on a Dask ``LocalCluster`` of
``workers`` processes with one thread each, or on an existing cluster
(``scheduler="tcp://host:port"``: the workers must see the sweep folder and
the map file at the same paths, e.g. on a shared file system).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import KlshuttleError
from .plan import RunTask, SweepPlan
from .runfiles import is_finished
from .summary import write_tables
from .worker import RunReport, run_task

__all__ = ["SweepOutcome", "default_folder", "local_cluster", "prepare_folder", "run_sweep"]

log = logging.getLogger(__name__)

PLAN_FILE = "sweep.json"
RUNS = "runs"

#: Called after each run with (runs finished, runs in the sweep).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SweepOutcome:
    """What a sweep did.

    Attributes
    ----------
    folder
        The sweep folder.
    runs
        Distinct runs in the plan.
    skipped
        Runs already finished before this call (not run again).
    reports
        One report per run executed by this call.
    """

    folder: Path
    runs: int
    skipped: int
    reports: tuple[RunReport, ...]


def default_folder(plan: SweepPlan) -> Path:
    """``results/<scenario>-sweep-<plan id>``: the same command finds the same folder."""
    return Path("results") / f"{plan.name}-sweep-{plan.plan_id}"


def run_folder(folder: Path, run_id: str) -> Path:
    """The folder of run ``run_id`` in the sweep folder ``folder``."""
    return folder / RUNS / run_id


def prepare_folder(folder: Path, plan: SweepPlan) -> None:
    """Create the sweep folder, or check that an existing one holds this plan.

    Raises
    ------
    KlshuttleError
        ``folder`` is a file, a folder that is not a sweep, or a sweep of
        another plan (nothing is changed in it).
    """
    described = plan.describe()
    plan_file = folder / PLAN_FILE
    if folder.exists():
        if not folder.is_dir():
            raise KlshuttleError(f"{folder} exists and is not a folder")
        if not plan_file.is_file():
            if any(folder.iterdir()):
                raise KlshuttleError(
                    f"{folder} exists and is not a sweep folder (no {PLAN_FILE}); "
                    "choose another --out"
                )
        else:
            try:
                old = json.loads(plan_file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise KlshuttleError(f"{plan_file}: cannot read ({exc})") from None
            if old != json.loads(json.dumps(described)):
                raise KlshuttleError(
                    f"{folder} holds another sweep (its {PLAN_FILE} lists other runs); "
                    "choose another --out"
                )
            return
    (folder / RUNS).mkdir(parents=True, exist_ok=True)
    tmp = plan_file.with_name(f".{PLAN_FILE}.{os.getpid()}")
    tmp.write_text(json.dumps(described, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, plan_file)


def _clean_stale(folder: Path, run_ids: list[str]) -> None:
    """Remove temporary folders that killed runs left beside the finished run folders."""
    runs = folder / RUNS
    for run_id in run_ids:
        for stale in runs.glob(f".{run_id}.*"):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)


#: Worker settings of the LocalCluster a sweep starts (see :func:`local_cluster`).
LOCAL_WORKER_CONFIG: dict[str, Any] = {
    # glibc's default trim threshold instead of dask's 64 KiB: with 64 KiB every
    # freed array of a run goes back to the OS and the next one faults its pages
    # in again (3x the page faults, about 15 % more CPU per run than in the
    # client's process)
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    # the statistical profiler samples every worker thread each 10 ms for the
    # dashboard, which a sweep does not open
    "distributed.worker.profile.enabled": False,
}


def local_cluster(workers: int) -> Any:
    """A Dask ``LocalCluster`` for a sweep: ``workers`` processes of one thread.

    The workers run with :data:`LOCAL_WORKER_CONFIG` (glibc's own memory trim
    threshold, no profiler), so a run costs in a worker what it costs in this
    process; a restarted worker keeps them.
    """
    import dask
    from distributed import LocalCluster

    with dask.config.set(LOCAL_WORKER_CONFIG):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )


@contextmanager
def _dask_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    from distributed import Client

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise KlshuttleError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = local_cluster(workers)
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def _run_dask(
    todo: list[RunTask],
    folder: Path,
    plan: SweepPlan,
    client: Any,
    done: Callable[[RunReport], None],
) -> None:
    from distributed import as_completed

    futures = [
        client.submit(
            run_task,
            t.scenario,
            str(run_folder(folder, t.run_id)),
            plan.network_keys[t.run_id],
            pure=False,
        )
        for t in todo
    ]
    try:
        for future in as_completed(futures):
            done(future.result())
    except BaseException:
        client.cancel(futures)
        raise


def run_sweep(
    plan: SweepPlan,
    folder: str | os.PathLike[str] | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    progress: Progress | None = None,
) -> SweepOutcome:
    """Run every unfinished run of ``plan`` and write the sweep tables.

    Parameters
    ----------
    plan
        From :func:`~klshuttle.sweep.plan.plan_sweep`.
    folder
        The sweep folder; default :func:`default_folder`.
    workers
        Worker processes of a local Dask cluster (default: one per core);
        1 runs serially in this process, without Dask.
    scheduler
        Address of an existing Dask scheduler (``tcp://host:port``).
    client
        An existing ``distributed.Client`` to use instead.
    progress
        Called with (runs finished, runs in the sweep) as runs finish.

    Returns
    -------
    SweepOutcome

    Raises
    ------
    KlshuttleError
        The folder cannot be used, or the scheduler cannot be reached.
    """
    target = Path(folder) if folder is not None else default_folder(plan)
    prepare_folder(target, plan)
    run_ids = plan.run_ids
    first: dict[str, RunTask] = {}
    for t in plan.tasks:
        first.setdefault(t.run_id, t)
    todo = [first[r] for r in run_ids if not is_finished(run_folder(target, r))]
    skipped = len(run_ids) - len(todo)
    log.info(
        "sweep %s: %d runs, %d finished before, %d to run", target, len(run_ids), skipped, len(todo)
    )
    reports: list[RunReport] = []

    def done(report: RunReport) -> None:
        reports.append(report)
        if progress is not None:
            progress(skipped + len(reports), len(run_ids))

    if progress is not None:
        progress(skipped, len(run_ids))
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    if n_workers < 1:
        raise KlshuttleError(f"--workers: must be >= 1, got {n_workers}")
    if todo and client is not None:
        _run_dask(todo, target, plan, client, done)
    elif todo and (scheduler is not None or n_workers > 1):
        with _dask_client(scheduler, n_workers) as c:
            _run_dask(todo, target, plan, c, done)
    else:
        for t in todo:
            done(
                run_task(t.scenario, str(run_folder(target, t.run_id)), plan.network_keys[t.run_id])
            )
    # only now: a task of an interrupted client may still be writing into one
    # (once every run is finished, such a task can only fail to rename its copy)
    _clean_stale(target, run_ids)
    write_tables(plan, target, lambda run_id: run_folder(target, run_id))
    return SweepOutcome(target, len(run_ids), skipped, tuple(reports))
