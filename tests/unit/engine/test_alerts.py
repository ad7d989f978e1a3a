"""Alert rule and the operators' verification queue."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from command.alerts import Alert, AlertRule, OperatorQueue
from sim.ground.events import AlertRaised, AlertVerified
from sim.ground.specs import CommandSpec


class FakeNode:
    def __init__(self, ids, confirmed, n_updates, truths, sensors):  # noqa: ANN001
        n = len(ids)
        self.tracks = SimpleNamespace(ids=np.array(ids), is_confirmed=np.array(confirmed),
                                      n_updates=np.array(n_updates), x=np.zeros((n, 4)))
        self._truths, self._sensors = truths, sensors

    def track_truth(self, track: int) -> int:
        return self._truths[track]

    def track_sensor_count(self, track: int) -> int:
        return self._sensors[track]

    def track_sensors(self, track: int) -> frozenset[int]:
        return frozenset(range(self._sensors[track]))


def test_confirmed_tracks_with_enough_reports_alert_once(log):
    got: list[Alert] = []
    rule = AlertRule(3, log, got.append)
    node = FakeNode([4, 5, 6], [True, True, False], [3, 2, 9], {4: 1, 5: 2, 6: 3},
                    {4: 2, 5: 1, 6: 1})
    rule.evaluate(10.0, node)
    rule.evaluate(15.0, node)
    assert [(a.track, a.priority, a.truth, a.t_s) for a in got] == [(4, 1, 1, 10.0)]
    node.tracks.n_updates[1] = 3
    rule.evaluate(20.0, node)
    assert [(a.track, a.priority) for a in got] == [(4, 1), (5, 2)]
    assert [r.alert for r in log.records if isinstance(r, AlertRaised)] == [0, 1]


def test_an_alarm_sensor_report_alerts_even_on_a_tentative_track(log):
    got: list[Alert] = []
    rule = AlertRule(3, log, got.append, alarm_sensors=frozenset({1}))
    node = FakeNode([4, 5], [False, False], [1, 1], {4: -1, 5: 2}, {4: 1, 5: 2})
    rule.evaluate(10.0, node)        # track 4: sensor 0 only; track 5: sensors 0 and 1
    assert [(a.track, a.truth, a.priority) for a in got] == [(5, 2, 1)]


def _queue(env, log, rng, operators=1, pd=1.0, mean=10.0):  # noqa: ANN001, ANN202
    confirmed: list[Alert] = []
    spec = CommandSpec(operators=operators, verification_pd=pd, verification_time_s=mean)
    return OperatorQueue(env, spec, rng, log, confirmed.append), confirmed


def test_operators_confirm_real_groups_and_reject_nuisance(env, log):
    q, confirmed = _queue(env, log, np.random.default_rng(0), operators=2)
    q.submit(Alert(0, 0.0, 1, 2, truth=3))
    q.submit(Alert(1, 0.0, 2, 2, truth=-1))
    env.run()
    assert [a.id for a in confirmed] == [0]
    verdicts = {r.alert: r.confirmed for r in log.records if isinstance(r, AlertVerified)}
    assert verdicts == {0: True, 1: False}


def test_one_operator_serves_high_priority_first_and_waits_are_logged(env, log):
    q, _ = _queue(env, log, np.random.default_rng(0), operators=1)
    q.submit(Alert(0, 0.0, 1, 2, truth=0))    # takes the operator at once
    q.submit(Alert(1, 0.0, 2, 2, truth=1))
    q.submit(Alert(2, 0.0, 3, 1, truth=2))    # high priority: next
    env.run()
    order = [r.alert for r in log.records if isinstance(r, AlertVerified)]
    assert order == [0, 2, 1]
    starts = [r.operator_start_s for r in log.records if isinstance(r, AlertVerified)]
    assert starts[0] == 0.0 and starts[1] > 0.0


def test_verification_time_is_exponential_with_the_mean(env, log):
    q, _ = _queue(env, log, np.random.default_rng(1), operators=1000, mean=90.0)
    for i in range(2000):
        q.submit(Alert(i, 0.0, i, 2, truth=0))
    env.run()
    durations = np.array([r.t_s - r.operator_start_s for r in log.records
                          if isinstance(r, AlertVerified)])
    assert durations.mean() == pytest.approx(90.0, rel=0.08)


def test_verification_pd_misses_some_real_groups(env, log):
    q, confirmed = _queue(env, log, np.random.default_rng(2), operators=1000, pd=0.7)
    for i in range(2000):
        q.submit(Alert(i, 0.0, i, 2, truth=0))
    env.run()
    assert len(confirmed) / 2000 == pytest.approx(0.7, abs=0.04)
