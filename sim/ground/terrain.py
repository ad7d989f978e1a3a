"""The border segment's geography: border line, terrain zones, speeds, foliage.

Simplifications (stated so users can judge them): terrain is flat (no elevation, so
line of sight is blocked only by foliage, not by relief); each zone has one walking
speed factor and one foliage density [G]; where zones overlap the later one in the
file wins; outside every zone the ground is open field (factor 1, no foliage).
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, Polygon

from sim.ground.clip import inside_length, may_meet, polygon_edges
from sim.ground.specs import SegmentSpec

FloatArray = NDArray[np.float64]


class Terrain:
    """Queries on the segment built once from its `SegmentSpec`."""

    def __init__(self, spec: SegmentSpec) -> None:
        self.spec = spec
        self.border = LineString(spec.border)
        self.zones = [Polygon(z.polygon) for z in spec.zones]
        for zone in self.zones:
            shapely.prepare(zone)
        self._boxes = [np.asarray(z.bounds, float) for z in self.zones]
        self._box_array = np.array(self._boxes, float).reshape(-1, 4)
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
        self.foliage = np.array([z.effective_foliage for z in spec.zones])
        self.kinds = [z.kind for z in spec.zones]

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
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        factor = np.ones(len(xy))
        for zone, f in zip(self.zones, self.speed_factors, strict=True):
            factor[shapely.contains_xy(zone, xy[:, 0], xy[:, 1])] = f
        return factor

    def foliage_at(self, xy: FloatArray) -> FloatArray:
        """Foliage density (0 … 1) at points ``xy`` (n, 2) → (n,)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        density = np.zeros(len(xy))
        for zone, f in zip(self.zones, self.foliage, strict=True):
            density[shapely.contains_xy(zone, xy[:, 0], xy[:, 1])] = f
        return density

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
        # (leg, zone) pairs that may meet, by the closed form with a margin (numpy);
        # GEOS then gives the exact points of those, as it would of every pair
        meets = np.zeros((n, len(self.zones)), bool)
        leg_i, edge_i = np.nonzero(may_meet(p0, p1, *self._all_edges))
        meets[leg_i, self._edge_zone[edge_i]] = True
        leg_i, zone_i = np.nonzero(meets)
        if len(leg_i):
            used = np.unique(leg_i)
            legs = np.full(n, None, dtype=object)
            legs[used] = shapely.linestrings(np.stack([p0[used], p1[used]], axis=1))
            hits = shapely.intersection(legs[leg_i], self._boundaries[zone_i])
            coords, which = shapely.get_coordinates(hits, return_index=True)
            leg_of = leg_i[which]
            d = p1 - p0
            length2 = np.einsum("ij,ij->i", d, d)
            with np.errstate(divide="ignore", invalid="ignore"):
                frac = np.einsum("ij,ij->i", coords - p0[leg_of], d[leg_of]) \
                    / length2[leg_of]
            for k, f in zip(leg_of.tolist(), frac.tolist(), strict=True):
                if np.isfinite(f):
                    cuts[k].append(f)
        return [np.unique(np.clip(c, 0.0, 1.0)) for c in cuts]

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

    def foliage_m(self, origin: FloatArray, targets: FloatArray) -> FloatArray:
        """Foliage-weighted path length (m) on the sight lines origin → each target.

        ``origin`` (2,), ``targets`` (n, 2) → (n,): Σ over zones of length inside the
        zone × its foliage density. Sensors turn it into a blocking probability.
        """
        targets = np.asarray(targets, dtype=float).reshape(-1, 2)
        total = np.zeros(len(targets))
        if not len(targets):
            return total
        origin = np.asarray(origin, dtype=float)
        lo, hi = np.minimum(targets, origin), np.maximum(targets, origin)
        for zone, box, edges, density in zip(self.zones, self._boxes, self._edges,
                                             self.foliage, strict=True):
            if density <= 0:
                continue
            # only sight lines whose box meets the zone's can cross it
            near = np.nonzero((lo[:, 0] <= box[2]) & (hi[:, 0] >= box[0])
                              & (lo[:, 1] <= box[3]) & (hi[:, 1] >= box[1]))[0]
            if len(near):
                total[near] += density * inside_length(
                    np.broadcast_to(origin, (len(near), 2)), targets[near], zone, edges)
        return total
