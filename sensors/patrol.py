"""Patrols: guards walking a route back and forth during their shifts.

Movement. Each duty period (the daily shifts, contiguous ones joined, clipped to the
run) the patrol starts at a point of its route drawn uniformly along it, heading out
or back with equal chance (keyed draws ``patrol/<id>/shift`` per period start, so a
night's start does not depend on other nights), and paces the route at
``speed_mps`` until the period ends; off duty it is nowhere. `Patrol.trajectories`
are these *planned* walks; the engine revises them when the patrol pursues a group.

Detection (DOMAIN §3.1, §3.3 items 1 and 3). The patrol sees a group while their
distance is at most ``detection_range_m`` by day and ``night_range_factor`` times
that at night [Koester-2014] [Koester-NZ], times the scenario's
``hidden_range_factor`` while the group hides. The contact intervals come in closed
form (`sensors.geometry.sight_intervals`). Each contact is one opportunity:

- definite range (default; cookie-cutter, sweep width W = 2 r): detected at the
  first instant in range with probability ``1 − (1 − pd)^size`` (each member of the
  group can be noticed [G]);
- continuous hazard (``glimpse_rate_per_s`` = λ set): the detection time is
  ``entry + Exp(λ · size)``, detected if that falls before the contact ends, so
  ``P = 1 − exp(−λ · size · exposure)`` [SARBayes] — the memoryless glimpse process.

Draws are keyed by the contact's start time (µs). Foliage is ignored for patrols
(the range is an average detection range that already reflects the terrain
[Koester-2014]). The report is the group's position plus GPS/estimation noise
``sigma_m`` per axis; a contact gives one report.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from sensors.base import FloatArray, Reports, Sensor
from sensors.common import ANIMAL, PERSON, class_evidence, night_intervals
from sensors.geometry import (
    complement_intervals,
    intersect_intervals,
    merge_intervals,
    sight_intervals,
)
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws, time_index
from sim.ground.measurements import position_fix
from sim.ground.specs import PatrolSpec, ShiftSpec, parse_clock_h
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory


def duty_periods(shifts: list[ShiftSpec], daylight: Daylight | None,
                 duration_s: float) -> FloatArray:
    """Duty periods (n, 2), s, over [0, duration_s): every shift on every day,
    contiguous or overlapping ones joined. A shift whose end equals its start lasts
    24 h; one whose end is earlier crosses midnight."""
    off = daylight.start_offset_s if daylight is not None else 0.0
    days = np.arange(-1, np.ceil((duration_s + off) / 86_400.0) + 1)
    pieces = []
    for shift in shifts:
        start_h, end_h = parse_clock_h(shift.start), parse_clock_h(shift.end)
        length_s = ((end_h - start_h) % 24.0 or 24.0) * 3600.0
        starts = days * 86_400.0 + start_h * 3600.0 - off
        pieces.append(np.column_stack([starts, starts + length_s]))
    iv = np.vstack(pieces)
    iv = np.clip(iv, 0.0, duration_s)
    return merge_intervals(iv[:, 0], iv[:, 1])


def back_and_forth(route: FloatArray, speed_mps: float, start_s: float, end_s: float,
                   start_arc_m: float = 0.0, outbound: bool = True) -> Trajectory:
    """A walker pacing the polyline ``route`` (m, 2) end to end and back at
    ``speed_mps`` from ``start_s`` to ``end_s``, starting ``start_arc_m`` along it and
    heading towards its last point (``outbound``) or its first."""
    route = np.asarray(route, float)
    keep = np.ones(len(route), dtype=bool)
    keep[1:] = np.any(np.diff(route, axis=0) != 0, axis=1)
    route = route[keep]
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(route, axis=0).T))])
    length = arc[-1]
    if length <= 0 or end_s <= start_s:
        return Trajectory(np.array([start_s, max(end_s, np.nextafter(start_s, np.inf))]),
                          np.vstack([route[:1], route[:1]]))
    # position on the unfolded round trip (0 … 2L): out along arc, back along 2L − arc
    s0 = float(np.clip(start_arc_m, 0.0, length))
    s0 = s0 if outbound else 2 * length - s0
    cycle = np.concatenate([arc, 2 * length - arc[-2:0:-1]])
    n_cycles = int(np.ceil((speed_mps * (end_s - start_s) + s0) / (2 * length))) + 1
    unfolded = (cycle[None, :] + 2 * length * np.arange(n_cycles)[:, None]).ravel()
    unfolded = unfolded[unfolded > s0] - s0
    t = start_s + unfolded / speed_mps
    t = np.concatenate([[start_s], t[t < end_s], [end_s]])
    folded = np.mod(s0 + speed_mps * (t - start_s), 2 * length)
    folded = np.where(folded > length, 2 * length - folded, folded)
    xy = np.column_stack([np.interp(folded, arc, route[:, 0]),
                          np.interp(folded, arc, route[:, 1])])
    keep_t = np.concatenate([[True], np.diff(t) > 0])
    return Trajectory(t[keep_t], xy[keep_t])


def observer_pieces(daylight: Daylight | None, start_s: float, end_s: float, r_day_m: float,
                    night_factor: float, hidden: FloatArray,
                    hidden_factor: float) -> list[tuple[FloatArray, float]]:
    """(intervals, radius) pieces over [start_s, end_s) for an observer who sees
    ``r_day_m`` by day, ``night_factor`` × that at night, and ``hidden_factor`` × that
    while the target hides (``hidden``: interval list)."""
    nights = (night_intervals(daylight, start_s, end_s) if daylight is not None
              else np.zeros((0, 2)))
    days = complement_intervals(nights, start_s, end_s)
    hid = np.asarray(hidden, float).reshape(-1, 2)
    seen = complement_intervals(hid, start_s, end_s)
    pieces = []
    for when, radius in ((days, r_day_m), (nights, r_day_m * night_factor)):
        pieces.append((intersect_intervals(when, seen), radius))
        pieces.append((intersect_intervals(when, hid), radius * hidden_factor))
    return pieces


class Patrol(Sensor):
    """A patrol built from its `PatrolSpec`, the run's daylight and its duration."""

    kind = "patrol"

    @classmethod
    def from_spec(cls, spec: PatrolSpec, terrain: Terrain | None = None,
                  daylight: Daylight | None = None, duration_s: float | None = None,
                  shift_draws: Draws | None = None) -> Patrol:
        """Build from the spec and the run's collaborators (see `sensors.registry`)."""
        if duration_s is None:
            raise ValueError(f"patrol {spec.id!r} needs the run's duration_s")
        return cls(spec, daylight, duration_s, shift_draws)

    def __init__(self, spec: PatrolSpec, daylight: Daylight | None, duration_s: float,
                 shift_draws: Draws | None = None) -> None:
        self.spec = spec
        self.id = spec.id
        self.daylight = daylight
        self.duration_s = float(duration_s)
        self.route_xy = np.asarray(spec.route, float)
        self.route_length_m = float(LineString(self.route_xy).length)
        self.duty_s = duty_periods(spec.shifts, daylight, self.duration_s)
        if shift_draws is None:     # no stream: every period from the first point, outbound
            starts = np.zeros((len(self.duty_s), 2))
        else:
            starts = shift_draws.uniform(time_index(self.duty_s[:, 0]), 2)
        self.trajectories = tuple(
            back_and_forth(self.route_xy, spec.speed_mps, a, b,
                           start_arc_m=float(u[0]) * self.route_length_m,
                           outbound=bool(u[1] < 0.5))
            for (a, b), u in zip(self.duty_s, starts, strict=True))

    def position_at(self, t_s: float | FloatArray) -> FloatArray:
        """Planned position(s) at ``t_s``: (2,) or (n, 2); NaN while off duty."""
        t = np.atleast_1d(np.asarray(t_s, float))
        out = np.full((len(t), 2), np.nan)
        for traj, (a, b) in zip(self.trajectories, self.duty_s, strict=True):
            on = (t >= a) & (t <= b)
            if on.any():
                out[on] = traj.position_at(t[on])
        return out[0] if np.ndim(t_s) == 0 else out

    def range_pieces(self, start_s: float, end_s: float, hidden: FloatArray,
                     hidden_factor: float) -> list[tuple[FloatArray, float]]:
        """(intervals, radius) over [start_s, end_s): day or night, hidden or not."""
        return observer_pieces(self.daylight, start_s, end_s, self.spec.detection_range_m,
                               self.spec.night_range_factor, hidden, hidden_factor)

    def contacts(self, trajectory: Trajectory, observer: Trajectory | None = None,
                 hidden: FloatArray | None = None, hidden_factor: float = 1.0) -> FloatArray:
        """Intervals (n, 2), s, when the mover is within the patrol's detection range.

        ``observer``: the patrol's actual trajectory (default: each planned duty walk);
        ``hidden``: intervals when the mover hides (range × ``hidden_factor``).
        """
        hid = np.zeros((0, 2)) if hidden is None else hidden
        walks = self.trajectories if observer is None else (observer,)
        parts = []
        for walk in walks:
            start = max(walk.start_s, trajectory.start_s)
            end = min(walk.end_s, trajectory.end_s)
            if end <= start:
                continue
            parts.append(sight_intervals(walk, trajectory,
                                         self.range_pieces(start, end, hid, hidden_factor)))
        parts = [p for p in parts if len(p)]
        if not parts:
            return np.zeros((0, 2))
        iv = np.vstack(parts)
        return merge_intervals(iv[:, 0], iv[:, 1])

    def detect(self, contacts: FloatArray, draws: Draws, size: int = 1
               ) -> tuple[FloatArray, np.ndarray]:
        """Detection time (n,) and outcome (n,) of each contact (n, 2); keyed by the
        contact's start. Rules in the module docstring."""
        spec = self.spec
        n_persons = max(int(size), 1)
        u = draws.uniform(time_index(contacts[:, 0]), 1)[:, 0]
        if spec.glimpse_rate_per_s is not None:
            t = contacts[:, 0] - np.log(u) / (spec.glimpse_rate_per_s * n_persons)
            return t, t < contacts[:, 1]
        return contacts[:, 0].copy(), u < 1.0 - (1.0 - spec.pd) ** n_persons

    def sighting_report(self, t_s: FloatArray, true_xy: FloatArray, truth: int,
                        draws: Draws) -> Reports:
        """The reports (n,) of sightings at ``t_s`` of a mover at ``true_xy`` (n, 2):
        GPS noise and the declared class from keyed draws per sighting time."""
        spec = self.spec
        key = time_index(t_s)
        xy = np.asarray(true_xy, float).reshape(-1, 2) + spec.sigma_m * draws.normal(key, 2)
        var = spec.sigma_m**2
        _, cov = position_fix(xy[:, 0], xy[:, 1], var, var)
        lik = class_evidence(PERSON, spec.class_accuracy,
                             draws.uniform(key, 2)[:, 1])
        return Reports(self.id, np.asarray(t_s, float), xy, cov,
                       np.full(len(xy), truth, dtype=np.int64), lik)

    def observe(self, trajectory: Trajectory, truth: int, draws: Draws,
                start_s: float = -np.inf, size: int = 1) -> Reports:
        """Sightings on the planned walks: one opportunity per contact starting after
        ``start_s`` (the engine uses the same rules on revised walks)."""
        iv = self.contacts(trajectory)
        iv = iv[iv[:, 0] > start_s]
        t, detected = self.detect(iv, draws, size)
        t = t[detected]
        return self.sighting_report(t, trajectory.position_at(t).reshape(-1, 2), truth, draws)

    def nuisance(self, end_s: float, rng: np.random.Generator,
                 start_s: float = 0.0) -> Reports:
        """False sightings: Poisson over the time on duty within [start_s, end_s),
        uniform in time on duty and uniform on the disc of detection range around the
        patrol. Draws: count, duty-time positions, radius, angle, class."""
        spec = self.spec
        duty = intersect_intervals(self.duty_s, np.array([[start_s, end_s]]))
        lengths = duty[:, 1] - duty[:, 0]
        total = float(lengths.sum())
        n = rng.poisson(spec.nuisance_per_day * total / 86_400.0)
        s = np.sort(rng.uniform(0.0, total, n))
        cum = np.concatenate([[0.0], np.cumsum(lengths)])
        which = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, max(len(duty) - 1, 0))
        t = duty[which, 0] + (s - cum[which]) if n else np.zeros(0)
        r = spec.detection_range_m * np.sqrt(rng.random(n))
        ang = 2 * np.pi * rng.random(n)
        u_class = rng.random(n)
        xy = self.position_at(t).reshape(-1, 2) + r[:, None] * np.column_stack(
            [np.cos(ang), np.sin(ang)])
        var = spec.sigma_m**2
        _, cov = position_fix(xy[:, 0], xy[:, 1], var, var)
        return Reports(self.id, t, xy, cov, np.full(n, -1, dtype=np.int64),
                       class_evidence(ANIMAL, spec.class_accuracy, u_class))

    def coverage(self) -> BaseGeometry:
        """The band the patrol can see from its route (by day)."""
        return LineString(self.route_xy).buffer(self.spec.detection_range_m)
