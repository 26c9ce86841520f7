"""The one registry of output kinds: name -> files -> writer, and the writer loop.

Each output kind of ``[outputs].which`` is a name and the files it writes;
each file has one writer ``writer(result, path)``. The writer loop
(:func:`write_result`), the validation of ``which`` (:func:`check_kinds`) and
the tests all read :data:`OUTPUTS`.

To add an output file: write one writer function (in :mod:`.tables`,
:mod:`.geo`, ... or a new module) and list its file under its kind below. A
new kind also needs its name in the scenario schema's ``[outputs].which``
(a test checks that the two lists agree).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from . import geo, landuse_files, report_html, tables
from .folders import check_output_folder, write_folder

if TYPE_CHECKING:
    from ..result import Result

__all__ = [
    "OUTPUTS",
    "OutputKind",
    "Writer",
    "check_kinds",
    "check_result_folder",
    "output_names",
    "result_file_names",
    "write_result",
]

#: Writes one file of a result: ``writer(result, path)``.
Writer = Callable[["Result", Path], None]


@dataclass(frozen=True)
class OutputKind:
    """One output kind of ``[outputs].which``.

    Attributes
    ----------
    name
        The name used in ``[outputs].which``.
    files
        File name -> the writer of that file, in writing order.
    """

    name: str
    files: Mapping[str, Writer]


def _kinds(*kinds: OutputKind) -> Mapping[str, OutputKind]:
    return MappingProxyType({k.name: k for k in kinds})


#: Every output kind by name, in the order of the scenario schema's default.
OUTPUTS: Mapping[str, OutputKind] = _kinds(
    OutputKind(
        "scenario",
        {"scenario.toml": tables.write_scenario_toml, "run.json": tables.write_run_json},
    ),
    OutputKind("requests", {"requests.csv": tables.write_requests}),
    OutputKind(
        "events",
        {"events.csv": tables.write_events_csv, "events.parquet": tables.write_events_parquet},
    ),
    OutputKind("trips", {"trips.csv": tables.write_trips}),
    OutputKind("vehicles", {"vehicles.csv": tables.write_vehicles}),
    OutputKind("kpis", {"kpis.json": tables.write_kpis}),
    OutputKind("stops", {"stops.csv": tables.write_stops_csv}),
    OutputKind(
        "geojson",
        {
            "link_loads.geojson": geo.write_link_loads_geojson,
            "stops.geojson": geo.write_stops_geojson,
        },
    ),
    OutputKind("html", {"report.html": report_html.write_html}),
    OutputKind(
        "landuse",
        {
            "landuse.json": landuse_files.write_landuse_json,
            "landuse_streets.csv": landuse_files.write_landuse_streets,
            "landuse.geojson": landuse_files.write_landuse_geojson,
        },
    ),
)


def output_names() -> tuple[str, ...]:
    """The names of all output kinds, in registry order."""
    return tuple(OUTPUTS)


def result_file_names() -> frozenset[str]:
    """Every file name a result folder may hold (what ``--overwrite`` may replace)."""
    return frozenset(name for kind in OUTPUTS.values() for name in kind.files)


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

    The files are written to a temporary folder beside ``folder`` and renamed
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
        for kind in kinds:
            for name, writer in OUTPUTS[kind].files.items():
                writer(result, tmp / name)

    return write_folder(target, fill, overwrite=overwrite, known=result_file_names())
