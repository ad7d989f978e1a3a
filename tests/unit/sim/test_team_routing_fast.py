"""The shortcuts of team routing give the same floats as the plain computations.

Each test compares a fast path (one shapely call for all zones, box prefilters,
remembered walks, bounded route search, vectorised predictions) with the plain way
it replaced, byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from command.nodes import TrackEstimate
from command.response import _predictions
from command.travel import TravelPlanner
from sim.ground import routes
from sim.ground.routes import timed_route
from sim.ground.terrain import Terrain, _sorted_fractions
from sim.ground.trajectory import Trajectory
from sim.scenario import load_scenario

DEFAULT = Path(__file__).resolve().parents[3] / "scenarios" / "default.yaml"


@pytest.fixture(scope="module")
def terrain() -> Terrain:
    return Terrain(load_scenario(DEFAULT).segment)


def _points(terrain: Terrain, rng: np.random.Generator) -> np.ndarray:
    """Random points, zone vertices and points on zone edges (the hard cases)."""
    a, b = terrain._all_edges
    on_edges = a[:, None] + rng.uniform(0, 1, (len(a), 20))[..., None] * (b - a)[:, None]
    return np.vstack([rng.uniform((-500, -500), (25_500, 5_500), (3000, 2)),
                      np.round(rng.uniform((-500, -500), (25_500, 5_500), (3000, 2)), -2),
                      a, on_edges.reshape(-1, 2)])


def _per_zone(terrain: Terrain, xy: np.ndarray, values: np.ndarray,
              open_value: float) -> np.ndarray:
    out = np.full(len(xy), open_value)
    for zone, value in zip(terrain.zones, values, strict=True):
        out[shapely.contains_xy(zone, xy[:, 0], xy[:, 1])] = value
    return out


def test_zone_lookups_match_one_contains_per_zone(terrain: Terrain) -> None:
    xy = _points(terrain, np.random.default_rng(3))
    assert np.array_equal(terrain.speed_factor_at(xy),
                          _per_zone(terrain, xy, terrain.speed_factors, 1.0))
    assert np.array_equal(terrain.foliage_at(xy), _per_zone(terrain, xy, terrain.foliage, 0.0))
    one = xy[::97]
    assert [terrain.speed_factor_at(p)[0] for p in one] == \
        _per_zone(terrain, one, terrain.speed_factors, 1.0).tolist()


def test_cuts_of_one_leg_match_the_closed_form_filter(terrain: Terrain) -> None:
    """One leg goes through the box filter; the first leg of a polyline of three
    points through `may_meet`: the same fractions."""
    rng = np.random.default_rng(4)
    pts = _points(terrain, rng)
    for _ in range(1500):
        p0, p1 = pts[rng.integers(len(pts), size=2)]
        alone = terrain.path_cuts(np.vstack([p0, p1]))[0]
        in_polyline = terrain.path_cuts(np.vstack([p0, p1, p1 + 1.0]))[0]
        assert alone.tobytes() == in_polyline.tobytes()


def test_sorted_fractions_are_unique_of_clip() -> None:
    rng = np.random.default_rng(7)
    for _ in range(500):
        f = [0.0, 1.0, *rng.choice([-0.2, -0.0, 0.0, 0.3, 0.3, 0.7, 1.0, 1.4],
                                   int(rng.integers(0, 6))).tolist()]
        assert _sorted_fractions(f).tolist() == np.unique(np.clip(f, 0.0, 1.0)).tolist()


def test_remembered_walks_are_the_walks(terrain: Terrain) -> None:
    rng = np.random.default_rng(5)
    for _ in range(50):
        pts = rng.uniform((0, 0), (25_000, 5_000), (int(rng.integers(2, 6)), 2))
        start = float(rng.uniform(0, 600_000))
        routes._WALKS.pop(terrain, None)
        fresh = timed_route(pts, 1.5, start, terrain)
        first = timed_route(pts, 1.5, 17.25, terrain)
        again = timed_route(pts, 1.5, start, terrain)
        assert again.t_s.tobytes() == fresh.t_s.tobytes()
        assert again.xy.tobytes() == fresh.xy.tobytes()
        assert first.start_s == 17.25


def _every_way(planner: TravelPlanner, start: np.ndarray, target: np.ndarray,
               start_s: float) -> Trajectory:
    """The quickest of all ways, each timed (the route before its bounds)."""
    best = timed_route(np.vstack([start, target]), planner.foot, start_s, planner.terrain)
    for entry, exit_ in zip(planner._on_roads(start)[:, 0], planner._on_roads(target)[:, 0],
                            strict=True):
        drive = Trajectory(*map(np.asarray, planner._drive(start, entry, exit_, start_s)))
        walk = timed_route(np.vstack([exit_, target]), planner.foot, drive.end_s,
                           planner.terrain)
        whole = drive.splice(drive.end_s, walk)
        if whole.end_s < best.end_s:
            best = whole
    return best


def test_bounded_route_is_the_quickest_way(terrain: Terrain) -> None:
    planner = TravelPlanner(terrain, 12.0, 1.5)
    rng = np.random.default_rng(6)
    base = np.array([7000.0, 4900.0])
    for k in range(300):
        start = base if k % 3 == 0 else rng.uniform((0, 0), (25_000, 5_000))
        target = rng.uniform((0, 0), (25_000, 5_000)) if k % 5 else start.copy()
        start_s = float(rng.uniform(0, 600_000))
        got, want = planner.route(start, target, start_s), _every_way(planner, start, target,
                                                                        start_s)
        assert got.t_s.tobytes() == want.t_s.tobytes()
        assert got.xy.tobytes() == want.xy.tobytes()


def test_vectorised_prediction_is_predict() -> None:
    est = TrackEstimate(track=1, time_s=1000.0, x=np.array([5000.3, 2000.7, 0.31, -0.77]),
                        P=np.eye(4), class_prob=np.array([1.0, 0.0, 0.0]),
                        last_update_s=990.0, confirmed=True, sensors=frozenset())
    times = 950.0 + 30.0 * np.arange(80)
    for max_s in (np.inf, 600.0):
        got = _predictions(est, max_s)(times)
        want = np.array([est.predict(float(t), max_s) for t in times])
        assert got.tobytes() == want.tobytes()


def _loop_steps(pts: np.ndarray, speed_mps: float, terrain: Terrain,
                barriers: list[routes.Barrier]) -> tuple[list[float], np.ndarray]:
    """`routes._walk_steps` as a loop over legs and pieces, each barrier asked on its
    own (`Barrier.crossing_fractions`): the plain way the vectorised one replaced."""
    steps: list[float] = []
    xy = [pts[0]]
    if len(pts) > 1:
        all_cuts = terrain.path_cuts(pts)
        stops_of = [sorted((f, b.delay_s) for b in barriers if b.delay_s > 0
                           for f in b.crossing_fractions(p0, p1))
                    for p0, p1 in zip(pts[:-1], pts[1:], strict=True)]
        cut_list = [np.unique(np.concatenate([c, [f for f, _ in st]])) if st else c
                    for c, st in zip(all_cuts, stops_of, strict=True)]
        mids = np.concatenate([p0 + ((c[:-1] + c[1:]) / 2)[:, None] * (p1 - p0)
                               for c, p0, p1 in zip(cut_list, pts[:-1], pts[1:], strict=True)])
        factors = terrain.speed_factor_at(mids)
        at = 0
        for c, stops, p0, p1 in zip(cut_list, stops_of, pts[:-1], pts[1:], strict=True):
            length = float(np.hypot(*(p1 - p0)))
            delay_at = dict(stops)
            f = factors[at:at + len(c) - 1]
            at += len(c) - 1
            for c0, c1, fk in zip(c[:-1].tolist(), c[1:].tolist(), f.tolist(), strict=True):
                if c0 in delay_at:
                    steps.append(delay_at[c0])
                    xy.append(xy[-1])
                dt = length * (c1 - c0) / (speed_mps * fk)
                if dt <= routes._MIN_PIECE_S:
                    continue
                steps.append(dt)
                xy.append(p0 + c1 * (p1 - p0))
    if not steps:
        steps.append(1.0)
        xy.append(xy[0])
    return steps, np.asarray(xy)


def test_vectorised_walk_steps_are_the_piece_loop(terrain: Terrain) -> None:
    """Walks through zone edges and vertices, across, along and onto fences (delays 0
    too), at a float and a numpy speed: the same steps and points, bit for bit."""
    rng = np.random.default_rng(11)
    corners = _points(terrain, rng)
    fences = [routes.Barrier(((0.0, 30.0), (25_000.0, 30.0)), 4.0),
              routes.Barrier(((5000.0, 0.0), (5000.0, 4000.0)), 12.5),
              routes.Barrier(((1000.0, 500.0), (3000.0, 2500.0), (6000.0, 500.0)), 7.0),
              routes.Barrier(((0.0, 1000.0), (25_000.0, 1000.0)), 0.0)]
    for k in range(400):
        n = int(rng.integers(1, 10))
        pts = corners[rng.integers(0, len(corners), n)] if k % 2 else \
            rng.uniform((-500, -100), (25_500, 5_000), (n, 2))
        if k % 7 == 0:      # legs along a fence and ending on it
            pts = np.array([[100.0, 30.0], [900.0, 30.0], [900.0, 500.0], [2000.0, 1500.0]])
        keep = np.concatenate([[True], np.any(np.diff(pts, axis=0) != 0, axis=1)])
        pts = pts[keep]
        barriers = [fences[i] for i in rng.permutation(len(fences))[:int(rng.integers(0, 5))]]
        speed = 1.5 if k % 3 else np.float64(rng.uniform(0.5, 2.0))
        got, want = routes._walk_steps(pts, speed, terrain, barriers), \
            _loop_steps(pts, speed, terrain, barriers)
        assert np.asarray(got[0]).tobytes() == np.asarray(want[0]).tobytes()
        assert got[1].tobytes() == want[1].tobytes()


def test_timed_trajectory_checks_its_times_like_trajectory() -> None:
    xy = np.zeros((3, 2))
    late = 3.0e7
    times = [late, late + 1e-9, late + 10.0]      # a step that rounds away this late
    assert times[1] == times[0]
    with pytest.raises(ValueError, match="strictly increasing"):
        Trajectory(np.asarray(times), xy)
    with pytest.raises(ValueError, match="strictly increasing"):
        routes.timed_trajectory(times, xy)
    ok = routes.timed_trajectory([0.0, 1.5, 2.0], xy)
    assert ok.t_s.tobytes() == Trajectory(np.array([0.0, 1.5, 2.0]), xy).t_s.tobytes()
