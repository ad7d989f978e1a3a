"""Crossing groups: when they come, where they cross, which way they walk.

Arrivals
    A non-homogeneous Poisson process whose intensity is piecewise constant over the
    local hours: ``rate(t) = groups_per_day / 86 400 s × w[hour(t)]`` with the hourly
    profile normalised to mean 1 (``w = profile / mean(profile)``), so a day holds
    ``groups_per_day`` groups on average whatever the profile's scale. Times are drawn
    by *inversion* of the cumulative intensity Λ(t) (Çinlar): unit-rate exponential
    gaps give the points u₁ < u₂ < … of a homogeneous process, and ``tᵢ = Λ⁻¹(uᵢ)``.
    Inversion spends exactly one draw per arrival (thinning spends draws on rejected
    candidates), and a longer run keeps the arrivals of a shorter one (a prefix).

Groups
    Each group's attributes are drawn when it is created, from streams of its own —
    ``mover/group-0042/attributes`` (size, speed, informed) and
    ``mover/group-0042/route`` (entry, destination, waypoints) — so nothing the
    command layer does can shift them (common random numbers, STYLE §4). Every draw
    is made whether used or not (e.g. ``informed`` when the fraction is 0).

Routes
    Entry uniform in arc length on the border within ``entry``; destination uniform
    among ``destinations`` (the vanishing line); ``waypoints`` intermediate points
    evenly spaced on the straight line entry → destination and shifted sideways by
    N(0, ``route_spread_m``). Each straight leg is cut where it crosses terrain-zone
    boundaries (`Terrain.leg_pieces`) and every piece is walked at the group's speed
    times the zone's speed factor, so the `Trajectory` is piecewise linear in time
    with zone-dependent speeds.

Leaving the surveillance zone
    A group that walks farther than the segment's ``depth_m`` behind the border has
    left the surveillance zone: its trajectory ends there (it got away, or was never
    seen) even if its destination lies beyond.

Informed groups
    A share ``informed_fraction`` of groups knows where the fixed sensors stand (from
    smugglers' scouting, say). Such a group weighs ``AVOIDANCE_CANDIDATES`` routes —
    its plain route and alternatives whose waypoint offsets come from its own stream
    ``mover/group-0042/informed`` — and walks the one least exposed to the known
    sensors: exposure = Σ over sensors of (1 − d / reach)₊, with d the route's closest
    approach to the sensor and reach its range (seismic radius, camera or radar
    range). Entry and destination stay; fences cannot be walked round. Simplification
    [G]: a handful of random alternatives, not an optimal path (Sandia's
    most-vulnerable path [ASSESS] would be the worst case).

Plans that change
    `hide`, `run_on` and `turn_back` revise a group's trajectory from a time on, when
    it sees a patrol or a team (`sim.world`); fences delay it by their ``delay_s``
    (`sim.ground.routes.Barrier`).

Simplifications [G]: a group walks without resting, keeps together (one mover per
group), and turns back straight to the nearest point of the border.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.ground.daylight import Daylight
from sim.ground.planning import KnownSensors, Planner
from sim.ground.routes import Barrier, first_crossing_s, stand, timed_route
from sim.ground.specs import CrossingsSpec, GroupTypeSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory
from sim.rng import RandomStreams

FloatArray = NDArray[np.float64]

_DAY_S = 86_400.0
_HOUR_S = 3_600.0

#: Routes an informed group weighs: its plain route and this many minus one others.
AVOIDANCE_CANDIDATES = 8
#: A group lies up at most this many times on one walk (days of walking).
MAX_LIE_UPS = 10

__all__ = ["KnownSensors", "Planner", "CrossingGroup", "make_group", "make_groups"]


#: Truth ids of scripted groups (`sim.injects`) start here, far above the random ones,
#: so adding a scripted group renames no random group.
SCRIPTED_BASE = 1_000_000


def group_name(index: int) -> str:
    """Stable id of the ``index``-th group of a replication: ``group-0042``; scripted
    groups (index ≥ `SCRIPTED_BASE`) are ``scripted-01``, ``scripted-02``, …"""
    if index >= SCRIPTED_BASE:
        return f"scripted-{index - SCRIPTED_BASE + 1:02d}"
    return f"group-{index:04d}"


def intensity_breaks(spec: CrossingsSpec, daylight: Daylight,
                     duration_s: float) -> tuple[FloatArray, FloatArray]:
    """Piece ends and arrival rates of the piecewise-constant intensity.

    Returns
    -------
    breaks_s : (k + 1,) times 0 = b₀ < b₁ < … < b_k = duration_s at local hour boundaries
    rate_per_s : (k,) arrival rate on each piece, groups s⁻¹
    """
    profile = np.asarray(spec.hourly_profile, dtype=float)
    weights = profile / profile.mean()
    phase_s = (daylight.start_offset_s % _HOUR_S)
    first = _HOUR_S - phase_s if phase_s > 0 else _HOUR_S
    inner = np.arange(first, duration_s, _HOUR_S)
    breaks = np.concatenate([[0.0], inner[inner < duration_s], [duration_s]])
    mids = (breaks[:-1] + breaks[1:]) / 2
    hours = np.floor(daylight.hour_of_day(mids)).astype(int) % 24
    rate = spec.groups_per_day / _DAY_S * weights[hours]
    return breaks, rate


def arrival_times(spec: CrossingsSpec, daylight: Daylight, duration_s: float,
                  rng: np.random.Generator) -> FloatArray:
    """Arrival times in [0, duration_s) of the non-homogeneous Poisson process, sorted.

    ``rng`` is the stream ``crossings/arrivals``; one exponential draw per arrival plus
    the one that overshoots the horizon.
    """
    breaks, rate = intensity_breaks(spec, daylight, duration_s)
    cum = np.concatenate([[0.0], np.cumsum(rate * np.diff(breaks))])
    total = cum[-1]
    points: list[float] = []
    u = 0.0
    while True:
        u += float(rng.exponential(1.0))
        if u >= total:
            break
        points.append(u)
    u_arr = np.asarray(points)
    # Λ is piecewise linear; find the piece of each u (pieces of zero rate hold no u).
    piece = np.searchsorted(cum, u_arr, side="right") - 1
    piece = np.clip(piece, 0, len(rate) - 1)
    t = breaks[piece] + (u_arr - cum[piece]) / rate[piece]
    return np.minimum(t, np.nextafter(duration_s, 0.0))


@dataclass(frozen=True)
class CrossingGroup:
    """One group of people crossing the border.

    Attributes
    ----------
    index : 0-based number in order of arrival (its truth id in reports)
    name : ``group-0042``
    arrival_s : time it crosses the border, s
    size : people in the group
    speed_mps : walking speed on open ground, m/s
    informed : knows the sensor positions and keeps away (see module docstring)
    entry_arc_m : entry point as arc length along the border, m
    destination : index into ``CrossingsSpec.destinations`` (-1: a scripted route)
    trajectory : its whole walk, entry to destination
    kind : ``group``, or its `GroupTypeSpec` kind (migrants, smugglers, decoys)
    hidden : (start, end) periods it lies up, s
    pickup : (due_s, wait_s) of a smuggler's vehicle at the destination, or None
    ends_as : what reaching the end of its walk means: arrived (got away or
        undetected) or turned_back (a decoy walking back across the border)
    """

    index: int
    name: str
    arrival_s: float
    size: int
    speed_mps: float
    informed: bool
    entry_arc_m: float
    destination: int
    trajectory: Trajectory
    kind: str = "group"
    hidden: tuple[tuple[float, float], ...] = ()
    pickup: tuple[float, float] | None = None
    ends_as: str = "arrived"

    @property
    def entry_xy(self) -> FloatArray:
        return self.trajectory.xy[0]

    @property
    def destination_xy(self) -> FloatArray:
        return self.trajectory.xy[-1]

    @property
    def end_s(self) -> float:
        """When it reaches its destination if nobody stops it, s."""
        return self.trajectory.end_s


def draw_speed_mps(spec: CrossingsSpec, rng: np.random.Generator) -> float:
    """Normal(mean, sd) truncated below at ``min_mps`` (by rejection, 32 tries, then min)."""
    s = spec.speed
    draws = rng.normal(s.mean_mps, s.sd_mps, size=32)
    ok = draws[draws >= s.min_mps]
    return float(ok[0]) if len(ok) else float(s.min_mps)


def route_points(entry_xy: FloatArray, dest_xy: FloatArray,
                 offsets_m: FloatArray) -> FloatArray:
    """Entry, waypoints and destination (w + 2, 2).

    Waypoint i (1..w) lies at fraction i / (w + 1) of the way entry → destination,
    shifted by ``offsets_m[i-1]`` along the left normal of that line.
    """
    entry_xy, dest_xy = np.asarray(entry_xy, float), np.asarray(dest_xy, float)
    w = len(offsets_m)
    d = dest_xy - entry_xy
    length = float(np.hypot(*d))
    normal = np.array([-d[1], d[0]]) / length if length > 0 else np.zeros(2)
    frac = np.arange(1, w + 1) / (w + 1)
    mids = entry_xy + frac[:, None] * d + np.asarray(offsets_m)[:, None] * normal
    return np.vstack([entry_xy, mids, dest_xy])


def group_type(spec: CrossingsSpec, rng: np.random.Generator) -> GroupTypeSpec | None:
    """The group's type, drawn by share from stream ``mover/<name>/type`` (one uniform,
    drawn only when the scenario has types)."""
    if not spec.types:
        return None
    shares = np.cumsum([t.share for t in spec.types])
    k = int(np.searchsorted(shares / shares[-1], rng.random(), side="right"))
    return spec.types[min(k, len(spec.types) - 1)]


def make_group(index: int, arrival_s: float, spec: CrossingsSpec, terrain: Terrain,
               streams: RandomStreams, known: KnownSensors | None = None,
               barriers: Sequence[Barrier] = (), planner: Planner | None = None,
               daylight: Daylight | None = None,
               decoy_for: tuple[float, FloatArray] | None = None) -> CrossingGroup:
    """Create group ``index`` arriving at ``arrival_s``: draw its attributes and route.

    ``known``: the sensors an informed group avoids (none: informed groups walk plainly);
    ``barriers``: fence lines it must climb (a pause of their ``delay_s``);
    ``planner``: least-cost routes and informed planning (``routing: least_cost``);
    ``daylight``: when lying-up groups hide; ``decoy_for``: a decoy's (arrival, entry)
    of the smuggler group it covers.
    """
    name = group_name(index)
    attrs = streams.stream(f"mover/{name}/attributes")
    size = int(attrs.integers(spec.group_size.min, spec.group_size.max + 1))
    speed = draw_speed_mps(spec, attrs)
    informed = bool(attrs.random() < spec.informed_fraction)
    kind = group_type(spec, streams.stream(f"mover/{name}/type")) if spec.types else None
    if kind is not None:
        trng = streams.stream(f"mover/{name}/type-attributes")
        sizes = kind.group_size or spec.group_size
        size = int(trng.integers(sizes.min, sizes.max + 1))
        speed *= kind.speed_factor

    route = streams.stream(f"mover/{name}/route")
    lo = spec.entry.from_m
    hi = spec.entry.to_m if spec.entry.to_m is not None else terrain.border_length_m
    lo, hi = min(lo, terrain.border_length_m), min(hi, terrain.border_length_m)
    entry_arc = float(route.uniform(lo, hi)) if hi > lo else float(lo)
    destination = int(route.integers(len(spec.destinations)))
    offsets = route.normal(0.0, 1.0, size=spec.waypoints) * spec.route_spread_m
    dest_xy = np.asarray(spec.destinations[destination], dtype=float)
    least_cost = spec.routing == "least_cost" and planner is not None
    plans = informed and least_cost and planner is not None and planner.known is not None

    if kind is not None and kind.kind == "decoys" and decoy_for is not None:
        arrival_s = max(decoy_for[0] - kind.decoy_lead_s, 0.0)
        entry_arc = _farthest_entry(terrain, decoy_for[1], lo, hi,
                                    streams.stream(f"mover/{name}/informed"),
                                    spec.entry_candidates)
    elif plans and planner is not None:
        irng = streams.stream(f"mover/{name}/informed")
        arcs = np.concatenate([[entry_arc], irng.uniform(lo, hi, spec.entry_candidates - 1)
                               if hi > lo else np.full(spec.entry_candidates - 1, lo)])
        entry_arc = float(arcs[planner.best_entry(terrain.border_point(arcs), dest_xy)])
        arrival_s = planner.start_time(arrival_s)
    entry_xy = terrain.border_point(entry_arc)

    if kind is not None and kind.kind == "decoys":
        points = _decoy_route(entry_xy, dest_xy, known)
    elif least_cost and planner is not None:
        via = None if plans else route_points(entry_xy, dest_xy, offsets)[1:-1]
        points = planner.route(entry_xy, dest_xy, plans, via)
    else:
        points = route_points(entry_xy, dest_xy, offsets)
        if informed and known is not None and spec.waypoints > 0:
            points = least_exposed_route(points, entry_xy, dest_xy, known, spec,
                                         streams.stream(f"mover/{name}/informed"))
    if kind is not None and kind.kind == "decoys":
        trajectory = _head_and_back(points, speed, arrival_s, kind.decoy_s, terrain, barriers)
    else:
        trajectory = timed_route(points, speed, arrival_s, terrain, barriers)
    hidden: tuple[tuple[float, float], ...] = ()
    if kind is not None and kind.lie_up and daylight is not None:
        trajectory, hidden = lie_up(trajectory, daylight)
    vanish_s = first_crossing_s(trajectory, terrain.depth_line)
    if vanish_s is not None and vanish_s > trajectory.start_s:
        trajectory = trajectory.until(vanish_s)
        hidden = tuple((a, min(b, vanish_s)) for a, b in hidden if a < vanish_s)
    pickup = None
    if kind is not None and kind.pickup_wait_s is not None:
        pickup = (trajectory.end_s, kind.pickup_wait_s)
    return CrossingGroup(index, name, float(arrival_s), size, speed, informed,
                         entry_arc, destination, trajectory,
                         kind.kind if kind is not None else "group", hidden, pickup)


def _farthest_entry(terrain: Terrain, from_xy: FloatArray, lo: float, hi: float,
                    rng: np.random.Generator, candidates: int) -> float:
    """The candidate entry (uniform in [lo, hi]) farthest from ``from_xy``."""
    arcs = rng.uniform(lo, hi, candidates) if hi > lo else np.full(candidates, lo)
    pts = terrain.border_point(arcs)
    return float(arcs[int(np.argmax(np.hypot(*(pts - from_xy).T)))])


def _decoy_route(entry_xy: FloatArray, dest_xy: FloatArray,
                 known: KnownSensors | None) -> FloatArray:
    """Straight towards the known sensor nearest the entry (else the destination)."""
    if known is None or not len(known.xy):
        return np.vstack([entry_xy, dest_xy])
    near = known.xy[int(np.argmin(np.hypot(*(known.xy - entry_xy).T)))]
    return np.vstack([entry_xy, near])


def _head_and_back(points: FloatArray, speed_mps: float, start_s: float, out_s: float,
                   terrain: Terrain, barriers: Sequence[Barrier]) -> Trajectory:
    """Walk ``points`` for at most ``out_s``, then straight back to the border."""
    out = timed_route(points, speed_mps, start_s, terrain, barriers)
    turn = min(start_s + out_s, out.end_s)
    return out.splice(turn, turn_back(out, turn, speed_mps, terrain, barriers))


def lie_up(trajectory: Trajectory, daylight: Daylight
           ) -> tuple[Trajectory, tuple[tuple[float, float], ...]]:
    """The walk of a group that moves only at night: wherever daylight (or civil
    twilight) finds it walking, it hides until the next night begins, then walks on.

    Returns the new trajectory and the periods it lies up. At most `MAX_LIE_UPS`.
    """
    hidden: list[tuple[float, float]] = []
    traj = trajectory
    t = traj.start_s
    for _ in range(MAX_LIE_UPS):
        nights = daylight.night_intervals(t, t + 3 * 86_400.0)
        # the first instant from t on that is not night, and the next night after it
        if not len(nights) or nights[0, 0] > t:
            light_at = t
        else:
            light_at = float(nights[0, 1])
        if light_at >= traj.end_s:
            break
        later = nights[nights[:, 0] > light_at]
        if not len(later):
            break
        dark_at = float(later[0, 0])
        traj = traj.splice(light_at, hide(traj, light_at, dark_at - light_at))
        hidden.append((light_at, dark_at))
        t = dark_at
    return traj, tuple(hidden)


def keep_appointment(trajectory: Trajectory, due_s: float, wait_s: float
                     ) -> tuple[Trajectory, tuple[float, float] | None]:
    """A smuggler group's walk with its pick-up: early, it waits at the destination
    for the vehicle due at ``due_s``; later than ``due_s + wait_s`` it missed it and
    lies up there until the vehicle comes again at the same time a day later (or the
    day after, ...). Returns the walk and the period it waits (None: on time)."""
    end = trajectory.end_s
    if end < due_s:
        wait_until = due_s
    elif end <= due_s + wait_s:
        return trajectory, None
    else:
        wait_until = due_s + np.ceil((end - due_s - wait_s) / 86_400.0) * 86_400.0
        wait_until = max(wait_until, end)
    held = stand(trajectory.xy[-1], end, wait_until)
    return trajectory.splice(end, held), (float(end), float(wait_until))


def least_exposed_route(plain: FloatArray, entry_xy: FloatArray, dest_xy: FloatArray,
                        known: KnownSensors, spec: CrossingsSpec,
                        rng: np.random.Generator) -> FloatArray:
    """The least exposed of the plain route and ``AVOIDANCE_CANDIDATES - 1`` others.

    Ties go to the earlier candidate, so a group that gains nothing walks its plain route.
    """
    offsets = rng.normal(0.0, 1.0, size=(AVOIDANCE_CANDIDATES - 1, spec.waypoints))
    candidates = [plain] + [route_points(entry_xy, dest_xy, o * spec.route_spread_m)
                            for o in offsets]
    costs = [known.exposure(c) for c in candidates]
    return candidates[int(np.argmin(costs))]


def make_groups(spec: CrossingsSpec, terrain: Terrain, daylight: Daylight,
                duration_s: float, streams: RandomStreams,
                known: KnownSensors | None = None,
                barriers: Sequence[Barrier] = (),
                planner: Planner | None = None) -> list[CrossingGroup]:
    """All random groups of a replication, sorted by the time they cross.

    Group ``i`` is the i-th arrival of the random process: its id and streams depend on
    nothing else, so a scripted group added to a scenario renames and re-draws none.
    Informed groups may cross later than they arrive (`Planner.start_time`), and a
    decoy crosses `decoy_lead_s` before the next smuggler group after its arrival.
    """
    times = arrival_times(spec, daylight, duration_s, streams.stream("crossings/arrivals"))
    groups = [make_group(i, float(t), spec, terrain, streams, known, barriers, planner,
                         daylight) for i, t in enumerate(times)]
    smugglers = [g for g in groups if g.kind == "smugglers"]
    for k, g in enumerate(groups):
        if g.kind != "decoys":
            continue
        covered = next((m for m in smugglers if m.arrival_s >= g.arrival_s), None)
        if covered is not None:
            groups[k] = make_group(g.index, float(times[g.index]), spec, terrain, streams,
                                   known, barriers, planner, daylight,
                                   decoy_for=(covered.arrival_s, covered.entry_xy))
    return sorted(groups, key=lambda g: (g.arrival_s, g.index))


# ------------------------------------------------------------------ plans that change


def hide(trajectory: Trajectory, now_s: float, hide_s: float) -> Trajectory:
    """Stand still from ``now_s`` for ``hide_s``, then walk on as planned (later)."""
    rest = trajectory.after(now_s)
    p = trajectory.position_at(now_s)
    held = stand(p, now_s, now_s + hide_s)
    return held.splice(held.end_s, rest.shifted(hide_s))


def run_on(trajectory: Trajectory, now_s: float, factor: float, run_s: float) -> Trajectory:
    """Go on along the planned path ``factor`` times faster for ``run_s``, then as
    planned (earlier): a time warp of the rest of the trajectory."""
    rest = trajectory.after(now_s)
    tau = rest.t_s - now_s
    cut = run_s * factor                       # planned time covered while running
    if tau[-1] > cut:                          # add the knot where running stops
        x_cut = rest.position_at(now_s + cut)
        k = int(np.searchsorted(tau, cut))
        tau = np.insert(tau, k, cut)
        xy = np.insert(rest.xy, k, x_cut, axis=0)
    else:
        xy = rest.xy
    new_tau = np.where(tau <= cut, tau / factor, run_s + (tau - cut))
    keep = np.concatenate([[True], np.diff(new_tau) > 0])
    return Trajectory(now_s + new_tau[keep], xy[keep])


def turn_back(trajectory: Trajectory, now_s: float, speed_mps: float, terrain: Terrain,
              barriers: Sequence[Barrier] = ()) -> Trajectory:
    """Walk from where the group is at ``now_s`` straight back to the nearest point of
    the border (climbing any fence on the way); it ends there, on the line."""
    p = trajectory.position_at(now_s)
    back = terrain.nearest_border_point(p)
    return timed_route(np.vstack([p, back]), speed_mps, now_s, terrain, barriers)
