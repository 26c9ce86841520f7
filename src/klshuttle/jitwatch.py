"""Notice when numba compiles kernels, and how long it takes.

The first run after installing (or upgrading) klshuttle compiles its numba
kernels; later runs load the machine code from numba's on-disk cache. numba
announces every real compilation (never a cache load) as a ``numba:compile``
event; :func:`watch_compiles` listens to those events, calls ``on_start`` when
the first one begins, and sums the time spent in outermost compilations (a
kernel compiles the kernels it calls inside its own compilation).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["CompileReport", "watch_compiles"]


@dataclass
class CompileReport:
    """What numba compiled while :func:`watch_compiles` was active.

    Attributes
    ----------
    seconds : float
        Wall time spent compiling (outermost compilations only, so nested
        ones are not counted twice).
    kernels : int
        Kernels compiled at the outermost level (their callees not counted).
    """

    seconds: float = 0.0
    kernels: int = 0

    @property
    def compiled(self) -> bool:
        """True if anything was compiled."""
        return self.kernels > 0


@contextmanager
def watch_compiles(on_start: Callable[[], None] | None = None) -> Iterator[CompileReport]:
    """Record numba compilations in this block.

    Parameters
    ----------
    on_start
        Called once, when the first compilation begins (before it runs), for
        example to tell the user that the next step takes longer this time.

    Yields
    ------
    CompileReport
        Filled in as compilations end; complete when the block exits.
    """
    from numba.core import event

    report = CompileReport()

    class _Listener(event.Listener):
        depth = 0
        t0 = 0.0

        def on_start(self, ev: Any) -> None:
            if self.depth == 0:
                if not report.compiled and on_start is not None:
                    on_start()
                self.t0 = time.perf_counter()
            self.depth += 1

        def on_end(self, ev: Any) -> None:
            self.depth -= 1
            if self.depth == 0:
                report.seconds += time.perf_counter() - self.t0
                report.kernels += 1

    with event.install_listener("numba:compile", _Listener()):
        yield report
