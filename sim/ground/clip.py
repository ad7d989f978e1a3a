"""Straight segments against polygon edges, vectorised in numpy.

The terrain asks two questions of many short straight lines at once — where does
each cross a zone boundary, and how much of it lies inside a zone — and GEOS (through
shapely) answers each with an object per line, which is most of the cost of a team's
route or a radar's sight lines. For the few-vertex polygons of terrain zones the
closed form is cheaper: a segment ``p0 + t (p1 − p0)`` meets an edge ``a + u (b − a)``
where ``t = ((a − p0) × e) / (d × e)`` and ``u = ((a − p0) × d) / (d × e)`` both lie in
[0, 1] (× the 2-D cross product).

Parallel segments (``d × e = 0``) are left to the caller: `may_meet` flags them by
their boxes so an exact computation can look at them.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Polygon

FloatArray = NDArray[np.float64]


def polygon_edges(polygon: Polygon) -> tuple[FloatArray, FloatArray]:
    """Start and end points (m, 2) of every edge of ``polygon``'s rings (holes too)."""
    starts, ends = [], []
    for ring in [polygon.exterior, *polygon.interiors]:
        xy = np.asarray(ring.coords, float)
        starts.append(xy[:-1])
        ends.append(xy[1:])
    return np.vstack(starts), np.vstack(ends)


def crossing_fractions(p0: FloatArray, p1: FloatArray, a: FloatArray,
                       b: FloatArray) -> FloatArray:
    """Fractions (n, m) along each segment ``p0[i] → p1[i]`` (n, 2) where it meets
    edge ``a[j] → b[j]`` (m, 2); NaN where it does not (or runs parallel)."""
    d = (p1 - p0)[:, None, :]
    e = (b - a)[None, :, :]
    w = a[None, :, :] - p0[:, None, :]
    denom = d[..., 0] * e[..., 1] - d[..., 1] * e[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (w[..., 0] * e[..., 1] - w[..., 1] * e[..., 0]) / denom
        u = (w[..., 0] * d[..., 1] - w[..., 1] * d[..., 0]) / denom
    ok = (denom != 0) & (t >= 0) & (t <= 1) & (u >= 0) & (u <= 1)
    return np.where(ok, t, np.nan)


def inside_length(p0: FloatArray, p1: FloatArray, polygon: Polygon,
                  edges: tuple[FloatArray, FloatArray]) -> FloatArray:
    """Length (n,), m, of each segment ``p0[i] → p1[i]`` inside ``polygon`` (prepared
    for `shapely.contains_xy`), with ``edges`` its `polygon_edges`.

    The crossings cut each segment into pieces; a piece is inside when its midpoint is.
    """
    t = crossing_fractions(p0, p1, *edges)
    t = np.sort(np.where(np.isnan(t), 1.0, t), axis=1)
    n = len(t)
    cuts = np.hstack([np.zeros((n, 1)), t, np.ones((n, 1))])
    mid = (cuts[:, :-1] + cuts[:, 1:]) / 2
    d = p1 - p0
    x = p0[:, None, 0] + mid * d[:, None, 0]
    y = p0[:, None, 1] + mid * d[:, None, 1]
    inside = shapely.contains_xy(polygon, x.ravel(), y.ravel()).reshape(mid.shape)
    return (np.diff(cuts, axis=1) * inside).sum(axis=1) * np.hypot(d[:, 0], d[:, 1])



def may_meet(p0: FloatArray, p1: FloatArray, a: FloatArray, b: FloatArray,
             margin: float = 1e-9) -> NDArray[np.bool_]:
    """(n, m): whether segment ``p0[i] → p1[i]`` may touch edge ``a[j] → b[j]`` — the
    closed form with ``margin`` (a fraction) either side, or parallel and collinear
    within rounding. Never False where the segments meet; may be True where they
    just miss (callers compute the exact point for those pairs)."""
    d = (p1 - p0)[:, None, :]
    e = (b - a)[None, :, :]
    w = a[None, :, :] - p0[:, None, :]
    denom = d[..., 0] * e[..., 1] - d[..., 1] * e[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (w[..., 0] * e[..., 1] - w[..., 1] * e[..., 0]) / denom
        u = (w[..., 0] * d[..., 1] - w[..., 1] * d[..., 0]) / denom
    lo, hi = -margin, 1.0 + margin
    crossing = (t >= lo) & (t <= hi) & (u >= lo) & (u <= hi)
    # near-parallel pairs: the closed form is ill-conditioned, so fall back on boxes
    scale = np.hypot(d[..., 0], d[..., 1]) * np.hypot(e[..., 0], e[..., 1])
    flat = np.abs(denom) <= 1e-9 * scale
    seg_lo, seg_hi = np.minimum(p0, p1)[:, None, :], np.maximum(p0, p1)[:, None, :]
    edge_lo, edge_hi = np.minimum(a, b)[None, :, :], np.maximum(a, b)[None, :, :]
    boxes = np.all((seg_lo <= edge_hi) & (seg_hi >= edge_lo), axis=-1)
    return np.where(flat, boxes, crossing)
