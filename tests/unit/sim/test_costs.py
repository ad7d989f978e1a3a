"""Costs per day from a scenario's costs section, computed by hand here."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.costs import cost_breakdown, cost_kpis, cost_per_day
from sim.scenario import load_scenario

TINY = Path(__file__).parents[3] / "scenarios" / "tiny.yaml"

COSTS = ("costs={sensors: {fence: {capital_eur: 36525, lifetime_years: 10}, "
         "radar: {capital_eur: 0, operating_eur_per_year: 3652.5}}, staff_hour_eur: 10, "
         "patrol_officers: 2, team_officers: 3, team_hours_per_day: 12, "
         "operator_hours_per_day: 24, flight_hour_eur: 100, flight_hours_per_day: 2, "
         "other_eur_per_year: 365.25}")


def test_cost_breakdown_by_hand():
    scenario = load_scenario(TINY, [COSTS])
    items = cost_breakdown(scenario)
    # tiny.yaml: fence 3 km at 36,525 / 10 years = 3,652.5 a km-year -> 10 a km-day,
    # 30 a day; the radar 3,652.5 a year -> 10 a day (camera and seismic: no entry).
    assert items["sensors"] == pytest.approx(40.0)
    # one patrol 20:00-04:00 = 8 h x 2 officers x 10; one operator 24 h x 10;
    # one team x 3 officers x 12 h x 10; 2 flight hours x 100; 365.25 a year = 1 a day.
    assert items["patrols"] == pytest.approx(160.0)
    assert items["operators"] == pytest.approx(240.0)
    assert items["teams"] == pytest.approx(360.0)
    assert items["flights"] == pytest.approx(200.0)
    assert items["other"] == pytest.approx(1.0)
    assert cost_per_day(scenario) == pytest.approx(1001.0)


def test_cost_kpis():
    scenario = load_scenario(TINY, [COSTS])   # 12 hours: half a day
    k = cost_kpis(scenario, {"apprehended": 5})
    assert k["apprehended_per_day"] == pytest.approx(10.0)
    assert k["cost_per_apprehension"] == pytest.approx(1001.0 * 0.5 / 5)
    assert cost_kpis(scenario, {"intercepted": 0})["cost_per_apprehension"] is None
    assert cost_kpis(load_scenario(TINY), {"apprehended": 5}) == {}
