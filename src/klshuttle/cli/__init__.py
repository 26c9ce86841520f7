"""The ``klshuttle`` command line: a thin layer over the Python API.

This is the only package that configures logging. User mistakes
(:class:`~klshuttle.errors.KlshuttleError`) are printed as one line on stderr
with exit code 1; usage errors exit with code 2 (click's convention). Ctrl-C
(SIGINT) and SIGTERM print one line and exit with 130 and 143 after the files
being written are removed (:func:`main` installs the handlers).

One module per group of commands; importing them registers the commands on
:data:`cli`.
"""

from __future__ import annotations

from . import (  # noqa: F401  (registers the commands)
    map_commands,
    plan_commands,
    run_commands,
    scenario_commands,
    sweep_commands,
)
from ._app import cli, console, main

__all__ = ["cli", "console", "main"]
