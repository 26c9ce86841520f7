"""A small gazetteer: named places of Kaiserslautern that scenarios refer to.

Coordinates are those listed in ``shared/DOMAIN.md`` ("In the OSM extract",
Places). Scenario files may name these places wherever a location is expected
(hubs, depots, service-area centres); lookups ignore case, spaces, hyphens and
the "Straße"/"Strasse" spelling, and accept the aliases listed here.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["PLACES", "Place", "find_place", "normalize_name"]


@dataclass(frozen=True)
class Place:
    """A named point: ``name`` as shown to users, WGS84 ``lon``/``lat``."""

    name: str
    lon: float
    lat: float
    aliases: tuple[str, ...] = ()


#: Named places with coordinates from shared/DOMAIN.md ("Places").
PLACES: tuple[Place, ...] = (
    Place("Hauptbahnhof", 7.76893, 49.43598, ("Kaiserslautern Hauptbahnhof", "Hbf")),
    Place("Rathaus", 7.76767, 49.44668, ("city hall",)),
    Place("University campus", 7.75580, 49.42549, ("university", "Uni", "RPTU", "TU campus")),
    Place("DFKI", 7.75125, 49.42937, ("German Research Center for Artificial Intelligence",)),
    Place("Fraunhofer centre", 7.7525, 49.4315, ("Fraunhofer", "Fraunhofer Zentrum")),
    Place("Pfaff site", 7.75163, 49.43654, ("Pfaff", "Pfaff-Areal", "Pfaffgelände")),
    Place("Westpfalz-Klinikum", 7.75621, 49.44142, ("Klinikum", "hospital")),
    Place("Kaiserslautern West", 7.74981, 49.44753, ("KL West", "West station", "Bahnhof West")),
)


def normalize_name(name: str) -> str:
    """Return a comparison key for a place or stop name.

    Case, accents of the key form, non-breaking spaces, hyphens, the
    "Straße"/"Strasse"/"Str." spellings and a leading "Kaiserslautern," are
    ignored, so "Kaiserslautern, Uni West" and "uni west" compare equal.
    """
    text = unicodedata.normalize("NFC", name).replace("\xa0", " ").casefold()
    text = text.replace("straße", "strasse").replace("str.", "strasse")
    text = re.sub(r"^kaiserslautern\s*,\s*", "", text)
    text = re.sub(r"[\s\-_.,/]+", " ", text)
    return text.strip()


_INDEX: dict[str, Place] = {}
for _place in PLACES:
    for _n in (_place.name, *_place.aliases):
        _INDEX[normalize_name(_n)] = _place


def find_place(name: str) -> Place | None:
    """Look up a place by name or alias; None when the gazetteer has no such place."""
    return _INDEX.get(normalize_name(name))


def suggest(name: str, candidates: list[str] | tuple[str, ...], n: int = 3) -> list[str]:
    """Return up to ``n`` candidates that look like ``name`` (for error messages)."""
    keys = {normalize_name(c): c for c in candidates}
    close = difflib.get_close_matches(normalize_name(name), list(keys), n=n, cutoff=0.6)
    return [keys[k] for k in close]
