"""What a demand model gets and returns, and the helpers the models share.

A model turns its spec and a :class:`DemandContext` into :class:`Trips`;
:func:`~klshuttle.demand.generate.generate_requests` snaps, sorts and numbers
the trips of all models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..errors import DemandError
from ..graph import RoadGraph
from ..osmfeatures import OsmFeatures
from ..scenario import TimeWindow
from ..shortest_paths import available_memory_bytes, fmt_bytes

if TYPE_CHECKING:
    from ..area import ServiceArea

__all__ = [
    "BYTES_PER_REQUEST",
    "DemandContext",
    "Pool",
    "Trips",
    "building_pool",
    "check_trip_count",
    "group_sizes",
    "tag_array",
]

#: Memory a request takes over a whole run, in bytes: 1e6 requests of the
#: Kaiserslautern map peak at about 2 GB (demand, routing, the event log, the
#: tables), 1e5 at about 0.3 GB over the map and kernels.
BYTES_PER_REQUEST = 2_000


def check_trip_count(n: int, where: str, what: str) -> None:
    """Refuse, before anything is drawn, more trips than the machine's memory holds.

    Parameters
    ----------
    n
        Trips a model asks for.
    where
        ``file: key`` of the count, for the message.
    what
        How the count came about, e.g. ``"trips_per_day"`` or ``"10 x 120 trains"``.

    Raises
    ------
    DemandError
        ``n`` requests need more than the available memory
        (:data:`BYTES_PER_REQUEST` each).
    """
    need = n * BYTES_PER_REQUEST
    avail = available_memory_bytes()
    if avail is not None and need > avail:
        raise DemandError(
            f"{where}: {n:,} trips ({what}) need about {fmt_bytes(need)} of memory to "
            f"simulate, more than the {fmt_bytes(avail)} available; ask for fewer"
        )


@dataclass
class Trips:
    """Trips of one model before snapping and sorting."""

    time_s: NDArray[np.float64]
    o_lon: NDArray[np.float64]
    o_lat: NDArray[np.float64]
    d_lon: NDArray[np.float64]
    d_lat: NDArray[np.float64]
    passengers: NDArray[np.int64]
    tag: NDArray[np.str_]
    dropped: int = 0
    #: the train each rider connects with ("" for none); None: no rider does
    train: NDArray[np.str_] | None = None
    #: latest arrival at the destination (NaN: none); None: no limits
    latest_arrival_s: NDArray[np.float64] | None = None
    #: when a prebooked ride was booked (NaN: asked when ready, immediate); None: none is
    book_s: NDArray[np.float64] | None = None


@dataclass
class DemandContext:
    """What the demand models need besides their own settings."""

    graph: RoadGraph
    area: ServiceArea
    window: TimeWindow
    features: Callable[[], OsmFeatures]
    locate: Callable[[Any, str], tuple[float, float, str]]
    label: str = "scenario"
    #: read past CSV columns that look like personal data instead of refusing the file
    allow_personal_columns: bool = False


def group_sizes(model: Any, rng: np.random.Generator, n: int) -> NDArray[np.int64]:
    """Riders per trip for ``n`` trips, drawn from the model's ``passengers`` weights."""
    sizes = np.array([int(k) for k in model.passengers], dtype=np.int64)
    w = np.array(list(model.passengers.values()), dtype=np.float64)
    if len(sizes) == 1:
        return np.full(n, sizes[0], dtype=np.int64)
    return rng.choice(sizes, size=n, p=w / w.sum())


@dataclass
class Pool:
    """Weighted candidate points (metric), e.g. homes by footprint area."""

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    w: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.x)

    def draw(self, rng: np.random.Generator, n: int) -> NDArray[np.int64]:
        """Indices of ``n`` points drawn with replacement, weighted by ``w``."""
        return rng.choice(len(self.x), size=n, p=self.w / self.w.sum())


def building_pool(ctx: DemandContext, use: int | None, where: str, what: str) -> Pool:
    """Buildings of one use (None: all) inside the service area, weighted by footprint.

    Raises
    ------
    DemandError
        If the area holds none (``what`` names them in the message).
    """
    f = ctx.features()
    sel = np.ones(len(f.building_use), dtype=bool) if use is None else f.building_use == use
    sel &= ctx.area.contains_xy_m(f.building_x, f.building_y)
    if not sel.any():
        raise DemandError(f"{ctx.label}: {where}: no {what} inside the service area")
    return Pool(f.building_x[sel], f.building_y[sel], f.building_area_m2[sel])


def tag_array(name: str, purposes: NDArray[np.str_] | list[str]) -> NDArray[np.str_]:
    """``"<name>:<purpose>"`` per trip."""
    return np.char.add(f"{name}:", np.asarray(purposes, dtype=str))
