"""Group types and planning: lying up, pick-ups, decoys, informed entry and hour."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.ground.daylight import Daylight
from sim.ground.planning import KnownSensors, Planner
from sim.ground.routes import timed_route
from sim.ground.specs import CrossingsSpec, SegmentSpec, ZoneSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory
from sim.movers import keep_appointment, lie_up, make_group, make_groups
from sim.rng import RandomStreams

#: t = 0 is 18:00; night from 21:00 (t = 3 h) to 05:00 (t = 11 h).
LIGHT = Daylight(dt.datetime(2026, 6, 1, 18, 0), "05:00", "21:00")
H = 3600.0


def _terrain(**kw: object) -> Terrain:
    return Terrain(SegmentSpec.model_validate(
        {"border": [(0.0, 0.0), (10_000.0, 0.0)], "depth_m": 5_000.0, "grid_m": 50.0,
         **kw}))


def test_lying_up_hides_from_dawn_to_the_next_night() -> None:
    """A walk of 10 h at 1 m/s starting at 21:00 (t = 3 h) meets dawn at 05:00
    (t = 11 h, 8 h = 28.8 km walked); it hides there until 21:00 (t = 27 h) and
    walks the last 2 h: it arrives at t = 29 h."""
    walk = Trajectory(np.array([3 * H, 13 * H]), np.array([[0.0, 0.0], [36_000.0, 0.0]]))
    traj, hidden = lie_up(walk, LIGHT)
    assert hidden == ((11 * H, 27 * H),)
    assert traj.end_s == pytest.approx(29 * H)
    np.testing.assert_allclose(traj.position_at(20 * H), [28_800.0, 0.0])


def test_a_group_arriving_by_day_waits_for_the_night() -> None:
    walk = Trajectory(np.array([0.0, 2 * H]), np.array([[0.0, 0.0], [7_200.0, 0.0]]))
    traj, hidden = lie_up(walk, LIGHT)
    assert hidden == ((0.0, 3 * H),)
    assert traj.end_s == pytest.approx(5 * H)


def test_smugglers_late_for_the_vehicle_wait_a_day_at_the_destination() -> None:
    walk = Trajectory(np.array([0.0, 5 * H]), np.array([[0.0, 0.0], [100.0, 0.0]]))
    on_time, waits = keep_appointment(walk, due_s=4.5 * H, wait_s=1 * H)
    assert waits is None and on_time.end_s == 5 * H
    late, waits = keep_appointment(walk, due_s=3 * H, wait_s=1 * H)
    assert waits == (5 * H, 27 * H) and late.end_s == 27 * H
    early, waits = keep_appointment(walk, due_s=6 * H, wait_s=1 * H)
    assert waits == (5 * H, 6 * H)


def test_informed_groups_cross_at_night_outside_known_patrol_duty() -> None:
    planner = Planner(_terrain(), patrol_duty=np.array([[3 * H, 6 * H]]),
                      night=LIGHT.night_intervals(0.0, 3 * 86_400.0))
    assert planner.start_time(1 * H) == 6 * H      # night from 3 h, patrol until 6 h
    assert planner.start_time(7 * H) == 7 * H      # already night, no patrol
    assert planner.start_time(12 * H) == 27 * H    # by day: the next night


def test_informed_groups_enter_where_the_known_fence_is_not() -> None:
    """A fence (pd 0.9) covers the border from 0 to 6 km: informed groups weigh entries
    and all enter east of it; plain groups enter anywhere."""
    terrain = _terrain()
    known = KnownSensors(np.zeros((0, 2)), np.zeros(0), np.zeros(0, dtype=bool),
                         ((np.array([[0.0, 30.0], [6_000.0, 30.0]]), 0.9),))
    planner = Planner(terrain, known, avoidance_weight=1000.0)
    spec = CrossingsSpec.model_validate({"destinations": [[5_000.0, 4_000.0]],
                                         "routing": "least_cost", "informed_fraction": 1.0,
                                         "entry_candidates": 16})
    streams = RandomStreams(3)
    entries = [make_group(i, 0.0, spec, terrain, streams, known, (), planner).entry_arc_m
               for i in range(20)]
    assert min(entries) > 6_000.0
    plain = spec.model_copy(update={"informed_fraction": 0.0})
    entries = [make_group(i, 0.0, plain, terrain, streams, known, (), planner).entry_arc_m
               for i in range(20)]
    assert min(entries) < 6_000.0


def test_least_cost_routes_take_the_ford() -> None:
    river = ZoneSpec(kind="water", polygon=[(-500, 1000), (10_500, 1000), (10_500, 1100),
                                            (-500, 1100)])
    ford = ZoneSpec(kind="field", polygon=[(8000, 990), (8100, 990), (8100, 1110),
                                           (8000, 1110)])
    terrain = _terrain(zones=[river, ford])
    planner = Planner(terrain)
    points = planner.route(np.array([1000.0, 0.0]), np.array([1000.0, 3000.0]), False)
    in_river = points[(points[:, 1] > 1000) & (points[:, 1] < 1100)]
    assert len(in_river) and np.all((in_river[:, 0] > 7950) & (in_river[:, 0] < 8150))
    walk = timed_route(points, 1.0, 0.0, terrain)
    assert walk.end_s > 2 * 7000.0                  # the detour to the ford and back


def test_decoys_cross_before_the_smugglers_far_away_and_go_back() -> None:
    terrain = _terrain()
    spec = CrossingsSpec.model_validate({
        "destinations": [[5_000.0, 4_000.0]], "groups_per_day": 40,
        "types": [{"kind": "smugglers", "share": 1, "pickup_wait_s": 1800},
                  {"kind": "decoys", "share": 1, "decoy_lead_s": 900, "decoy_s": 1200}]})
    known = KnownSensors(np.array([[5_000.0, 1_000.0]]), np.array([2_000.0]))
    groups = make_groups(spec, terrain, LIGHT, 86_400.0, RandomStreams(5), known)
    decoys = [g for g in groups if g.kind == "decoys"]
    smugglers = [g for g in groups if g.kind == "smugglers"]
    assert decoys and smugglers
    for d in decoys:
        covered = [s for s in smugglers if s.arrival_s == pytest.approx(d.arrival_s + 900)]
        if not covered:      # no smuggler after it: crosses at its own time
            continue
        s = covered[0]
        assert np.hypot(*(d.entry_xy - s.entry_xy)) > 1000
        assert d.trajectory.xy[-1][1] == pytest.approx(0.0, abs=1e-6)   # back on the border
    assert all(s.pickup == (s.end_s, 1800.0) for s in smugglers)
    assert [g.arrival_s for g in groups] == sorted(g.arrival_s for g in groups)


def test_types_draw_their_sizes_and_speeds() -> None:
    terrain = _terrain()
    spec = CrossingsSpec.model_validate({
        "destinations": [[5_000.0, 4_000.0]], "group_size": {"min": 1, "max": 2},
        "types": [{"kind": "migrants", "group_size": {"min": 10, "max": 12},
                   "speed_factor": 0.5}]})
    base = CrossingsSpec.model_validate({"destinations": [[5_000.0, 4_000.0]],
                                         "group_size": {"min": 1, "max": 2}})
    streams = RandomStreams(1)
    g = make_group(0, 0.0, spec, terrain, streams)
    b = make_group(0, 0.0, base, terrain, streams)
    assert 10 <= g.size <= 12 and g.kind == "migrants"
    assert g.speed_mps == pytest.approx(0.5 * b.speed_mps)
