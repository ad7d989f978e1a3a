"""Closed-form exposure intervals against dense brute-force sampling."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString

from sensors.geometry import (
    circle_intervals,
    intersect_intervals,
    line_crossings,
    look_times,
    merge_intervals,
    polyline_distance_intervals,
    proximity_intervals,
    sector_intervals,
)
from sim.ground.trajectory import Trajectory

# millimetre grid: no subnormal segment lengths (shapely itself divides by zero on those)
coord = st.floats(-500, 500, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def trajectories(draw, min_points=2, max_points=6):
    k = draw(st.integers(min_points, max_points))
    xy = np.array([[draw(coord), draw(coord)] for _ in range(k)])
    if draw(st.booleans()) and k > 2:  # a mover standing still for one leg
        xy[1] = xy[0]
    dt = np.array([draw(st.floats(1.0, 300.0)) for _ in range(k - 1)])
    t0 = draw(st.floats(0, 1000))
    return Trajectory(np.concatenate([[t0], t0 + np.cumsum(dt)]), xy)


def inside_intervals(t, iv):
    return np.any((t[:, None] >= iv[None, :, 0]) & (t[:, None] < iv[None, :, 1]), axis=1)


def assert_matches(traj, iv, inside_fn, eps=1e-6, n=4001):
    """At dense samples the intervals contain every point inside the shape shrunk by
    ``eps`` and no point outside the shape grown by ``eps``: exact up to rounding at
    the boundary (where a tangent touch may be dropped)."""
    assert np.all(np.diff(iv, axis=1) > 0)
    assert np.all(iv[1:, 0] > iv[:-1, 1])  # disjoint and sorted
    # intervals are [a, b): sample [start, end); the trajectories last >= 1 s
    t = np.linspace(traj.start_s, traj.end_s, n, endpoint=False)
    p = traj.position_at(t)
    got = inside_intervals(t, iv)
    assert np.all(got[inside_fn(p, -eps)]), "a point well inside is missed"
    assert not np.any(got[~inside_fn(p, eps)]), "a point well outside is included"
    mids = iv.mean(axis=1)  # every interval really is inside
    if len(mids):
        assert np.all(inside_fn(traj.position_at(mids), eps))


@settings(max_examples=150, deadline=None)
@given(trajectories(), coord, coord, st.floats(1, 400))
def test_circle_intervals_match_sampling(traj, cx, cy, r):
    c = np.array([cx, cy])
    iv = circle_intervals(traj, c, r)
    assert_matches(traj, iv, lambda p, e: np.hypot(*(p - c).T) <= r + e)


@settings(max_examples=150, deadline=None)
@given(trajectories(), coord, coord, st.floats(10, 600), st.floats(-360, 360),
       st.sampled_from([10.0, 60.0, 90.0, 179.0, 180.0, 200.0, 270.0, 359.0, 360.0]))
def test_sector_intervals_match_sampling(traj, cx, cy, r, heading, fov):
    c = np.array([cx, cy])
    iv = sector_intervals(traj, c, r, heading, fov)

    def inside(p, e):
        d = p - c
        dist = np.hypot(*d.T)
        off = (np.degrees(np.arctan2(d[:, 1], d[:, 0])) - heading + 180.0) % 360.0 - 180.0
        # bearings are ill-conditioned at the apex: within 1 mm count as inside (grown)
        # or outside (shrunk)
        in_angle = (np.abs(off) <= fov / 2 + e) | (fov >= 360) | ((dist < 1e-3) & (e > 0))
        return (dist <= r + e) & in_angle & ((dist >= 1e-3) | (e > 0))

    assert_matches(traj, iv, inside)


@settings(max_examples=100, deadline=None)
@given(trajectories(), trajectories(min_points=2, max_points=4), st.floats(1, 200))
def test_polyline_distance_intervals_match_sampling(traj, line_traj, r):
    line = line_traj.xy
    iv = polyline_distance_intervals(traj, line, r)
    geom = LineString(line) if len(np.unique(line, axis=0)) > 1 else shapely.points(line[0])
    assert_matches(traj, iv, lambda p, e: shapely.distance(geom, shapely.points(p)) <= r + e)


@settings(max_examples=100, deadline=None)
@given(trajectories(), trajectories(), st.floats(1, 300))
def test_proximity_intervals_match_sampling(a, b, r):
    iv = proximity_intervals(a, b, r)
    start, end = max(a.start_s, b.start_s), min(a.end_s, b.end_s)
    if end <= start:
        assert len(iv) == 0
        return
    # a piece's end is t0 + (t1 - t0): within an ulp or two of t1, either side
    ulps = 4 * np.spacing(max(abs(start), abs(end)))
    assert np.all((iv >= start - ulps) & (iv <= end + ulps))
    if end - start < 1e-6:  # samples closer than an ulp would round onto the end
        return
    t = np.linspace(start, end, 4001, endpoint=False)
    dist = np.hypot(*(a.position_at(t) - b.position_at(t)).T)
    got = inside_intervals(t, iv)
    assert np.all(got[dist <= r - 1e-6]) and not np.any(got[dist > r + 1e-6])


def test_line_crossings_counts_each_crossing():
    line = np.array([[0.0, 0.0], [100.0, 0.0], [200.0, 0.0]])
    # down and back up across the line: two crossings, one of them at a line vertex
    traj = Trajectory(np.array([0.0, 10.0, 20.0]), np.array([[50.0, 10], [100.0, -10], [150, 10]]))
    t, xy, seg = line_crossings(traj, line)
    assert len(t) == 2
    np.testing.assert_allclose(t, [5.0, 15.0])
    np.testing.assert_allclose(xy, [[75.0, 0.0], [125.0, 0.0]])
    assert list(seg) == [0, 1]
    # a crossing exactly at the shared vertex is counted once
    traj = Trajectory(np.array([0.0, 10.0]), np.array([[100.0, 10.0], [100.0, -10.0]]))
    assert len(line_crossings(traj, line)[0]) == 1
    # parallel movement along the line is not a crossing
    traj = Trajectory(np.array([0.0, 10.0]), np.array([[-10.0, 0.0], [300.0, 0.0]]))
    assert len(line_crossings(traj, line)[0]) == 0


def test_line_crossings_match_shapely():
    rng = np.random.default_rng(3)
    line = rng.uniform(0, 1000, (8, 2))
    for _ in range(50):
        pts = rng.uniform(0, 1000, (6, 2))
        traj = Trajectory(np.arange(6.0), pts)
        t, xy, _ = line_crossings(traj, line)
        hits = shapely.intersection(LineString(pts), LineString(line))
        assert len(t) == len(shapely.get_coordinates(hits))


def test_merge_and_intersect_intervals():
    iv = merge_intervals(np.array([5.0, 0.0, 2.0, 10.0, 3.0]), np.array([6.0, 2.0, 3.0, 9.0, 4.0]))
    np.testing.assert_array_equal(iv, [[0.0, 4.0], [5.0, 6.0]])
    both = intersect_intervals(np.array([[0.0, 4.0], [5.0, 6.0]]), np.array([[3.0, 5.5]]))
    np.testing.assert_array_equal(both, [[3.0, 4.0], [5.0, 5.5]])


def test_look_times_on_the_clock():
    t, idx = look_times(np.array([[0.0, 10.0], [10.5, 11.0], [20.0, 20.0 + 1e-9]]), 2.0, 0.5)
    np.testing.assert_allclose(t, [0.5, 2.5, 4.5, 6.5, 8.5, 10.5])
    assert list(idx) == [0, 0, 0, 0, 0, 1]
