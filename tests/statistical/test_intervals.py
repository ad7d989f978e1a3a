"""The 95 % intervals of an experiment cover a known mean at about the nominal rate.

Case with a known answer: with a flat hourly profile, crossings arrive as a Poisson
process of ``groups_per_day`` per day, so the count of crossings in one day is
Poisson with mean exactly ``groups_per_day`` = 10 (sim.movers.arrival_times; no
sensor or response changes it). Each of K experiments (seeds 0..K-1) runs n = 5
replications and takes the Student-t 95 % interval of the mean count
(`sim.analysis.estimate`); the share of intervals that hold 10 is a binomial
proportion with sd sqrt(0.95 · 0.05 / K), 0.0049 for K = 2,000. The t interval of a
Poisson(10) mean from 5 counts is nearly exact: its coverage is 0.9495 (400,000
Monte Carlo experiments of 5 Poisson(10) counts, t(4) = 2.776), so the tolerance is
3 sd plus 0.005. Few replications are what separates t from the normal
approximation: z = 1.96 would cover 0.875 here (the same Monte Carlo), far outside;
with n = 10 and K = 200, as this test had it, a mutation audit found z passed.
"""

from __future__ import annotations

import math

import pytest

from sim.analysis import estimate
from sim.engine import run_replication
from sim.scenario import parse_scenario

pytestmark = pytest.mark.slow

K, N, MEAN = 2_000, 5, 10.0

POISSON = {
    "schema": 1, "name": "poisson", "duration": "1d", "start": "2026-06-01T00:00:00",
    "segment": {"border": [[0, 0], [5000, 0]], "depth_m": 2000},
    "crossings": {"groups_per_day": MEAN, "hourly_profile": [1] * 24,
                  "destinations": [[2500, 1900]], "waypoints": 0},
}


def test_intervals_of_the_mean_crossing_count_cover_at_the_nominal_rate():
    scenario = parse_scenario(POISSON)
    covered = 0
    for seed in range(K):
        kpis = [run_replication(scenario, seed, r).kpis for r in range(N)]
        e = estimate(kpis, "crossings")
        covered += e.lo <= MEAN <= e.hi
    rate = covered / K
    tolerance = 3 * math.sqrt(0.95 * 0.05 / K) + 0.005
    assert abs(rate - 0.95) <= tolerance, (rate, tolerance)
