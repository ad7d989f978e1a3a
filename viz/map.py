"""The map of a run: terrain, border, sensors and their coverage, crossing paths.

Drawn from the run directory's files alone (``scenario.yaml``, ``coverage.json``,
``trajectories.csv``, ``crossings.csv``, ``alerts.csv``), so a map can be made again,
or elsewhere, without re-running. Sensor coverage is the simulation's own geometry
(``coverage.json``); an older run directory without it gets sectors drawn from the
scenario. Alerts are marked where the command placed them.
Paths are coloured by outcome (apprehended, turned back, got away, undetected);
apprehensions are marked where they happened; patrol and team paths are dashed.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Circle, Polygon, Wedge  # noqa: E402

from viz.rundata import read_scenario_yaml  # noqa: E402

ZONE_COLOURS = {"forest": "#b5d6a7", "field": "#f3efc9", "marsh": "#c9dfe0",
                "water": "#9cc3e6", "road": "#9e9e9e", "settlement": "#e0c9b8"}
OUTCOME_COLOURS = {"apprehended": "#1a7f37", "turned_back": "#bf3989", "got_away": "#d1242f",
                   "undetected": "#6e40c9"}
SENSOR_COLOURS = {"fence": "#0550ae", "radar": "#bc4c00", "camera": "#8250df",
                  "seismic": "#953800"}


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def sensor_anchor(spec: dict) -> tuple[float, float]:
    """Where a sensor's marker goes: its position; a line sensor's (fence, fibre, drag
    road) middle point; a microwave barrier's transmitter."""
    if "position_m" in spec:
        x, y = spec["position_m"]
    elif "line" in spec:
        line = np.asarray(spec["line"], dtype=float)
        x, y = line[len(line) // 2]
    else:
        x, y = spec["tx_m"]
    return float(x), float(y)


def _sector(ax: Any, spec: dict, radius: float, colour: str) -> None:
    x, y = spec["position_m"]
    fov = float(spec.get("fov_deg", 360.0))
    if fov >= 360:
        ax.add_patch(Circle((x, y), radius, fc=colour, ec=colour, alpha=0.10, lw=0.8))
    else:
        heading = float(spec.get("heading_deg", 90.0))
        ax.add_patch(Wedge((x, y), radius, heading - fov / 2, heading + fov / 2,
                           fc=colour, ec=colour, alpha=0.12, lw=0.8))


def _draw_sensors(ax: Any, sensors: list[dict]) -> None:
    seen: set[str] = set()
    for spec in sensors:
        kind = spec["kind"]
        colour = SENSOR_COLOURS.get(kind, "k")
        label = kind if kind not in seen else None
        seen.add(kind)
        if "line" in spec or "tx_m" in spec:
            line = np.asarray(spec.get("line") or [spec["tx_m"], spec["rx_m"]], dtype=float)
            ax.plot(line[:, 0], line[:, 1], color=colour, lw=3, label=label, zorder=4)
            continue
        x, y = spec["position_m"]
        if kind == "seismic":
            ax.add_patch(Circle((x, y), float(spec["radius_m"]), fc=colour, ec=colour,
                                alpha=0.4))
            ax.plot([x], [y], "v", color=colour, ms=5, label=label, zorder=5)
        else:
            _sector(ax, spec, float(spec["max_range_m"]), colour)
            ax.plot([x], [y], "^" if kind == "radar" else "s", color=colour, ms=7,
                    label=label, zorder=5)


def _draw_coverage(ax: Any, sources: list[dict]) -> None:
    """Coverage geometries of ``coverage.json`` (polygons filled, lines thick)."""
    seen: set[str] = set()
    for src in sources:
        kind, geometry = src["kind"], src["geometry"]
        colour = SENSOR_COLOURS.get(kind, "#0a3069")
        label = kind if kind not in seen else None
        seen.add(kind)
        polygons = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
                    else geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [])
        for rings in polygons:
            alpha = 0.05 if kind == "patrol" else 0.4 if kind == "seismic" else 0.12
            ax.add_patch(Polygon(rings[0], closed=True, fc=colour, ec=colour, alpha=alpha,
                                 lw=0.8, label=label if kind == "patrol" else None))
            label = None if kind == "patrol" else label
        if geometry["type"] == "LineString":
            line = np.asarray(geometry["coordinates"], dtype=float)
            ax.plot(line[:, 0], line[:, 1], color=colour, lw=3, label=label, zorder=4)
    return None


def _draw_alerts(ax: Any, alerts: list[dict[str, str]]) -> None:
    if not alerts:
        return
    xy = np.asarray([(float(a["x"]), float(a["y"])) for a in alerts])
    ax.plot(xy[:, 0], xy[:, 1], "D", ms=5, mfc="none", mec="#bf8700", mew=1.2,
            label="alert", zorder=8)


def _draw_uav(ax: Any, spec: dict, labelled: set[str]) -> None:
    """A UAV's base; in orbit mode its orbit (dashed), joined to the base."""
    bx, by = spec["base_m"]
    label = "UAV base" if "uav" not in labelled else None
    labelled.add("uav")
    ax.plot([bx], [by], "D", color="#1b7c83", mec="k", ms=7, label=label, zorder=7)
    if spec.get("mode") == "orbit" and spec.get("orbit_centre_m") is not None:
        cx, cy = spec["orbit_centre_m"]
        ax.add_patch(Circle((cx, cy), float(spec.get("orbit_radius_m", 500.0)), fill=False,
                            ec="#1b7c83", lw=1, ls="--", zorder=4))
        ax.plot([bx, cx], [by, cy], color="#1b7c83", lw=0.6, ls=":", zorder=4)


def draw_map(run_dir: str | Path, out: str | Path | None = None,
             replication: int = 0) -> Path:
    """Draw ``map.png`` for one replication of a run directory; returns the file path."""
    run_dir = Path(run_dir)
    scenario = read_scenario_yaml(run_dir)
    segment = scenario["segment"]
    rep = str(replication)

    border = np.asarray(segment["border"], dtype=float)
    depth = float(segment.get("depth_m", 0))
    span_x = np.ptp(border[:, 0]) or 1.0
    aspect = (np.ptp(border[:, 1]) + 1.2 * depth) / span_x
    fig, ax = plt.subplots(figsize=(13, float(np.clip(13 * aspect + 1.2, 4.0, 12.0))), dpi=110)
    for zone in segment.get("zones", []):
        ax.add_patch(Polygon(zone["polygon"], closed=True, lw=0,
                             fc=ZONE_COLOURS.get(zone["kind"], "#eeeeee"), zorder=0))
    ax.plot(border[:, 0], border[:, 1], color="k", lw=2.5, label="border", zorder=3)
    coverage_file = run_dir / "coverage.json"
    if coverage_file.is_file():
        _draw_coverage(ax, json.loads(coverage_file.read_text(encoding="utf-8"))["sources"])
        # line sensors (fence, buried fibre, drag road) have no position: their
        # coverage is drawn above
        point_sensors = [s for s in scenario.get("sensors", []) if "position_m" in s]
        for spec in point_sensors:
            x, y = spec["position_m"]
            marker = {"radar": "^", "camera": "s", "seismic": "v"}.get(spec["kind"], "o")
            ax.plot([x], [y], marker, color=SENSOR_COLOURS.get(spec["kind"], "k"), ms=6,
                    zorder=5)
    else:
        _draw_sensors(ax, scenario.get("sensors", []))

    paths: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    kinds: dict[str, str] = {}
    for row in _read_csv(run_dir / "trajectories.csv"):
        if row.get("replication", "0") != rep:
            continue
        paths[row["mover"]].append((float(row["t_s"]), float(row["x"]), float(row["y"])))
        kinds[row["mover"]] = row.get("kind", "group")
    crossings = {row["id"]: row for row in _read_csv(run_dir / "crossings.csv")
                 if row.get("replication", "0") == rep}

    labelled: set[str] = set()
    for mover, points in paths.items():
        xy = np.asarray([(x, y) for _, x, y in points])
        if kinds[mover] in ("patrol", "team"):
            kind = kinds[mover]
            label = f"{kind} path" if kind not in labelled else None
            labelled.add(kind)
            ax.plot(xy[:, 0], xy[:, 1], color="#0a3069" if kind == "patrol" else "#bc4c00",
                    lw=1, ls="--", alpha=0.6, label=label, zorder=2)
            continue
        outcome = crossings.get(mover, {}).get("outcome", "undetected")
        label = outcome.replace("_", " ") if outcome not in labelled else None
        labelled.add(outcome)
        ax.plot(xy[:, 0], xy[:, 1], color=OUTCOME_COLOURS.get(outcome, "k"), lw=1.2,
                alpha=0.8, label=label, zorder=6)
        ax.plot(xy[:1, 0], xy[:1, 1], "o", color=OUTCOME_COLOURS.get(outcome, "k"), ms=2.5,
                zorder=6)
        caught = crossings.get(mover, {}).get("apprehended_s", "")
        if outcome == "apprehended" and caught not in ("", "nan"):
            t = np.asarray([p[0] for p in points])
            at = float(caught)
            px, py = np.interp(at, t, xy[:, 0]), np.interp(at, t, xy[:, 1])
            label = "apprehension" if "x" not in labelled else None
            labelled.add("x")
            ax.plot([px], [py], "X", color="#1a7f37", mec="k", ms=9, label=label, zorder=7)

    _draw_alerts(ax, [a for a in _read_csv(run_dir / "alerts.csv")
                      if a.get("replication", "0") == rep])
    for team in scenario.get("response", {}).get("teams", []):
        bx, by = team["base_m"]
        label = "team base" if "team" not in labelled else None
        labelled.add("team")
        ax.plot([bx], [by], "P", color="#cf222e", mec="k", ms=10, label=label, zorder=7)

    for uav in scenario.get("uavs") or []:
        _draw_uav(ax, uav, labelled)

    xmin, xmax = border[:, 0].min(), border[:, 0].max()
    ymin, ymax = border[:, 1].min(), border[:, 1].max()
    pad = max(200.0, 0.03 * (xmax - xmin))
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - max(pad, 0.08 * depth), ymax + depth + pad)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    n = len(crossings)
    counts: dict[str, int] = defaultdict(int)
    for row in crossings.values():
        counts[row.get("outcome", "?")] += 1
    summary = ", ".join(f"{counts[k]} {k.replace('_', ' ')}" for k in
                        ("apprehended", "turned_back", "got_away", "undetected")
                        if counts[k])
    ax.set_title(f"{scenario['name']} — replication {replication}: {n} crossings"
                 + (f" ({summary})" if summary else ""))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.ticklabel_format(style="plain", useOffset=False)
    # no tight_layout: bbox_inches="tight" already crops to the axes and the legend,
    # and each of them renders the whole figure once more
    target = Path(out) if out is not None else run_dir / "map.png"
    fig.savefig(target, bbox_inches="tight")
    plt.close(fig)
    return target

