"""Patrols: a mobile sensor walking its route back and forth during its shifts.

Movement. Each duty period (the daily shifts, contiguous ones joined, clipped to the
run) the patrol starts at the first point of its route and walks it back and forth
at ``speed_mps`` until the period ends; off duty it is nowhere. Its movement is
therefore a list of piecewise-linear `Trajectory` objects, one per duty period
(`Patrol.trajectories`), for maps and for the engine.

Detection (DOMAIN §3.1, §3.3 item 1/3). The patrol sees a group while their distance
is at most ``detection_range_m`` by day, ``night_range_factor`` times that at night
[Koester-2014] [Koester-NZ]. The contact intervals come in closed form: between the
union of both movers' knots the relative position is linear, so each piece is one
quadratic inequality (`sensors.geometry.proximity_intervals`). Each contact (a
maximal interval in range) is one detection opportunity:

- definite range (default; cookie-cutter, sweep width W = 2 r): detected at the
  first instant in range with probability ``pd`` (1 by default);
- continuous hazard (``glimpse_rate_per_s`` = λ set): the detection time is
  ``entry + Exp(λ)``, detected if that falls before the contact ends, so
  ``P = 1 - exp(-λ · exposure)`` [SARBayes] — the memoryless glimpse process.

Foliage is ignored for patrols (the range is an average detection range that
already reflects the terrain [Koester-2014]). The report is the group's position at
detection plus GPS/estimation noise ``sigma_m`` per axis; a contact gives one report.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from sensors.base import FloatArray, Reports, Sensor
from sensors.common import ANIMAL, PERSON, class_evidence, night_intervals
from sensors.geometry import intersect_intervals, merge_intervals, proximity_intervals
from sim.ground.daylight import Daylight
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


def back_and_forth(route: FloatArray, speed_mps: float, start_s: float,
                   end_s: float) -> Trajectory:
    """The trajectory of a walker leaving ``route[0]`` at ``start_s`` and pacing the
    polyline ``route`` (m, 2) end to end and back at ``speed_mps`` until ``end_s``."""
    route = np.asarray(route, float)
    keep = np.ones(len(route), dtype=bool)
    keep[1:] = np.any(np.diff(route, axis=0) != 0, axis=1)
    route = route[keep]
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(route, axis=0).T))])
    length = arc[-1]
    if length <= 0 or end_s <= start_s:
        return Trajectory(np.array([start_s, max(end_s, np.nextafter(start_s, np.inf))]),
                          np.vstack([route[:1], route[:1]]))
    # unfolded arc of the vertex passes in one round trip: out, then back
    cycle = np.concatenate([arc, 2 * length - arc[-2:0:-1]])
    n_cycles = int(np.ceil(speed_mps * (end_s - start_s) / (2 * length))) + 1
    unfolded = (cycle[None, :] + 2 * length * np.arange(n_cycles)[:, None]).ravel()
    t = start_s + unfolded / speed_mps
    t = np.concatenate([t[t < end_s], [end_s]])
    folded = np.mod(speed_mps * (t - start_s), 2 * length)
    folded = np.where(folded > length, 2 * length - folded, folded)
    # vertex passes land on vertices exactly (float noise aside); interpolate the route
    xy = np.column_stack([np.interp(folded, arc, route[:, 0]),
                          np.interp(folded, arc, route[:, 1])])
    return Trajectory(t, xy)


def _complement(iv: FloatArray, start_s: float, end_s: float) -> FloatArray:
    """The parts of [start_s, end_s) not covered by the interval list ``iv``."""
    edges = np.concatenate([[start_s], iv.ravel(), [end_s]]).reshape(-1, 2)
    return edges[edges[:, 1] > edges[:, 0]]


class Patrol(Sensor):
    """A patrol built from its `PatrolSpec`, the run's daylight and its duration."""

    kind = "patrol"

    @classmethod
    def from_spec(cls, spec: PatrolSpec, terrain: Terrain | None = None,
                  daylight: Daylight | None = None, duration_s: float | None = None) -> Patrol:
        """Build from the spec and the run's collaborators (see `sensors.registry`)."""
        if duration_s is None:
            raise ValueError(f"patrol {spec.id!r} needs the run's duration_s")
        return cls(spec, daylight, duration_s)

    def __init__(self, spec: PatrolSpec, daylight: Daylight | None,
                 duration_s: float) -> None:
        self.spec = spec
        self.id = spec.id
        self.daylight = daylight
        self.duration_s = float(duration_s)
        self.route_xy = np.asarray(spec.route, float)
        self.duty_s = duty_periods(spec.shifts, daylight, self.duration_s)
        self.trajectories = tuple(back_and_forth(self.route_xy, spec.speed_mps, a, b)
                                  for a, b in self.duty_s)

    def position_at(self, t_s: float | FloatArray) -> FloatArray:
        """Patrol position(s) at ``t_s``: (2,) or (n, 2); NaN while off duty."""
        t = np.atleast_1d(np.asarray(t_s, float))
        out = np.full((len(t), 2), np.nan)
        for traj, (a, b) in zip(self.trajectories, self.duty_s, strict=True):
            on = (t >= a) & (t <= b)
            if on.any():
                out[on] = traj.position_at(t[on])
        return out[0] if np.ndim(t_s) == 0 else out

    def contacts(self, trajectory: Trajectory) -> FloatArray:
        """Intervals (n, 2), s, when the mover is within the patrol's detection range."""
        spec = self.spec
        r_day = spec.detection_range_m
        r_night = r_day * spec.night_range_factor
        parts = []
        for traj in self.trajectories:
            if traj.end_s <= trajectory.start_s or traj.start_s >= trajectory.end_s:
                continue
            start = max(traj.start_s, trajectory.start_s)
            end = min(traj.end_s, trajectory.end_s)
            nights = (night_intervals(self.daylight, start, end) if self.daylight is not None
                      else np.zeros((0, 2)))
            day_iv = proximity_intervals(trajectory, traj, r_day)
            parts.append(intersect_intervals(day_iv, _complement(nights, start, end)))
            if len(nights):
                night_iv = (day_iv if r_night >= r_day
                            else proximity_intervals(trajectory, traj, r_night))
                parts.append(intersect_intervals(night_iv, nights))
        if not parts:
            return np.zeros((0, 2))
        iv = np.vstack(parts)
        return merge_intervals(iv[:, 0], iv[:, 1])

    def observe(self, trajectory: Trajectory, truth: int,
                rng: np.random.Generator) -> Reports:
        """One opportunity per contact. Draws, in order, for every contact: detection
        (n,), position noise (n, 2), declared class (n,)."""
        spec = self.spec
        iv = self.contacts(trajectory)
        n = len(iv)
        u = rng.random(n)
        z = rng.standard_normal((n, 2))
        u_class = rng.random(n)
        if spec.glimpse_rate_per_s is not None:
            t = iv[:, 0] - np.log1p(-u) / spec.glimpse_rate_per_s
            detected = t < iv[:, 1]
        else:
            t = iv[:, 0].copy()
            detected = u < spec.pd
        xy = trajectory.position_at(t).reshape(-1, 2) + spec.sigma_m * z
        k = int(detected.sum())
        var = spec.sigma_m**2
        _, cov = position_fix(xy[detected, 0], xy[detected, 1], var, var)
        return Reports(self.id, t[detected], xy[detected], cov,
                       np.full(k, truth, dtype=np.int64),
                       class_evidence(PERSON, spec.class_accuracy, u_class)[detected])

    def nuisance(self, duration_s: float, rng: np.random.Generator) -> Reports:
        """False sightings: Poisson over the time on duty within [0, duration_s),
        uniform in time on duty and uniform on the disc of detection range around the
        patrol. Draws: count, duty-time positions, radius, angle, class."""
        spec = self.spec
        duty = intersect_intervals(self.duty_s, np.array([[0.0, duration_s]]))
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
