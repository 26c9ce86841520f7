"""Output files of a run: tables, GeoJSON, land use and the HTML report.

:func:`write_result` writes what the scenario's ``[outputs].which`` selects,
as listed in the one registry of output kinds (:data:`OUTPUTS`);
:func:`check_result_folder` refuses early, in one line, a folder that cannot or may
not be written (:mod:`.folders`).
"""

from __future__ import annotations

from .folders import check_output_file, check_output_folder
from .registry import (
    OUTPUTS,
    OutputKind,
    check_kinds,
    check_result_folder,
    output_names,
    write_result,
)

__all__ = [
    "OUTPUTS",
    "OutputKind",
    "check_kinds",
    "check_output_file",
    "check_output_folder",
    "check_result_folder",
    "output_names",
    "write_result",
]
