"""Interception geometry and the dispatcher."""

from __future__ import annotations

import numpy as np
import pytest

from command.alerts import Alert
from command.response import Dispatcher, meeting_time
from sim.ground.events import Dispatched, DispatchSkipped, TeamBack
from sim.ground.specs import TeamSpec
from sim.ground.trajectory import Trajectory


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


class FakeWorld:
    def __init__(self, trajs):  # noqa: ANN001
        self.trajs = trajs
        self.intercepts: list[tuple[int, float, str]] = []

    def trajectory_of(self, group: int) -> Trajectory:
        return self.trajs[group]

    def intercept(self, group: int, t_s: float, team: str) -> None:
        self.intercepts.append((group, t_s, team))


TEAMS = [TeamSpec(id="team-a", base_m=(0.0, 100.0), readiness_s=0.0, speed_mps=10.0),
         TeamSpec(id="team-b", base_m=(900.0, 100.0), readiness_s=0.0, speed_mps=10.0)]


def test_the_nearest_free_team_goes_and_a_group_is_handled_once(env, log):
    world = FakeWorld({0: _walk(), 1: _walk()})
    d = Dispatcher(env, TEAMS, world, lambda track, t: np.array([800.0, 0.0]), log)
    d.dispatch(Alert(0, 0.0, track=10, priority=1, truth=0))
    d.dispatch(Alert(1, 0.0, track=11, priority=1, truth=0))
    sent = [r for r in log.records if isinstance(r, Dispatched)]
    assert [(r.team, r.group) for r in sent] == [("team-b", 0)]
    assert [r.reason for r in log.records if isinstance(r, DispatchSkipped)] == \
        ["already handled"]
    assert world.intercepts and world.intercepts[0][2] == "team-b"


def test_alerts_wait_for_a_free_team_and_lost_tracks_use_the_last_known_position(env, log):
    world = FakeWorld({g: _walk() for g in range(4)})
    alive = {10, 11, 13}
    d = Dispatcher(env, TEAMS, world,
                   lambda track, t: np.array([500.0, 0.0]) if track in alive else None, log)
    for g, track in enumerate([10, 11, 12, 13]):
        d.dispatch(Alert(g, 0.0, track=track, priority=1, truth=g, x_m=42.0, y_m=7.0))
    assert len(d.waiting) == 2          # two teams busy
    env.run()
    sent = [r for r in log.records if isinstance(r, Dispatched)]
    assert [r.group for r in sent] == [0, 1, 2, 3]
    assert (sent[2].target_x, sent[2].target_y) == (42.0, 7.0)
    assert sent[2].t_s == min(r.busy_until_s for r in sent[:2])
    assert len([r for r in log.records if isinstance(r, TeamBack)]) == 4
