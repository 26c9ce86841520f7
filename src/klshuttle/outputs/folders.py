"""Result folders: checked before a run, written atomically, replaced only when ours.

A result folder is filled inside a hidden temporary folder beside the target
and renamed into place when complete, so a failed or interrupted run leaves no
partial output. The rename never replaces a folder that appeared while the run
was simulating (another run writing to the same place): it fails instead.
``overwrite`` replaces only a folder klshuttle wrote, recognised by its
``run.json`` and by holding nothing but klshuttle's own files; anything else is
refused, so nothing a user wrote is deleted.

:func:`check_output_folder` runs before the simulation, so that a folder that
cannot be written (a file on the way, a read-only parent, the working folder,
a symbolic link) is reported in one line before any work is done.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import signal
import tempfile
import threading
import uuid
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from ..errors import OutputError, OutputExistsError
from ..scenario import display_path

__all__ = [
    "RUN_FILE",
    "check_output_file",
    "check_output_folder",
    "foreign_entries",
    "rename_noreplace",
    "write_folder",
]

#: The file that marks a folder as a klshuttle result (written by every run, in
#: its public part); a folder of klshuttle's own with no public part (a comparison,
#: a test) may carry it at its top instead (:data:`FLAT_RUN_FILE`).
RUN_FILE = "public/run.json"
FLAT_RUN_FILE = "run.json"

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def _renameat2() -> Callable[..., int] | None:
    """Linux ``renameat2`` from the C library, or None where there is none."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``; FileExistsError if ``dst`` exists, even as an empty folder.

    Uses ``renameat2(RENAME_NOREPLACE)`` where the system has it (atomic); else
    checks first and relies on POSIX ``rename``, which never replaces a folder
    that holds files.
    """
    fn = _renameat2()
    if fn is not None:
        if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            if err in (errno.EEXIST, errno.ENOTEMPTY):
                raise FileExistsError(err, os.strerror(err), str(dst))
            raise OSError(err, os.strerror(err), str(dst))
    if os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
    try:
        os.rename(src, dst)
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise FileExistsError(exc.errno, exc.strerror, str(dst)) from None
        raise


def _is_run_file(path: Path) -> bool:
    """``path`` is a regular file holding the JSON object of a klshuttle run."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "run_id" in data and "klshuttle_version" in data


def foreign_entries(folder: Path, known: Collection[str] | None) -> list[str]:
    """Why ``folder`` is not a klshuttle result: the entries klshuttle did not write.

    Returns an empty list for a folder holding a klshuttle ``public/run.json`` and,
    when ``known`` is given, nothing but regular files at the paths in ``known``
    (``public/kpis.json``, ...) and their folders; else the paths that make it
    someone else's (``public/run.json`` itself when it is missing).
    """
    marker = next((m for m in (RUN_FILE, FLAT_RUN_FILE) if _is_run_file(folder / m)), None)
    if marker is None:
        return [RUN_FILE]
    if known is None:
        return []
    files = set(known) | {marker}
    folders = {str(parent) for f in files for parent in Path(f).parents if str(parent) != "."}
    foreign = []
    for entry in sorted(folder.rglob("*")):
        rel = entry.relative_to(folder).as_posix()
        if entry.is_symlink():
            foreign.append(rel)
        elif entry.is_dir():
            if rel not in folders:
                foreign.append(rel)
        elif rel not in files:
            foreign.append(rel)
    return foreign


def _holds_cwd(folder: Path) -> bool:
    """``folder`` is the working folder or one of its parents."""
    try:
        here = Path.cwd().resolve()
        there = folder.resolve()
    except OSError:
        return False
    return there == here or there in here.parents


def _check_parent(folder: Path) -> None:
    """The nearest existing parent of ``folder`` is a folder we may write into."""
    shown = display_path(folder)
    parent = Path(os.path.abspath(folder)).parent
    while not os.path.lexists(parent):
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"cannot create {shown}: {display_path(parent)} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot create {shown}: no permission to write in {display_path(parent)}"
        )


def check_output_folder(
    folder: Path, *, overwrite: bool, known: Collection[str] | None = None
) -> None:
    """Refuse early, in one line, a result folder that cannot or may not be written.

    Parameters
    ----------
    folder
        The folder a run will write.
    overwrite
        Whether an existing klshuttle result there may be replaced.
    known
        The file names a result holds; with ``overwrite`` a folder holding any
        other entry is refused (None: only ``run.json`` is checked).

    Raises
    ------
    OutputExistsError
        The folder exists, and ``overwrite`` is False or it is not a klshuttle
        result (no ``run.json``, or files klshuttle did not write).
    OutputError
        It is a symbolic link, the working folder (or holds it), or its parent
        is a file or not writable.
    """
    shown = display_path(folder)
    if os.path.islink(folder):
        raise OutputError(f"{shown} is a symbolic link; give the folder itself with --out")
    if _holds_cwd(folder):
        raise OutputError(
            f"{shown} is the working folder (or holds it); give a new folder with --out"
        )
    if os.path.lexists(folder):
        if not folder.is_dir():
            raise OutputExistsError(f"{shown} exists and is not a folder")
        if not overwrite:
            raise OutputExistsError(
                f"{shown} exists; pass --overwrite to replace it or --out to write elsewhere"
            )
        _check_ours(folder, known)
    _check_parent(folder)


def check_output_file(path: Path, *, overwrite: bool) -> None:
    """Refuse early, in one line, an output file that cannot or may not be written.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is False, or it is a folder.
    OutputError
        It is a symbolic link, or its parent is a file or not writable.
    """
    shown = display_path(path)
    if os.path.islink(path):
        raise OutputError(f"{shown} is a symbolic link; give the file itself with -o")
    if os.path.lexists(path):
        if path.is_dir():
            raise OutputExistsError(f"{shown} is a folder; give a file path with -o")
        if not overwrite:
            raise OutputExistsError(
                f"{shown} exists; pass --overwrite or choose another path with -o"
            )
    _check_parent(path)


def _check_ours(folder: Path, known: Collection[str] | None) -> None:
    foreign = foreign_entries(folder, known)
    if foreign == [RUN_FILE] and not any((folder / m).exists() for m in (RUN_FILE, FLAT_RUN_FILE)):
        raise OutputExistsError(
            f"{display_path(folder)} is not a klshuttle result (no {RUN_FILE}); "
            "--overwrite replaces only folders klshuttle wrote, choose another --out"
        )
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise OutputExistsError(
            f"{display_path(folder)} holds {foreign[0]!r}{more}, which klshuttle did not "
            "write; --overwrite replaces only klshuttle results, move it or choose another --out"
        )


def _make_parents(folder: Path, created: list[Path]) -> None:
    """Create the missing parents of ``folder``, adding each to ``created`` (deepest first)."""
    missing = []
    parent = folder.parent
    while not os.path.lexists(parent):
        missing.append(parent)
        parent = parent.parent
    for p in reversed(missing):
        p.mkdir()
        created.insert(0, p)


def write_folder(
    target: Path,
    fill: Callable[[Path], None],
    *,
    overwrite: bool,
    known: Collection[str] | None = None,
) -> Path:
    """Write a folder atomically: ``fill`` writes into a temporary folder, renamed when done.

    Parameters
    ----------
    target
        The folder to create (or replace).
    fill
        Writes the files into the folder it is given.
    overwrite
        Replace ``target`` if it exists and is a klshuttle result.
    known
        File names a result may hold (see :func:`check_output_folder`).

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    OutputExistsError
        ``target`` exists (or appeared while the folder was written) and may
        not be replaced.
    OutputError
        The folder cannot be written (see :func:`check_output_folder`), or
        writing a file failed (a full disk).
    """
    check_output_folder(target, overwrite=overwrite, known=known)
    shown = display_path(target)
    created: list[Path] = []
    tmp: Path | None = None
    try:
        try:
            _make_parents(target, created)
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        except OSError as exc:
            raise OutputError(f"cannot create {shown}: {exc.strerror or exc}") from None
        try:
            fill(tmp)
        except OSError as exc:
            name = Path(exc.filename).name if exc.filename else "a file"
            raise OutputError(
                f"cannot write {name} in {shown}: {exc.strerror or exc}; nothing was written"
            ) from None
        os.chmod(tmp, 0o755)
        with _signals_held():
            try:
                _publish(tmp, target, overwrite=overwrite, known=known)
            except OutputExistsError:
                raise
            except OSError as exc:
                raise OutputError(
                    f"cannot put {shown} in place: {exc.strerror or exc}; nothing was written"
                ) from None
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        for p in created:
            try:
                p.rmdir()
            except OSError:
                break
        raise
    return target


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while the finished folder is put in place.

    The renames and the removal of a replaced result take milliseconds; a signal
    arriving meanwhile is delivered right after, with the result complete.
    """
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not (
        threading.main_thread()
    ):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _publish(tmp: Path, target: Path, *, overwrite: bool, known: Collection[str] | None) -> None:
    """Rename the finished ``tmp`` to ``target``, never over a folder that is not ours."""
    shown = display_path(target)
    appeared = OutputExistsError(
        f"{shown} appeared while this run was writing (another run with the same --out?); "
        "it was left as it is and nothing was written"
    )
    if not (overwrite and os.path.lexists(target)):
        try:
            rename_noreplace(tmp, target)
        except FileExistsError:
            raise appeared from None
        return
    check_output_folder(target, overwrite=True, known=known)
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:12]}")
    os.rename(target, old)
    try:
        rename_noreplace(tmp, target)
    except BaseException as exc:
        try:
            rename_noreplace(old, target)
        except OSError:
            raise OutputError(
                f"{shown} was written by another run meanwhile; this run wrote nothing "
                f"and the earlier result is kept in {display_path(old)}"
            ) from None
        if isinstance(exc, FileExistsError):
            raise appeared from None
        raise
    shutil.rmtree(old, ignore_errors=True)
