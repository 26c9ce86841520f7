"""The ``klshuttle`` command group, its shared options and the entry point.

This is the only module that configures logging. User mistakes
(:class:`~klshuttle.errors.KlshuttleError`) are printed as one line on stderr
with exit code 1; usage errors exit with code 2 (click's convention). Ctrl-C
(SIGINT) and SIGTERM print one line and exit with 130 and 143 after the
files being written are removed (:func:`main` installs the handlers).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import click
from rich.console import Console

from .._version import __version__
from ..errors import KlshuttleError

__all__ = ["cli", "console", "main"]

console = Console(stderr=False, highlight=False)


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: unwinds the run so that cleanups run, then exits."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, frame: FrameType | None) -> None:
    # further signals would break the cleanup that this one starts
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signum)


def install_signal_handlers() -> None:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` (the command line only)."""
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)


class _Group(click.Group):
    """A click group that turns klshuttle errors into one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KlshuttleError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except Interrupted as exc:
            click.echo("terminated" if exc.signum == signal.SIGTERM else "interrupted", err=True)
            ctx.exit(128 + exc.signum)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="klshuttle")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """Plan and simulate automated last-mile shuttles on the Kaiserslautern road graph."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


# ------------------------------------------------------------------------ map


def _parse_sets(values: tuple[str, ...]) -> dict[str, Any]:
    """``--set key.path=value`` pairs; values are TOML (numbers, strings, lists ...)."""
    import tomllib

    out: dict[str, Any] = {}
    for item in values:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--set")
        try:
            out[key] = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            out[key] = text.strip()
        except RecursionError:
            raise click.BadParameter(
                f"{key}: the value is nested too deeply", param_hint="--set"
            ) from None
    return out


def _scenario_options(func: Any) -> Any:
    func = click.option(
        "--allow-personal-columns",
        "allow_personal",
        is_flag=True,
        help="Read past CSV demand columns that look like personal data instead of refusing "
        "the file (they are written nowhere). Sets privacy.allow_personal_columns.",
    )(func)
    func = click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override a scenario key, e.g. --set fleet.vehicles=30 (repeatable).",
    )(func)
    func = click.option("--seed", type=int, default=None, help="Override demand.seed.")(func)
    func = click.option(
        "--osm",
        "osm_path",
        type=click.Path(dir_okay=False, path_type=str),
        help="OSM extract to use instead of the scenario's [map] source.",
    )(func)
    func = click.argument("scenario", type=click.Path(path_type=str))(func)
    return func


@contextlib.contextmanager
def _compile_notice() -> Iterator[None]:
    """Say when numba compiles kernels (the first run after installing) and how long it took."""
    from ..jitwatch import watch_compiles

    def started() -> None:
        console.print(
            "compiling numba kernels: the first run after installing klshuttle takes "
            "longer; later runs load them from numba's cache ..."
        )

    with watch_compiles(on_start=started) as report:
        yield
    if report.compiled:
        console.print(
            f"compiled {report.kernels} numba kernels in {report.seconds:.1f} s "
            "(once: later runs load them from the cache)"
        )


def _load(
    scenario: str,
    osm_path: str | None,
    sets: tuple[str, ...],
    seed: int | None,
    allow_personal: bool = False,
) -> Any:
    from ..scenario import load_scenario

    overrides = _parse_sets(sets)
    if allow_personal:
        overrides["privacy.allow_personal_columns"] = True
    if osm_path:
        overrides["map.osm"] = __import__("os").path.realpath(osm_path)
    if seed is not None:
        overrides["demand.seed"] = seed
    return load_scenario(scenario, overrides=overrides or None)


def _out_option(help: str, default: str | None = None) -> Callable[[Any], Any]:
    """The ``--out`` folder option every writing command takes, with its own help."""
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=str),
        default=default,
        show_default=default is not None,
        help=help,
    )


no_progress_option = click.option(
    "--no-progress", is_flag=True, help="No progress bar (for logs and CI)."
)


def _dask_options(func: Any) -> Any:
    func = click.option(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786.",
    )(func)
    func = click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Worker processes of the local Dask cluster (default: one per core; 1: serial).",
    )(func)
    return func


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``klshuttle`` command."""
    install_signal_handlers()
    try:
        cli.main(args=argv, prog_name="klshuttle", standalone_mode=True)
    except Interrupted as exc:  # outside a command (parsing the arguments)
        click.echo("terminated" if exc.signum == signal.SIGTERM else "interrupted", err=True)
        sys.exit(128 + exc.signum)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
