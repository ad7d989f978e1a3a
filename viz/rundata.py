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
from collections import defaultdict
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


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_run_dir(folder: str | Path, replication: int = 0) -> RunData:
    """Read ``folder`` (one replication). Raises `RunDirError` for a folder that is not a
    run directory."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RunDirError(f"{folder}: not a folder; expected a run directory")
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        raise RunDirError(f"{folder}: {missing[0]}: missing; expected a run directory "
                          "(run_sim.py run or demo writes one)")
    rep = str(replication)
    try:
        scenario = read_scenario_yaml(folder)
        if not isinstance(scenario, dict) or "segment" not in scenario:
            raise ValueError("no segment")
        coverage: list[dict[str, Any]] = []
        if (folder / "coverage.json").is_file():
            coverage = json.loads((folder / "coverage.json").read_text(encoding="utf-8"))[
                "sources"]
        events = []
        with (folder / "events.jsonl").open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    ev = json.loads(line)
                    if ev.get("replication", 0) == replication:
                        events.append(ev)
        points: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
        kinds: dict[str, str] = {}
        for row in _rows(folder / "trajectories.csv"):
            if row.get("replication", "0") == rep:
                points[row["mover"]].append((float(row["t_s"]), float(row["x"]),
                                             float(row["y"])))
                kinds[row["mover"]] = row.get("kind", "group")
        tracks: dict[int, list[tuple[float, float, float]]] = defaultdict(list)
        for row in _rows(folder / "tracks.csv"):
            if row.get("replication", "0") == rep:
                tracks[int(row["track"])].append((float(row["time"]), float(row["x"]),
                                                  float(row["y"])))
        lines: list[dict[str, Any]] = []
        if (folder / "timeline.json").is_file():
            lines = json.loads((folder / "timeline.json").read_text(encoding="utf-8"))["lines"]
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
    crossings = {r["id"]: r for r in _rows(folder / "crossings.csv")
                 if r.get("replication", "0") == rep}
    alerts = [r for r in _rows(folder / "alerts.csv") if r.get("replication", "0") == rep]
    return RunData(folder, scenario, coverage, paths, crossings, alerts,
                   {k: np.asarray(v, dtype=float) for k, v in tracks.items()}, events, lines)
