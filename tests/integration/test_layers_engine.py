"""Links and command layers in whole runs of the tiny scenario (12 h, ~2 s a run)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from command.fusion import fuse_file
from sim.engine import run_replication
from sim.ground.events import (
    LinkSummary,
    PictureUpdate,
    ReportReceived,
    ReserveTasked,
    TeamTasked,
)
from sim.results import write_run_dir
from sim.scenario import load_scenario

TINY = Path(__file__).parents[2] / "scenarios" / "tiny.yaml"
DOWN = (10_800.0, 18_000.0)
TEAMS = ("response.teams=[{id: team-01, base_m: [2500, 1950], readiness_s: 120}, "
         "{id: team-r, base_m: [2500, 1950], readiness_s: 60}]")


@pytest.fixture(scope="module")
def outage():  # noqa: ANN201
    s = load_scenario(TINY, [f"comms.links=[{{source: radar-01, queue_max: 10, "
                             f"down: [[{DOWN[0]}, {DOWN[1]}]]}}]",
                             "comms.regional={latency_s: 2, jitter_s: 0, loss: 0}",
                             "comms.national={latency_s: 5, jitter_s: 0, loss: 0}"])
    return s, run_replication(s, 11)


def test_a_link_outage_blinds_its_sensor_and_its_queue_overflows(outage):
    _, res = outage
    radar = [r.t_s for r in res.records if isinstance(r, ReportReceived)
             and r.sensor == "radar-01"]
    camera = [r.t_s for r in res.records if isinstance(r, ReportReceived)
              and r.sensor == "camera-01"]
    # nothing sent during the outage arrives before it ends; nothing at all arrives
    # once what was on its way before it began has landed (latency 0.5 s + jitter)
    assert not [r for r in res.records if isinstance(r, ReportReceived)
                and r.sensor == "radar-01" and DOWN[0] <= r.meas_s and r.t_s < DOWN[1]]
    assert not [t for t in radar if DOWN[0] + 10.0 <= t < DOWN[1]]
    assert [t for t in radar if t >= DOWN[1]] and [t for t in radar if t < DOWN[0]]
    assert [t for t in camera if DOWN[0] <= t < DOWN[1]]       # its own link is up
    (link,) = [r for r in res.records if isinstance(r, LinkSummary) and r.link == "radar-01"]
    assert link.held == 10 and link.dropped > 0 and link.max_queue == 10
    assert link.down_s == DOWN[1] - DOWN[0]
    # the ten queued messages leave when the link is up again
    late = [r for r in res.records if isinstance(r, ReportReceived)
            and r.sensor == "radar-01" and r.meas_s < DOWN[1] <= r.t_s]
    assert len({r.meas_s for r in late}) == 10


def test_a_run_with_queues_and_outages_is_deterministic(outage):
    scenario, res = outage
    assert run_replication(scenario, 11).records == res.records


def test_the_regional_and_national_pictures_are_late_by_their_links(outage):
    _, res = outage
    seen: dict[tuple[str, int], float] = {}
    for r in res.records:
        if isinstance(r, PictureUpdate) and r.message == "incident":
            seen[(r.layer, r.incident)] = r.t_s
    local = {k: t for (layer, k), t in seen.items() if layer == "section-1"}
    assert local
    for k, t in local.items():
        assert seen[("region-1", k)] == pytest.approx(t + 2.0)
        assert seen[("ncc", k)] == pytest.approx(t + 7.0)
    assert res.kpis["picture_latency_national_median_s"] == pytest.approx(
        res.kpis["picture_latency_local_median_s"] + 7.0)


def test_a_high_impact_section_gets_the_regional_reserve_after_its_incidents():
    s = load_scenario(TINY, [
        TEAMS,
        "layers={reserve_teams: [team-r], "
        "sections: [{id: s1, from_m: 0, to_m: 5000, impact: high}]}"])
    res = run_replication(s, 11)
    reserve = [r for r in res.records if isinstance(r, ReserveTasked)]
    tasked = [r for r in res.records if isinstance(r, TeamTasked) and r.team == "team-r"]
    assert reserve and len(tasked) == len(reserve)
    assert [(r.t_s, r.alert) for r in tasked] == [(r.t_s, r.alert) for r in reserve]
    low = run_replication(load_scenario(TINY, [
        TEAMS,
        "layers={reserve_teams: [team-r]}"]), 11)
    assert not [r for r in low.records if isinstance(r, TeamTasked) and r.team == "team-r"]


def test_a_reorder_lag_fuses_a_slow_links_reports_and_fuse_still_replays_the_run(tmp_path):
    slow = "comms.links=[{source: seismic-01, latency_s: 8, jitter_s: 4, loss: 0}]"
    now = run_replication(load_scenario(TINY, [slow]), 11)
    lagged_s = load_scenario(TINY, [slow, "command.reorder_lag_s=30"])
    lagged = run_replication(lagged_s, 11)
    assert now.kpis["reports_out_of_sequence"] > lagged.kpis["reports_out_of_sequence"]
    def discarded_share(k: dict) -> float:   # of the reports overtaken on their way
        return 1.0 - k["reports_fused_late"] / k["reports_overtaken"]
    assert discarded_share(lagged.kpis) < discarded_share(now.kpis)
    out = write_run_dir(tmp_path / "run", lagged_s, 11, [lagged], "test")
    fuse_file(out / "detections.csv", tmp_path / "replayed.csv", lagged.fusion_overrides)
    with open(out / "tracks.csv") as f:
        ours = [row[:4] for row in csv.reader(f)]
    with open(tmp_path / "replayed.csv") as f:
        theirs = [row[:4] for row in csv.reader(f)]
    assert len(ours) > 10 and ours == theirs


def test_a_patrol_for_high_impact_goes_on_duty_only_when_its_section_is_high():
    patrol = "patrols.0.min_impact=high"
    low = run_replication(load_scenario(TINY, [patrol]), 11)
    high = run_replication(load_scenario(TINY, [
        patrol, "layers.sections=[{id: s1, from_m: 0, to_m: 5000, impact: high}]"]), 11)
    assert not [p for p in low.paths if p.kind == "patrol"]
    assert [p for p in high.paths if p.kind == "patrol"]


def test_the_regional_centre_tasks_the_uavs_over_its_links():
    """With ``layers.uav_tasking: region`` the operator's request for a UAV goes up the
    section's regional link (30 s here), the centre chooses the UAV and its order comes
    back down (30 s): the UAV is tasked no sooner than the request's arrival and the
    operator looks through it no sooner than the order's. Locally nothing is asked."""
    from sim.ground.events import AlertVerified, UAVTasked

    base = ["duration=1d", "comms.regional.latency_s=30", "comms.regional.jitter_s=0"]
    uav_file = TINY.parent / "uav.yaml"
    local = run_replication(load_scenario(uav_file, base), 1).records
    region = run_replication(load_scenario(uav_file, [*base, "layers.uav_tasking=region"]),
                             1).records
    assert not [r for r in local if isinstance(r, UAVTasked)]
    tasked = [r for r in region if isinstance(r, UAVTasked)]
    verified = {r.alert: r for r in region if isinstance(r, AlertVerified)}
    # (a UAV still on its way when the day ends has no verification yet)
    sent = [r for r in tasked if r.uav and r.alert in verified]
    assert len(sent) >= 5 and all(r.layer == "region-1" for r in tasked)
    for r in sent:
        v = verified[r.alert]
        assert v.camera == r.uav
        assert r.t_s >= v.operator_start_s + 30.0 - 1e-6
        assert v.t_s >= r.t_s + 30.0 - 1e-6
