"""Numbers for people: thousands separators, decimals, units, in English or German.

English: ``1,234.5``, ``95%``; German (DIN 5008): ``1.234,5``, ``95 %`` (a
no-break space before ``%`` and before every unit). ``None`` and NaN print as
an en dash.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["DASH", "NBSP", "km", "m2", "minutes", "num", "pct", "signed"]

#: What a missing value prints as.
DASH = "\u2013"
#: No-break space: a number never wraps away from its unit.
NBSP = "\u00a0"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def num(value: Any, lang: str, decimals: int = 0) -> str:
    """``value`` with ``decimals`` decimals and thousands separators of ``lang``.

    >>> num(1234.5, "de", 1), num(1234.5, "en", 1)
    ('1.234,5', '1,234.5')
    """
    if _missing(value):
        return DASH
    text = f"{float(value):,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0"
    if lang == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def signed(value: Any, lang: str, decimals: int = 0) -> str:
    """Like :func:`num` with a sign always shown (``+12``, ``-3``, ``0``)."""
    if _missing(value):
        return DASH
    text = num(value, lang, decimals)
    return text if text.startswith("-") or text.strip("0,.") == "" else "+" + text


def pct(share: Any, lang: str, decimals: int = 0) -> str:
    """A share (0..1) as percent: ``95%`` in English, ``95 %`` in German."""
    if _missing(share):
        return DASH
    sep = NBSP if lang == "de" else ""
    return f"{num(100.0 * float(share), lang, decimals)}{sep}%"


def _unit(value: Any, lang: str, decimals: int, unit: str) -> str:
    if _missing(value):
        return DASH
    return f"{num(value, lang, decimals)}{NBSP}{unit}"


def minutes(seconds: Any, lang: str, decimals: int = 1) -> str:
    """Seconds shown as minutes: ``4.5 min``."""
    return _unit(None if _missing(seconds) else float(seconds) / 60.0, lang, decimals, "min")


def km(value_km: Any, lang: str, decimals: int = 0) -> str:
    """Kilometres: ``1,234 km``."""
    return _unit(value_km, lang, decimals, "km")


def m2(value_m2: Any, lang: str) -> str:
    """Square metres, whole: ``2,345 m²``."""
    return _unit(value_m2, lang, 0, "m²")
