"""Pursuit geometry, and teams that act on the track they are given — not on the truth."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import simpy

from command.alerts import Alert
from command.nodes import TrackEstimate
from command.response import Dispatcher, Task, Team
from command.travel import TravelPlanner
from sim.ground.daylight import Daylight
from sim.ground.events import (
    Apprehended,
    DispatchSkipped,
    EventLog,
    Sighting,
    TeamBack,
    TeamOnScene,
    TeamReturning,
    TeamTasked,
)
from sim.ground.field import Contact, Pursuit
from sim.ground.keyed import Draws
from sim.ground.routes import pursuit_meeting_time as meeting_time
from sim.ground.specs import ReactionSpec, SegmentSpec, TeamSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory
from sim.movers import CrossingGroup
from sim.rng import RandomStreams
from sim.world import World


def _walk(t0=0.0, t1=1000.0, p0=(0.0, 0.0), p1=(1000.0, 0.0)) -> Trajectory:  # noqa: ANN001
    return Trajectory(np.array([t0, t1]), np.array([p0, p1], dtype=float))


def test_head_on_meeting():
    assert meeting_time(_walk(), np.array([100.0, 0.0]), 0.0, 1.0, 10.0) == pytest.approx(45.0)


def test_a_team_that_leaves_late_catches_the_group_further_on():
    # team at x=500, leaves at t=600; the group is at 600 then, walking away at 1 m/s;
    # the team at 2 m/s: 100 + (t-600) = 2 (t-600) → t = 700
    t = meeting_time(_walk(), np.array([500.0, 0.0]), 600.0, 2.0, 0.0)
    assert t == pytest.approx(700.0)


def test_a_slow_team_never_catches_a_group_walking_away():
    assert meeting_time(_walk(), np.array([-100.0, 0.0]), 0.0, 0.5, 1.0) is None


def test_a_team_leaving_after_the_group_arrived_finds_nothing():
    assert meeting_time(_walk(), np.array([1000.0, 0.0]), 1200.0, 10.0, 100.0) is None


def test_meeting_on_a_later_leg_of_a_piecewise_route():
    traj = Trajectory(np.array([0.0, 100.0, 200.0]),
                      np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]]))
    t = meeting_time(traj, np.array([100.0, 300.0]), 0.0, 1.0, 0.0)
    # on leg 2 the group is at (100, t-100); team reach t: 300 - (t - 100) = t → t = 200
    assert t == pytest.approx(200.0)
    assert 100.0 <= t <= 200.0


def test_the_meeting_is_the_earliest_reachable_time():
    rng = np.random.default_rng(0)
    for _ in range(200):
        pts = rng.uniform(0, 2000, (4, 2))
        traj = Trajectory(np.array([0.0, 500.0, 900.0, 1500.0]), pts)
        base = rng.uniform(0, 2000, 2)
        leave = float(rng.uniform(0, 800))
        t = meeting_time(traj, base, leave, 3.0, 50.0)
        grid = np.linspace(leave, 1500.0, 20001)
        ok = np.hypot(*(traj.position_at(grid) - base).T) <= 3.0 * (grid - leave) + 50.0
        if t is None:
            assert not ok.any()
        else:
            first = grid[np.argmax(ok)]
            assert t == pytest.approx(first, abs=0.1)


# ------------------------------------------------------------ teams in a tiny world

#: Midday all day (no night), open ground, a border along y = 0.
DAYLIGHT = Daylight(dt.datetime(2026, 6, 1, 12, 0), "00:00", "23:59")
TERRAIN = Terrain(SegmentSpec(border=[(0.0, 0.0), (10_000.0, 0.0)]))
#: Groups that never react, so the tests isolate what the team does.
CALM = ReactionSpec(p_hide=0.0, p_turn_back=0.0, p_run=0.0)


def _group(index: int, traj: Trajectory, size: int = 3) -> CrossingGroup:
    return CrossingGroup(index, f"group-{index:04d}", traj.start_s, size, 1.0, False, 0.0, 0,
                         traj)


def _estimate(xy, v=(0.0, 0.0), t=0.0, track=1) -> TrackEstimate:  # noqa: ANN001
    return TrackEstimate(track, t, np.array([*xy, *v], float), np.eye(4) * 100.0,
                         np.array([0.9, 0.05, 0.05]), t, True, frozenset({0}))


def _field(picture, team_spec, groups, reaction=CALM):  # noqa: ANN001, ANN202
    env = simpy.Environment()
    log = EventLog()
    world = World(env, log, TERRAIN, DAYLIGHT, [], [], lambda *a: None, RandomStreams(3),
                  reaction, [team_spec])
    dispatcher = Dispatcher(env, [], picture, log)
    team = Team(env, team_spec, TravelPlanner(TERRAIN, team_spec.drive_speed_mps,
                                              team_spec.foot_speed_mps),
                world, picture, DAYLIGHT, 1800.0, Draws(1), log, dispatcher.team_free)
    dispatcher.teams.append(team)
    world.register_team(team_spec.id, team.see)
    for g in groups:
        env.process(_arrive(env, world, g))
    return env, log, dispatcher


def _arrive(env, world, group):  # noqa: ANN001, ANN202
    yield env.timeout(group.arrival_s)
    world.add_group(group)


SPEC = TeamSpec(id="team-01", base_m=(5000.0, 3000.0), readiness_s=60.0, search_s=900.0,
                detection_range_m=150.0, escort_s=600.0)
#: A group standing still at (5000, 1000) for three hours.
STILL = _walk(0.0, 10_800.0, (5000.0, 1000.0), (5000.0, 1000.0))


def test_a_team_on_the_right_track_finds_and_apprehends_the_group():
    env, log, d = _field(lambda track: _estimate((5000.0, 1000.0)), SPEC, [_group(0, STILL)])
    d.dispatch(Task(Alert(0, 0.0, 1, 1, 5000.0, 1000.0), "intercept"))
    env.run(until=10_000.0)
    assert [(r.group, r.by, r.persons) for r in log.records
            if isinstance(r, Apprehended)] == [(0, "team-01", 3)]
    assert [r.reason for r in log.records if isinstance(r, TeamReturning)] == ["apprehended"]


def test_a_team_sent_on_a_wrong_track_does_not_find_the_group():
    """The same group, but the track says it is 2 km away: the team searches there,
    sees nothing, and comes back — the true position steers nobody."""
    env, log, d = _field(lambda track: _estimate((7000.0, 1000.0)), SPEC, [_group(0, STILL)])
    d.dispatch(Task(Alert(0, 0.0, 1, 1, 7000.0, 1000.0), "intercept"))
    env.run(until=10_000.0)
    assert not [r for r in log.records if isinstance(r, Apprehended | Sighting)]
    scene = [r for r in log.records if isinstance(r, TeamOnScene)]
    assert len(scene) == 1 and abs(scene[0].x - 7000.0) < 1.0
    assert [r.reason for r in log.records if isinstance(r, TeamReturning)] == ["searched"]
    assert [r.team for r in log.records if isinstance(r, TeamBack)] == ["team-01"]


def test_a_lost_track_leads_to_a_search_of_the_last_predicted_area_then_return():
    # the track is deleted at once: the team goes to the alert's position, searches
    # search_s there, and returns
    env, log, d = _field(lambda track: None, SPEC, [])
    d.dispatch(Task(Alert(0, 0.0, 1, 1, 6000.0, 1500.0), "check"))
    env.run(until=20_000.0)
    scene = [r for r in log.records if isinstance(r, TeamOnScene)]
    back = [r for r in log.records if isinstance(r, TeamReturning)]
    assert len(scene) == 1 and (scene[0].x, scene[0].y) == (6000.0, 1500.0)
    assert [r.reason for r in back] == ["lost"]
    assert back[0].t_s == pytest.approx(scene[0].t_s + SPEC.search_s)


def test_the_team_intercepts_a_walker_ahead_of_it_on_its_predicted_track():
    # walking north at 1 m/s from (4000, 200); the track knows its velocity
    walker = _walk(0.0, 4000.0, (4000.0, 200.0), (4000.0, 4200.0))
    picture = lambda track: _estimate((4000.0, 200.0), v=(0.0, 1.0))  # noqa: E731
    env, log, d = _field(picture, SPEC, [_group(0, walker)])
    d.dispatch(Task(Alert(0, 0.0, 1, 1, 4000.0, 200.0), "intercept"))
    env.run(until=8_000.0)
    caught = [r for r in log.records if isinstance(r, Apprehended)]
    assert len(caught) == 1 and caught[0].t_s < 4000.0
    # caught ahead of the entry: the team met the group on its way north
    assert caught[0].y > 500.0


def test_capacity_limits_the_persons_apprehended_the_rest_walk_on():
    spec = SPEC.model_copy(update={"capacity": 2})
    env, log, d = _field(lambda track: _estimate((5000.0, 1000.0)), spec,
                         [_group(0, STILL, size=5)])
    d.dispatch(Task(Alert(0, 0.0, 1, 1, 5000.0, 1000.0), "intercept"))
    env.run(until=10_000.0)
    assert [r.persons for r in log.records if isinstance(r, Apprehended)] == [2]


def test_one_team_per_track_and_waiting_alerts_served_when_it_is_back():
    env, log, d = _field(lambda track: None, SPEC, [])
    d.dispatch(Task(Alert(0, 0.0, 1, 2, 6000.0, 1500.0), "check"))
    d.dispatch(Task(Alert(1, 0.0, 1, 2, 6000.0, 1500.0), "check"))   # same track
    d.dispatch(Task(Alert(2, 0.0, 2, 2, 4000.0, 1500.0), "check"))   # waits
    assert [r.reason for r in log.records if isinstance(r, DispatchSkipped)] == \
        ["already handled"]
    env.run(until=50_000.0)
    tasked = [r for r in log.records if isinstance(r, TeamTasked)]
    back = [r for r in log.records if isinstance(r, TeamBack)]
    assert [r.alert for r in tasked] == [0, 2] and tasked[1].t_s == back[0].t_s


def test_waiting_alerts_are_served_most_urgent_first_then_oldest():
    """With the one team busy, alerts queue; each time it is back it takes the most
    urgent (priority 1 first), among equals the one raised first, then the lowest id
    (the module docstring's rule), whatever the order they were queued in."""
    env, log, d = _field(lambda track: None, SPEC, [])
    d.dispatch(Task(Alert(0, 0.0, 1, 2, 5200.0, 2800.0), "check"))    # takes the team
    queued = [Alert(1, 5.0, 2, 3, 5200.0, 2800.0), Alert(2, 9.0, 3, 1, 5200.0, 2800.0),
              Alert(3, 2.0, 4, 2, 5200.0, 2800.0), Alert(4, 1.0, 5, 1, 5200.0, 2800.0),
              Alert(6, 2.0, 6, 2, 5200.0, 2800.0), Alert(5, 2.0, 7, 2, 5200.0, 2800.0)]
    for alert in queued:
        d.dispatch(Task(alert, "check"))
    env.run(until=200_000.0)
    assert [r.alert for r in log.records if isinstance(r, TeamTasked)] == [0, 4, 2, 3, 5, 6, 1]


@pytest.mark.parametrize("now_s, end_s", [(0.1, 1800.1), (3.7e5 + 0.3, 3.7e5 + 7_213.9),
                                          (12.5, 12.5), (86_399.9, 86_400.0 + 1e-10)])
def test_a_lost_team_sleeps_to_the_very_instant_its_replan_clock_would_wake_it(
        now_s: float, end_s: float) -> None:
    from command.response import _lost_delay_s

    env = simpy.Environment(initial_time=now_s)
    woke = []

    def clock():  # noqa: ANN202 - the re-plan clock, wake by wake
        while True:
            yield env.timeout(max(min(env.now + 60.0, end_s) - env.now, 0.0))
            if env.now >= end_s - 1e-9:
                woke.append(env.now)
                return

    env.process(clock())
    env.run()
    assert now_s + _lost_delay_s(now_s, end_s, 60.0) == woke[0]


class _ChaseWorld:
    """A stand-in for the world that scripts one team's chases: the first group
    (handle 1) gets away after 100 s, and the team sees a second group (handle 2)
    50 s into that chase; the second is caught 10 s after the chase on it starts."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env, self.team = env, None
        self.chases: list[tuple[float, int]] = []

    def move(self, mover: str, trajectory: Trajectory) -> None:
        pass

    def park(self, mover: str) -> None:
        pass

    def pursue(self, mover, contact, speed_mps, max_s, capture_radius_m,  # noqa: ANN001
               capacity):  # noqa: ANN001, ANN201
        now = self.env.now
        self.chases.append((now, contact.handle))
        here = self.team.position()
        held = Trajectory(np.array([now, now + 100.0]), np.vstack([here, here]))
        if contact.handle == 1:
            self.env.timeout(50.0).callbacks.append(
                lambda _e: self.team.see(Contact(2, self.env.now, here, 2)))
            return Pursuit(0, now + 100.0, held)
        return Pursuit(contact.persons, now + 10.0, held.until(now + 10.0))


def test_a_group_seen_during_a_chase_is_chased_at_the_next_replan_wake_of_a_lost_team():
    """A contact seen while chasing is only noted, and acted on at the team's next
    wake: on a lost track, the re-plan clock's next tick (``replan_s``), not the end of
    the search (``search_s``) — the lost team's long sleep must not postpone it."""
    env, log = simpy.Environment(), EventLog()
    world = _ChaseWorld(env)
    team = Team(env, SPEC, TravelPlanner(TERRAIN, SPEC.drive_speed_mps, SPEC.foot_speed_mps),
                world, lambda track: None, DAYLIGHT, 1800.0, Draws(1), log,
                lambda _team: None)
    world.team = team
    team.start(Task(Alert(0, 0.0, 1, 1, 6000.0, 1500.0), "check"))

    def sight():  # noqa: ANN202 - the first group, seen once the team searches
        while not [r for r in log.records if isinstance(r, TeamOnScene)]:
            yield env.timeout(10.0)
        yield env.timeout(300.0)
        team.see(Contact(1, env.now, team.position(), 3))

    env.process(sight())
    env.run(until=20_000.0)
    (t1, first), (t2, second) = world.chases
    assert (first, second) == (1, 2)
    # the first chase ends at t1 + 100 s; the next wake is at most replan_s later
    assert t1 + 100.0 < t2 <= t1 + 100.0 + SPEC.replan_s
    assert [r.reason for r in log.records if isinstance(r, TeamReturning)] == ["apprehended"]
