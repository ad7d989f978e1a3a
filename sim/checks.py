"""Checks of a validated scenario that one field's type cannot express.

The specs (`sim.ground.specs`) check each field alone: types, signs, finite numbers.
These checks look at fields together, and at what a run will do with them:

* **names**: ``name`` becomes the folder ``runs/<name>``, so it is a plain name;
* **bounds that keep a run finite**: coordinates within `MAX_COORD_M`, durations,
  revisit times, speeds and profiles within physical bounds;
* **geometry**: the border and zone polygons do not cross themselves, zones have
  area, the entry range lies on the border, destinations lie on the protected side;
  sensors, patrol routes and team bases on the foreign side are refused, those far
  from the segment get a warning;
* **expected work**: crossings, sensor looks, nuisance alarms, fusion batches and
  patrol legs estimated from the rates (`expected_work`); a scenario whose estimate
  is absurd is refused with the estimate, before it can hang or exhaust memory.

A problem raises `CheckError` (``path``: the field, ``str()``: what was expected);
what is odd but possible is returned as a warning line ``path: ...``. Pure Python
(no numpy, no shapely), so ``validate`` stays fast; polylines are checked by a sweep
over bounding boxes.

Sides: the protected side is LEFT of the border's direction (`sim.ground.specs`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sim.ground.specs import (
    CameraSpec,
    DragRoadSpec,
    FenceSpec,
    FibreSpec,
    MicrowaveSpec,
    RadarSpec,
    Scenario,
    SeismicSpec,
)

Pt = tuple[float, float]

#: Largest coordinate magnitude, m (10,000 km: a local frame, not the planet).
MAX_COORD_M = 1e7
#: Longest scenario, s (10 years).
MAX_DURATION_S = 3_650 * 86_400.0
#: Looks of one nuisance animal by a radar or camera, an upper estimate (a few minutes
#: in view at a look every few seconds).
ANIMAL_LOOKS = 200

#: Shortest time between looks of a sensor and between fusion batches, s.
MIN_PERIOD_S = 0.01
#: Fastest group, patrol or team, m/s (360 km/h).
MAX_SPEED_MPS = 100.0
#: Slowest walking speed of a group on open ground, m/s, and smallest zone factor.
MIN_SPEED_MPS = 0.05
MIN_SPEED_FACTOR = 0.01
#: Longest sensor or patrol reach, m.
MAX_REACH_M = 1e6
#: Largest bearing error (one sigma), degrees: beyond it a bearing says nothing.
MAX_SIGMA_BEARING_DEG = 90.0
#: Largest relative range error (one sigma) of a camera's range estimate.
MAX_SIGMA_RANGE_FRAC = 10.0
#: Largest group.
MAX_GROUP_SIZE = 10_000
#: Largest relative intensity of one hour of the crossing profile.
MAX_PROFILE = 1e6
#: Smallest zone area, m².
MIN_ZONE_AREA_M2 = 1.0
#: How far on the foreign side a sensor, route or base may stand (survey error), m.
FOREIGN_TOLERANCE_M = 50.0
#: Vertices closer than this are one point, m.
SAME_POINT_M = 1e-6
#: Shortest border, m.
MIN_BORDER_M = 1.0
#: Beyond this distance from the segment something is "far outside": a warning, m.
FAR_M = 10_000.0

#: Expected work above which a replication is refused (memory or hours of CPU).
MAX_PER_REPLICATION = {"crossings": 1e6, "looks": 1e10, "looks_one_sensor": 5e8,
                       "nuisance alarms": 1e7, "fusion batches": 1e8, "patrol legs": 1e7}
#: Expected work above which a whole command (all replications) is refused.
MAX_PER_COMMAND = {"crossings": 1e8, "looks": 1e12, "looks_one_sensor": 1e11,
                   "nuisance alarms": 1e9, "fusion batches": 1e10, "patrol legs": 1e9}


class CheckError(ValueError):
    """A scenario that cannot be meant; ``path`` is the field, ``str()`` the reason."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


# ------------------------------------------------------------------------ geometry


def _cross(o: Pt, a: Pt, b: Pt) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _on_segment(p: Pt, a: Pt, b: Pt) -> bool:
    return (min(a[0], b[0]) <= p[0] <= max(a[0], b[0])
            and min(a[1], b[1]) <= p[1] <= max(a[1], b[1]))


def segments_intersect(a: Pt, b: Pt, c: Pt, d: Pt) -> bool:
    """Do the closed segments ab and cd share a point? (orientation tests)"""
    d1, d2 = _cross(c, d, a), _cross(c, d, b)
    d3, d4 = _cross(a, b, c), _cross(a, b, d)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return ((d1 == 0 and _on_segment(a, c, d)) or (d2 == 0 and _on_segment(b, c, d))
            or (d3 == 0 and _on_segment(c, a, b)) or (d4 == 0 and _on_segment(d, a, b)))


def _dedupe(points: Sequence[Pt]) -> list[Pt]:
    """The points without repeats: a vertex within `SAME_POINT_M` of the one before."""
    out: list[Pt] = []
    for p in points:
        if not out or math.dist(p, out[-1]) > SAME_POINT_M:
            out.append((float(p[0]), float(p[1])))
    return out


def first_crossing(points: Sequence[Pt], closed: bool) -> Pt | None:
    """A point where the polyline (or ring, if ``closed``) touches itself, or None.

    Edges that follow each other may share only their common vertex; a ring's last
    edge joins its first. Bounding boxes sorted by their left edge keep the pair
    tests to the edges that can meet (about n log n for a border or a zone).
    """
    pts = _dedupe(points)
    if closed and len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]
    n = len(pts)
    edges = [(pts[i], pts[(i + 1) % n]) for i in range(n if closed else n - 1)]
    m = len(edges)
    order = sorted(range(m), key=lambda i: min(edges[i][0][0], edges[i][1][0]))
    for k, i in enumerate(order):
        a, b = edges[i]
        right = max(a[0], b[0])
        lo_y, hi_y = min(a[1], b[1]), max(a[1], b[1])
        for j in order[k + 1:]:
            c, d = edges[j]
            if min(c[0], d[0]) > right:
                break
            if max(c[1], d[1]) < lo_y or min(c[1], d[1]) > hi_y:
                continue
            adjacent = abs(i - j) == 1 or (closed and abs(i - j) == m - 1)
            if adjacent:
                # neighbours share a vertex; they touch elsewhere only if they fold back
                shared = a if a in (c, d) else b
                other1 = b if shared == a else a
                other2 = d if shared == c else c
                if (_cross(shared, other1, other2) == 0
                        and (other1[0] - shared[0]) * (other2[0] - shared[0])
                        + (other1[1] - shared[1]) * (other2[1] - shared[1]) > 0):
                    return shared
                continue
            if segments_intersect(a, b, c, d):
                return meeting_point(a, b, c, d)
    return None


def meeting_point(a: Pt, b: Pt, c: Pt, d: Pt) -> Pt:
    """A point the closed segments ab and cd share (`segments_intersect` said they do).

    Crossing: where the lines meet, ``a + t (b - a)`` with ``t = (c - a) × (d - c) /
    (b - a) × (d - c)``. Overlapping on one line: the first of c, d, a, b that lies on
    both, an end of the shared stretch.
    """
    rx, ry = b[0] - a[0], b[1] - a[1]
    sx, sy = d[0] - c[0], d[1] - c[1]
    denom = rx * sy - ry * sx
    if denom != 0:
        t = ((c[0] - a[0]) * sy - (c[1] - a[1]) * sx) / denom
        t = min(1.0, max(0.0, t))
        return (a[0] + t * rx, a[1] + t * ry)
    for p, (u, v) in ((c, (a, b)), (d, (a, b)), (a, (c, d)), (b, (c, d))):
        if _cross(u, v, p) == 0 and _on_segment(p, u, v):
            return p
    return a


def ring_area_m2(points: Sequence[Pt]) -> float:
    """Absolute area of a ring (shoelace), m²."""
    pts = _dedupe(points)
    s = 0.0
    for i in range(len(pts)):
        (x0, y0), (x1, y1) = pts[i], pts[(i + 1) % len(pts)]
        s += x0 * y1 - x1 * y0
    return abs(s) / 2.0


@dataclass(frozen=True)
class BorderPlace:
    """Where a point lies relative to the border polyline.

    Attributes
    ----------
    offset_m : signed distance, > 0 on the protected side (left), < 0 foreign, m
    beyond_m : how far the point lies past either end of the border, along it, m
    """

    offset_m: float
    beyond_m: float


def border_place(border: Sequence[Pt], p: Pt) -> BorderPlace:
    """Signed distance from a point to the border (side by pseudo-normals at vertices)."""
    pts = _dedupe(border)
    best = (math.inf, 0, 0.0)
    for i in range(len(pts) - 1):
        (ax, ay), (bx, by) = pts[i], pts[i + 1]
        dx, dy = bx - ax, by - ay
        t = ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy)
        tc = min(1.0, max(0.0, t))
        d2 = (p[0] - ax - tc * dx) ** 2 + (p[1] - ay - tc * dy) ** 2
        if d2 < best[0]:
            best = (d2, i, t)
    d2, i, t = best
    last = len(pts) - 2

    def normal(k: int) -> Pt:
        (ax, ay), (bx, by) = pts[k], pts[k + 1]
        length = math.hypot(bx - ax, by - ay)
        return (-(by - ay) / length, (bx - ax) / length)

    n = normal(i)
    if t <= 0 and i > 0:
        m = normal(i - 1)
        n = (n[0] + m[0], n[1] + m[1])
    elif t >= 1 and i < last:
        m = normal(i + 1)
        n = (n[0] + m[0], n[1] + m[1])
    v = pts[i] if t <= 0 else pts[i + 1] if t >= 1 else pts[i]
    side = (p[0] - v[0]) * n[0] + (p[1] - v[1]) * n[1]
    if 0 < t < 1:
        side = _cross(pts[i], pts[i + 1], p)
    (ax, ay), (bx, by) = pts[i], pts[i + 1]
    seg_len = math.hypot(bx - ax, by - ay)
    beyond = 0.0
    if (i == 0 and t < 0) or (i == last and t > 1):
        beyond = (-t if t < 0 else t - 1) * seg_len
    return BorderPlace(offset_m=math.copysign(math.sqrt(d2), side) if side else 0.0,
                       beyond_m=beyond)


def polyline_length_m(points: Sequence[Pt]) -> float:
    pts = _dedupe(points)
    return sum(math.dist(pts[i], pts[i + 1]) for i in range(len(pts) - 1))


# ------------------------------------------------------------------------- checks


def _fmt(x: float) -> str:
    return f"{x:.4g}" if abs(x) < 1e6 else f"{x:.3e}"


def _points(scenario: Scenario) -> Iterable[tuple[str, Pt]]:
    """Every coordinate pair of the scenario with its field path."""
    seg = scenario.segment
    yield from ((f"segment.border.{i}", p) for i, p in enumerate(seg.border))
    for z, zone in enumerate(seg.zones):
        yield from ((f"segment.zones.{z}.polygon.{i}", p) for i, p in enumerate(zone.polygon))
    yield from ((f"crossings.destinations.{i}", p)
                for i, p in enumerate(scenario.crossings.destinations))
    yield from _placed(scenario)


def _check_bounds(scenario: Scenario) -> None:
    name = scenario.name
    if (any(c in name for c in "/\\") or name in (".", "..") or name.startswith(".")
            or any(ord(c) < 32 or ord(c) == 127 for c in name) or len(name) > 100
            or name != name.strip()):
        raise CheckError("name", "expected a plain name for the folder runs/<name> (no "
                         "'/', '\\', control characters or leading '.', at most 100 "
                         f"characters), got {name[:60]!r}")
    for path, (x, y) in _points(scenario):
        if abs(x) > MAX_COORD_M or abs(y) > MAX_COORD_M:
            raise CheckError(path, f"expected coordinates within ±{MAX_COORD_M:.0e} m, "
                             f"got ({_fmt(x)}, {_fmt(y)})")
    if scenario.duration_s > MAX_DURATION_S:
        raise CheckError("duration", f"expected at most {MAX_DURATION_S / 86_400:.0f} days, "
                         f"got {_fmt(scenario.duration_s / 86_400)} days")
    limits: list[tuple[str, float, float | None, float | None, str]] = [
        ("command.fusion_interval_s", scenario.command.fusion_interval_s, MIN_PERIOD_S,
         86_400.0, "s"),
        ("crossings.speed.min_mps", scenario.crossings.speed.min_mps, MIN_SPEED_MPS, None,
         "m/s"),
        ("crossings.speed.mean_mps", scenario.crossings.speed.mean_mps, None,
         MAX_SPEED_MPS, "m/s"),
        ("crossings.speed.sd_mps", scenario.crossings.speed.sd_mps, None, MAX_SPEED_MPS,
         "m/s"),
        ("crossings.speed.min_mps", scenario.crossings.speed.min_mps, None, MAX_SPEED_MPS,
         "m/s"),
        ("crossings.group_size.max", scenario.crossings.group_size.max, None,
         MAX_GROUP_SIZE, "people"),
        ("segment.depth_m", scenario.segment.depth_m, None, MAX_COORD_M, "m"),
        ("crossings.route_spread_m", scenario.crossings.route_spread_m, None, MAX_COORD_M,
         "m"),
    ]
    for h, value in enumerate(scenario.crossings.hourly_profile):
        limits.append((f"crossings.hourly_profile.{h}", value, None, MAX_PROFILE, ""))
    for s, sensor in enumerate(scenario.sensors):
        revisit = getattr(sensor, "revisit_s", None)  # every kind with a look clock
        if revisit is not None:
            limits.append((f"sensors.{s}.revisit_s", revisit, MIN_PERIOD_S, None, "s"))
        if isinstance(sensor, CameraSpec | RadarSpec):
            limits += [(f"sensors.{s}.max_range_m", sensor.max_range_m, None, MAX_REACH_M,
                        "m"),
                       (f"sensors.{s}.sigma_bearing_deg", sensor.sigma_bearing_deg, None,
                        MAX_SIGMA_BEARING_DEG, "degrees")]
            interval = sensor.report_interval_s
            if interval is not None and interval < sensor.revisit_s:
                # a tracker cannot update faster than its sensor looks: an interval
                # under revisit_s would forward every look, as unset does (a slip of
                # unit or of field, most likely)
                raise CheckError(f"sensors.{s}.report_interval_s",
                                 f"expected at least revisit_s ({_fmt(sensor.revisit_s)} "
                                 f"s), got {_fmt(interval)}")
        if isinstance(sensor, CameraSpec):
            limits.append((f"sensors.{s}.sigma_range_frac", sensor.sigma_range_frac, None,
                           MAX_SIGMA_RANGE_FRAC, ""))
        if isinstance(sensor, RadarSpec):
            limits.append((f"sensors.{s}.sigma_range_m", sensor.sigma_range_m, None,
                           MAX_REACH_M, "m"))
        if isinstance(sensor, FenceSpec):
            limits += [(f"sensors.{s}.sigma_along_m", sensor.sigma_along_m, None,
                        MAX_REACH_M, "m"),
                       (f"sensors.{s}.sigma_across_m", sensor.sigma_across_m, None,
                        MAX_REACH_M, "m")]
        if isinstance(sensor, SeismicSpec):
            limits.append((f"sensors.{s}.radius_m", sensor.radius_m, None, MAX_REACH_M, "m"))
        for name in ("radius_m", "range_m", "vehicle_range_m", "person_range_m",
                     "sigma_along_m"):
            reach = getattr(sensor, name, None)
            if reach is not None and not isinstance(sensor, FenceSpec | SeismicSpec):
                limits.append((f"sensors.{s}.{name}", reach, None, MAX_REACH_M, "m"))
    for r, patrol in enumerate(scenario.patrols):
        limits += [(f"patrols.{r}.speed_mps", patrol.speed_mps, None, MAX_SPEED_MPS, "m/s"),
                   (f"patrols.{r}.sigma_m", patrol.sigma_m, None, MAX_REACH_M, "m"),
                   (f"patrols.{r}.detection_range_m", patrol.detection_range_m, None,
                    MAX_REACH_M, "m")]
    for r, patrol in enumerate(scenario.patrols):
        if not patrol.shifts:
            raise CheckError(f"patrols.{r}.shifts", "expected at least one shift (a patrol "
                             "without one never walks)")
    for t, team in enumerate(scenario.response.teams):
        for name in ("drive_speed_mps", "foot_speed_mps", "chase_speed_mps"):
            limits.append((f"response.teams.{t}.{name}", getattr(team, name), None,
                           MAX_SPEED_MPS, "m/s"))
        limits.append((f"response.teams.{t}.detection_range_m", team.detection_range_m,
                       None, MAX_REACH_M, "m"))
    for z, zone in enumerate(scenario.segment.zones):
        if zone.speed_factor is not None:
            limits.append((f"segment.zones.{z}.speed_factor", zone.speed_factor,
                           MIN_SPEED_FACTOR, MAX_SPEED_MPS, ""))
    for path, value, lo, hi, unit in limits:
        if lo is not None and value < lo:
            raise CheckError(path, f"expected at least {lo:g} {unit}, got {_fmt(value)}")
        if hi is not None and value > hi:
            raise CheckError(path, f"expected at most {hi:g} {unit}".rstrip()
                             + f", got {_fmt(value)}")


def _check_geometry(scenario: Scenario, warnings: list[str]) -> None:
    seg = scenario.segment
    border = seg.border
    length = polyline_length_m(border)
    if length < MIN_BORDER_M:
        raise CheckError("segment.border", f"expected a line at least {MIN_BORDER_M:g} m "
                         f"long, got {_fmt(length)} m")
    hit = first_crossing(border, closed=False)
    if hit is not None:
        raise CheckError("segment.border", "expected a line that does not cross or fold "
                         f"back on itself; it does at about ({_fmt(hit[0])}, {_fmt(hit[1])})")
    for z, zone in enumerate(seg.zones):
        where = f"segment.zones.{z}.polygon"
        if len(_dedupe(zone.polygon)) < 3:
            raise CheckError(where, "expected at least 3 distinct vertices")
        area = ring_area_m2(zone.polygon)
        if area < MIN_ZONE_AREA_M2:
            raise CheckError(where, f"expected a polygon with area, got {_fmt(area)} m²")
        hit = first_crossing(zone.polygon, closed=True)
        if hit is not None:
            raise CheckError(where, "expected a polygon whose edges do not cross; they do "
                             f"at about ({_fmt(hit[0])}, {_fmt(hit[1])})")

    entry = scenario.crossings.entry
    if entry.from_m >= length:
        raise CheckError("crossings.entry.from_m", f"expected less than the border's "
                         f"length {_fmt(length)} m, got {_fmt(entry.from_m)}")
    if entry.to_m is not None:
        if entry.to_m > length * (1 + 1e-9):
            raise CheckError("crossings.entry.to_m", f"expected at most the border's "
                             f"length {_fmt(length)} m, got {_fmt(entry.to_m)}")
        if entry.to_m < entry.from_m:   # equal: every group crosses at one point
            raise CheckError("crossings.entry.to_m", f"expected at least from_m "
                             f"({_fmt(entry.from_m)}), got {_fmt(entry.to_m)}")

    far = seg.depth_m + FAR_M
    for i, p in enumerate(scenario.crossings.destinations):
        where = f"crossings.destinations.{i}"
        place = border_place(border, p)
        if place.offset_m <= 0 and place.beyond_m == 0:
            raise CheckError(where, "expected a point on the protected side of the border "
                             f"(left of its direction), got ({_fmt(p[0])}, {_fmt(p[1])}), "
                             f"{_fmt(-place.offset_m)} m on the foreign side")
        if abs(place.offset_m) > far or place.beyond_m > FAR_M:
            warnings.append(f"{where}: ({_fmt(p[0])}, {_fmt(p[1])}) lies far outside the "
                            f"segment ({_fmt(abs(place.offset_m) / 1000)} km from the border)")

    warned: set[str] = set()
    for where, p in _placed(scenario):
        place = border_place(border, p)
        if place.offset_m < -FOREIGN_TOLERANCE_M and place.beyond_m == 0:
            raise CheckError(where, "expected a point on the protected side of the border "
                             f"(left of its direction), got ({_fmt(p[0])}, {_fmt(p[1])}), "
                             f"{_fmt(-place.offset_m)} m on the foreign side")
        thing = where.split(".line.")[0].split(".route.")[0]
        if (abs(place.offset_m) > far or place.beyond_m > FAR_M) and thing not in warned:
            warned.add(thing)  # one warning per sensor, route or base
            warnings.append(f"{where}: ({_fmt(p[0])}, {_fmt(p[1])}) lies far outside the "
                            f"segment ({_fmt(abs(place.offset_m) / 1000)} km from the border)")


def _placed(scenario: Scenario) -> Iterable[tuple[str, Pt]]:
    """Where equipment stands: sensor positions and lines, team bases, patrol routes.

    Lines and routes vertex by vertex (``sensors.0.line.3``).
    """
    for s, sensor in enumerate(scenario.sensors):
        if isinstance(sensor, FenceSpec | FibreSpec | DragRoadSpec):
            yield from ((f"sensors.{s}.line.{i}", p) for i, p in enumerate(sensor.line))
        elif isinstance(sensor, MicrowaveSpec):
            yield f"sensors.{s}.tx_m", sensor.tx_m
            yield f"sensors.{s}.rx_m", sensor.rx_m
        else:
            yield f"sensors.{s}.position_m", sensor.position_m
    for t, team in enumerate(scenario.response.teams):
        yield f"response.teams.{t}.base_m", team.base_m
    for r, patrol in enumerate(scenario.patrols):
        yield from ((f"patrols.{r}.route.{i}", p) for i, p in enumerate(patrol.route))


# ---------------------------------------------------------------------- work


@dataclass(frozen=True)
class Work:
    """Expected amounts of work of one replication (estimates from the rates).

    Attributes
    ----------
    amounts : quantity → (expected count, field path that drives it)
    """

    amounts: dict[str, tuple[float, str]]


def expected_work(scenario: Scenario) -> Work:
    """Estimate what one replication will do, from rates and geometry.

    Crossings: ``groups_per_day × days``. The rest over the run's horizon, the
    duration plus `longest_crossing_s`. Looks of a sector or seismic sensor: the
    groups passing within its reach (the share ``2·reach / border length`` of all,
    at most all) times the time one spends there (``min(2·reach, depth + reach) /
    min speed``, at most the duration) over ``revisit_s``; the figures are upper
    estimates, good to an order of magnitude. Nuisance alarms: the rates times days.
    Fusion batches: ``duration / fusion_interval_s``, at most one per report (an idle
    node does not tick). Patrol legs: ``duration ×
    speed / route length``.
    """
    duration = scenario.duration_s
    cross = scenario.crossings
    groups = cross.groups_per_day * duration / 86_400.0
    # the run goes on until the last crossing ends: sensors, patrols and the node too
    duration = duration + longest_crossing_s(scenario)
    days = duration / 86_400.0
    border_m = max(polyline_length_m(scenario.segment.border), 1.0)
    depth = scenario.segment.depth_m
    amounts: dict[str, tuple[float, str]] = {
        "crossings": (groups, "crossings.groups_per_day"),
        "fusion batches": (duration / scenario.command.fusion_interval_s,
                           "command.fusion_interval_s"),
    }
    looks, top_looks, top_where = 0.0, 0.0, "sensors"
    nuisance, top_n, top_n_where = 0.0, -1.0, "sensors"
    for s, sensor in enumerate(scenario.sensors):
        n = sensor.nuisance_per_day * days
        nuisance += n
        if n > top_n:
            top_n, top_n_where = n, f"sensors.{s}.nuisance_per_day"
        # kinds with a look clock and a reach; a fence has one chance per crossing
        reach = getattr(sensor, "max_range_m", None) or getattr(sensor, "radius_m", None)
        revisit = getattr(sensor, "revisit_s", None)
        if reach is None or revisit is None:
            continue
        share = min(1.0, 2 * reach / border_m)
        dwell = min(duration, min(2 * reach, depth + reach) / cross.speed.min_mps)
        k = groups * share * (dwell / revisit + 1)
        looks += k
        if k > top_looks:
            top_looks, top_where = k, f"sensors.{s}.revisit_s"
    legs, top_l, top_l_where = 0.0, -1.0, "patrols"
    for r, patrol in enumerate(scenario.patrols):
        n = patrol.nuisance_per_day * days
        nuisance += n
        if n > top_n:
            top_n, top_n_where = n, f"patrols.{r}.nuisance_per_day"
        k = duration * patrol.speed_mps / max(polyline_length_m(patrol.route), 1e-3)
        legs += k
        if k > top_l:
            top_l, top_l_where = k, f"patrols.{r}.speed_mps"
    # the node fuses only when reports arrive: at most one batch per report (a fence
    # alarm per crossing of each line counted as a report too)
    reports = looks + nuisance * (1 + ANIMAL_LOOKS) + groups * (1 + len(scenario.sensors))
    ticks = amounts["fusion batches"][0]
    amounts["fusion batches"] = (min(ticks, reports), "command.fusion_interval_s")
    amounts["looks"] = (looks, top_where)
    amounts["looks_one_sensor"] = (top_looks, top_where)
    amounts["nuisance alarms"] = (nuisance, top_n_where)
    amounts["patrol legs"] = (legs, top_l_where)
    return Work(amounts)


def check_work(work: Work, replications: int = 1) -> None:
    """Refuse work beyond `MAX_PER_REPLICATION` or, over all replications,
    `MAX_PER_COMMAND`; the message carries the estimate."""
    for limits, factor, scope in ((MAX_PER_REPLICATION, 1, "per replication"),
                                  (MAX_PER_COMMAND, replications, "in all")):
        for quantity, limit in limits.items():
            count, where = work.amounts[quantity]
            total = count * factor
            if not total <= limit:  # also catches inf and nan
                what = "looks of one sensor" if quantity == "looks_one_sensor" else quantity
                raise CheckError(where, f"expected work is absurd: about {total:.2g} "
                                 f"{what} {scope} (the limit is {limit:.0e}); lower the "
                                 "rate or the duration")


def longest_crossing_s(scenario: Scenario) -> float:
    """An upper estimate of one crossing's duration, s.

    The longest straight route (any border point to any destination, over the bounding
    box of both) plus the waypoints' detours (``2 · route_spread_m`` each), walked at
    ``speed.min_mps`` through the slowest zone.
    """
    cross = scenario.crossings
    pts = list(scenario.segment.border) + list(cross.destinations)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    route_m = math.hypot(max(xs) - min(xs), max(ys) - min(ys))
    route_m += 2 * cross.route_spread_m * (cross.waypoints + 1)
    slowest = min([1.0] + [z.effective_speed_factor for z in scenario.segment.zones])
    return route_m / (cross.speed.min_mps * slowest)


def check_scenario(scenario: Scenario) -> list[str]:
    """Run every check; return the warnings (``path: text``), raise `CheckError`."""
    warnings: list[str] = []
    _check_bounds(scenario)
    _check_geometry(scenario, warnings)
    longest = longest_crossing_s(scenario)
    if scenario.duration_s + longest > MAX_DURATION_S:
        raise CheckError("crossings.speed.min_mps", "expected crossings that end: the "
                         f"slowest may take about {longest / 86_400:.3g} days, and the run "
                         f"lasts until it ends (at most {MAX_DURATION_S / 86_400:.0f} days "
                         "in all)")
    check_work(expected_work(scenario))
    return warnings
