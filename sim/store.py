"""The result store: each finished replication on disk at once, complete or absent.

An experiment writes into a run directory. Beside the final files it keeps:

``experiment.json``
    What the results belong to: the kind of experiment, the seed, a SHA-256 of
    every resolved scenario (`sim.scenario.dump_scenario`) and one of the simulator's
    own source (`sim.experiment.code_digest`). A later run into the same
    directory must name the same ones, or it is refused (`StoreMismatch`); the
    replication count may differ, so a run can be extended.
``replications/<key>/``
    One directory per finished replication, holding its files (a JSON summary, and
    for ``run`` the run's CSV and JSONL files as they would be for it alone). It is
    written under a temporary name and renamed into place once every file is flushed
    to disk, so it
    exists whole or not at all: an interruption at any instant (Ctrl-C, ``kill -9``,
    power loss) loses at most the replications still running, and a rerun computes
    exactly the missing keys. Leftover temporary directories are removed when the
    store is opened. A replication's large files may be streamed into its staging
    folder while it runs (`staging_dir`, `sim.spool`), by this process or a local
    worker; it is adopted (`ResultStore.adopt`) like any other.

Everything written is a deterministic function of the scenario, the seed and the
replication, so a resumed run ends with the same bytes as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MANIFEST = "experiment.json"
REPLICATIONS = "replications"
_TMP_PREFIX = ".tmp-"


class StoreMismatch(Exception):
    """The run directory holds results of another experiment; the message is one line."""


def scenario_digest(text: str) -> str:
    """SHA-256 (hex) of a resolved scenario's YAML text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def replication_key(replication: int, group: str | None = None) -> str:
    """The store key of a replication: ``000042`` or ``<group>/000042``."""
    name = f"{replication:06d}"
    return name if group is None else f"{group}/{name}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    tmp = path.with_name(f"{_TMP_PREFIX}{path.name}-{uuid.uuid4().hex}")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def staging_dir(root: str | Path) -> Path:
    """A new, empty staging folder for one replication under the store's
    ``replications`` folder ``root`` (a leftover if never adopted, removed when the
    store is next opened)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"{_TMP_PREFIX}{uuid.uuid4().hex}"
    tmp.mkdir()
    return tmp


def holds_replications(run_dir: str | Path) -> bool:
    """Whether the store in ``run_dir`` holds a finished replication (one a rerun of
    the same experiment would not compute again)."""
    root = Path(run_dir) / REPLICATIONS
    return root.is_dir() and any(path.is_dir() and path.name.isdigit()
                                 for pattern in ("*", "*/*") for path in root.glob(pattern))


class ResultStore:
    """The replications of one experiment in ``run_dir``.

    Parameters
    ----------
    run_dir : the run directory; created if absent
    identity : what the results belong to (JSON-serialisable), e.g. ``{"kind": "run",
        "seed": 1, "scenarios": {"default": "<sha256>"}}``
    overwrite : discard results of another experiment instead of refusing

    Raises
    ------
    StoreMismatch
        When ``run_dir`` holds results of an experiment with another identity.
    """

    def __init__(self, run_dir: str | Path, identity: Mapping[str, Any],
                 overwrite: bool = False) -> None:
        self.run_dir = Path(run_dir)
        self.root = self.run_dir / REPLICATIONS
        self.identity = json.loads(json.dumps(identity))
        manifest = self.run_dir / MANIFEST
        if manifest.exists():
            try:
                stored = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                stored = None
            if stored != self.identity and not overwrite:
                raise StoreMismatch(f"{self.run_dir}: {_difference(stored, self.identity)}; "
                                    "choose another --out or pass --overwrite")
            if overwrite:  # asked for: every replication is computed again
                shutil.rmtree(self.root, ignore_errors=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.root.mkdir(exist_ok=True)
        self._remove_leftovers()
        if not manifest.exists() or overwrite:
            write_text_atomic(manifest, json.dumps(self.identity, indent=2) + "\n")

    def _remove_leftovers(self) -> None:
        for path in self.run_dir.glob(f"{_TMP_PREFIX}*"):
            path.unlink(missing_ok=True)
        for path in self.root.rglob(f"{_TMP_PREFIX}*"):
            shutil.rmtree(path, ignore_errors=True)

    def has(self, key: str) -> bool:
        """Whether replication ``key`` is stored (complete)."""
        return (self.root / key).is_dir()

    def put(self, key: str, files: Mapping[str, str]) -> None:
        """Store replication ``key``'s files at once (a directory renamed into place)."""
        final = self.root / key
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.parent / f"{_TMP_PREFIX}{final.name}-{uuid.uuid4().hex}"
        tmp.mkdir()
        self.adopt(key, tmp, files)

    def adopt(self, key: str, tmp: str | Path, files: Mapping[str, str] | None = None) -> None:
        """Store replication ``key`` from the staging folder ``tmp`` (`staging_dir`,
        on this store's file system) after writing ``files`` into it: every file is
        flushed to disk, then the folder is renamed into place (or removed if another
        writer finished the same replication first)."""
        tmp, final = Path(tmp), self.root / key
        final.parent.mkdir(parents=True, exist_ok=True)
        for name, text in (files or {}).items():
            with open(tmp / name, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
        for path in tmp.iterdir():
            if path.name not in (files or {}):       # streamed there during the run
                with open(path, "rb") as f:
                    os.fsync(f.fileno())
        _fsync_dir(tmp)
        if final.exists():  # another writer finished the same replication first
            shutil.rmtree(tmp, ignore_errors=True)
            return
        os.rename(tmp, final)
        _fsync_dir(final.parent)

    def read(self, key: str, name: str) -> str:
        """The text of file ``name`` of replication ``key``."""
        return (self.root / key / name).read_text(encoding="utf-8")

    def path(self, key: str, name: str) -> Path:
        """Where file ``name`` of replication ``key`` is (to copy it without reading
        it whole)."""
        return self.root / key / name


def _difference(stored: Any, wanted: Mapping[str, Any]) -> str:
    """One line saying how the stored experiment differs from the one asked for."""
    if not isinstance(stored, dict):
        return f"{MANIFEST} is unreadable"
    if stored.get("kind") != wanted.get("kind"):
        return (f"holds a {stored.get('kind')!r} experiment, not a {wanted.get('kind')!r} "
                "one")
    if stored.get("seed") != wanted.get("seed"):
        return f"holds results for seed {stored.get('seed')}, not seed {wanted.get('seed')}"
    old, new = stored.get("scenarios", {}), wanted.get("scenarios", {})
    if list(old) != list(new):
        return (f"holds results for scenarios {', '.join(old)}, not "
                f"{', '.join(new)}")
    if stored.get("code") != wanted.get("code"):
        return "holds results made by another version of the simulator's code"
    changed = [name for name in new if old.get(name) != new[name]]
    if changed:
        return (f"holds results for another version of scenario {changed[0]!r} "
                "(a file or --set/--variant value differs)")
    return "holds results of another experiment"
