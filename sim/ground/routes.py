"""Timing a walk through the terrain: polylines → piecewise-linear trajectories.

Every mover that walks — a crossing group, a reaction team on foot, a patrol in
pursuit — moves along straight legs; each leg is cut where it crosses terrain-zone
boundaries (`Terrain.leg_pieces`) and every piece is walked at the mover's speed
times the zone's speed factor. Where a leg crosses a *barrier* (a fence line) the
mover stops for the barrier's ``delay_s`` (climbing or cutting [Fence-4s]) before it
goes on: the trajectory holds a stationary piece there, which is the delay element
of an EASI path (DOMAIN.md §5).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, pairwise
from weakref import WeakKeyDictionary

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString

from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory

FloatArray = NDArray[np.float64]

#: Pieces shorter than this (s) are dropped: float noise, not movement.
_MIN_PIECE_S = 1e-9


@dataclass(frozen=True)
class Barrier:
    """A line that delays whoever crosses it: ``line`` (k, 2), m; ``delay_s``, s."""

    line: tuple[tuple[float, float], ...]
    delay_s: float

    @cached_property
    def geometry(self) -> LineString:
        """The line as a shapely geometry (made once)."""
        return LineString(self.line)

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """The line's box (xmin, ymin, xmax, ymax), m."""
        return tuple(self.geometry.bounds)

    def crossing_fractions(self, p0: FloatArray, p1: FloatArray) -> list[float]:
        """Fractions in [0, 1) of the leg p0 → p1 at which it crosses the line."""
        leg = LineString([p0, p1])
        if leg.length <= 0:
            return []
        hits = shapely.intersection(leg, LineString(self.line))
        if hits.is_empty:
            return []
        pts = shapely.get_coordinates(hits)
        fr = shapely.line_locate_point(leg, shapely.points(pts), normalized=True)
        return sorted({float(f) for f in np.atleast_1d(fr) if 0.0 <= f < 1.0})


def timed_route(points: FloatArray, speed_mps: float, start_s: float, terrain: Terrain,
                barriers: Sequence[Barrier] = ()) -> Trajectory:
    """Walk the polyline ``points`` (k, 2) from ``start_s`` at ``speed_mps`` × zone
    factors, pausing ``delay_s`` at every crossing of a barrier.

    A route of one point (or of zero length) stands still for one second. The steps of
    a walk without barriers do not depend on ``start_s``: they are kept per terrain
    (`_WALKS`) and only added up again from the new start.
    """
    pts = np.asarray(points, float).reshape(-1, 2)
    rows = pts.tolist()
    keep = [True] + [b[0] - a[0] != 0 or b[1] - a[1] != 0      # np.diff's floats
                     for a, b in pairwise(rows)]
    if not all(keep):
        pts = pts[keep]
    if barriers:
        steps, xy = _walk_steps(pts, speed_mps, terrain, barriers)
    else:
        steps, xy = _remembered_steps(pts, speed_mps, terrain)
    return timed_trajectory(list(accumulate(steps, initial=float(start_s))), xy.copy())


def timed_trajectory(times: list[float], xy: FloatArray) -> Trajectory:
    """`Trajectory` of ``times`` (k,), s, and ``xy`` (k, 2, float64), m, built here:
    the one check ``Trajectory`` makes that such a walk or drive may fail (times
    strictly increasing: a step can round away at late times) is made on the Python
    floats, the same differences ``np.diff`` takes, and its conversions are skipped."""
    if any(b - a <= 0 for a, b in pairwise(times)):
        raise ValueError("trajectory times must be strictly increasing")
    return Trajectory._of(np.asarray(times, dtype=np.float64), xy)


#: The steps of recent walks without barriers, per terrain: (points, speed) → steps.
_WALKS: WeakKeyDictionary[Terrain, OrderedDict[tuple[bytes, float],
                                               tuple[list[float], FloatArray]]] = \
    WeakKeyDictionary()
#: Walks remembered per terrain (the oldest are forgotten first).
_WALKS_KEPT = 2048


def _remembered_steps(pts: FloatArray, speed_mps: float,
                      terrain: Terrain) -> tuple[list[float], FloatArray]:
    """`_walk_steps` without barriers, looked up in `_WALKS` first."""
    memo = _WALKS.setdefault(terrain, OrderedDict())
    key = (pts.tobytes(), float(speed_mps))
    found = memo.get(key)
    if found is not None:
        memo.move_to_end(key)
        return found
    found = _walk_steps(pts, speed_mps, terrain, ())
    memo[key] = found
    if len(memo) > _WALKS_KEPT:
        memo.popitem(last=False)
    return found


def _walk_steps(pts: FloatArray, speed_mps: float, terrain: Terrain,
                barriers: Sequence[Barrier]) -> tuple[list[float], FloatArray]:
    """The durations (s) between the timed points of a walk of ``pts`` (k, 2; no two
    consecutive equal) and those points (m + 1, 2): the walk from time 0."""
    if len(pts) < 2:
        return [1.0], np.asarray([pts[0], pts[0]])     # standing still for a second
    cut_list = terrain.path_cuts(pts)
    stops_of = _barrier_stops(pts, barriers) if barriers else None
    if stops_of is not None:
        cut_list = [np.unique(np.concatenate([c, [f for f, _ in st]])) if st else c
                    for c, st in zip(cut_list, stops_of, strict=True)]
    p0s, d = pts[:-1], pts[1:] - pts[:-1]
    lengths = np.hypot(d[:, 0], d[:, 1])
    if len(cut_list) == 1:      # one leg: its start, offset and length broadcast
        c0, c1 = cut_list[0][:-1], cut_list[0][1:]
        p0_of, d_of, length_of = p0s, d, lengths
    else:
        leg = np.repeat(np.arange(len(cut_list)), [len(c) - 1 for c in cut_list])
        c0 = np.concatenate([c[:-1] for c in cut_list])
        c1 = np.concatenate([c[1:] for c in cut_list])
        p0_of, d_of, length_of = p0s[leg], d[leg], lengths[leg]
    factors = terrain.speed_factor_at(p0_of + ((c0 + c1) / 2)[:, None] * d_of)
    if stops_of is not None and any(stops_of):
        steps, rows = _steps_with_stops(pts, cut_list, stops_of, factors, lengths, speed_mps)
        xy = np.asarray(rows)
    else:
        # the loop of `_steps_with_stops` without stops, element by element the same
        # floats: dt = length (c1 - c0) / (speed factor), the point p0 + c1 (p1 - p0)
        dt = length_of * (c1 - c0) / (speed_mps * factors)
        keep = ~(dt <= _MIN_PIECE_S)
        steps = dt[keep].tolist()
        xy = np.vstack([pts[:1], (p0_of + c1[:, None] * d_of)[keep]])
    if not steps:
        return [1.0], np.asarray([pts[0], pts[0]])
    return steps, xy


def _steps_with_stops(pts: FloatArray, cut_list: list[FloatArray],
                      stops_of: list[list[tuple[float, float]]], factors: FloatArray,
                      lengths: FloatArray, speed_mps: float
                      ) -> tuple[list[float], list[FloatArray]]:
    """`_walk_steps`'s durations (s) and points (m) of the pieces cut at ``cut_list``
    (per leg, fractions), walked at ``speed_mps`` × ``factors`` (one per piece, in
    order) over legs of ``lengths`` (m), with a stop of ``delay`` s at each (fraction,
    delay) of ``stops_of`` (per leg)."""
    steps: list[float] = []
    xy = [pts[0]]
    at = 0
    for c, stops, p0, p1, length in zip(cut_list, stops_of, pts[:-1], pts[1:],
                                        lengths.tolist(), strict=True):
        delay_at = dict(stops)
        f = factors[at:at + len(c) - 1]
        at += len(c) - 1
        for c0, c1, fk in zip(c[:-1].tolist(), c[1:].tolist(), f.tolist(), strict=True):
            if c0 in delay_at:
                steps.append(delay_at[c0])
                xy.append(xy[-1])
            dt = length * (c1 - c0) / (speed_mps * fk)
            if dt <= _MIN_PIECE_S:
                continue
            steps.append(dt)
            xy.append(p0 + c1 * (p1 - p0))
    return steps, xy


def _barrier_stops(pts: FloatArray,
                   barriers: Sequence[Barrier]) -> list[list[tuple[float, float]]]:
    """For each leg of ``pts`` (k, 2): its crossings of the ``barriers`` that delay,
    (fraction, delay_s) sorted — `Barrier.crossing_fractions` of every (leg, barrier)
    pair at once. A pair whose boxes do not meet has no crossing and is not asked of
    GEOS; the pairs that are get the very intersections and projections
    `Barrier.crossing_fractions` asks for, element by element."""
    stops: list[list[tuple[float, float]]] = [[] for _ in range(len(pts) - 1)]
    active = [b for b in barriers if b.delay_s > 0]
    if not active:
        return stops
    p0, p1 = pts[:-1], pts[1:]
    lo, hi = np.minimum(p0, p1), np.maximum(p0, p1)
    boxes = np.array([b.bounds for b in active])          # (barriers, 4)
    meets = ((lo[:, None, 0] <= boxes[None, :, 2]) & (boxes[None, :, 0] <= hi[:, None, 0])
             & (lo[:, None, 1] <= boxes[None, :, 3]) & (boxes[None, :, 1] <= hi[:, None, 1]))
    leg_i, bar_i = np.nonzero(meets)
    if not len(leg_i):
        return stops
    legs = shapely.linestrings(np.stack([p0, p1], axis=1))
    lines = np.array([b.geometry for b in active], dtype=object)
    pair_legs = legs[leg_i]
    hits = shapely.intersection(pair_legs, lines[bar_i])
    coords, which = shapely.get_coordinates(hits, return_index=True)
    fr = shapely.line_locate_point(pair_legs[which], shapely.points(coords), normalized=True)
    found: dict[int, set[float]] = {}
    for pair, f in zip(which.tolist(), fr.tolist(), strict=True):
        if 0.0 <= f < 1.0:
            found.setdefault(pair, set()).add(f)
    long_enough = shapely.length(pair_legs) > 0
    for pair, fractions in found.items():
        if long_enough[pair]:
            delay = active[bar_i[pair]].delay_s
            stops[leg_i[pair]].extend((f, delay) for f in fractions)
    for st in stops:
        st.sort()
    return stops


def first_crossing_s(trajectory: Trajectory, line: LineString) -> float | None:
    """The first time the trajectory crosses or touches ``line``; None if never."""
    for t0, t1, p0, p1 in zip(trajectory.t_s[:-1], trajectory.t_s[1:], trajectory.xy[:-1],
                              trajectory.xy[1:], strict=True):
        if np.all(p0 == p1):
            continue
        leg = LineString([p0, p1])
        hit = shapely.intersection(leg, line)
        if hit.is_empty:
            continue
        pts = shapely.get_coordinates(hit)
        frac = float(np.min(shapely.line_locate_point(leg, shapely.points(pts),
                                                       normalized=True)))
        return float(t0 + frac * (t1 - t0))
    return None


def stand(xy: FloatArray, start_s: float, end_s: float) -> Trajectory:
    """Standing still at ``xy`` from ``start_s`` to ``end_s`` (at least a microsecond)."""
    end = max(float(end_s), float(start_s) + 1e-6)
    p = np.asarray(xy, float)
    return Trajectory(np.array([float(start_s), end]), np.vstack([p, p]))


def pursuit_meeting_time(trajectory: Trajectory, base_xy: FloatArray, leave_s: float,
                 speed_mps: float, capture_radius_m: float) -> float | None:
    """Earliest t in [leave_s, trajectory end] with |G(t) − base| ≤ v (t − leave) + r.

    The earliest meeting of a pursuer that leaves ``base_xy`` at ``leave_s`` and runs
    straight at ``speed_mps`` with a mover on ``trajectory``: the pursuer can be
    anywhere within v (t − leave) of its start, so the first instant the mover is
    within that disc (plus the capture radius) is the best pursuit. Returns None if
    the mover reaches the end of its trajectory first.

    Examples
    --------
    A group walking east at 1 m/s from (0, 0); a team at (100, 0) that leaves at
    t = 0 at 1 m/s with a 10 m radius meets it when 2t + 10 = 100:

    >>> traj = Trajectory(np.array([0.0, 1000.0]), np.array([[0.0, 0.0], [1000.0, 0.0]]))
    >>> pursuit_meeting_time(traj, np.array([100.0, 0.0]), 0.0, 1.0, 10.0)
    45.0
    """
    base = np.asarray(base_xy, dtype=float)
    t_pts, xy = trajectory.t_s, trajectory.xy
    if leave_s >= t_pts[-1]:
        return None
    if leave_s > t_pts[0]:  # only the part after the team leaves matters
        keep = t_pts > leave_s
        t_pts = np.concatenate([[leave_s], t_pts[keep]])
        xy = np.vstack([trajectory.position_at(leave_s), xy[keep]])
    v, r = float(speed_mps), float(capture_radius_m)
    for k in range(len(t_pts) - 1):
        t0, t1 = float(t_pts[k]), float(t_pts[k + 1])
        if t1 <= t0:
            continue
        u = (xy[k + 1] - xy[k]) / (t1 - t0)
        d0 = xy[k] - base
        c = v * (t0 - leave_s) + r            # reach at t0
        if float(np.hypot(*d0)) <= c:
            return t0
        # |d0 + u τ|² = (v τ + c)²  →  a τ² + b τ + q = 0
        a = float(u @ u) - v * v
        b = 2.0 * (float(d0 @ u) - v * c)
        q = float(d0 @ d0) - c * c           # > 0 here
        roots: list[float] = []
        if abs(a) < 1e-12:
            if b < 0:
                roots.append(-q / b)
        else:
            disc = b * b - 4 * a * q
            if disc >= 0:
                sq = np.sqrt(disc)
                roots += [(-b - sq) / (2 * a), (-b + sq) / (2 * a)]
        good = [tau for tau in roots if 0.0 <= tau <= t1 - t0 and v * tau + c >= 0]
        if good:
            return float(t0 + min(good))
    return None
