"""Unit tests of the sensor models added for issue 7: sight lines, conditions, the new
kinds, patrol modes, failures. Expected values are written from the documented model
or its source, never read back from the code under test."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from sensors.acoustic import Acoustic
from sensors.camera import Camera
from sensors.common import (
    Conditions,
    SightLines,
    correlated_uniform,
    downtime,
    night_intervals,
    nuisance_times,
    standard_normal_cdf,
)
from sensors.dragroad import DragRoad
from sensors.fibre import Fibre
from sensors.microwave import Microwave
from sensors.patrol import Patrol
from sensors.pir import Pir
from sensors.radar import Radar
from sensors.seismic import Seismic
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws
from sim.ground.specs import (
    AcousticSpec,
    CameraSpec,
    DragRoadSpec,
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

ALL_DAY = [ShiftSpec(start="00:00", end="00:00")]


def straight(p0, p1, speed_mps=1.0, t0_s=0.0) -> Trajectory:
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    return Trajectory(np.array([t0_s, t0_s + np.hypot(*(p1 - p0)) / speed_mps]),
                      np.vstack([p0, p1]))


def parked(xy, t0_s=0.0, t1_s=1_000.0) -> Trajectory:
    return Trajectory(np.array([t0_s, t1_s]), np.vstack([xy, xy]).astype(float))


class Fog(Daylight):
    """Day all day; visibility ``vis`` m, wind ``wind`` m/s, weather index ``weather``."""

    def __init__(self, vis: float = np.inf, wind: float = 0.0, weather: int = 0) -> None:
        super().__init__(dt.datetime(2026, 6, 1), "00:00", "23:59")
        self.vis, self.wind, self.kind = vis, wind, weather

    def visibility_m(self, t_s):  # noqa: ANN001, ANN201
        return np.full(np.shape(t_s), self.vis)

    def wind_mps(self, t_s):  # noqa: ANN001, ANN201
        return np.full(np.shape(t_s), self.wind)

    def weather(self, t_s):  # noqa: ANN001, ANN201
        return np.full(np.shape(t_s), self.kind, dtype=np.int64)


# ------------------------------------------------------------------- sight lines


def test_the_sight_line_field_is_uniform_fixed_and_correlated_over_a_cell():
    d = Draws.of(3)
    rng = np.random.default_rng(0)
    xy = rng.uniform(-5_000, 5_000, (4_000, 2))
    u = correlated_uniform(d, xy)
    assert stats.kstest(u, "uniform").pvalue > 1e-3          # exactly uniform marginals
    np.testing.assert_array_equal(u, correlated_uniform(d, xy))   # fixed: a pure function
    near = correlated_uniform(d, xy + 1.0)                         # 1 m away: correlated
    far = correlated_uniform(d, xy + 40.0)                         # 4 cells away: not
    assert np.corrcoef(u, near)[0, 1] > 0.8
    assert abs(np.corrcoef(u, far)[0, 1]) < 0.1
    assert not np.array_equal(u, correlated_uniform(Draws.of(4), xy))  # per replication


def test_the_normal_cdf_matches_the_table():
    """Φ from Abramowitz & Stegun, Table 26.1 (and its complement for the lower tail):
    Φ(0) = 0.5, Φ(1) = 0.8413447461, Φ(1.96) = 0.9750021049, Φ(-3) = 0.0013498980,
    Φ(-6) = 9.8658765e-10 (relative accuracy in the far tail)."""
    z = np.array([0.0, 1.0, 1.96, -3.0, -6.0])
    expected = np.array([0.5, 0.8413447461, 0.9750021049, 0.0013498980, 9.8658765e-10])
    np.testing.assert_allclose(standard_normal_cdf(z), expected, rtol=1e-7, atol=0)
    assert standard_normal_cdf(np.zeros(0)).shape == (0,)


def test_sight_lines_open_with_the_beer_lambert_transmittance(forest_terrain):
    """Behind the 100 m strip of foliage 0.8, the sight line from (900, 0) to (x, y)
    crosses 100·hypot(dx, y)/dx m of it: open with exp(−0.8 · that / 30 m). Spots on a
    20 m grid (two field cells apart: independent)."""
    sight = SightLines(forest_terrain, np.array([900.0, 0.0]), 30.0, Draws.of(7))
    gx, gy = np.meshgrid(np.arange(1200.0, 1620.0, 20.0), np.arange(-1000.0, 1020.0, 20.0))
    spots = np.column_stack([gx.ravel(), gy.ravel()])
    dx = spots[:, 0] - 900.0
    tr = np.exp(-0.8 * 100 * np.hypot(dx, spots[:, 1]) / dx / 30)
    opened = sight.open(spots)
    p, n = tr.mean(), len(tr)
    assert abs(opened.mean() - p) < 4.5 * np.sqrt(p * (1 - p) / n)
    assert SightLines(None, np.zeros(2), 30.0, Draws.of(7)).open(spots).all()


# -------------------------------------------------------------------- conditions


def test_night_intervals_read_the_clock_through_its_interface():
    day = Daylight(dt.datetime(2026, 6, 1), "05:00", "21:00")
    nights = night_intervals(day, 0.0, 2 * 86_400.0)
    np.testing.assert_allclose(nights / 3600, [[0, 5], [21, 29], [45, 48]], atol=1e-3)
    c = Conditions(day)
    h = np.array([4.5, 5.5, 6.5, 12.0, 20.5, 22.5]) * 3600
    assert c.crepuscular(h).tolist() == [True, True, False, False, True, False]


def test_fog_cuts_camera_pixels_by_koschmieder_transmittance():
    """N × exp(−k·3.912·R/V) with k = 1 (visible), 0.5 (thermal); at R = 1 km in
    V = 1 km fog a visible camera keeps exp(−3.912) = 2 % of its pixels."""
    spec = CameraSpec(id="camera-1", position_m=(0, 0), thermal=False, max_range_m=10_000)
    clear = Camera(spec, None, Fog())
    fog = Camera(spec, None, Fog(vis=1_000.0))
    thermal = Camera(spec.model_copy(update={"thermal": True}), None, Fog(vis=1_000.0))
    r = np.array([1_000.0])
    n = 0.75 * 0.1 / (1_000 * 12e-6)           # 6.25 px, Johnson geometry

    def p(pixels: float) -> float:
        x = pixels / 1.5
        return x ** (2.7 + 0.7 * x) / (1 + x ** (2.7 + 0.7 * x))

    assert clear.pd(r, np.zeros(1))[0] == pytest.approx(p(n))
    assert fog.pd(r, np.zeros(1))[0] == pytest.approx(p(n * np.exp(-3.912)))
    assert thermal.pd(r, np.zeros(1))[0] == pytest.approx(p(n * np.exp(-0.5 * 3.912)))


def test_nuisance_rate_follows_wind_and_rain_through_the_interface():
    """Fence: +50 %/m/s above 3 m/s and ×3 in rain (its docstring): at 7 m/s ×3."""
    from sensors.fence import Fence
    from sim.ground.specs import FenceSpec
    spec = FenceSpec(id="fence-1", line=[(0, 0), (1000, 0)], nuisance_per_day=10.0)
    calm = Fence(spec, Fog()).NUISANCE.factor(Conditions(Fog()), np.zeros(1))[0]
    windy = Fence(spec, Fog(wind=7.0)).NUISANCE.factor(Conditions(Fog(wind=7.0)), np.zeros(1))
    rainy = Fence(spec, Fog(weather=1)).NUISANCE.factor(Conditions(Fog(weather=1)), np.zeros(1))
    assert windy[0] == pytest.approx(3.0 * calm) and rainy[0] == pytest.approx(3.0 * calm)
    # the count is Poisson with the binned rate: no profile, the homogeneous process
    rng = np.random.default_rng(1)
    counts = [len(nuisance_times(86_400.0, 10.0, rng)) for _ in range(400)]
    assert abs(np.mean(counts) - 10.0) < 4.5 * np.sqrt(10.0 / 400)


# -------------------------------------------------------------------- the kinds


def test_radar_clutter_gives_runs_of_plots_that_can_make_a_track():
    radar = Radar(RadarSpec(id="radar-1", position_m=(0, 0), clutter_per_day=20.0,
                            nuisance_per_day=0.0), None, Fog(wind=5.0))
    rep = radar.nuisance(86_400.0, np.random.default_rng(3))
    assert np.all(rep.truth == -1) and len(rep) > 20 * 2 * 5   # ×2 for wind at 5 m/s
    gaps = np.diff(rep.t_s)
    assert np.mean(gaps <= 2 * 2.0 + 1e-9) > 0.5      # consecutive scans: tracks form


def test_camera_detection_state_survives_a_revision():
    """Time-limited search: observing from t on keeps the search already done."""
    cam = Camera(CameraSpec(id="camera-1", position_m=(0, 0), max_range_m=10_000,
                            phase_s=0.0))
    walk = straight((0.0, 6_000.0), (0.0, 3_000.0), 1.0)
    full = cam.observe(walk, 0, Draws.of(9))
    tail = cam.observe(walk, 0, Draws.of(9), start_s=1_500.0)
    np.testing.assert_array_equal(tail.t_s, full.t_s[full.t_s > 1_500.0])


def test_seismic_radius_grows_with_group_and_shrinks_on_frozen_ground():
    s = Seismic(SeismicSpec(id="seismic-1", position_m=(0, 0), radius_m=30.0))
    assert s.radius_m(16) == pytest.approx(30.0 * 2.0)              # 16^¼ = 2
    frozen = Seismic(SeismicSpec(id="seismic-1", position_m=(0, 0), radius_m=30.0,
                                 soil="frozen"))
    assert frozen.radius_m(1) < s.radius_m(1)


def test_fibre_alarms_once_per_pass_within_its_radius_and_less_in_snow():
    fibre = Fibre(FibreSpec(id="fibre-1", line=[(0, 0), (1000, 0)], radius_m=10, pd=1.0))
    across = straight((500.0, -50.0), (500.0, 50.0))
    r = fibre.observe(across, 1, Draws.of(0))
    assert r.t_s.tolist() == [40.0]                       # enters the 10 m band at 40 m
    along = straight((0.0, 15.0), (1000.0, 15.0))
    assert len(fibre.observe(along, 1, Draws.of(0))) == 0  # 15 m off: not sensed
    snowy = Fibre(FibreSpec(id="fibre-1", line=[(0, 0), (1000, 0)], radius_m=10, pd=1.0),
                  Fog(weather=3))
    assert snowy.observe(across, 1, Draws.of(0)).t_s.tolist() == [44.0]   # 0.6 × 10 m


def test_microwave_alarms_on_the_beam_not_in_its_dead_zones():
    mw = Microwave(MicrowaveSpec(id="microwave-1", tx_m=(0, 0), rx_m=(200, 0), pd=1.0))
    assert len(mw.observe(straight((100.0, -10.0), (100.0, 10.0)), 0, Draws.of(0))) == 1
    assert len(mw.observe(straight((3.0, -10.0), (3.0, 10.0)), 0, Draws.of(0))) == 0
    r = mw.observe(straight((100.0, -10.0), (100.0, 10.0)), 0, Draws.of(0))
    np.testing.assert_allclose(r.xy, [[100.0, 0.0]])
    assert r.cov[0, 0, 0] == pytest.approx(200.0**2 / 12)   # uniform over the link


def test_pir_alarms_once_per_entry_while_walking():
    pir = Pir(PirSpec(id="pir-1", position_m=(0, 0), fov_deg=360, range_m=15, pd=1.0))
    assert pir.observe(straight((-50.0, 0.0), (50.0, 0.0)), 0, Draws.of(0)).t_s.tolist() \
        == [35.0]
    assert len(pir.observe(parked((5.0, 0.0)), 0, Draws.of(0))) == 0


def test_acoustic_hears_vehicles_far_people_close_and_less_in_wind():
    spec = AcousticSpec(id="acoustic-1", position_m=(0, 0), pd=1.0, revisit_s=1.0,
                        phase_s=0.0)
    mic = Acoustic(spec)
    assert len(mic.observe(straight((-100.0, 10.0), (100.0, 10.0)), 0, Draws.of(0))) == 1
    assert len(mic.observe(straight((-100.0, 30.0), (100.0, 30.0)), 0, Draws.of(0))) == 0
    assert len(mic.observe(straight((-1000.0, 400.0), (1000.0, 400.0), 10.0), 0,
                           Draws.of(0), vehicle=True)) == 1
    windy = Acoustic(spec, Fog(wind=5.0))                 # range halved: 250 m
    assert len(windy.observe(straight((-1000.0, 400.0), (1000.0, 400.0), 10.0), 0,
                             Draws.of(0), vehicle=True)) == 0


def test_drag_road_reports_at_the_next_inspection_and_coarsely():
    road = DragRoad(DragRoadSpec(id="dragroad-1", line=[(0, 0), (1000, 0)],
                                 pass_every_s=3_600, sign_life_s=7_200, pd=1.0, phase_s=0))
    r = road.observe(straight((500.0, -10.0), (500.0, 10.0), 1.0, 1_000.0), 0, Draws.of(0))
    assert r.t_s.tolist() == [3_600.0]                   # crossed at 1 010 s
    age = 3_600.0 - 1_010.0
    assert r.cov[0, 1, 1] == pytest.approx(1.0 + age**2 / 2)   # spread 1 m/s · age
    short = DragRoad(DragRoadSpec(id="dragroad-1", line=[(0, 0), (1000, 0)],
                                  pass_every_s=3_600, sign_life_s=1_800, pd=1.0, phase_s=0))
    assert len(short.observe(straight((500.0, -10.0), (500.0, 10.0), 1.0, 1_000.0), 0,
                             Draws.of(0))) == 0            # sign gone before the pass


# ----------------------------------------------------------------------- patrols


def test_observation_post_stands_and_area_search_stays_inside():
    post = Patrol(PatrolSpec(id="patrol-1", mode="post", route=[(10, 20), (30, 40)],
                             shifts=ALL_DAY), None, 86_400.0)
    np.testing.assert_allclose(post.position_at(np.array([0.0, 5e4])), [[10, 20], [10, 20]])
    area = [(0, 0), (1000, 0), (1000, 500), (500, 500), (500, 1000), (0, 1000)]
    searcher = Patrol(PatrolSpec(id="patrol-1", mode="area", route=[(0, 0), (1, 1)],
                                 area=area, shifts=ALL_DAY), None, 86_400.0, Draws.of(2))
    xy = searcher.position_at(np.linspace(0, 86_400.0, 20_000))
    from shapely import contains_xy
    from shapely.geometry import Polygon
    assert contains_xy(Polygon(area).buffer(1e-6), xy[:, 0], xy[:, 1]).all()
    # uniform over the area (Lambertian walls): a quarter of the time in the upper-left
    # 500 m square of the L, which is a third of its area
    upper = (xy[:, 1] > 500).mean()
    assert abs(upper - 1 / 3) < 0.1


def test_patrol_sweep_width_shrinks_in_foliage():
    """Medium visibility: radius 0.8 Rd = 80 m in the open; in foliage 0.8 with the cut
    0.5: 80 × (1 − 0.4) = 48 m."""
    terrain = Terrain(SegmentSpec(border=[(0, -5000), (0, 5000)], zones=[
        {"kind": "forest", "polygon": [(-5000, 0), (5000, 0), (5000, 5000), (-5000, 5000)],
         "foliage": 0.8}]))
    patrol = Patrol(PatrolSpec(id="patrol-1", mode="post", route=[(0, 0), (1, 0)],
                               detection_range_m=100, shifts=ALL_DAY), None, 86_400.0,
                    terrain=terrain)
    field = patrol.contacts(straight((-70.0, -200.0), (-70.0, -1.0)))
    forest = patrol.contacts(straight((-70.0, 1.0), (-70.0, 200.0)))
    assert len(field) == 1 and len(forest) == 0
    assert len(patrol.contacts(straight((-40.0, 1.0), (-40.0, 200.0)))) == 1


def test_patrol_modes_need_their_geometry():
    with pytest.raises(ValueError):
        PatrolSpec(id="p", mode="area", route=[(0, 0), (1, 1)])


# ---------------------------------------------------------------------- failures


def test_failures_alternate_with_the_stated_means_and_silence_the_sensor():
    """Alternating renewal: long-run fraction of time down = MTTR / (MTBF + MTTR)
    (= 10/(40+10) = 0.2); a sensor sees nothing while down, and reports its health."""
    down = downtime(40 * 3600.0, 10 * 3600.0, 5_000 * 86_400.0, Draws.of(5))
    frac = (down[:, 1] - down[:, 0]).sum() / (5_000 * 86_400.0)
    assert abs(frac - 0.2) < 0.02
    s = Seismic(SeismicSpec(id="seismic-1", position_m=(0, 0), pd=1.0, revisit_s=1.0,
                            mtbf_h=2.0, mttr_h=2.0, health_report_s=60.0),
                duration_s=86_400.0)
    assert len(s.down_s)
    a, b = s.down_s[0]
    walk = straight((-30.0, 0.0), (30.0, 0.0), 1.0, a + 100.0)
    if walk.end_s < b:
        assert len(s.observe(walk, 0, Draws.of(0))) == 0
    t, up = s.health_reports()
    assert t[0] == pytest.approx(a + 60.0) and not up[0] and t[1] == pytest.approx(b) and up[1]


def test_a_dog_team_picks_up_a_trail_hours_old_and_reports_it_coarsely():
    """A group walks north along x = 500 from t = 0; a dog team posted on the path at
    (500, 1000) from 3 600 s (the group passed it at 1 000 s): the trail is 2 600 s old,
    picked up (trail_pd 1), reported at the trail point with σ² = 10² + 2600²/2."""
    group = straight((500.0, 0.0), (500.0, 3_000.0), 1.0)
    spec = PatrolSpec(id="dogs-1", mode="post", route=[(500, 1000), (501, 1000)],
                      canine=True, trail_pd=1.0, trail_age_s=10_800, sigma_m=10.0,
                      shifts=[ShiftSpec(start="01:00", end="02:00")])
    dogs = Patrol(spec, Daylight(dt.datetime(2026, 6, 1), "05:00", "21:00"), 86_400.0)
    r = dogs.trail_reports(group, 3, Draws.of(0))
    assert r.t_s.tolist() == [3_600.0] and r.truth.tolist() == [3]
    assert r.cov[0, 0, 0] == pytest.approx(10.0**2 + 2_600.0**2 / 2)
    assert abs(r.xy[0, 1] - 1_000.0) < 60
    old = spec.model_copy(update={"trail_age_s": 2_000.0})
    assert len(Patrol(old, None, 86_400.0).trail_reports(group, 3, Draws.of(0))) == 0
    # a dog smells a group within its air-scent sweep width, 95 m / 2 [Dog-ESW]
    short = spec.model_copy(update={"detection_range_m": 10.0})
    assert Patrol(short, None, 86_400.0).radius_m == pytest.approx(95.0 / 2)


def test_a_radar_mast_looks_over_the_canopy_and_relief_masks_it() -> None:
    """Sight lines from ``mast_m`` count only the canopy below its top (`Terrain.sight`):
    to a person 300 m away behind a 100 m strip of 20 m forest (foliage 0.5) starting
    100 m out, a 40 m mast's line z(x) = 40 − 38.3 x / 300 dips under 20 m at x = 156.7 m,
    so it crosses 0.5 × (200 − 156.7) = 21.7 m of foliage, P(open) = exp(−21.7 / 30);
    without a mast the whole 100 m is under the canopy, exp(−50 / 30). A 30 m ridge
    halfway to a person at 1 km masks a 20 m mast: P(open) = 0."""
    from sim.ground.specs import ElevationSpec, SegmentSpec, ZoneSpec

    strip = ZoneSpec(kind="forest", polygon=[(100, -50), (200, -50), (200, 50), (100, 50)],
                     foliage=0.5, canopy_height_m=20.0)
    seg = SegmentSpec.model_validate({"border": [(0.0, 0.0), (20_000.0, 0.0)],
                                      "depth_m": 500.0, "grid_m": 10.0, "zones": [strip]})
    terrain = Terrain(seg)
    target = np.array([[300.0, 0.0]])
    draws = Draws(1)
    flat = SightLines(terrain, np.zeros(2), 30.0, draws).transmittance(target)[0]
    mast = SightLines(terrain, np.zeros(2), 30.0, draws, mast_m=40.0).transmittance(target)[0]
    assert flat == pytest.approx(np.exp(-50.0 / 30.0), rel=1e-6)
    assert mast == pytest.approx(np.exp(-0.5 * (200.0 - 300.0 * 20.0 / 38.3) / 30.0),
                                 rel=0.1)   # the raster samples every half cell
    ridge = ElevationSpec(origin_m=(0.0, -500.0), cell_m=500.0,
                          heights_m=[[0.0, 30.0, 0.0]] * 3)
    hilly = Terrain(SegmentSpec.model_validate({"border": [(0.0, 0.0), (20_000.0, 0.0)],
                                                "depth_m": 500.0, "grid_m": 10.0,
                                                "elevation": ridge}))
    low = SightLines(hilly, np.zeros(2), 30.0, draws, mast_m=20.0)
    assert low.transmittance(np.array([[1000.0, 0.0]]))[0] == 0.0
    assert not low.open(np.array([[1000.0, 0.0]]))[0]


def _ridge_terrain() -> Terrain:
    """Flat ground but for a 30 m ridge halfway between the origin and x = 1 km (heights
    0, 30, 0 m at x = 0, 500, 1000 m, bilinear), no zones."""
    from sim.ground.specs import ElevationSpec, SegmentSpec

    ridge = ElevationSpec(origin_m=(0.0, -500.0), cell_m=500.0,
                          heights_m=[[0.0, 30.0, 0.0]] * 3)
    return Terrain(SegmentSpec.model_validate({"border": [(0.0, 0.0), (20_000.0, 0.0)],
                                               "depth_m": 500.0, "grid_m": 10.0,
                                               "elevation": ridge}))


def test_a_radar_mast_acts_on_its_looks_at_a_mover() -> None:
    """The looks at a mover use the mast's sight lines, not the foliage alone: behind the
    ridge at x = 500 m, a person walking away from x = 0.9 to 1.3 km is masked from a
    20 m mast (the line passes the ridge top at 20 − 18.3 · 500 / x ≤ 13 m) on every
    scan, and seen from a 200 m mast (there at ≥ 90 m, no foliage) as from open ground:
    P(detect) per scan is then the radar equation's alone."""
    hilly = _ridge_terrain()
    walk = straight((900.0, 0.0), (1_300.0, 0.0), 1.2)
    def scan_hits(mast_m: float | None) -> int:
        spec = RadarSpec(id="radar-1", position_m=(0, 0), max_range_m=3_000.0,
                         nuisance_per_day=0.0, clutter_per_day=0.0, mast_m=mast_m)
        return len(Radar(spec, hilly, None).observe(walk, 0, Draws.of(5)))
    scans = (400.0 / 1.2) / 2.0                   # 333 s in view, a scan every 2 s
    assert scan_hits(20.0) == 0
    assert scan_hits(200.0) > 0.5 * scans
    assert scan_hits(200.0) == scan_hits(None)    # nothing else on the line


def test_looks_from_a_mast_see_through_the_canopy_top_as_often_as_it_lets_through() -> None:
    """Per sensor field, a look from a 40 m mast at a person 300 m out behind a 100 m
    strip of 20 m forest (foliage 0.5, L = 30 m) is open with P = exp(−21.7 / 30) = 0.485
    (the geometry of the test above; the raster's half-cell samples move the 21.7 m by
    up to ±5 m: P in [0.41, 0.57]); without a mast exp(−50 / 30) = 0.189. 1,500 fields:
    binomial standard errors 0.013 and 0.010, four of them allowed."""
    from sim.ground.specs import SegmentSpec, ZoneSpec

    strip = ZoneSpec(kind="forest", polygon=[(100, -50), (200, -50), (200, 50), (100, 50)],
                     foliage=0.5, canopy_height_m=20.0)
    terrain = Terrain(SegmentSpec.model_validate({"border": [(0.0, 0.0), (20_000.0, 0.0)],
                                                  "depth_m": 500.0, "grid_m": 10.0,
                                                  "zones": [strip]}))
    person = parked((300.0, 0.0))
    n = 1_500
    def open_share(mast_m: float | None) -> float:
        seen = [SightLines(terrain, np.zeros(2), 30.0, Draws.of(i), mast_m=mast_m)
                .open_along(person, np.array([10.0]))[0] for i in range(n)]
        return float(np.mean(seen))
    assert 0.41 - 4 * 0.013 < open_share(40.0) < 0.57 + 4 * 0.013
    assert open_share(None) == pytest.approx(0.189, abs=4 * 0.010)
