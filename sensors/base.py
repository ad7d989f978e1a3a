"""The one small interface every sensor implements, and the reports it makes.

A sensor turns movers into reports. Detection is event-driven: from a mover's
piecewise-linear `Trajectory` and the sensor's coverage the sensor computes the
intervals of exposure, places its looks (revisit times) inside them and draws one
detection per look with its Pd — it never polls positions every second. Nuisance
alarms (animals, wind, rain) are a Poisson process per sensor.

Each report is already a 2-D position measurement with a covariance (what the
fusion core takes), plus class evidence (likelihoods of person, vehicle, animal).
Randomness comes only from the generators passed in: a sensor owns no stream.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from sim.ground.trajectory import Trajectory

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Order of the class columns in ``class_lik``.
CLASSES = ("person", "vehicle", "animal")


@dataclass(frozen=True)
class Reports:
    """A batch of reports from one sensor, sorted by time.

    Attributes
    ----------
    sensor : the sensor's id, e.g. ``radar-01``
    t_s : (n,) measurement times, s
    xy : (n, 2) measured positions, m
    cov : (n, 2, 2) position covariances, m²
    truth : (n,) id of the mover seen, -1 for a nuisance alarm
    class_lik : (n, 3) likelihoods of person, vehicle, animal (need not sum to 1)
    """

    sensor: str
    t_s: FloatArray
    xy: FloatArray
    cov: FloatArray
    truth: IntArray
    class_lik: FloatArray

    def __len__(self) -> int:
        return len(self.t_s)

    @classmethod
    def empty(cls, sensor: str) -> Reports:
        return cls(sensor, np.zeros(0), np.zeros((0, 2)), np.zeros((0, 2, 2)),
                   np.zeros(0, dtype=np.int64), np.zeros((0, 3)))

    @classmethod
    def concat(cls, sensor: str, parts: list[Reports]) -> Reports:
        """All parts in one batch, stably sorted by time."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty(sensor)
        t = np.concatenate([p.t_s for p in parts])
        order = np.argsort(t, kind="stable")
        return cls(sensor, t[order], np.concatenate([p.xy for p in parts])[order],
                   np.concatenate([p.cov for p in parts])[order],
                   np.concatenate([p.truth for p in parts])[order],
                   np.concatenate([p.class_lik for p in parts])[order])


class Sensor(ABC):
    """What the engine needs of a sensor. Constructed from its spec (plus the
    terrain and daylight it needs) by `sim.engine`; holds no random state."""

    id: str
    kind: str

    @abstractmethod
    def observe(self, trajectory: Trajectory, truth: int,
                rng: np.random.Generator) -> Reports:
        """All reports this sensor makes of one mover over the mover's whole trajectory.

        ``rng`` is the stream ``sensor/<id>/detect/<mover id>``: every look gets its
        draw whether it detects or not, so one mover's changes shift no other's draws.
        """

    @abstractmethod
    def nuisance(self, duration_s: float, rng: np.random.Generator) -> Reports:
        """Nuisance alarms over [0, duration_s), from stream ``sensor/<id>/nuisance``."""

    @abstractmethod
    def coverage(self) -> BaseGeometry:
        """The area (or line) the sensor watches, for maps and planning."""
