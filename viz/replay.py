"""The interactive replay: ``replay.html``, one self-contained file for a browser.

Script, styles and data are inline; the page loads nothing (a Content-Security-Policy
forbids it), so it works from a USB stick in a classroom without network. Built from
run-directory files only (`viz.rundata`): the map (zones, border, the simulation's
coverage geometry), the command's tracks, the alerts, the teams and patrols, the
groups' true paths, and the narrated event log (``timeline.json``, written by
`sim.narrative`).

Controls: play / pause, speed, a time slider, jump to the next event or the next
inject, layer toggles (coverage, tracks, alerts, true paths — the last hidden at
first, as the operators did not see them), a click on any unit, track, alert,
sensor or group for its details, and the event log, which scrolls in step with the
clock.

Thinning for long runs (a week): the command's tracks keep at most
`MAX_TRACK_POINTS` points in all (every k-th fused position of each track, its
first and last always kept); paths are already sparse (timed waypoints). The event
log is never thinned: every narrated line is in the page.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from viz.map import OUTCOME_COLOURS, SENSOR_COLOURS, ZONE_COLOURS, sensor_anchor
from viz.replay_page import PAGE
from viz.rundata import RunData

#: Most track points embedded in the page (all tracks together).
MAX_TRACK_POINTS = 40_000


def _r(values: np.ndarray, digits: int = 1) -> list[float]:
    return [round(float(v), digits) for v in values]


def thin(rows: np.ndarray, step: int) -> np.ndarray:
    """Every ``step``-th row of ``rows`` (n, k), the first and the last kept."""
    if step <= 1 or len(rows) <= 2:
        return rows
    keep = np.zeros(len(rows), dtype=bool)
    keep[::step] = True
    keep[-1] = True
    return rows[keep]


def page_data(data: RunData) -> dict[str, Any]:
    """Everything the page draws, as plain JSON-ready data."""
    sc = data.scenario
    segment = sc["segment"]
    border = np.asarray(segment["border"], dtype=float)
    depth = float(segment.get("depth_m", 0.0))
    pad = max(200.0, 0.03 * float(np.ptp(border[:, 0]) or 1.0))
    bounds = [float(border[:, 0].min() - pad), float(border[:, 0].max() + pad),
              float(border[:, 1].min() - pad), float(border[:, 1].max() + depth + pad)]
    coverage = []
    for src in data.coverage:
        g = src["geometry"]
        if g["type"] == "Polygon":
            coverage.append({"id": src["id"], "kind": src["kind"], "shape": "poly",
                             "pts": g["coordinates"][0],
                             "colour": SENSOR_COLOURS.get(src["kind"], "#0a3069")})
        elif g["type"] == "LineString":
            coverage.append({"id": src["id"], "kind": src["kind"], "shape": "line",
                             "pts": g["coordinates"],
                             "colour": SENSOR_COLOURS.get(src["kind"], "#0a3069")})
    sensors = []
    for spec in sc.get("sensors", []):
        x, y = sensor_anchor(spec)
        sensors.append({"id": spec["id"], "kind": spec["kind"], "x": float(x), "y": float(y),
                        "colour": SENSOR_COLOURS.get(spec["kind"], "#0a3069")})
    status = [{"t": ev["t_s"], "sensor": ev["sensor"], "status": ev["status"]}
              for ev in data.events if ev["kind"] == "sensor_status"]
    units, groups = [], []
    for p in data.paths:
        item: dict[str, Any] = {"id": p.mover, "t": _r(p.t_s), "x": _r(p.xy[:, 0]),
                                "y": _r(p.xy[:, 1])}
        if p.kind == "group":
            c = data.crossings.get(p.mover, {})
            item.update(kind="group", size=int(c.get("size", 0) or 0),
                        outcome=data.outcome(p.mover),
                        colour=OUTCOME_COLOURS.get(data.outcome(p.mover), "#000000"))
            groups.append(item)
        else:
            item.update(kind=p.kind)
            units.append(item)
    total = sum(len(v) for v in data.tracks.values())
    step = max(1, math.ceil(total / MAX_TRACK_POINTS))
    tracks = []
    for tid in sorted(data.tracks):
        rows = thin(data.tracks[tid], step)
        tracks.append({"id": tid, "t": _r(rows[:, 0], 2), "x": _r(rows[:, 1]),
                       "y": _r(rows[:, 2])})
    alerts = [{"id": int(a["alert"]), "t": float(a["time"]), "track": int(a["track"]),
               "priority": int(a["priority"]), "x": float(a["x"]), "y": float(a["y"]),
               "decision": a["decision"], "camera": a["camera"], "team": a["team"],
               "decided": float(a["decided_s"]) if a["decided_s"] else None,
               "source": a["source"]}
              for a in data.alerts]             # the truth column is left out
    bases = [{"id": t["id"], "x": float(t["base_m"][0]), "y": float(t["base_m"][1])}
             for t in sc.get("response", {}).get("teams", [])]
    zones = [{"kind": z["kind"], "pts": z["polygon"],
              "colour": ZONE_COLOURS.get(z["kind"], "#eeeeee")} for z in segment.get("zones", [])]
    return {"name": sc["name"], "description": sc.get("description", ""),
            "start": data.start.isoformat(), "horizon": data.horizon_s, "bounds": bounds,
            "border": border.tolist(), "zones": zones, "coverage": coverage,
            "sensors": sensors, "status": status, "bases": bases, "units": units,
            "groups": groups, "tracks": tracks, "alerts": alerts, "log": data.lines,
            "thinning": {"track_points": total, "kept_every": step}}


def replay_html(data: RunData) -> str:
    """The page's text (see the module docstring)."""
    blob = json.dumps(page_data(data), ensure_ascii=False, separators=(",", ":"))
    blob = blob.replace("</", "<\\/")          # never close the script element early
    title = html.escape(f"{data.scenario['name']} — replay")
    return PAGE.replace("__TITLE__", title).replace("__DATA__", blob)


def write_replay(data: RunData, out: str | Path | None = None) -> Path:
    """Write ``replay.html``; returns its path."""
    target = Path(out) if out is not None else data.folder / "replay.html"
    target.write_text(replay_html(data), encoding="utf-8")
    return target
