"""The one small interface every sensor implements, and the reports it makes.

A sensor turns movers into reports. Detection is event-driven: from a mover's
piecewise-linear `Trajectory` and the sensor's coverage the sensor computes the
intervals of exposure, places its looks (revisit times) inside them and draws one
detection per look with its Pd — it never polls positions every second. Nuisance
alarms (animals, wind, rain) are a Poisson process per sensor.

Each report is already a 2-D position measurement with a covariance (what the
fusion core takes), plus class evidence (likelihoods of person, vehicle, animal).
Randomness comes only from the draws passed in: a sensor owns no stream. Detection
draws are *keyed* (`sim.ground.keyed.Draws`): a look's draws depend on the stream
(sensor, mover) and the look's index (its number on the sensor's clock, or its time
in microseconds), never on how many looks came before. So a sensor can observe a
revised trajectory from a time on (``start_s``) and every earlier look keeps its
outcome (DESIGN.md, "Plans change").
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from sim.ground.keyed import Draws
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

    def until(self, end_s: float) -> Reports:
        """The reports measured at or before ``end_s``, s."""
        n = int(np.searchsorted(self.t_s, end_s, side="right"))
        if n == len(self.t_s):
            return self
        return Reports(self.sensor, self.t_s[:n], self.xy[:n], self.cov[:n],
                       self.truth[:n], self.class_lik[:n])

    @classmethod
    def empty(cls, sensor: str) -> Reports:
        """No reports of ``sensor``: one batch per sensor id and class, made once and
        shared (frozen, and its arrays hold no element to change)."""
        key = (cls, sensor)
        try:
            return _EMPTY[key]
        except KeyError:
            made = _EMPTY[key] = cls(sensor, np.zeros(0), np.zeros((0, 2)),
                                     np.zeros((0, 2, 2)), np.zeros(0, dtype=np.int64),
                                     np.zeros((0, 3)))
            return made

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


#: The empty batches of `Reports.empty`, by class and sensor id.
_EMPTY: dict[tuple[type[Reports], str], Reports] = {}


class Sensor(ABC):
    """What the engine needs of a sensor. Constructed from its spec (plus the
    terrain and daylight it needs) by `sim.engine`; holds no random state."""

    id: str
    kind: str
    #: Intervals (n, 2), s, when the sensor is down (`sensors.common.failures`): no
    #: detections, no nuisance alarms.
    down_s: FloatArray = np.zeros((0, 2))
    #: How long after a failure it is noticed and reported (missed heartbeat), s.
    health_delay_s: float = 0.0

    @abstractmethod
    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1) -> Reports:
        """The reports this sensor makes of one mover at its looks after ``start_s``.

        Parameters
        ----------
        trajectory : the mover's (current) trajectory
        truth : the mover's id, carried for scoring only
        draws : keyed stream ``sensor/<id>/detect/<mover id>``
        start_s : only looks strictly after this time, s (-inf: all)
        size : persons in the group (a larger group is easier to detect where the
            sensor's physics says so; see each sensor)
        """

    def observe_windows(self, trajectory: Trajectory, truth: int, draws: Draws,
                        start_s: float = -np.inf, size: int = 1,
                        window_s: float = np.inf,
                        last_report_s: float = -np.inf) -> Iterator[tuple[float, Reports]]:
        """The reports of ``observe(trajectory, truth, draws, start_s, size)``, a window
        at a time, computed as they are asked for: ``(horizon_s, reports)`` pairs, the
        reports measured after the last horizon and at or before this one; the last
        horizon is infinite. `sim.world` observes a plan that may soon be revised this
        way, so the looks after a revision are never computed.

        ``last_report_s``: the time of the last report of this mover the sensor made
        before ``start_s`` (under the plan a revision replaced), s; a sensor that
        forwards at most one report per interval (`sensors.sector.SectorSensor.
        report_interval`) forwards none more in that interval; the others ignore it.

        Default: one window (everything at once). A sensor whose looks do not depend
        on earlier ones yields windows of about ``window_s``, s."""
        yield np.inf, self.observe(trajectory, truth, draws, start_s, size)

    def reach_disc(self, size: int = 1) -> tuple[float, float, float] | None:
        """A disc ``(x, y, radius)``, m, outside which this sensor reports nothing of a
        group of ``size``; None (the default): no such disc is known. Lets the world
        skip asking a sensor about a group whose path never comes that close
        (`sim.world`)."""
        return None

    def reach_box(self, size: int = 1) -> tuple[float, float, float, float] | None:
        """A box ``(xmin, ymin, xmax, ymax)``, m, outside which this sensor reports
        nothing of a group of ``size``; None: no such bound is known. Default: the box
        of `reach_disc`. Lets the world skip asking a far sensor about a group."""
        disc = self.reach_disc(size)
        if disc is None:
            return None
        x, y, r = disc
        return (x - r, y - r, x + r, y + r)

    @abstractmethod
    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        """Nuisance alarms over [start_s, end_s), from one of the sensor's nuisance
        streams (the engine uses one stream per day, so alarm times never depend on
        when the run ends)."""

    def health_reports(self) -> tuple[FloatArray, NDArray[np.bool_]]:
        """Times (n,), s, the sensor reports its health, and whether it is up (n,):
        a failure is reported once noticed, a repair when done (`sensors.common.
        health_reports`). Default: a sensor that never fails reports nothing."""
        down = self.down_s
        if not len(down):
            return np.zeros(0), np.zeros(0, dtype=bool)
        t = np.column_stack([down[:, 0] + self.health_delay_s, down[:, 1]])
        noticed = t[:, 0] < t[:, 1]     # repaired before anyone noticed: no report
        return t[noticed].ravel(), np.tile([False, True], int(noticed.sum()))

    @abstractmethod
    def coverage(self) -> BaseGeometry:
        """The area (or line) the sensor watches, for maps and planning."""
