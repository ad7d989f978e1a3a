"""Alert rule and the operators' verification queue (decided on the command's picture)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from command.alerts import Alert, AlertRule, CameraView, OperatorQueue, alert_priority
from command.nodes import CoarseReport
from sim.ground.events import AlertRaised, AlertVerified
from sim.ground.specs import CameraSpec, CommandSpec


class FakeNode:
    def __init__(self, ids, confirmed, n_updates, sensors, class_prob=None):  # noqa: ANN001
        n = len(ids)
        cp = np.tile([0.5, 0.1, 0.4], (n, 1)) if class_prob is None else np.array(class_prob)
        self.tracks = SimpleNamespace(ids=np.array(ids), is_confirmed=np.array(confirmed),
                                      n_updates=np.array(n_updates), x=np.zeros((n, 4)),
                                      class_prob=cp)
        self._sensors = sensors
        self.coarse: list[CoarseReport] = []

    def track_sensors(self, track: int) -> frozenset[int]:
        return frozenset(self._sensors[track])


def test_confirmed_tracks_with_enough_reports_alert_once(log):
    got: list[Alert] = []
    rule = AlertRule(3, log, got.append)
    node = FakeNode([4, 5, 6], [True, True, False], [3, 2, 9], {4: {0, 1}, 5: {0}, 6: {0}})
    rule.evaluate(10.0, node)
    rule.evaluate(15.0, node)
    assert [(a.track, a.priority, a.t_s) for a in got] == [(4, 1, 10.0)]
    node.tracks.n_updates[1] = 3
    rule.evaluate(20.0, node)
    assert [(a.track, a.priority) for a in got] == [(4, 1), (5, 2)]
    assert [r.alert for r in log.records if isinstance(r, AlertRaised)] == [0, 1]


def test_an_alarm_sensor_report_alerts_even_on_a_tentative_track(log):
    got: list[Alert] = []
    rule = AlertRule(3, log, got.append, alarm_sensors=frozenset({1}))
    node = FakeNode([4, 5], [False, False], [1, 1], {4: {0}, 5: {0, 1}})
    rule.evaluate(10.0, node)
    assert [(a.track, a.priority, a.source) for a in got] == [(5, 1, "")]


def test_a_patrol_report_makes_a_verified_high_priority_alert(log):
    got: list[Alert] = []
    rule = AlertRule(3, log, got.append, patrols={7: "patrol-01"})
    node = FakeNode([4], [False], [1], {4: {7}}, class_prob=[[0.1, 0.1, 0.8]])
    rule.evaluate(10.0, node)
    assert [(a.track, a.priority, a.source) for a in got] == [(4, 1, "patrol-01")]


def test_a_coarse_alarm_or_patrol_report_alerts_where_it_is_with_its_class(log):
    # Tracks 7-9 were started and deleted at once (too coarse to hold): the alarm
    # sensor's (1) and the patrol's (5) still alert, the radar's (0) does not; with the
    # held track 6 of the alarm sensor, in track order.
    got: list[Alert] = []
    rule = AlertRule(3, log, got.append, alarm_sensors=frozenset({1}), patrols={5: "dogs-01"})
    node = FakeNode([6], [False], [1], {6: {1}, 7: {1}, 8: {0}, 9: {5}, 10: {1}})
    node.coarse = [CoarseReport(7, 1, 1500.0, 300.0, (0.9, 0.05, 0.05)),
                   CoarseReport(8, 0, 2500.0, 300.0, (0.9, 0.05, 0.05)),
                   CoarseReport(9, 5, 3500.0, 110.0, (0.1, 0.1, 0.8)),
                   CoarseReport(10, 1, 4500.0, 300.0, (0.05, 0.05, 0.9))]
    rule.evaluate(10.0, node)
    assert [(a.track, a.priority, a.x_m, a.y_m, a.class_prob, a.source) for a in got] == [
        (6, 2, 0.0, 0.0, (0.5, 0.1, 0.4), ""),
        (7, 1, 1500.0, 300.0, (0.9, 0.05, 0.05), ""),
        (9, 1, 3500.0, 110.0, (0.1, 0.1, 0.8), "dogs-01"),
        (10, 3, 4500.0, 300.0, (0.05, 0.05, 0.9), "")]
    raised = [r for r in log.records if isinstance(r, AlertRaised)]
    assert [(r.track, r.reports, r.p_person, r.p_animal) for r in raised[1:]] == [
        (7, 1, 0.9, 0.05), (9, 1, 0.1, 0.8), (10, 1, 0.05, 0.9)]
    rule.evaluate(15.0, node)                     # one alert per track, ever
    assert len(got) == 4


@pytest.mark.parametrize(("p", "sensors", "patrol", "priority"), [
    ([0.85, 0.0, 0.15], 1, False, 1), ([0.5, 0.1, 0.4], 2, False, 1),
    ([0.5, 0.1, 0.4], 1, False, 2), ([0.2, 0.1, 0.7], 1, False, 3),
    ([0.2, 0.1, 0.7], 1, True, 1)])
def test_priority_follows_the_fused_class_and_corroboration(p, sensors, patrol, priority):
    assert alert_priority(np.array(p), sensors, patrol) == priority


class FakeCamera:
    """A camera whose operator sees ``persons`` at every look; it records the looks."""

    def __init__(self, persons: int) -> None:
        self.persons, self.looks = persons, []

    def look(self, camera, xy, t_s, radius_m):  # noqa: ANN001, ANN201
        self.looks.append((camera, tuple(xy), t_s))
        return self.persons


CAMERA = CameraView(3, CameraSpec(id="camera-01", position_m=(0.0, 0.0), heading_deg=90,
                                  fov_deg=90, max_range_m=2000, slew_s=7.0))


def _queue(env, log, rng, persons=0, operators=1, cameras=(CAMERA,), **spec):  # noqa: ANN001, ANN202
    decided: list[tuple[int, str]] = []
    camera = FakeCamera(persons)
    q = OperatorQueue(env, CommandSpec(operators=operators, **spec), list(cameras), camera,
                      lambda track: None, rng, log, lambda a, d: decided.append((a.id, d)))
    return q, decided, camera


def _alert(i, xy, p=(0.5, 0.1, 0.4), priority=2):  # noqa: ANN001, ANN202
    return Alert(i, 0.0, i, priority, float(xy[0]), float(xy[1]), p)


def test_camera_shows_persons_confirmed_nothing_rejected(env, log):
    q, decided, camera = _queue(env, log, np.random.default_rng(0), persons=3)
    q.submit(_alert(0, (0, 1000)))
    env.run()
    assert decided == [(0, "confirmed")] and camera.looks[0][0] == 3
    q2, decided2, _ = _queue(env, log, np.random.default_rng(0), persons=0)
    q2.submit(_alert(1, (0, 1000)))
    q2.submit(_alert(2, (0, 1000), p=(0.95, 0.0, 0.05)))   # unseen but surely a person
    env.run()
    assert sorted(decided2) == [(1, "rejected"), (2, "check")]


def test_where_no_camera_sees_a_team_must_look_unless_the_class_says_animal(env, log):
    q, decided, camera = _queue(env, log, np.random.default_rng(0), persons=5)
    q.submit(_alert(0, (0, -1000)))                          # behind the camera
    q.submit(_alert(1, (0, -1000), p=(0.05, 0.05, 0.9)))
    env.run()
    assert sorted(decided) == [(0, "check"), (1, "dismissed")] and camera.looks == []
    cams = {r.alert: r.camera for r in log.records if isinstance(r, AlertVerified)}
    assert cams == {0: "", 1: ""}


def test_one_operator_serves_high_priority_first_and_waits_are_logged(env, log):
    q, _, _ = _queue(env, log, np.random.default_rng(0), persons=1)
    q.submit(_alert(0, (0, 500)))              # takes the operator at once
    q.submit(_alert(1, (0, 500)))
    q.submit(_alert(2, (0, 500), priority=1))  # high priority: next
    env.run()
    order = [r.alert for r in log.records if isinstance(r, AlertVerified)]
    assert order == [0, 2, 1]
    starts = [r.operator_start_s for r in log.records if isinstance(r, AlertVerified)]
    assert starts[0] == 0.0 and starts[1] > 0.0


def test_verification_time_is_the_slew_plus_an_exponential_look(env, log):
    """2 000 verifications: the mean of slew (7 s) + Exp(90 s) is 97 s, ± 4.5 σ/√n."""
    q, _, _ = _queue(env, log, np.random.default_rng(1), operators=1000,
                     verification_time_s=90.0)
    n = 2000
    for i in range(n):
        q.submit(_alert(i, (0, 500)))
    env.run()
    durations = np.array([r.t_s - r.operator_start_s for r in log.records
                          if isinstance(r, AlertVerified)])
    assert durations.min() >= 7.0
    assert abs(durations.mean() - 97.0) < 4.5 * 90.0 / np.sqrt(n)


def test_camera_coverage_is_its_range_and_field_of_view():
    assert CAMERA.covers((0, 1999)) and CAMERA.covers((700, 1000))
    assert not CAMERA.covers((0, 2001)) and not CAMERA.covers((1000, 100))
