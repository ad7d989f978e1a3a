"""Sensor and patrol models against closed forms and published curves.

Every expected value is written here from its source (cited), never taken from the
code under test. Every tolerance comes from the number of trials: a Bernoulli rate
estimated from n trials has standard error sqrt(p (1 - p) / n); we accept
|p̂ - p| < Z·SE with Z = 4.5 (a false failure about once in 150 000 runs per check).
Seeds are fixed, so a run is reproducible; the tolerances say why the numbers are
right, not the seeds.

Each check is a function ``check_*`` that raises AssertionError; the tests call them,
and `test_each_model_constant_is_pinned_by_a_check` changes each model constant in
`PERTURBATIONS` (the documented list) and shows that its check then fails — a check
that still passed would test nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats

import sensors.camera as camera_mod
import sensors.common as common_mod
import sensors.patrol as patrol_mod
import sensors.radar as radar_mod
import sensors.seismic as seismic_mod
from sensors.camera import Camera
from sensors.common import FloatArray, NuisanceProfile
from sensors.dragroad import DragRoad
from sensors.fence import Fence
from sensors.patrol import Patrol
from sensors.pir import Pir
from sensors.radar import Radar
from sensors.seismic import Seismic
from sim.engine import run_replication
from sim.ground.daylight import Daylight
from sim.ground.events import ReportReceived
from sim.ground.keyed import Draws
from sim.ground.specs import (
    CameraSpec,
    DragRoadSpec,
    FenceSpec,
    PatrolSpec,
    PirSpec,
    RadarSpec,
    SegmentSpec,
    SeismicSpec,
    ShiftSpec,
)
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory
from sim.rng import RandomStreams
from sim.scenario import parse_scenario

pytestmark = pytest.mark.slow
Z = 4.5
ALL_DAY = [ShiftSpec(start="00:00", end="00:00")]


def within(hits: float, n: int, p: float, label: str) -> None:
    """Assert the rate ``hits / n`` is within Z standard errors of ``p``."""
    rate, tol = hits / n, Z * np.sqrt(max(p * (1 - p), 1e-12) / n)
    print(f"{label}: {rate:.4f} vs {p:.4f} over {n} (tol {tol:.4f})")
    assert abs(rate - p) < tol, f"{label}: {rate:.4f} vs {p:.4f} (tol {tol:.4f})"


def straight(p0, p1, speed_mps, t0_s):
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    return Trajectory(np.array([t0_s, t0_s + np.hypot(*(p1 - p0)) / speed_mps]),
                      np.vstack([p0, p1]))


def parked(xy, duration_s, t0_s=0.0):
    return Trajectory(np.array([t0_s, t0_s + duration_s]),
                      np.vstack([xy, xy]).astype(float))


# ------------------------------------------------------------------ line sensors


def test_fence_detects_a_fraction_pd_of_crossings():
    """6 000 crossings of a bent fence at random places and angles (zig-zag routes
    whose legs each cross the line exactly once): alarms / crossings ≈ pd = 0.9."""
    fence = Fence(FenceSpec(id="fence-01", line=[(0, 0), (4000, 0), (8000, 1000)], pd=0.9))
    rng = np.random.default_rng(11)
    alarms, crossings = 0, 0
    for i in range(120):
        x = np.sort(rng.uniform(100, 7900, 51))
        y_line = np.where(x < 4000, 0.0, (x - 4000) / 4)
        side = np.where(np.arange(51) % 2 == 0, -1.0, 1.0) * rng.uniform(20, 300, 51)
        t = np.concatenate([[rng.uniform(0, 1e6)], rng.uniform(100, 600, 50)]).cumsum()
        alarms += len(fence.observe(Trajectory(t, np.column_stack([x, y_line + side])), i,
                                    Draws.of([11, i])))
        crossings += 50
    within(alarms, crossings, 0.9, "fence")


def test_fence_two_crossings_two_independent_chances():
    """A route that crosses the line and comes back: 0, 1, 2 alarms with
    probabilities (1-p)², 2p(1-p), p²; chi-square over 3 000 routes."""
    p = 0.7
    fence = Fence(FenceSpec(id="fence-01", line=[(0, 0), (1000, 0)], pd=p))
    route = Trajectory(np.array([0.0, 100.0, 200.0]),
                       np.array([[400.0, -50], [500, 50], [600, -50]]))
    n = 3_000
    counts = np.bincount([len(fence.observe(route, 0, Draws.of([12, i])))
                          for i in range(n)], minlength=3)
    expected = n * np.array([(1 - p) ** 2, 2 * p * (1 - p), p * p])
    assert stats.chisquare(counts, expected).pvalue > 1e-4


#: Three layers on one straight path (`check_independent_layers`): a fence (pd 0.5)
#: with a microwave link (0.4) along it on the same line, and a buried fibre (0.6 per
#: pass) 100 m behind; groups of one walk from the border at x = 1 km straight north.
LAYERS = {
    "schema": 1, "name": "layers", "duration": "20d", "start": "2026-06-01T00:00:00",
    "segment": {"border": [[0, 0], [2000, 0]], "depth_m": 600},
    "crossings": {"groups_per_day": 200, "hourly_profile": [1] * 24,
                  "group_size": {"min": 1, "max": 1},
                  "speed": {"mean_mps": 1.2, "sd_mps": 0.0, "min_mps": 0.5},
                  "entry": {"from_m": 1000, "to_m": 1000}, "destinations": [[1000, 500]],
                  "waypoints": 0, "route_spread_m": 0,
                  "reaction": {"p_hide": 0, "p_turn_back": 0, "p_run": 0}},
    "sensors": [
        {"kind": "fence", "id": "fence-1", "line": [[0, 200], [2000, 200]], "pd": 0.5,
         "delay_s": 0, "nuisance_per_day": 0},
        {"kind": "microwave", "id": "microwave-1", "tx_m": [800, 200], "rx_m": [1200, 200],
         "pd": 0.4, "nuisance_per_day": 0},
        {"kind": "fibre", "id": "fibre-1", "line": [[0, 300], [2000, 300]], "pd": 0.6,
         "nuisance_per_day": 0},
    ],
    "comms": {"default": {"latency_s": 0, "jitter_s": 0, "loss": 0}},
}


def check_independent_layers(seed: int = 40) -> None:
    """Three layers (`LAYERS`), each with the stream the engine derives for it, are
    independent: a crossing is detected by at least one with 1 − Π(1 − Pᵢ) =
    1 − 0.5·0.4·0.6 = 0.88 [NSSPI-sensing] (DOMAIN §2.3). One replication of 20 days
    at 200 a day: about 4,000 crossings, tolerance 4.5 SE = 0.023. Detected by a layer:
    a report of that layer about the group reached the node (no loss, no latency, no
    nuisance; not the ``detected`` KPI, which asks for an alert on a track).

    The run goes through `sim.engine.run_replication`, so the draws are the ones
    `sim.world` derives per sensor and mover (``sensor/<id>/detect/<mover>``). Line
    sensors key their draws by the crossing time (µs), so two sensors sharing one
    stream draw the same uniforms only where they are crossed at the same instant:
    with the microwave link in depth too, a stream shared by all three passes
    (0.879–0.886 in five seeds). Hence the link runs along the fence line: the two are
    crossed at once, and a stream shared between sensors gives both the same uniform,
    1 − 0.5·0.4 = 0.80 (0.802–0.806 in five seeds, about 15 SE below 0.88)."""
    res = run_replication(parse_scenario(LAYERS), seed)
    seen: dict[str, set[int]] = {"fence-1": set(), "microwave-1": set(), "fibre-1": set()}
    for r in res.records:
        if isinstance(r, ReportReceived) and r.truth >= 0:
            seen[r.sensor].add(r.truth)
    n = int(res.kpis["crossings"])
    assert n > 3_500
    within(len(set().union(*seen.values())), n, 1 - 0.5 * 0.4 * 0.6,
           "independent layers: detected by at least one")


def test_independent_layers_combine_as_one_minus_the_product():
    check_independent_layers()


def _one_detect_stream_for_all_sensors(m: pytest.MonkeyPatch) -> None:
    """The engine's stream derivation with the sensor id dropped: every sensor of a
    mover draws from ``sensor/all/detect/<mover>``."""
    draws = RandomStreams.draws

    def shared(self: RandomStreams, name: str) -> Draws:
        part = name.split("/")
        if part[0] == "sensor" and len(part) > 3 and part[2] == "detect":
            name = "/".join(["sensor", "all", *part[2:]])
        return draws(self, name)

    m.setattr(RandomStreams, "draws", shared)


def check_line_of_point_sensors(spacing_m: float, radius_m: float, size: int = 1,
                                n: int = 2_000) -> None:
    """Seismic sensors of radius r every s metres on a line, perpendicular crossings at
    uniform offsets, a (nearly) continuous chance with pd = 1: P = min(1, 2r/s)
    (DOMAIN §2.3), with a group of n walkers heard within r·n^¼ (the documented group
    law of `sensors.seismic`). Looks every 0.5 s at 1.2 m/s can miss only chords under
    0.6 m: a bias under 1e-3."""
    sensors = [Seismic(SeismicSpec(id=f"seismic-{k}", position_m=(k * spacing_m, 0.0),
                                   radius_m=radius_m, revisit_s=0.5, pd=1.0))
               for k in range(-1, 3)]
    rng = np.random.default_rng(13)
    hits = 0
    for i in range(n):
        x = rng.uniform(0, spacing_m)
        walk = straight((x, -100.0), (x, 100.0), 1.2, rng.uniform(0, 1e5))
        hits += any(len(s.observe(walk, i, Draws.of([13, i, k]), size=size))
                    for k, s in enumerate(sensors))
    want = min(1.0, 2 * radius_m * size**0.25 / spacing_m)
    within(hits, n, want, f"seismic line r={radius_m} s={spacing_m} size={size}")


# s = 70 m, not 50 m: at P = 1 a larger radius cannot show (a mutation audit); 5,000
# crossings: tolerance 4.5 SE = 0.031 at P = 0.6, so a radius 10 % off fails
@pytest.mark.parametrize(("spacing_m", "radius_m", "size"),
                         [(100.0, 30.0, 1), (70.0, 30.0, 1), (200.0, 30.0, 4)])
def test_line_of_point_sensors_detects_min_1_2r_over_s(spacing_m, radius_m, size):
    check_line_of_point_sensors(spacing_m, radius_m, size, 5_000)


def test_seismic_discrete_chances_match_the_lateral_range_integral():
    """pd = 0.7 per chance, a chance every 10 s, crossing at 1.2 m/s: a crossing at
    offset x spends τ(x) = 2 sqrt(r² - x²)/u inside, and with a random clock phase gets
    ⌊τ/T⌋ or ⌊τ/T⌋+1 chances (the latter with probability frac(τ/T)). Averaged over
    uniform offsets in [0, s): P = (1/s) ∫ 1 - E[(1-pd)^N(x)] dx (the lateral-range
    integral, DOMAIN §2.3)."""
    r, s, u, period, pd = 30.0, 100.0, 1.2, 10.0, 0.7
    sensor = Seismic(SeismicSpec(id="seismic-1", position_m=(0.0, 0.0), radius_m=r,
                                 revisit_s=period, pd=pd))
    rng = np.random.default_rng(14)
    n, hits = 4_000, 0
    for i in range(n):
        x = rng.uniform(-s / 2, s / 2)
        walk = straight((x, -100.0), (x, 100.0), u, rng.uniform(0, 1e5))
        hits += len(sensor.observe(walk, i, Draws.of([14, i]))) > 0
    xs = np.linspace(0, r, 200_001)
    tau = 2 * np.sqrt(np.maximum(r * r - xs * xs, 0)) / u / period
    k, frac = np.floor(tau), tau - np.floor(tau)
    lateral = 1 - ((1 - frac) * (1 - pd) ** k + frac * (1 - pd) ** (k + 1))
    within(hits, n, 2 * np.trapezoid(lateral, xs) / s, "seismic chances")


def test_drag_road_finds_min_1_tau_over_t_of_crossings_hours_later():
    """Inspections every T = 12 h, sign readable τ = 6 h, recognised with 0.9:
    P = min(1, τ/T) · 0.9 = 0.45 (DOMAIN §3.2); the sign found is uniformly 0 … τ old,
    so its mean age is τ/2 = 3 h (standard error τ/√12/√k for k found)."""
    road = DragRoad(DragRoadSpec(id="dragroad-1", line=[(0, 0), (5000, 0)],
                                 pass_every_s=43_200, sign_life_s=21_600, pd=0.9))
    rng = np.random.default_rng(41)
    n, ages = 3_000, []
    for i in range(n):
        x, t0 = rng.uniform(100, 4900), rng.uniform(0, 30 * 86_400)
        walk = straight((x, -50.0), (x, 50.0), 1.0, t0)
        rep = road.observe(walk, i, Draws.of([41, i]))
        ages += list(rep.t_s - (t0 + 50.0))
    within(len(ages), n, 0.45, "drag road")
    se = 21_600 / np.sqrt(12 * len(ages))
    assert abs(np.mean(ages) - 10_800) < Z * se


# -------------------------------------------------------------------------- radar


def check_radar_swerling(range_m: float, n: int = 3_000) -> None:
    """A person (0.5 m²) standing at range R, n scans: the fraction detected is the
    Swerling I Pd = Pfa^(1/(1+SNR)) (Swerling 1960; Skolnik, *Introduction to Radar
    Systems*, 3rd ed., §2.8) with the radar equation's SNR = SNR₁ₖₘ·σ·(1 km/R)⁴
    (DOMAIN §2.3)."""
    radar = Radar(RadarSpec(id="radar-1", position_m=(0, 0), snr_1km_db=34.4, pfa=1e-6,
                            person_rcs_m2=0.5, revisit_s=2, min_speed_mps=0.0))
    rep = radar.observe(parked((range_m * 0.6, range_m * 0.8), 2.0 * n), 0, Draws.of(15))
    snr = 10 ** 3.44 * 0.5 * (1000.0 / range_m) ** 4
    within(len(rep), n, 1e-6 ** (1 / (1 + snr)), f"radar R={range_m:.0f}")


@pytest.mark.parametrize("range_m", [1500.0, 3000.0, 4000.0])
def test_radar_pd_per_scan_follows_the_radar_equation(range_m):
    check_radar_swerling(range_m)


def check_fixed_sight_lines(depth_m: float = 25.0, seed: int = 16) -> None:
    """A radar at the origin behind a forest strip (x from 500 m to 500 m + ``depth``,
    foliage 0.8), persons standing at 10,000 spots of a 100 × 100 grid 20 m apart
    (x 1,005 … 2,985 m, y −995 … 985 m), 10 scans each. Every spot is seen on all or
    none of its scans (trees do not move), and the share of open spots is the
    Beer–Lambert transmittance exp(−0.8·d/cos θ / 30 m) averaged over the spots
    (cos θ = x/r; L = 30 m: 100 m of forest → 0.07 [Forest-radar]), here 0.496.

    Independent spots: the sight-line field interpolates keyed normals at the corners of
    10 m cells (`sensors.common.SIGHT_CELL_M`); spots 20 m apart, each in the middle of
    its cell, share no corner. A moderate share is what makes the check sharp: with
    n = 10,000 the tolerance 4.5 SE is 0.0225, while a foliage length 20 % too long or
    too short moves the share by +0.061 or −0.065 (mean of T^(1/1.2), of T^1.2), 12–13
    SE; the old 40 m strip behind one row of 500 spots (share 0.107, tolerance 0.062)
    let a length 1.2× off either way pass (a mutation audit).

    snr_1km_db = 130, so that the per-scan Pd is 1 − 3e-10 at the farthest spot (3.1
    km) and "seen on some scans only" can come from the sight lines alone. The radar's
    Swerling I fluctuation is drawn anew every scan (`sensors.radar`, by design): at
    90 dB the miss per scan is 3e-6 at 3.1 km and 8e-5 at 7.4 km, so the ~5·10⁴ looks
    at open spots here, or the ~10⁴ at 6–8 km of an earlier attempt (open spots 5–6 km
    out and beyond), now and then see an open spot on all scans but one — the
    fluctuation missing a scan, not a sight line that changed."""
    terrain = Terrain(SegmentSpec(border=[(0, 0), (10_000, 0)], zones=[
        {"kind": "forest", "polygon": [(500, -6000), (500 + depth_m, -6000),
                                       (500 + depth_m, 6000), (500, 6000)], "foliage": 0.8}]))
    radar = Radar(RadarSpec(id="radar-1", position_m=(0, 0), snr_1km_db=130.0, revisit_s=2,
                            phase_s=1.0, min_speed_mps=0.0, max_range_m=8000), terrain,
                  draws=Draws.of(seed))
    gx, gy = np.meshgrid(1005.0 + 20.0 * np.arange(100), -995.0 + 20.0 * np.arange(100))
    spots = np.column_stack([gx.ravel(), gy.ravel()])
    want = np.exp(-0.8 * depth_m * np.hypot(spots[:, 0], spots[:, 1]) / spots[:, 0] / 30.0)
    seen = np.array([len(radar.observe(parked(xy, 20.0), 0, Draws.of([seed, i])))
                     for i, xy in enumerate(spots)])
    assert set(np.unique(seen)) <= {0, 10}, "a spot seen on some scans but not others"
    within(int((seen > 0).sum()), len(spots), float(want.mean()),
           f"sight lines through {depth_m:.0f} m forest")


def test_a_walker_at_one_spot_in_forest_is_seen_on_all_or_none_of_the_looks():
    check_fixed_sight_lines()


# ------------------------------------------------------------------------- camera

# Johnson geometry (DOMAIN §2.3): N = D·f/(R·p) pixels; D = 0.75 m, f = 100 mm,
# p = 12 µm; detection N50 = 1.5 px. TTPF (NVESD, DOMAIN §2.3):
# P∞ = x^E / (1 + x^E), E = 2.7 + 0.7 x, x = N / N50. Time-limited search (NVESD TLS):
# P(t) = P∞ (1 − exp(−t/τ)), τ = 3.4 s / P∞.


def published_p_inf(range_m: float) -> float:
    x = 0.75 * 0.100 / (range_m * 12e-6) / 1.5
    e = 2.7 + 0.7 * x
    return x**e / (1 + x**e)


def published_p_dwell(range_m: float, dwell_s: float) -> float:
    p_inf = published_p_inf(range_m)
    return p_inf * (1 - np.exp(-dwell_s * p_inf / 3.4))


def _camera() -> Camera:
    return Camera(CameraSpec(id="camera-1", position_m=(0, 0), heading_deg=90, fov_deg=60,
                             focal_length_mm=100, pixel_pitch_um=12, target_m=0.75,
                             max_range_m=10_000, revisit_s=5, phase_s=0.0))


def check_camera_p_range(range_m: float, dwell_s: float = 600.0, n: int = 1_500) -> None:
    """n persons each standing in view at range R for ``dwell`` s (one exposure each):
    the share detected is the published P(t) (TTPF and TLS above). The exposure starts
    just after a look, so it holds dwell/5 s looks, each closing 5 s of search."""
    cam = _camera()
    hits = sum(len(cam.observe(parked((0.0, range_m), dwell_s, t0_s=1e-3 + 10 * i), 0,
                               Draws.of([17, i]))) > 0 for i in range(n))
    within(hits, n, published_p_dwell(range_m, dwell_s), f"camera R={range_m:.0f} "
           f"dwell={dwell_s:.0f}")


@pytest.mark.parametrize("range_m", [2000.0, 4000.0, 6000.0])
def test_camera_p_range_follows_the_ttpf(range_m):
    check_camera_p_range(range_m)


def check_camera_dwell(n: int = 1_500) -> None:
    """At 4 km (P∞ ≈ 0.52): after 5, 15 and 40 s in view the cumulative P(t) follows
    P∞(1 − exp(−t/τ)); after an hour in view it is still P∞ — never above it (looks
    are not independent trials)."""
    # the single look of 5 s over 10,000 persons (tolerance 0.022): it pins the
    # time-limited search's tau, which +20 % passed at 1,500 (a mutation audit)
    for dwell in (5.0, 15.0, 40.0, 3600.0):
        check_camera_p_range(4000.0, dwell, {5.0: 10_000, 3600.0: 600}.get(dwell, n))
    assert published_p_dwell(4000.0, 3600.0) <= published_p_inf(4000.0)


def test_camera_cumulative_detection_over_a_dwell_never_exceeds_p_inf():
    check_camera_dwell()


# ------------------------------------------------------------------------ patrols


def check_barrier_patrol(n: int = 120_000, L: float = 20_000.0) -> None:
    """A foot patrol pacing a barrier of L = 20 km at v = 1.2 m/s around the clock,
    intruders crossing it perpendicularly at u = 1.2 m/s at uniform times and places;
    Rd = 150 m, medium visibility: sweep width W = 1.6·Rd = 240 m [Koester-2014].
    Washburn's barrier patrol (DOMAIN §3.2; *Search and Detection*, barrier patrols):
    relative to the patrol the intruder moves at √(u²+v²), so with a random phase
    P = W√(u²+v²)/(uL) = 0.01697 for this back-and-forth patrol (the exponential form
    of DOMAIN §3.2 is its first-order approximation). Turnarounds at the ends change
    it by O(W/L), 1.2 % here (at L = 4 km the simulation sat 3.8 % below the formula,
    which hid sweep widths 20 % off); n = 120,000 makes the tolerance 4.5 SE = 0.0017,
    10 % of P, and a sweep width 15 % off either way fails (checked by mutation)."""
    v, u, rd = 1.2, 1.2, 150.0
    days = 10
    patrol = Patrol(PatrolSpec(id="patrol-1", route=[(0, 0), (L, 0)], speed_mps=v,
                               detection_range_m=rd, visibility="medium", shifts=ALL_DAY),
                    None, days * 86_400.0)
    rng = np.random.default_rng(19)
    hits = 0
    for i in range(n):
        x, t0 = rng.uniform(0, L), rng.uniform(3_600.0, (days - 1) * 86_400.0)
        hits += len(patrol.observe(straight((x, -1_000.0), (x, 1_000.0), u, t0), i,
                                   Draws.of([19, i]))) > 0
    within(hits, n, 1.6 * rd * np.hypot(u, v) / (u * L), "barrier patrol")


def test_barrier_patrol_matches_washburn():
    check_barrier_patrol()


def check_koopman_random_search(n: int = 5_000) -> None:
    """A patrol searching a 2 km × 2 km square at random (mode area) for 80 000 s at
    1 m/s (track L = 80 km), sweep width W = 1.6·Rd = 50 m [Koester-2014], and a group
    hiding still at a uniform point (at least W/2 from the edges). Koopman's random
    search (DOMAIN §3.1): P = 1 − exp(−W·L/A) = 1 − exp(−1) = 0.632. Each trial its own
    search path. n = 5,000: tolerance 4.5 SE = 0.031 (a sweep width about 9 % off);
    with n = 600 a mutation audit found 12-19 % passed, 15 % now fails either way."""
    side, v, duration = 2_000.0, 1.0, 80_000.0
    spec = PatrolSpec(id="patrol-1", mode="area", route=[(0, 0), (1, 0)],
                      area=[(0, 0), (side, 0), (side, side), (0, side)], speed_mps=v,
                      detection_range_m=50 / 1.6, visibility="medium", shifts=ALL_DAY)
    rng = np.random.default_rng(42)
    hits = 0
    for i in range(n):
        patrol = Patrol(spec, None, duration, Draws.of([42, i]))
        spot = rng.uniform(25.0, side - 25.0, 2)
        hits += len(patrol.observe(parked(spot, duration), i, Draws.of([43, i]))) > 0
    within(hits, n, 1 - np.exp(-50 * v * duration / side**2), "Koopman random search")


def test_random_search_matches_koopman():
    check_koopman_random_search()


def test_patrol_contacts_match_brute_force_distances():
    """Contact intervals from the quadratic per leg pair against the distance between
    the two movers sampled every 0.5 s, for 100 random routes near the patrol."""
    patrol = Patrol(PatrolSpec(id="patrol-1", route=[(0, 0), (3000, 500), (6000, 0)],
                               speed_mps=1.5, detection_range_m=125, visibility="medium",
                               shifts=ALL_DAY), None, 86_400.0)
    rng = np.random.default_rng(20)
    for _ in range(100):
        pts = np.column_stack([rng.uniform(0, 6000, 4), rng.uniform(-300, 800, 4)])
        t = np.concatenate([[rng.uniform(0, 40_000)], rng.uniform(200, 2000, 3)]).cumsum()
        group = Trajectory(t, pts)
        iv = patrol.contacts(group)
        ts = np.arange(group.start_s, group.end_s, 0.5)
        # radius W/2 = 1.6 · 125 / 2 = 100 m
        near = np.hypot(*(group.position_at(ts) - patrol.position_at(ts)).T) <= 100
        inside = np.any((ts[:, None] >= iv[:, 0]) & (ts[:, None] < iv[:, 1]), axis=1)
        assert np.array_equal(near, inside) or np.all(
            np.min(np.abs(ts[near != inside][:, None] - iv.ravel()), axis=1) < 1e-6)


def test_patrol_glimpse_hazard_gives_one_minus_exp():
    """With a glimpse rate λ each contact of length τ is detected with 1 - exp(-λ τ)
    [SARBayes]: the detections over 1 500 random contacts match Σ(1 - exp(-λ τ_i))
    within 4.5 σ of the sum of Bernoulli variances."""
    lam = 1 / 120.0
    patrol = Patrol(PatrolSpec(id="patrol-1", route=[(0, 0), (5000, 0)], speed_mps=1.2,
                               detection_range_m=150, glimpse_rate_per_s=lam,
                               shifts=ALL_DAY), None, 30 * 86_400.0)
    rng = np.random.default_rng(21)
    hits, p_sum, var_sum, n = 0, 0.0, 0.0, 0
    while n < 1_500:
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
    assert abs(hits - p_sum) < Z * np.sqrt(var_sum)


# ----------------------------------------------------------------------- nuisance


class Weather(Daylight):
    """A clock with sunrise 05:00, sunset 21:00 and, through the conditions interface,
    wind ``wind`` m/s and rain on the days listed in ``rainy``."""

    def __init__(self, wind: float = 0.0, rainy: tuple[int, ...] = ()) -> None:
        super().__init__(dt.datetime(2026, 6, 1), "05:00", "21:00")
        self._wind, self._rainy = wind, rainy

    def wind_mps(self, t_s):  # noqa: ANN001, ANN201
        return np.full(np.shape(t_s), self._wind)

    def weather(self, t_s):  # noqa: ANN001, ANN201
        day = np.floor(np.asarray(t_s, float) / 86_400.0).astype(int)
        return np.where(np.isin(day, self._rainy), 1, 0).astype(np.int64)


# Hours of a day with sunrise 05:00 and sunset 21:00 in each diel class of the
# nuisance profiles (`sensors.common.Conditions.crepuscular`: within 1 h of a change
# of light): dusk and dawn 04–06 and 20–22 (4 h), day 06–20 (14 h), night 22–04 (6 h).
DUSK_DAWN_H, DAY_H, NIGHT_H = 4.0, 14.0, 6.0


def check_nuisance_profile(sensor_kind: str = "fence", reps: int = 1_000) -> None:
    """Counts per sensor-day are Poisson with mean ∫rate: the stated profile of the
    sensor class (its docstring) — fence: ×3 at dusk and dawn, ×0.5 by day, ×1 at
    night on a calm clear night rate of 4/day; wind 5 m/s adds 50 %/m/s above 3 m/s
    (×2); rain ×3. Dispersion (χ²) says Poisson; the shares of dusk-dawn, day and
    night alarms follow the hours × factors (χ²)."""
    base = 4.0
    if sensor_kind == "fence":
        factors = (3.0, 0.5, 1.0)
        wind_gain, rain = 0.5, 3.0
    else:   # PIR: sun by day, ×1 [PIR-CAT]
        factors = (3.0, 1.0, 1.0)
        wind_gain, rain = 0.5, 1.5
    diel = (DUSK_DAWN_H * factors[0] + DAY_H * factors[1] + NIGHT_H * factors[2]) / 24
    for wind, rainy, mult in ((0.0, (), 1.0), (5.0, (), 1 + wind_gain * 2),
                              (0.0, tuple(range(reps)), rain)):
        daylight = Weather(wind, rainy)
        if sensor_kind == "fence":
            sensor = Fence(FenceSpec(id="fence-1", line=[(0, 0), (5000, 0)],
                                     nuisance_per_day=base), daylight)
        else:
            sensor = Pir(PirSpec(id="pir-1", position_m=(0, 0), nuisance_per_day=base),
                         daylight)
        counts, hours = [], []
        for day in range(reps):
            rep = sensor.nuisance((day + 1) * 86_400.0,
                                  np.random.default_rng([44, wind > 0, len(rainy), day]),
                                  day * 86_400.0)
            counts.append(len(rep))
            hours.append((rep.t_s % 86_400.0) / 3600.0)
        c = np.asarray(counts, float)
        mean = base * diel * mult
        assert abs(c.mean() - mean) < Z * np.sqrt(mean / reps), (c.mean(), mean)
        dispersion = ((c - c.mean()) ** 2).sum() / c.mean()
        assert 1e-5 < stats.chi2.sf(dispersion, reps - 1) < 1 - 1e-5
        h = np.concatenate(hours)
        crep = ((h >= 4) & (h < 6)) | ((h >= 20) & (h < 22))
        day_ = (h >= 6) & (h < 20)
        observed = [crep.sum(), day_.sum(), (~crep & ~day_).sum()]
        share = np.array([DUSK_DAWN_H * factors[0], DAY_H * factors[1], NIGHT_H * factors[2]])
        assert stats.chisquare(observed, len(h) * share / share.sum()).pvalue > 1e-4


@pytest.mark.parametrize("kind", ["fence", "pir"])
def test_nuisance_counts_are_poisson_with_the_stated_time_varying_rate(kind):
    check_nuisance_profile(kind)


def test_animals_in_a_radar_sector_follow_the_stated_rate():
    """Radars and cameras see nuisance animals as movers: their number per day is
    Poisson with the calm-clear diel profile (×3, ×0.5, ×1; 4/day at night)."""
    radar = Radar(RadarSpec(id="radar-1", position_m=(0, 0), nuisance_per_day=4.0), None,
                  Weather())
    counts = np.array([len(radar.animals((d + 1) * 86_400.0, np.random.default_rng([45, d]),
                                         d * 86_400.0)[0]) for d in range(1_000)], float)
    mean = 4.0 * (DUSK_DAWN_H * 3 + DAY_H * 0.5 + NIGHT_H * 1) / 24
    assert abs(counts.mean() - mean) < Z * np.sqrt(mean / 1_000)


# ----------------------------------------------------------- the constants matter


def _foliage_length_times(factor: float) -> Callable[[FloatArray, float], FloatArray]:
    """`sensors.common.foliage_transmittance` with the foliage length ``factor`` × L."""
    def transmittance(foliage_m: FloatArray, length_m: float) -> FloatArray:
        return np.exp(-np.asarray(foliage_m, float) / (factor * length_m))
    return transmittance


#: The documented list of model constants: (name, patch, the check that pins it).
PERTURBATIONS: list[tuple[str, Callable[[pytest.MonkeyPatch], None], Callable[[], None]]] = [
    ("TTPF exponent 2.7 + 0.7x → 1.5 + 0.2x",
     lambda m: (m.setattr(camera_mod, "TTPF_E0", 1.5), m.setattr(camera_mod, "TTPF_E1", 0.2)),
     lambda: check_camera_p_range(2000.0, n=1_000)),
    ("Johnson detection N50 1.5 → 2 px",
     lambda m: m.setattr(camera_mod, "N50_PX", {**camera_mod.N50_PX, "detect": 2.0}),
     lambda: check_camera_p_range(4000.0, n=1_000)),
    ("time-limited search τ = 3.4/P∞ → 6.8/P∞",
     lambda m: m.setattr(camera_mod, "TLS_TAU_S", 6.8),
     lambda: check_camera_p_range(4000.0, 15.0, n=2_000)),
    ("radar range law R⁻⁴ → R⁻³",
     lambda m: m.setattr(radar_mod, "RANGE_EXPONENT", 3.0),
     lambda: check_radar_swerling(3000.0)),
    ("sensors of one mover share one detect stream",
     _one_detect_stream_for_all_sensors, check_independent_layers),
    ("foliage attenuation exp(−f/L) → exp(−f/1.2L)",
     lambda m: m.setattr(common_mod, "foliage_transmittance", _foliage_length_times(1.2)),
     check_fixed_sight_lines),
    ("foliage attenuation exp(−f/L) → exp(−1.2f/L)",
     lambda m: m.setattr(common_mod, "foliage_transmittance",
                         _foliage_length_times(1 / 1.2)),
     check_fixed_sight_lines),
    ("sweep width W = 1.6 Rd → 2.0 Rd (barrier)",
     lambda m: m.setattr(patrol_mod, "ESW_FACTOR", {**patrol_mod.ESW_FACTOR, "medium": 2.0}),
     check_barrier_patrol),
    ("sweep width W = 1.6 Rd → 1.1 Rd (random search)",
     lambda m: m.setattr(patrol_mod, "ESW_FACTOR", {**patrol_mod.ESW_FACTOR, "medium": 1.1}),
     check_koopman_random_search),
    ("seismic group radius n^¼ → n^½",
     lambda m: m.setattr(seismic_mod, "GROUP_RADIUS_EXPONENT", 0.5),
     lambda: check_line_of_point_sensors(200.0, 30.0, 4)),
    ("fence nuisance at dusk and dawn ×3 → ×2",
     lambda m: m.setattr(Fence, "NUISANCE", NuisanceProfile(
         dusk_dawn=2.0, wind_gain_per_mps=0.5, weather_factor=(1.0, 3.0, 1.0, 1.5))),
     lambda: check_nuisance_profile("fence", 500)),
]


@pytest.mark.parametrize(("name", "patch", "check"), PERTURBATIONS,
                         ids=[p[0] for p in PERTURBATIONS])
def test_each_model_constant_is_pinned_by_a_check(name, patch, check, monkeypatch):
    patch(monkeypatch)
    with pytest.raises(AssertionError):
        check()
