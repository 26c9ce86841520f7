"""The ``report.html`` writer of the output registry (the report is built in :mod:`.report`)."""

from __future__ import annotations

from .report import render_html, render_page, write_html

__all__ = ["render_html", "render_page", "write_html"]
