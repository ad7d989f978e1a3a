"""Radars and cameras that forward a report per mover per interval (`report_interval_s`).

The rule (`sensors.sector.SectorSensor.report_interval`): at most one report of each
mover in each interval [k·T, (k+1)·T) of the run's clock, the first detecting look of
the interval, with that look's own position, covariance and class evidence. Checked
here: the thinned reports are exactly that subset of the unthinned ones; the same
whatever the windows the world observes a plan by, and across a revision (the last
report's time carried, `sim.world.Mover.reported`); nuisance thinned per animal and
per clutter episode; the expected count (D/T)·(1 − (1 − p)^(T/r)) of a mover in view
at a known per-look Pd p; what the rule guarantees about spacing.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import simpy

from sensors import build_sensor
from sensors.common import first_per_interval, report_cell
from sensors.outages import Outages
from sim.comms import Link
from sim.ground.daylight import Daylight
from sim.ground.events import EventLog, ReportReceived
from sim.ground.keyed import Draws
from sim.ground.specs import CameraSpec, LinkSpec, RadarSpec, ReactionSpec, SegmentSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory
from sim.movers import CrossingGroup
from sim.rng import RandomStreams
from sim.world import World, observation_windows, observations

FIELDS = ("t_s", "xy", "cov", "truth", "class_lik")
RADAR = RadarSpec(id="radar-01", position_m=(500, 300), max_range_m=2000)
CAMERA = CameraSpec(id="camera-01", position_m=(500, -100), heading_deg=90, fov_deg=120)


def build(spec, terrain=None, daylight=None):
    return build_sensor(spec, terrain, daylight, duration_s=2 * 86_400.0)


def with_interval(spec, interval_s, **more):
    return spec.model_copy(update={"report_interval_s": interval_s, **more})


def path() -> Trajectory:
    """Through the forest strip of `forest_terrain` (sight lines drawn per look) and back."""
    return Trajectory(np.array([0.0, 900.0, 2400.0, 3600.0]),
                      np.array([[500.0, -300], [1050, 400], [700, 500], [560, -300]]))


def assert_same(a, b):
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


def subset_of(thin, full):
    """Indices in ``full`` of the reports of ``thin`` (every one must be there)."""
    idx = np.searchsorted(full.t_s, thin.t_s)
    assert np.all(idx < len(full))
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(full, field)[idx], getattr(thin, field))
    return idx


def test_the_field_defaults_to_none_and_is_not_dumped_unset():
    assert RADAR.report_interval_s is None and CAMERA.report_interval_s is None
    assert "report_interval_s" not in RADAR.model_dump()
    assert with_interval(RADAR, 10.0).model_dump()["report_interval_s"] == 10.0


@pytest.mark.parametrize("spec", [RADAR, CAMERA], ids=["radar", "camera"])
@pytest.mark.parametrize("interval_s", [5.0, 10.0, 17.3, 60.0])
def test_thinned_reports_are_the_first_detection_of_each_interval(spec, interval_s, daylight,
                                                                 forest_terrain):
    full = build(spec, forest_terrain, daylight).observe(path(), 7, Draws.of(3), size=2)
    thin = build(with_interval(spec, interval_s), forest_terrain, daylight).observe(
        path(), 7, Draws.of(3), size=2)
    assert len(full) > 30 and 0 < len(thin) <= len(full)
    assert len(thin) < len(full) or interval_s == spec.revisit_s  # one look per interval
    idx = subset_of(thin, full)
    cells = report_cell(full.t_s, interval_s)
    # one report per interval that has any detection, and it is the interval's first
    first_of_cell = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
    np.testing.assert_array_equal(idx, first_of_cell)


@pytest.mark.parametrize("window_s", [7.0, 30.0, 400.0, 3_600.0, np.inf])
@pytest.mark.parametrize("spec", [RADAR, CAMERA], ids=["radar", "camera"])
def test_windows_of_any_length_give_the_reports_of_one_observation(spec, window_s, daylight,
                                                                  forest_terrain):
    sensor = build(with_interval(spec, 10.0), forest_terrain, daylight)
    whole = sensor.observe(path(), 7, Draws.of(3), size=2)
    parts, last = [], -np.inf
    for horizon, reports in sensor.observe_windows(path(), 7, Draws.of(3), size=2,
                                                   window_s=window_s):
        assert np.all(reports.t_s > last) and np.all(reports.t_s <= horizon)
        parts.append(reports)
        last = horizon
    assert last == np.inf
    if spec.kind == "radar" and window_s == 7.0:
        assert len(parts) > 100           # windows shorter than the interval, unaligned
    for field in FIELDS:
        np.testing.assert_array_equal(np.concatenate([getattr(p, field) for p in parts]),
                                      getattr(whole, field))


@pytest.mark.parametrize("spec", [RADAR, CAMERA], ids=["radar", "camera"])
def test_observing_from_a_revision_on_with_the_last_report_gives_the_rest(spec, daylight,
                                                                         forest_terrain):
    """What `sim.world` does at a revision at t: the reports up to t were sent, the
    plan is observed after t with the time of the last one; unchanged plan ⇒ the
    reports of one observation, whatever t (inside an interval or on its edge)."""
    sensor = build(with_interval(spec, 10.0), forest_terrain, daylight)
    whole = sensor.observe(path(), 7, Draws.of(3), size=2)
    for t in [*whole.t_s[5:60:7].tolist(), 333.3, 1000.0, 1234.5678]:
        head = whole.until(t)
        last = float(head.t_s[-1]) if len(head) else -np.inf
        tail = sensor.observe(path(), 7, Draws.of(3), t, 2, last_report_s=last)
        windows = [r for _, r in sensor.observe_windows(path(), 7, Draws.of(3), t, 2,
                                                        window_s=45.0, last_report_s=last)]
        for rest in (tail, type(tail).concat(tail.sensor, windows)):
            np.testing.assert_array_equal(np.concatenate([head.t_s, rest.t_s]), whole.t_s)
            np.testing.assert_array_equal(np.concatenate([head.xy, rest.xy]), whole.xy)
        # without the last report a revision would forward a second report in its interval
        if len(head) and report_cell(head.t_s[-1], 10.0) == report_cell(t, 10.0):
            fresh = sensor.observe(path(), 7, Draws.of(3), t, 2)
            assert len(fresh) >= len(tail)


def test_first_per_interval_per_source():
    t = np.array([0.5, 9.9, 10.0, 3.0, 4.0, 25.0, 12.0])
    src = np.array([0, 0, 0, 1, 1, 1, 2])
    assert first_per_interval(t, 10.0, src).tolist() == [True, False, True, True, False,
                                                         True, True]
    assert first_per_interval(t[:3], 10.0, last_cell=0.0).tolist() == [False, False, True]
    assert first_per_interval(t, None, src).all()


def test_animals_and_clutter_episodes_are_thinned_each_as_one_mover(daylight):
    spec = RADAR.model_copy(update={"nuisance_per_day": 40.0, "clutter_per_day": 40.0})
    plots, thin = build(spec, daylight=daylight), build(with_interval(spec, 10.0),
                                                        daylight=daylight)
    # animals: each one observed alone with the interval
    walks, draws = thin.animals(86_400.0, np.random.default_rng(4))
    per_animal = sum(len(thin.observe(w, -1, d)) for w, d in zip(walks, draws, strict=True))
    every_look = sum(len(plots.observe(w, -1, d)) for w, d in zip(walks, draws, strict=True))
    assert 0 < per_animal < every_look
    # clutter: the first plot of each (episode, interval)
    all_plots, episode = plots.clutter_plots(86_400.0, np.random.default_rng(5))
    kept = thin.clutter(86_400.0, np.random.default_rng(5))
    pairs = {(int(e), float(c)) for e, c in zip(episode, report_cell(all_plots.t_s, 10.0),
                                                strict=True)}
    assert len(kept) == len(pairs) < len(all_plots)
    # the whole day (animals, then clutter, from one stream): a subset, same draws
    day_plots = plots.nuisance(86_400.0, np.random.default_rng(6))
    day_thin = thin.nuisance(86_400.0, np.random.default_rng(6))
    assert 0 < len(day_thin) < len(day_plots)
    assert set(map(tuple, day_thin.xy.tolist())) <= set(map(tuple, day_plots.xy.tolist()))


# ------------------------------------------------------------ validation from outside


def parked_radar(interval_s, range_m, **spec):
    """A radar whose Doppler filter passes everything (min_speed_mps 0), so a target
    parked at ``range_m`` is seen on each scan with the radar's Pd at that range."""
    radar = build(RadarSpec(id="radar-09", position_m=(0.0, 0.0), max_range_m=5000,
                            min_speed_mps=0.0, revisit_s=2.0, phase_s=0.3,
                            report_interval_s=interval_s, **spec))
    return radar, float(radar.pd(np.array([range_m]))[0])


def parked(range_m, t0_s, t1_s):
    return Trajectory(np.array([t0_s, t1_s]), np.array([[range_m, 0.0], [range_m, 0.0]]))


@pytest.mark.parametrize("interval_s", [10.0, 30.0])
def test_expected_reports_of_a_mover_in_view(interval_s):
    """(D/T)·(1 − (1 − p)^(T/r)) reports over D s in view, T a multiple of r: each
    interval holds T/r scans, each detecting with p independently, and forwards one
    report if any does."""
    r_s, duration_s, movers = 2.0, 18_000.0, 10      # D a multiple of T: whole intervals
    radar, p = parked_radar(interval_s, 3_000.0, snr_1km_db=30.0)
    assert 0.1 < p < 0.3                          # a Pd where the formula is not trivial
    n_cells = movers * duration_s / interval_s
    q = 1.0 - (1.0 - p) ** (interval_s / r_s)
    expected = n_cells * q
    sd = np.sqrt(n_cells * q * (1.0 - q))         # binomial: one trial per interval
    count = 0
    for i in range(movers):
        rep = radar.observe(parked(3_000.0, 0.0, duration_s), i, Draws.of([61, i]))
        count += len(rep)
        cells = report_cell(rep.t_s, interval_s)
        gaps = np.diff(rep.t_s)
        # what the rule guarantees: distinct intervals, so consecutive reports at least
        # one scan apart, and any two reports with one between them more than T apart
        assert np.all(np.diff(cells) >= 1)
        assert np.all(gaps >= r_s - 1e-9)
        assert np.all(rep.t_s[2:] - rep.t_s[:-2] > interval_s)
    assert abs(count - expected) < 4 * sd, (count, expected, sd)


def test_reports_are_exactly_one_interval_apart_when_every_look_detects():
    """Pd ≈ 1 and T a multiple of r: the first scan of each interval detects, so the
    reports are exactly T apart (the intervals and the scans aligned)."""
    radar, p = parked_radar(10.0, 20.0)
    assert p > 1 - 1e-6
    rep = radar.observe(parked(20.0, 0.0, 5_000.0), 1, Draws.of(62))
    assert len(rep) == 500
    np.testing.assert_allclose(np.diff(rep.t_s), 10.0, rtol=0, atol=1e-9)


def test_a_camera_close_by_forwards_one_report_per_interval():
    cam = build(CameraSpec(id="camera-09", position_m=(0.0, 0.0), heading_deg=0.0,
                           fov_deg=60.0, revisit_s=5.0, phase_s=1.0, report_interval_s=20.0))
    rep = cam.observe(parked(150.0, 0.0, 4_000.0), 1, Draws.of(63))
    # acquired within a look or two at 150 m, then tracked at every look
    assert 195 <= len(rep) <= 200
    np.testing.assert_allclose(np.diff(rep.t_s), 20.0, rtol=0, atol=1e-9)


# --------------------------------------------------------------- the world's revisions


DAY = Daylight(dt.datetime(2026, 6, 1, 12, 0), "00:00", "23:59")
TERRAIN = Terrain(SegmentSpec(border=[(0.0, 0.0), (10_000.0, 0.0)]))
NORTH = Trajectory(np.array([0.0, 3000.0]), np.array([[5000.0, 0.0], [5000.0, 3000.0]]))


def _received(sources, revise_at=(), outages=None):
    """ReportReceived records of one group walking NORTH past ``sources``, its plan
    revised (to the same trajectory) at each time of ``revise_at``."""
    env = simpy.Environment()
    log = EventLog()
    links = [Link(LinkSpec(latency_s=0.5, jitter_s=0.0, loss=0.0), s.id, Draws(i))
             for i, s in enumerate(sources)]
    world = World(env, log, TERRAIN, DAY, list(sources), links, lambda *a: None,
                  RandomStreams(5), ReactionSpec())
    world.outages = outages
    group = CrossingGroup(0, "group-0000", 0.0, 3, 1.0, False, 0.0, 0, NORTH)
    world.add_group(group)

    def revise(t_s):
        yield env.timeout(t_s)
        m = world.movers["group-0000"]
        world._revise(m, m.trajectory)

    for t in revise_at:
        env.process(revise(t))
    env.run(until=4_000.0)
    return [(r.sensor, r.meas_s, r.x, r.y) for r in log.of(ReportReceived)]


def test_a_revision_mid_interval_neither_adds_nor_drops_a_report():
    radar = with_interval(RADAR, 10.0, position_m=(5000.0, 200.0), max_range_m=3000.0)
    camera = with_interval(CAMERA, 15.0, position_m=(5000.0, -100.0))
    sources = [build(radar, TERRAIN, DAY), build(camera, TERRAIN, DAY)]
    plain = _received(sources)
    assert len(plain) > 100
    revised = _received(sources, revise_at=(333.3, 335.0, 1001.7, 1500.0, 2222.2))
    assert revised == plain
    # the radar's interval shifts no draw of the other sensor (keyed per sensor, mover)
    every_scan = _received([build(radar.model_copy(update={"report_interval_s": None}),
                                  TERRAIN, DAY), sources[1]])
    assert [r for r in every_scan if r[0] == "camera-01"] == \
        [r for r in plain if r[0] == "camera-01"]
    assert len(every_scan) > len(plain)
    # an outage cuts the report of an interval; a revision later in that interval
    # must not forward another (the sensor made one: the outage only cut it)
    radar_times = [t for name, t, _, _ in plain if name == "radar-01"]
    cut = radar_times[40]
    assert report_cell(cut + 1.0, 10.0) == report_cell(cut, 10.0)
    outage = Outages({0: [(cut - 0.1, cut + 0.1)]})
    screened = _received(sources, outages=outage)
    assert len(screened) == len(plain) - 1
    assert _received(sources, revise_at=(cut + 1.0,), outages=outage) == screened


def test_the_lookahead_and_the_world_observe_the_first_plan_alike(daylight, forest_terrain):
    sensors = [(0, build(with_interval(RADAR, 10.0), forest_terrain, daylight)),
               (1, build(with_interval(CAMERA, 10.0), forest_terrain, daylight))]
    streams = RandomStreams(3)
    ahead = observations(sensors, [], streams, "group-0001", path(), 1, 2, -np.inf)
    here = observation_windows(sensors, [], streams, "group-0001", path(), 1, 2, -np.inf)
    assert len(ahead) == 2
    for (i, a), (j, w) in zip(ahead, here, strict=True):
        parts = []
        while (reports := w.next()) is not None:
            parts.append(reports)
        assert i == j
        assert_same(a, type(a).concat(a.sensor, parts))
