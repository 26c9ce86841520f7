"""Demand models by name: each model module registers its generator here.

A demand model is a function ``(spec, ctx, rng, where) -> Trips``: ``spec``
is the model's validated scenario spec (its ``type`` is the registered name),
``ctx`` a :class:`~klshuttle.demand.trips.DemandContext`, ``rng`` the model's
own :class:`numpy.random.Generator` and ``where`` the key path for messages
(``"demand.models[0]"``). A module registers its model with
:func:`register_model`::

    @register_model("osm")
    def osm_trips(model: OsmDemand, ctx: DemandContext, rng, where) -> Trips: ...

Every module of the :mod:`klshuttle.demand` package is imported the first time
a model is looked up, so a new model module is found without being listed
anywhere; its spec joins the ``DemandModel`` union in the scenario package.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

import numpy as np

from .trips import DemandContext, Trips

__all__ = ["DemandModelFn", "model_generator", "register_model", "registered_models"]

#: A demand model: ``(spec, ctx, rng, where) -> Trips``.
DemandModelFn = Callable[[Any, DemandContext, np.random.Generator, str], Trips]

_MODELS: dict[str, DemandModelFn] = {}
_discovered = False


def register_model(name: str) -> Callable[[DemandModelFn], DemandModelFn]:
    """Register the decorated function as the demand model ``name``.

    Parameters
    ----------
    name
        The model's ``type`` in the scenario (``[[demand.models]] type = name``).

    Raises
    ------
    ValueError
        If another function is already registered under ``name``.
    """

    def decorate(fn: DemandModelFn) -> DemandModelFn:
        known = _MODELS.get(name)
        if known is not None and (known.__module__, known.__qualname__) != (
            fn.__module__,
            fn.__qualname__,
        ):
            raise ValueError(f"demand model {name!r} is already registered ({known.__module__})")
        _MODELS[name] = fn
        return fn

    return decorate


def _discover() -> None:
    """Import every module of the demand package once (their decorators register)."""
    global _discovered
    if _discovered:
        return
    package = importlib.import_module(__package__ or "klshuttle.demand")
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    _discovered = True


def registered_models() -> tuple[str, ...]:
    """Names of all demand models, sorted."""
    _discover()
    return tuple(sorted(_MODELS))


def model_generator(name: str) -> DemandModelFn | None:
    """The generator registered as ``name``, or None if there is none."""
    _discover()
    return _MODELS.get(name)
