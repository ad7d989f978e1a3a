"""The border segment's geography: border line, terrain zones, relief, speeds, foliage.

Zones are polygons of one kind (forest, field, marsh, water, road, settlement) with a
walking speed factor, a foliage density and a canopy height [G]; where zones overlap
the later one in the file wins; outside every zone the ground is open field (factor 1,
no foliage, no canopy). Ground heights come from an optional elevation grid
(bilinear); without it the ground is flat.

Two views of the same map:

- exact vector queries (`speed_factor_at`, `foliage_at`, `foliage_m`, `path_cuts`)
  on the zone polygons, used to time walks and by the sensors' foliage sight lines;
- a raster (`Raster`, cells of ``grid_m``) of the zones, built on first use, for sight
  lines over relief and canopy (`sight`) and for least-cost routes
  (`sim.ground.leastcost`).

Line of sight (`sight`). The sight line runs straight from the observer's eye
(ground + mast height) to the target (ground + its height), sampled every half cell.
Relief masks it where the ground rises above the line; with the earth's curvature and
standard refraction the ground between the two ends bulges above their chord by
d₁·d₂ / (2 · 4/3 · 6 371 km) (the "4/3 earth" radio and optical horizon convention).
Where the line passes below the canopy top of a zone it crosses foliage: the
density-weighted metres crossed there are returned, comparable with `foliage_m`
(which assumes the whole line runs under the canopy). Simplification: canopy is a
uniform slab of its zone's height; single trees, gaps and edges are not resolved
below one cell.
"""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, Polygon

from sim.ground.clip import inside_length, may_meet, polygon_edges
from sim.ground.specs import ElevationSpec, SegmentSpec
from sim.ground.trajectory import Trajectory

FloatArray = NDArray[np.float64]

#: Effective earth radius for sight lines: 4/3 of 6 371 km (standard refraction), m.
EFFECTIVE_EARTH_RADIUS_M = 4.0 / 3.0 * 6_371_000.0
#: Height of a standing person's head, the default target of `Terrain.sight`, m.
PERSON_HEIGHT_M = 1.7
#: Slack around a segment's box where points computed on the segment may round to, m.
_BOX_SLACK_M = 1e-6


class Elevation:
    """Ground height from an `ElevationSpec` grid: bilinear, edge values outside."""

    def __init__(self, spec: ElevationSpec | None) -> None:
        self.spec = spec
        if spec is not None:
            self.heights = np.asarray(spec.heights_m, dtype=float)
            self.x0, self.y0 = spec.origin_m
            self.cell = float(spec.cell_m)

    def at(self, xy: FloatArray) -> FloatArray:
        """Ground heights (n,), m, at points ``xy`` (n, 2)."""
        xy = np.asarray(xy, float).reshape(-1, 2)
        if self.spec is None:
            return np.zeros(len(xy))
        rows, cols = self.heights.shape
        fx = np.clip((xy[:, 0] - self.x0) / self.cell, 0.0, cols - 1.0)
        fy = np.clip((xy[:, 1] - self.y0) / self.cell, 0.0, rows - 1.0)
        j = np.minimum(np.floor(fx).astype(int), cols - 2)
        i = np.minimum(np.floor(fy).astype(int), rows - 2)
        u, v = fx - j, fy - i
        h = self.heights
        return ((1 - u) * (1 - v) * h[i, j] + u * (1 - v) * h[i, j + 1]
                + (1 - u) * v * h[i + 1, j] + u * v * h[i + 1, j + 1])


class Raster:
    """The zones on a grid of square cells over the surveillance zone's bounding box
    plus two cells: per cell the zone index (−1 open field) and that zone's speed
    factor, foliage, canopy height and passability, and whether it lies on the
    protected side (left of the border, up to the depth line and two cells more).

    Cell (i, j) has its centre at (x0 + (j + ½)·cell, y0 + (i + ½)·cell).
    """

    def __init__(self, terrain: Terrain, cell_m: float) -> None:
        spec = terrain.spec
        # the surveillance zone (border to depth line) and a margin; zones beyond it
        # are cut off (what lies there does not matter to the segment)
        allpts = np.vstack([np.asarray(spec.border, float),
                            shapely.get_coordinates(terrain.depth_line)])
        margin = 2 * cell_m
        lo = allpts.min(axis=0) - margin
        hi = allpts.max(axis=0) + margin
        self.cell = float(cell_m)
        self.x0, self.y0 = float(lo[0]), float(lo[1])
        self.cols = int(np.ceil((hi[0] - lo[0]) / cell_m))
        self.rows = int(np.ceil((hi[1] - lo[1]) / cell_m))
        cx = self.x0 + (np.arange(self.cols) + 0.5) * cell_m
        cy = self.y0 + (np.arange(self.rows) + 0.5) * cell_m
        gx, gy = np.meshgrid(cx, cy)
        zone = np.full(gx.shape, -1, dtype=np.int64)
        for k, poly in enumerate(terrain.zones):
            zone[shapely.contains_xy(poly, gx, gy)] = k
        self.zone = zone
        specs = spec.zones

        def table(values: list[float], open_value: float) -> FloatArray:
            return np.asarray([*values, open_value], dtype=float)[zone]

        self.speed = table([z.effective_speed_factor for z in specs], 1.0)
        self.foliage = table([z.effective_foliage for z in specs], 0.0)
        self.canopy = table([z.effective_canopy_m for z in specs], 0.0)
        self.passable = table([float(z.effective_passable) for z in specs], 1.0) > 0.5
        self.centres = np.stack([gx, gy], axis=-1)
        # the protected side up to the depth line (single-sided buffer: left of the line)
        side = shapely.buffer(terrain.border, spec.depth_m + margin, single_sided=True)
        self.protected = shapely.contains_xy(side, gx, gy)

    def index(self, xy: FloatArray) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(row, col) of the cells holding points ``xy`` (n, 2), clipped to the grid."""
        xy = np.asarray(xy, float).reshape(-1, 2)
        j = np.clip(np.floor((xy[:, 0] - self.x0) / self.cell).astype(np.int64), 0,
                    self.cols - 1)
        i = np.clip(np.floor((xy[:, 1] - self.y0) / self.cell).astype(np.int64), 0,
                    self.rows - 1)
        return i, j


class Terrain:
    """Queries on the segment built once from its `SegmentSpec`."""

    def __init__(self, spec: SegmentSpec) -> None:
        self.spec = spec
        self.border = LineString(spec.border)
        self.zones = [Polygon(z.polygon) for z in spec.zones]
        for zone in self.zones:
            shapely.prepare(zone)
        self._zone_column = np.array(self.zones, dtype=object).reshape(-1, 1)
        self._box_array = np.array([z.bounds for z in self.zones], float).reshape(-1, 4)
        self._box_list = [tuple(box) for box in self._box_array.tolist()]
        self._edges = [polygon_edges(z) for z in self.zones]
        none = np.zeros((0, 2))
        self._all_edges = (np.vstack([none] + [a for a, _ in self._edges]),
                           np.vstack([none] + [b for _, b in self._edges]))
        self._edge_zone = np.concatenate([np.zeros(0, np.int64)]
                                         + [np.full(len(a), k, np.int64)
                                            for k, (a, _) in enumerate(self._edges)])
        self._boundaries = np.array([z.boundary for z in self.zones], dtype=object)
        shapely.prepare(self._boundaries)
        # the inner edge of the surveillance zone: depth_m to the protected (left) side
        self.depth_line = self.border.offset_curve(spec.depth_m)
        self.speed_factors = np.array([z.effective_speed_factor for z in spec.zones])
        self._factor_list = self.speed_factors.tolist()
        self.foliage = np.array([z.effective_foliage for z in spec.zones])
        #: the zones with foliage (zone indices, in zone order) and their boxes (k, 4)
        self._wooded = np.flatnonzero(self.foliage > 0).tolist()
        self._wooded_boxes = self._box_array[self._wooded].reshape(-1, 4)
        self._wooded_arrays = self._pack_wooded()
        self._kernels = _foliage_kernels() if self._wooded_arrays is not None else None
        self.kinds = [z.kind for z in spec.zones]
        self.elevation = Elevation(spec.elevation)
        self._raster: Raster | None = None

    @property
    def raster(self) -> Raster:
        """The zones on a grid of ``grid_m`` cells (built on first use)."""
        if self._raster is None:
            self._raster = Raster(self, self.spec.grid_m)
        return self._raster

    def ground_m(self, xy: FloatArray) -> FloatArray:
        """Ground heights (n,), m, at points ``xy`` (n, 2); 0 on flat ground."""
        return self.elevation.at(xy)

    def sight(self, origin_xy: FloatArray, origin_height_m: float, targets_xy: FloatArray,
              target_height_m: float = PERSON_HEIGHT_M) -> tuple[NDArray[np.bool_], FloatArray]:
        """Sight lines from an eye ``origin_height_m`` above the ground at ``origin_xy``
        (2,) to points ``target_height_m`` above the ground at ``targets_xy`` (n, 2).

        Returns
        -------
        masked : (n,) True where relief (with the earth's curvature) blocks the line
        canopy_m : (n,) density-weighted metres of foliage the line crosses below the
            canopy top (module docstring)
        """
        origin = np.asarray(origin_xy, float).reshape(2)
        targets = np.asarray(targets_xy, float).reshape(-1, 2)
        n = len(targets)
        if not n:
            return np.zeros(0, dtype=bool), np.zeros(0)
        raster = self.raster
        step = raster.cell / 2
        d = targets - origin
        length = np.hypot(d[:, 0], d[:, 1])
        count = np.maximum(np.ceil(length / step).astype(np.int64), 1)
        line = np.repeat(np.arange(n), count)
        first = np.cumsum(count) - count
        k = np.arange(len(line)) - first[line]
        frac = (k + 0.5) / count[line]               # sample at the middle of each piece
        xy = origin + frac[:, None] * d[line]
        seg_len = (length / count)[line]
        ground = self.ground_m(xy)
        eye = float(self.ground_m(origin[None, :])[0]) + origin_height_m
        top = self.ground_m(targets) + target_height_m
        dist = frac * length[line]
        drop = dist * (length[line] - dist) / (2 * EFFECTIVE_EARTH_RADIUS_M)
        z = eye + frac * (top[line] - eye) - drop    # the ground bulges by d₁·d₂ / 2kR
        i, j = raster.index(xy)
        above = z - ground
        interior = (dist > step) & (length[line] - dist > step)
        masked = np.zeros(n, dtype=bool)
        np.logical_or.at(masked, line, interior & (above < 0))
        in_canopy = above < raster.canopy[i, j]
        canopy_m = np.bincount(line, weights=np.where(in_canopy, raster.foliage[i, j], 0.0)
                               * seg_len, minlength=n)
        return masked, np.asarray(canopy_m, dtype=float)

    @property
    def border_length_m(self) -> float:
        return float(self.border.length)

    def border_point(self, arc_m: float | FloatArray) -> FloatArray:
        """Point(s) on the border at arc length ``arc_m`` from its first point, (…, 2)."""
        points = shapely.line_interpolate_point(self.border, np.asarray(arc_m, dtype=float))
        return shapely.get_coordinates(points).reshape(np.shape(arc_m) + (2,))

    def nearest_border_point(self, xy: FloatArray) -> FloatArray:
        """The point (2,) of the border nearest to ``xy`` (2,)."""
        arc = shapely.line_locate_point(self.border, shapely.points(np.asarray(xy, float)))
        return self.border_point(float(arc))

    def inland_normal(self, arc_m: float) -> FloatArray:
        """Unit vector (2,) pointing into the protected side (left of the border's direction)."""
        a = self.border_point(max(arc_m - 1.0, 0.0))
        b = self.border_point(min(arc_m + 1.0, self.border_length_m))
        d = (b - a) / np.hypot(*(b - a))
        return np.array([-d[1], d[0]])

    def speed_factor_at(self, xy: FloatArray) -> FloatArray:
        """Walking speed factor at points ``xy`` (n, 2) → (n,)."""
        return self._by_zone(xy, self.speed_factors, 1.0)

    def fastest_factor(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        """An upper bound of the speed factor anywhere on the segment ``a`` → ``b``,
        m: the largest factor of the zones whose boxes meet the segment's box (grown by
        `_BOX_SLACK_M` for the rounding of points computed on it), and of open field (1)."""
        near = self._zones_meeting(min(a[0], b[0]) - _BOX_SLACK_M, min(a[1], b[1]) - _BOX_SLACK_M,
                                   max(a[0], b[0]) + _BOX_SLACK_M, max(a[1], b[1]) + _BOX_SLACK_M)
        return max([1.0] + [self._factor_list[k] for k in near])

    def _zones_meeting(self, lo_x: float, lo_y: float, hi_x: float, hi_y: float) -> list[int]:
        """Indices of the zones whose boxes meet the box [lo_x, hi_x] × [lo_y, hi_y], m."""
        return [k for k, (x0, y0, x1, y1) in enumerate(self._box_list)
                if x0 <= hi_x and x1 >= lo_x and y0 <= hi_y and y1 >= lo_y]

    def foliage_at(self, xy: FloatArray) -> FloatArray:
        """Foliage density (0 … 1) at points ``xy`` (n, 2) → (n,)."""
        return self._by_zone(xy, self.foliage, 0.0)

    def _by_zone(self, xy: FloatArray, values: FloatArray, open_value: float) -> FloatArray:
        """``values`` (zones,) of the last zone holding each point ``xy`` (n, 2) in its
        interior, ``open_value`` where none does → (n,): one ``contains_xy`` call for
        all zones."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if not self.zones:
            return np.full(len(xy), open_value)
        inside = shapely.contains_xy(self._zone_column, xy[:, 0], xy[:, 1])
        last = len(self.zones) - 1 - np.argmax(inside[::-1], axis=0)
        return np.where(inside.any(axis=0), values[last], open_value)

    def path_cuts(self, points: FloatArray) -> list[FloatArray]:
        """For each leg of the polyline ``points`` (k, 2): the fractions (sorted, from
        0 to 1) where it crosses a zone boundary — `leg_pieces` for all legs at once
        (one vectorised intersection instead of one per leg)."""
        pts = np.asarray(points, float).reshape(-1, 2)
        n = len(pts) - 1
        cuts: list[list[float]] = [[0.0, 1.0] for _ in range(n)]
        if n <= 0 or not len(self.zones):
            return [np.asarray(c) for c in cuts]
        p0, p1 = pts[:-1], pts[1:]
        leg_i, zone_i = self._leg_zone_pairs(p0, p1)
        if len(leg_i):
            legs = shapely.linestrings(np.stack([p0, p1], axis=1))
            hits = shapely.intersection(legs[leg_i], self._boundaries[zone_i])
            coords, which = shapely.get_coordinates(hits, return_index=True)
            leg_of = leg_i[which]
            d = p1 - p0
            length2 = np.einsum("ij,ij->i", d, d)
            with np.errstate(divide="ignore", invalid="ignore"):
                frac = np.einsum("ij,ij->i", coords - p0[leg_of], d[leg_of]) \
                    / length2[leg_of]
            for k, f in zip(leg_of.tolist(), frac.tolist(), strict=True):
                if math.isfinite(f):
                    cuts[k].append(f)
        return [_sorted_fractions(c) for c in cuts]

    def _leg_zone_pairs(self, p0: FloatArray,
                        p1: FloatArray) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(leg, zone) index pairs (each (p,)) of the legs ``p0 → p1`` (n, 2) that may
        touch a zone's boundary: every pair that does, and some that do not (GEOS
        finds no point on those). One leg: the zones whose boxes meet its box, in
        Python floats; several: the closed form with a margin on every edge
        (`sim.ground.clip.may_meet`, numpy)."""
        if len(p0) == 1:
            (x0, y0), (x1, y1) = p0[0].tolist(), p1[0].tolist()
            zones = self._zones_meeting(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
            return np.zeros(len(zones), np.int64), np.asarray(zones, np.int64)
        meets = np.zeros((len(p0), len(self.zones)), bool)
        leg_i, edge_i = np.nonzero(may_meet(p0, p1, *self._all_edges))
        meets[leg_i, self._edge_zone[edge_i]] = True
        leg_i, zone_i = np.nonzero(meets)
        return leg_i, zone_i

    def leg_pieces(self, p0: FloatArray, p1: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Split the straight leg p0 → p1 where it crosses zone boundaries.

        Returns
        -------
        cuts : (k + 1,) fractions of the leg from 0 to 1 at the piece ends
        factors : (k,) speed factor on each piece
        """
        p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
        cuts = self.path_cuts(np.vstack([p0, p1]))[0]
        mids = (cuts[:-1] + cuts[1:]) / 2
        return cuts, self.speed_factor_at(p0 + mids[:, None] * (p1 - p0))

    def _pack_wooded(self) -> tuple[FloatArray, FloatArray, NDArray[np.int64],
                                    FloatArray] | None:
        """The wooded zones as the compiled `foliage_m` reads them (``csrc/foliage.h``):
        boxes (4w,), densities (w,), each zone's first edge (w + 1,), edges (4e,); None
        without wooded zones or where one is not a valid polygon (the even-odd rule of
        the kernel is GEOS's inside a valid polygon only)."""
        if not self._wooded or not all(self.zones[k].is_valid for k in self._wooded):
            return None
        edges = [np.hstack(self._edges[k]) for k in self._wooded]
        first = np.concatenate([[0], np.cumsum([len(e) for e in edges])]).astype(np.int64)
        return (np.ascontiguousarray(self._wooded_boxes).reshape(-1),
                np.ascontiguousarray(self.foliage[self._wooded], dtype=float), first,
                np.ascontiguousarray(np.vstack(edges)).reshape(-1))

    def foliage_m(self, origin: FloatArray, targets: FloatArray) -> FloatArray:
        """Foliage-weighted path length (m) on the sight lines origin → each target.

        ``origin`` (2,), ``targets`` (n, 2) → (n,): Σ over zones of length inside the
        zone × its foliage density. Sensors turn it into a blocking probability.
        Computed by the C port (``csrc/foliage.c``) where it is built, bit for bit
        `_foliage_m_numpy`, which decides the lines the port leaves to GEOS.
        """
        arrays = self._wooded_arrays
        if self._kernels is not None and arrays is not None:
            out = self._kernels.foliage(
                np.ascontiguousarray(origin, dtype=float).reshape(-1),
                np.ascontiguousarray(targets, dtype=float).reshape(-1), *arrays)
            if out is not None:
                return out
        return self._foliage_m_numpy(origin, targets)

    def foliage_along(self, origin: FloatArray, trajectory: Trajectory, t_s: FloatArray,
                      step_m: float) -> FloatArray:
        """`foliage_m` from ``origin`` (2,) to the mover at times ``t_s`` (n,), m, read
        every ``step_m`` of its path and interpolated (`Trajectory.along`): by the C
        port where it is built, bit for bit the same."""
        t = np.ascontiguousarray(t_s, dtype=float).reshape(-1)
        arrays = self._wooded_arrays
        if self._kernels is not None and arrays is not None:
            out = self._kernels.foliage_along(
                np.ascontiguousarray(origin, dtype=float).reshape(-1),
                np.ascontiguousarray(trajectory.t_s), trajectory.xy.reshape(-1), t,
                float(step_m), *arrays)
            if out is not None:
                return out
        origin = np.asarray(origin, float)
        return trajectory.along(t, lambda xy: self.foliage_m(origin, xy), step_m)

    def _foliage_m_numpy(self, origin: FloatArray, targets: FloatArray) -> FloatArray:
        """`foliage_m` in numpy and GEOS: the reference of the C port."""
        targets = np.asarray(targets, dtype=float).reshape(-1, 2)
        total = np.zeros(len(targets))
        if not len(targets) or not len(self._wooded):
            return total
        origin = np.asarray(origin, dtype=float)
        lo, hi = np.minimum(targets, origin), np.maximum(targets, origin)
        # only sight lines whose box meets a zone's can cross it: (n, wooded zones)
        box = self._wooded_boxes
        near = ((lo[:, 0, None] <= box[:, 2]) & (hi[:, 0, None] >= box[:, 0])
                & (lo[:, 1, None] <= box[:, 3]) & (hi[:, 1, None] >= box[:, 1]))
        from_origin = origin[None, :]
        for j in np.flatnonzero(near.any(axis=0)).tolist():
            k = self._wooded[j]
            rows = np.flatnonzero(near[:, j])
            total[rows] += self.foliage[k] * inside_length(
                from_origin.repeat(len(rows), 0), targets[rows], self.zones[k],
                self._edges[k])
        return total


def _foliage_kernels() -> ModuleType | None:
    """The compiled foliage kernels (`sim.ground.prebuilt`), or None: not built, or
    built from other sources (the numpy reference then runs)."""
    from sim.ground import prebuilt

    return prebuilt.load()


def _sorted_fractions(fractions: list[float]) -> FloatArray:
    """``fractions`` clipped to [0, 1], without repeats, sorted: ``np.unique(np.clip(
    fractions, 0, 1))`` in Python floats, cheaper for a handful (a zero may keep
    either sign: it is only ever the start of a piece)."""
    return np.array(sorted({min(max(f, 0.0), 1.0) for f in fractions}))
