"""The numpy segment/polygon geometry against hand-worked cases and against GEOS."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon

from sim.ground.clip import crossing_fractions, inside_length, may_meet, polygon_edges
from sim.ground.trajectory import Trajectory

SQUARE = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)])


def test_crossing_fractions_by_hand() -> None:
    # the segment (-5, 5) -> (15, 5) crosses x = 0 at 1/4 and x = 10 at 3/4
    a, b = polygon_edges(SQUARE)
    t = crossing_fractions(np.array([[-5.0, 5.0]]), np.array([[15.0, 5.0]]), a, b)[0]
    assert sorted(t[~np.isnan(t)].tolist()) == [0.25, 0.75]


def test_inside_length_by_hand_and_against_geos() -> None:
    shapely.prepare(SQUARE)
    edges = polygon_edges(SQUARE)
    # 10 m of the 20 m line lie inside; a line wholly outside has none; wholly inside all
    p0 = np.array([[-5.0, 5.0], [20.0, 20.0], [2.0, 2.0]])
    p1 = np.array([[15.0, 5.0], [30.0, 25.0], [8.0, 6.0]])
    got = inside_length(p0, p1, SQUARE, edges)
    assert np.allclose(got, [10.0, 0.0, np.hypot(6.0, 4.0)])
    rng = np.random.default_rng(3)
    u = Polygon([(0, 0), (10, 0), (10, 10), (7, 10), (7, 3), (3, 3), (3, 10), (0, 10)])
    shapely.prepare(u)
    q0, q1 = rng.uniform(-5, 15, (200, 2)), rng.uniform(-5, 15, (200, 2))
    geos = shapely.length(shapely.intersection(shapely.linestrings(
        np.stack([q0, q1], axis=1)), u))
    assert np.allclose(inside_length(q0, q1, u, polygon_edges(u)), geos, atol=1e-9)


def test_may_meet_never_misses_what_geos_finds() -> None:
    rng = np.random.default_rng(5)
    a, b = polygon_edges(SQUARE)
    # random segments, some along the square's edges and through its corners
    p0 = np.vstack([rng.uniform(-5, 15, (300, 2)), [[0, -5], [-5, -5], [0, 2]]])
    p1 = np.vstack([rng.uniform(-5, 15, (300, 2)), [[0, 15], [15, 15], [0, 8]]])
    flagged = may_meet(p0, p1, a, b).any(axis=1)
    ring = SQUARE.boundary
    truth = np.array([LineString([s, e]).intersects(ring) for s, e in zip(p0, p1, strict=True)])
    assert np.all(flagged[truth])
    assert not flagged[~truth].all()


def test_trajectory_box_holds_the_positions_of_the_window() -> None:
    tr = Trajectory(np.array([0.0, 10.0, 20.0]), np.array([[0.0, 0.0], [10.0, 5.0], [0.0, 9.0]]))
    assert tr.box(5.0, 15.0).tolist() == [5.0, 2.5, 10.0, 7.0]
    assert tr.box(30.0, 40.0).tolist() == [0.0, 9.0, 0.0, 9.0]   # held at its last point
