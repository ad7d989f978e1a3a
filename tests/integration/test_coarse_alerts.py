"""A drag road's finds reach the command: alerts from reports too coarse for a track.

A drag road reports sign at its next inspection with the group's possible walk since
added to the covariance (hours: a std of kilometres, above the node's
``max_position_std_m``, 1 km on the border), so its reports cannot hold as tracks. They still raise
alerts (`command.alerts`), at the sign, with the class the trackers declared: the
drag road's ``class_accuracy`` sets that class, and so the alert's priority.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine import run_replication
from sim.ground.events import AlertRaised
from sim.scenario import load_scenario

LAYERED = Path(__file__).parents[2] / "scenarios" / "layered.yaml"
DRAGROAD = 8            # its index in layered.yaml's sensors; the road is y = 300 m


def _dragroad_alerts(accuracy: float) -> list[AlertRaised]:
    scenario = load_scenario(LAYERED, ["duration=20h",
                                       f"sensors.{DRAGROAD}.class_accuracy={accuracy}"])
    assert scenario.sensors[DRAGROAD].kind == "dragroad"
    records = run_replication(scenario, 1).records
    return [r for r in records
            if isinstance(r, AlertRaised) and r.y == 300.0 and r.reports == 1]


@pytest.mark.parametrize("accuracy", [0.9, 0.5])
def test_drag_road_sign_raises_alerts_whose_class_is_the_declared_one(accuracy):
    alerts = _dragroad_alerts(accuracy)
    assert len(alerts) >= 3                      # the first inspections' finds
    other = (1.0 - accuracy) / 2.0               # class_evidence: the other two halves
    for a in alerts:
        assert a.p_person == pytest.approx(accuracy) or a.p_person == pytest.approx(other)
        if a.p_person == pytest.approx(accuracy):   # declared a person
            assert a.priority == (1 if accuracy + other >= 0.8 else 2)
        else:
            assert a.priority in (2, 3)
    assert any(a.truth >= 0 for a in alerts)     # sign of real groups among them
