"""Microwave barriers: a transmitter–receiver link; a group crossing the beam alarms.

Model (a documented simplification). The beam between ``tx_m`` and ``rx_m`` (links up
to ~200–250 m, a zone up to 12 m high and ≥ 1 m wide [MW-Heda] [MW-rete] [HALO]) is a
segment; each crossing of it alarms with ``pd`` (high in a cleared, flat zone), except
within ``dead_zone_m`` (~5 m) of either head, where the beam is too narrow — hence
overlapping "basket weave" layouts [MW-Heda] [Rack-building]. The alarm says only
"this link": position at the link's middle, σ along it L/√12 (uniform over the link)
and 1 m across.

Light does not matter. Nuisance: the signal level drifts in fog, rain and hail
(×2, ×3; hail lumped with rain) until the receiver re-normalises [MW-rete]; puddles,
tall vegetation and unstable fences, wind +30 % per m/s above 3 m/s; animals at dusk
and dawn ×3 [MW-Heda] [G].
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString

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
from sensors.fence import climb_start
from sensors.geometry import line_crossings
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws, time_index
from sim.ground.measurements import line_sensor
from sim.ground.specs import MicrowaveSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory


class Microwave(Sensor):
    """A microwave link built from its `MicrowaveSpec`."""

    kind = "microwave"
    NUISANCE = NuisanceProfile(wind_gain_per_mps=0.3, weather_factor=(1.0, 3.0, 2.0, 1.5))

    @classmethod
    def from_spec(cls, spec: MicrowaveSpec, terrain: Terrain | None = None,
                  daylight: Daylight | None = None, duration_s: float | None = None,
                  draws: Draws | None = None) -> Microwave:
        return cls(spec, daylight, draws, duration_s)

    def __init__(self, spec: MicrowaveSpec, daylight: Daylight | None = None,
                 draws: Draws | None = None, duration_s: float | None = None) -> None:
        self.spec = spec
        self.id = spec.id
        self.conditions = Conditions(daylight)
        tx, rx = np.asarray(spec.tx_m, float), np.asarray(spec.rx_m, float)
        self.length_m = float(np.hypot(*(rx - tx)))
        self.direction = (rx - tx) / self.length_m
        dead = min(spec.dead_zone_m, self.length_m / 2)
        self.beam = np.vstack([tx + dead * self.direction, rx - dead * self.direction])
        self.middle = (tx + rx) / 2
        self.down_s, self.health_delay_s = failures(spec, duration_s, draws)

    def _report(self, t: np.ndarray, u_class: np.ndarray, truth: int,
                true_class: int) -> Reports:
        n = len(t)
        xy = np.broadcast_to(self.middle, (n, 2)).copy()
        _, cov = line_sensor(xy, np.full(n, np.arctan2(self.direction[1], self.direction[0])),
                             self.length_m / np.sqrt(12.0), 1.0)
        return Reports(self.id, t, xy, cov, np.full(n, truth, dtype=np.int64),
                       class_evidence(true_class, self.spec.class_accuracy, u_class))

    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1) -> Reports:
        """One alarm chance per crossing of the beam (outside the dead zones). Keyed
        draws per crossing time (µs): detection, class."""
        if self.beam[0] @ self.direction >= self.beam[1] @ self.direction:
            return Reports.empty(self.id)
        t, _, _ = line_crossings(trajectory, self.beam)
        t = climb_start(trajectory, t)
        t = t[(t > start_s) & up_mask(self.down_s, t)]
        u2 = draws.uniform(time_index(t), 2)
        hit = u2[:, 0] < self.spec.pd
        return self._report(t[hit], u2[hit, 1], truth, PERSON)

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        """Time-varying Poisson alarms; none while down. Draws: counts, times, classes."""
        t = nuisance_times(end_s, self.spec.nuisance_per_day, rng, start_s,
                           self.conditions, self.NUISANCE)
        u_class = rng.random(len(t))
        up = up_mask(self.down_s, t)
        return self._report(t[up], u_class[up], -1, ANIMAL)

    def coverage(self) -> LineString:
        return LineString([self.spec.tx_m, self.spec.rx_m])
