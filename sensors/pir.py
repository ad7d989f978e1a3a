"""Passive infrared (PIR) detectors: motion inside a short sector.

Model (a documented simplification). An outdoor PIR sees a warm body moving within
``range_m`` (15 m wide-angle, 24 m narrow [GIT-PIR]) inside its field of view. Each
entry into the zone (a continuous interval inside the sector,
`sensors.geometry.sector_intervals`) alarms once with ``pd`` at the entry, if the mover
is walking. The alarm is zone-level: the detector's position with the covariance of a
point uniform on the disc of the range (r²/4 per axis, `sim.ground.measurements.
proximity`).

Light does not matter (passive IR). Foliage within 15 m is not modelled (PIRs are set
on cleared strips [G]). Nuisance: sun heating and wind-blown foliage — by day ×1 (the
sun) rather than ×0.5, wind +50 % per m/s above 3 m/s; small animals at dusk and dawn
×3; rain ×1.5 [PIR-CAT] [G].
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import Polygon

from sensors.base import Reports, Sensor
from sensors.common import (
    ANIMAL,
    PERSON,
    Conditions,
    NuisanceProfile,
    class_evidence,
    failures,
    nuisance_times,
    up_mask,
)
from sensors.geometry import sector_intervals, sector_polygon_xy
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws, time_index
from sim.ground.measurements import proximity
from sim.ground.specs import PirSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory


class Pir(Sensor):
    """A PIR detector built from its `PirSpec`."""

    kind = "pir"
    NUISANCE = NuisanceProfile(day=1.0, wind_gain_per_mps=0.5,
                               weather_factor=(1.0, 1.5, 1.0, 1.0))

    @classmethod
    def from_spec(cls, spec: PirSpec, terrain: Terrain | None = None,
                  daylight: Daylight | None = None, duration_s: float | None = None,
                  draws: Draws | None = None) -> Pir:
        return cls(spec, daylight, draws, duration_s)

    def __init__(self, spec: PirSpec, daylight: Daylight | None = None,
                 draws: Draws | None = None, duration_s: float | None = None) -> None:
        self.spec = spec
        self.id = spec.id
        self.conditions = Conditions(daylight)
        self.position = np.asarray(spec.position_m, float)
        self.down_s, self.health_delay_s = failures(spec, duration_s, draws)

    def _report(self, t: np.ndarray, u_class: np.ndarray, truth: int,
                true_class: int) -> Reports:
        n = len(t)
        xy, cov = proximity(np.broadcast_to(self.position, (n, 2)), self.spec.range_m)
        return Reports(self.id, t, xy, cov, np.full(n, truth, dtype=np.int64),
                       class_evidence(true_class, self.spec.class_accuracy, u_class))

    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1) -> Reports:
        """One alarm chance per entry into the zone while walking. Keyed draws per entry
        time (µs): detection, class."""
        s = self.spec
        iv = sector_intervals(trajectory, self.position, s.range_m, s.heading_deg, s.fov_deg)
        t = iv[:, 0] if len(iv) else np.zeros(0)
        t = t[(t > start_s) & up_mask(self.down_s, t)]
        # a mover standing in the zone makes no motion to see
        t = t[trajectory.speed_at(t) > 0] if len(t) else t
        u2 = draws.uniform(time_index(t), 2)
        hit = u2[:, 0] < s.pd
        return self._report(t[hit], u2[hit, 1], truth, PERSON)

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        """Time-varying Poisson alarms; none while down. Draws: counts, times, classes."""
        t = nuisance_times(end_s, self.spec.nuisance_per_day, rng, start_s,
                           self.conditions, self.NUISANCE)
        u_class = rng.random(len(t))
        up = up_mask(self.down_s, t)
        return self._report(t[up], u_class[up], -1, ANIMAL)

    def coverage(self) -> Polygon:
        s = self.spec
        return Polygon(sector_polygon_xy(self.position, s.range_m, s.heading_deg, s.fov_deg))
