"""Patrols: guards on a route, searching an area, or watching from a post.

Movement, by ``mode``, in each duty period (the daily shifts, contiguous ones joined,
clipped to the run); off duty the patrol is nowhere. Keyed draws ``patrol/<id>/shift``
per period start, so a night's walk does not depend on other nights.

- ``route``: starts at a point of its route drawn uniformly along it, heading out or
  back with equal chance, and paces the route at ``speed_mps`` (a barrier patrol,
  DOMAIN §3.2);
- ``area``: random search of the polygon ``area`` (Koopman's random search, DOMAIN
  §3.1): from a uniform point in a uniform direction it walks straight to the
  boundary, then leaves it in a direction drawn from the cosine law about the inward
  normal (Lambertian reflection), which keeps the walker's position uniform over the
  polygon at all times — the condition of the random-search formula;
- ``post``: an observation post, standing at the route's first point.

`Patrol.trajectories` are these *planned* walks; the engine revises them when the
patrol pursues a group.

Detection (DOMAIN §3.1, §3.3 items 1 and 3). A patrol's detection range
``detection_range_m`` is the average maximum detection range Rd; its sweep width is
``W = k · Rd`` with k = 1.8, 1.6 or 1.1 for high-, medium- and low-visibility targets
[Koester-2014], and it is modelled as a cookie-cutter of radius W/2. That radius is
cut at night (``night_range_factor`` [Koester-NZ]), in vegetation (× (1 −
``vegetation_cut`` · foliage) at the group's position [PA-ESW] [G]) and while the group
hides (the scenario's ``hidden_range_factor``). The contact intervals come in closed
form (`sensors.geometry.sight_intervals`). Each contact is one opportunity:

- definite range (default; cookie-cutter, sweep width W = 2 r): detected at the
  first instant in range with probability ``1 − (1 − pd)^size`` (each member of the
  group can be noticed [G]);
- continuous hazard (``glimpse_rate_per_s`` = λ set): the detection time is
  ``entry + Exp(λ · size)``, detected if that falls before the contact ends, so
  ``P = 1 − exp(−λ · size · exposure)`` [SARBayes] — the memoryless glimpse process.

Draws are keyed by the contact's start time (µs). The report is the group's
position plus GPS/estimation noise ``sigma_m`` per axis; a contact gives one report.

Dog teams (``canine``). A dog's air-scent sweep width is 95 m (95 % CI 44–145 m)
[Dog-ESW]: a dog team sees (smells) a group within the larger of its visual radius
and 47.5 m. It also picks up *trails*: when it comes within 47.5 m of the path a group
walked at most ``trail_age_s`` earlier, it takes the scent with ``trail_pd`` and
reports the trail (`Patrol.trail_reports`): late and coarse, at the trail point with a
covariance grown by the trail's age (1 m/s · age, like a drag road's sign), so the
command can send a team after the group. Simplification [G]: the trail is checked at
the start, middle and end of each pass near the path, on the planned walks; the dog
team itself does not leave its walk to follow it.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from sensors.base import FloatArray, Reports, Sensor
from sensors.common import ANIMAL, PERSON, class_evidence, has_foliage, night_intervals
from sensors.geometry import (
    Legs,
    complement_intervals,
    intersect_intervals,
    merge_intervals,
    polyline_distance_intervals,
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


#: Sweep width / detection range by target visibility [Koester-2014].
ESW_FACTOR = {"high": 1.8, "medium": 1.6, "low": 1.1}
#: Air-scent sweep width of a dog team, m [Dog-ESW].
DOG_ESW_M = 95.0
#: Speed at which a trail's position uncertainty grows with its age, m/s [G].
TRAIL_SPREAD_MPS = 1.0


def random_search(area: FloatArray, speed_mps: float, start_s: float, end_s: float,
                  draws: Draws) -> Trajectory:
    """Random search of the polygon ``area`` (k, 2) from ``start_s`` to ``end_s`` (module
    docstring). Keyed draws per leg number: the start point (rejection in the bounding
    box), then one direction per leg (uniform first, cosine-law after each wall)."""
    ring = np.asarray(area, float)
    poly = Polygon(ring)
    a_pts = ring
    b_pts = np.roll(ring, -1, axis=0)
    edge = b_pts - a_pts
    # inward normal of each edge: left of the edge for a counter-clockwise ring
    ccw = poly.exterior.is_ccw
    normal = np.column_stack([-edge[:, 1], edge[:, 0]]) * (1.0 if ccw else -1.0)
    normal /= np.maximum(np.hypot(normal[:, 0], normal[:, 1]), 1e-12)[:, None]
    x0, y0, x1, y1 = poly.bounds
    k = 0
    while True:     # a uniform start point: rejection sampling, keyed per try
        u = draws.uniform([k], 2)[0]
        p = np.array([x0 + u[0] * (x1 - x0), y0 + u[1] * (y1 - y0)])
        k += 1
        if shapely.contains_xy(poly, p[0], p[1]):
            break
    ang = 2 * np.pi * float(draws.uniform([1_000_000], 1)[0, 0])
    batch = 128
    sines = 2 * draws.uniform(2_000_001 + np.arange(batch), 1)[:, 0] - 1    # sin θ ~ U(−1, 1)
    points, times = [p], [start_s]
    t, leg = start_s, 0
    while t < end_s:
        d = np.array([np.cos(ang), np.sin(ang)])
        # ray p + s d against every edge a + w e: solve p + s d = a + w e
        w_num = (a_pts - p)
        den = d[0] * edge[:, 1] - d[1] * edge[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            s_hit = (w_num[:, 0] * edge[:, 1] - w_num[:, 1] * edge[:, 0]) / den
            w_hit = (w_num[:, 0] * d[1] - w_num[:, 1] * d[0]) / den
        ok = (den != 0) & (s_hit > 1e-9) & (w_hit >= 0) & (w_hit <= 1)
        if not ok.any():
            break
        j = int(np.flatnonzero(ok)[np.argmin(s_hit[ok])])
        length = float(s_hit[j])
        t_next = t + length / speed_mps
        if t_next >= end_s:
            points.append(p + d * speed_mps * (end_s - t))
            times.append(end_s)
            break
        q = p + length * d
        points.append(q)
        times.append(t_next)
        leg += 1
        n = normal[j]
        if leg > len(sines):
            sines = np.concatenate([sines, 2 * draws.uniform(
                2_000_001 + len(sines) + np.arange(batch), 1)[:, 0] - 1])
        ang = float(np.arctan2(n[1], n[0]) + np.arcsin(sines[leg - 1]))
        p, t = q, t_next
    tt = np.asarray(times)
    keep = np.r_[True, np.diff(tt) > 0]
    return Trajectory(tt[keep], np.asarray(points)[keep])


def observer_ranges_m(r_day_m: float, night_factor: float,
                      hidden_factor: float) -> tuple[float, float, float, float]:
    """The ranges of `observer_pieces`, m: by day, by day at a hidden target, at night,
    at night at a hidden target (the same products, so the same floats)."""
    r_night_m = r_day_m * night_factor
    return r_day_m, r_day_m * hidden_factor, r_night_m, r_night_m * hidden_factor


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
    r_day, r_day_hid, r_night, r_night_hid = observer_ranges_m(r_day_m, night_factor,
                                                               hidden_factor)
    return [(intersect_intervals(days, seen), r_day), (intersect_intervals(days, hid), r_day_hid),
            (intersect_intervals(nights, seen), r_night),
            (intersect_intervals(nights, hid), r_night_hid)]


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
        return cls(spec, daylight, duration_s, shift_draws, terrain)

    def __init__(self, spec: PatrolSpec, daylight: Daylight | None, duration_s: float,
                 shift_draws: Draws | None = None, terrain: Terrain | None = None) -> None:
        self.spec = spec
        self.id = spec.id
        self.daylight = daylight
        self.terrain = terrain if has_foliage(terrain) else None
        self.radius_m = ESW_FACTOR[spec.visibility] * spec.detection_range_m / 2
        if spec.canine:
            self.radius_m = max(self.radius_m, DOG_ESW_M / 2)
        self.duration_s = float(duration_s)
        self.route_xy = np.asarray(spec.route, float)
        self.route_length_m = float(LineString(self.route_xy).length)
        self.duty_s = duty_periods(spec.shifts, daylight, self.duration_s)
        if shift_draws is None:     # no stream: every period from the first point, outbound
            starts = np.zeros((len(self.duty_s), 2))
        else:
            starts = shift_draws.uniform(time_index(self.duty_s[:, 0]), 2)
        self.trajectories = tuple(
            self._plan(a, b, u, shift_draws)
            for (a, b), u in zip(self.duty_s, starts, strict=True))

    def _plan(self, start_s: float, end_s: float, u: FloatArray,
              shift_draws: Draws | None) -> Trajectory:
        """The planned walk of one duty period, by mode (module docstring)."""
        spec = self.spec
        if spec.mode == "post":
            return Trajectory(np.array([start_s, max(end_s, np.nextafter(start_s, np.inf))]),
                              np.vstack([self.route_xy[:1], self.route_xy[:1]]))
        if spec.mode == "area":
            assert spec.area is not None
            draws = (shift_draws if shift_draws is not None else Draws(0)).child(
                int(time_index([start_s])[0]))
            return random_search(np.asarray(spec.area, float), spec.speed_mps, start_s,
                                 end_s, draws)
        return back_and_forth(self.route_xy, spec.speed_mps, start_s, end_s,
                              start_arc_m=float(u[0]) * self.route_length_m,
                              outbound=bool(u[1] < 0.5))

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
                     hidden_factor: float, target: Trajectory | None = None
                     ) -> list[tuple[FloatArray, float]]:
        """(intervals, radius) over [start_s, end_s): day or night, hidden or not, and
        (with the ``target``'s trajectory and terrain) the foliage the target is in."""
        pieces = observer_pieces(self.daylight, start_s, end_s, self.radius_m,
                                 self.spec.night_range_factor, hidden, hidden_factor)
        if self.terrain is None or target is None or self.spec.vegetation_cut == 0:
            return pieces
        t0, t1 = target.t_s[:-1], target.t_s[1:]
        f = self.terrain.foliage_at((target.xy[:-1] + target.xy[1:]) / 2)
        out = []
        for value in np.unique(f):
            legs = np.column_stack([t0[f == value], t1[f == value]])
            legs = merge_intervals(legs[:, 0], legs[:, 1])
            cut = 1.0 - self.spec.vegetation_cut * float(value)
            out += [(intersect_intervals(iv, legs), r * cut) for iv, r in pieces]
        return out

    def contacts(self, trajectory: Trajectory, observer: Trajectory | None = None,
                 hidden: FloatArray | None = None, hidden_factor: float = 1.0,
                 legs: Legs | None = None) -> FloatArray:
        """Intervals (n, 2), s, when the mover is within the patrol's detection range.

        ``observer``: the patrol's actual trajectory (default: each planned duty walk);
        ``hidden``: intervals when the mover hides (range × ``hidden_factor``);
        ``legs``: `sensors.geometry.relative_legs` of ``observer`` and the mover, if
        already computed.
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
                                         self.range_pieces(start, end, hid, hidden_factor,
                                                           trajectory),
                                         legs if observer is not None else None))
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

    def trail_reports(self, trajectory: Trajectory, truth: int, draws: Draws,
                      start_s: float = -np.inf) -> Reports:
        """A dog team's reports of the group's trail (module docstring), after
        ``start_s``; none unless ``canine``. Keyed draws per pass start (µs), on a child
        stream: pick-up, class, noise."""
        spec = self.spec
        if not spec.canine or len(trajectory.t_s) < 2:
            return Reports(self.id, np.zeros(0), np.zeros((0, 2)), np.zeros((0, 2, 2)),
                           np.zeros(0, dtype=np.int64), np.zeros((0, 3)))
        path = LineString(trajectory.xy)
        arc_knots = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(trajectory.xy,
                                                                       axis=0).T))])
        found_t, found_xy, found_age = [], [], []
        for walk in self.trajectories:
            if walk.end_s <= trajectory.start_s or walk.start_s >= trajectory.end_s \
                    + spec.trail_age_s:
                continue
            near = polyline_distance_intervals(walk, trajectory.xy, DOG_ESW_M / 2)
            for a, b in near:
                for t in (a, (a + b) / 2, b):
                    arc = float(path.project(shapely.points(walk.position_at(t))))
                    t_g = float(np.interp(arc, arc_knots, trajectory.t_s))
                    age = t - t_g
                    if 0.0 <= age <= spec.trail_age_s and t > start_s:
                        found_t.append(t)
                        found_xy.append(trajectory.position_at(t_g))
                        found_age.append(age)
                        break
        t = np.asarray(found_t, float)
        stream = draws.child(0xD06)
        key = time_index(t)
        u = stream.uniform(key, 2)
        hit = u[:, 0] < spec.trail_pd
        xy = np.asarray(found_xy, float).reshape(-1, 2)[hit]
        xy = xy + spec.sigma_m * stream.normal(key, 2)[hit]
        var = spec.sigma_m**2 + (TRAIL_SPREAD_MPS * np.asarray(found_age)[hit]) ** 2 / 2
        _, cov = position_fix(xy[:, 0], xy[:, 1], var, var)
        order = np.argsort(t[hit], kind="stable")
        lik = class_evidence(PERSON, spec.class_accuracy, u[hit, 1])
        return Reports(self.id, t[hit][order], xy[order], cov[order],
                       np.full(int(hit.sum()), truth, dtype=np.int64), lik[order])

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
        r = self.radius_m * np.sqrt(rng.random(n))
        ang = 2 * np.pi * rng.random(n)
        u_class = rng.random(n)
        xy = self.position_at(t).reshape(-1, 2) + r[:, None] * np.column_stack(
            [np.cos(ang), np.sin(ang)])
        var = spec.sigma_m**2
        _, cov = position_fix(xy[:, 0], xy[:, 1], var, var)
        return Reports(self.id, t, xy, cov, np.full(n, -1, dtype=np.int64),
                       class_evidence(ANIMAL, spec.class_accuracy, u_class))

    def coverage(self) -> BaseGeometry:
        """The area the patrol can see from its route, area or post (by day)."""
        if self.spec.mode == "area" and self.spec.area is not None:
            return Polygon(self.spec.area).buffer(self.radius_m)
        if self.spec.mode == "post":
            return shapely.Point(self.route_xy[0]).buffer(self.radius_m)
        return LineString(self.route_xy).buffer(self.radius_m)
