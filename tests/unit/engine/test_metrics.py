"""Verdicts, KPIs and summaries from hand-made event logs."""

from __future__ import annotations

import pytest

from sim.ground.events import (
    AlertRaised,
    AlertVerified,
    Apprehended,
    CrossingEnded,
    CrossingStarted,
    ReportLost,
    ReportReceived,
    Sighting,
    TeamBack,
    TeamOnScene,
    TeamTasked,
    TurnedBack,
)
from sim.metrics import (
    crossing_verdicts,
    replication_kpis,
    summarize,
    t_interval,
    t_quantile_975,
    wilson_interval,
)


def _start(t, g, size=3):  # noqa: ANN001, ANN202
    return CrossingStarted(t, g, size, 1.2, 0.0, 0.0, 0.0, 5000.0, t + 4000.0, False)


RECORDS = [
    _start(0.0, 0),
    _start(100.0, 1),
    _start(200.0, 2),
    _start(300.0, 3, size=2),
    _start(400.0, 4),
    ReportLost(250.0, "radar-01", 2),                 # lost: not a detection
    ReportReceived(301.0, "radar-01", 300.0, 0, 0, 0),
    ReportReceived(402.0, "radar-01", 400.0, 1, 0, 0),
    ReportReceived(450.0, "radar-01", 449.0, -1, 0, 0),
    ReportReceived(460.0, "radar-01", 455.0, 2, 0, 0),   # a report, never an alert
    AlertRaised(500.0, 0, 7, 1, 3, 0, 0, 0.9, 0.05, "", 0),
    AlertRaised(500.0, 1, 8, 2, 3, 0, 0, 0.1, 0.8, "", -1),
    AlertRaised(520.0, 2, 9, 2, 3, 0, 0, 0.5, 0.3, "", 1),
    AlertVerified(560.0, 1, 500.0, "camera-01", "rejected", 0, -1),
    AlertVerified(600.0, 0, 520.0, "camera-01", "confirmed", 3, 0),
    TeamTasked(600.0, 0, "team-01", "intercept", 0, 0, 900.0, 0),
    Sighting(900.0, "patrol-01", 3, 2, 0, 0),
    AlertVerified(950.0, 2, 940.0, "", "check", 0, 1),
    TeamTasked(950.0, 2, "team-02", "check", 0, 0, 1250.0, 1),
    TeamOnScene(1200.0, 0, "team-01", 0, 0),
    Apprehended(1500.0, 0, "team-01", 3, 0, 0),
    Apprehended(1600.0, 3, "patrol-01", 1, 0, 0),      # capacity: one of two
    TeamBack(3000.0, "team-01"),
    TurnedBack(3500.0, 4),
    CrossingEnded(4100.0, 1),
    CrossingEnded(4200.0, 2),
    CrossingEnded(4300.0, 3),
]


def test_verdicts():
    v = crossing_verdicts(RECORDS)
    assert [x.outcome for x in v] == ["apprehended", "got_away", "undetected",
                                      "apprehended", "turned_back"]
    assert v[0].first_report_s == 300.0 and v[0].known_s == 500.0
    assert v[0].verified_s == 600.0 and v[0].tasked_s == 600.0
    assert v[0].on_scene_s == 1200.0 and v[0].apprehended_s == 1500.0 and v[0].by == "team-01"
    assert v[1].known_s == 520.0 and v[1].tasked_s == 950.0 and v[1].verified_s is None
    assert v[2].first_report_s == 455.0 and not v[2].detected      # reported, never known
    assert v[3].known_s == 900.0 and v[3].persons_apprehended == 1
    assert v[4].turned_back_s == 3500.0 and not v[4].detected


def test_kpis():
    k = replication_kpis(RECORDS, duration_s=86_400.0, horizon_s=86_400.0, operators=2,
                         teams=2)
    assert (k["crossings"], k["detected"], k["apprehended"], k["got_away"]) == (5, 3, 2, 1)
    assert (k["turned_back"], k["undetected"]) == (1, 1)
    assert k["p_detect"] == pytest.approx(3 / 5)
    assert k["p_apprehend"] == pytest.approx(2 / 5)
    assert k["ier"] == pytest.approx(3 / 4)                 # (2 + 1) / (2 + 1 + 1)
    assert k["p_apprehend_persons"] == pytest.approx(4 / 14)
    assert k["false_alarms_per_day"] == pytest.approx(1.0)
    assert k["nuisance_alarms_per_day"] == pytest.approx(1.0)
    assert k["alert_precision"] == pytest.approx(2 / 3)
    assert k["time_to_detect_mean_s"] == pytest.approx((300 + 300 + 255 + 600) / 4)
    assert k["time_to_alert_mean_s"] == pytest.approx((200 + 120 + 0) / 3)
    assert k["time_to_verify_median_s"] == pytest.approx(50.0)   # (100, 0): patrol is 0
    assert k["time_to_apprehend_mean_s"] == pytest.approx((1500 + 1300) / 2)
    assert k["time_to_arrive_mean_s"] == pytest.approx(600.0)
    assert k["queue_wait_mean_s"] == pytest.approx((0.0 + 20.0 + 420.0) / 3)
    assert k["operator_utilisation"] == pytest.approx((60 + 80 + 10) / (2 * 86_400.0))
    # team-01 out 600 → 3000 on a real group; team-02 out from 950 on a real group too
    assert k["team_utilisation"] == pytest.approx((2400 + 86_400 - 950) / (2 * 86_400))
    assert k["team_nuisance_share"] == pytest.approx(0.0)
    assert (k["reports_received"], k["reports_lost"]) == (4, 1)


def test_team_time_on_nuisance_alarms_is_counted_as_such():
    records = [TeamTasked(0.0, 0, "team-01", "check", 0, 0, 0.0, -1),
               TeamBack(1000.0, "team-01"),
               TeamTasked(2000.0, 1, "team-01", "intercept", 0, 0, 2000.0, 4),
               TeamBack(5000.0, "team-01")]
    k = replication_kpis(records, duration_s=86_400.0, horizon_s=86_400.0, operators=1,
                         teams=1)
    assert k["team_nuisance_share"] == pytest.approx(1000 / 4000)


def test_no_crossings_gives_none_not_zero():
    k = replication_kpis([], duration_s=3600.0, horizon_s=3600.0, operators=1)
    assert k["crossings"] == 0 and k["p_detect"] is None
    assert k["time_to_detect_mean_s"] is None and k["team_utilisation"] is None


def test_wilson_and_t_intervals():
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and 0.25 < hi < 0.35
    assert wilson_interval(3, 0) is None
    assert t_interval([1.0]) is None
    lo, hi = t_interval([1.0, 2.0, 3.0])
    assert (lo + hi) / 2 == pytest.approx(2.0)
    assert hi - 2.0 == pytest.approx(4.302653 * 1.0 / 3**0.5, rel=1e-5)


@pytest.mark.parametrize(("df", "t"), [(1, 12.7062), (5, 2.5706), (29, 2.0452),
                                      (40, 2.0211), (60, 2.0003), (120, 1.9799)])
def test_t_quantiles_match_the_published_table(df, t):
    # Student's t, 97.5 %: Abramowitz & Stegun Table 26.10 (40, 60, 120 included)
    assert t_quantile_975(df) == pytest.approx(t, abs=2e-4)


def test_summarize_one_replication_uses_wilson_for_proportions_only():
    k = replication_kpis(RECORDS, duration_s=86_400.0, horizon_s=86_400.0, operators=2)
    s = summarize([k])
    assert list(s) == list(k)
    assert s["p_detect"]["ci95"] == wilson_interval(3, 5)
    assert s["crossings"] == {"mean": 5.0, "ci95": None}


def test_summarize_many_replications_uses_t_and_skips_undefined_values():
    reps = [{"a": 1.0, "b": None}, {"a": 3.0, "b": 5.0}, {"a": 2.0, "b": None}]
    s = summarize(reps)
    assert s["a"]["mean"] == pytest.approx(2.0)
    assert s["a"]["ci95"] == t_interval([1.0, 3.0, 2.0])
    assert s["b"] == {"mean": 5.0, "ci95": None}


def test_intervals_of_proportions_stay_within_zero_and_one():
    reps = [{"p_detect": 1.0}, {"p_detect": 0.9}, {"p_detect": 1.0}]
    lo, hi = summarize(reps)["p_detect"]["ci95"]
    assert 0.0 <= lo <= hi <= 1.0 and hi == 1.0
