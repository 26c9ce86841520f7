"""Shared fixtures: the real Kaiserslautern extract and small hand-made maps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from klshuttle import RoadGraph, load_map

REPO = Path(__file__).resolve().parents[1]
SHARED_MAP = REPO.parent / "shared" / "maps" / "kaiserslautern.osm.gz"


def kaiserslautern_osm() -> Path:
    """Path of the real extract: $KLSHUTTLE_OSM, else ../shared/maps beside the repo.

    Tests that need it fail (never skip) when it is missing.
    """
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
