"""The page template: one self-contained HTML file, shared by the run report and
the comparison page of ``klshuttle compare``.

:func:`render_page` takes a title and the HTML of the sections (a section is
any string; an empty one is left out) and returns the whole page: inline CSS,
no script, no external URL, so it opens offline and from an e-mail attachment.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from .i18n import LANGS

__all__ = ["CSS", "render_page", "section"]

CSS = """
body{font-family:system-ui,"Segoe UI",Roboto,sans-serif;margin:1.2em auto;max-width:1160px;
color:#222;padding:0 1em;line-height:1.4}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}
h3{font-size:1em;margin:.8em 0 .3em}
table{border-collapse:collapse}td,th{padding:.25em .8em;text-align:right;border-bottom:1px solid #eee;
vertical-align:top}th{text-align:left;font-weight:600}td.l{text-align:left}
.grid{display:flex;flex-wrap:wrap;gap:1em}img{max-width:100%}img.map{width:100%;max-width:1000px}.note{color:#555;font-size:.9em}
.warn{color:#a00}.lead{font-size:1.15em;margin:.6em 0 .8em}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:.7em}
.card{border:1px solid #d8dee6;border-radius:6px;padding:.6em .8em;background:#f7f9fb}
.card .v{font-size:1.7em;font-weight:650;color:#1d5e91;white-space:nowrap}
.card .k{font-weight:600}.card .s{color:#555;font-size:.85em}
footer{margin-top:2em;color:#666;font-size:.85em;border-top:1px solid #ccc;padding-top:.5em}
"""


def section(title: str, body: str, *, level: int = 2) -> str:
    """A section: a heading (escaped) and its HTML body."""
    return f"<section><h{level}>{html.escape(title)}</h{level}>\n{body}\n</section>"


def render_page(
    title: str,
    sections: Iterable[str | None],
    lang: str = "en",
    *,
    intro: str = "",
    footer: str = "",
) -> str:
    """One HTML page from its parts.

    Parameters
    ----------
    title
        Page title and heading (plain text, escaped here).
    sections
        HTML of each part in order; ``None`` or ``""`` (a part whose data is
        absent) is left out.
    lang
        ``"en"`` or ``"de"``, the page's ``lang`` attribute.
    intro
        Plain text under the heading (escaped here).
    footer
        Plain text at the foot (escaped here).

    Returns
    -------
    str
        The page, with no script and no reference outside itself.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (expected one of {', '.join(LANGS)})")
    t = html.escape(title)
    body = "\n".join(s for s in sections if s)
    intro_html = f"<p>{html.escape(intro)}</p>" if intro else ""
    foot = f"<footer>{html.escape(footer)}</footer>" if footer else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t}</title><style>{CSS}</style></head>
<body>
<h1>{t}</h1>
{intro_html}
{body}
{foot}
</body></html>
"""
