"""Day and thermal cameras with video analytics: a sector looked at every ``revisit_s``.

Model (a documented simplification, on top of `sensors.sector`).

Johnson geometry [D] (DOMAIN §2.3). Pixels across a person's critical dimension
D_c (``target_m``) at range R with focal length f and pixel pitch p:
``N = D_c · f / (R · p)``. The task thresholds N50 (pixels for 50 % of observers)
are detection 1.5, recognition 6 and identification 12 pixels, as DOMAIN §2.3 uses
them (≈1, 4 and 6.4 line pairs in Johnson's cycles [Johnson-Opgal]); with
f = 100 mm, p = 12 µm, D_c = 0.75 m they put the 50 % ranges at 4.2, 1.0 and 0.52 km.

Target transfer probability function (NVESD ACQUIRE convention, DOMAIN §2.3): the
fraction of observers who eventually succeed,

    P∞ = x^E / (1 + x^E),  E = 2.7 + 0.7 x,  x = N / N50.

Time-limited search (NVESD TLS). P∞ is an ensemble probability, not a per-look one:
repeated looks at the same scene do not make a hard target easy. Over a dwell of t
seconds in view the cumulative probability is ``P(t) = P∞ · (1 − exp(−t / τ))`` with
``τ = 3.4 s / P∞`` (the field-of-view search time constant, TLS; from memory, to
verify like DOMAIN §8's TTPF). Implemented per exposure (continuous time in the
sector): one keyed draw ``u`` says whether this target is one the analytics can
acquire at all — it is while ``u < P∞(R(t))`` — and one exponential draw ``E`` the
search effort needed; the analytics acquire it at the first look once the time spent
acquirable (looks × ``revisit_s``) reaches ``E · τ``, and report it at every
acquirable look from then on (tracking). At fixed range this is exactly P(t), never
above P∞.

Light and weather (read through `sim.ground.daylight.Daylight`). A thermal camera
does not need light; a visible one has its pixels on target multiplied by
``twilight_range_factor`` at twilight and ``night_range_factor`` at night (an
illuminator) [G] (DOMAIN §2.2). Fog and rain scatter: the target's contrast falls by
the atmospheric transmittance ``exp(−k · 3.912 R / V)`` (Koschmieder: extinction
3.912 / V for meteorological visibility V), which multiplies N (contrast-limited
resolution, a simplification of the TTP metric); k = 1 for visible light and 0.5 for
thermal, whose contrast natural fog still destroys [IR-fog] [Hagen-2018] [G].

Foliage: imagers do not see through canopy; fixed sight lines with L = 10 m [G].

The camera measures a bearing (``sigma_bearing_deg``) and a range estimate from the
ground model (``sigma_range_frac · R``) [G]. Class: the analytics name the class with
accuracy ``1/3 + (class_accuracy − 1/3) · P∞,recognise(R)`` — sure up close, a guess
where a person cannot be recognised [FI-2025] [AST-FCW] [G]. Verification (an operator
through the slewed, zoomed PTZ view, ``zoom_focal_length_mm``): `recognition_p`.
"""

from __future__ import annotations

import numpy as np

from sensors.base import FloatArray
from sensors.common import DAY, NIGHT, TWILIGHT, NuisanceProfile
from sensors.sector import Looks, SectorSensor
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws
from sim.ground.measurements import camera_bearing
from sim.ground.specs import CameraSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory

#: TTPF exponent E = TTPF_E0 + TTPF_E1 · x (NVESD, DOMAIN §2.3).
TTPF_E0 = 2.7
TTPF_E1 = 0.7
#: Pixels on target for 50 % success per task (DOMAIN §2.3) [Johnson-Opgal].
N50_PX = {"detect": 1.5, "recognise": 6.0, "identify": 12.0}
#: Time-limited search: τ = TLS_TAU_S / P∞ (NVESD TLS, to verify).
TLS_TAU_S = 3.4
#: Koschmieder's constant: extinction coefficient × visibility (2 % contrast).
KOSCHMIEDER = 3.912
#: Fraction of the visible-band extinction a thermal camera suffers in fog [G].
THERMAL_EXTINCTION = 0.5


def ttpf(x: FloatArray) -> FloatArray:
    """Target transfer probability function of ``x = N / N50`` (n,) → P∞ (n,).

    Examples
    --------
    >>> float(ttpf(np.array([1.0]))[0])
    0.5
    """
    x = np.minimum(np.asarray(x, float), 50.0)  # P(50) = 1 - 1e-64; avoids inf / inf
    e = TTPF_E0 + TTPF_E1 * x
    xe = np.power(x, e)
    return xe / (1.0 + xe)


def pixels_on_target(target_m: float, focal_length_mm: float, pixel_pitch_um: float,
                     range_m: FloatArray) -> FloatArray:
    """Johnson geometry: N = D_c · f / (R · p), pixels (n,)."""
    r = np.maximum(np.asarray(range_m, float), 1e-9)
    return target_m * (focal_length_mm * 1e-3) / (r * pixel_pitch_um * 1e-6)


class Camera(SectorSensor):
    """A camera built from its `CameraSpec`, the terrain and the run's daylight."""

    kind = "camera"
    spec: CameraSpec
    #: Video-motion nuisance: animals at dusk and dawn (×3), foliage and heat shimmer
    #: in wind (+20 % per m/s over 3 m/s), rain on the lens (×2) [G] (DOMAIN §2.1).
    NUISANCE = NuisanceProfile(wind_gain_per_mps=0.2, weather_factor=(1.0, 2.0, 1.0, 1.5))

    @classmethod
    def from_spec(cls, spec: CameraSpec, terrain: Terrain | None = None,
                  daylight: Daylight | None = None, duration_s: float | None = None,
                  draws: Draws | None = None) -> Camera:
        """Build from the spec and the run's collaborators (see `sensors.registry`)."""
        return cls(spec, terrain, daylight, draws, duration_s)

    def _condition_factor(self, range_m: FloatArray, t_s: FloatArray) -> FloatArray:
        """Multiplier (n,) of pixels on target for light and atmosphere."""
        t = np.asarray(t_s, float)
        factor = np.ones(t.shape)
        if not self.spec.thermal:
            # the factor of each light (`LIGHT_KINDS` indices: DAY, TWILIGHT, NIGHT),
            # read by index: np.select's values, without its masks
            light = self.conditions.light(t)
            factor = self._light_factor()[light]
        vis = self.conditions.visibility_m(t)
        if factor.shape == np.shape(range_m) and (vis == np.inf).all():
            # exp(-k·K·R / inf) = exp(-0.0) = 1 at every finite range: factor × 1
            return factor
        k = THERMAL_EXTINCTION if self.spec.thermal else 1.0
        with np.errstate(divide="ignore"):
            factor = factor * np.exp(-k * KOSCHMIEDER * np.asarray(range_m, float) / vis)
        return factor

    def _light_factor(self) -> FloatArray:
        """Multiplier of pixels on target by light (3,), indexed by `LIGHT_KINDS`
        index: 1 by day, ``twilight_range_factor``, ``night_range_factor``."""
        try:
            return self._light_table
        except AttributeError:
            table = np.empty(3)
            table[[DAY, TWILIGHT, NIGHT]] = (1.0, self.spec.twilight_range_factor,
                                             self.spec.night_range_factor)
            self._light_table: FloatArray = table
            return table

    def p_inf(self, range_m: FloatArray, t_s: FloatArray, task: str = "detect",
              focal_length_mm: float | None = None) -> FloatArray:
        """P∞ of ``task`` at ranges (n,) and times (n,): TTPF of N / N50; 0 beyond
        ``max_range_m``."""
        r = np.asarray(range_m, float)
        return self._p_inf(r, self._condition_factor(r, t_s), task, focal_length_mm)

    def _p_inf(self, range_m: FloatArray, factor: FloatArray, task: str,
               focal_length_mm: float | None = None) -> FloatArray:
        """`p_inf` given the condition factor (n,) of `_condition_factor` at those
        ranges and times (what several tasks at the same looks share)."""
        s = self.spec
        f = s.focal_length_mm if focal_length_mm is None else focal_length_mm
        n = pixels_on_target(s.target_m, f, s.pixel_pitch_um, range_m)
        return self._p_of_pixels(range_m, n * factor, task)

    def _p_of_pixels(self, range_m: FloatArray, pixels: FloatArray, task: str) -> FloatArray:
        """`_p_inf` given the pixels on target (n,) after light and atmosphere
        (``pixels_on_target × factor``: what detection and recognition at the same
        looks share)."""
        p = ttpf(pixels / N50_PX[task])
        return np.where(range_m <= self.spec.max_range_m, p, 0.0)

    def pd(self, range_m: FloatArray, t_s: FloatArray, size: int = 1) -> FloatArray:
        """P∞ of detection (a group is seen when one member is: size does not matter,
        the Johnson criterion counts pixels across one person [G])."""
        return self.p_inf(range_m, t_s, "detect")

    def detect(self, looks: Looks, trajectory: Trajectory, draws: Draws,
               size: int) -> tuple[np.ndarray, FloatArray]:
        """Time-limited search per exposure (module docstring). Keyed draws per
        exposure, on its first look number: acquirability and search effort."""
        # light and atmosphere at the looks, shared by detection and recognition
        factor = self._condition_factor(looks.range_m, looks.t_s)
        s = self.spec
        pixels = pixels_on_target(s.target_m, s.focal_length_mm, s.pixel_pitch_um,
                                  looks.range_m) * factor
        p_inf = self._p_of_pixels(looks.range_m, pixels, "detect")
        new_exposure = np.empty(len(looks.t_s), dtype=bool)
        new_exposure[:1] = True
        np.not_equal(looks.interval[1:], looks.interval[:-1], out=new_exposure[1:])
        first = np.flatnonzero(new_exposure)
        episode = np.cumsum(new_exposure) - 1
        ep = draws.child(0xCA3E).uniform(looks.k[first], 2)
        u_acq, effort = ep[episode, 0], -np.log(ep[episode, 1])
        acquirable = u_acq < p_inf
        acquirable &= self.open_at(trajectory, looks, acquirable)
        # search time spent acquirable, per exposure, measured in units of τ(R(t))
        dwell = np.where(acquirable, self.spec.revisit_s * p_inf / TLS_TAU_S, 0.0)
        spent = np.cumsum(dwell)
        start = np.concatenate(([0.0], spent))[first][episode]
        acquired = (spent - start) >= effort
        accuracy = 1 / 3 + (self.spec.class_accuracy - 1 / 3) * self._p_of_pixels(
            looks.range_m, pixels, "recognise")
        return acquirable & acquired, accuracy

    def recognition_p(self, range_m: FloatArray, t_s: FloatArray) -> FloatArray:
        """P∞ that an operator looking through the slewed, zoomed camera recognises
        persons at ``range_m`` (n,): TTPF at ``zoom_focal_length_mm``, with light and
        atmosphere as for detection."""
        return self.p_inf(range_m, t_s, "recognise", self.spec.zoom_focal_length_mm)

    def measured_range_m(self, range_m: FloatArray, z: FloatArray) -> FloatArray:
        """Range estimate with a relative error: ``R (1 + sigma_range_frac · z)``."""
        return range_m * (1.0 + self.spec.sigma_range_frac * z)

    def convert(self, range_m: FloatArray,
                bearing_rad: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Bearing plus range estimate, `sim.ground.measurements.camera_bearing`."""
        return camera_bearing(self.position, bearing_rad, range_m,
                              np.radians(self.spec.sigma_bearing_deg),
                              self.spec.sigma_range_frac)
