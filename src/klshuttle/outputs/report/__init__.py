"""The HTML report of a run, in English or German, and the page template it shares.

Parts, one concern each: :mod:`.i18n` (every text, both languages),
:mod:`.fmt` (numbers and units), :mod:`.page` (the page template,
:func:`render_page`, also for ``klshuttle compare``), :mod:`.headline`,
:mod:`.sections` and :mod:`.maps`, :mod:`.figures`, :mod:`.public` (the
report's counts through :mod:`..privacy`, and its Privacy section).

The report is public: every count it draws or prints goes through
:mod:`..privacy` (no bar, bin, segment or stop with 1 to k - 1 trips); day
totals and means stay exact.

To add a section: write ``def my_section(result, lang) -> str`` that returns
its HTML (via :func:`.page.section`) or ``""`` when its data is absent (read
optional KPI keys with ``.get``), put its texts in :data:`.i18n.MESSAGES`, and
list it in :data:`SECTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .._io import write_text
from .headline import headline_html
from .i18n import LANGS, tr
from .page import render_page, section
from .planning import planning_section
from .public import privacy_section
from .sections import (
    accessibility_section,
    benefit_map_section,
    day_section,
    landuse_section,
    map_section,
    rules_section,
    service_section,
)

if TYPE_CHECKING:
    from ...result import Result

__all__ = ["LANGS", "SECTIONS", "render_html", "render_page", "section", "write_html"]

#: The sections of the report, top to bottom: ``(result, lang) -> HTML or ""``.
SECTIONS: list[Callable[[Result, str], str]] = [
    headline_html,
    planning_section,
    map_section,
    rules_section,
    service_section,
    day_section,
    accessibility_section,
    benefit_map_section,
    landuse_section,
    privacy_section,
]


def render_html(result: Result, lang: str | None = None) -> str:
    """The report as one HTML string, in ``lang`` (default: the scenario's ``[outputs].lang``)."""
    lang = lang or result.scenario.outputs.lang
    sc = result.scenario
    return render_page(
        tr("title", lang, name=sc.name),
        (part(result, lang) for part in SECTIONS),
        lang,
        intro=sc.description,
        footer=tr("footer", lang, run_id=result.run_id, seed=result.seed),
    )


def write_html(result: Result, path: Path) -> None:
    """Write the report to ``path`` in the scenario's ``[outputs].lang``."""
    write_text(render_html(result), path)
