"""The one registry of output kinds: name -> files -> writer and access, and the writer loop.

Each output kind of ``[outputs].which`` is a name and the files it writes;
each file has one writer ``writer(result, path)`` and is either public or
private. A run folder holds ``public/`` (what the city may publish:
aggregated, see :mod:`.privacy`) and ``private/`` (per-trip and per-event
tables, the requests, the scenario with its input paths);
``klshuttle publish`` copies ``public/`` only. The writer loop
(:func:`write_result`), the validation of ``which`` (:func:`check_kinds`) and
the tests all read :data:`OUTPUTS`.

To add an output file: write one writer function (in :mod:`.tables`,
:mod:`.geo`, ... or a new module) and list its file under its kind below,
wrapped in :func:`public` or :func:`private`. A public file must not hold a
count of 1 to k - 1 trips, a time finer than ``[privacy].time_rounding_s`` or
any one person's origin, destination and time (take its counts from
:mod:`.privacy`); when in doubt, private. A new kind also needs its name in
the scenario schema's ``[outputs].which`` (a test checks that the two lists
agree).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from . import accessibility_files, geo, gpkg, landuse_files, report_html, tables
from .folders import check_output_folder, write_folder

if TYPE_CHECKING:
    from ..result import Result

__all__ = [
    "OUTPUTS",
    "PRIVATE",
    "PUBLIC",
    "OutputFile",
    "OutputKind",
    "Writer",
    "check_kinds",
    "check_result_folder",
    "output_names",
    "private",
    "public",
    "result_file_names",
    "run_files",
    "write_result",
]

#: Writes one file of a result: ``writer(result, path)``.
Writer = Callable[["Result", Path], None]

#: The subfolders of a run folder.
PUBLIC = "public"
PRIVATE = "private"


@dataclass(frozen=True)
class OutputFile:
    """One file of an output kind: its writer and whether it may be published.

    Attributes
    ----------
    writer
        Writes the file: ``writer(result, path)``.
    is_public
        True: the file goes to ``public/`` (aggregated, safe to publish);
        False: to ``private/``.
    """

    writer: Writer
    is_public: bool

    @property
    def folder(self) -> str:
        """``"public"`` or ``"private"``."""
        return PUBLIC if self.is_public else PRIVATE


def public(writer: Writer) -> OutputFile:
    """A file for ``public/``: aggregated, with no count of fewer than k trips."""
    return OutputFile(writer, True)


def private(writer: Writer) -> OutputFile:
    """A file for ``private/``: per-trip or per-event data, input paths."""
    return OutputFile(writer, False)


@dataclass(frozen=True)
class OutputKind:
    """One output kind of ``[outputs].which``.

    Attributes
    ----------
    name
        The name used in ``[outputs].which``.
    files
        File name -> the file (writer, public or private), in writing order.
    """

    name: str
    files: Mapping[str, OutputFile]


def _kinds(*kinds: OutputKind) -> Mapping[str, OutputKind]:
    return MappingProxyType({k.name: k for k in kinds})


#: Every output kind by name, in the order of the scenario schema's default.
OUTPUTS: Mapping[str, OutputKind] = _kinds(
    # run.json names the run (id, seed, map hash, sizes); scenario.toml may name
    # private input files (bookings as CSV demand), so it stays private
    OutputKind(
        "scenario",
        {
            "scenario.toml": private(tables.write_scenario_toml),
            "run.json": public(tables.write_run_json),
        },
    ),
    OutputKind("requests", {"requests.csv": private(tables.write_requests)}),
    OutputKind(
        "events",
        {
            "events.csv": private(tables.write_events_csv),
            "events.parquet": private(tables.write_events_parquet),
        },
    ),
    OutputKind("trips", {"trips.csv": private(tables.write_trips)}),
    OutputKind("vehicles", {"vehicles.csv": private(tables.write_vehicles)}),
    OutputKind("kpis", {"kpis.json": public(tables.write_kpis)}),
    OutputKind("stops", {"stops.csv": public(tables.write_stops_csv)}),
    OutputKind(
        "geojson",
        {
            "link_loads.geojson": public(geo.write_link_loads_geojson),
            "stops.geojson": public(geo.write_stops_geojson),
        },
    ),
    OutputKind("html", {"report.html": public(report_html.write_html)}),
    OutputKind(
        "landuse",
        {
            "landuse.json": public(landuse_files.write_landuse_json),
            "landuse_streets.csv": public(landuse_files.write_landuse_streets),
            "landuse.geojson": public(landuse_files.write_landuse_geojson),
        },
    ),
    OutputKind(
        "accessibility",
        {
            # residents modelled from buildings, per grid cell: no rider's trip
            "accessibility.json": public(accessibility_files.write_accessibility_json),
            "accessibility_grid.geojson": public(accessibility_files.write_accessibility_grid),
        },
    ),
    OutputKind("gpkg", {"layers.gpkg": public(gpkg.write_gpkg)}),
)


def output_names() -> tuple[str, ...]:
    """The names of all output kinds, in registry order."""
    return tuple(OUTPUTS)


def result_file_names() -> frozenset[str]:
    """Every file a result folder may hold, by path in it (what ``--overwrite`` may replace)."""
    return frozenset(run_files(OUTPUTS))


def check_result_folder(folder: str | Path, *, overwrite: bool = False) -> None:
    """Refuse, before a run, a result folder that cannot or may not be written.

    An existing folder is replaced (with ``overwrite``) only when it is a
    klshuttle result: its ``run.json`` and nothing but the files of
    :data:`OUTPUTS`. See :func:`klshuttle.outputs.folders.check_output_folder`.
    """
    check_output_folder(Path(folder), overwrite=overwrite, known=result_file_names())


def check_kinds(which: Iterable[str]) -> list[str]:
    """``which`` as a list, if every name is an output kind.

    Raises
    ------
    ValueError
        A name is not in :data:`OUTPUTS`.
    """
    kinds = list(which)
    unknown = [k for k in kinds if k not in OUTPUTS]
    if unknown:
        raise ValueError(
            f"unknown output kind(s) {', '.join(map(repr, unknown))} "
            f"(expected some of {', '.join(OUTPUTS)})"
        )
    return kinds


def write_result(
    result: Result, folder: str | Path | None = None, *, overwrite: bool = False
) -> Path:
    """Write the files of ``result.scenario.outputs.which`` into ``folder``.

    Each file goes to ``folder/public/`` or ``folder/private/`` as the
    registry says (:func:`run_files`). The files are written to a temporary folder beside ``folder`` and renamed
    into place when complete; an existing folder is replaced only with
    ``overwrite=True``, and only when it is a klshuttle result
    (:func:`check_result_folder`).

    Parameters
    ----------
    result
        A finished run (:func:`klshuttle.runner.simulate`).
    folder
        Where to write; default the scenario's ``[outputs].folder``.
    overwrite
        Replace ``folder`` if it exists.

    Returns
    -------
    Path
        The folder written.

    Raises
    ------
    OutputExistsError
        ``folder`` exists and ``overwrite`` is False or it is not a klshuttle
        result, or it appeared while the files were written.
    OutputError
        ``folder`` cannot be written (a file on the way, no permission, a full disk).
    """
    target = Path(folder) if folder is not None else result.scenario.output_folder(result.seed)
    kinds = check_kinds(result.scenario.outputs.which)

    def fill(tmp: Path) -> None:
        (tmp / PUBLIC).mkdir()
        (tmp / PRIVATE).mkdir()
        for rel, file in run_files(kinds).items():
            file.writer(result, tmp / rel)

    return write_folder(target, fill, overwrite=overwrite, known=result_file_names())


def run_files(which: Iterable[str]) -> dict[str, OutputFile]:
    """The files the kinds ``which`` write, by path in the run folder (``public/kpis.json``)."""
    return {
        f"{file.folder}/{name}": file
        for kind in check_kinds(which)
        for name, file in OUTPUTS[kind].files.items()
    }
