"""A run directory read once for pictures: the files, parsed, for one replication.

Pictures use only a run directory's files (``scenario.yaml``, ``coverage.json``,
``trajectories.csv``, ``crossings.csv``, ``alerts.csv``, ``tracks.csv``,
``events.jsonl``, ``timeline.json``); they never import the simulation. A file that
is missing reads as empty, except those a picture cannot do without
(`RunDirError`).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

#: A mover's rows more than this apart, nearly without moving, are separate paths, s.
GAP_S = 7_200.0

#: libyaml's safe loader where PyYAML was built with it (about ten times faster on a
#: run's ``scenario.yaml``, the same documents), else the pure-Python one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_scenario_yaml(folder: Path) -> Any:
    """The run directory's ``scenario.yaml``, parsed (plain mappings and lists)."""
    return parse_scenario_yaml((folder / "scenario.yaml").read_text(encoding="utf-8"))


def parse_scenario_yaml(text: str) -> Any:
    """A ``scenario.yaml``'s text, parsed (plain mappings and lists)."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506


#: Files without which no picture can be drawn.
REQUIRED = ("scenario.yaml", "events.jsonl", "trajectories.csv")


class RunDirError(ValueError):
    """Not a usable run directory; the message is one line."""


@dataclass(frozen=True)
class Path2D:
    """A mover's timed path: ``kind`` (group, patrol, team), times (n,) s, points (n, 2)."""

    mover: str
    kind: str
    t_s: np.ndarray
    xy: np.ndarray

    def at(self, t_s: float) -> np.ndarray | None:
        """Position at ``t_s`` (linear between points), None outside the path."""
        if not len(self.t_s) or t_s < self.t_s[0] or t_s > self.t_s[-1]:
            return None
        return np.array([np.interp(t_s, self.t_s, self.xy[:, 0]),
                         np.interp(t_s, self.t_s, self.xy[:, 1])])


@dataclass
class RunData:
    """The parsed files of one replication of a run directory."""

    folder: Path
    scenario: dict[str, Any]
    coverage: list[dict[str, Any]]
    paths: list[Path2D]
    crossings: dict[str, dict[str, str]]
    alerts: list[dict[str, str]]
    tracks: dict[int, np.ndarray]            # track → (n, 3) rows t, x, y
    events: list[dict[str, Any]]
    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def start(self) -> dt.datetime:
        start = self.scenario["start"]
        return start if isinstance(start, dt.datetime) else dt.datetime.fromisoformat(
            str(start))

    @property
    def horizon_s(self) -> float:
        ends = [p.t_s[-1] for p in self.paths if len(p.t_s)]
        ends += [ev["t_s"] for ev in self.events[-1:]]
        return float(max(ends)) if ends else 0.0

    def local(self, t_s: float) -> dt.datetime:
        return self.start + dt.timedelta(seconds=float(t_s))

    def outcome(self, mover: str) -> str:
        return self.crossings.get(mover, {}).get("outcome", "undetected")


#: The columns of each CSV a replay reads: (always numbers, numbers or empty, whole
#: numbers). Every row must also have as many fields as the header.
CSV_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "trajectories.csv": (("t_s", "x", "y"), (), ("replication",)),
    "tracks.csv": (("time", "x", "y"), (), ("track", "replication")),
    "detections.csv": (("time",), (), ("sensor", "track", "replication")),
    "sensors.csv": ((), (), ("sensor",)),
    "crossings.csv": (("entry_s", "entry_x", "entry_y"),
                      ("first_report_s", "known_s", "first_alert_s", "verified_s",
                       "tasked_s", "on_scene_s", "apprehended_s", "turned_back_s",
                       "arrived_s"), ("replication", "truth", "size")),
    "alerts.csv": (("time", "x", "y"), ("decided_s", "verify_start_s", "tasked_s"),
                   ("replication", "alert", "track", "priority")),
}
#: JSON files a replay reads: (name, required).
JSON_FILES = (("summary.json", True), ("coverage.json", False))


class RunInputs:
    """A run directory's inputs as `check_run_files` read them: each file once, parsed,
    for every replication, so that the readers (`read_run_dir`, `sim.narrative`'s
    timeline, the map) need not read and parse them again.

    The same views as reading the files gives: `events` every record of
    ``events.jsonl`` in file order, `rows` a CSV's rows as `csv.DictReader` makes them,
    `document` a JSON file parsed, `scenario` ``scenario.yaml`` parsed (libyaml's safe
    loader, as `parse_scenario_yaml`)."""

    def __init__(self, folder: Path, parsed: dict[str, Any]) -> None:
        self.folder = folder
        self._parsed = parsed

    def events(self) -> list[dict[str, Any]]:
        """Every record of ``events.jsonl`` (all replications), in file order."""
        events: list[dict[str, Any]] = self._parsed["events.jsonl"]
        return events

    def scenario(self) -> Any:
        """``scenario.yaml``, parsed."""
        return self._parsed["scenario.yaml"]

    def document(self, name: str) -> Any:
        """A JSON file of `JSON_FILES`, parsed; None for one the folder does not have."""
        return self._parsed.get(name)

    def rows(self, name: str) -> list[dict[str, str]]:
        """A CSV of `CSV_COLUMNS`, one mapping a row (header → field); [] for a file the
        folder does not have."""
        if name not in self._parsed:
            return []
        header, rows = self._parsed[name]
        return [dict(zip(header, row, strict=True)) for row in rows]


def check_run_files(folder: str | Path) -> RunInputs:
    """Read every input of a replay once and check it, line by line, before anything
    is written: a damaged file is reported by name and line, not half-way through the
    pictures.

    Checked: ``events.jsonl`` holds one JSON object a line with a ``kind`` and a
    finite ``t_s``; each CSV of `CSV_COLUMNS` is UTF-8, has its columns, and every row
    its fields, numbers where numbers are read; ``scenario.yaml`` parses to a mapping
    with a segment, a border, a name and a start; the JSON files parse to objects.

    Returns
    -------
    What was read, parsed (`RunInputs`): the files are not read again.

    Raises
    ------
    RunDirError
        One line, ``FOLDER/FILE: line N: what was expected``.
    """
    folder = Path(folder)
    parsed: dict[str, Any] = {}
    for name, problem in _problems(folder, parsed):
        raise RunDirError(f"{folder / name}: {problem}; the run directory is damaged "
                          "(run it again)")
    return RunInputs(folder, parsed)


def _problems(folder: Path, parsed: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(file name, problem) of the first problem found, if any; each file's contents
    parsed go into ``parsed`` under its name as it is read."""
    try:
        yield from _events_problem(folder / "events.jsonl", parsed)
        for name, columns in CSV_COLUMNS.items():
            yield from _csv_problem(folder / name, *columns, parsed=parsed)
        yield from _scenario_problem(folder / "scenario.yaml", parsed)
        for name, required in JSON_FILES:
            path = folder / name
            if required or path.exists():
                try:
                    data = json.loads("".join(line for _, line in _lines(path)))
                except json.JSONDecodeError as error:
                    yield name, f"line {error.lineno}: not JSON ({error.msg})"
                    continue
                if not isinstance(data, dict):
                    yield name, "expected a JSON object"
                parsed[name] = data
    except _FileProblem as problem:
        yield problem.name, str(problem)


class _FileProblem(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """The numbered lines of a text file; `_FileProblem` for bytes that are not UTF-8
    text or a file that cannot be read."""
    try:
        with path.open("rb") as f:
            for number, raw in enumerate(f, start=1):
                try:
                    yield number, raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise _FileProblem(path.name, f"line {number}: not UTF-8 text") from None
    except OSError as error:
        raise _FileProblem(path.name, f"cannot read: {error.strerror or error}") from None


def _events_problem(path: Path, parsed: dict[str, Any]) -> Iterator[tuple[str, str]]:
    events: list[dict[str, Any]] = []
    parsed[path.name] = events
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            ev = json.loads(line)
        except json.JSONDecodeError as error:
            yield path.name, (f"line {number}: not a JSON object (column {error.colno}: "
                              f"{error.msg.removesuffix(' at')})")
            return
        if not isinstance(ev, dict):
            yield path.name, f"line {number}: not a JSON object"
            return
        t_s = ev.get("t_s")
        if not isinstance(ev.get("kind"), str) or isinstance(t_s, bool) or not isinstance(
                t_s, int | float) or not math.isfinite(t_s):
            yield path.name, (f"line {number}: expected a record with a kind and a finite "
                              "t_s")
            return
        events.append(ev)


def _csv_problem(path: Path, numbers: tuple[str, ...], optional: tuple[str, ...],
                 whole: tuple[str, ...], parsed: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if not path.exists():      # required files are checked by the caller
        return
    lines = (line for _, line in _lines(path))
    try:
        reader = csv.reader(lines)
        header = next(reader, None)
        if header is None:
            yield path.name, "line 1: empty; expected a header"
            return
        wanted = [c for c in (*numbers, *whole) if c != "replication"]
        missing = [c for c in wanted if c not in header]
        if missing:
            yield path.name, f"line 1: no column {missing[0]!r} in the header"
            return
        where = {c: header.index(c) for c in (*numbers, *optional, *whole) if c in header}
        rows: list[list[str]] = []
        parsed[path.name] = (header, rows)
        for row in reader:
            number = reader.line_num
            if len(row) != len(header):
                yield path.name, (f"line {number}: {len(row)} fields, expected "
                                  f"{len(header)} ({', '.join(header)})")
                return
            for column, i in where.items():
                text = row[i]
                if column in optional and not text:
                    continue
                if column in whole:
                    digits = text.strip().removeprefix("-")
                    ok = digits.isascii() and digits.isdigit()
                else:
                    try:
                        ok = math.isfinite(float(text))
                    except ValueError:
                        ok = False
                if not ok:
                    kind = "a whole number" if column in whole else "a number"
                    yield path.name, (f"line {number}: column {column!r}: expected {kind}, "
                                      f"got {text[:40]!r}")
                    return
            rows.append(row)
    except csv.Error as error:
        yield path.name, f"line {reader.line_num}: {error}"


def _scenario_problem(path: Path, parsed: dict[str, Any]) -> Iterator[tuple[str, str]]:
    text = "".join(line for _, line in _lines(path))
    try:
        scenario = parse_scenario_yaml(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        yield path.name, f"{where}not YAML ({error.problem or error.context})"
        return
    except yaml.YAMLError as error:
        yield path.name, f"not YAML ({' '.join(str(error).split())[:80]})"
        return
    segment = scenario.get("segment") if isinstance(scenario, dict) else None
    border = segment.get("border") if isinstance(segment, dict) else None
    if not isinstance(border, list) or not all(
            isinstance(p, list) and len(p) == 2 for p in border):
        yield path.name, "expected a resolved scenario with segment.border"
    elif not isinstance(scenario.get("name"), str) or "start" not in scenario:
        yield path.name, "expected a resolved scenario with a name and a start"
    parsed[path.name] = scenario


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class _FolderFiles:
    """A run directory's files read as they are asked for: `RunInputs`' views, for a
    folder nobody has checked."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def events(self) -> Iterator[dict[str, Any]]:
        with (self.folder / "events.jsonl").open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)

    def scenario(self) -> Any:
        return read_scenario_yaml(self.folder)

    def document(self, name: str) -> Any:
        path = self.folder / name
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def rows(self, name: str) -> list[dict[str, str]]:
        return _rows(self.folder / name)


def read_run_dir(folder: str | Path, replication: int = 0,
                 lines: list[dict[str, Any]] | None = None,
                 inputs: RunInputs | None = None) -> RunData:
    """Read ``folder`` (one replication). Raises `RunDirError` for a folder that is not a
    run directory.

    ``lines``: the narrated timeline (``timeline.json``'s lines) when the caller has it
    already, as ``replay`` does before writing it; otherwise read from the folder.
    ``inputs``: the folder's files as `check_run_files` read them, not read again."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RunDirError(f"{folder}: not a folder; expected a run directory")
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise RunDirError(f"{folder}: {missing[0]}: missing; expected a run directory "
                          "(run_sim.py run or demo writes one)")
    files: RunInputs | _FolderFiles = inputs if inputs is not None else _FolderFiles(folder)
    rep = str(replication)
    try:
        scenario = files.scenario()
        if not isinstance(scenario, dict) or "segment" not in scenario:
            raise ValueError("no segment")
        coverage: list[dict[str, Any]] = []
        document = files.document("coverage.json")
        if document is not None:
            coverage = document["sources"]
        events = [ev for ev in files.events() if ev.get("replication", 0) == replication]
        points: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
        kinds: dict[str, str] = {}
        for row in files.rows("trajectories.csv"):
            if row.get("replication", "0") == rep:
                points[row["mover"]].append((float(row["t_s"]), float(row["x"]),
                                             float(row["y"])))
                kinds[row["mover"]] = row.get("kind", "group")
        tracks: dict[int, list[tuple[float, float, float]]] = defaultdict(list)
        for row in files.rows("tracks.csv"):
            if row.get("replication", "0") == rep:
                tracks[int(row["track"])].append((float(row["time"]), float(row["x"]),
                                                  float(row["y"])))
        if lines is None:
            lines = []
            if (folder / "timeline.json").is_file():
                lines = json.loads((folder / "timeline.json").read_text(
                    encoding="utf-8"))["lines"]
    except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as error:
        raise RunDirError(f"{folder}: cannot read the run directory: "
                          f"{' '.join(str(error).split())[:120]}") from None
    paths = []
    for mover, pts in points.items():
        arr = np.asarray(pts, dtype=float)
        # a patrol's duties and a team's missions follow each other in one mover's
        # rows; off duty (or parked at base) it is not walking from one end to the
        # next start, so a path is cut at a long, nearly motionless gap
        dt_s = np.diff(arr[:, 0])
        moved = np.hypot(*np.diff(arr[:, 1:], axis=0).T)
        breaks = np.flatnonzero((dt_s < 0) | ((dt_s > GAP_S) & (moved < 0.2 * dt_s))) + 1
        for piece in np.split(arr, breaks):
            paths.append(Path2D(mover, kinds[mover], piece[:, 0], piece[:, 1:]))
    crossings = {r["id"]: r for r in files.rows("crossings.csv")
                 if r.get("replication", "0") == rep}
    alerts = [r for r in files.rows("alerts.csv") if r.get("replication", "0") == rep]
    return RunData(folder, scenario, coverage, paths, crossings, alerts,
                   {k: np.asarray(v, dtype=float) for k, v in tracks.items()}, events, lines)
