"""Crossing arrivals against the Poisson process they should be (slow)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from sim.ground.daylight import Daylight
from sim.ground.specs import CrossingsSpec
from sim.movers import arrival_times
from sim.rng import RandomStreams

pytestmark = pytest.mark.slow

REPS = 2000


def _spec(per_day: float) -> CrossingsSpec:
    return CrossingsSpec(groups_per_day=per_day, destinations=[(0.0, 1000.0)])


def _daylight() -> Daylight:
    return Daylight(dt.datetime(2026, 6, 1, 18, 30), "05:00", "21:00")


def test_counts_have_the_poisson_mean_and_dispersion():
    spec, days = _spec(6.0), 2.0
    mu = 6.0 * days
    counts = np.array([len(arrival_times(spec, _daylight(), days * 86_400.0,
                                         RandomStreams(seed, 0).stream("crossings/arrivals")))
                       for seed in range(REPS)])
    # Mean: within 4 standard errors (sd of the mean sqrt(mu / n)).
    assert abs(counts.mean() - mu) < 4 * np.sqrt(mu / REPS)
    # Dispersion: (n-1) s² / mu ~ chi²(n-1) for Poisson counts; two-sided 0.1 %.
    stat = (REPS - 1) * counts.var(ddof=1) / mu
    lo, hi = stats.chi2.ppf([0.0005, 0.9995], REPS - 1)
    assert lo < stat < hi


#: An hourly profile of the test's own (not the default), relative weights for the local
#: hours 00-01, ..., 23-24: the arrivals' histogram must follow it.
PROFILE = [4, 4, 4, 3, 2, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
           1, 1, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4]


def test_hour_of_day_histogram_follows_the_profile():
    spec = CrossingsSpec(groups_per_day=50.0, destinations=[(0.0, 1000.0)],
                         hourly_profile=PROFILE)
    daylight = _daylight()
    t = np.concatenate([arrival_times(spec, daylight, 10 * 86_400.0,
                                      RandomStreams(seed, 0).stream("crossings/arrivals"))
                        for seed in range(40)])
    # the local hour written out: the run starts at 18:30 local time (`_daylight`)
    hours = np.floor((18.5 + t / 3_600.0) % 24.0).astype(int)
    observed = np.bincount(hours, minlength=24)
    p = np.asarray(PROFILE) / sum(PROFILE)
    expected = p * len(t)
    chi2, pvalue = stats.chisquare(observed, expected)
    assert expected.min() > 5
    assert pvalue > 0.001, (chi2, observed.tolist())
