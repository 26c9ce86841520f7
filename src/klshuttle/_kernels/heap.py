"""A binary min-heap of (key, node) pairs in two flat arrays, for Dijkstra and A*.

The heap uses lazy deletion: a node is pushed again when its key improves and
stale entries are skipped by the caller when popped. Each successful edge
relaxation pushes at most once, so a capacity of ``n_edges + 1`` is always
enough for one search.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from . import njit

__all__ = ["heap_pop", "heap_push"]


@njit
def heap_push(
    keys: NDArray[np.float64], nodes: NDArray[np.int32], size: int, key: float, node: int
) -> int:
    """Push ``(key, node)`` onto the heap of ``size`` entries; return the new size."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        nodes[i] = nodes[parent]
        i = parent
    keys[i] = key
    nodes[i] = node
    return size + 1


@njit
def heap_pop(
    keys: NDArray[np.float64], nodes: NDArray[np.int32], size: int
) -> tuple[float, int, int]:
    """Remove the smallest entry; return ``(key, node, new_size)``. ``size`` must be > 0."""
    key = keys[0]
    node = nodes[0]
    size -= 1
    if size > 0:
        last_key = keys[size]
        last_node = nodes[size]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            right = child + 1
            if right < size and keys[right] < keys[child]:
                child = right
            if keys[child] >= last_key:
                break
            keys[i] = keys[child]
            nodes[i] = nodes[child]
            i = child
        keys[i] = last_key
        nodes[i] = last_node
    return key, node, size
