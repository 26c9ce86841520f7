"""Columns of a demand CSV that look like personal data.

Booking exports and surveys often carry names, e-mail addresses, phone
numbers, street addresses, dates of birth or customer numbers beside the
trips. klshuttle needs none of them; :func:`personal_columns` finds them by
the column name and, for free-text columns, by their values, so that the CSV
model can refuse the file (or, when the user allows it, read past them).

An id column is personal unless its values are opaque: random hex tokens or
UUIDs carry nothing about a person, whereas customer numbers, initials or
e-mail addresses do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

__all__ = ["ColumnCheck", "PersonalColumn", "personal_columns"]

_NAME_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        r"^(e_?mail|mail|email_?address|e_?mail_?adresse)$",
        "e-mail addresses",
    ),
    (
        r"^(phone|tel|telephone|telefon|mobile|mobil|handy|phone_?number|telefonnummer|cell)$",
        "phone numbers",
    ),
    (
        r"(^|_)(first_?name|last_?name|full_?name|surname|given_?name|family_?name|"
        r"vorname|nachname|name)$",
        "names",
    ),
    (
        r"(^|_)(address|addr|street|strasse|straße|house_?number|hausnummer|anschrift|"
        r"zip|zip_?code|postcode|postal_?code|plz|wohnort)($|_)",
        "street addresses",
    ),
    (
        r"(birth|dob|geburt|born)",
        "dates of birth",
    ),
    (
        r"(^|_)(id|user|user_?id|customer|customer_?id|rider_?id|passenger_?id|person_?id|"
        r"member|member_?id|client_?id|account|kunde|kunden_?nr|kundennummer|card_?id|"
        r"booking_?id|ticket_?id)$",
        "ids",
    ),
)

_VALUE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"), "e-mail addresses"),
    (re.compile(r"^\+?[\d\s()/.-]*\d[\d\s()/.-]*$"), "phone numbers"),
    (
        re.compile(
            r"(straße|strasse|str\.|weg|gasse|platz|allee|ring|street|road|avenue)\s*\d+[a-z]?\b",
            re.IGNORECASE,
        ),
        "street addresses",
    ),
    (
        re.compile(r"\b(\d{1,2}\.\d{1,2}\.(19|20)\d{2}|(19|20)\d{2}-\d{2}-\d{2})\b"),
        "dates",
    ),
)

_OPAQUE = re.compile(
    r"^([0-9a-f]{16,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$",
    re.IGNORECASE,
)


class PersonalColumn(NamedTuple):
    """A column that looks like personal data: its name and why."""

    column: str
    kind: str


class ColumnCheck(NamedTuple):
    """What :func:`personal_columns` found."""

    personal: list[PersonalColumn]
    #: id columns whose every value is an opaque token (harmless, read past)
    opaque_ids: list[str]


def _normalized(name: str) -> str:
    return re.sub(r"[^0-9a-zß]+", "_", name.strip().lower()).strip("_")


def _phone_like(value: str) -> bool:
    return sum(ch.isdigit() for ch in value) >= 7


def personal_columns(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    own: Iterable[str] = (),
    free_text: Iterable[str] = (),
) -> ColumnCheck:
    """The columns of a CSV that look like personal data, in header order.

    Parameters
    ----------
    header
        The column names.
    rows
        The data rows (for id columns: are the values opaque? for free-text
        columns: do they hold e-mail addresses, phone numbers, addresses?).
    own
        Columns the reader itself defines (never personal by name).
    free_text
        Columns whose values are checked (e.g. ``tag``).

    Returns
    -------
    ColumnCheck
        The personal columns (name and why) and the opaque id columns.
    """
    own_set = set(own)
    text_cols = {h for h in free_text if h in header}
    found: dict[str, str] = {}
    id_cols: list[str] = []
    for h in header:
        if h in own_set:
            continue
        key = _normalized(h)
        for pattern, kind in _NAME_PATTERNS:
            if re.search(pattern, key):
                if kind == "ids":
                    id_cols.append(h)
                else:
                    found[h] = kind
                break
    col = {h: i for i, h in enumerate(header)}
    opaque = dict.fromkeys(id_cols, True)
    for row in rows:
        for h in id_cols:
            value = row[col[h]].strip() if col[h] < len(row) else ""
            if value and not _OPAQUE.match(value):
                opaque[h] = False
        for h in list(text_cols):
            value = row[col[h]].strip() if col[h] < len(row) else ""
            for regex, kind in _VALUE_PATTERNS:
                if regex.search(value) and (kind != "phone numbers" or _phone_like(value)):
                    found[h] = kind
                    text_cols.discard(h)
                    break
    for h in id_cols:
        if not opaque[h]:
            found[h] = "ids that are not opaque tokens"
    return ColumnCheck(
        [PersonalColumn(h, found[h]) for h in header if h in found],
        [h for h in id_cols if opaque[h]],
    )
