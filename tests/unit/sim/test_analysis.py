"""Comparison statistics: intervals, paired differences, costs, the efficient set."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.analysis import (
    compare,
    comparison_csv,
    efficient_set,
    estimate,
    format_table,
    mean_interval,
    paired_difference,
)


def test_t_interval_matches_the_table_value():
    # Student-t quantile t(0.975, 4) = 2.776445 (any t table); values 1..5: mean 3,
    # sd sqrt(2.5), half-width 2.776445 * sqrt(2.5) / sqrt(5).
    e = mean_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    half = 2.776445 * math.sqrt(2.5) / math.sqrt(5)
    assert e.mean == 3.0 and e.n == 5
    assert e.lo == pytest.approx(3 - half, abs=1e-5)
    assert e.hi == pytest.approx(3 + half, abs=1e-5)


def test_one_value_has_no_interval_and_none_are_left_out():
    assert mean_interval([0.4]).lo is None
    e = estimate([{"x": 1.0}, {"x": None}, {"x": 3.0}], "x")
    assert (e.mean, e.n) == (2.0, 2)


@pytest.mark.parametrize("values", [[0.0, 0.0, 0.0, 0.2], [1.0, 1.0, 0.9, 1.0], [0.0, 1.0]])
def test_proportion_intervals_stay_within_0_and_1(values):
    e = estimate([{"p_detect": v} for v in values], "p_detect")
    assert 0.0 <= e.lo <= e.mean <= e.hi <= 1.0
    d = paired_difference([{"p_x": 0.0}] * len(values), [{"p_x": v} for v in values], "p_x")
    assert -1.0 <= d.lo <= d.hi <= 1.0


def test_paired_difference_of_identical_variants_is_exactly_zero():
    runs = [{"crossings": 10 + r, "p_detect": 0.1 * r, "wait_s": 3.7 * r} for r in range(6)]
    comp = compare(["a", "b"], [runs, [dict(k) for k in runs]])
    for name in ("crossings", "p_detect", "wait_s"):
        d = comp.differences["b", name]
        assert (d.mean, d.lo, d.hi, d.n) == (0.0, 0.0, 0.0, 6)


def test_pairing_removes_the_shared_variation():
    # The variant adds exactly 1 to a widely varying baseline: the difference is 1
    # with no spread, though each variant's own interval is wide.
    base = [{"x": float(v)} for v in (3, 40, 7, 95, 12)]
    other = [{"x": k["x"] + 1.0} for k in base]
    comp = compare(["base", "plus1"], [base, other])
    d = comp.differences["plus1", "x"]
    assert (d.mean, d.lo, d.hi) == (1.0, 1.0, 1.0)
    assert comp.estimates["plus1", "x"].hi - comp.estimates["plus1", "x"].lo > 50


def test_efficient_set():
    assert efficient_set([(100, 0.5), (200, 0.5), (300, 0.9), (50, 0.1)]) == [
        True, False, True, True]


def test_cost_effectiveness_uses_the_ratio_of_constant_cost_to_mean_apprehensions():
    def runs(cost, caught):
        return [{"apprehended": c, "p_apprehend": c / 10, "cost_per_day": cost,
                 "apprehended_per_day": float(c), "cost_per_apprehension":
                 cost / c if c else None} for c in caught]

    base, more = runs(1000.0, [2, 4, 0, 2]), runs(3000.0, [4, 6, 2, 4])
    comp = compare(["base", "more"], [base, more])
    rows = {r.variant: r for r in comp.costs}
    # base: mean 2 apprehensions a day -> 500 per apprehension (the mean of the
    # per-replication ratios would skip the replication with none).
    assert rows["base"].cost_per_apprehension.mean == pytest.approx(500.0)
    apd = comp.estimates["base", "apprehended_per_day"]
    assert rows["base"].cost_per_apprehension.lo == pytest.approx(1000.0 / apd.hi)
    # more: +2 a day every replication for +2000 a day -> 1000 per extra apprehension.
    inc = rows["more"].incremental_cost_per_apprehension
    assert (inc.mean, inc.lo, inc.hi) == (1000.0, 1000.0, 1000.0)
    assert rows["base"].efficient and rows["more"].efficient
    assert "cost_per_apprehension" in comparison_csv(comp)
    assert "efficient" in format_table(comp)


def test_the_costs_carry_their_currency_into_every_table_and_file():
    """``costs.currency`` labels the cost figures: the comparison's tables, its
    cost_effectiveness.csv, a run's summary.json and its printed summary."""
    import json

    from run_sim import format_summary
    from sim.analysis import cost_effectiveness_csv, format_sweep
    from sim.results import summary_text

    runs = [{"apprehended": c, "p_apprehend": c / 10, "cost_per_day": 900.0,
             "apprehended_per_day": float(c)} for c in (2, 3)]
    comp = compare(["a", "b"], [runs, runs], ["PLN", "PLN"])
    table = format_table(comp)
    assert "cost_per_day (PLN)" in table and "cost/day (PLN)" in table
    assert cost_effectiveness_csv(comp).splitlines()[1].endswith(",PLN")
    assert "cost_per_day (PLN)" in format_sweep([[("x", "1")], [("x", "2")]], comp,
                                                ["cost_per_day"])
    mixed = compare(["a", "b"], [runs, runs], ["PLN", "EUR"])
    assert "(PLN)" not in format_table(mixed)                  # no one label for both
    assert [r.currency for r in mixed.costs] == ["PLN", "EUR"]
    summary = json.loads(summary_text("s", 1, runs, {}, "t", "PLN"))
    assert summary["currency"] == "PLN"
    assert "cost_per_day (PLN)" in format_summary(summary, Path("out"), 1.0)
    assert "currency" not in json.loads(summary_text("s", 1, runs, {}, "t"))


def test_summary_json_keeps_proportion_intervals_within_0_and_1():
    import json

    from sim.results import summary_text

    kpis = [{"p_detect": v, "crossings": c} for v, c in [(0.0, 3), (0.0, 9), (0.1, 1)]]
    summary = json.loads(summary_text("s", 1, kpis, {}, "t"))["kpis"]
    assert summary["p_detect"]["ci95"][0] == 0.0 < summary["p_detect"]["ci95"][1] <= 1.0
    assert summary["crossings"]["ci95"][0] < 0   # a count is not a proportion: untouched
