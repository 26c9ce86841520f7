"""Output files of a run: tables, GeoJSON, land use and the HTML report.

:func:`write_result` writes what the scenario's ``[outputs].which`` selects,
as listed in the one registry of output kinds (:data:`OUTPUTS`);
:func:`check_output_folder` refuses early when the folder may not be replaced.
"""

from __future__ import annotations

from ._io import check_output_folder
from .registry import OUTPUTS, OutputKind, check_kinds, output_names, write_result

__all__ = [
    "OUTPUTS",
    "OutputKind",
    "check_kinds",
    "check_output_folder",
    "output_names",
    "write_result",
]
