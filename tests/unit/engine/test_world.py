"""The true world: plans that change, groups that react, patrols that see and chase."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import simpy

from sensors.patrol import Patrol
from sim.comms import Link
from sim.ground.daylight import Daylight
from sim.ground.events import (
    Apprehended,
    EventLog,
    GroupReacted,
    ReportReceived,
    Sighting,
    TurnedBack,
)
from sim.ground.keyed import Draws
from sim.ground.specs import LinkSpec, PatrolSpec, ReactionSpec, SegmentSpec, ShiftSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory
from sim.metrics import crossing_verdicts
from sim.movers import CrossingGroup
from sim.rng import RandomStreams
from sim.world import World

DAY = Daylight(dt.datetime(2026, 6, 1, 12, 0), "00:00", "23:59")   # daylight all day
TERRAIN = Terrain(SegmentSpec(border=[(0.0, 0.0), (10_000.0, 0.0)]))
NORTH = Trajectory(np.array([0.0, 3000.0]), np.array([[5000.0, 0.0], [5000.0, 3000.0]]))


def _group(traj: Trajectory = NORTH, size: int = 3) -> CrossingGroup:
    return CrossingGroup(0, "group-0000", traj.start_s, size, 1.0, False, 0.0, 0, traj)


def _world(reaction: ReactionSpec, sources=(), walks=()):  # noqa: ANN001, ANN202
    env = simpy.Environment()
    log = EventLog()
    delivered: list[tuple] = []
    links = [Link(LinkSpec(latency_s=1.0, jitter_s=0.0, loss=0.0), s.id, Draws(i))
             for i, s in enumerate(sources)]
    world = World(env, log, TERRAIN, DAY, list(sources), links,
                  lambda *a: delivered.append(a), RandomStreams(5), reaction)
    for s, walk in zip(sources, walks, strict=True):
        env.process(_duty(env, world, s.id, walk))
    env.process(_arrive(env, world, _group()))
    return env, log, world, delivered


def _duty(env, world, patrol, walk):  # noqa: ANN001, ANN202
    yield env.timeout(walk.start_s)
    world.start_duty(patrol, walk)


def _arrive(env, world, group):  # noqa: ANN001, ANN202
    yield env.timeout(group.arrival_s)
    world.add_group(group)


def _patrol(**kw) -> Patrol:  # noqa: ANN003
    """A patrol whose cookie-cutter radius is ``detection_range_m``: high visibility,
    W = 1.8 Rd [Koester-2014], so Rd = radius / 0.9."""
    if "detection_range_m" in kw:
        kw["detection_range_m"] /= 0.9
    spec = PatrolSpec(id="patrol-01", route=[(0.0, 1500.0), (10_000.0, 1500.0)],
                      shifts=[ShiftSpec(start="00:00", end="00:00")], visibility="high", **kw)
    return Patrol(spec, DAY, 86_400.0)


#: A patrol standing at (5000, 1500), on the group's path, 1500 m in.
POST = Trajectory(np.array([0.0, 86_400.0]), np.array([[5000.0, 1500.0], [5000.0, 1500.0]]))


def test_a_group_that_sees_a_patrol_turns_back_and_that_is_its_outcome():
    reaction = ReactionSpec(sight_range_day_m=400.0, p_hide=0.0, p_turn_back=1.0, p_run=0.0)
    env, log, world, _ = _world(reaction, [_patrol(detection_range_m=150.0)], [POST])
    env.run(until=20_000.0)
    reacted = [r for r in log.records if isinstance(r, GroupReacted)]
    # it sees the patrol when 400 m away: at y = 1100, t = 1100 s (1 m/s)
    assert [(r.observer, r.reaction) for r in reacted] == [("patrol-01", "turn_back")]
    assert reacted[0].t_s == pytest.approx(1100.0, abs=1e-6)
    back = [r for r in log.records if isinstance(r, TurnedBack)]
    # walks 1100 m back south to the border
    assert len(back) == 1 and back[0].t_s == pytest.approx(2200.0, abs=1e-6)
    assert [v.outcome for v in crossing_verdicts(log.records)] == ["turned_back"]
    assert not [r for r in log.records if isinstance(r, Sighting)]   # never within 150 m


def test_a_group_that_sees_a_patrol_hides_and_stands_still():
    reaction = ReactionSpec(sight_range_day_m=400.0, p_hide=1.0, p_turn_back=0.0, p_run=0.0,
                            hide_s=600.0, hidden_range_factor=0.5)
    env, log, world, _ = _world(reaction, [_patrol(detection_range_m=150.0)], [POST])
    env.run(until=1500.0)
    g = world.movers["group-0000"]
    assert g.hidden == [(pytest.approx(1100.0), pytest.approx(1700.0))]
    assert g.trajectory.speed_at(np.array([1200.0, 1600.0])).tolist() == [0.0, 0.0]
    assert g.trajectory.end_s == pytest.approx(3600.0)               # 10 min later
    env.run(until=5000.0)
    # walking on, it passes the patrol (seen at 150 m) and is chased down
    seen = [r for r in log.records if isinstance(r, Sighting)]
    assert seen and seen[0].t_s == pytest.approx(1700.0 + 250.0, abs=1e-6)


def test_a_patrol_that_sees_a_group_reports_it_chases_and_apprehends_up_to_capacity():
    calm = ReactionSpec(p_hide=0.0, p_turn_back=0.0, p_run=0.0)
    patrol = _patrol(detection_range_m=150.0, capacity=2, chase_speed_mps=3.0)
    env, log, world, delivered = _world(calm, [patrol], [POST])
    env.run(until=20_000.0)
    seen = [r for r in log.records if isinstance(r, Sighting)]
    assert seen[0].t_s == pytest.approx(1350.0, abs=1e-6)
    # the patrol's report went over its link to the local node (1 s latency)
    assert delivered and delivered[0][1] == 0 and delivered[0][2] == "patrol-01"
    assert [r.t_s for r in log.records if isinstance(r, ReportReceived)][0] == \
        pytest.approx(1351.0)
    caught = [r for r in log.records if isinstance(r, Apprehended)]
    assert [(r.by, r.persons) for r in caught] == [("patrol-01", 2)]
    # head on: closing at 3 + 1 m/s from 150 m to the 10 m capture radius
    assert caught[0].t_s == pytest.approx(1350.0 + 140.0 / 4.0, abs=1e-6)
    # the third person walks on and arrives: the crossing still counts as apprehended
    assert world.movers["group-0000"].size == 1
    assert [v.outcome for v in crossing_verdicts(log.records)] == ["apprehended"]


def test_the_same_seed_gives_the_same_reaction_and_a_reaction_depends_on_its_key_only():
    reaction = ReactionSpec(sight_range_day_m=400.0, p_hide=0.3, p_turn_back=0.3, p_run=0.3)
    runs = []
    for _ in range(2):
        env, log, _, _ = _world(reaction, [_patrol()], [POST])
        env.run(until=20_000.0)
        runs.append([(r.t_s, r.reaction) for r in log.records if isinstance(r, GroupReacted)])
    assert runs[0] == runs[1] and runs[0]


def test_a_look_considers_the_active_groups_in_crossing_order() -> None:
    """`World._groups_active_now` (what a look or an observer's re-plan walks) is every active group
    in the order of ``groups``, however groups cross and end between looks."""
    from sim.world import Mover

    _, _, world, _ = _world(ReactionSpec())
    rng = np.random.default_rng(3)
    for step in range(300):
        if rng.random() < 0.4:
            m = Mover(f"group-{step}", "group", NORTH, True)
            world.movers[m.id] = m
            world.groups.append(m)
        active = [g for g in world.groups if g.active]
        if active and rng.random() < 0.3:
            active[int(rng.integers(len(active)))].active = False   # ends (never again)
        if rng.random() < 0.5:
            assert world._groups_active_now() == [g for g in world.groups if g.active]
    assert world._groups_active_now() == [g for g in world.groups if g.active]
