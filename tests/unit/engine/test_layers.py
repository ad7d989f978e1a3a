"""Command layers: sections, typed messages, pictures, impact levels and their rules."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from command.layers import (
    IncidentReport,
    LocalUnit,
    NationalCentre,
    RegionalCentre,
    SectionLevel,
    Sections,
)
from sensors.neighbour import Neighbour
from sim.ground.events import AlertEscalated, EventLog, PictureUpdate, SectionImpact
from sim.ground.keyed import Draws
from sim.ground.specs import LayersSpec, NeighbourSpec, SectionSpec
from sim.ground.trajectory import Trajectory

WEST = SectionSpec(id="west", from_m=0, to_m=5000)
EAST_HIGH = SectionSpec(id="east", from_m=5000, to_m=10000, impact="high")


def _incident(k: int, section: str = "east", decision: str = "confirmed",
              persons: int = 0) -> IncidentReport:
    return IncidentReport(k, section, decision, persons, 0.0, 7000.0, 10.0)


def test_a_point_belongs_to_the_section_of_its_nearest_border_stretch():
    sections = Sections([(0, 0), (10_000, 0)], [WEST, EAST_HIGH])
    assert [sections.of(x, 2000.0) for x in (-50, 10, 4999, 5001, 12_000)] == [
        "west", "west", "west", "east", "east"]
    assert Sections([(0, 0), (10, 0)], []).ids == ["section-1"]


def test_a_point_in_a_gap_belongs_to_the_nearest_section_and_to_m_moves_it():
    """Sections a = [0, 4000) and b = [6000, 10000) m: a point at 4500 m is 500 m from a
    and 1,500 m from b; at 5500 m, 1,500 and 500; at 5000 m as near to both: the
    earlier. Ending a at 5800 m instead puts 5500 m inside a."""
    border = [(0, 0), (10_000, 0)]
    a = SectionSpec(id="a", from_m=0.0, to_m=4000.0)
    b = SectionSpec(id="b", from_m=6000.0, to_m=10_000.0)
    gap = Sections(border, [a, b])
    assert [gap.of(x, 300.0) for x in (3999, 4500, 5000, 5500, 6000)] == [
        "a", "a", "a", "b", "b"]
    longer = Sections(border, [a.model_copy(update={"to_m": 5800.0}), b])
    assert longer.of(5500, 300.0) == "a"


def test_the_ncc_rates_incidents_and_raises_a_section_one_level_up_to_high(env, log):
    sent: list[SectionLevel] = []
    spec = LayersSpec(raise_after=2, raise_window_s=100.0, high_persons=5)
    ncc = NationalCentre(env, spec, {"east": "low", "west": "low"}, log, sent.append)
    ncc.receive(_incident(0, decision="check"))                 # low: not counted
    ncc.receive(_incident(1))
    assert ncc.impact == {0: "low", 1: "medium"} and not sent
    ncc.receive(_incident(2, persons=6))                        # high impact
    assert ncc.impact[2] == "high"
    assert sent == [SectionLevel("east", "medium")]
    ncc.receive(_incident(1, persons=1))                        # a follow-up: not again
    assert len(sent) == 1
    for k in range(3, 9):
        ncc.receive(_incident(k))
    assert [m.level for m in sent] == ["medium", "high"]       # never critical by itself
    ups = [r for r in log.records if isinstance(r, SectionImpact)]
    assert [(r.layer, r.level, r.reason) for r in ups] == [("ncc", "medium", "incidents"),
                                                            ("ncc", "high", "incidents")]


def test_incidents_older_than_the_window_do_not_raise_a_section(env, log):
    sent: list[SectionLevel] = []
    ncc = NationalCentre(env, LayersSpec(raise_after=2, raise_window_s=100.0),
                         {"east": "low"}, log, sent.append)

    def feed():  # noqa: ANN202
        for k in range(4):
            ncc.receive(_incident(k))
            yield env.timeout(150.0)
    env.process(feed())
    env.run()
    assert not sent


def test_a_high_section_checks_what_its_camera_did_not_see_from_a_lower_threshold(env, log):
    spec = LayersSpec()                 # high: check_unseen_above 0.5
    high = LocalUnit(env, EAST_HIGH, spec, log, lambda m: None)
    low = LocalUnit(env, WEST, spec, log, lambda m: None)
    assert high.decide(3, "rejected", 0.6) == "check"
    assert high.decide(4, "rejected", 0.4) == "rejected"
    assert low.decide(5, "rejected", 0.6) == "rejected"
    assert high.decide(6, "confirmed", 0.1) == "confirmed"
    assert [r.alert for r in log.records if isinstance(r, AlertEscalated)] == [3]
    low.receive(SectionLevel("west", "high"))                   # the NCC raised it
    assert low.decide(7, "rejected", 0.6) == "check"


def test_the_regional_centre_sends_its_reserve_only_for_reinforced_sections(env, log):
    asked: list[int] = []
    region = RegionalCentre(env, LayersSpec(), {"west": "low", "east": "high"}, log,
                            lambda m: None, {"west": lambda m: None, "east": lambda m: None},
                            lambda alert, decision: asked.append(alert) or "team-r")
    region.receive(_incident(1, "west"))
    region.receive(_incident(2, "east"))
    region.receive(IncidentReport(2, "east", "confirmed", 3, 0.0, 0.0, 0.0, "apprehension"))
    assert asked == [2]
    assert [r.kind for r in log.records].count("reserve_tasked") == 1


def test_each_layer_knows_only_what_reached_it_late_by_its_links(env, log):
    """Local → regional 2 s, regional → national 5 s (channels as the engine wires
    them, `sim.comms.Channel`, here fixed delays); a lost message never reaches the
    layers above."""
    def link(delay: float, deliver, lose=lambda m: False):  # noqa: ANN001, ANN202
        def send(msg) -> None:  # noqa: ANN001
            if not lose(msg):
                env.timeout(delay).callbacks.append(lambda _e: deliver(msg))
        return send

    spec = LayersSpec()
    ncc = NationalCentre(env, spec, {"west": "low"}, log, lambda m: None)
    region = RegionalCentre(env, spec, {"west": "low"}, log, link(5.0, ncc.receive), {},
                            lambda a, d: "")
    unit = LocalUnit(env, WEST, spec, log,
                     link(2.0, region.receive, lose=lambda m: m.incident == 1))

    def local():  # noqa: ANN202
        yield env.timeout(10.0)
        unit.incident(0, "confirmed", 4.0, 100.0, 20.0)
        unit.incident(1, "check", 6.0, 200.0, 20.0)
    env.process(local())
    env.run()
    seen = [(r.layer, r.incident, r.t_s, r.t_s - r.first_report_s)
            for r in log.records if isinstance(r, PictureUpdate)]
    assert seen == [("west", 0, 10.0, 6.0), ("west", 1, 10.0, 4.0),
                    ("region-1", 0, 12.0, 8.0), ("ncc", 0, 17.0, 13.0)]
    assert set(unit.picture) == {0, 1} and set(region.picture) == set(ncc.picture) == {0}


def test_the_neighbour_warns_of_a_share_pd_of_groups_where_they_crossed():
    # Binomial: 4,000 groups at pd 0.6 give a share within 4 sd = 4·sqrt(0.24/4000)
    # = 0.031 of 0.6.
    nb = Neighbour(NeighbourSpec(pd=0.6, position_sd_m=100.0))
    traj = Trajectory(np.array([50.0, 550.0]), np.array([[1000.0, 0.0], [1000.0, 500.0]]))
    seen = [nb.observe(traj, g, Draws.of(g)) for g in range(4000)]
    share = sum(len(r) for r in seen) / 4000
    assert abs(share - 0.6) < 0.031
    warned = [r for r in seen if len(r)]
    assert all(r.t_s[0] == 50.0 for r in warned)
    xy = np.array([r.xy[0] for r in warned])
    assert np.allclose(xy.mean(axis=0), [1000.0, 0.0], atol=4 * 100 / np.sqrt(len(xy)))
    assert len(nb.observe(traj, 1, Draws.of(1), start_s=60.0)) == 0     # a revision


@pytest.fixture
def env() -> simpy.Environment:
    return simpy.Environment()


@pytest.fixture
def log() -> EventLog:
    return EventLog()
