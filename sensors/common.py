"""Pieces every sensor model shares: look clocks, class evidence, measurement
covariances, fixed sight lines through foliage, conditions (light and weather),
nuisance timing and failures.

Sight lines (`SightLines`). Trees do not move between scans: whether the sight line
from a sensor to a point on the ground is open is a property of the geometry, drawn
once per replication. The foliage transmittance ``T = exp(-foliage_m / L)`` (from
`sim.ground.terrain.Terrain.foliage_m`; for a sensor on a mast, from
`sim.ground.terrain.Terrain.sight`, 0 where relief masks the line and only the
foliage below the canopy top counted) is compared with a spatially correlated uniform
field ``U(x)`` keyed by (sensor, grid cell): open iff ``U(x) < T``. So
``P(open) = T`` at every point, a walker standing at one spot is seen on all or none
of a sensor's looks, and nearby points share their fate over about `SIGHT_CELL_M`
[G]. The looks at a mover read ``T`` every `LOS_STEP_M` of its path, interpolated in
between (`sim.ground.trajectory.Trajectory.along`).

Conditions (`Conditions`). Sensors read light and weather only through the methods
of `sim.ground.daylight.Daylight` (`light`, `weather`, `visibility_m`, `wind_mps`).

Nuisance (`NuisanceProfile`). The rate of nuisance alarms varies in time: animals are
most active at dusk and dawn (crepuscular), wind and rain add their own (each sensor
class states its profile and source). Counts are Poisson with that rate, piecewise
constant over `NUISANCE_BIN_S`.

Failures (`downtime`). A sensor with a mean time between failures alternates up and
down (exponential up and repair times: an alternating renewal process, DOMAIN §2.4).

Class evidence. A sensor that classifies declares one class per report; with
accuracy ``a`` it names the true class with probability ``a`` and each other class
with ``(1 - a) / 2`` [G]. The report carries the likelihood of that declaration under
each true class (a column of the confusion matrix), so fusion can multiply evidence
without ever seeing the truth. Crossing groups are people; nuisance alarms are
animals (wind and rain are lumped in with them) [OIG-06-15] [AZRep-2013].

Measurement covariances are not computed here: every sensor turns its raw
measurement (range and bearing, a point on a line, its own position) into a position
and covariance with the conversions of ``sim.ground.measurements``, so the
sensors and the fusion core agree on one measurement model.
"""

from __future__ import annotations

import functools
import math
import weakref
import zlib
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.ground import prebuilt
from sim.ground.daylight import LIGHT_KINDS, WEATHER_KINDS, Daylight
from sim.ground.keyed import Draws
from sim.ground.specs import SensorSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory

FloatArray = NDArray[np.float64]

PERSON, VEHICLE, ANIMAL = 0, 1, 2

#: Along-path spacing (m) at which line of sight through foliage is evaluated and
#: then interpolated: shapely sight lines cost ~18 µs each (ECOSYSTEM.md) [G].
LOS_STEP_M = 20.0


def default_phase_s(sensor_id: str, period_s: float) -> float:
    """A fixed look-clock offset in [0, period) derived from the sensor id.

    crc32, not hash(): it must be the same in every process. Sensors of one kind
    thus do not all scan in lock step, and a sensor's clock never depends on a draw.
    """
    return zlib.crc32(sensor_id.encode("utf-8")) / 2.0**32 * period_s


def class_evidence(true_class: int, accuracy: float | FloatArray, u: FloatArray) -> FloatArray:
    """Likelihood rows (n, 3) of the class each report declares.

    Parameters
    ----------
    true_class : index in `sensors.base.CLASSES` of what was really seen
    accuracy : probability the declared class is the true one, in [1/3, 1]; a scalar
        or one per report (a camera's depends on range)
    u : (n,) uniform draws, one per report (drawn for every look)
    """
    u = np.asarray(u, float)
    if isinstance(accuracy, float) and u.ndim == 1 and len(u) <= _FEW_REPORTS:
        return _few_evidence(true_class, accuracy, u.tolist())
    acc = np.broadcast_to(np.asarray(accuracy, float), u.shape)
    other = (1.0 - acc) / 2.0
    # declared = true class if u < acc, else one of the other two (equal halves)
    others = [c for c in range(3) if c != true_class]
    declared = np.where(u < acc, true_class,
                        np.where(u < acc + other, others[0], others[1]))
    lik = np.repeat(other[:, None], 3, axis=1)
    lik[np.arange(len(u)), declared] = acc
    return lik


#: Up to this many reports `class_evidence` declares in plain Python (the numpy
#: version's dozen calls cost more than the rows).
_FEW_REPORTS = 32


@functools.lru_cache(maxsize=64)
def _evidence_rows(true_class: int, accuracy: float
                   ) -> tuple[float, tuple[tuple[float, float, float], ...]]:
    """``acc + other`` (the second cut of `class_evidence`) and the likelihood row of
    each declared class, for one true class and a scalar accuracy."""
    other = (1.0 - accuracy) / 2.0
    rows = tuple(tuple(accuracy if c == declared else other for c in range(3))
                 for declared in range(3))
    return accuracy + other, rows  # type: ignore[return-value]


def _few_evidence(true_class: int, accuracy: float, u: list[float]) -> FloatArray:
    """`class_evidence` of a scalar accuracy and a few draws ``u``, the same floats."""
    if not u:
        return np.zeros((0, 3))
    cut, rows = _evidence_rows(true_class, accuracy)
    others = [c for c in range(3) if c != true_class]
    true_row, first, second = rows[true_class], rows[others[0]], rows[others[1]]
    return np.array([true_row if v < accuracy else first if v < cut else second
                     for v in u])


#: Size of the cells of the sight-line field, m: points closer than this mostly share
#: whether their sight line is open (gaps between trees, a few metres to tens) [G].
SIGHT_CELL_M = 10.0


def has_foliage(terrain: Terrain | None) -> bool:
    return terrain is not None and bool(np.any(terrain.foliage > 0))


def field_key(sensor_id: str) -> Draws:
    """The stream of a sensor's fixed random fields when the engine gives none (tests):
    a function of the id only, the same in every process."""
    return Draws(zlib.crc32(("field/" + sensor_id).encode("utf-8")))


_MINUS_SQRT_HALF = -math.sqrt(0.5)


def standard_normal_cdf(z: FloatArray) -> FloatArray:
    """Φ(z) = erfc(-z/√2) / 2 elementwise, with the standard library's ``erfc``
    (accurate in both tails; within an ulp or two of ``scipy.special.ndtr``, whose
    import, about 0.15 s, every run would otherwise pay for this one function)."""
    erfc = math.erfc
    return 0.5 * np.array([erfc(v) for v in (z * _MINUS_SQRT_HALF).tolist()])


#: The corners (dx, dy) of a grid cell, in the order their weights are summed.
_CORNERS = ((0, 0), (1, 0), (0, 1), (1, 1))


def _corner_normals(draws: Draws, ix: NDArray[np.int64],
                    iy: NDArray[np.int64]) -> FloatArray:
    """The keyed standard normals (4, n) at the `_CORNERS` of the cells ``(ix, iy)``
    (n,) of n points.

    Points along a path come in runs in one cell (looks a few metres apart, cells of
    `SIGHT_CELL_M`): the corners are drawn once per run, in one call (a draw is a
    pure function of its key, so this is the draw per point).
    """
    n = len(ix)
    if not n:
        return np.zeros((len(_CORNERS), 0))
    new_cell = np.empty(n, dtype=bool)
    new_cell[0] = True
    np.not_equal(ix[1:], ix[:-1], out=new_cell[1:])
    new_cell[1:] |= iy[1:] != iy[:-1]
    first = np.flatnonzero(new_cell)
    run = np.cumsum(new_cell) - 1
    cx, cy = ix[first], iy[first]
    keys = np.concatenate([((cx + dx) << 32) ^ ((cy + dy) & 0xFFFFFFFF)
                           for dx, dy in _CORNERS])
    return draws.normal(keys, 1)[:, 0].reshape(len(_CORNERS), len(first))[:, run]


def correlated_normal(draws: Draws, xy: FloatArray, cell_m: float = SIGHT_CELL_M) -> FloatArray:
    """A spatially correlated field of standard normals (n,) at points ``xy`` (n, 2):
    Φ⁻¹ of `correlated_uniform`."""
    q = np.asarray(xy, float).reshape(-1, 2) / cell_m
    base = np.floor(q)
    f = q - base
    ix = base[:, 0].astype(np.int64)
    iy = base[:, 1].astype(np.int64)
    z = np.zeros(len(q))
    w2 = np.zeros(len(q))
    for (dx, dy), zc in zip(_CORNERS, _corner_normals(draws, ix, iy), strict=True):
        w = (f[:, 0] if dx else 1 - f[:, 0]) * (f[:, 1] if dy else 1 - f[:, 1])
        z += w * zc
        w2 += w * w
    return z / np.sqrt(w2)


def correlated_uniform(draws: Draws, xy: FloatArray, cell_m: float = SIGHT_CELL_M) -> FloatArray:
    """A spatially correlated field of uniforms (n,) at points ``xy`` (n, 2).

    Keyed standard normals at the corners of a grid of ``cell_m`` are interpolated
    bilinearly and rescaled to unit variance (Σw² of the weights), so the value at
    every point is exactly N(0, 1) and Φ of it exactly uniform; values correlate over
    about one cell. Pure function of (stream, point): drawn once per replication.
    """
    return standard_normal_cdf(correlated_normal(draws, xy, cell_m))


#: Abramowitz & Stegun 7.1.26 (Hastings): erf(x) ≈ 1 − t·P(t)·exp(−x²), t = 1/(1 + p·x),
#: x ≥ 0, with absolute error at most 1.5e-7.
_AS_P = 0.3275911
_AS_A = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)
#: Half-width, in probability, of the band around a threshold where `cdf_below` calls
#: the exact Φ: far wider than the approximation's error on Φ (7.5e-8).
_CDF_MARGIN = 1e-6


def cdf_below(z: FloatArray, threshold: FloatArray) -> NDArray[np.bool_]:
    """``standard_normal_cdf(z) < threshold`` (n,), exactly, at a fraction of its cost.

    A vectorised approximation of Φ (`_AS_A`, error ≤ 7.5e-8) settles every point
    farther than `_CDF_MARGIN` from its threshold; only the others (and NaNs) pay for
    the exact ``erfc`` of `standard_normal_cdf`, so the answer is the same bit for bit.
    """
    z = np.asarray(z, float)
    threshold = np.broadcast_to(np.asarray(threshold, float), z.shape)
    x = np.abs(z) * math.sqrt(0.5)
    t = 1.0 / (1.0 + _AS_P * x)
    poly = np.zeros_like(t)
    for a in _AS_A:
        poly = poly * t + a
    tail = 0.5 * t * poly * np.exp(-x * x)          # ≈ Φ(−|z|)
    approx = np.where(z < 0, tail, 1.0 - tail)
    below = approx < threshold
    close = ~(np.abs(approx - threshold) > _CDF_MARGIN)
    if close.any():
        below[close] = standard_normal_cdf(z[close]) < threshold[close]
    return below


def foliage_transmittance(foliage_m: FloatArray, length_m: float) -> FloatArray:
    """Probability (n,) that a sight line through ``foliage_m`` (density-weighted
    metres) of foliage is open: ``exp(-foliage_m / length_m)`` (Beer–Lambert
    attenuation by foliage, as radar and optical foliage-loss models take it
    [Forest-radar] [mmW-foliage])."""
    return np.exp(-np.asarray(foliage_m, float) / length_m)


class SightLines:
    """Fixed lines of sight from one sensor position through the foliage.

    ``open(xy)`` is True where the sight line to ``xy`` (n, 2) gets through:
    ``U(x) < exp(-foliage_m(x) / length_m)`` with ``U`` the sensor's correlated
    uniform field (`correlated_uniform`). ``transmittance`` is the one place a sensor
    asks the terrain about its sight lines: with ``mast_m`` set, `Terrain.sight` from
    that height (relief masks the line; only the foliage below the canopy top counts);
    without, `Terrain.foliage_m` (the whole line under the canopy).
    """

    def __init__(self, terrain: Terrain | None, origin: FloatArray, length_m: float,
                 draws: Draws, mast_m: float | None = None) -> None:
        # with a mast, relief can block a line even where no foliage grows
        keep = has_foliage(terrain) or (mast_m is not None and terrain is not None)
        self.terrain = terrain if keep else None
        self.origin = np.asarray(origin, float)
        self.length_m = float(length_m)
        self.draws = draws
        self.mast_m = mast_m
        self._kernels = prebuilt.load() if self.terrain is not None else None

    @property
    def clear(self) -> bool:
        """True when nothing can block a sight line (no foliage anywhere)."""
        return self.terrain is None

    def transmittance(self, xy: FloatArray) -> FloatArray:
        """Probability (n,) that the sight line to each point is open."""
        xy = np.asarray(xy, float).reshape(-1, 2)
        if self.terrain is None:
            return np.ones(len(xy))
        if self.mast_m is not None:      # over relief, under the canopy top only
            masked, canopy_m = self.terrain.sight(self.origin, self.mast_m, xy)
            return np.where(masked, 0.0, foliage_transmittance(canopy_m, self.length_m))
        return foliage_transmittance(self.terrain.foliage_m(self.origin, xy), self.length_m)

    def open(self, xy: FloatArray, transmittance: FloatArray | None = None) -> NDArray[np.bool_]:
        """Whether the sight line to each point (n, 2) is open (fixed per replication)."""
        xy = np.asarray(xy, float).reshape(-1, 2)
        if self.terrain is None:
            return np.ones(len(xy), dtype=bool)
        tr = self.transmittance(xy) if transmittance is None else transmittance
        if self._kernels is not None:     # the C port of the two lines below, bit for bit
            flat = np.ascontiguousarray(xy).reshape(-1)
            keys, corner = self._kernels.field_keys(flat, SIGHT_CELL_M)
            tr = np.asarray(tr, dtype=float)
            if tr.shape != (len(xy),):
                tr = np.broadcast_to(tr, (len(xy),))
            return self._kernels.field_below(flat, SIGHT_CELL_M,
                                             self.draws.normal(keys, 1).reshape(-1), corner,
                                             np.ascontiguousarray(tr))
        # U(x) < T with U = Φ(correlated normal): decided without Φ wherever clear-cut
        return cdf_below(correlated_normal(self.draws, xy), tr)

    def open_along(self, trajectory: Trajectory, t_s: FloatArray,
                   xy: FloatArray | None = None) -> NDArray[np.bool_]:
        """`open` at the mover's positions at times ``t_s`` (``xy`` (n, 2): those
        positions, already computed by `Trajectory.position_at`), with the transmittance
        evaluated every `LOS_STEP_M` of its path and interpolated in between: without a
        mast, the foliage on the line (`foliage_along`); with ``mast_m``, the
        transmittance from the mast over relief and under the canopy top
        (`transmittance`, 0 where relief masks the line), so a look sees what `open`
        says the line from the mast lets through."""
        t = np.asarray(t_s, float)
        if self.terrain is None or not len(t):
            return np.ones(len(t), dtype=bool)
        if self.mast_m is not None:
            tr = trajectory.along(t, self.transmittance, LOS_STEP_M)
        else:
            tr = foliage_transmittance(foliage_along(self.terrain, self.origin, trajectory, t),
                                       self.length_m)
        return self.open(trajectory.position_at(t).reshape(-1, 2) if xy is None else xy, tr)


def foliage_along(terrain: Terrain, origin: FloatArray, trajectory: Trajectory,
                  t_s: FloatArray, step_m: float = LOS_STEP_M) -> FloatArray:
    """Foliage on the sight line from ``origin`` to the mover at times ``t_s`` (n,), m,
    read every ``step_m`` of its path (`Terrain.foliage_along`)."""
    return terrain.foliage_along(origin, trajectory, t_s, step_m)


#: Night periods found once per clock, over a span that grows as asked (weak keys:
#: a clock's entry goes with it).
_NIGHTS: weakref.WeakKeyDictionary[Daylight, tuple[float, float, FloatArray]] = \
    weakref.WeakKeyDictionary()
_NIGHT_SPAN_S = 16 * 86_400.0


def night_intervals(daylight: Daylight, start_s: float, end_s: float) -> FloatArray:
    """Night periods (n, 2), s, clipped to [start_s, end_s), sorted
    (`sim.ground.daylight.Daylight.night_intervals`, found once per clock over whole
    days and cached: the clock's light is a fixed function of time)."""
    if end_s <= start_s:
        return np.zeros((0, 2))
    lo, hi, iv = _NIGHTS.get(daylight, (np.inf, -np.inf, np.zeros((0, 2))))
    if start_s < lo or end_s > hi:
        lo = min(lo, np.floor(start_s / 86_400.0) * 86_400.0 - 86_400.0)
        hi = max(hi, lo + _NIGHT_SPAN_S, np.ceil(end_s / 86_400.0) * 86_400.0 + 86_400.0)
        iv = daylight.night_intervals(lo, hi)
        _NIGHTS[daylight] = (lo, hi, iv)
    iv = iv[(iv[:, 1] > start_s) & (iv[:, 0] < end_s)]
    return np.column_stack([np.maximum(iv[:, 0], start_s), np.minimum(iv[:, 1], end_s)])


class Conditions:
    """Light and weather at simulation times, read only through `Daylight`'s
    interface (`light`, `weather`, `visibility_m`, `wind_mps`); without a clock the
    day is endless, clear and calm."""

    #: Half-width of the dusk and dawn windows around a change of light, s [G].
    CREPUSCULAR_HALF_S = 3_600.0

    def __init__(self, daylight: Daylight | None) -> None:
        self.daylight = daylight

    def light(self, t_s: FloatArray) -> NDArray[np.int64]:
        t = np.asarray(t_s, float)
        if self.daylight is None:
            return np.zeros(t.shape, dtype=np.int64)
        return self.daylight.light(t)

    def weather(self, t_s: FloatArray) -> NDArray[np.int64]:
        t = np.asarray(t_s, float)
        if self.daylight is None:
            return np.zeros(t.shape, dtype=np.int64)
        return self.daylight.weather(t)

    def visibility_m(self, t_s: FloatArray) -> FloatArray:
        t = np.asarray(t_s, float)
        if self.daylight is None:
            return np.full(t.shape, np.inf)
        return self.daylight.visibility_m(t)

    def wind_mps(self, t_s: FloatArray) -> FloatArray:
        t = np.asarray(t_s, float)
        if self.daylight is None:
            return np.zeros(t.shape)
        return self.daylight.wind_mps(t)

    def is_night(self, t_s: FloatArray) -> NDArray[np.bool_]:
        return self.light(t_s) == NIGHT

    def crepuscular(self, t_s: FloatArray) -> NDArray[np.bool_]:
        """Dusk and dawn: twilight, or within `CREPUSCULAR_HALF_S` of a change of light
        (so the windows exist whether or not the clock models twilight)."""
        t = np.asarray(t_s, float)
        h = self.CREPUSCULAR_HALF_S
        return ((self.light(t) == TWILIGHT)
                | (self.light(t - h) != self.light(t + h)))


DAY, TWILIGHT, NIGHT = (LIGHT_KINDS.index(k) for k in ("day", "twilight", "night"))
CLEAR, RAIN, FOG, SNOW = (WEATHER_KINDS.index(k) for k in ("clear", "rain", "fog", "snow"))

#: Width of the bins over which a nuisance rate is held constant, s.
NUISANCE_BIN_S = 600.0


@dataclass(frozen=True)
class NuisanceProfile:
    """How a sensor's nuisance rate changes with time of day and weather.

    rate(t) = nuisance_per_day × diel(t) × (1 + wind_gain · max(wind − wind_from, 0))
    × weather_factor[weather(t)], with diel = ``dusk_dawn`` in the dusk and dawn
    windows (`Conditions.crepuscular`), else ``day`` or ``night``. ``nuisance_per_day``
    is thus the rate on a calm, clear night.
    """

    day: float = 0.5
    night: float = 1.0
    dusk_dawn: float = 3.0
    wind_gain_per_mps: float = 0.0
    wind_from_mps: float = 3.0
    weather_factor: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    notes: str = field(default="", compare=False)

    def factor(self, conditions: Conditions, t_s: FloatArray) -> FloatArray:
        """The multiplier (n,) of the calm-night rate at times ``t_s`` (n,)."""
        return self.factor_of(_states(conditions, np.asarray(t_s, float)))

    def factor_of(self, states: _States) -> FloatArray:
        """`factor` from the conditions already read at the times (`_states`)."""
        diel = np.where(states.crepuscular, self.dusk_dawn,
                        np.where(states.night, self.night, self.day))
        wind = np.maximum(states.wind_mps - self.wind_from_mps, 0.0)
        weather = np.asarray(self.weather_factor)[states.weather]
        return diel * (1.0 + self.wind_gain_per_mps * wind) * weather


@dataclass(frozen=True)
class _States:
    """What a `NuisanceProfile` reads of the conditions at some times (n,) each."""

    night: NDArray[np.bool_]
    crepuscular: NDArray[np.bool_]
    wind_mps: FloatArray
    weather: NDArray[np.int64]


def _states(conditions: Conditions, t: FloatArray) -> _States:
    return _States(conditions.is_night(t), conditions.crepuscular(t),
                   conditions.wind_mps(t), conditions.weather(t))


#: The conditions at the middles of one span's nuisance bins, per clock: every
#: sensor draws the same day's alarms over the same bins (`nuisance_times`), and the
#: light and weather are a fixed function of time, so they are read once per day.
_BIN_STATES: weakref.WeakKeyDictionary[Daylight, tuple[float, float, _States]] = \
    weakref.WeakKeyDictionary()


def _bin_states(conditions: Conditions, start_s: float, end_s: float,
                middles: FloatArray) -> _States:
    """`_states` at the bin ``middles`` of [start_s, end_s), remembered per clock."""
    daylight = conditions.daylight
    if daylight is None:
        return _states(conditions, middles)
    hit = _BIN_STATES.get(daylight)
    if hit is not None and hit[0] == start_s and hit[1] == end_s:
        return hit[2]
    states = _states(conditions, middles)
    _BIN_STATES[daylight] = (start_s, end_s, states)
    return states


def nuisance_times(end_s: float, per_day: float, rng: np.random.Generator,
                   start_s: float = 0.0, conditions: Conditions | None = None,
                   profile: NuisanceProfile | None = None) -> FloatArray:
    """Sorted times of a Poisson process on [start_s, end_s) with rate
    ``per_day × profile.factor(t)`` per day, held constant over bins of
    `NUISANCE_BIN_S` (evaluated at each bin's middle); homogeneous without a profile.

    Per bin a Poisson count with the bin's mean, placed uniformly in the bin: exactly
    the inhomogeneous Poisson process with that piecewise-constant rate.
    """
    span = max(end_s - start_s, 0.0)
    if profile is None or conditions is None:
        n = rng.poisson(per_day * span / 86_400.0)
        return np.sort(rng.uniform(start_s, start_s + span, n))
    edges, widths, mean = _bin_means(conditions, profile, per_day, start_s, end_s)
    if not len(edges):
        return np.zeros(0)
    counts = rng.poisson(mean)
    u = rng.random(int(counts.sum()))
    if not len(u):                      # a quiet day, as for most sensors: no alarm
        return u
    lo = np.repeat(edges, counts)
    width = np.repeat(widths, counts)
    return np.sort(lo + width * u)


_Bins = tuple[FloatArray, FloatArray, FloatArray]
#: Per clock, the bins of one span and, per (profile, rate), their Poisson means
#: (`_bin_means`): the many sensors of a class draw a day's alarms from the same
#: means, a fixed function of the span, the profile, the rate and the clock.
_BIN_MEANS: weakref.WeakKeyDictionary[
    Daylight, tuple[float, float, dict[tuple[NuisanceProfile, float], _Bins]]] = \
    weakref.WeakKeyDictionary()


def _bin_means(conditions: Conditions, profile: NuisanceProfile, per_day: float,
               start_s: float, end_s: float) -> _Bins:
    """The bin starts (m,), widths (m,), s, and Poisson means (m,) of `nuisance_times`
    over [start_s, end_s), remembered per clock for the last span asked."""
    daylight = conditions.daylight
    means: dict[tuple[NuisanceProfile, float], _Bins] | None = None
    if daylight is not None:
        hit = _BIN_MEANS.get(daylight)
        if hit is not None and hit[0] == start_s and hit[1] == end_s:
            means = hit[2]
            bins = means.get((profile, per_day))
            if bins is not None:
                return bins
        else:
            means = {}
            _BIN_MEANS[daylight] = (start_s, end_s, means)
    edges = np.arange(start_s, end_s, NUISANCE_BIN_S)
    ends = np.minimum(edges + NUISANCE_BIN_S, end_s)
    widths = ends - edges
    if len(edges):
        middles = (edges + ends) / 2
        rate = per_day / 86_400.0 * profile.factor_of(
            _bin_states(conditions, start_s, end_s, middles))
        mean = rate * widths
    else:
        mean = widths
    bins = (edges, widths, mean)
    if means is not None:
        means[(profile, per_day)] = bins
    return bins


def downtime(mtbf_s: float | None, mttr_s: float, end_s: float, draws: Draws) -> FloatArray:
    """Intervals (n, 2), s, when a sensor is down over [0, end_s): exponential up times
    of mean ``mtbf_s`` and repair times of mean ``mttr_s`` (an alternating renewal
    process starting up), from keyed draws per failure number. None: never fails."""
    if mtbf_s is None or end_s <= 0:
        return np.zeros((0, 2))
    out = []
    t, k = 0.0, 0
    stream = draws.child(0x4EA1)
    batch = max(8, int(2 * end_s / (mtbf_s + mttr_s)) + 8)
    while t < end_s:
        u = stream.uniform(np.arange(k, k + batch), 2)
        for up_u, down_u in u:
            t += -mtbf_s * math.log(up_u)
            if t >= end_s:
                break
            dt = -mttr_s * math.log(down_u)
            out.append((t, t + dt))
            t += dt
        k += batch
    return np.asarray(out, float).reshape(-1, 2)


def failures(spec: SensorSpec, duration_s: float | None,
             draws: Draws | None) -> tuple[FloatArray, float]:
    """A sensor's down intervals (n, 2), s, over the run from its spec's ``mtbf_h`` and
    ``mttr_h`` (`downtime`; none without a duration or an MTBF), and the delay before
    a failure is reported (``health_report_s``). ``draws``: the sensor's field stream
    (None: derived from its id)."""
    stream = draws if draws is not None else field_key(spec.id)
    down = downtime(None if spec.mtbf_h is None else spec.mtbf_h * 3600.0,
                    spec.mttr_h * 3600.0, duration_s or 0.0, stream)
    return down, spec.health_report_s


def report_cell(t_s: FloatArray | float, interval_s: float) -> FloatArray:
    """The report interval ``k`` (``k·T <= t < (k+1)·T`` on the run's clock) of times
    ``t_s``, as floats (-inf for -inf: no report yet)."""
    return np.floor(np.asarray(t_s, float) / interval_s)


def first_per_interval(t_s: FloatArray, interval_s: float | None,
                       source: NDArray[np.int64] | None = None,
                       last_cell: float = -np.inf) -> NDArray[np.bool_]:
    """Which of the reports at times ``t_s`` (n,) a sensor with a report interval
    forwards: the first of each mover (``source`` (n,), e.g. the clutter episode of
    each plot; None: all one mover) in each interval ``[k·T, (k+1)·T)`` of the clock,
    ``T = interval_s`` (None: all of them). ``t_s`` is sorted within each source.

    ``last_cell`` is the interval of the last report already forwarded of that mover
    (one mover only; `report_cell`): none in it is forwarded again. The rule is
    causal and on the absolute clock, so splitting the reports at any time and
    passing each part the interval of the last report forwarded before it gives the
    same answer as one call (`sensors.sector.SectorSensor.observe_windows`, a plan
    revised in `sim.world`).
    """
    t = np.asarray(t_s, float)
    if interval_s is None:
        return np.ones(len(t), dtype=bool)
    cell = report_cell(t, interval_s)
    first = np.empty(len(t), dtype=bool)
    if source is None:
        first[:1] = cell[:1] != last_cell
        np.not_equal(cell[1:], cell[:-1], out=first[1:])
        return first
    order = np.lexsort((t, source))
    c, s = cell[order], np.asarray(source)[order]
    new = np.empty(len(t), dtype=bool)
    new[:1] = True
    new[1:] = (c[1:] != c[:-1]) | (s[1:] != s[:-1])
    first[order] = new
    return first


def up_mask(down: FloatArray, t_s: FloatArray) -> NDArray[np.bool_]:
    """True (n,) where times ``t_s`` fall outside the down intervals ``down`` (m, 2)."""
    t = np.asarray(t_s, float)
    if not len(down) or not len(t):
        return np.ones(t.shape, dtype=bool)
    i = np.searchsorted(down[:, 0], t, side="right") - 1
    inside = (i >= 0) & (t < down[np.maximum(i, 0), 1])
    return ~inside
