"""Crossing groups: arrivals, attributes, routes and zone-timed trajectories."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.ground.daylight import Daylight
from sim.ground.routes import timed_route
from sim.ground.specs import CrossingsSpec, EntrySpec, SegmentSpec
from sim.ground.terrain import Terrain
from sim.movers import (
    KnownSensors,
    arrival_times,
    group_name,
    intensity_breaks,
    make_group,
    make_groups,
    route_points,
)
from sim.rng import RandomStreams

FLAT = [1.0] * 24


def _crossings(**kw) -> CrossingsSpec:
    base = {"destinations": [[1000.0, 2000.0]], "route_spread_m": 0.0, "waypoints": 0}
    base.update(kw)
    return CrossingsSpec.model_validate(base)


def _daylight(hour: int = 0, minute: int = 0) -> Daylight:
    return Daylight(dt.datetime(2026, 6, 1, hour, minute), "05:00", "21:00")


@pytest.fixture
def open_terrain() -> Terrain:
    return Terrain(SegmentSpec(border=[(0.0, 0.0), (2000.0, 0.0)]))


def test_group_names_are_zero_padded():
    assert group_name(42) == "group-0042"


def test_intensity_integrates_to_groups_per_day_whatever_the_start_phase():
    spec = _crossings(groups_per_day=6.0)
    for hour, minute in [(0, 0), (18, 30), (23, 59)]:
        breaks, rate = intensity_breaks(spec, _daylight(hour, minute), 3 * 86_400.0)
        assert breaks[0] == 0 and breaks[-1] == 3 * 86_400.0
        assert np.all(np.diff(breaks) > 0)
        assert np.sum(rate * np.diff(breaks)) == pytest.approx(18.0)


def test_intensity_follows_the_profile_hour_by_hour():
    profile = [0.0] * 24
    profile[22] = 1.0
    breaks, rate = intensity_breaks(_crossings(hourly_profile=profile), _daylight(), 86_400.0)
    assert np.count_nonzero(rate) == 1
    assert breaks[np.flatnonzero(rate)[0]] == 22 * 3600.0


def test_arrivals_fall_only_in_hours_with_intensity():
    profile = [0.0] * 24
    profile[2] = profile[3] = 1.0
    spec = _crossings(hourly_profile=profile, groups_per_day=50.0)
    daylight = _daylight(18, 0)
    t = arrival_times(spec, daylight, 5 * 86_400.0, np.random.default_rng(1))
    assert len(t) > 100
    assert np.all(np.diff(t) >= 0)
    hours = np.floor(daylight.hour_of_day(t)).astype(int)
    assert set(hours.tolist()) <= {2, 3}


def test_a_longer_run_keeps_the_arrivals_of_a_shorter_one():
    spec = _crossings(groups_per_day=20.0)
    short = arrival_times(spec, _daylight(), 86_400.0, np.random.default_rng(3))
    long = arrival_times(spec, _daylight(), 3 * 86_400.0, np.random.default_rng(3))
    np.testing.assert_array_equal(long[: len(short)], short)


def test_group_attributes_come_from_the_group_s_own_streams(open_terrain):
    spec = _crossings(group_size={"min": 2, "max": 6}, waypoints=2, route_spread_m=200.0)
    a = make_group(5, 100.0, spec, open_terrain, RandomStreams(1, 0))
    b = make_group(5, 100.0, spec, open_terrain, RandomStreams(1, 0))
    c = make_group(6, 100.0, spec, open_terrain, RandomStreams(1, 0))
    assert a.name == "group-0005"
    assert (a.size, a.speed_mps, a.entry_arc_m) == (b.size, b.speed_mps, b.entry_arc_m)
    np.testing.assert_array_equal(a.trajectory.xy, b.trajectory.xy)
    assert a.entry_arc_m != c.entry_arc_m
    assert 2 <= a.size <= 6
    assert a.speed_mps >= spec.speed.min_mps


def test_route_starts_on_the_border_within_entry_and_ends_at_a_destination(open_terrain):
    spec = _crossings(entry={"from_m": 500.0, "to_m": 800.0},
                      destinations=[[0.0, 3000.0], [2000.0, 3000.0]], waypoints=3,
                      route_spread_m=300.0)
    groups = [make_group(i, 10.0 * i, spec, open_terrain, RandomStreams(2, 0))
              for i in range(50)]
    for g in groups:
        assert g.trajectory.start_s == g.arrival_s
        assert g.entry_xy[1] == pytest.approx(0.0)
        assert 500.0 <= g.entry_xy[0] <= 800.0
        assert tuple(g.destination_xy) in {(0.0, 3000.0), (2000.0, 3000.0)}
    assert {g.destination for g in groups} == {0, 1}


def test_route_points_shift_waypoints_sideways():
    pts = route_points(np.array([0.0, 0.0]), np.array([0.0, 300.0]), np.array([10.0, -20.0]))
    np.testing.assert_allclose(pts, [[0, 0], [-10, 100], [20, 200], [0, 300]])


def test_zones_slow_the_walk():
    forest = {"kind": "forest", "polygon": [[0, 100], [1000, 100], [1000, 200], [0, 200]],
              "speed_factor": 0.5}
    terrain = Terrain(SegmentSpec(border=[(0.0, 0.0), (1000.0, 0.0)], zones=[forest]))
    traj = timed_route(np.array([[500.0, 0.0], [500.0, 300.0]]), 1.0, 0.0, terrain)
    # 100 m open, 100 m forest at 0.5 m/s, 100 m open
    np.testing.assert_allclose(traj.t_s, [0.0, 100.0, 300.0, 400.0])
    np.testing.assert_allclose(traj.xy[:, 1], [0.0, 100.0, 200.0, 300.0])


def test_make_groups_numbers_groups_in_order_of_arrival(open_terrain):
    spec = _crossings(groups_per_day=30.0)
    groups = make_groups(spec, open_terrain, _daylight(), 86_400.0, RandomStreams(4, 0))
    assert [g.index for g in groups] == list(range(len(groups)))
    assert all(a.arrival_s <= b.arrival_s for a, b in zip(groups, groups[1:], strict=False))
    assert all(0 <= g.arrival_s < 86_400.0 for g in groups)


def test_informed_groups_walk_the_least_exposed_route(open_terrain):
    spec = CrossingsSpec(groups_per_day=10, destinations=[(500.0, 2000.0)],
                         entry=EntrySpec(from_m=400.0, to_m=600.0), route_spread_m=400.0,
                         informed_fraction=1.0)
    # A seismic sensor right on the straight line to the pick-up point.
    known = KnownSensors(np.array([[500.0, 1000.0]]), np.array([300.0]))
    plain_cost, informed_cost = [], []
    for i in range(60):
        streams = RandomStreams(3, 0)
        plain = make_group(i, 0.0, spec, open_terrain, streams)
        informed = make_group(i, 0.0, spec, open_terrain, streams, known)
        assert informed.informed
        plain_cost.append(known.exposure(plain.trajectory.xy))
        informed_cost.append(known.exposure(informed.trajectory.xy))
        # the same group otherwise: entry, destination, speed and size
        assert np.allclose(plain.entry_xy, informed.entry_xy)
        assert (plain.size, plain.speed_mps) == (informed.size, informed.speed_mps)
    plain_cost, informed_cost = np.array(plain_cost), np.array(informed_cost)
    assert (informed_cost <= plain_cost + 1e-12).all()
    assert informed_cost.mean() < 0.5 * plain_cost.mean()


def test_uninformed_groups_ignore_known_sensors(open_terrain):
    spec = CrossingsSpec(groups_per_day=10, destinations=[(500.0, 2000.0)])
    known = KnownSensors(np.array([[500.0, 1000.0]]), np.array([300.0]))
    a = make_group(0, 0.0, spec, open_terrain, RandomStreams(3, 0))
    b = make_group(0, 0.0, spec, open_terrain, RandomStreams(3, 0), known)
    assert np.array_equal(a.trajectory.xy, b.trajectory.xy)


def test_a_group_leaves_the_surveillance_zone_at_its_depth():
    shallow = Terrain(SegmentSpec(border=[(0.0, 0.0), (2000.0, 0.0)], depth_m=1200.0))
    spec = _crossings(entry={"from_m": 1000.0, "to_m": 1000.0},
                      destinations=[[1000.0, 3000.0]], waypoints=0, route_spread_m=0.0)
    deep = make_group(0, 0.0, spec, open_terrain_deep(), RandomStreams(2, 0))
    cut = make_group(0, 0.0, spec, shallow, RandomStreams(2, 0))
    assert tuple(deep.destination_xy) == (1000.0, 3000.0)
    assert cut.destination_xy.tolist() == pytest.approx([1000.0, 1200.0])
    assert cut.end_s == pytest.approx(deep.trajectory.end_s * 1200.0 / 3000.0)


def open_terrain_deep() -> Terrain:
    return Terrain(SegmentSpec(border=[(0.0, 0.0), (2000.0, 0.0)], depth_m=5000.0))
