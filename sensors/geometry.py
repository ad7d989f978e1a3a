"""Closed-form exposure geometry: when a straight, timed leg is inside a shape.

A mover is piecewise linear in time (`sim.ground.trajectory.Trajectory`): on leg ``i`` its
position is ``p0[i] + v[i] (t - t0[i])`` for ``t0[i] <= t <= t1[i]``. Every shape a
sensor watches — a disc (seismic, patrol), an annulus sector (radar, camera), the
band within distance r of a polyline — is cut by such a leg along at most a few
intervals, each the solution of a linear or quadratic inequality in ``t``. Solving
them directly in numpy, all legs at once, is about 400× faster than intersecting
shapely geometries (ECOSYSTEM.md), and it is exact.

Conventions. Interval *candidates* are arrays ``lo, hi`` of shape (l, k): up to k
pieces per leg, in absolute time (s), empty where ``lo >= hi``. Interval *lists* are
(n, 2) arrays of disjoint ``[start, end)`` pairs sorted by start; `merge_intervals`
turns candidates into a list. Zero-length touches (a leg tangent to a circle) are
dropped: they have probability zero and no look can fall inside them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.ground import prebuilt
from sim.ground.trajectory import Trajectory

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Legs = tuple[FloatArray, FloatArray, FloatArray, FloatArray]


def _cross(a: FloatArray, b: FloatArray) -> FloatArray:
    """z component of the 2-D cross product, broadcasting over leading axes."""
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


def _halfline(alpha: FloatArray, beta: FloatArray,
              dt: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Where ``alpha + beta τ >= 0`` for τ in [0, dt]; returns (lo, hi) in τ."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        root = -alpha / beta
    lo = np.where(beta > 0, root, 0.0)
    hi = np.where(beta < 0, root, dt)
    never = (beta == 0) & (alpha < 0)
    lo = np.where(never, np.inf, np.maximum(lo, 0.0))
    hi = np.where(never, -np.inf, np.minimum(hi, dt))
    return lo, hi


def _disc_tau(d0: FloatArray, v: FloatArray, dt: FloatArray,
              radius: float | FloatArray) -> tuple[FloatArray, FloatArray]:
    """Where ``|d0 + v τ| <= radius`` for τ in [0, dt]: the quadratic
    ``|v|² τ² + 2 (d0·v) τ + |d0|² - r² <= 0``. Shapes broadcast; returns (lo, hi) in τ."""
    a = np.einsum("...i,...i->...", v, v)
    b = np.einsum("...i,...i->...", d0, v)  # half the linear coefficient
    c = np.einsum("...i,...i->...", d0, d0) - np.square(radius)
    disc = b * b - a * c
    moving = a > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        sq = np.sqrt(np.maximum(disc, 0.0))
        lo = np.where(moving, (-b - sq) / a, 0.0)
        hi = np.where(moving, (-b + sq) / a, dt)
    empty = np.where(moving, disc <= 0, c > 0)
    lo = np.where(empty, np.inf, np.maximum(lo, 0.0))
    hi = np.where(empty, -np.inf, np.minimum(hi, dt))
    return lo, hi


def legs_of(trajectory: Trajectory) -> Legs:
    """The legs of a trajectory: t0 (l,), t1 (l,), p0 (l, 2), v (l, 2)."""
    return trajectory.legs


def circle_candidates(legs: Legs, center: FloatArray,
                      radius: float) -> tuple[FloatArray, FloatArray]:
    """Times each leg is within ``radius`` (m) of ``center`` (2,): (lo, hi) of shape (l, 1)."""
    t0, t1, p0, v = legs
    lo, hi = _disc_tau(p0 - np.asarray(center, float), v, t1 - t0, radius)
    return (lo + t0)[:, None], (hi + t0)[:, None]


def annulus_candidates(legs: Legs, center: FloatArray, r_min: float,
                       r_max: float) -> tuple[FloatArray, FloatArray]:
    """Times each leg has ``r_min <= |p - center| <= r_max``: (lo, hi) of shape (l, 2)."""
    lo_out, hi_out = circle_candidates(legs, center, r_max)
    if r_min <= 0:
        return _pad(lo_out, hi_out, 2)
    lo_in, hi_in = circle_candidates(legs, center, r_min)
    hole = lo_in < hi_in
    # outer minus the (open) inner disc: the part before the hole and the part after
    lo = np.concatenate([lo_out, np.where(hole, np.maximum(lo_out, hi_in), lo_out)], axis=1)
    hi = np.concatenate([np.where(hole, np.minimum(hi_out, lo_in), hi_out),
                         np.where(hole, hi_out, -np.inf)], axis=1)
    return lo, hi


def wedge_candidates(legs: Legs, center: FloatArray, heading_deg: float,
                     fov_deg: float) -> tuple[FloatArray, FloatArray]:
    """Times each leg is inside the infinite wedge of half-angle ``fov/2`` around
    ``heading`` (degrees CCW from +x) with apex ``center``: (lo, hi) of shape (l, 2).

    A wedge of at most 180° is the intersection of two half-planes; a wider one is
    their union (its complement is a convex wedge). Along a straight leg each
    half-plane test is linear in time.
    """
    t0, t1, p0, v = legs
    dt = t1 - t0
    if fov_deg >= 360.0:
        return _pad(t0[:, None], t1[:, None], 2)
    a = np.radians(heading_deg - fov_deg / 2.0)
    b = np.radians(heading_deg + fov_deg / 2.0)
    e_a, e_b = np.array([np.cos(a), np.sin(a)]), np.array([np.cos(b), np.sin(b)])
    d0 = p0 - np.asarray(center, float)
    # left of the right edge: cross(e_a, d) >= 0; right of the left edge: cross(d, e_b) >= 0
    lo_a, hi_a = _halfline(_cross(e_a, d0), _cross(e_a, v), dt)
    lo_b, hi_b = _halfline(-_cross(e_b, d0), -_cross(e_b, v), dt)
    if fov_deg <= 180.0:
        lo = np.maximum(lo_a, lo_b)[:, None]
        hi = np.minimum(hi_a, hi_b)[:, None]
        return _pad(lo + t0[:, None], hi + t0[:, None], 2)
    lo = np.stack([lo_a, lo_b], axis=1) + t0[:, None]
    hi = np.stack([hi_a, hi_b], axis=1) + t0[:, None]
    return lo, hi


def _pad(lo: FloatArray, hi: FloatArray, k: int) -> tuple[FloatArray, FloatArray]:
    """Widen (l, j) candidates to (l, k) with empty pieces."""
    extra = k - lo.shape[1]
    if extra <= 0:
        return lo, hi
    n = lo.shape[0]
    return (np.concatenate([lo, np.full((n, extra), np.inf)], axis=1),
            np.concatenate([hi, np.full((n, extra), -np.inf)], axis=1))


def intersect_candidates(a: tuple[FloatArray, FloatArray],
                         b: tuple[FloatArray, FloatArray]) -> tuple[FloatArray, FloatArray]:
    """Per-leg intersection of two candidate sets (l, j) and (l, k) → (l, j·k)."""
    pieces = a[0].shape[1] * b[0].shape[1]         # explicit: no leg at all is (0, j·k)
    lo = np.maximum(a[0][:, :, None], b[0][:, None, :]).reshape(len(a[0]), pieces)
    hi = np.minimum(a[1][:, :, None], b[1][:, None, :]).reshape(len(a[1]), pieces)
    return lo, hi


def merge_intervals(lo: FloatArray, hi: FloatArray, gap_s: float = 0.0) -> FloatArray:
    """Union of intervals given as candidates (any shape) → sorted disjoint list (n, 2).

    Pieces that touch or lie within ``gap_s`` of each other are joined, so a mover
    passing from one leg to the next inside a shape gives one interval.
    """
    lo, hi = np.ravel(lo), np.ravel(hi)
    keep = hi > lo
    lo, hi = lo[keep], hi[keep]
    if not len(lo):
        return np.zeros((0, 2))
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], hi[order]
    reach = np.maximum.accumulate(hi)
    starts = np.ones(len(lo), dtype=bool)
    starts[1:] = lo[1:] > reach[:-1] + gap_s
    group = np.cumsum(starts) - 1
    out = np.empty((int(group[-1]) + 1, 2))
    out[:, 0] = lo[starts]
    out[:, 1] = np.maximum.reduceat(hi, np.flatnonzero(starts))
    return out


def intersect_intervals(a: FloatArray, b: FloatArray) -> FloatArray:
    """Intersection of two interval lists (n, 2) and (m, 2) → interval list."""
    if not len(a) or not len(b):
        return np.zeros((0, 2))
    lo = np.maximum(a[:, None, 0], b[None, :, 0])
    hi = np.minimum(a[:, None, 1], b[None, :, 1])
    return merge_intervals(lo, hi)


def circle_intervals(trajectory: Trajectory, center: FloatArray, radius: float) -> FloatArray:
    """When the mover is within ``radius`` (m) of ``center``: interval list (n, 2), s."""
    return merge_intervals(*circle_candidates(trajectory.legs, center, radius))


def sector_intervals(trajectory: Trajectory, center: FloatArray, r_max: float,
                     heading_deg: float = 0.0, fov_deg: float = 360.0,
                     r_min: float = 0.0) -> FloatArray:
    """When the mover is inside an annulus sector: ``r_min <= range <= r_max`` (m) and
    bearing within ``fov/2`` of ``heading`` (degrees CCW from +x). Interval list (n, 2)."""
    legs = trajectory.legs
    ring = annulus_candidates(legs, center, r_min, r_max)
    if fov_deg >= 360.0:
        return merge_intervals(*ring)
    return merge_intervals(*intersect_candidates(
        ring, wedge_candidates(legs, center, heading_deg, fov_deg)))


def polyline_distance_intervals(trajectory: Trajectory, line: FloatArray,
                                radius: float) -> FloatArray:
    """When the mover is within ``radius`` (m) of the polyline ``line`` (m, 2).

    The band around one segment is a capsule: a disc at each end plus the rectangle
    ``0 <= along <= length, |across| <= r``, whose two slab tests are linear in time.
    """
    t0, t1, p0, v = trajectory.legs
    q = np.asarray(line, float)
    q0, q1 = q[:-1], q[1:]
    seg = q1 - q0
    length = np.hypot(seg[:, 0], seg[:, 1])
    ok = length > 0
    if not ok.any():  # a polyline of one repeated point is a disc
        return circle_intervals(trajectory, q[0], radius)
    q0, seg, length = q0[ok], seg[ok], length[ok]
    u = seg / length[:, None]
    dt = (t1 - t0)[:, None]
    d0 = p0[:, None, :] - q0[None, :, :]  # (l, s, 2)
    vv = np.broadcast_to(v[:, None, :], d0.shape)
    along0, along_v = np.einsum("lsi,si->ls", d0, u), np.einsum("lsi,si->ls", vv, u)
    across0, across_v = _cross(u[None], d0), _cross(u[None], vv)
    pieces = [
        _halfline(along0, along_v, dt),                      # along >= 0
        _halfline(length - along0, -along_v, dt),            # along <= length
        _halfline(radius - across0, -across_v, dt),          # across <= r
        _halfline(radius + across0, across_v, dt),           # across >= -r
    ]
    rect_lo = np.maximum.reduce([p[0] for p in pieces])
    rect_hi = np.minimum.reduce([p[1] for p in pieces])
    a_lo, a_hi = _disc_tau(d0, vv, dt, radius)
    b_lo, b_hi = _disc_tau(p0[:, None, :] - (q0 + seg)[None], vv, dt, radius)
    t0c = t0[:, None]
    lo = np.stack([rect_lo, a_lo, b_lo]) + t0c
    hi = np.stack([rect_hi, a_hi, b_hi]) + t0c
    return merge_intervals(lo, hi)


def line_crossings(trajectory: Trajectory,
                   line: FloatArray) -> tuple[FloatArray, FloatArray, IntArray]:
    """Where and when the mover crosses the polyline ``line`` (m, 2).

    Legs are half-open ``[start, end)`` and segments too (the last one closed), so a
    crossing exactly at a shared vertex is counted once. Parallel overlaps are not
    crossings.

    Returns
    -------
    t_s : (n,) crossing times, s, sorted
    xy : (n, 2) crossing points, m
    segment : (n,) index of the line segment crossed
    """
    q = np.asarray(line, float)
    kernels = prebuilt.load()
    if kernels is not None and len(q) >= 2:   # the C port of the lines below, bit for bit
        return kernels.line_crossings(np.ascontiguousarray(trajectory.t_s),
                                      trajectory.xy.reshape(-1),
                                      np.ascontiguousarray(q).reshape(-1))
    t0, t1, p0, v = trajectory.legs
    q0, e = q[:-1], np.diff(q, axis=0)
    d = v * (t1 - t0)[:, None]                       # (l, 2) leg displacement
    w = q0[None, :, :] - p0[:, None, :]               # (l, s, 2)
    denom = _cross(d[:, None, :], e[None, :, :])      # (l, s)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = _cross(w, e[None, :, :]) / denom
        u = _cross(w, d[:, None, :]) / denom
    u_max = np.ones(len(e))
    u_max[-1] = np.nextafter(1.0, 2.0)
    hit = (denom != 0) & (s >= 0) & (s < 1) & (u >= 0) & (u < u_max[None, :])
    leg, segment = np.nonzero(hit)
    s_hit = s[leg, segment]
    t_s = t0[leg] + s_hit * (t1 - t0)[leg]
    xy = p0[leg] + s_hit[:, None] * d[leg]
    order = np.argsort(t_s, kind="stable")
    return t_s[order], xy[order], segment[order].astype(np.int64)


def relative_legs(a: Trajectory, b: Trajectory) -> Legs | None:
    """The legs of ``a − b`` over the time both movers exist (None: they never do at
    once): between the union of both movers' knots the relative position is linear in
    time."""
    start, end = max(a.start_s, b.start_s), min(a.end_s, b.end_s)
    if end <= start:
        return None
    kernels = prebuilt.load()
    if kernels is not None:               # the C port of the lines below, bit for bit
        knots, rel, v = kernels.relative_legs(*a.knots(), *b.knots(), start, end)
        return knots[:-1], knots[1:], rel[:-1], v
    knots = np.concatenate([a.t_s, b.t_s, [start, end]])
    knots = knots[(knots >= start) & (knots <= end)]
    knots.sort()
    knots = knots[np.concatenate([[True], knots[1:] != knots[:-1]])]  # np.unique, cheaper
    rel = a.position_at(knots) - b.position_at(knots)
    dt = np.diff(knots)
    v = np.diff(rel, axis=0) / dt[:, None]
    return knots[:-1], knots[1:], rel[:-1], v


def proximity_intervals(a: Trajectory, b: Trajectory, radius: float,
                        legs: Legs | None = None) -> FloatArray:
    """When two movers are within ``radius`` (m) of each other, over the time both exist.

    Each piece of `relative_legs` (``legs``: already computed) is one quadratic
    inequality (solved like `circle_candidates`).
    """
    legs = relative_legs(a, b) if legs is None else legs
    if legs is None:
        return np.zeros((0, 2))
    kernels = prebuilt.load()
    if kernels is not None:               # the C port of the line below, bit for bit
        t0, t1, p0, v = legs
        return kernels.proximity(np.ascontiguousarray(t0), np.ascontiguousarray(t1),
                                 np.ascontiguousarray(p0).reshape(-1),
                                 np.ascontiguousarray(v).reshape(-1), float(radius))
    return merge_intervals(*circle_candidates(legs, np.zeros(2), radius))


def ever_within(legs: Legs, radius: float) -> bool:
    """Whether the relative position on ``legs`` (`relative_legs`) ever comes within
    ``radius`` (m) of the origin: whether `proximity_intervals` would be non-empty.

    Its candidates are those of `circle_candidates`, whose rounding is monotone in the
    radius (a wider circle never gives a shorter piece), so False at ``radius`` means
    no contact at any radius up to it either: an exact prefilter.
    """
    kernels = prebuilt.load()
    if kernels is not None:               # the C port of the two lines below, bit for bit
        t0, t1, p0, v = legs
        return bool(kernels.ever_within(np.ascontiguousarray(t0), np.ascontiguousarray(t1),
                                        np.ascontiguousarray(p0).reshape(-1),
                                        np.ascontiguousarray(v).reshape(-1), float(radius)))
    lo, hi = circle_candidates(legs, np.zeros(2), radius)
    return bool((hi > lo).any())


def look_times(intervals: FloatArray, period_s: float,
               phase_s: float) -> tuple[FloatArray, IntArray]:
    """Scan times ``phase + k·period`` falling in each ``[start, end)`` interval.

    Returns
    -------
    t_s : (n,) look times, sorted if the intervals are
    interval : (n,) index of the interval each look falls in
    """
    if not len(intervals):
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    k0 = np.ceil((intervals[:, 0] - phase_s) / period_s)
    k1 = np.ceil((intervals[:, 1] - phase_s) / period_s)
    count = np.maximum(k1 - k0, 0).astype(np.int64)
    interval = np.repeat(np.arange(len(intervals), dtype=np.int64), count)
    first = np.cumsum(count) - count
    k = np.repeat(k0, count) + (np.arange(count.sum()) - np.repeat(first, count))
    t = phase_s + k * period_s
    # guard the float edge: ceil can land a look a hair outside its interval
    ok = (t >= intervals[interval, 0]) & (t < intervals[interval, 1])
    return t[ok], interval[ok]


def sector_polygon_xy(center: FloatArray, r_max: float, heading_deg: float,
                      fov_deg: float, n: int = 64) -> FloatArray:
    """Vertices (k, 2) of a sector (a disc when ``fov >= 360``), for maps."""
    c = np.asarray(center, float)
    if fov_deg >= 360.0:
        ang = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    else:
        ang = np.radians(heading_deg + np.linspace(-fov_deg / 2, fov_deg / 2, n))
    outer = c + r_max * np.column_stack([np.cos(ang), np.sin(ang)])
    if fov_deg >= 360.0:
        return outer
    return np.vstack([c, outer])


def complement_intervals(iv: FloatArray, start_s: float, end_s: float) -> FloatArray:
    """The parts of [start_s, end_s) not covered by the interval list ``iv``."""
    iv = np.asarray(iv, float).reshape(-1, 2)
    iv = iv[(iv[:, 1] > start_s) & (iv[:, 0] < end_s)]
    edges = np.concatenate([[start_s], np.clip(iv, start_s, end_s).ravel(), [end_s]])
    edges = edges.reshape(-1, 2)
    return edges[edges[:, 1] > edges[:, 0]]


def sight_intervals(observer: Trajectory, target: Trajectory,
                    pieces: list[tuple[FloatArray, float]],
                    legs: Legs | None = None) -> FloatArray:
    """When ``observer`` can see ``target``, with a sight range that changes in time.

    ``pieces``: (interval list, radius m) pairs covering the times of interest, e.g.
    day and night, or the zones the target walks through. The result is the union
    over pieces of (within radius) ∩ (piece's intervals): exact, in closed form, since
    on each piece the range is constant. ``legs``: `relative_legs` of the two, if
    already computed.
    """
    parts: list[FloatArray] = []
    cache: dict[float, FloatArray] = {}
    for iv, radius in pieces:
        if not len(iv) or radius <= 0:
            continue
        if radius not in cache:
            if legs is None:
                legs = relative_legs(observer, target)
                if legs is None:
                    return np.zeros((0, 2))
            cache[radius] = proximity_intervals(observer, target, radius, legs)
        parts.append(intersect_intervals(cache[radius], iv))
    parts = [p for p in parts if len(p)]
    if not parts:
        return np.zeros((0, 2))
    stacked = np.vstack(parts)
    return merge_intervals(stacked[:, 0], stacked[:, 1])
