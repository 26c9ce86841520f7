"""Compile notices and fewer specialisations: the numba side of the first run.

The oracle for "compiled" is numba itself: a dispatcher's ``signatures`` lists
what it compiled, and a function called a second time with the same types is
not compiled again.
"""

from __future__ import annotations

import numba
import numpy as np

from klshuttle._kernels import _kernel, _KernelDispatcher
from klshuttle.jitwatch import watch_compiles


def _helper(x, k):  # type: ignore[no-untyped-def]
    return x[0] + k


def _caller(x):  # type: ignore[no-untyped-def]
    # two constant arguments: numba types each as its own literal
    return _HELPER(x, 3) + _HELPER(x, 5)


_HELPER = _kernel(_helper, cache=False)
_CALLER = _kernel(_caller, cache=False)


def test_watch_reports_one_outermost_compile_and_then_none() -> None:
    started: list[int] = []
    x = np.arange(3.0)
    with watch_compiles(on_start=lambda: started.append(1)) as report:
        assert _CALLER(x) == 8.0
    # the caller compiled its helper inside its own compilation: one outermost
    assert started == [1]
    assert report.compiled and report.kernels == 1 and report.seconds > 0
    with watch_compiles(on_start=lambda: started.append(2)) as again:
        assert _CALLER(x + 1) == 10.0
    assert started == [1] and not again.compiled and again.seconds == 0


def test_kernel_calls_compile_one_version_for_constant_arguments() -> None:
    assert isinstance(_HELPER, _KernelDispatcher)
    _CALLER(np.zeros(1))
    assert [str(t) for t in _HELPER.signatures[0]] == ["array(float64, 1d, C)", "int64"]
    assert len(_HELPER.signatures) == 1
    # plain numba compiles the helper once per constant value
    plain_helper = numba.njit(_helper)

    @numba.njit
    def plain_caller(x):  # type: ignore[no-untyped-def]
        return plain_helper(x, 3) + plain_helper(x, 5)

    plain_caller(np.zeros(1))
    assert len(plain_helper.signatures) == 2
