"""Injects (sim/injects.py): the schema, and each inject type's effect on a run.

Every run here is ``scenarios/tiny.yaml`` cut to 8 hours (about 1.5 s), with and
without an inject on the same seed, so the effect is the difference.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.engine import run_replication
from sim.ground import events as ev
from sim.ground.terrain import Terrain
from sim.injects import HANDLERS, InjectPlan, scripted_group
from sim.movers import SCRIPTED_BASE
from sim.scenario import ScenarioError, parse_scenario

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / "scenarios" / "tiny.yaml"
SEED = 4
H = 3_600.0


def scenario(*injects: dict, **overrides: object):  # noqa: ANN201
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data["duration"] = "8h"
    data["injects"] = list(injects)
    data.update(overrides)
    return parse_scenario(data, "tiny.yaml")


def run(*injects: dict, **overrides: object):  # noqa: ANN201
    return run_replication(scenario(*injects, **overrides), SEED).records


@pytest.fixture(scope="module")
def base():  # noqa: ANN201
    return run()


def of(records, cls):  # noqa: ANN001, ANN201
    return [r for r in records if type(r) is cls]


# ------------------------------------------------------------------------- schema


@pytest.mark.parametrize(("inject", "message"), [
    ({"type": "sensor_fail", "at": "1h", "sensor": "radar-09"},
     "injects.0.sensor: 'radar-09' is no sensor id"),
    ({"type": "sensor_repair", "at": "1h", "sensor": "radar-01"},
     "injects.0: 'radar-01' is not failed then"),
    ({"type": "team_available", "at": "1h", "team": "team-01"},
     "injects.0: team 'team-01' is not unavailable then"),
    ({"type": "team_unavailable", "at": "1h", "team": "team-07"},
     "injects.0.team: 'team-07' is no reaction team id"),
    ({"type": "operators", "at": "9h", "on_duty": 1}, "not within the duration"),
    ({"type": "operators", "at": "1h", "clock": "20:00", "on_duty": 1}, "either at"),
    ({"type": "operators", "on_duty": 1}, "either at"),
    ({"type": "operators", "at": "1h", "on_duty": -1}, "injects.0.operators.on_duty"),
    ({"type": "group", "at": "1h", "size": 3, "entry_m": 9000, "route": [[0, 1000]]},
     "injects.0.entry_m: 9000 m is past the end of the border"),
    ({"type": "meteor", "at": "1h"}, "injects.0"),
    ({"type": "operators", "at": "1h", "on_duty": 1, "colour": "red"}, "unknown field"),
])
def test_bad_injects_are_refused_with_the_field(inject: dict, message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        scenario(inject)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_clock_times_are_the_next_occurrence_after_the_start() -> None:
    # tiny starts 2026-06-01 18:00: 02:30 is 8 h 30 min later, 20:00 two hours
    sc = scenario({"type": "operators", "clock": "20:00", "on_duty": 2},
                  {"type": "operators", "clock": "02:30", "on_duty": 1},
                  {"type": "operators", "clock": "18:00", "day": 0, "on_duty": 1},
                  duration="1d")
    assert [i.at_s(sc.start) for i in sc.injects] == [2 * H, 8.5 * H, 0.0]


def test_every_inject_type_has_a_handler() -> None:
    from sim.ground.specs import InjectSpecs  # the union of inject specs

    types = {a.model_fields["type"].default for a in InjectSpecs.__origin__.__args__}  # type: ignore[attr-defined]
    assert types == set(HANDLERS)


# -------------------------------------------------------------------- sensor fail


def test_a_failed_sensor_reports_nothing_in_its_window(base) -> None:  # noqa: ANN001
    records = run({"name": "radar down", "type": "sensor_fail", "at": "2h",
                   "sensor": "radar-01", "notice_s": 90},
                  {"type": "sensor_repair", "at": "5h", "sensor": "radar-01"})
    radar = [r.meas_s for r in of(records, ev.ReportReceived) if r.sensor == "radar-01"]
    radar_base = [r.meas_s for r in of(base, ev.ReportReceived) if r.sensor == "radar-01"]
    inside = [t for t in radar_base if 2 * H <= t < 5 * H]
    assert len(inside) > 20                             # the window matters in the base run
    assert not [t for t in radar if 2 * H <= t < 5 * H]
    # before the failure the radar saw exactly what it saw without the inject (CRN)
    assert [t for t in radar if t < 2 * H] == [t for t in radar_base if t < 2 * H]
    assert [t for t in radar if t >= 5 * H]             # it reports again once repaired
    assert of(records, ev.SensorFailed) == [ev.SensorFailed(2 * H, "radar down", "radar-01")]
    status = of(records, ev.SensorStatus)
    assert status == [ev.SensorStatus(2 * H + 90, "radar-01", "offline"),
                      ev.SensorStatus(5 * H + 60, "radar-01", "online")]


def test_operators_stop_slewing_a_camera_known_to_be_offline() -> None:
    # camera-01 made to look all round, so the operators can verify through it
    sensors = yaml.safe_load(TINY.read_text(encoding="utf-8"))["sensors"]
    for s in sensors:
        if s["id"] == "camera-01":
            s.update(fov_deg=360, max_range_m=3000)
    base = run(sensors=sensors)
    used = [r for r in of(base, ev.AlertVerified) if r.camera == "camera-01"]
    assert used                                        # the base run uses the camera
    records = run({"type": "sensor_fail", "at": 60, "sensor": "camera-01", "notice_s": 0},
                  sensors=sensors)
    assert not [r for r in of(records, ev.AlertVerified)
                if r.camera == "camera-01" and r.operator_start_s >= 60]


# ---------------------------------------------------------------- scripted groups


GROUP = {"name": "main", "type": "group", "at": "3h", "size": 5, "entry_m": 1200,
         "route": [[1000, 800], [1000, 1920]], "speed_mps": 1.0}


def test_a_scripted_group_crosses_as_scripted_and_leaves_the_random_ones_alone(base) -> None:  # noqa: ANN001
    records = run(GROUP)
    started = of(records, ev.CrossingStarted)
    scripted = [r for r in started if r.group >= SCRIPTED_BASE]
    assert len(scripted) == 1
    g = scripted[0]
    assert (g.t_s, g.size, g.speed_mps, g.entry_x, g.entry_y) == (3 * H, 5, 1.0, 1200.0, 0.0)
    assert of(records, ev.ScriptedCrossing) == [ev.ScriptedCrossing(3 * H, "main",
                                                                   SCRIPTED_BASE, 5, False)]
    # common random numbers: every random group enters as it did without the inject
    assert [r for r in started if r.group < SCRIPTED_BASE] == of(base, ev.CrossingStarted)
    assert len(of(base, ev.CrossingStarted)) >= 3


def test_a_scripted_group_is_sensed_like_any_other() -> None:
    records = run(GROUP, patrols=[])
    seen = [r for r in of(records, ev.ReportReceived) if r.truth == SCRIPTED_BASE]
    assert any(r.sensor == "seismic-01" for r in seen)   # its route passes the sensor


def test_a_decoy_walks_back_across_the_border() -> None:
    sc = scenario()
    spec = scenario({**GROUP, "type": "decoy"}).injects[0]
    group = scripted_group(0, spec, 3 * H, 1.2, Terrain(sc.segment))  # type: ignore[arg-type]
    assert group.ends_as == "turned_back"
    assert group.trajectory.xy[-1].tolist() == [1000.0, 0.0]   # nearest border point
    records = run({**GROUP, "type": "decoy"}, patrols=[], response={"teams": []})
    assert [r.group for r in of(records, ev.TurnedBack)
            if r.group >= SCRIPTED_BASE] == [SCRIPTED_BASE]


def test_a_decoy_draws_the_reaction_team() -> None:
    decoy = {"name": "decoy", "type": "decoy", "at": "1h", "size": 2, "entry_m": 3300,
             "route": [[3400, 400], [3600, 500]]}
    records = run(decoy, patrols=[])
    tasked = [r for r in of(records, ev.TeamTasked) if r.truth == SCRIPTED_BASE]
    assert tasked and tasked[0].team == "team-01"       # intercept or check: it went


# -------------------------------------------------------------------------- teams


def test_a_team_called_away_gets_no_task_until_it_is_back(base) -> None:  # noqa: ANN001
    assert [r for r in of(base, ev.TeamTasked) if r.t_s < 4 * H]
    records = run({"type": "team_unavailable", "at": 1, "team": "team-01"},
                  {"type": "team_available", "at": "4h", "team": "team-01"})
    tasked = [r.t_s for r in of(records, ev.TeamTasked)]
    assert not [t for t in tasked if t < 4 * H]
    waiting = [r for r in of(records, ev.AlertVerified)
               if r.decision in ("confirmed", "check") and r.t_s < 4 * H]
    assert waiting and tasked[0] == 4 * H               # served the moment it is back


# ---------------------------------------------------------------------- operators


def test_an_unmanned_console_verifies_nothing_until_the_next_shift(base) -> None:  # noqa: ANN001
    assert [r for r in of(base, ev.AlertVerified) if 1 * H < r.operator_start_s < 4 * H]
    records = run({"type": "operators", "at": "1h", "on_duty": 0},
                  {"type": "operators", "at": "4h", "on_duty": 2})
    starts = [r.operator_start_s for r in of(records, ev.AlertVerified)]
    assert not [t for t in starts if 1 * H < t < 4 * H]
    assert starts.count(4 * H) == 2                     # two operators take the queue up
    duty = of(records, ev.OperatorsOnDuty)
    assert duty[0].on_duty == 0 and 1 * H <= duty[0].t_s < 1 * H + 300
    assert duty[-1] == ev.OperatorsOnDuty(4 * H, 2)


def test_operator_utilisation_counts_the_operators_on_duty() -> None:
    from sim.metrics import on_duty_seconds

    # 2 operators for 1 h, none for 3 h, 3 for the last 4 h of 8: 2 + 0 + 12 = 14 h
    records = [ev.OperatorsOnDuty(1 * H, 0), ev.OperatorsOnDuty(4 * H, 3)]
    assert on_duty_seconds(records, 2, 8 * H) == 14 * H
    assert on_duty_seconds([], 2, 8 * H) == 16 * H


def test_seats_are_the_most_operators_ever_on_duty() -> None:
    sc = scenario({"type": "operators", "at": "1h", "on_duty": 4})
    assert InjectPlan(sc, Terrain(sc.segment)).seats == 4


def test_without_injects_nothing_changes(base) -> None:  # noqa: ANN001
    assert not [r for r in base if isinstance(r, ev.InjectRecord | ev.SensorStatus
                                              | ev.OperatorsOnDuty)]
    assert np.isfinite([r.t_s for r in base]).all()
