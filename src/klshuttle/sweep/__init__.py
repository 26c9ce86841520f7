"""Many runs of a scenario: a parameter grid, seeded replications, on Dask.

:func:`plan_sweep` lists the runs (grid points x replications, each named by
its run id), :func:`run_sweep` runs the unfinished ones serially or on a Dask
cluster and writes sweep.csv, summary.csv (mean, std and 95 % confidence
interval per grid point) and sweep.png. :func:`read_run` is the one reader of
a finished run's figures.

Modules: ``seeds`` (replication seeds), ``plan`` (grid, runs), ``worker`` (one
run, the per-process road-graph cache), ``execute`` (folder, executors),
``summary`` (tables, intervals, plot), ``runfiles`` (reading run folders).
"""

from __future__ import annotations

from .execute import SweepOutcome, default_folder, run_sweep
from .plan import RunTask, SweepPlan, parse_grid, plan_sweep
from .runfiles import is_finished, read_run
from .seeds import replication_seeds
from .summary import confidence_interval, summarize

__all__ = [
    "RunTask",
    "SweepOutcome",
    "SweepPlan",
    "confidence_interval",
    "default_folder",
    "is_finished",
    "parse_grid",
    "plan_sweep",
    "read_run",
    "replication_seeds",
    "run_sweep",
    "summarize",
]
