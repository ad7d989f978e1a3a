"""Verdicts, KPIs and summaries from hand-made event logs."""

from __future__ import annotations

import pytest

from sim.ground.events import (
    AlertRaised,
    AlertVerified,
    CrossingEnded,
    CrossingStarted,
    Dispatched,
    Intercepted,
    ReportLost,
    ReportReceived,
)
from sim.metrics import crossing_verdicts, replication_kpis, summarize, t_interval, wilson_interval


def _start(t, g):  # noqa: ANN001, ANN202
    return CrossingStarted(t, g, 3, 1.2, 0.0, 0.0, 0.0, 5000.0, t + 4000.0, False)


RECORDS = [
    _start(0.0, 0),
    _start(100.0, 1),
    _start(200.0, 2),
    ReportLost(250.0, "radar-01", 2),                 # lost: not a detection
    ReportReceived(301.0, "radar-01", 300.0, 0, 0, 0),
    ReportReceived(402.0, "radar-01", 400.0, 1, 0, 0),
    ReportReceived(450.0, "radar-01", 449.0, -1, 0, 0),
    AlertRaised(500.0, 0, 7, 1, 0, 3, 0, 0),
    AlertRaised(500.0, 1, 8, 2, -1, 3, 0, 0),
    AlertVerified(560.0, 1, 500.0, False, -1),
    AlertVerified(600.0, 0, 520.0, True, 0),
    Dispatched(600.0, 0, "team-01", 0, 0, 0, 900.0, 1500.0, 3000.0),
    Intercepted(1500.0, 0, "team-01", 0, 0),
    CrossingEnded(4100.0, 1),
    CrossingEnded(4200.0, 2),
]


def test_verdicts():
    v = crossing_verdicts(RECORDS)
    assert [x.outcome for x in v] == ["intercepted", "got_away", "undetected"]
    assert v[0].first_detection_s == 300.0 and v[0].first_alert_s == 500.0
    assert v[0].verified_s == 600.0 and v[0].dispatched_s == 600.0
    assert v[0].intercepted_s == 1500.0 and v[0].team == "team-01"
    assert v[1].arrived_s == 4100.0 and v[2].first_detection_s is None


def test_kpis():
    k = replication_kpis(RECORDS, duration_s=86_400.0, horizon_s=86_400.0, operators=2)
    assert (k["crossings"], k["detected"], k["intercepted"], k["got_away"]) == (3, 2, 1, 1)
    assert k["p_detect"] == pytest.approx(2 / 3)
    assert k["p_intercept"] == pytest.approx(1 / 3)
    assert k["interdiction_rate"] == pytest.approx(0.5)
    assert k["false_alarms_per_day"] == pytest.approx(1.0)
    assert k["alert_precision"] == pytest.approx(0.5)
    assert k["mean_time_to_detect_s"] == pytest.approx((300.0 + 300.0) / 2)
    assert k["mean_time_to_intercept_s"] == pytest.approx(1500.0)
    assert k["mean_alert_wait_s"] == pytest.approx((20.0 + 0.0) / 2)
    assert k["operator_utilisation"] == pytest.approx((80.0 + 60.0) / (2 * 86_400.0))
    assert (k["reports_received"], k["reports_lost"]) == (3, 1)


def test_no_crossings_gives_none_not_zero():
    k = replication_kpis([], duration_s=3600.0, horizon_s=3600.0, operators=1)
    assert k["crossings"] == 0 and k["p_detect"] is None
    assert k["mean_time_to_detect_s"] is None


def test_wilson_and_t_intervals():
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and 0.25 < hi < 0.35
    assert wilson_interval(3, 0) is None
    assert t_interval([1.0]) is None
    lo, hi = t_interval([1.0, 2.0, 3.0])
    assert (lo + hi) / 2 == pytest.approx(2.0)
    assert hi - 2.0 == pytest.approx(4.302653 * 1.0 / 3**0.5, rel=1e-5)


def test_summarize_one_replication_uses_wilson_for_proportions_only():
    k = replication_kpis(RECORDS, duration_s=86_400.0, horizon_s=86_400.0, operators=2)
    s = summarize([k])
    assert list(s) == list(k)
    assert s["p_detect"]["ci95"] == wilson_interval(2, 3)
    assert s["crossings"] == {"mean": 3.0, "ci95": None}


def test_summarize_many_replications_uses_t_and_skips_undefined_values():
    reps = [{"a": 1.0, "b": None}, {"a": 3.0, "b": 5.0}, {"a": 2.0, "b": None}]
    s = summarize(reps)
    assert s["a"]["mean"] == pytest.approx(2.0)
    assert s["a"]["ci95"] == t_interval([1.0, 3.0, 2.0])
    assert s["b"] == {"mean": 5.0, "ci95": None}
