"""Ground surveillance radar: a sector scanned every ``revisit_s``.

Model (a documented simplification, on top of `sensors.sector`). Pd per scan in
clear line of sight follows the fourth-power range law: the echo's signal-to-noise
ratio falls as R⁻⁴ [D] (DOMAIN §2.3), and for a fluctuating (Swerling I) target at
high SNR ``ln Pd ∝ -1/SNR ∝ R⁴``, so

    Pd(R) = pd_at_1km ** ((R / 1 km) ** 4),

which equals ``pd_at_1km`` at 1 km, tends to 1 close in and to 0 far out (with the
default 0.9 it is 0.19 at 2 km and 1e-3 at 3 km; a radar meant to see people at
4 km needs ``pd_at_1km`` ≈ 0.999, giving 0.77 there). Beyond ``max_range_m`` it is
0. Foliage blocks the beam with ``P_LOS = exp(-foliage_m / foliage_length_m)``;
the default L = 30 m makes 100 m of forest (foliage 0.8) pass 7 % of scans, in line
with forest cutting single-pulse Pd below 0.1 [Forest-radar]. Day and night do not
matter [G]. Range noise ``sigma_range_m``, azimuth noise ``sigma_bearing_deg``
(~1° [PSR-wiki] [G]).
"""

from __future__ import annotations

import numpy as np

from sensors.base import FloatArray
from sensors.sector import SectorSensor
from sim.ground.daylight import Daylight
from sim.ground.measurements import range_bearing
from sim.ground.specs import RadarSpec
from sim.ground.terrain import Terrain


class Radar(SectorSensor):
    """A ground radar built from its `RadarSpec` (and the terrain for line of sight)."""

    kind = "radar"
    spec: RadarSpec

    @classmethod
    def from_spec(cls, spec: RadarSpec, terrain: Terrain | None = None,
                  daylight: Daylight | None = None, duration_s: float | None = None) -> Radar:
        """Build from the spec and the run's collaborators (see `sensors.registry`)."""
        return cls(spec, terrain)

    def __init__(self, spec: RadarSpec, terrain: Terrain | None = None) -> None:
        super().__init__(spec, terrain)

    def pd(self, range_m: FloatArray, t_s: FloatArray | None = None,
           size: int = 1) -> FloatArray:
        """Pd per scan in clear line of sight of a group of ``size`` persons:
        ``pd_at_1km ** ((R / 1 km) ** 4 / size)``.

        −ln Pd grows as 1 / SNR and the radar equation gives SNR ∝ σ / R⁴; a group's
        radar cross-section is the sum of its members' (incoherent), σ ∝ size [G].
        """
        r = np.asarray(range_m, float)
        p = np.power(self.spec.pd_at_1km, (r / 1_000.0) ** 4 / max(int(size), 1))
        return np.where(r <= self.spec.max_range_m, p, 0.0)

    def motion_factor(self, speed_mps: FloatArray) -> FloatArray:
        """Doppler processing rejects still targets: 0 below ``min_speed_mps``, else 1."""
        return (np.asarray(speed_mps, float) >= self.spec.min_speed_mps).astype(float)

    def measured_range_m(self, range_m: FloatArray, z: FloatArray) -> FloatArray:
        """Range plus Gaussian noise of ``sigma_range_m``."""
        return range_m + self.spec.sigma_range_m * z

    def convert(self, range_m: FloatArray,
                bearing_rad: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The unbiased converted measurement of `sim.ground.measurements.range_bearing`."""
        return range_bearing(self.position, range_m, bearing_rad, self.spec.sigma_range_m,
                             np.radians(self.spec.sigma_bearing_deg))
