"""Sensor models against their closed forms (slow: many trials).

Every tolerance is derived from the number of trials: a Bernoulli rate estimated
from n trials has standard error sqrt(p (1 - p) / n); we accept |p̂ - p| < Z·SE with
Z = 4.5 (a false failure about once in 150 000 runs per check). Seeds are fixed, so
a run is reproducible; the tolerances say why the numbers are right, not the seeds.
Run: ``pytest -m slow tests/statistical/test_sensors.py``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from sensors.camera import Camera, ttpf
from sensors.fence import Fence
from sensors.patrol import Patrol
from sensors.radar import Radar
from sensors.sector import SectorSensor
from sensors.seismic import Seismic
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws
from sim.ground.specs import (
    CameraSpec,
    FenceSpec,
    PatrolSpec,
    RadarSpec,
    SegmentSpec,
    SeismicSpec,
    ShiftSpec,
)
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory

pytestmark = pytest.mark.slow
Z = 4.5


def binomial_ok(hits: float, n: int, p: float) -> tuple[float, float]:
    """Empirical rate and its 4.5-σ tolerance for ``n`` trials of probability ``p``."""
    return hits / n, Z * np.sqrt(max(p * (1 - p), 1e-12) / n)


def straight(p0, p1, speed_mps, t0_s):
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    return Trajectory(np.array([t0_s, t0_s + np.hypot(*(p1 - p0)) / speed_mps]),
                      np.vstack([p0, p1]))


def parked(xy, duration_s):
    return Trajectory(np.array([0.0, duration_s]), np.vstack([xy, xy]).astype(float))


def test_fence_detects_a_fraction_pd_of_crossings():
    """20 000 crossings of a bent fence at random places and angles (zig-zag routes
    whose legs each cross the line exactly once): alarms / crossings ≈ pd = 0.9."""
    fence = Fence(FenceSpec(id="fence-01", line=[(0, 0), (4000, 0), (8000, 1000)], pd=0.9))
    rng = np.random.default_rng(11)
    alarms, crossings = 0, 0
    for i in range(400):  # 400 zig-zag routes of 50 crossings each, at random places
        x = np.sort(rng.uniform(100, 7900, 51))
        y_line = np.where(x < 4000, 0.0, (x - 4000) / 4)
        side = np.where(np.arange(51) % 2 == 0, -1.0, 1.0) * rng.uniform(20, 300, 51)
        t = np.concatenate([[rng.uniform(0, 1e6)], rng.uniform(100, 600, 50)]).cumsum()
        route = Trajectory(t, np.column_stack([x, y_line + side]))
        r = fence.observe(route, i, Draws.of([11, i]))
        alarms += len(r)
        crossings += 50
    rate, tol = binomial_ok(alarms, crossings, 0.9)
    print(f"fence: {rate:.4f} vs 0.9 over {crossings} crossings (tol {tol:.4f})")
    assert abs(rate - 0.9) < tol


def test_fence_two_crossings_two_independent_chances():
    """A route that crosses the line and comes back: 0, 1, 2 alarms with
    probabilities (1-p)², 2p(1-p), p²; chi-square over 5 000 routes."""
    p = 0.7
    fence = Fence(FenceSpec(id="fence-01", line=[(0, 0), (1000, 0)], pd=p))
    route = Trajectory(np.array([0.0, 100.0, 200.0]),
                       np.array([[400.0, -50], [500, 50], [600, -50]]))
    n = 5_000
    counts = np.bincount([len(fence.observe(route, 0, Draws.of([12, i])))
                          for i in range(n)], minlength=3)
    expected = n * np.array([(1 - p) ** 2, 2 * p * (1 - p), p * p])
    pvalue = stats.chisquare(counts, expected).pvalue
    print(f"fence twice: counts {counts.tolist()} vs {expected.round().tolist()}, p={pvalue:.3f}")
    assert pvalue > 1e-4


@pytest.mark.parametrize(("spacing_m", "radius_m"), [(100.0, 30.0), (50.0, 30.0)])
def test_line_of_seismic_sensors_detects_min_1_2r_over_s(spacing_m, radius_m):
    """Sensors of radius r every s metres on a line, straight perpendicular crossings
    at uniform offsets, a (nearly) continuous chance with pd = 1: P = min(1, 2r/s)
    (DOMAIN §2.3). Looks every 0.5 s at 1.2 m/s can miss only chords under 0.6 m,
    i.e. offsets within 1.5 mm of r: a bias under 1e-4."""
    sensors = [Seismic(SeismicSpec(id=f"seismic-{k}", position_m=(k * spacing_m, 0.0),
                                   radius_m=radius_m, revisit_s=0.5, pd=1.0))
               for k in range(-1, 3)]
    rng = np.random.default_rng(13)
    n, hits = 4_000, 0
    for i in range(n):
        x = rng.uniform(0, spacing_m)
        traj = straight((x, -100.0), (x, 100.0), 1.2, rng.uniform(0, 1e5))
        hits += any(len(s.observe(traj, i, Draws.of([13, i, k])))
                    for k, s in enumerate(sensors))
    want = min(1.0, 2 * radius_m / spacing_m)
    rate, tol = binomial_ok(hits, n, want)
    print(f"seismic line r={radius_m} s={spacing_m}: {rate:.4f} vs {want:.4f} over {n}")
    assert abs(rate - want) < tol + 1e-3


def test_seismic_discrete_chances_match_the_lateral_range_integral():
    """pd = 0.7 per chance, a chance every 10 s, crossing at 1.2 m/s: a crossing at
    offset x spends τ(x) = 2 sqrt(r² - x²)/u inside, and with a random clock phase gets
    ⌊τ/T⌋ or ⌊τ/T⌋+1 chances (the latter with probability frac(τ/T)). Averaged over
    uniform offsets in [0, s): P = (1/s) ∫ 1 - E[(1-pd)^N(x)] dx."""
    r, s, u, period, pd = 30.0, 100.0, 1.2, 10.0, 0.7
    sensor = Seismic(SeismicSpec(id="seismic-1", position_m=(0.0, 0.0), radius_m=r,
                                 revisit_s=period, pd=pd))
    rng = np.random.default_rng(14)
    n, hits = 10_000, 0
    for i in range(n):
        x = rng.uniform(-s / 2, s / 2)
        traj = straight((x, -100.0), (x, 100.0), u, rng.uniform(0, 1e5))
        hits += len(sensor.observe(traj, i, Draws.of([14, i]))) > 0
    xs = np.linspace(0, r, 200_001)
    tau = 2 * np.sqrt(np.maximum(r * r - xs * xs, 0)) / u / period
    k, frac = np.floor(tau), tau - np.floor(tau)
    lateral = 1 - ((1 - frac) * (1 - pd) ** k + frac * (1 - pd) ** (k + 1))
    want = 2 * np.trapezoid(lateral, xs) / s
    rate, tol = binomial_ok(hits, n, want)
    print(f"seismic chances: {rate:.4f} vs {want:.4f} over {n} crossings")
    assert abs(rate - want) < tol


@pytest.mark.parametrize("range_m", [300.0, 1000.0, 1500.0, 2000.0, 2500.0])
def test_radar_pd_per_scan_follows_the_range_law(range_m):
    """A target standing at range R for 5 000 scans: fraction detected ≈ Pd(R)."""
    radar = Radar(RadarSpec(id="radar-1", position_m=(0, 0), pd_at_1km=0.9, revisit_s=2,
                            min_speed_mps=0.0))
    n = 5_000
    r = radar.observe(parked((range_m * 0.6, range_m * 0.8), 2.0 * n), 0,
                      Draws.of(15))
    want = 0.9 ** ((range_m / 1000) ** 4)
    rate, tol = binomial_ok(len(r), n, want)
    print(f"radar R={range_m:.0f}: {rate:.4f} vs {want:.4f} over {n} scans")
    assert abs(rate - want) < tol


@pytest.mark.parametrize("depth_m", [20.0, 60.0])
def test_radar_pd_through_foliage(depth_m):
    """Behind ``depth`` m of forest (foliage 0.8): Pd(R) · exp(-0.8 depth / 30 m)."""
    terrain = Terrain(SegmentSpec(border=[(0, 0), (10_000, 0)], zones=[
        {"kind": "forest", "polygon": [(500, -500), (500 + depth_m, -500),
                                       (500 + depth_m, 500), (500, 500)], "foliage": 0.8}]))
    radar = Radar(RadarSpec(id="radar-1", position_m=(0, 0), pd_at_1km=0.9, revisit_s=2,
                            min_speed_mps=0.0), terrain)
    n = 5_000
    r = radar.observe(parked((800.0, 0.0), 2.0 * n), 0, Draws.of(16))
    want = 0.9 ** (0.8**4) * np.exp(-0.8 * depth_m / 30.0)
    rate, tol = binomial_ok(len(r), n, want)
    print(f"radar through {depth_m:.0f} m forest: {rate:.4f} vs {want:.4f} over {n} scans")
    assert abs(rate - want) < tol


@pytest.mark.parametrize(("range_m", "night"), [(800.0, False), (2000.0, False),
                                                (2900.0, False), (800.0, True)])
def test_camera_pd_per_look_follows_the_ttpf(range_m, night):
    """A target standing at range R: fraction of looks detecting ≈ TTPF(r50/R); at
    night a day camera's r50 shrinks by night_range_factor = 0.3."""
    # a clock that is day (or night) for all but one minute of the day
    daylight = (Daylight(dt.datetime(2026, 6, 1), "23:59", "00:00") if night
                else Daylight(dt.datetime(2026, 6, 1), "00:00", "23:59"))
    spec = CameraSpec(id="camera-1", position_m=(0, 0), heading_deg=90, fov_deg=60,
                      r50_m=2000, max_range_m=3000, revisit_s=5, thermal=False)
    cam = Camera(spec, None, daylight)
    n = 5_000
    r = cam.observe(parked((0.0, range_m), 5.0 * n), 0, Draws.of(17))
    want = float(ttpf(np.array([2000 * (0.3 if night else 1.0) / range_m]))[0])
    rate, tol = binomial_ok(len(r), n, want)
    print(f"camera R={range_m:.0f} night={night}: {rate:.4f} vs {want:.4f} over {n} looks")
    assert abs(rate - want) < tol


def _nuisance_sensors():
    kw = {"nuisance_per_day": 4.0}
    return [
        Fence(FenceSpec(id="fence-1", line=[(0, 0), (5000, 0)], **kw)),
        Radar(RadarSpec(id="radar-1", position_m=(0, 0), fov_deg=120, **kw)),
        Camera(CameraSpec(id="camera-1", position_m=(0, 0), **kw)),
        Seismic(SeismicSpec(id="seismic-1", position_m=(0, 0), **kw)),
        Patrol(PatrolSpec(id="patrol-1", route=[(0, 0), (3000, 0)], shifts=[
            ShiftSpec(start="00:00", end="00:00")], **kw), None, 6 * 86_400.0),
    ]


@pytest.mark.parametrize("sensor", _nuisance_sensors(), ids=lambda s: s.kind)
def test_nuisance_counts_are_poisson_and_times_uniform(sensor):
    """2 000 replications of 5 days at 4/day: the mean count is 20 (± 4.5 σ/√n), the
    dispersion statistic Σ(n_i - n̄)²/n̄ is χ²(N-1) for a Poisson count, and the
    pooled times are uniform on [0, 5 d) (Kolmogorov–Smirnov)."""
    duration, reps, mean = 5 * 86_400.0, 2_000, 20.0
    counts, times = [], []
    for i in range(reps):
        rng = np.random.default_rng([18, sum(map(ord, sensor.kind)), i])
        if isinstance(sensor, SectorSensor):     # radars and cameras: animals appear
            walks, _ = sensor.animals(duration, rng)
            counts.append(len(walks))
            times.append(np.array([w.start_s for w in walks]))
            continue
        rep = sensor.nuisance(duration, rng)
        counts.append(len(rep))
        times.append(rep.t_s)
        assert np.all(rep.truth == -1)
    counts_arr = np.asarray(counts, float)
    assert abs(counts_arr.mean() - mean) < Z * np.sqrt(mean / reps)
    dispersion = ((counts_arr - counts_arr.mean()) ** 2).sum() / counts_arr.mean()
    p_disp = stats.chi2.sf(dispersion, reps - 1)
    p_ks = stats.kstest(np.concatenate(times) / duration, "uniform").pvalue
    print(f"nuisance {sensor.kind}: mean {counts_arr.mean():.3f} vs {mean}, "
          f"variance/mean {counts_arr.var(ddof=1) / counts_arr.mean():.3f}, "
          f"dispersion p={p_disp:.3f}, KS p={p_ks:.3f}")
    assert 1e-4 < p_disp < 1 - 1e-4
    assert p_ks > 1e-4


def test_barrier_patrol_matches_the_random_search_formula():
    """A patrol pacing a 10 km barrier at v = 1.2 m/s around the clock for 60 days,
    cookie-cutter range r = 150 m (W = 2r); intruders cross it perpendicularly at
    u = 1.2 m/s at uniform random times and places. DOMAIN §3.2:
    P ≈ 1 - exp(-W √(u² + v²) / (u L)).

    Why it holds here: seen from the patrol, an intruder moves at √(u²+v²) and passes
    within r iff the patrol is within W √(u²+v²)/(2u) of the crossing point along the
    barrier; a uniform random time puts the back-and-forth patrol uniformly on the
    barrier, so P = W √(u²+v²)/(u L) = 0.0424 for one patrol, which the exponential
    form 0.0416 approximates to first order (the gap, 0.0009, is under 0.7 σ of the
    20 000 trials; turn-arounds at the ends add O(r/L))."""
    L, v, u, r = 10_000.0, 1.2, 1.2, 150.0
    days = 60
    patrol = Patrol(PatrolSpec(id="patrol-1", route=[(0, 0), (L, 0)], speed_mps=v,
                               detection_range_m=r, shifts=[ShiftSpec(start="00:00",
                                                                      end="00:00")]),
                    None, days * 86_400.0)
    assert len(patrol.trajectories) == 1  # one continuous duty period
    rng = np.random.default_rng(19)
    n, hits = 20_000, 0
    for i in range(n):
        x, t0 = rng.uniform(0, L), rng.uniform(86_400.0, (days - 1) * 86_400.0)
        group = straight((x, -2_000.0), (x, 2_000.0), u, t0)
        hits += len(patrol.observe(group, i, Draws.of([19, i])))
    want = 1 - np.exp(-2 * r * np.hypot(u, v) / (u * L))
    rate, tol = binomial_ok(hits, n, want)
    print(f"barrier patrol: {rate:.4f} vs {want:.4f} (linear {2*r*np.hypot(u, v)/(u*L):.4f}) "
          f"over {n} crossings")
    assert abs(rate - want) < tol


def test_patrol_contacts_match_brute_force_distances():
    """Contact intervals from the quadratic per leg pair against the distance between
    the two movers sampled every 0.5 s, for 200 random routes near the patrol."""
    patrol = Patrol(PatrolSpec(id="patrol-1", route=[(0, 0), (3000, 500), (6000, 0)],
                               speed_mps=1.5, detection_range_m=100,
                               shifts=[ShiftSpec(start="00:00", end="00:00")]),
                    None, 86_400.0)
    rng = np.random.default_rng(20)
    for _ in range(200):
        pts = np.column_stack([rng.uniform(0, 6000, 4), rng.uniform(-300, 800, 4)])
        t = np.concatenate([[rng.uniform(0, 40_000)],
                            rng.uniform(200, 2000, 3)]).cumsum()
        group = Trajectory(t, pts)
        iv = patrol.contacts(group)
        ts = np.arange(group.start_s, group.end_s, 0.5)
        near = np.hypot(*(group.position_at(ts) - patrol.position_at(ts)).T) <= 100
        inside = np.any((ts[:, None] >= iv[:, 0]) & (ts[:, None] < iv[:, 1]), axis=1)
        assert np.array_equal(near, inside) or np.all(
            np.min(np.abs(ts[near != inside][:, None] - iv.ravel()), axis=1) < 1e-6)


def test_patrol_glimpse_hazard_gives_one_minus_exp():
    """With a glimpse rate λ each contact of length τ is detected with 1 - exp(-λ τ):
    the detections over 5 000 random contacts match Σ(1 - exp(-λ τ_i)) within 4.5 σ of
    the sum of Bernoulli variances."""
    lam = 1 / 120.0
    patrol = Patrol(PatrolSpec(id="patrol-1", route=[(0, 0), (5000, 0)], speed_mps=1.2,
                               detection_range_m=150, glimpse_rate_per_s=lam,
                               shifts=[ShiftSpec(start="00:00", end="00:00")]),
                    None, 30 * 86_400.0)
    rng = np.random.default_rng(21)
    hits, p_sum, var_sum, n = 0, 0.0, 0.0, 0
    while n < 5_000:
        # aim each group at the patrol so that most make contact
        speed, t_meet = rng.uniform(0.2, 1.5), rng.uniform(86_400.0, 28 * 86_400.0)
        x = patrol.position_at(t_meet)[0] + rng.uniform(-300, 300)
        group = straight((x, -1000.0), (x + rng.uniform(-500, 500), 1000.0), speed,
                         t_meet - 1000.0 / speed)
        iv = patrol.contacts(group)
        if not len(iv):
            continue
        p = 1 - np.exp(-lam * (iv[:, 1] - iv[:, 0]))
        hits += len(patrol.observe(group, n, Draws.of([21, n])))
        p_sum += p.sum()
        var_sum += (p * (1 - p)).sum()
        n += len(iv)
    print(f"glimpse hazard: {hits} detections vs {p_sum:.1f} expected over {n} contacts")
    assert abs(hits - p_sum) < Z * np.sqrt(var_sum)
