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

import numba

__all__ = ["NJIT_OPTIONS", "drop_stale_cache", "njit", "njit_parallel"]

F = TypeVar("F", bound=Callable[..., Any])

#: The options every kernel is compiled with.
NJIT_OPTIONS: dict[str, Any] = {"cache": True, "nogil": True}


def njit(func: F) -> F:
    """Compile ``func`` with the project's kernel options."""
    return numba.njit(**NJIT_OPTIONS)(func)


def njit_parallel(func: F) -> F:
    """Compile ``func`` with the kernel options and ``parallel=True`` (outer prange loops)."""
    return numba.njit(parallel=True, **NJIT_OPTIONS)(func)


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
