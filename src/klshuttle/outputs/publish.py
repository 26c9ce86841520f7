"""``klshuttle publish``: copy the public part of a run folder, and nothing else.

The copy is a new folder, written atomically (a temporary folder renamed into
place): an existing folder is never written over, and a failure leaves
nothing. Only regular files and folders of ``public/`` are copied; a symbolic
link there (which could point into ``private/``) is refused.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import OutputExistsError, PublishError
from ._io import write_folder
from .registry import PUBLIC

__all__ = ["publish_run"]


def _public_files(public: Path) -> list[Path]:
    """The files under ``public`` (relative), refusing anything but files and folders."""
    files = []
    for p in sorted(public.rglob("*")):
        rel = p.relative_to(public)
        if p.is_symlink():
            raise PublishError(f"{public / rel}: a symbolic link; publish copies plain files only")
        if p.is_file():
            files.append(rel)
        elif not p.is_dir():
            raise PublishError(f"{public / rel}: not a plain file")
    return files


def publish_run(run_dir: str | Path, dest: str | Path) -> list[Path]:
    """Copy ``run_dir/public/`` to the new folder ``dest``.

    Parameters
    ----------
    run_dir
        A run folder written by ``klshuttle run`` (with ``public/`` and ``private/``).
    dest
        The folder to create; it must not exist and must lie outside ``run_dir``.

    Returns
    -------
    list of Path
        The files copied, relative to ``dest``.

    Raises
    ------
    PublishError
        ``run_dir`` is not a run folder, ``dest`` lies inside it, or
        ``public/`` holds a symbolic link or a special file.
    OutputExistsError
        ``dest`` exists.
    """
    run = Path(run_dir)
    target = Path(dest)
    public = run / PUBLIC
    if not run.is_dir():
        raise PublishError(f"{run}: no such run folder")
    if public.is_symlink() or not public.is_dir():
        raise PublishError(
            f"{run}: no {PUBLIC}/ folder (not a run folder of klshuttle run, or an older layout)"
        )
    if target.exists() or target.is_symlink():
        raise OutputExistsError(f"{target} exists; publish writes a new folder only")
    if target.resolve().is_relative_to(run.resolve()):
        raise PublishError(f"{target}: lies inside the run folder {run}; choose another")
    files = _public_files(public)

    def fill(tmp: Path) -> None:
        for rel in files:
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(public / rel, tmp / rel, follow_symlinks=False)

    write_folder(target, fill, overwrite=False)
    return files
