"""Charts of the day: requests per hour, waits in minutes, the fleet over the day.

Drawn with matplotlib (Agg) and embedded as PNG data URIs, with labelled axes
in the report's language and German decimal commas in German.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .i18n import tr

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ...result import Result

__all__ = ["day_figures", "png", "pyplot"]


def pyplot(lang: str) -> Any:
    """matplotlib.pyplot on the Agg backend, with the decimal comma in German."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["axes.formatter.use_locale"] = False
    plt.rcParams["font.size"] = 9
    return plt


def localize_axes(ax: Any, lang: str) -> None:
    """German tick labels (decimal comma, dot thousands) when ``lang`` is German."""
    if lang != "de":
        return
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, _pos: int) -> str:
        text = f"{x:,.10g}" if abs(x) >= 1000 else f"{x:.10g}"
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")

    ax.xaxis.set_major_formatter(FuncFormatter(fmt))
    ax.yaxis.set_major_formatter(FuncFormatter(fmt))


def png(fig: Any) -> str:
    """The figure as a PNG data URI (no timestamp, so the same run gives the same bytes)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def day_figures(result: Result, lang: str) -> dict[str, str]:
    """``hourly``, ``waits`` and ``fleet`` charts as PNG data URIs."""
    plt = pyplot(lang)
    trips = result.trips
    served = trips["status"] == "served"
    out: dict[str, str] = {}
    hours = np.arange(0, 25)
    fig, ax = plt.subplots(figsize=(5.6, 2.8))
    ax.hist(
        [trips.loc[served, "request_s"] / 3600, trips.loc[~served, "request_s"] / 3600],
        bins=cast("Sequence[float]", hours),  # the stub omits arrays, which hist takes
        stacked=True,
        label=[tr("f.served", lang), tr("f.rejected", lang)],
        color=["#2b7bba", "#d95f02"],
    )
    ax.set_xlabel(tr("f.hour", lang))
    ax.set_ylabel(tr("f.requests", lang))
    ax.legend(frameon=False)
    localize_axes(ax, lang)
    out["hourly"] = png(fig)
    fig, ax = plt.subplots(figsize=(5.6, 2.8))
    ax.hist(trips.loc[served, "wait_s"].to_numpy() / 60, bins=30, color="#2b7bba")
    ax.set_xlabel(tr("f.wait", lang))
    ax.set_ylabel(tr("f.trips", lang))
    localize_axes(ax, lang)
    out["waits"] = png(fig)
    legs = result.log.legs
    fig, ax = plt.subplots(figsize=(7, 2.8))
    if len(legs["t0_s"]):
        grid = np.arange(result.log.start_s, max(result.log.end_s, legs["t1_s"].max()) + 300, 300.0)
        # a leg counts at every grid time in [t0, t1): +1 where it starts, -1 where it ends
        a = np.searchsorted(grid, legs["t0_s"], side="left")
        b = np.searchsorted(grid, legs["t1_s"], side="left")
        n = len(grid) + 1
        driving = np.cumsum(np.bincount(a, minlength=n) - np.bincount(b, minlength=n))[:-1]
        load = legs["load"].astype(float)
        pax = np.cumsum(np.bincount(a, load, n) - np.bincount(b, load, n))[:-1]
        ax.plot(grid / 3600, driving, label=tr("f.driving", lang), color="#555")
        ax.plot(grid / 3600, pax, label=tr("f.on_board", lang), color="#2b7bba")
    ax.set_xlabel(tr("f.hour", lang))
    ax.set_ylabel(tr("f.count", lang))
    ax.legend(frameon=False)
    localize_axes(ax, lang)
    out["fleet"] = png(fig)
    return out
