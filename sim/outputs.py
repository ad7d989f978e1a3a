"""Output paths, checked before any work starts, and written atomically.

A command that simulates for a minute and then finds it cannot write has wasted the
minute; one that writes over a user's file has done harm. So every output a command
will write is checked first (`check_output_file`, `check_run_dir`), and files are
written through a temporary file and a rename (`write_text_atomic`): after an error
or Ctrl-C there is the old file or the complete new one, never half of one.

Rules:

* an output file's folder must exist and be writable; the path must not be a folder,
  a device or one of the command's inputs; two outputs must differ;
* a run directory (``run --out``) is replaced as a whole, so an existing path must be
  an empty folder or a run directory (it holds ``summary.json``): never a file, never
  a folder of someone else's files. Missing parent folders are created, but only
  below an existing folder, never through a file.

A path these checks pass can still refuse to be written: a folder whose permissions
allow what its file system does not (``/proc``, a read-only mount), a full disk.
`output_of` tells an OSError on one of a command's outputs from any other, so that
the command line reports it in one line (``PATH: OPTION: cannot write: why``) while a
bug stays a traceback. Outputs that must arrive together (``fuse -o`` and
``--stats``) are written through `staged_beside`.

Errors are `OutputPathError`, one line ``PATH: OPTION: what was expected``. Standard
library only: checking paths must not cost imports.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = ["OutputPathError", "check_output_file", "check_run_dir", "output_of",
           "staged_beside", "staged_dir", "staged_files", "write_text_atomic"]

#: A folder holding this file is a run directory (`sim.results`).
RUN_DIR_MARKER = "summary.json"


class OutputPathError(ValueError):
    """An output path that cannot or must not be written; one-line message."""


def _plain(path: str, option: str) -> Path:
    if not path:
        raise OutputPathError(f"'': {option}: expected a path, got an empty string")
    if "\0" in path:
        raise OutputPathError(f"{path!r}: {option}: expected a path without a NUL byte")
    return Path(path)


def _writable_folder(folder: Path, path: str, option: str) -> None:
    if not folder.exists():
        raise OutputPathError(f"{path}: {option}: the folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise OutputPathError(f"{path}: {option}: {str(folder)!r} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(f"{path}: {option}: cannot write into the folder "
                              f"{str(folder)!r}")


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output_file(path: str, option: str, inputs: Sequence[str] = (),
                      others: Sequence[str] = ()) -> Path:
    """Check that ``path`` can be written as a new or replaced regular file.

    Parameters
    ----------
    path : the output file as given
    option : the command-line option that named it (``-o``, ``--stats``), for messages
    inputs : files the command reads: the output must not be one of them
    others : other outputs of the same command: the output must differ from them

    Returns
    -------
    The path.

    Raises
    ------
    OutputPathError
    """
    target = _plain(path, option)
    if target.is_dir():
        raise OutputPathError(f"{path}: {option}: is a folder; expected a file name")
    if target.exists() and not target.is_file():
        raise OutputPathError(f"{path}: {option}: is not a regular file")
    _writable_folder(target.parent if str(target.parent) else Path("."), path, option)
    for name in inputs:
        if name and "\0" not in name and (_same(target, Path(name))
                                          or target.resolve() == Path(name).resolve()):
            raise OutputPathError(f"{path}: {option}: is also an input of the command; "
                                  "choose another file name")
    for name in others:
        if name and "\0" not in name and target.resolve() == Path(name).resolve():
            raise OutputPathError(f"{path}: {option}: is also another output of the "
                                  "command; choose another file name")
    return target


def check_run_dir(path: str, option: str = "--out") -> Path:
    """Check that ``path`` may become (or be replaced by) a run directory.

    Raises
    ------
    OutputPathError
        For a file, a folder that is neither empty nor a run directory, a parent that
        is a file, or a folder that cannot be written.
    """
    target = _plain(path, option)
    here = Path.cwd().resolve()
    if target.resolve() == here or target.resolve() in here.parents:
        raise OutputPathError(f"{path}: {option}: is the current folder or one of its "
                              "parents; a run replaces its folder whole, so choose a new one")
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise OutputPathError(f"{path}: {option}: is a file, not a run folder; "
                                  "choose a new folder name (nothing was written)")
        if any(target.iterdir()) and not ((target / RUN_DIR_MARKER).is_file()
                                          or (target / "experiment.json").is_file()):
            raise OutputPathError(f"{path}: {option}: is a folder that is not a run "
                                  f"directory (no {RUN_DIR_MARKER}); a run replaces its "
                                  "folder whole, so choose a new or empty folder")
    folder = target.absolute().parent
    while not folder.exists():
        folder = folder.parent
    _writable_folder(folder, path, option)
    return target


#: A write refused for want of room or of a writable disk: raised by ``write`` and
#: ``close`` without a file name, and never a fault of the program.
_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})


def output_of(error: OSError, outputs: Sequence[str | Path]) -> int | None:
    """Which of ``outputs`` (files or run directories) ``error`` was raised writing.

    A path checked up front can still fail to be written: a folder the command may
    write into by its permissions but not in fact (``/proc``, a read-only mount), a
    full disk. The error names a file: it is an output's when that file is the
    output, lies inside it (a run directory's files), is a temporary file beside it
    (``.NAME.*``: `write_text_atomic`, `staged_beside`, `staged_dir`) or a folder above
    it (made for it). One naming no file is the first output's when it says the disk
    is full or read-only. Any other is not about an output (None): a bug, not input.

    Returns
    -------
    The index in ``outputs``, or None.
    """
    names = [n for n in (error.filename, error.filename2) if isinstance(n, str | bytes)]
    if not names:
        return 0 if outputs and error.errno in _DISK_ERRNOS else None
    for name in names:
        failed = Path(os.path.abspath(os.fsdecode(name)))
        for i, output in enumerate(outputs):
            target = Path(os.path.abspath(output))
            if (failed == target or target in failed.parents or failed in target.parents
                    or (failed.parent == target.parent
                        and failed.name.startswith(f".{target.name}."))):
                return i
    return None


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it and a rename.

    A reader sees the old file or the complete new one; on any error or interrupt
    the temporary file is removed and the exception propagates.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def staged_dir(target: str | Path) -> Iterator[Path]:
    """Build a folder beside ``target`` and put it in ``target``'s place at the end.

    Yields a path (not yet existing) inside a temporary folder next to ``target``;
    whatever the block makes there replaces ``target`` by renames when the block
    ends normally. On an error or Ctrl-C the staging folder is removed and ``target``
    is as it was: a run directory and its map arrive together or not at all.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.staging-"))
    try:
        built = stage / target.name
        yield built
        if target.exists():
            os.replace(target, stage / ".old")
        os.replace(built, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


#: The staging folders `staged_files` makes inside its folder are named so.
STAGING_PREFIX = ".staging-"


def _locked(folder: Path, wait: bool) -> int | None:
    """An open descriptor of the folder ``folder`` holding an exclusive `fcntl.flock`
    on it (released when the descriptor is closed, or by the kernel when the process
    dies, however it dies); None when another process holds it and ``wait`` is false,
    or when ``folder`` is not a folder (a symbolic link is not followed) or cannot be
    locked."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _new_stage(folder: Path) -> tuple[Path, int | None]:
    """A new staging folder in ``folder``, locked for this process's life (or until the
    descriptor returned is closed), once the stale ones are removed: those whose lock
    can be taken, left by a process killed before it could remove its own (SIGKILL,
    a power cut). Both happen under a lock on ``folder`` itself, so no process removes
    a staging folder between another's making it and locking it."""
    guard = _locked(folder, wait=True)          # held for a moment: a few file operations
    try:
        if guard is not None:
            for stale in folder.glob(f"{STAGING_PREFIX}*"):
                held = _locked(stale, wait=False)
                if held is not None:            # no live process holds it
                    try:
                        shutil.rmtree(stale, ignore_errors=True)
                    finally:
                        os.close(held)
        stage = Path(tempfile.mkdtemp(dir=folder, prefix=STAGING_PREFIX))
        try:
            return stage, _locked(stage, wait=False)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
    finally:
        if guard is not None:
            os.close(guard)


@contextlib.contextmanager
def staged_files(folder: str | Path) -> Iterator[Path]:
    """Write files into a temporary folder inside ``folder``, then rename them into it.

    Yields the staging folder. When the block ends normally, every file made there
    replaces its namesake in ``folder`` by a rename (each one atomic: a reader sees
    the old file or the new one) and the staging folder is removed. On an error or
    Ctrl-C the staging folder is removed with everything in it, and ``folder`` is as it
    was: no half of the outputs, no file of the user's touched.

    A process killed outright (SIGKILL) leaves its staging folder behind; the staging
    folder is locked (`fcntl.flock`) while its process lives, and the next call on the
    same folder removes every ``.staging-*`` folder whose lock it can take, never one a
    process still running holds.
    """
    folder = Path(folder)
    stage, held = _new_stage(folder)
    try:
        yield stage
        for made in sorted(stage.iterdir()):
            if made.is_file():
                os.replace(made, folder / made.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if held is not None:
            os.close(held)


@contextlib.contextmanager
def staged_beside(targets: Sequence[str | Path]) -> Iterator[list[Path]]:
    """Write several files beside their ``targets`` and put them in place together.

    Yields one path per target: an empty temporary file in the target's folder, for
    the block to write (or replace, as `write_text_atomic` does). When the block ends
    normally each is renamed onto its target; on an error or Ctrl-C they are removed
    and no target is touched, so the outputs arrive together or not at all and a file
    the user had stays as it was (only a rename failing between two renames, which
    needs the folder to change under the command, leaves the first one done).
    """
    staged: list[Path] = []
    try:
        for target in map(Path, targets):
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                        suffix=".tmp")
            os.close(fd)
            staged.append(Path(name))
        yield list(staged)
        for path, final in zip(staged, targets, strict=True):
            os.replace(path, final)
    finally:
        for path in staged:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
