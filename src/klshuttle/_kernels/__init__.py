"""Numba kernels: code over arrays and scalars only.

All kernels are compiled with the options set here, in one place:
``cache=True`` (a second process loads the machine code from disk instead of
recompiling) and ``nogil=True``. ``parallel=True`` is used only on outer loops
over independent sources. No ``fastmath``: ``inf`` is a sentinel for
"unreachable" and must survive comparisons.

Kernels never print, log or raise on user input: they return sentinels
(``inf`` distances, ``-1`` indices) that the Python layer turns into errors.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

# Threads of a parallel kernel sleep as soon as their share is done instead of
# spinning (libgomp's default spins up to ~0.3 s). The parallel insertion search
# starts its threads once per request; on a machine busy with other work the
# spinning threads took the cores the next request needed, and a 2-thread
# search ran 5-10 times slower than the serial one (README, "Parallel
# insertion"). Read by libgomp when numba first starts its thread pool, so set
# before any parallel kernel runs; a value the user set is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba
from numba.core import types as nbtypes
from numba.core.registry import CPUDispatcher

__all__ = ["NJIT_OPTIONS", "drop_stale_cache", "njit", "njit_inline", "njit_parallel"]

F = TypeVar("F", bound=Callable[..., Any])

#: The options every kernel is compiled with.
NJIT_OPTIONS: dict[str, Any] = {"cache": True, "nogil": True}


class _KernelDispatcher(CPUDispatcher):
    """numba's CPU dispatcher, compiling calls from other kernels for plain types.

    numba types a constant argument (``emit(log, t, E_PICKUP, v, -1, ...)``) as
    a literal and compiles the callee once per literal value, and once more for
    every type a variable passes through during type inference. The kernels
    never need a literal argument, so calls from kernel to kernel are compiled
    for the non-literal types only: 35 compiled functions instead of 60 for
    an on-demand day, a quarter to a third less time compiling the simulation
    kernels (README, "The main job").
    """

    def get_call_template(self, args: Any, kws: Any) -> Any:
        args = tuple(nbtypes.unliteral(a) for a in args)
        kws = {k: nbtypes.unliteral(v) for k, v in kws.items()}
        return super().get_call_template(args, kws)


def _kernel(func: F, **options: Any) -> F:
    """``numba.njit`` with the kernel options (``options`` added or overriding)."""
    disp = numba.njit(**{**NJIT_OPTIONS, **options})(func)
    if isinstance(disp, CPUDispatcher):  # not under NUMBA_DISABLE_JIT
        disp.__class__ = _KernelDispatcher
    return disp


def njit(func: F) -> F:
    """Compile ``func`` with the project's kernel options."""
    return _kernel(func)


def njit_inline(func: F) -> F:
    """Compile ``func`` with the kernel options, inlined into its callers (numba IR).

    For small helpers called in hot loops with a large named tuple: a call
    passes every array of the tuple by value, which can cost more than the
    helper's work.
    """
    return _kernel(func, inline="always")


def njit_parallel(func: F) -> F:
    """Compile ``func`` with the kernel options and ``parallel=True`` (outer prange loops)."""
    return _kernel(func, parallel=True)


_STAMP = "klshuttle-kernels.sha256"
_cache_checked = False


def _cache_folder() -> Path:
    """Where numba keeps the cached machine code of this package's kernels."""
    here = Path(__file__).resolve().parent
    env = os.environ.get("NUMBA_CACHE_DIR")
    if env:
        return Path(env) / here.relative_to(here.anchor)
    return here / "__pycache__"


def drop_stale_cache() -> None:
    """Delete numba's cached kernels if any kernel source changed since they were written.

    numba checks only the source file of the function it caches, so a kernel
    that calls a changed kernel of another module would load stale machine
    code. A hash of all kernel sources, stored beside the cache, catches
    that. Called once per process by the entry points (Router, simulation)
    before the first kernel runs.
    """
    global _cache_checked
    if _cache_checked:
        return
    _cache_checked = True
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for source in sorted(here.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    folder = _cache_folder()
    stamp = folder / _STAMP
    text = digest.hexdigest()
    try:
        if stamp.is_file() and stamp.read_text() == text:
            return
        for pattern in ("*.nbi", "*.nbc"):
            for cached in folder.glob(pattern):
                cached.unlink(missing_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
        stamp.write_text(text)
    except OSError:
        # a read-only install: numba then compiles in memory, which is correct
        return
