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

from collections.abc import Callable
from typing import Any, TypeVar

import numba

__all__ = ["NJIT_OPTIONS", "njit", "njit_parallel"]

F = TypeVar("F", bound=Callable[..., Any])

#: The options every kernel is compiled with.
NJIT_OPTIONS: dict[str, Any] = {"cache": True, "nogil": True}


def njit(func: F) -> F:
    """Compile ``func`` with the project's kernel options."""
    return numba.njit(**NJIT_OPTIONS)(func)  # type: ignore[no-any-return]


def njit_parallel(func: F) -> F:
    """Compile ``func`` with the kernel options and ``parallel=True`` (outer prange loops)."""
    return numba.njit(parallel=True, **NJIT_OPTIONS)(func)  # type: ignore[no-any-return]
