"""The compiled exposure geometry (``sim/ground/csrc/exposure.c``) is the numpy
reference's bit for bit: ``sector_looks`` is `sensors.geometry.look_times` of
`sensors.geometry.sector_intervals` on random paths (legs standing still, through the
centre, tangent to the range circle, starting on it) and sectors (full circles, wedges
narrower and wider than 180°), and a radar's and a camera's looks are the same with or
without the kernels; so are ``ever_within`` (at radii on either side of the closest
approach) and ``radial_speed`` (looks before, on and after the knots)."""

from __future__ import annotations

import numpy as np
import pytest

import sensors.radar as radar_module
from sensors.camera import Camera
from sensors.geometry import (
    circle_candidates,
    circle_intervals,
    line_crossings,
    look_times,
    proximity_intervals,
    relative_legs,
    sector_intervals,
)
from sensors.radar import Radar
from sensors.sector import _wedge
from sensors.seismic import Seismic
from sim.ground.keyed import Draws
from sim.ground.specs import CameraSpec, RadarSpec, SeismicSpec
from sim.ground.trajectory import Trajectory


def _path(rng: np.random.Generator, centre: np.ndarray, r_max: float) -> Trajectory:
    k = int(rng.integers(1, 15))
    xy = centre + rng.uniform(-1.5 * r_max, 1.5 * r_max, (k, 2))
    kind = rng.integers(0, 5, k)
    xy[kind == 0] = centre                                    # through the centre
    on_circle = kind == 1
    angle = rng.uniform(0, 2 * np.pi, int(on_circle.sum()))
    xy[on_circle] = centre + r_max * np.column_stack([np.cos(angle), np.sin(angle)])
    still = np.flatnonzero(kind[1:] == 2) + 1
    xy[still] = xy[still - 1]                                 # standing still
    if k > 1 and rng.random() < 0.2:                          # tangent to the circle
        xy[0] = centre + np.array([-r_max, r_max])
        xy[1] = centre + np.array([r_max, r_max])
    return Trajectory(np.cumsum(rng.uniform(1, 900, k)) + rng.uniform(-1e4, 1e6), xy)


def _pair(rng: np.random.Generator, shift_s: float) -> tuple[Trajectory, Trajectory]:
    """Two random walks, the second's start moved to within ``shift_s`` s of the first's."""
    a = _path(rng, np.zeros(2), 2000.0)
    b = _path(rng, np.zeros(2), 2000.0)
    return a, b.shifted(float(a.t_s[0] - b.t_s[0] + rng.uniform(-shift_s, shift_s)))


def test_sector_looks_are_the_numpy_references(ground_kernels) -> None:  # noqa: ANN001
    rng = np.random.default_rng(12)
    for trial in range(400):
        centre = rng.uniform(-1e5, 1e5, 2)
        r_max = float(rng.uniform(50, 6000))
        heading = float(rng.uniform(-360, 360))
        fov = float(rng.choice([360.0, 359.0, 200.0, 180.0, 120.0, 45.0, 1.0]))
        period, phase = float(rng.choice([0.5, 2.0, 7.3])), float(rng.uniform(0, 2))
        walk = _path(rng, centre, r_max)
        want_t, want_i = look_times(sector_intervals(walk, centre, r_max, heading, fov),
                                    period, phase)
        kind, edges = _wedge(heading, fov)
        got_t, got_i = ground_kernels.sector_looks(np.ascontiguousarray(walk.t_s),
                                            walk.xy.reshape(-1), centre, r_max, kind,
                                            edges, period, phase)
        assert got_t.tobytes() == want_t.tobytes(), trial
        assert got_i.tolist() == want_i.tolist(), trial


def test_radar_and_camera_looks_the_same_with_and_without_the_kernels(ground_kernels) -> None:  # noqa: ANN001
    rng = np.random.default_rng(13)
    sensors = [Radar(RadarSpec(id="radar-1", position_m=(100.0, 50.0), max_range_m=3000.0)),
               Camera(CameraSpec(id="camera-1", position_m=(-200.0, 0.0), heading_deg=80.0,
                                 fov_deg=150.0, max_range_m=2500.0))]
    for sensor in sensors:
        assert sensor._kernels is ground_kernels
        for _ in range(50):
            walk = _path(rng, sensor.position, sensor.spec.max_range_m)
            after = float(rng.choice([-np.inf, walk.t_s[0] + 300.0]))
            got = sensor._look_times(walk, after)
            sensor._kernels = None
            want = sensor._look_times(walk, after)
            sensor._kernels = ground_kernels
            assert got[0].tobytes() == want[0].tobytes()
            assert got[1].tolist() == want[1].tolist()


def test_sector_looks_refuses_a_bad_sector(ground_kernels) -> None:  # noqa: ANN001
    t, xy = np.array([0.0, 10.0]), np.zeros(4)
    with pytest.raises(ValueError, match="wedge"):
        ground_kernels.sector_looks(t, xy, np.zeros(2), 100.0, 3, np.zeros(4), 2.0, 0.0)
    with pytest.raises(ValueError, match="period"):
        ground_kernels.sector_looks(t, xy, np.zeros(2), 100.0, 0, np.zeros(4), 0.0, 0.0)


def test_a_path_of_one_point_is_never_in_a_wedge() -> None:
    """A mover standing still for an instant has no legs: no exposure, in a full circle
    or a wedge (the wedge's candidates of no leg used to fail to reshape)."""
    instant = Trajectory(np.array([5.0]), np.array([[10.0, 0.0]]))
    assert sector_intervals(instant, np.zeros(2), 100.0, 0.0, 90.0).shape == (0, 2)
    assert sector_intervals(instant, np.zeros(2), 100.0).shape == (0, 2)


def _numpy_ever_within(legs, radius: float) -> bool:  # noqa: ANN001
    lo, hi = circle_candidates(legs, np.zeros(2), radius)
    return bool((hi > lo).any())


def test_ever_within_is_the_numpy_references(ground_kernels) -> None:  # noqa: ANN001
    rng = np.random.default_rng(14)
    checked = 0
    for _ in range(300):
        a, b = _pair(rng, 500.0)
        legs = relative_legs(a, b)
        if legs is None:
            continue
        t0, t1, p0, v = legs
        gap = np.hypot(p0[:, 0], p0[:, 1]).min()
        for radius in (0.0, gap, np.nextafter(gap, 0), gap * 1.5, 1e5):
            got = ground_kernels.ever_within(np.ascontiguousarray(t0), np.ascontiguousarray(t1),
                                      np.ascontiguousarray(p0).reshape(-1),
                                      np.ascontiguousarray(v).reshape(-1), float(radius))
            assert got == _numpy_ever_within(legs, float(radius))
            checked += 1
    assert checked > 500


def test_radial_speed_is_the_numpy_references(ground_kernels) -> None:  # noqa: ANN001
    rng = np.random.default_rng(15)
    radar = Radar(RadarSpec(id="radar-1", position_m=(0.0, 0.0)))
    for _ in range(200):
        walk = _path(rng, np.zeros(2), 3000.0)
        if len(walk.t_s) < 2:
            continue
        t = np.concatenate([rng.uniform(walk.start_s - 100, walk.end_s + 100, 50),
                            walk.t_s])
        d = walk.position_at(t).reshape(-1, 2) - radar.position
        d[:3] = 0.0                                          # a mover on the radar itself
        got = radar.radial_speed(walk, t, d)
        radar._kernels = None
        want = radar.radial_speed(walk, t, d)
        radar._kernels = ground_kernels
        assert got.tobytes() == want.tobytes()


def test_looks_are_the_numpy_references(ground_kernels) -> None:  # noqa: ANN001
    """`SectorSensor._looks_at` by ``look_geometry``: look numbers (half-way times
    rounded to even, as np.round), positions, offsets and ranges the same bit for bit,
    at looks on the clock, off it, before, on and after the knots."""
    rng = np.random.default_rng(16)
    radar = Radar(RadarSpec(id="radar-1", position_m=(120.0, -40.0), revisit_s=2.0))
    draws = Draws(7)
    for _ in range(100):
        walk = _path(rng, radar.position, 3000.0)
        k = rng.integers(-5, 5000, 40)
        t = np.concatenate([radar.phase_s + k * 2.0, radar.phase_s + (k + 0.5) * 2.0,
                            rng.uniform(walk.start_s - 100, walk.end_s + 100, 40), walk.t_s])
        got = radar._looks_at(walk, draws, t, np.zeros(len(t), dtype=np.int64))
        radar._kernels = None
        want = radar._looks_at(walk, draws, t, np.zeros(len(t), dtype=np.int64))
        radar._kernels = ground_kernels
        for field in ("k", "xy", "d", "range_m"):
            assert getattr(got, field).tobytes() == getattr(want, field).tobytes(), field
        assert got.uniform(0).tobytes() == want.uniform(0).tobytes()


def test_relative_legs_are_the_numpy_references(ground_kernels, monkeypatch) -> None:  # noqa: ANN001
    """``relative_legs`` in C: the union of both movers' knots over the time both exist
    (shared knots, a mover's knots cut by the other's start and end, one mover inside
    the other's span) and the relative positions and velocities, bit for bit."""
    rng = np.random.default_rng(17)
    pairs = 0
    for trial in range(400):
        a, b = _pair(rng, 2000.0)
        if trial % 4 == 0 and len(a.t_s) > 2:               # some knots shared
            t = np.unique(np.concatenate([b.t_s, a.t_s[1:-1]]))
            b = Trajectory(t, b.position_at(t))
        got = relative_legs(a, b)
        with monkeypatch.context() as m:
            m.setattr("sim.ground.prebuilt.load", lambda: None)
            want = relative_legs(a, b)
        assert (got is None) == (want is None)
        if want is None:
            continue
        pairs += 1
        for g, w in zip(got, want, strict=True):
            assert g.shape == w.shape and g.tobytes() == np.ascontiguousarray(w).tobytes()
    assert pairs > 200


def test_proximity_intervals_are_the_numpy_references(ground_kernels, monkeypatch) -> None:  # noqa: ANN001
    """``proximity`` in C: the intervals two movers are within a radius, bit for bit,
    at radii that miss, graze (the closest approach, an ulp below it) and cover."""
    rng = np.random.default_rng(18)
    intervals = 0
    for _ in range(300):
        a, b = _pair(rng, 500.0)
        legs = relative_legs(a, b)
        if legs is None:
            continue
        gap = float(np.hypot(legs[2][:, 0], legs[2][:, 1]).min())
        for radius in (0.0, gap, float(np.nextafter(gap, 0)), gap * 1.5, 300.0, 1e5):
            got = proximity_intervals(a, b, radius, legs)
            with monkeypatch.context() as m:
                m.setattr("sim.ground.prebuilt.load", lambda: None)
                want = proximity_intervals(a, b, radius, legs)
            assert got.shape == want.shape and got.tobytes() == want.tobytes()
            intervals += len(want)
    assert intervals > 500


def test_line_crossings_are_the_numpy_references(ground_kernels, monkeypatch) -> None:  # noqa: ANN001
    """``line_crossings`` in C: times, points and segments, sorted as numpy sorts them,
    bit for bit: walks over polylines with crossings at their vertices, along a segment,
    of a one-point trajectory."""
    rng = np.random.default_rng(19)
    found = 0
    for trial in range(300):
        walk = _path(rng, np.zeros(2), 1000.0)
        k = int(rng.integers(2, 8))
        line = rng.uniform(-1500, 1500, (k, 2))
        if trial % 5 == 0 and len(walk.t_s) > 1:          # through a vertex, along a leg
            line[1] = walk.xy[0] + 0.5 * (walk.xy[1] - walk.xy[0])
            line[0] = walk.xy[0]
        if trial % 7 == 0:                                 # on the grid: exact crossings
            line = np.round(line / 500) * 500
            walk = Trajectory(walk.t_s, np.round(walk.xy / 500) * 500)
        got = line_crossings(walk, line)
        with monkeypatch.context() as m:
            m.setattr("sim.ground.prebuilt.load", lambda: None)
            want = line_crossings(walk, line)
        for g, w in zip(got, want, strict=True):
            assert g.shape == w.shape and g.dtype == w.dtype and g.tobytes() == w.tobytes()
        found += len(want[0])
    assert found > 300


def test_seismic_ticks_the_same_with_and_without_the_kernels(ground_kernels) -> None:  # noqa: ANN001
    rng = np.random.default_rng(14)
    for trial in range(300):
        centre = rng.uniform(-1e5, 1e5, 2)
        sensor = Seismic(SeismicSpec(id=f"seismic-{trial}", position_m=tuple(centre),
                                     radius_m=float(rng.uniform(5, 60))))
        assert sensor._kernels is ground_kernels
        size = int(rng.integers(1, 12))
        walk = _path(rng, centre, sensor.radius_m(size))
        got = sensor.look_times(walk, size)
        want, _ = look_times(circle_intervals(walk, centre, sensor.radius_m(size)),
                             sensor.spec.revisit_s, sensor.phase_s)
        assert got.tobytes() == want.tobytes(), trial
        sensor._kernels = None
        assert sensor.look_times(walk, size).tobytes() == want.tobytes(), trial


@pytest.mark.parametrize("size", [1, 3])
def test_radar_hits_are_the_numpy_references(ground_kernels, size: int) -> None:  # noqa: ANN001
    """``radar_hits`` is Radar.detect's numpy test ``(u < pd) & (speed >= min)`` bit for
    bit: ranges under 1 m, at and beyond ``max_range_m``, speeds at the threshold,
    draws on, just under and just over each look's pd."""
    rng = np.random.default_rng(17)
    for db in (10.0, 21.1, 35.0):
        radar = Radar(RadarSpec(id="radar-1", position_m=(0.0, 0.0), snr_1km_db=db,
                                max_range_m=6000.0, min_speed_mps=0.3))
        r = np.concatenate([rng.uniform(0.0, 7000.0, 3000), [0.0, 0.5, 1.0, 6000.0,
                                                           np.nextafter(6000.0, 7e3)]])
        speed = rng.uniform(0.0, 1.0, len(r))
        speed[::7] = 0.3
        pd = radar.pd(r, None, size)
        u = rng.uniform(0.0, 1.0, len(r))
        u[::3] = pd[::3]
        u[1::5] = np.nextafter(pd[1::5], 0.0)
        u[2::5] = np.nextafter(pd[2::5], 1.0)
        u = np.clip(u, 2.0**-54, 1.0 - 2.0**-54)
        want = (u < pd) & (speed >= radar.spec.min_speed_mps)
        gain = 10 ** (db / 10) * (radar.spec.person_rcs_m2 * size)
        got = ground_kernels.radar_hits(r, speed, u, 0.3, gain, radar.spec.pfa, 6000.0,
                                        radar_module.RANGE_EXPONENT)
        assert got.dtype == bool and 0 < got.sum() < len(r)
        assert np.array_equal(got, want)


@pytest.mark.parametrize("exponent", [4.0, 3.0])
def test_radar_detect_is_the_numpy_references(ground_kernels, exponent,  # noqa: ANN001
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Radar.detect with the kernels and without: the same looks detect, under the
    module's range law and a changed one (the kernel takes the exponent, not a 4)."""
    monkeypatch.setattr(radar_module, "RANGE_EXPONENT", exponent)
    rng = np.random.default_rng(18)
    radar = Radar(RadarSpec(id="radar-1", position_m=(0.0, 0.0), max_range_m=3000.0))
    hits = 0
    for i in range(100):
        walk = _path(rng, radar.position, 3000.0)
        looks = radar.looks(walk, Draws(i))
        got = radar.detect(looks, walk, Draws(i), 2)[0]
        radar._kernels = None
        want = radar.detect(looks, walk, Draws(i), 2)[0]
        radar._kernels = ground_kernels
        assert np.array_equal(got, want)
        hits += int(got.sum())
    assert hits > 0
