"""Name normalisation (the one rule for places, stops and streets) and the gazetteer."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import numpy as np
import pytest

from graph_factory import make_graph
from klshuttle.places import find_place, normalize_name, suggest


@pytest.mark.parametrize(
    "name",
    [
        "Trippstadter Straße",
        "Trippstadter Strasse",
        "Trippstadter Str.",
        "trippstadter straße",
        "TRIPPSTADTER STRASSE",
        "Trippstadter\xa0Straße",  # non-breaking space, as in some OSM names
        "  Trippstadter   Straße ",
        "Trippstadter-Straße",
        "Kaiserslautern, Trippstadter Straße",
        "Kaiserslautern,\xa0Trippstadter Str.",
        unicodedata.normalize("NFD", "Trippstadter Straße"),
    ],
)
def test_spellings_of_one_street_share_a_key(name: str) -> None:
    assert normalize_name(name) == "trippstadter strasse"


def test_keys_by_hand() -> None:
    assert normalize_name("Uni-Süd") == "uni süd"
    assert normalize_name(unicodedata.normalize("NFD", "Uni Süd")) == "uni süd"  # NFC first
    assert normalize_name("Rudolf-Breitscheid-Str.") == "rudolf breitscheid strasse"
    assert normalize_name("Am_Hbf / Gleis 1") == "am hbf gleis 1"
    # only a leading "Kaiserslautern," is dropped, not the city name itself
    assert normalize_name("Kaiserslautern West") == "kaiserslautern west"
    assert normalize_name("Bahnhof Kaiserslautern, Süd") == "bahnhof kaiserslautern süd"


def test_different_names_keep_different_keys() -> None:
    assert normalize_name("Trippstadter Straße") != normalize_name("Tripstadter Straße")
    assert normalize_name("Post") != normalize_name("Post (2)")
    assert normalize_name("Uni West") != normalize_name("Uni Süd")


def test_graph_street_lookup_uses_the_same_rule() -> None:
    # edges 0 and 2 on "Trippstadter Straße", edge 1 on "Pfaffstraße", edge 3 unnamed
    g = make_graph(5, [(0, 1, 10.0), (1, 2, 10.0), (2, 3, 10.0), (3, 4, 10.0)])
    g = replace(
        g,
        name_code=np.array([0, 1, 0, -1], dtype=np.int32),
        street_names=("Trippstadter Straße", "Pfaffstraße"),
    )
    for query in ("Trippstadter Str.", "trippstadter\xa0strasse", "Trippstadter-Straße"):
        assert g.edges_named(query).tolist() == [0, 2], query
    assert g.edges_named("Pfaffstr.").tolist() == [1]
    assert g.edges_named("Tripstadter Straße").tolist() == []


def test_gazetteer_lookup_and_suggestions() -> None:
    hbf = find_place("kaiserslautern  HAUPTBAHNHOF")
    assert hbf is not None and hbf.name == "Hauptbahnhof"
    assert find_place("Hbf") is hbf
    assert find_place("Pfaff-Areal") is find_place("pfaff areal")
    assert find_place("Nowhere") is None
    assert suggest("Tripstadter Strasse", ["Trippstadter Straße", "Pfaffstraße"]) == [
        "Trippstadter Straße"
    ]
    assert suggest("Xyz", ["Trippstadter Straße"]) == []
