"""Shared fixtures: the real Kaiserslautern extract and small hand-made maps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from klshuttle import RoadGraph, load_map

REPO = Path(__file__).resolve().parents[1]
SHARED_MAP = REPO.parent / "shared" / "maps" / "kaiserslautern.osm.gz"


#: Set to 1 to run as on a machine with no map at all: KLSHUTTLE_OSM is removed
#: for every test, and a test that asks for the real extract fails.
NO_MAP = os.environ.get("KLSHUTTLE_TEST_NO_MAP", "") not in ("", "0")

#: Fixtures that hand a test the real Kaiserslautern map (directly or through others).
MAP_FIXTURES = {"kl_osm", "kl_graph", "kl_env", "kl_router", "kl_cache"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that uses the real map must carry the ``kaiserslautern`` marker.

    So ``pytest -m "not kaiserslautern"`` selects exactly the tests that run with
    no map; a test that forgets the marker fails here instead of failing there.
    """
    unmarked = [
        item.nodeid
        for item in items
        if MAP_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("kaiserslautern") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests use the real map without the kaiserslautern marker: " + ", ".join(unmarked)
        )


def kaiserslautern_osm() -> Path:
    """Path of the real extract: $KLSHUTTLE_OSM, else ../shared/maps beside the repo.

    Tests that need it fail (never skip) when it is missing.
    """
    if NO_MAP:
        pytest.fail("KLSHUTTLE_TEST_NO_MAP is set: this test needs the real map")
    env = os.environ.get("KLSHUTTLE_OSM")
    path = Path(env) if env else SHARED_MAP
    if not path.is_file():
        pytest.fail(
            f"the Kaiserslautern OSM extract is missing ({path}); "
            "set KLSHUTTLE_OSM to shared/maps/kaiserslautern.osm.gz"
        )
    return path


@pytest.fixture(scope="session")
def kl_osm() -> Path:
    """Path of the Kaiserslautern OSM extract."""
    return kaiserslautern_osm()


@pytest.fixture(scope="session")
def kl_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A graph cache folder private to this test session."""
    return tmp_path_factory.mktemp("graph-cache")


@pytest.fixture(scope="session")
def kl_graph(kl_osm: Path, kl_cache: Path) -> RoadGraph:
    """The default shuttle road graph of central Kaiserslautern (built once a session)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("KLSHUTTLE_CACHE_DIR", str(kl_cache))
    try:
        return load_map(kl_osm)
    finally:
        mp.undo()


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test's graph cache out of the repository's maps/cache."""
    monkeypatch.setenv("KLSHUTTLE_CACHE_DIR", str(tmp_path / "cache"))
    if NO_MAP:
        monkeypatch.delenv("KLSHUTTLE_OSM", raising=False)


@pytest.fixture
def kl_env(
    kl_graph: RoadGraph, kl_osm: Path, kl_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point KLSHUTTLE_OSM at the real extract and the cache at the session's warm cache.

    Scenario tests resolve many scenarios; sharing the session cache (built
    by ``kl_graph``, private to this test session) keeps them fast while
    staying independent of any cache outside the session.
    """
    monkeypatch.setenv("KLSHUTTLE_OSM", str(kl_osm))
    monkeypatch.setenv("KLSHUTTLE_CACHE_DIR", str(kl_cache))
    return kl_cache
