"""The animated replay: ``replay.gif`` (and ``replay.mp4`` where ffmpeg exists).

From run-directory files only (`viz.rundata`): the map (terrain, border, coverage)
drawn once, then ``frames`` equally spaced instants of the run: where every group
really was (coloured by its outcome, with its trail), the patrols and teams, the
alerts of the last half hour where the command placed them, and the apprehensions
so far. matplotlib's PillowWriter writes the GIF; the MP4 needs ffmpeg (Debian's
``ffmpeg`` package) and is skipped without it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter  # noqa: E402
from matplotlib.patches import Polygon  # noqa: E402

from viz.map import OUTCOME_COLOURS, SENSOR_COLOURS, ZONE_COLOURS  # noqa: E402
from viz.rundata import RunData  # noqa: E402

#: Alerts stay on the animated map this long after they were raised, s.
ALERT_SHOWN_S = 1_800.0


def _background(ax: plt.Axes, data: RunData) -> None:
    segment = data.scenario["segment"]
    for zone in segment.get("zones", []):
        ax.add_patch(Polygon(zone["polygon"], closed=True, lw=0,
                             fc=ZONE_COLOURS.get(zone["kind"], "#eeeeee"), zorder=0))
    border = np.asarray(segment["border"], dtype=float)
    ax.plot(border[:, 0], border[:, 1], color="k", lw=2, zorder=3)
    for src in data.coverage:
        colour = SENSOR_COLOURS.get(src["kind"], "#0a3069")
        g = src["geometry"]
        if g["type"] == "Polygon" and src["kind"] != "patrol":
            patch = ax.add_patch(Polygon(g["coordinates"][0], closed=True, fc=colour,
                                         ec=colour, alpha=0.1, lw=0.6, zorder=1))
            patch.set_clip_path(ax.patch)
        elif g["type"] == "LineString":
            xy = np.asarray(g["coordinates"], dtype=float)
            ax.plot(xy[:, 0], xy[:, 1], color=colour, lw=2.5, zorder=2)
    depth = float(segment.get("depth_m", 0))
    pad = 0.03 * float(np.ptp(border[:, 0]) or 1.0)
    ax.set_xlim(border[:, 0].min() - pad, border[:, 0].max() + pad)
    ax.set_ylim(border[:, 1].min() - pad, border[:, 1].max() + depth + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def animate(data: RunData, out_dir: str | Path | None = None, frames: int = 100,
            fps: int = 8) -> list[Path]:
    """Write ``replay.gif`` (and ``replay.mp4`` with ffmpeg); returns the files written."""
    folder = Path(out_dir) if out_dir is not None else data.folder
    horizon = max(data.horizon_s, 1.0)
    times = np.linspace(0.0, horizon, frames)
    fig, ax = plt.subplots(figsize=(8, 5.2), dpi=80)
    _background(ax, data)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    fig.set_size_inches(8, float(np.clip(8 * (y1 - y0) / (x1 - x0), 2.5, 8)) + 1.0)
    fig.subplots_adjust(left=0.02, right=0.98, top=0.92, bottom=0.1)
    fig.text(0.5, 0.01, "dots: groups where they really were, coloured by outcome (green "
             "apprehended, red got away,\npink turned back, purple undetected)   "
             "+ teams and patrols   ◇ alerts   X apprehensions", ha="center", fontsize=7)
    groups = [p for p in data.paths if p.kind == "group"]
    units = [p for p in data.paths if p.kind != "group"]
    trails = [ax.plot([], [], lw=1, color=OUTCOME_COLOURS.get(data.outcome(p.mover), "k"),
                      alpha=0.7, zorder=5)[0] for p in groups]
    group_dots = ax.scatter([], [], s=30, zorder=6, edgecolors="k", linewidths=0.5)
    unit_dots = ax.scatter([], [], s=36, marker="P", zorder=7, color="#0a3069")
    alert_dots = ax.scatter([], [], s=40, marker="D", zorder=8, facecolors="none",
                            edgecolors="#bf8700", linewidths=1.2)
    caught_dots = ax.scatter([], [], s=70, marker="X", zorder=9, color="#1a7f37",
                             edgecolors="k")
    title = ax.set_title("")
    alert_t = np.asarray([float(a["time"]) for a in data.alerts])
    alert_xy = np.asarray([(float(a["x"]), float(a["y"])) for a in data.alerts]).reshape(-1, 2)
    caught = [(ev["t_s"], ev["x"], ev["y"]) for ev in data.events
              if ev["kind"] == "apprehended"]
    caught_t = np.asarray([c[0] for c in caught])
    caught_xy = np.asarray([(c[1], c[2]) for c in caught]).reshape(-1, 2)
    empty = np.zeros((0, 2))

    def frame(i: int) -> list:
        t = float(times[i])
        xy, colours = [], []
        for path, trail in zip(groups, trails, strict=True):
            upto = path.t_s <= t
            pos = path.at(t)
            pts = path.xy[upto] if pos is None else np.vstack([path.xy[upto], pos])
            trail.set_data(pts[:, 0], pts[:, 1])
            if pos is not None:
                xy.append(pos)
                colours.append(OUTCOME_COLOURS.get(data.outcome(path.mover), "k"))
        group_dots.set_offsets(np.asarray(xy).reshape(-1, 2) if xy else empty)
        group_dots.set_color(colours or "k")
        on = [p for u in units if (p := u.at(t)) is not None]
        unit_dots.set_offsets(np.asarray(on).reshape(-1, 2) if on else empty)
        recent = (alert_t <= t) & (alert_t > t - ALERT_SHOWN_S)
        alert_dots.set_offsets(alert_xy[recent] if recent.any() else empty)
        done = caught_t <= t
        caught_dots.set_offsets(caught_xy[done] if done.any() else empty)
        title.set_text(f"{data.scenario['name']}  {data.local(t):%a %H:%M}")
        return [*trails, group_dots, unit_dots, alert_dots, caught_dots, title]

    anim = FuncAnimation(fig, frame, frames=frames, blit=False)
    written = [folder / "replay.gif"]
    anim.save(written[0], writer=PillowWriter(fps=fps))
    if shutil.which("ffmpeg"):
        written.append(folder / "replay.mp4")
        anim.save(written[1], writer=FFMpegWriter(fps=fps))
    plt.close(fig)
    return written
