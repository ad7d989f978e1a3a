"""The nuisance path's shortcuts give the floats of the plain numpy versions.

`class_evidence` declares a few reports in plain Python, `nuisance_times` keeps the
Poisson means of a span per clock, `Seismic.nuisance` repeats one alarm's fix: each is
compared here, bit for bit, with the computation it replaces.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sensors import common
from sensors.common import (
    ANIMAL,
    NUISANCE_BIN_S,
    Conditions,
    NuisanceProfile,
    class_evidence,
    nuisance_times,
)
from sensors.seismic import Seismic, latch
from sim.ground.daylight import Daylight
from sim.ground.measurements import proximity
from sim.ground.specs import SeismicSpec


def _numpy_evidence(true_class: int, accuracy: float, u: np.ndarray) -> np.ndarray:
    """`class_evidence` as numpy computes it for any accuracy."""
    return class_evidence(true_class, np.asarray(accuracy, float), u)


@pytest.mark.parametrize("true_class", [0, 1, 2])
@pytest.mark.parametrize("accuracy", [1 / 3, 0.5, 0.7, 0.85, 0.9, 1.0])
def test_few_reports_declare_the_numpy_rows(true_class: int, accuracy: float) -> None:
    rng = np.random.default_rng(true_class * 100 + int(accuracy * 1000))
    other = (1.0 - accuracy) / 2.0
    edges = np.array([accuracy, accuracy + other])   # draws on the cuts themselves
    for n in range(0, 33):
        u = rng.random(n)
        u[: min(n, 2)] = edges[: min(n, 2)]
        fast = class_evidence(true_class, accuracy, u)
        ref = _numpy_evidence(true_class, accuracy, u)
        assert fast.shape == ref.shape == (n, 3) and fast.dtype == ref.dtype
        assert fast.tobytes() == ref.tobytes()


def _reference_nuisance_times(end_s: float, per_day: float, rng: np.random.Generator,
                              start_s: float, conditions: Conditions,
                              profile: NuisanceProfile) -> np.ndarray:
    """`nuisance_times` without any cache (the computation the cache keeps)."""
    edges = np.arange(start_s, end_s, NUISANCE_BIN_S)
    if not len(edges):
        return np.zeros(0)
    ends = np.minimum(edges + NUISANCE_BIN_S, end_s)
    rate = per_day / 86_400.0 * profile.factor(conditions, (edges + ends) / 2)
    counts = rng.poisson(rate * (ends - edges))
    lo = np.repeat(edges, counts)
    width = np.repeat(ends - edges, counts)
    return np.sort(lo + width * rng.random(int(counts.sum())))


def test_nuisance_times_with_kept_means_are_the_plain_draws() -> None:
    day = Daylight(dt.datetime(2026, 6, 1), "05:00", "21:00")
    cond = Conditions(day)
    windy = NuisanceProfile(wind_gain_per_mps=0.3, weather_factor=(1.0, 3.0, 1.0, 1.0))
    plain = NuisanceProfile()
    # spans, profiles and rates interleaved as the days of many sensors draw them
    calls = [(s, e, p, r) for s, e in [(0.0, 86_400.0), (86_400.0, 172_800.0),
                                       (0.0, 86_400.0), (3_000.0, 3_500.0), (5.0, 5.0)]
             for p in (windy, plain, windy) for r in (0.5, 10.0, 0.5)]
    for k, (start, end, profile, rate) in enumerate(calls):
        got = nuisance_times(end, rate, np.random.default_rng(k), start, cond, profile)
        ref = _reference_nuisance_times(end, rate, np.random.default_rng(k), start, cond,
                                        profile)
        assert got.dtype == ref.dtype and got.tobytes() == ref.tobytes()
    assert len(common._BIN_MEANS) == 1           # one clock, its last span only


def test_seismic_nuisance_repeats_the_proximity_fix() -> None:
    spec = SeismicSpec(id="seismic-1", position_m=(120.0, -35.5), radius_m=37.0,
                       nuisance_per_day=40.0, hold_s=300.0)
    sensor = Seismic(spec, Daylight(dt.datetime(2026, 6, 1), "05:00", "21:00"))
    for seed in range(5):
        got = sensor.nuisance(86_400.0, np.random.default_rng(seed))
        rng = np.random.default_rng(seed)
        t = nuisance_times(86_400.0, spec.nuisance_per_day, rng, 0.0, sensor.conditions,
                           sensor.NUISANCE)
        u = rng.random(len(t))
        keep = latch(t, spec.hold_s)
        n = int(keep.sum())
        xy, cov = proximity(np.broadcast_to(sensor.position, (n, 2)), sensor.radius_m())
        assert n > 1 and got.t_s.tobytes() == t[keep].tobytes()
        assert got.xy.shape == xy.shape and got.xy.tobytes() == xy.tobytes()
        assert got.cov.shape == cov.shape and got.cov.tobytes() == cov.tobytes()
        assert got.class_lik.tobytes() == _numpy_evidence(ANIMAL, spec.class_accuracy,
                                                          u[keep]).tobytes()


def test_a_quiet_seismic_day_is_the_empty_batch_of_the_plain_path() -> None:
    spec = SeismicSpec(id="seismic-2", position_m=(0.0, 0.0), nuisance_per_day=1e-9)
    sensor = Seismic(spec, Daylight(dt.datetime(2026, 6, 1), "05:00", "21:00"))
    got = sensor.nuisance(86_400.0, np.random.default_rng(3))
    xy, cov = proximity(np.zeros((0, 2)), sensor.radius_m())
    ref = (np.zeros(0), xy, cov, np.full(0, -1, dtype=np.int64), np.zeros((0, 3)))
    for a, b in zip((got.t_s, got.xy, got.cov, got.truth, got.class_lik), ref, strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype
