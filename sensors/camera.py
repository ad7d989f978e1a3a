"""Day/thermal cameras with video analytics: a sector looked at every ``revisit_s``.

Model (a documented simplification, on top of `sensors.sector`). Pd per look in
clear line of sight follows the target transfer probability function (NVESD
convention, DOMAIN §2.3):

    P = x^E / (1 + x^E),  E = 2.7 + 0.7 x,  x = N / N50 = r50 / R,

since pixels on target N fall as 1/R (Johnson geometry), ``r50_m`` being the range
of 50 % detection [Johnson-Opgal]. At night a camera that is not thermal sees only
to ``night_range_factor · r50_m``; a thermal one is unaffected [G]. Imagers do not
see through canopy: ``P_LOS = exp(-foliage_m / foliage_length_m)`` with L = 10 m
[G]. The camera measures a bearing (``sigma_bearing_deg``) and a range estimate from
the ground model, with error ``sigma_range_frac · R`` [G]. Video analytics classify
(person vs animal) with ``class_accuracy`` ≈ 0.9 [FI-2025] [AST-FCW] [G].
"""

from __future__ import annotations

import numpy as np

from sensors.base import FloatArray
from sensors.sector import SectorSensor
from sim.ground.daylight import Daylight
from sim.ground.measurements import camera_bearing
from sim.ground.specs import CameraSpec
from sim.ground.terrain import Terrain


def ttpf(x: FloatArray) -> FloatArray:
    """Target transfer probability function of ``x = N / N50`` (n,) → probability (n,).

    Examples
    --------
    >>> float(ttpf(np.array([1.0]))[0])
    0.5
    """
    x = np.minimum(np.asarray(x, float), 50.0)  # P(50) = 1 - 1e-64; avoids inf / inf
    e = 2.7 + 0.7 * x
    xe = np.power(x, e)
    return xe / (1.0 + xe)


class Camera(SectorSensor):
    """A camera built from its `CameraSpec`, the terrain and the run's daylight."""

    kind = "camera"
    spec: CameraSpec

    @classmethod
    def from_spec(cls, spec: CameraSpec, terrain: Terrain | None = None,
                  daylight: Daylight | None = None, duration_s: float | None = None) -> Camera:
        """Build from the spec and the run's collaborators (see `sensors.registry`)."""
        return cls(spec, terrain, daylight)

    def __init__(self, spec: CameraSpec, terrain: Terrain | None = None,
                 daylight: Daylight | None = None) -> None:
        super().__init__(spec, terrain)
        self.daylight = daylight

    def r50_m(self, t_s: FloatArray) -> FloatArray:
        """Range of 50 % Pd at times ``t_s`` (n,): shorter at night unless thermal."""
        t = np.asarray(t_s, float)
        r50 = np.full(t.shape, self.spec.r50_m)
        if not self.spec.thermal and self.daylight is not None:
            r50 = np.where(self.daylight.is_night(t), r50 * self.spec.night_range_factor, r50)
        return r50

    def pd(self, range_m: FloatArray, t_s: FloatArray, size: int = 1) -> FloatArray:
        """Pd per look in clear line of sight: TTPF of ``r50(t) / R``; 0 beyond max range.

        The group's size does not change it: the Johnson criterion counts cycles across
        one person's critical dimension, and a group is seen when one of its members is
        (simplification [G])."""
        r = np.asarray(range_m, float)
        with np.errstate(divide="ignore"):
            p = ttpf(self.r50_m(t_s) / r)
        p = np.where(r > 0, p, 1.0)
        return np.where(r <= self.spec.max_range_m, p, 0.0)

    def recognition_p(self, range_m: FloatArray, t_s: FloatArray) -> FloatArray:
        """Probability an operator looking through the slewed, zoomed camera recognises
        persons at ``range_m`` (n,): TTPF of ``recognition_r50(t) / R`` (shorter at
        night unless thermal, like detection); 0 beyond max range."""
        r = np.asarray(range_m, float)
        r50 = np.full(np.shape(r), self.spec.recognition_r50_m)
        if not self.spec.thermal and self.daylight is not None:
            r50 = np.where(self.daylight.is_night(np.asarray(t_s, float)),
                           r50 * self.spec.night_range_factor, r50)
        with np.errstate(divide="ignore"):
            p = ttpf(r50 / r)
        p = np.where(r > 0, p, 1.0)
        return np.where(r <= self.spec.max_range_m, p, 0.0)

    def measured_range_m(self, range_m: FloatArray, z: FloatArray) -> FloatArray:
        """Range estimate with a relative error: ``R (1 + sigma_range_frac · z)``."""
        return range_m * (1.0 + self.spec.sigma_range_frac * z)

    def convert(self, range_m: FloatArray,
                bearing_rad: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Bearing plus range estimate, `sim.ground.measurements.camera_bearing`."""
        return camera_bearing(self.position, bearing_rad, range_m,
                              np.radians(self.spec.sigma_bearing_deg),
                              self.spec.sigma_range_frac)
