"""Costs: what a surveillance system costs per day, and what an apprehension costs.

The cost of a scenario is deterministic — it depends on what is deployed, not on
what happens — so it is computed from the scenario's ``costs`` section
(`sim.ground.specs.CostsSpec`) alone:

- **sensors**: per unit of each kind (fence: per km of line), straight-line
  depreciation ``capital_eur / lifetime_years`` plus ``operating_eur_per_year``;
- **staff**: each patrol's shift hours a day × ``patrol_officers``, each operator seat
  × ``operator_hours_per_day``, each team × ``team_officers`` × ``team_hours_per_day``,
  all at ``staff_hour_eur``;
- **flights**: ``flight_hours_per_day × flight_hour_eur``; **other**: a yearly sum.

A year is 365.25 days. The replication KPIs it adds (`cost_kpis`):
``cost_per_day``; ``apprehended_per_day`` (apprehensions / scenario duration in days);
``cost_per_apprehension`` (cost over the duration / apprehensions; None without an
apprehension). Over replications, the cost per apprehension of a variant is the ratio
of the constant cost to the mean apprehensions (`sim.analysis`), not the mean of the
per-replication ratios, which is biased and undefined when one replication has none
("annualised life-cycle cost / apprehensions", DOMAIN.md §5).
"""

from __future__ import annotations

import math

from sim.ground.specs import (
    DragRoadSpec,
    FenceSpec,
    FibreSpec,
    Scenario,
    ShiftSpec,
    parse_clock_h,
)

DAYS_PER_YEAR = 365.25
_DAY_S = 86_400.0

#: Names of the apprehension count in the KPI dict: today's first, then the older one.
APPREHENDED_KPIS = ("apprehended", "intercepted")
#: Names of P(apprehend) in the KPI dict, likewise.
P_APPREHEND_KPIS = ("p_apprehend", "p_intercept")
#: The KPIs `cost_kpis` adds, in its order.
COST_KPIS = ("cost_per_day", "apprehended_per_day", "cost_per_apprehension")


def shift_hours(shift: ShiftSpec) -> float:
    """Length of a daily shift in hours; an end before the start crosses midnight.

    >>> shift_hours(ShiftSpec(start="21:00", end="05:00"))
    8.0
    """
    length = (parse_clock_h(shift.end) - parse_clock_h(shift.start)) % 24.0
    return length if length > 0 else 24.0


def _line_km(points: list[tuple[float, float]]) -> float:
    return sum(math.dist(a, b) for a, b in zip(points, points[1:], strict=False)) / 1000.0


def cost_breakdown(scenario: Scenario) -> dict[str, float] | None:
    """Cost per day by item (currency of the scenario); None without a costs section."""
    costs = scenario.costs
    if costs is None:
        return None
    sensors = 0.0
    for spec in scenario.sensors:
        unit = costs.sensors.get(spec.kind)
        if unit is None:
            continue
        amount = (_line_km(spec.line) if isinstance(spec, FenceSpec | FibreSpec | DragRoadSpec)
                  else 1.0)
        per_year = unit.capital_eur / unit.lifetime_years + unit.operating_eur_per_year
        sensors += amount * per_year / DAYS_PER_YEAR
    patrol_hours = sum(shift_hours(s) for p in scenario.patrols for s in p.shifts)
    return {
        "sensors": sensors,
        "patrols": patrol_hours * costs.patrol_officers * costs.staff_hour_eur,
        "operators": (scenario.command.operators * costs.operator_hours_per_day
                      * costs.staff_hour_eur),
        "teams": (len(scenario.response.teams) * costs.team_officers
                  * costs.team_hours_per_day * costs.staff_hour_eur),
        "flights": costs.flight_hours_per_day * costs.flight_hour_eur,
        "other": costs.other_eur_per_year / DAYS_PER_YEAR,
    }


def cost_per_day(scenario: Scenario) -> float | None:
    """The system's cost per day; None without a costs section."""
    items = cost_breakdown(scenario)
    return None if items is None else sum(items.values())


def first_kpi(kpis: dict[str, float | None], names: tuple[str, ...]) -> str | None:
    """The first of ``names`` present in ``kpis``."""
    return next((n for n in names if n in kpis), None)


def cost_kpis(scenario: Scenario, kpis: dict[str, float | None]) -> dict[str, float | None]:
    """Cost KPIs of one replication from its KPIs; empty without a costs section."""
    daily = cost_per_day(scenario)
    if daily is None:
        return {}
    days = scenario.duration_s / _DAY_S
    name = first_kpi(kpis, APPREHENDED_KPIS)
    caught = kpis.get(name) if name is not None else None
    return {
        "cost_per_day": daily,
        "apprehended_per_day": None if caught is None else caught / days,
        "cost_per_apprehension": daily * days / caught if caught else None,
    }
