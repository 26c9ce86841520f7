"""Charts of the day: requests per hour, waits in minutes, the fleet over the day.

Drawn with matplotlib (Agg) and embedded as PNG data URIs, with labelled axes
in the report's language and German decimal commas in German.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any

import numpy as np

from ..privacy import hourly_counts
from .i18n import tr
from .public import fleet_over_day, wait_bins

if TYPE_CHECKING:
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
    """``hourly``, ``waits`` and ``fleet`` charts as PNG data URIs.

    Counts as a public file may show them (:mod:`.public`): hours and
    one-minute wait bins with 1 to k - 1 trips are not drawn, passengers on
    board are on the ``[privacy].time_rounding_s`` grid with 1 to k - 1 blanked.
    """
    plt = pyplot(lang)
    out: dict[str, str] = {}
    hourly, _ = hourly_counts(result)
    x_h = hourly["start_s"].to_numpy(dtype=float) / 3600
    width_h = float(x_h[1] - x_h[0]) if len(x_h) > 1 else 1.0
    n_served = np.nan_to_num(hourly["served"].to_numpy(dtype=float))
    n_rejected = np.nan_to_num(hourly["rejected"].to_numpy(dtype=float))
    fig, ax = plt.subplots(figsize=(5.6, 2.8))
    ax.bar(x_h, n_served, width=width_h, align="edge", color="#2b7bba", label=tr("f.served", lang))
    ax.bar(
        x_h,
        n_rejected,
        width=width_h,
        bottom=n_served,
        align="edge",
        color="#d95f02",
        label=tr("f.rejected", lang),
    )
    ax.set_xlim(0, max(24.0, float(x_h[-1] + width_h)) if len(x_h) else 24.0)
    ax.set_xlabel(tr("f.hour", lang))
    ax.set_ylabel(tr("f.requests", lang))
    ax.legend(frameon=False)
    localize_axes(ax, lang)
    out["hourly"] = png(fig)
    waits = wait_bins(result)
    fig, ax = plt.subplots(figsize=(5.6, 2.8))
    ax.bar(
        waits.edges_min[:-1],
        np.nan_to_num(waits.shown),
        width=1.0,
        align="edge",
        color="#2b7bba",
    )
    ax.set_xlabel(tr("f.wait", lang))
    ax.set_ylabel(tr("f.trips", lang))
    localize_axes(ax, lang)
    out["waits"] = png(fig)
    fleet = fleet_over_day(result)
    fig, ax = plt.subplots(figsize=(7, 2.8))
    if len(fleet.grid_s):
        ax.plot(fleet.grid_s / 3600, fleet.driving, label=tr("f.driving", lang), color="#555")
        ax.plot(fleet.grid_s / 3600, fleet.on_board, label=tr("f.on_board", lang), color="#2b7bba")
    ax.set_xlabel(tr("f.hour", lang))
    ax.set_ylabel(tr("f.count", lang))
    ax.legend(frameon=False)
    localize_axes(ax, lang)
    out["fleet"] = png(fig)
    return out
