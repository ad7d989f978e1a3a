"""What radars and cameras share: a sector watched on a fixed look clock.

A sector sensor at ``position`` watches the sector of radius ``max_range_m``
centred on ``heading_deg`` with width ``fov_deg``. It looks at fixed times
``phase_s + k·revisit_s`` (a radar's antenna revolution, a camera's analytics
cycle), whether or not anyone is there. Whether a look can see the mover at all
depends on the sensor's *fixed* sight line (`sensors.common.SightLines`: drawn once
per replication, the same at every look at one spot) and, for a failed sensor, on its
health (`sensors.common.downtime`). Subclasses decide detection among the looks that
can see: a radar by an independent fluctuation draw per scan (`sensors.radar`), a
camera by time-limited search over its dwell (`sensors.camera`).

The measurement is range and bearing with Gaussian noise, turned into a Cartesian
point and covariance by the fusion core's conversions (`sim.ground.measurements`).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from shapely.geometry import Polygon

from sensors.base import FloatArray, IntArray, Reports, Sensor
from sensors.common import (
    ANIMAL,
    PERSON,
    Conditions,
    NuisanceProfile,
    SightLines,
    class_evidence,
    default_phase_s,
    failures,
    field_key,
    first_per_interval,
    nuisance_times,
    report_cell,
    up_mask,
)
from sensors.geometry import look_times, sector_intervals, sector_polygon_xy
from sim.ground import prebuilt
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws
from sim.ground.specs import CameraSpec, RadarSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory

#: Nuisance animals: walking speed, m/s, and mean time in view, s [G].
ANIMAL_SPEED_MPS = 0.5
ANIMAL_DWELL_S = 180.0


def _animal_evidence(person_lik: FloatArray) -> FloatArray:
    """Class likelihood rows of an animal from rows drawn as if it were a person: the
    same declarations with the person and animal columns swapped (the draw that named
    'person' for a person names 'animal' for an animal)."""
    return person_lik[:, [ANIMAL, 1, PERSON]]


def _wedge(heading_deg: float, fov_deg: float) -> tuple[int, FloatArray]:
    """The sector's wedge as the compiled looks read it (``sim/ground/csrc/exposure.h``):
    0 none (a full circle), 1 two half-planes' intersection (fov <= 180°), 2 their
    union; and the unit vectors of its right and left edges, by numpy's cos and sin
    as `sensors.geometry.wedge_candidates` computes them."""
    if fov_deg >= 360.0:
        return 0, np.zeros(4)
    a = np.radians(heading_deg - fov_deg / 2.0)
    b = np.radians(heading_deg + fov_deg / 2.0)
    return (1 if fov_deg <= 180.0 else 2), np.array([np.cos(a), np.sin(a), np.cos(b),
                                                      np.sin(b)])


@dataclass(frozen=True)
class Looks:
    """The looks of one sensor at one mover: times, look numbers, exposure interval
    (index), the mover's positions and their offsets from the sensor, ranges, and the
    stream of their keyed draws (`uniform`). The keyed normals (range, bearing) are
    drawn in `SectorSensor.observe` for the detecting looks only (a pure function of
    the look number, so the same). Whether each sight line is open:
    `SectorSensor.open_at`."""

    t_s: FloatArray
    k: IntArray
    interval: IntArray
    xy: FloatArray
    d: FloatArray
    range_m: FloatArray
    draws: Draws

    def uniform(self, column: int, where: np.ndarray | None = None) -> FloatArray:
        """Keyed uniform ``column`` (0: detection, 1: class) of each look (n,), or of
        the looks ``where`` (n,) is True: column ``column`` of ``Draws.uniform(k, 2)``,
        drawn only where it is read (a camera never reads column 0, and only detecting
        looks read column 1)."""
        k = self.k if where is None else self.k[where]
        return self.draws.uniform(k, column + 1)[:, column]


class SectorSensor(Sensor):
    """Base of `sensors.radar.Radar` and `sensors.camera.Camera`."""

    #: How this class's nuisance rate varies (each subclass states its own).
    NUISANCE = NuisanceProfile()
    #: Whether a look's detection depends on that look alone (a radar's scans: yes; a
    #: camera's search over its dwell: no), so that `observe` after ``start_s`` need
    #: not compute the looks before it.
    LOOKS_INDEPENDENT = False

    def __init__(self, spec: RadarSpec | CameraSpec, terrain: Terrain | None = None,
                 daylight: Daylight | None = None, draws: Draws | None = None,
                 duration_s: float | None = None) -> None:
        self.spec = spec
        self.id = spec.id
        self.terrain = terrain
        self.conditions = Conditions(daylight)
        self.position = np.asarray(spec.position_m, dtype=float)
        self.phase_s = (spec.phase_s if spec.phase_s is not None
                        else default_phase_s(spec.id, spec.revisit_s))
        self.field = draws if draws is not None else field_key(spec.id)
        self.sight = SightLines(terrain, self.position, spec.foliage_length_m, self.field,
                                spec.mast_m)
        horizon = duration_s if duration_s is not None else 0.0
        self.down_s, self.health_delay_s = failures(spec, horizon, self.field)
        self._kernels = prebuilt.load()
        self._wedge = _wedge(spec.heading_deg, spec.fov_deg)

    @abstractmethod
    def measured_range_m(self, range_m: FloatArray, z: FloatArray) -> FloatArray:
        """Measured ranges (n,), m, from true ranges (n,) and standard normals (n,)."""

    @abstractmethod
    def convert(self, range_m: FloatArray,
                bearing_rad: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Measured range and bearing (n,) → positions (n, 2), m, and covariances
        (n, 2, 2), m²."""

    @abstractmethod
    def detect(self, looks: Looks, trajectory: Trajectory, draws: Draws,
               size: int) -> tuple[np.ndarray, FloatArray]:
        """Which looks (n,) detect the mover, and the class accuracy of each look."""

    def sees(self, xy: FloatArray) -> np.ndarray:
        """Whether the fixed sight line to each point (n, 2) is open."""
        return self.sight.open(xy)

    def reach_disc(self, size: int = 1) -> tuple[float, float, float]:
        """The range disc: a mover beyond ``max_range_m`` is never looked at."""
        x, y = self.position.tolist()
        return (x, y, self.spec.max_range_m)

    def exposure(self, trajectory: Trajectory) -> FloatArray:
        """Intervals (n, 2), s, when the mover is inside the sector."""
        s = self.spec
        return sector_intervals(trajectory, self.position, s.max_range_m, s.heading_deg,
                                s.fov_deg)

    def looks(self, trajectory: Trajectory, draws: Draws, after_s: float = -np.inf) -> Looks:
        """Every look at the mover in the sector while the sensor is up (after
        ``after_s`` only, s: each look's draws are keyed by its number, so the same)."""
        t, interval = self._look_times(trajectory, after_s)
        return self._looks_at(trajectory, draws, t, interval)

    def _look_times(self, trajectory: Trajectory,
                    after_s: float) -> tuple[FloatArray, IntArray]:
        """The times (n,) of `looks` and the exposure (n,) each falls in."""
        spec = self.spec
        if self._kernels is not None:     # the C port of the `else`, bit for bit
            kind, edges = self._wedge
            t, interval = self._kernels.sector_looks(
                np.ascontiguousarray(trajectory.t_s), trajectory.xy.reshape(-1),
                self.position, float(spec.max_range_m), kind, edges, float(spec.revisit_s),
                float(self.phase_s))
        else:
            t, interval = look_times(self.exposure(trajectory), spec.revisit_s, self.phase_s)
        if not len(self.down_s):          # never down: only ``after_s`` can drop looks
            if after_s == -np.inf:
                return t, interval
            up = t > after_s
        else:
            up = up_mask(self.down_s, t)
            if after_s > -np.inf:
                up &= t > after_s
        return t[up], interval[up]

    def _looks_at(self, trajectory: Trajectory, draws: Draws, t: FloatArray,
                  interval: IntArray) -> Looks:
        """The looks at times ``t`` (n,) of exposures ``interval`` (n,)."""
        geometry = None
        if self._kernels is not None:     # the C port of the `else`, bit for bit
            geometry = self._kernels.look_geometry(*trajectory.knots(), np.ascontiguousarray(t),
                                                   self.position, float(self.phase_s),
                                                   float(self.spec.revisit_s))
        if geometry is not None:
            k, xy, d, range_m = geometry
        else:
            k = np.round((t - self.phase_s) / self.spec.revisit_s).astype(np.int64)
            xy = trajectory.position_at(t).reshape(-1, 2)
            d = xy - self.position
            range_m = np.hypot(d[:, 0], d[:, 1])
        return Looks(t, k, interval, xy, d, range_m, draws)

    def open_at(self, trajectory: Trajectory, looks: Looks, where: np.ndarray) -> np.ndarray:
        """Whether the fixed sight line is open (n,) at the looks; evaluated only where
        ``where`` (n,) is True (elsewhere True): sight lines cost ~18 µs each, and only
        looks the rest of the model would pass need one."""
        out = np.ones(len(looks.t_s), dtype=bool)
        if self.sight.clear or not where.any():
            return out
        out[where] = self.sight.open_along(trajectory, looks.t_s[where],
                                           looks.xy.compress(where, axis=0))
        return out

    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1,
                last_report_s: float = -np.inf) -> Reports:
        """The detecting looks after ``start_s`` (the looks before are computed too, so a
        camera's search over a dwell that began earlier keeps its state; not where
        looks are independent, `LOOKS_INDEPENDENT`), thinned to the report interval
        if the spec sets one (`report_interval`); ``last_report_s``: the time of the
        last report of this mover forwarded before ``start_s`` (under the plan a
        revision replaced, `sim.world`), s — none is forwarded again in its interval.
        A mover that leaves the sector for good before ``start_s`` is not looked at."""
        t, interval = self._look_times(trajectory,
                                       start_s if self.LOOKS_INDEPENDENT else -np.inf)
        if not len(t) or t[-1] <= start_s:
            return Reports.empty(self.id)
        lk = self._looks_at(trajectory, draws, t, interval)
        return self._reports(lk, trajectory, truth, draws, start_s, size,
                             self._last_cell(last_report_s))[0]

    def observe_windows(self, trajectory: Trajectory, truth: int, draws: Draws,
                        start_s: float = -np.inf, size: int = 1,
                        window_s: float = np.inf,
                        last_report_s: float = -np.inf) -> Iterator[tuple[float, Reports]]:
        """`Sensor.observe_windows`: where looks are independent, each window computes
        only its own looks (the look times of the whole plan are placed once); the
        interval of the last report forwarded is carried from window to window, so
        the thinning (`report_interval`) is that of one observation."""
        if not self.LOOKS_INDEPENDENT:
            yield np.inf, self.observe(trajectory, truth, draws, start_s, size,
                                       last_report_s)
            return
        t, interval = self._look_times(trajectory, start_s)
        last_cell = self._last_cell(last_report_s)
        lo, n = 0, len(t)
        while lo < n:
            horizon = float(t[lo]) + window_s
            hi = int(np.searchsorted(t, horizon, side="right"))
            if hi == n:
                horizon = np.inf
            lk = self._looks_at(trajectory, draws, t[lo:hi], interval[lo:hi])
            reports, last_cell = self._reports(lk, trajectory, truth, draws, start_s, size,
                                               last_cell)
            yield horizon, reports
            lo = hi

    @property
    def report_interval(self) -> float | None:
        """The spec's ``report_interval_s``, s: the sensor forwards at most one report
        per mover per interval ``[k·T, (k+1)·T)`` of the run's clock — the first
        detecting look of the interval, with that look's own position, covariance and
        class evidence (`sensors.common.first_per_interval`). None: every detecting
        look is reported.

        What it stands for: a ground radar (or a camera's video analytics) runs its
        own tracker and hands the C2 system track updates at the rate the integration
        sets, not every plot (target data 0.1–1 Hz [PSR-wiki], DOMAIN §2.1; ASTERIX
        separates plots from tracks and lets a sensor send its tracks periodically,
        "with an independently configurable period", Cat 015 item I015/000
        [ASTERIX-015]: EUROCONTROL ASTERIX Cat 015 ed. 1.0, 2019, https://zoranbosnjak.
        github.io/asterix-specs/specs/cat015/cats/cat1.0/definition.txt, not in
        DOMAIN.md's list).

        Simplification: the forwarded position is the look's plot, not a smoothed
        track estimate, so its error is the plot's — pessimistic against a real
        track — and the command's tracker still does all the filtering. Nuisance
        sources are thinned the same way, each animal and each clutter episode as one
        mover. The forwarded reports are a subset of the unthinned ones (same keyed
        draws), so a run with the interval set faces the same looks as one without,
        and a mover's first report is the same.

        What the rule guarantees: consecutive reports of a mover fall in different
        intervals (so at least one look apart), any two with one report between them
        are more than T apart, and with T a multiple of ``revisit_s`` every interval
        holds T / revisit_s looks; a look detecting with probability p gives
        (D/T)·(1 − (1 − p)^(T/r)) reports over D s in view, exactly T apart when
        p = 1 (`tests/unit/sensors/test_report_interval.py`).
        """
        return self.spec.report_interval_s

    def _last_cell(self, last_report_s: float) -> float:
        """The report interval of ``last_report_s`` (-inf: none, or no interval)."""
        interval = self.report_interval
        if interval is None or last_report_s == -np.inf:
            return -np.inf
        return float(report_cell(last_report_s, interval))

    def _reports(self, lk: Looks, trajectory: Trajectory, truth: int, draws: Draws,
                 start_s: float, size: int,
                 last_cell: float = -np.inf) -> tuple[Reports, float]:
        """The reports of the detecting looks of ``lk`` after ``start_s``, thinned to the
        report interval (`report_interval`) given the interval ``last_cell`` of the last
        report forwarded before them; and the interval of the last report forwarded
        after them."""
        if not len(lk.t_s):
            return Reports.empty(self.id), last_cell
        detected, accuracy = self.detect(lk, trajectory, draws, size)
        if start_s > -np.inf:
            detected = detected & (lk.t_s > start_s)
        interval = self.report_interval
        if interval is not None:
            idx = np.flatnonzero(detected)
            if not len(idx):
                return Reports.empty(self.id), last_cell
            keep = first_per_interval(lk.t_s[idx], interval, last_cell=last_cell)
            detected[idx[~keep]] = False
            if keep.any():
                last_cell = float(report_cell(lk.t_s[idx[keep][-1]], interval))
        if not detected.any():
            return Reports.empty(self.id), last_cell
        d = lk.d[detected]
        xy, cov = self._measure(lk.range_m[detected], np.arctan2(d[:, 1], d[:, 0]),
                                draws.normal(lk.k[detected], 2))
        # one accuracy for all looks (a radar's) broadcasts in class_evidence as is
        lik = class_evidence(PERSON, accuracy if np.ndim(accuracy) == 0 else accuracy[detected],
                             lk.uniform(1, detected))
        return Reports(self.id, lk.t_s[detected], xy, cov,
                       np.full(len(xy), truth, dtype=np.int64), lik), last_cell

    def _measure(self, range_m: FloatArray, bearing_rad: FloatArray,
                 z: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Noisy positions (n, 2) and their covariances (n, 2, 2) from true polar
        coordinates and standard normals ``z`` (n, 2)."""
        r_m = np.abs(self.measured_range_m(range_m, z[:, 0]))
        b_m = bearing_rad + np.radians(self.spec.sigma_bearing_deg) * z[:, 1]
        return self.convert(r_m, b_m)

    def animals(self, end_s: float, rng: np.random.Generator,
                start_s: float = 0.0) -> tuple[list[Trajectory], list[Draws]]:
        """The nuisance animals of [start_s, end_s) and each one's look stream.

        Animals (deer, boar, elk [OIG-06-15]) enter the sector at the class's
        time-varying rate (`NUISANCE`: most at dusk and dawn); each appears at a point
        uniform over the sector's area and walks a straight line in a uniform
        direction at `ANIMAL_SPEED_MPS` for an exponential time of mean
        `ANIMAL_DWELL_S` [G]. Draws: counts, times, radius, angle, heading, dwell,
        look-stream keys.
        """
        spec = self.spec
        t = nuisance_times(end_s, spec.nuisance_per_day, rng, start_s, self.conditions,
                           self.NUISANCE)
        n = len(t)
        r = spec.max_range_m * np.sqrt(rng.random(n))
        bearing = np.radians(spec.heading_deg + spec.fov_deg * (rng.random(n) - 0.5))
        heading = 2 * np.pi * rng.random(n)
        dwell = rng.exponential(ANIMAL_DWELL_S, n) + 1.0
        keys = rng.integers(0, 2**63 - 1, n)
        xy0 = self.position + r[:, None] * np.column_stack([np.cos(bearing), np.sin(bearing)])
        step = ANIMAL_SPEED_MPS * dwell[:, None] * np.column_stack([np.cos(heading),
                                                                     np.sin(heading)])
        walks = [Trajectory(np.array([t[i], t[i] + dwell[i]]),
                            np.vstack([xy0[i], xy0[i] + step[i]])) for i in range(n)]
        return walks, [Draws(int(k)) for k in keys]

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        """The animals of `animals`, seen look by look like any mover.

        The sensor observes each with its own detection model, sight lines and look
        clock, so an animal seen on several looks makes a track — false tracks at the
        rate the clutter implies — declared as an animal with the sensor's class
        accuracy.
        """
        parts = []
        for walk, draws in zip(*self.animals(end_s, rng, start_s), strict=True):
            seen = self.observe(walk, -1, draws)
            if len(seen):
                parts.append(Reports(self.id, seen.t_s, seen.xy, seen.cov, seen.truth,
                                     _animal_evidence(seen.class_lik)))
        return Reports.concat(self.id, parts)

    def coverage(self) -> Polygon:
        s = self.spec
        return Polygon(sector_polygon_xy(self.position, s.max_range_m, s.heading_deg, s.fov_deg))
