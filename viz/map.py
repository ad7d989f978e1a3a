"""The map of a run: terrain, border, sensors and their coverage, crossing paths.

Drawn from the run directory's files alone (``scenario.yaml``, ``coverage.json``,
``trajectories.csv``, ``crossings.csv``, ``alerts.csv``), so a map can be made again,
or elsewhere, without re-running. Sensor coverage is the simulation's own geometry
(``coverage.json``); an older run directory without it gets sectors drawn from the
scenario. Alerts are marked where the command placed them.
Paths are coloured by outcome (apprehended, turned back, got away, undetected);
apprehensions are marked where they happened; patrol and team paths are dashed.

Drawn in two steps (`MapCanvas`), so that the part known before a run can be drawn
while it simulates (`viz.painter`): the scenario's layers (terrain, border, coverage,
sensors, team bases, UAVs, axes) are rendered first, then a replication's paths,
alerts, title and legend over them — matplotlib's blitting (`copy_from_bbox`,
`restore_region`, `draw_artist`). The scenario's layers that lie above the lowest
path (the border, the sensors' markers) wait hidden and are drawn with the paths in
z-order, so the layers stack as in one full draw. The canvas has room beyond the
figure for the legend (outside the axes on the right) and is cropped to what is drawn,
as `savefig(bbox_inches="tight")` crops; a map that does not fit the room is drawn the
slow way, by that `savefig`.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.image as mimage  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle, Polygon, Wedge  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from viz.rundata import RunInputs, parse_scenario_yaml  # noqa: E402

ZONE_COLOURS = {"forest": "#b5d6a7", "field": "#f3efc9", "marsh": "#c9dfe0",
                "water": "#9cc3e6", "road": "#9e9e9e", "settlement": "#e0c9b8"}
OUTCOME_COLOURS = {"apprehended": "#1a7f37", "turned_back": "#bf3989", "got_away": "#d1242f",
                   "undetected": "#6e40c9"}
SENSOR_COLOURS = {"fence": "#0550ae", "radar": "#bc4c00", "camera": "#8250df",
                  "seismic": "#953800"}

#: The map's width, in; its height follows the segment's shape (4 to 12 in).
WIDTH_IN = 13.0
DPI = 110
#: Room beyond the figure, right and below, for a legend outside the axes, in.
ROOM_RIGHT_IN, ROOM_BELOW_IN = 4.0, 3.0
#: The crop's margin around what is drawn, in (`savefig`'s ``pad_inches``).
PAD_IN = 0.1
#: zlib level of the PNG: 1 encodes a map in ~2/3 of the time of the default 6, the
#: file ~8 % larger.
PNG_COMPRESSION = 1
#: The lowest z-order of what a replication adds (patrol and team paths): the
#: scenario's layers at or above it are drawn with the replication's.
RUN_ZORDER = 2
#: The default subplot's edges as fractions of the figure (matplotlib's rcParams
#: ``figure.subplot.*``), kept in inches when the canvas has room added.
_SUBPLOT = {"left": 0.125, "right": 0.9, "bottom": 0.11, "top": 0.88}


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
    label = "UAV base" if "UAV base" not in labelled else None
    labelled.add("UAV base")
    ax.plot([bx], [by], "D", color="#1b7c83", mec="k", ms=7, label=label, zorder=7)
    if spec.get("mode") == "orbit" and spec.get("orbit_centre_m") is not None:
        cx, cy = spec["orbit_centre_m"]
        ax.add_patch(Circle((cx, cy), float(spec.get("orbit_radius_m", 500.0)), fill=False,
                            ec="#1b7c83", lw=1, ls="--", zorder=4))
        ax.plot([bx, cx], [by, cy], color="#1b7c83", lw=0.6, ls=":", zorder=4)


class MapCanvas:
    """A map in two steps (module docstring): the scenario's layers are drawn when it
    is made, a replication's over them by `finish`, once.

    ``scenario``: ``scenario.yaml`` parsed; ``sources``: ``coverage.json``'s
    ``"sources"``, or None where a run directory has none (sectors are then drawn
    from the scenario).
    """

    def __init__(self, scenario: dict, sources: list[dict] | None) -> None:
        self.scenario = scenario
        segment = scenario["segment"]
        border = np.asarray(segment["border"], dtype=float)
        depth = float(segment.get("depth_m", 0))
        self.figure = fig = _figure_with_room(border, depth)
        self.canvas = FigureCanvasAgg(fig)
        self.ax = ax = fig.add_subplot()
        # listed last in the legend, after the replication's entries
        self._last_in_legend = _draw_layers(ax, scenario, sources)
        _frame(ax, border, depth)
        self._later: list[Artist] = [a for a in (*ax.lines, *ax.patches)
                                     if a.get_zorder() >= RUN_ZORDER]
        for artist in self._later:
            artist.set_visible(False)
        self.canvas.draw()
        for artist in self._later:
            artist.set_visible(True)
        self._background = self.canvas.copy_from_bbox(fig.bbox)
        # what is drawn so far, in display units (pixels; get_tightbbox gives inches)
        self._drawn_bbox = fig.get_tightbbox(self.canvas.get_renderer()).transformed(
            fig.dpi_scale_trans)
        self._finished = False

    @classmethod
    def from_folder(cls, folder: str | Path) -> MapCanvas:
        """The canvas of a run directory's (or the painter's folder's) ``scenario.yaml``
        and ``coverage.json`` (if there is one)."""
        return cls.from_texts(*layer_texts(Path(folder)))

    @classmethod
    def from_texts(cls, scenario_yaml: str, coverage_json: str | None) -> MapCanvas:
        """The canvas of a ``scenario.yaml`` and a ``coverage.json`` (None: none), as
        text."""
        sources = json.loads(coverage_json)["sources"] if coverage_json is not None else None
        return cls(parse_scenario_yaml(scenario_yaml), sources)

    def finish(self, folder: str | Path, out: str | Path, replication: int = 0,
               inputs: RunInputs | None = None) -> Path:
        """Draw replication ``replication`` of ``folder``'s ``trajectories.csv``,
        ``crossings.csv`` and ``alerts.csv`` (their rows in ``inputs`` where given,
        `viz.rundata.check_run_files`) over the scenario's layers and write the map to
        ``out`` (PNG); returns ``out``. A canvas is finished once."""
        if self._finished:
            raise RuntimeError("a MapCanvas is finished once")
        self._finished = True
        folder, rep, ax = Path(folder), str(replication), self.ax
        rows: Callable[[str], list[dict[str, str]]] = (
            inputs.rows if inputs is not None else lambda name: _read_csv(folder / name))
        before = set(ax.get_children())
        crossings = _draw_paths(ax, rows, rep)
        _draw_alerts(ax, [a for a in rows("alerts.csv") if a.get("replication", "0") == rep])
        later = set(self._later) | (set(ax.get_children()) - before)
        ax.set_title(_title(self.scenario["name"], replication, crossings))
        handles, labels = ax.get_legend_handles_labels()
        order = sorted(range(len(handles)), key=lambda i: handles[i] in self._last_in_legend)
        legend = ax.legend([handles[i] for i in order], [labels[i] for i in order],
                           loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
                           frameon=False)
        self.canvas.restore_region(self._background)
        # in z-order, ties in the order added: as the axes draws its children
        for artist in sorted((a for a in ax.get_children() if a in later),
                             key=Artist.get_zorder):
            ax.draw_artist(artist)
        ax.draw_artist(legend)
        ax.draw_artist(ax.title)
        renderer = self.canvas.get_renderer()
        drawn = Bbox.union([self._drawn_bbox, legend.get_window_extent(renderer),
                            ax.title.get_window_extent(renderer)])
        out = Path(out)
        image = self._crop(drawn)
        if image is None:         # beyond the canvas's room: the slow way
            self.figure.savefig(out, format="png", bbox_inches="tight", pad_inches=PAD_IN,
                                pil_kwargs={"compress_level": PNG_COMPRESSION})
        else:
            mimage.imsave(out, image, format="png", dpi=DPI,
                          pil_kwargs={"compress_level": PNG_COMPRESSION})
        return out

    def _crop(self, drawn: Bbox) -> np.ndarray | None:
        """The canvas's pixels within ``drawn`` (display units, origin at the bottom
        left) and `PAD_IN` around it, whole pixels; None where that leaves the canvas."""
        pixels = np.asarray(self.canvas.buffer_rgba())
        rows, cols = pixels.shape[:2]
        pad = PAD_IN * DPI
        x0, x1 = int(np.floor(drawn.x0 - pad)), int(np.ceil(drawn.x1 + pad))
        top, bottom = rows - int(np.ceil(drawn.y1 + pad)), rows - int(np.floor(drawn.y0 - pad))
        if x0 < 0 or top < 0 or x1 > cols or bottom > rows:
            return None
        return pixels[top:bottom, x0:x1]


def layer_texts(folder: Path) -> tuple[str, str | None]:
    """``folder``'s ``scenario.yaml`` and ``coverage.json`` (None: there is none), the
    files the scenario's layers are drawn from."""
    coverage = folder / "coverage.json"
    return ((folder / "scenario.yaml").read_text(encoding="utf-8"),
            coverage.read_text(encoding="utf-8") if coverage.is_file() else None)


def _figure_with_room(border: np.ndarray, depth: float) -> Figure:
    """The map's figure, `WIDTH_IN` wide and as high as the segment's shape asks,
    with `ROOM_RIGHT_IN` and `ROOM_BELOW_IN` added: its subplot is where that figure
    without the room would have it, in inches."""
    span_x = np.ptp(border[:, 0]) or 1.0
    aspect = (np.ptp(border[:, 1]) + 1.2 * depth) / span_x
    width, height = WIDTH_IN, float(np.clip(WIDTH_IN * aspect + 1.2, 4.0, 12.0))
    fig = Figure(figsize=(width + ROOM_RIGHT_IN, height + ROOM_BELOW_IN), dpi=DPI)
    fig.subplots_adjust(
        left=_SUBPLOT["left"] * width / (width + ROOM_RIGHT_IN),
        right=_SUBPLOT["right"] * width / (width + ROOM_RIGHT_IN),
        bottom=(_SUBPLOT["bottom"] * height + ROOM_BELOW_IN) / (height + ROOM_BELOW_IN),
        top=(_SUBPLOT["top"] * height + ROOM_BELOW_IN) / (height + ROOM_BELOW_IN))
    return fig


def _draw_layers(ax: Any, scenario: dict, sources: list[dict] | None) -> set[Artist]:
    """The scenario's layers: zones, border, sensors (their coverage from
    ``sources``, else sectors from the scenario), team bases and UAVs. Returns the
    artists of the last two, whose legend entries come after the replication's."""
    segment = scenario["segment"]
    for zone in segment.get("zones", []):
        ax.add_patch(Polygon(zone["polygon"], closed=True, lw=0,
                             fc=ZONE_COLOURS.get(zone["kind"], "#eeeeee"), zorder=0))
    border = np.asarray(segment["border"], dtype=float)
    ax.plot(border[:, 0], border[:, 1], color="k", lw=2.5, label="border", zorder=3)
    if sources is not None:
        _draw_coverage(ax, sources)
        # line sensors (fence, buried fibre, drag road) have no position: their
        # coverage is drawn above
        for spec in (s for s in scenario.get("sensors", []) if "position_m" in s):
            x, y = spec["position_m"]
            marker = {"radar": "^", "camera": "s", "seismic": "v"}.get(spec["kind"], "o")
            ax.plot([x], [y], marker, color=SENSOR_COLOURS.get(spec["kind"], "k"), ms=6,
                    zorder=5)
    else:
        _draw_sensors(ax, scenario.get("sensors", []))
    before = set(ax.get_children())
    labelled: set[str] = set()
    for team in scenario.get("response", {}).get("teams", []):
        bx, by = team["base_m"]
        label = "team base" if "team base" not in labelled else None
        labelled.add("team base")
        ax.plot([bx], [by], "P", color="#cf222e", mec="k", ms=10, label=label, zorder=7)
    for uav in scenario.get("uavs") or []:
        _draw_uav(ax, uav, labelled)
    return set(ax.get_children()) - before


def _frame(ax: Any, border: np.ndarray, depth: float) -> None:
    """Limits (the border and the depth behind it, padded), equal aspect, labels."""
    xmin, xmax = border[:, 0].min(), border[:, 0].max()
    ymin, ymax = border[:, 1].min(), border[:, 1].max()
    pad = max(200.0, 0.03 * (xmax - xmin))
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - max(pad, 0.08 * depth), ymax + depth + pad)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.ticklabel_format(style="plain", useOffset=False)


def _draw_paths(ax: Any, rows: Callable[[str], list[dict[str, str]]],
                rep: str) -> dict[str, dict[str, str]]:
    """Every mover's path of replication ``rep`` (``trajectories.csv``), a group's
    coloured by its outcome (``crossings.csv``, which is returned: id → row), and
    where groups were apprehended."""
    paths: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    kinds: dict[str, str] = {}
    for row in rows("trajectories.csv"):
        if row.get("replication", "0") != rep:
            continue
        paths[row["mover"]].append((float(row["t_s"]), float(row["x"]), float(row["y"])))
        kinds[row["mover"]] = row.get("kind", "group")
    crossings = {row["id"]: row for row in rows("crossings.csv")
                 if row.get("replication", "0") == rep}

    labelled: set[str] = set()
    for mover, points in paths.items():
        xy = np.asarray([(x, y) for _, x, y in points])
        if kinds[mover] in ("patrol", "team"):
            kind = kinds[mover]
            label = f"{kind} path" if kind not in labelled else None
            labelled.add(kind)
            ax.plot(xy[:, 0], xy[:, 1], color="#0a3069" if kind == "patrol" else "#bc4c00",
                    lw=1, ls="--", alpha=0.6, label=label, zorder=RUN_ZORDER)
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
    return crossings


def _title(name: str, replication: int, crossings: dict[str, dict[str, str]]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for row in crossings.values():
        counts[row.get("outcome", "?")] += 1
    summary = ", ".join(f"{counts[k]} {k.replace('_', ' ')}" for k in
                        ("apprehended", "turned_back", "got_away", "undetected")
                        if counts[k])
    return (f"{name} — replication {replication}: {len(crossings)} crossings"
            + (f" ({summary})" if summary else ""))


def draw_map(run_dir: str | Path, out: str | Path | None = None,
             replication: int = 0, inputs: RunInputs | None = None) -> Path:
    """Draw ``map.png`` for one replication of a run directory; returns the file path.

    ``inputs``: the run directory's files as `viz.rundata.check_run_files` read them,
    not read again."""
    target = Path(out) if out is not None else Path(run_dir) / "map.png"
    if inputs is None:
        canvas = MapCanvas.from_folder(run_dir)
    else:
        coverage = inputs.document("coverage.json")
        canvas = MapCanvas(inputs.scenario(),
                           coverage["sources"] if coverage is not None else None)
    return canvas.finish(run_dir, target, replication, inputs)
