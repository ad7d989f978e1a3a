"""Unit tests of the sensor models: behaviour, draws, determinism, registry."""

from __future__ import annotations

import numpy as np
import pytest

from sensors import CLASSES, build_sensor
from sensors.camera import Camera, ttpf
from sensors.fence import Fence
from sensors.patrol import Patrol, back_and_forth, duty_periods
from sensors.radar import Radar
from sensors.seismic import Seismic
from sim.ground.keyed import Draws
from sim.ground.routes import Barrier, timed_route
from sim.ground.specs import (
    AcousticSpec,
    CameraSpec,
    DragRoadSpec,
    FenceSpec,
    FibreSpec,
    MicrowaveSpec,
    PatrolSpec,
    PirSpec,
    RadarSpec,
    SegmentSpec,
    SeismicSpec,
    ShiftSpec,
)
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory


def straight(p0, p1, speed_mps=1.0, t0_s=0.0) -> Trajectory:
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    return Trajectory(np.array([t0_s, t0_s + np.hypot(*(p1 - p0)) / speed_mps]),
                      np.vstack([p0, p1]))


def parked(xy, t0_s=0.0, t1_s=10_000.0) -> Trajectory:
    return Trajectory(np.array([t0_s, t1_s]), np.vstack([xy, xy]).astype(float))


SPECS = [
    FenceSpec(id="fence-01", line=[(0, 0), (1000, 0), (2000, 100)]),
    RadarSpec(id="radar-01", position_m=(500, 300), max_range_m=2000),
    CameraSpec(id="camera-01", position_m=(500, -100), heading_deg=90, fov_deg=120),
    SeismicSpec(id="seismic-01", position_m=(520, 200), radius_m=40, revisit_s=2),
    FibreSpec(id="fibre-01", line=[(0, 0), (2000, 0)], pd=1.0),
    MicrowaveSpec(id="microwave-01", tx_m=(300, 100), rx_m=(800, 100)),
    PirSpec(id="pir-01", position_m=(510, 150), fov_deg=360, range_m=24),
    AcousticSpec(id="acoustic-01", position_m=(515, 200), pd=1.0),
    DragRoadSpec(id="dragroad-01", line=[(0, 50), (2000, 50)], pass_every_s=1800,
                 sign_life_s=7200, pd=1.0),
    PatrolSpec(id="patrol-01", route=[(0, 150), (2000, 150)], detection_range_m=400,
               shifts=[ShiftSpec(start="00:00", end="00:00")]),
]


def build(spec, terrain=None, daylight=None):
    return build_sensor(spec, terrain, daylight, duration_s=2 * 86_400.0)


def crossing() -> Trajectory:
    """Walks north across y = 0 at x ≈ 500 past every sensor in SPECS, and back."""
    return Trajectory(np.array([0.0, 600.0, 1200.0, 1800.0]),
                      np.array([[500.0, -300], [520, 400], [700, 500], [560, -300]]))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: getattr(s, "kind", "patrol"))
def test_same_seed_same_reports_and_draws_for_every_look(spec, daylight):
    sensor = build(spec, daylight=daylight)
    a = sensor.observe(crossing(), 7, Draws.of(1))
    b = sensor.observe(crossing(), 7, Draws.of(1))
    assert len(a) > 0
    for field in ("t_s", "xy", "cov", "truth", "class_lik"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert np.all(np.diff(a.t_s) >= 0) and np.all(a.truth == 7)
    assert a.class_lik.shape == (len(a), len(CLASSES))
    np.testing.assert_allclose(a.cov, a.cov.transpose(0, 2, 1))
    assert np.all(np.linalg.eigvalsh(a.cov) > 0)
    # keyed draws: observing from t on gives exactly the looks after t of the whole
    # observation, so a revision at t leaves every earlier look as it was
    t_mid = float(np.median(a.t_s))
    tail = sensor.observe(crossing(), 7, Draws.of(1), start_s=t_mid)
    later = a.t_s > t_mid
    np.testing.assert_array_equal(tail.t_s, a.t_s[later])
    np.testing.assert_array_equal(tail.xy, a.xy[later])
    np.testing.assert_array_equal(tail.class_lik, a.class_lik[later])


FIELDS = ("t_s", "xy", "cov", "truth", "class_lik")


def _windows_joined(sensor, trajectory, start_s, window_s):
    """`observe_windows` checked window by window (each report after the last horizon,
    at or before its own; the last horizon infinite), then joined."""
    parts, last = [], -np.inf
    for horizon, reports in sensor.observe_windows(trajectory, 7, Draws.of(3), start_s,
                                                   2, window_s):
        assert horizon > last
        assert np.all(reports.t_s > last) and np.all(reports.t_s <= horizon)
        parts.append(reports)
        last = horizon
    assert last == np.inf
    return parts


@pytest.mark.parametrize("window_s", [30.0, 400.0, np.inf])
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: getattr(s, "kind", "patrol"))
def test_windows_give_exactly_the_reports_of_one_observation(spec, window_s, daylight,
                                                             forest_terrain):
    # a radar behind the forest strip: its sight lines are drawn per look, window by window
    sensor = build(spec, forest_terrain, daylight)
    path = Trajectory(np.array([0.0, 900.0, 2400.0, 3600.0]),
                      np.array([[500.0, -300], [1050, 400], [700, 500], [560, -300]]))
    for start_s in (-np.inf, 700.0):
        whole = sensor.observe(path, 7, Draws.of(3), start_s, 2)
        parts = _windows_joined(sensor, path, start_s, window_s)
        for field in FIELDS:
            np.testing.assert_array_equal(
                np.concatenate([getattr(p, field) for p in parts]), getattr(whole, field))
    if getattr(spec, "kind", "patrol") == "radar" and window_s == 30.0:
        assert len(whole) and len(parts) > 10        # the radar does window its looks


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: getattr(s, "kind", "patrol"))
def test_nuisance_is_deterministic_and_inside_coverage(spec, daylight):
    spec = spec.model_copy(update={"nuisance_per_day": 50.0})
    sensor = build(spec, daylight=daylight)
    a = sensor.nuisance(86_400.0, np.random.default_rng(2))
    b = sensor.nuisance(86_400.0, np.random.default_rng(2))
    np.testing.assert_array_equal(a.xy, b.xy)
    sector = getattr(spec, "kind", "patrol") in ("radar", "camera")
    if sector:
        # animals wander through the sector and are seen look after look (each ~180 s)
        assert len(a) > 50 * 10 and np.all(a.truth == -1)
    else:
        assert 20 < len(a) < 90 and np.all(a.truth == -1)
    assert np.all((a.t_s >= 0) & (a.t_s < 86_400.0 + 2_000)) and np.all(np.diff(a.t_s) >= 0)
    # mostly "animal": the declared class is animal with probability class_accuracy
    accuracy = getattr(spec, "class_accuracy", 0.98)
    assert np.mean(np.argmax(a.class_lik, axis=1) == 2) > min(0.4, accuracy - 0.15)
    # sectors and acoustic arrays: range noise; fibre and drag road: the band or spread
    slack = {"radar": 2_000.0, "camera": 2_000.0, "acoustic": 2_000.0, "fibre": 11.0,
             "dragroad": 2_000.0}.get(getattr(spec, "kind", "patrol"), 1.0)
    zone = sensor.coverage().buffer(slack)
    import shapely
    assert np.all(shapely.contains_xy(zone, a.xy[:, 0], a.xy[:, 1]))


def test_registry_builds_every_kind_and_needs_duration_for_patrols():
    kinds = {build(s).kind for s in SPECS}
    assert kinds == {"fence", "radar", "camera", "seismic", "fibre", "microwave", "pir",
                     "acoustic", "dragroad", "patrol"}
    with pytest.raises(ValueError):
        build_sensor(SPECS[-1], None, None)
    with pytest.raises(TypeError):
        build_sensor(ShiftSpec(), None, None)


def test_fence_alarms_at_each_crossing_with_rotated_covariance():
    fence = Fence(FenceSpec(id="fence-01", line=[(0, 0), (1000, 1000)], pd=1.0,
                            sigma_along_m=30, sigma_across_m=2))
    there_and_back = Trajectory(np.array([0.0, 100.0, 200.0]),
                                np.array([[0.0, 200], [400, 0], [0, 200]]))
    r = fence.observe(there_and_back, 1, Draws.of(0))
    assert len(r) == 2
    np.testing.assert_allclose(r.t_s, [50 + 50 / 3 * 0, 200 - 200 / 3], rtol=0.5)
    d = np.array([1.0, 1.0]) / np.sqrt(2)
    np.testing.assert_allclose(d @ r.cov[0] @ d, 900.0)
    np.testing.assert_allclose(np.array([-d[1], d[0]]) @ r.cov[0] @ [-d[1], d[0]], 4.0)
    never = Fence(FenceSpec(id="fence-02", line=[(0, 0), (1000, 1000)], pd=0.0))
    assert len(never.observe(there_and_back, 1, Draws.of(0))) == 0


def test_radar_pd_law_and_range_limit():
    """Swerling I: Pd = Pfa^(1/(1+SNR)) (Skolnik, Introduction to Radar Systems, §2.8),
    SNR = 10^(30/10) · 0.5 m² · (1 km / R)⁴ for one person of 0.5 m²."""
    radar = Radar(RadarSpec(id="radar-01", position_m=(0, 0), max_range_m=3000,
                            snr_1km_db=30.0, pfa=1e-6, person_rcs_m2=0.5, min_speed_mps=0.0))
    ranges = np.array([1000.0, 2000.0, 3000.0, 3001.0])
    snr = 1000.0 * 0.5 * (1000.0 / ranges) ** 4
    want = np.where(ranges <= 3000, 1e-6 ** (1 / (1 + snr)), 0.0)
    np.testing.assert_allclose(radar.pd(ranges), want)
    # a group of 4 has 4× the cross-section: 2.0 km for 4 is 1.414 km for one (R ∝ σ^¼)
    np.testing.assert_allclose(radar.pd(np.array([2000.0]), size=4),
                               radar.pd(np.array([2000.0 / 4**0.25])))
    r = radar.observe(parked((1000.0, 0.0), 0, 2000), 3, Draws.of(0))
    assert 0.95 < len(r) / 1000 < 0.99
    # measurement noise: range 15 m and 1° at 1 km → roughly 15 m by 17 m
    assert np.allclose(r.xy.std(axis=0), [15, 17.5], rtol=0.25)
    far = radar.observe(parked((5000.0, 0.0), 0, 2000), 3, Draws.of(0))
    assert len(far) == 0


def test_radar_misses_a_walker_moving_across_the_beam():
    """Doppler sees only radial speed: walking tangentially at 1 m/s is rejected."""
    radar = Radar(RadarSpec(id="radar-01", position_m=(0, 0), snr_1km_db=40.0,
                            min_speed_mps=0.2))
    across = straight((-50.0, 1000.0), (50.0, 1000.0), 1.0)      # radial speed < 0.05
    along = straight((0.0, 900.0), (0.0, 1000.0), 1.0)
    assert len(radar.observe(across, 0, Draws.of(1))) == 0
    assert len(radar.observe(along, 0, Draws.of(1))) > 40


def test_radar_foliage_blocks_fixed_sight_lines(forest_terrain):
    """Behind 100 m of foliage 0.8 a position is open with P = exp(-80 / 30) = 0.069, and
    a walker standing there is seen on all or none of the scans."""
    spec = RadarSpec(id="radar-01", position_m=(900, 0), snr_1km_db=60.0, max_range_m=3000,
                     min_speed_mps=0.0)
    radar = Radar(spec, forest_terrain, draws=Draws.of(5))
    seen = []
    for i in range(400):
        spot = (1200.0, -400.0 + 2.0 * i)
        n = len(radar.observe(parked(spot, 0, 200), 0, Draws.of([0, i])))
        assert n in (0, 100)
        seen.append(n > 0)
    assert abs(np.mean(seen) - np.exp(-80 / 30)) < 0.06


def test_camera_ttpf_and_night(daylight):
    """Johnson geometry (DOMAIN §2.3): f = 100 mm, p = 12 µm, D = 0.75 m give
    N = 6250 / R(m) pixels; N50 = 1.5 px for detection puts P∞ = 0.5 at 4167 m; a day
    camera at night with factor 0.5 reaches it at half the range."""
    np.testing.assert_allclose(ttpf(np.array([1.0])), 0.5)
    assert ttpf(np.array([0.0]))[0] == 0.0 and ttpf(np.array([1e9]))[0] == 1.0
    spec = CameraSpec(id="camera-01", position_m=(0, 0), focal_length_mm=100,
                      pixel_pitch_um=12, target_m=0.75, max_range_m=10_000, thermal=False,
                      night_range_factor=0.5)
    cam = Camera(spec, None, daylight)
    noon, midnight = 12 * 3600.0, 0.0
    r50 = 0.75 * 0.1 / (12e-6 * 1.5)
    np.testing.assert_allclose(cam.pd(np.array([r50, r50 / 2]), np.array([noon, midnight])),
                               [0.5, 0.5])
    thermal = Camera(spec.model_copy(update={"thermal": True}), None, daylight)
    assert thermal.pd(np.array([r50]), np.array([midnight]))[0] == pytest.approx(0.5)


def test_seismic_reports_its_own_position_and_disc_covariance():
    s = Seismic(SeismicSpec(id="seismic-01", position_m=(10, 20), radius_m=40, pd=1.0,
                            revisit_s=10, phase_s=0))
    r = s.observe(straight((-100, 20), (100, 20)), 4, Draws.of(0))
    # inside from t = 70 to t = 150 s (80 m at 1 m/s): triggers at 70, 80, …, 140 are
    # one alarm that stays on, reported once at its onset
    np.testing.assert_allclose(r.t_s, [70.0])
    assert np.all(r.xy == [10, 20]) and np.allclose(r.cov, np.eye(2) * 400)
    # a revision at t = 100 s keeps the alarm on: no new onset
    assert len(s.observe(straight((-100, 20), (100, 20)), 4, Draws.of(0), start_s=100)) == 0


def test_patrol_duty_and_back_and_forth(daylight):
    duty = duty_periods([ShiftSpec(start="20:00", end="04:00")], daylight, 2 * 86_400.0)
    np.testing.assert_allclose(duty, [[0, 4 * 3600], [20 * 3600, 28 * 3600],
                                      [44 * 3600, 48 * 3600]])
    full = duty_periods([ShiftSpec(start="06:00", end="06:00")], daylight, 3 * 86_400.0)
    np.testing.assert_allclose(full, [[0, 3 * 86_400.0]])
    traj = back_and_forth(np.array([[0.0, 0], [100, 0], [100, 100]]), 2.0, 10.0, 400.0)
    np.testing.assert_allclose(traj.position_at([10.0, 60.0, 110.0, 160.0, 210.0, 400.0]),
                               [[0, 0], [100, 0], [100, 100], [100, 0], [0, 0], [20, 0]])


def test_patrol_sees_a_crossing_group_within_its_range(daylight):
    # high visibility: W = 1.8 Rd [Koester-2014], a cookie-cutter of radius 0.9 Rd = 100 m
    spec = PatrolSpec(id="patrol-01", route=[(0, 0), (10_000, 0)], speed_mps=1.0,
                      detection_range_m=1000 / 9, visibility="high", night_range_factor=0.5,
                      shifts=[ShiftSpec(start="00:00", end="00:00")])
    patrol = Patrol(spec, daylight, 86_400.0)
    # by day (10:00) the patrol is at x = 36 000 mod 20 000 → 4 000 m, walking west;
    # relative to it a group walking north at 1 m/s moves at √2 m/s at 45°, so a
    # group crossing d metres ahead passes at d/√2: 300 m ahead → 212 m, missed
    t_cross, x_patrol = 10 * 3600.0, 4_000.0
    group = straight((x_patrol - 300.0, -1000.0), (x_patrol - 300.0, 1000.0), 1.0,
                     t_cross - 1000.0)
    assert len(patrol.contacts(group)) == 0
    # 120 m ahead → 85 m: seen, from the instant the distance falls to 100 m
    group = straight((x_patrol - 120.0, -1000.0), (x_patrol - 120.0, 1000.0), 1.0,
                     t_cross - 1000.0)
    iv = patrol.contacts(group)
    assert len(iv) == 1
    r = patrol.observe(group, 9, Draws.of(0))
    assert len(r) == 1 and r.t_s[0] == iv[0, 0]
    at = group.position_at(r.t_s[0])
    assert np.hypot(*(at - patrol.position_at(r.t_s[0]))) == pytest.approx(100.0)


def test_a_fence_alarms_when_the_climb_starts_not_when_it_ends():
    terrain = Terrain(SegmentSpec(border=[(0.0, 0.0), (100.0, 0.0)]))
    walk = timed_route(np.array([[5.0, 0.0], [5.0, 100.0]]), 1.0, 0.0, terrain,
                       [Barrier(((0.0, 50.0), (10.0, 50.0)), 30.0)])
    fence = Fence(FenceSpec(id="fence-01", line=[(0, 50), (10, 50)], pd=1.0))
    assert walk.end_s == pytest.approx(130.0)          # 100 m at 1 m/s + a 30 s climb
    assert fence.observe(walk, 0, Draws(1)).t_s.tolist() == [50.0]


@pytest.mark.parametrize("size", [1, 8])
def test_seismic_reach_box_bounds_every_report(size: int) -> None:
    """A group that passes just outside `reach_box` is never reported; just inside, it
    is (pd 1): the world may skip asking the sensor (sim.world._observe)."""
    sensor = Seismic(SeismicSpec(id="seismic-09", position_m=(0.0, 0.0), radius_m=40,
                                 revisit_s=1, pd=1.0, soil="soil"))
    x0, y0, x1, y1 = sensor.reach_box(size)
    assert (x0, y0, x1, y1) == (-sensor.radius_m(size), -sensor.radius_m(size),
                                sensor.radius_m(size), sensor.radius_m(size))
    for y, seen in ((y1 + 0.02, False), (y1 - 1.0, True)):
        walk = Trajectory(np.array([0.0, 200.0]), np.array([[-200.0, y], [200.0, y]]))
        assert (len(sensor.observe(walk, 1, Draws(5), size=size)) > 0) is seen


def test_seismic_reach_disc_bounds_every_report_where_the_box_does_not() -> None:
    """Random walks across a seismic sensor's box (pd 1): every walk the world would
    skip by `reach_disc` (`sim.reach.paths_stay_outside`) gives no report, and the
    disc does skip walks the box lets through (the corners of the box)."""
    from sim.reach import paths_stay_outside

    sensor = Seismic(SeismicSpec(id="seismic-09", position_m=(0.0, 0.0), radius_m=40,
                                 revisit_s=1, pd=1.0, soil="soil"))
    rng = np.random.default_rng(4)
    skipped = reported = 0
    for size in (1, 8):
        r = sensor.radius_m(size)
        assert sensor.reach_disc(size) == (0.0, 0.0, r)
        assert sensor.reach_box(size) == (-r, -r, r, r)
        for _ in range(400):
            xy = rng.uniform(-1.6 * r, 1.6 * r, (int(rng.integers(2, 5)), 2))
            t = np.cumsum(np.r_[0.0, np.hypot(*np.diff(xy, axis=0).T)])  # 1 m/s
            seen = len(sensor.observe(Trajectory(t, xy), 1, Draws(5), size=size)) > 0
            outside = bool(paths_stay_outside(xy, np.array([sensor.reach_disc(size)]))[0])
            assert not (outside and seen)
            skipped += outside
            reported += seen
    assert skipped > 50 and reported > 50


@pytest.mark.parametrize("kind", ["radar", "camera"])
def test_sector_reach_box_is_the_range_disc(kind: str) -> None:
    """Radar and camera look only inside their range: a walk past the box's corner
    (inside the sector's bearing, just beyond ``max_range_m``) gives no report."""
    spec = (RadarSpec(id="radar-09", position_m=(0.0, 0.0), max_range_m=2000.0)
            if kind == "radar" else
            CameraSpec(id="camera-09", position_m=(0.0, 0.0), max_range_m=2000.0))
    sensor = build_sensor(spec, None, None)
    assert sensor.reach_box() == (-2000.0, -2000.0, 2000.0, 2000.0)
    edge = 2000.0 + 0.02
    walk = Trajectory(np.array([0.0, 2000.0]), np.array([[-3000.0, edge], [3000.0, edge]]))
    assert len(sensor.observe(walk, 1, Draws(3))) == 0


def test_empty_reports_are_shared_and_shaped() -> None:
    """`Reports.empty`: the shapes and dtypes of a batch of none, made once per id."""
    from sensors.base import Reports

    e = Reports.empty("radar-9")
    assert e.sensor == "radar-9" and len(e) == 0
    assert [a.shape for a in (e.t_s, e.xy, e.cov, e.truth, e.class_lik)] == \
        [(0,), (0, 2), (0, 2, 2), (0,), (0, 3)]
    assert e.truth.dtype == np.int64 and e.t_s.dtype == e.cov.dtype == np.float64
    assert Reports.empty("radar-9") is e and Reports.empty("radar-8").sensor == "radar-8"
