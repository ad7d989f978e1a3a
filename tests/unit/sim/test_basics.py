"""Named random streams, trajectories, terrain and daylight."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.ground.daylight import Daylight
from sim.ground.specs import SegmentSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory
from sim.rng import RandomStreams


def test_streams_depend_on_name_seed_and_replication_only() -> None:
    a = RandomStreams(5, 0)
    first = a.stream("sensor/radar-01/detect").random(3)
    a.stream("something/else").random(100)  # other streams do not shift this one
    assert np.array_equal(RandomStreams(5, 0).stream("sensor/radar-01/detect").random(3), first)
    assert not np.array_equal(RandomStreams(5, 1).stream("sensor/radar-01/detect").random(3),
                              first)
    assert not np.array_equal(RandomStreams(6, 0).stream("sensor/radar-01/detect").random(3),
                              first)
    assert not np.array_equal(a.stream("sensor/radar-02/detect").random(3), first)
    with pytest.raises(ValueError):
        RandomStreams(-1)


def test_trajectory_interpolates_and_truncates() -> None:
    traj = Trajectory(np.array([0.0, 10.0, 30.0]), np.array([[0, 0], [10, 0], [10, 20]]))
    assert np.allclose(traj.position_at(5.0), [5, 0])
    assert np.allclose(traj.position_at(np.array([20.0, 99.0])), [[10, 10], [10, 20]])
    cut = traj.until(20.0)
    assert cut.end_s == 20.0 and np.allclose(cut.xy[-1], [10, 10])
    assert traj.length_m == pytest.approx(30.0)
    t0, t1, p0, v = traj.legs
    assert np.allclose(v, [[1, 0], [0, 1]])
    with pytest.raises(ValueError):
        Trajectory(np.array([0.0, 0.0]), np.zeros((2, 2)))


def test_terrain_speed_pieces_and_foliage() -> None:
    spec = SegmentSpec(border=[(0, 0), (1000, 0)], zones=[
        {"kind": "forest", "polygon": [(0, 0), (500, 0), (500, 500), (0, 500)]}])
    terrain = Terrain(spec)
    cuts, factors = terrain.leg_pieces(np.array([250.0, 100.0]), np.array([750.0, 100.0]))
    assert np.allclose(cuts, [0, 0.5, 1]) and np.allclose(factors, [0.6, 1.0])
    foliage = terrain.foliage_m(np.array([0.0, 100.0]), np.array([[1000.0, 100.0]]))
    assert foliage[0] == pytest.approx(0.8 * 500)
    assert np.allclose(terrain.inland_normal(300.0), [0, 1])
    assert np.allclose(terrain.border_point(250.0), [250, 0])


def test_foliage_sums_density_times_length_over_the_zones_each_line_crosses() -> None:
    """Geometry gives the answer: a line's length inside each square times the zone's
    foliage density (forest 0.8, marsh as set, a field none), lines in no zone 0."""
    spec = SegmentSpec(border=[(0, 0), (3000, 0)], zones=[
        {"kind": "forest", "polygon": [(0, 0), (500, 0), (500, 500), (0, 500)]},
        {"kind": "field", "polygon": [(500, 0), (1000, 0), (1000, 500), (500, 500)]},
        {"kind": "marsh", "polygon": [(1000, 0), (1500, 0), (1500, 500), (1000, 500)],
         "foliage": 0.3},
        {"kind": "forest", "polygon": [(2000, 0), (2500, 0), (2500, 500), (2000, 500)]}])
    terrain = Terrain(spec)
    targets = np.array([[3000.0, 100.0], [1250.0, 100.0], [750.0, 100.0],
                        [100.0, 900.0], [-100.0, 100.0], [2250.0, 100.0]])
    got = terrain.foliage_m(np.array([0.0, 100.0]), targets)
    assert got == pytest.approx([0.8 * 500 + 0.3 * 500 + 0.8 * 500, 0.8 * 500 + 0.3 * 250,
                                 0.8 * 500, 0.8 * np.hypot(50, 400), 0.0,
                                 0.8 * 500 + 0.3 * 500 + 0.8 * 250])
    bare = Terrain(SegmentSpec(border=[(0, 0), (1000, 0)], zones=[
        {"kind": "field", "polygon": [(0, 0), (500, 0), (500, 500), (0, 500)]}]))
    assert bare.foliage_m(np.array([0.0, 100.0]), targets).tolist() == [0.0] * 6


def test_daylight_night_spans_midnight() -> None:
    light = Daylight(dt.datetime(2026, 6, 1, 18, 0), "05:00", "21:00")
    hours = np.array([18, 21, 23.5, 28, 29.5]) - 18  # local 18:00, 21:00, 23:30, 04:00, 05:30
    assert light.is_night(hours * 3600).tolist() == [False, True, True, True, False]
