"""One replication end to end on scenarios/tiny.yaml with the real sensors and fusion."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from command.fusion import fuse_file
from sim.engine import run_replication
from sim.ground.events import (
    Apprehended,
    GroupReacted,
    ReportReceived,
    Sighting,
    TeamTasked,
)
from sim.metrics import crossing_verdicts
from sim.results import events_jsonl, write_run_dir
from sim.scenario import load_scenario

ROOT = Path(__file__).parents[2]
TINY = ROOT / "scenarios" / "tiny.yaml"


@pytest.fixture(scope="module")
def tiny():  # noqa: ANN201
    return load_scenario(TINY)


@pytest.fixture(scope="module")
def run(tiny):  # noqa: ANN001, ANN201
    return run_replication(tiny, 11)


def test_every_path_through_the_simulator_occurs(run):
    outcomes = {v.outcome for v in crossing_verdicts(run.records)}
    assert {"undetected", "got_away", "apprehended"} <= outcomes
    assert run.kpis["crossings"] > 5
    assert run.horizon_s >= run.duration_s


def test_same_seed_same_bytes_other_seed_other_bytes(tiny, run):
    again = run_replication(tiny, 11)
    assert events_jsonl([again]) == events_jsonl([run])
    other = run_replication(tiny, 12)
    assert events_jsonl([other]) != events_jsonl([run])
    replication_1 = run_replication(tiny, 11, 1)
    assert events_jsonl([replication_1]) != events_jsonl([run])


def test_observing_plans_window_by_window_changes_nothing(tiny, run, monkeypatch):
    """A radar observes a plan `sim.world.WINDOW_S` at a time (the looks after a
    revision are never computed); one window for the whole plan gives the same log,
    and so does a window shorter than most plans' lives. The windows do differ in
    what they compute: the check can fail."""
    import sim.world as world
    from sensors.sector import SectorSensor

    looks = []
    real = SectorSensor._looks_at

    def counted(self, trajectory, draws, t, interval):  # noqa: ANN001, ANN202
        looks.append(len(t))
        return real(self, trajectory, draws, t, interval)

    monkeypatch.setattr(SectorSensor, "_looks_at", counted)
    logs = {}
    for window_s in (np.inf, 120.0):
        monkeypatch.setattr(world, "WINDOW_S", window_s)
        looks.clear()
        logs[window_s] = (events_jsonl([run_replication(tiny, 11)]), sum(looks))
    assert logs[np.inf][0] == logs[120.0][0] == events_jsonl([run])
    assert logs[120.0][1] < logs[np.inf][1]


def test_skipping_sensors_out_of_reach_changes_nothing(monkeypatch):
    """`World._observe` skips a sensor whose `reach_box` a group's plan never meets, or
    whose `reach_disc` its path never enters: with every box and disc unknown (every
    sensor asked) the log is the same. The seismic sensor's radius is widened so that
    groups do trigger it (a box moved away, or a disc shrunk, changes the log: the
    check can fail)."""
    from sensors.seismic import Seismic

    scenario = load_scenario(TINY, ["sensors.3.radius_m=600", "duration=6h"])
    boxed = events_jsonl([run_replication(scenario, 11)])
    assert '"sensor":"seismic-01","meas_s"' in boxed
    real = Seismic.reach_box

    def away(self, size=1):  # noqa: ANN001, ANN202
        x0, y0, x1, y1 = real(self, size)
        return (x0 + 9000, y0, x1 + 9000, y1)

    from sensors.sector import SectorSensor

    for kind in (Seismic, SectorSensor):
        monkeypatch.setattr(kind, "reach_box", lambda self, size=1: None)
        monkeypatch.setattr(kind, "reach_disc", lambda self, size=1: None)
    assert events_jsonl([run_replication(scenario, 11)]) == boxed
    monkeypatch.undo()
    monkeypatch.setattr(Seismic, "reach_box", away)
    assert events_jsonl([run_replication(scenario, 11)]) != boxed
    monkeypatch.undo()
    real_disc = Seismic.reach_disc
    monkeypatch.setattr(Seismic, "reach_disc",
                        lambda self, size=1: (*real_disc(self, size)[:2], 1.0))
    assert events_jsonl([run_replication(scenario, 11)]) != boxed


@pytest.fixture(scope="module")
def default_run():  # noqa: ANN201
    return run_replication(load_scenario(ROOT / "scenarios" / "default.yaml"), 1)


def test_the_default_run_shows_every_outcome_and_stays_consistent(default_run):
    outcomes = {v.outcome for v in crossing_verdicts(default_run.records)}
    if "turned_back" not in outcomes:
        # a turn-back takes a group that sees a patrol or a team and is not caught: one
        # or two a week in the default, none in some weeks; the next week then shows one
        second = run_replication(load_scenario(ROOT / "scenarios" / "default.yaml"), 1, 1)
        outcomes |= {v.outcome for v in crossing_verdicts(second.records)}
    assert outcomes == {"undetected", "got_away", "apprehended", "turned_back"}
    assert 20 <= default_run.kpis["crossings"] <= 80  # tens of groups in 7 days
    test_log_is_in_time_order_and_consistent_with_the_crossings(default_run)


def test_log_is_in_time_order_and_consistent_with_the_crossings(run):
    times = [r.t_s for r in run.records]
    assert times == sorted(times)
    verdicts = {v.group: v for v in crossing_verdicts(run.records)}

    def end(v):  # noqa: ANN001, ANN202
        ends = [t for t in (v.apprehended_s, v.turned_back_s, v.arrived_s) if t is not None]
        return min(ends) if ends else run.horizon_s

    seen_by: dict[int, set[str]] = {}
    for r in run.records:
        if isinstance(r, ReportReceived) and r.truth >= 0:
            v = verdicts[r.truth]
            assert v.entry_s <= r.meas_s <= end(v) + 1e-6
            assert r.meas_s <= r.t_s
        if isinstance(r, Sighting):
            seen_by.setdefault(r.group, set()).add(r.observer)
        if isinstance(r, Apprehended):
            # only who saw the group with its own eyes can apprehend it
            assert r.by in seen_by.get(r.group, set())
            assert r.t_s <= end(verdicts[r.group]) + 1e-6
    det = run.detections
    for t, g in zip(det["t_s"], det["truth"], strict=True):
        if g >= 0:
            assert verdicts[g].entry_s <= t <= end(verdicts[g]) + 1e-6


def test_command_variants_face_the_same_crossings(tiny, run):
    more = tiny.model_copy(update={"command": tiny.command.model_copy(
        update={"operators": 3, "verification_time_s": 400.0, "assess_time_s": 300.0})})
    other = run_replication(more, 11)

    def crossings(res):  # noqa: ANN001, ANN202
        return [(v.group, v.size, v.entry_s, v.entry_x, v.dest_x, v.end_s)
                for v in crossing_verdicts(res.records)]

    assert crossings(other) == crossings(run)

    # Common random numbers: every group no patrol or team ever met is seen by the
    # same looks, with the same link fates, in both variants — even after the
    # variants' command decisions diverged.
    def untouched(res):  # noqa: ANN001, ANN202
        met = {r.group for r in res.records if isinstance(r, GroupReacted | Sighting)}
        return {v.group for v in crossing_verdicts(res.records)} - met

    def reports(res, groups):  # noqa: ANN001, ANN202
        return [(r.sensor, r.meas_s, r.t_s, r.truth, r.x, r.y) for r in res.records
                if isinstance(r, ReportReceived) and r.truth in groups]

    calm = untouched(run) & untouched(other)
    assert calm
    assert reports(other, calm) == reports(run, calm)
    # and the variants did diverge somewhere in the command layer
    assert ([(r.t_s, r.team) for r in other.records if isinstance(r, TeamTasked)]
            != [(r.t_s, r.team) for r in run.records if isinstance(r, TeamTasked)]
            or other.kpis["queue_wait_mean_s"] != run.kpis["queue_wait_mean_s"])


def test_fusing_detections_csv_reproduces_tracks_csv(tmp_path, tiny, run):
    out = write_run_dir(tmp_path / "run", tiny, 11, [run], "test")
    replay = tmp_path / "replayed.csv"
    fuse_file(out / "detections.csv", replay, run.fusion_overrides)
    with open(out / "tracks.csv") as f:
        ours = [row[:4] for row in csv.reader(f)]
    with open(replay) as f:
        theirs = [row[:4] for row in csv.reader(f)]
    assert len(ours) > 10
    assert ours == theirs


def test_run_directory_files_agree_with_each_other(tmp_path, tiny, run):
    out = write_run_dir(tmp_path / "run", tiny, 11, [run], "test")
    with open(out / "sensors.csv") as f:
        sensors = {int(r["sensor"]): r["id"] for r in csv.DictReader(f)}
    assert list(sensors.values()) == [s.id for s in tiny.sensors] + [p.id for p in tiny.patrols]
    with open(out / "detections.csv") as f:
        rows = list(csv.DictReader(f))
    t = np.array([float(r["time"]) for r in rows])
    assert np.all(np.diff(t) >= 0)
    assert {int(r["sensor"]) for r in rows} <= set(sensors)
    with open(out / "trajectories.csv") as f:
        movers = {r["mover"] for r in csv.DictReader(f)}
    with open(out / "crossings.csv") as f:
        ids = {r["id"] for r in csv.DictReader(f)}
    assert ids <= movers and "patrol-01" in movers


def test_nuisance_alarm_times_do_not_depend_on_when_the_run_ends(tiny):
    def nuisance(res, until_s):  # noqa: ANN001, ANN202
        return [(r.sensor, r.meas_s, r.x, r.y) for r in res.records
                if isinstance(r, ReportReceived) and r.truth < 0 and r.meas_s < until_s]

    short = run_replication(tiny.model_copy(update={"duration": 6 * 3600.0}), 11)
    longer = run_replication(tiny.model_copy(update={"duration": 30 * 3600.0}), 11)
    first = nuisance(short, 6 * 3600.0)
    assert first and first == nuisance(longer, 6 * 3600.0)
