"""Where klshuttle looks for maps and keeps its caches, and file content hashes.

The maps folder is ``$KLSHUTTLE_MAPS_DIR`` if set, else the ``maps/`` folder of
the source checkout klshuttle runs from (an editable install), else ``./maps``.
The cache of compiled road graphs is ``$KLSHUTTLE_CACHE_DIR`` if set, else
``<maps folder>/cache`` (git-ignored).
"""

from __future__ import annotations

import hashlib
import logging
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .errors import MapSourceError

__all__ = ["cache_dir", "file_sha256", "maps_dir", "save_to_cache"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# what an unreadable cache entry raises (truncated, foreign or of an older format)
UNREADABLE_CACHE = (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile)


def _checkout_root() -> Path | None:
    """Return the source checkout holding this package, if it runs from one."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "maps").is_dir():
        return root
    return None


def maps_dir() -> Path:
    """Return the folder where users place OSM extracts."""
    env = os.environ.get("KLSHUTTLE_MAPS_DIR")
    if env:
        return Path(env).expanduser()
    root = _checkout_root()
    if root is not None:
        return root / "maps"
    return Path.cwd() / "maps"


def cache_dir() -> Path:
    """Return the folder for compiled road graphs (created on demand by writers).

    Raises
    ------
    MapSourceError
        ``$KLSHUTTLE_CACHE_DIR`` names something that is not a folder.
    """
    env = os.environ.get("KLSHUTTLE_CACHE_DIR")
    folder = Path(env).expanduser() if env else maps_dir() / "cache"
    if os.path.lexists(folder) and not folder.is_dir():
        where = f"KLSHUTTLE_CACHE_DIR={env}" if env else str(folder)
        raise MapSourceError(f"{where} is not a folder; the map cache needs a folder there")
    return folder


def save_to_cache(save: Callable[[Path], None], path: Path, what: str) -> None:
    """Write a cache entry with ``save(path)``; if it cannot be written, warn and go on.

    A cache only saves time, so a read-only or full cache folder costs a
    rebuild next time, never the command.
    """
    try:
        save(path)
    except OSError as exc:
        log.warning(
            "cannot write the %s cache %s (%s); going on without it",
            what,
            path,
            exc.strerror or exc,
        )


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of a file's content (the key of every cache)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cached(
    cache_file: Path,
    *,
    load: Callable[[Path], T],
    build: Callable[[], T],
    save: Callable[[T, Path], None],
    what: str,
    use_cache: bool = True,
) -> T:
    """``load(cache_file)`` when the cache holds it, else ``build()`` and save it.

    An unreadable entry is rebuilt with a warning; one that cannot be written
    costs a rebuild next time (:func:`save_to_cache`), never the command.
    ``what`` names the cache in both warnings.
    """
    if use_cache and cache_file.is_file():
        try:
            return load(cache_file)
        except UNREADABLE_CACHE:
            log.warning("rebuilding the unreadable %s cache %s", what, cache_file)
    value = build()
    if use_cache:
        save_to_cache(lambda path: save(value, path), cache_file, what)
    return value
