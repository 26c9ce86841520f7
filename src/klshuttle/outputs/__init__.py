"""Output files of a run: tables, GeoJSON, GeoPackage, land use and the HTML report.

:func:`write_result` writes what the scenario's ``[outputs].which`` selects,
as listed in the one registry of output kinds (:data:`OUTPUTS`), into the
run folder's ``public/`` and ``private/`` parts; :func:`publish_run` copies
the public part only; :func:`check_result_folder` refuses early, in one line, a
folder that cannot or may not be written (:mod:`.folders`).
"""

from __future__ import annotations

from .folders import check_output_file, check_output_folder
from .publish import publish_run
from .registry import (
    OUTPUTS,
    PRIVATE,
    PUBLIC,
    OutputFile,
    OutputKind,
    check_kinds,
    check_result_folder,
    output_names,
    result_file_names,
    run_files,
    write_result,
)

__all__ = [
    "OUTPUTS",
    "PRIVATE",
    "PUBLIC",
    "OutputFile",
    "OutputKind",
    "check_kinds",
    "check_output_file",
    "check_output_folder",
    "check_result_folder",
    "output_names",
    "publish_run",
    "result_file_names",
    "run_files",
    "write_result",
]
