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
     "injects.0.sensor: 'radar-01' is not failed then"),
    ({"type": "team_available", "at": "1h", "team": "team-01"},
     "injects.0.team: team 'team-01' is not unavailable then"),
    ({"type": "team_unavailable", "at": "1h", "team": "team-07"},
     "injects.0.team: 'team-07' is no reaction team id"),
    ({"type": "operators", "at": "9h", "on_duty": 1},
     "injects.0.at: fires 32400 s after the start, not within the duration"),
    ({"type": "operators", "clock": "20:00", "day": 1, "on_duty": 1},
     "injects.0.day: fires 93600 s after the start"),
    ({"type": "operators", "clock": "17:00", "on_duty": 1},
     "injects.0.clock: fires 82800 s after the start"),
    ({"type": "operators", "at": "1h", "clock": "20:00", "on_duty": 1}, "either at"),
    ({"type": "operators", "on_duty": 1}, "either at"),
    ({"type": "operators", "at": "1h", "on_duty": -1}, "injects.0.on_duty: Input should be "
     "greater than or equal to 0, got -1"),
    ({"type": "group", "at": "1h", "size": 3, "entry_m": 9000, "route": [[0, 1000]]},
     "injects.0.entry_m: 9000 m is past the end of the border"),
    ({"type": "meteor", "at": "1h"}, "injects.0.type: expected an inject type: sensor_fail, "
     "sensor_repair, group, decoy, team_unavailable, team_available, operators, link_down, "
     "link_up, weather or section_impact, got 'meteor'"),
    ({"at": "1h", "on_duty": 1}, "injects.0.type: missing; expected an inject type: "),
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


# -------------------------------------------------------------------------- links


@pytest.mark.parametrize(("inject", "message"), [
    ({"type": "link_down", "at": "1h", "link": "radar-09"},
     "injects.0.link: 'radar-09' is no source id"),
    ({"type": "link_up", "at": "1h", "link": "radar-01"},
     "injects.0.link: link 'radar-01' is not down then"),
    ({"type": "weather", "at": "1h", "state": "smog"}, "injects.0.state: "),
    ({"type": "weather", "at": "1h", "state": "fog", "visibility_m": 0},
     "injects.0.visibility_m: "),
    ({"type": "section_impact", "at": "1h", "section": "north", "level": "high"},
     "injects.0.section: 'north' is no section id"),
    ({"type": "section_impact", "at": "1h", "section": "section-1", "level": "extreme"},
     "injects.0.level: "),
])
def test_bad_link_weather_and_impact_injects_are_refused(inject: dict, message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        scenario(inject)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_link_down_carries_no_report_until_it_is_up(base) -> None:  # noqa: ANN001
    records = run({"name": "mast cut", "type": "link_down", "at": "2h", "link": "radar-01"},
                  {"type": "link_up", "at": "5h", "link": "radar-01"})
    got = [r for r in of(records, ev.ReportReceived) if r.sensor == "radar-01"]
    got_base = [r for r in of(base, ev.ReportReceived) if r.sensor == "radar-01"]
    assert len([r for r in got_base if 2 * H <= r.t_s < 5 * H]) > 20
    assert not [r for r in got if 2 * H <= r.t_s < 5 * H]      # nothing arrives meanwhile
    assert [r for r in got if r.t_s < 2 * H] == [r for r in got_base if r.t_s < 2 * H]
    assert [r for r in got if r.t_s >= 5 * H]                  # it carries again once up
    # the other sources' reports arrive as before, up to the window
    others = [r for r in of(records, ev.ReportReceived) if r.sensor != "radar-01"
              and r.t_s < 2 * H]
    assert others == [r for r in of(base, ev.ReportReceived) if r.sensor != "radar-01"
                      and r.t_s < 2 * H]
    assert of(records, ev.LinkDown) == [ev.LinkDown(2 * H, "mast cut", "radar-01")]
    assert of(records, ev.LinkUp) == [ev.LinkUp(5 * H, "inject-2", "radar-01")]
    summary = [r for r in of(records, ev.LinkSummary) if r.link == "radar-01"]
    assert summary[0].down_s >= 3 * H and summary[0].held > 0   # held, then delivered


# ------------------------------------------------------------------------ weather


def test_fog_cuts_what_the_camera_sees(base) -> None:  # noqa: ANN001
    records = run({"name": "fog bank", "type": "weather", "at": "2h", "state": "fog",
                   "visibility_m": 100})
    cam = [r.meas_s for r in of(records, ev.ReportReceived) if r.sensor == "camera-01"]
    cam_base = [r.meas_s for r in of(base, ev.ReportReceived) if r.sensor == "camera-01"]
    after_base = [t for t in cam_base if t >= 2 * H]
    after = [t for t in cam if t >= 2 * H]
    assert len(after_base) > 10 and len(after) < len(after_base) / 2
    assert [t for t in cam if t < 2 * H] == [t for t in cam_base if t < 2 * H]
    assert of(records, ev.WeatherChanged) == [ev.WeatherChanged(2 * H, "fog bank", "fog",
                                                                100.0)]


def test_weather_injects_override_the_daylight_weather() -> None:
    from sim.ground.daylight import Daylight

    sc = scenario({"type": "weather", "at": "2h", "state": "fog", "visibility_m": 150},
                  {"type": "weather", "at": "4h", "state": "rain"})
    day = Daylight.from_spec(sc.start, sc.segment, sc.weather)
    day.override_weather(InjectPlan(sc, Terrain(sc.segment)).weather_changes())
    t = np.array([1 * H, 2 * H, 3 * H, 5 * H])
    assert day.weather(t).tolist() == [0, 2, 2, 1]
    assert day.visibility_m(t).tolist() == [np.inf, 150.0, 150.0, 5_000.0]  # rain's default
    assert day.wind_mps(5 * H) == 7.0
    assert {2 * H, 4 * H} <= set(day.changes(0.0, 8 * H).tolist())


# ------------------------------------------------------------------ impact levels


def test_a_section_impact_inject_goes_down_the_layers_and_changes_the_rules() -> None:
    # a second team, held in reserve by the regional centre: at high it is sent too
    teams = yaml.safe_load(TINY.read_text(encoding="utf-8"))["response"]["teams"]
    reserve = {"response": {"teams": [*teams, {**teams[0], "id": "team-02"}]},
               "layers": {"reserve_teams": ["team-02"]}}
    base = run(**reserve)
    records = run({"name": "alert state", "type": "section_impact", "at": "1h",
                   "section": "section-1", "level": "high"}, **reserve)
    assert of(records, ev.SectionImpactSet) == [ev.SectionImpactSet(1 * H, "alert state",
                                                                    "section-1", "high")]
    impact = of(records, ev.SectionImpact)
    assert impact[0] == ev.SectionImpact(1 * H, "ncc", "section-1", "high", "inject")
    later = {r.layer: r for r in impact[1:]}
    assert set(later) == {"region-1", "section-1"} and len(impact) == 3
    assert all(r.level == "high" and r.reason == "ncc" for r in later.values())
    # down the layers' links: the region first, then the local unit
    assert 1 * H < later["region-1"].t_s < later["section-1"].t_s < 1 * H + 60
    # the high rule: the regional centre sends its reserve team after each incident
    assert not of(base, ev.ReserveTasked) and not of(base, ev.SectionImpact)
    tasked = of(records, ev.ReserveTasked)
    assert tasked and all(r.team == "team-02" and r.t_s > 1 * H for r in tasked)


def test_the_new_injects_are_narrated() -> None:
    from sim.narrative import NARRATED, inject_words

    lines = [inject_words({"name": "x", "kind": "inject_link_down", "link": "radar-01"}),
             inject_words({"name": "x", "kind": "inject_link_up", "link": "radar-01"}),
             inject_words({"name": "x", "kind": "inject_weather", "state": "fog",
                           "visibility_m": 150.0}),
             inject_words({"name": "x", "kind": "inject_weather", "state": "clear",
                           "visibility_m": None}),
             inject_words({"name": "x", "kind": "inject_section_impact",
                           "section": "north", "level": "high"})]
    assert lines == ["«x»: the link of radar-01 goes down.",
                     "«x»: the link of radar-01 is up again.",
                     "«x»: the weather turns to fog, visibility 150 m.",
                     "«x»: the weather turns to clear.",
                     "«x»: the NCC sets north's impact level to high."]
    assert {"inject_link_down", "inject_link_up", "inject_weather",
            "inject_section_impact"} <= set(NARRATED)
