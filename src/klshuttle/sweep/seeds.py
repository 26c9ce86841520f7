"""Replication seeds: independent streams spawned from the scenario's seed.

Replication ``k`` of a grid point always gets the same seed, however many
replications a sweep asks for: :meth:`numpy.random.SeedSequence.spawn` gives
child ``k`` the spawn key ``(k,)`` whatever the number of children, and the
demand models draw from a generator seeded with that child's first word.
"""

from __future__ import annotations

import numpy as np

__all__ = ["replication_seeds"]


def replication_seeds(base_seed: int, replications: int) -> list[int]:
    """The demand seeds of replications ``0 .. replications - 1``.

    Parameters
    ----------
    base_seed
        The scenario's ``demand.seed``.
    replications
        How many seeds (>= 1).

    Returns
    -------
    list of int
        One non-negative 32-bit seed per replication; the first ``k`` seeds are
        the same for every ``replications >= k``.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    children = np.random.SeedSequence(int(base_seed)).spawn(int(replications))
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]
