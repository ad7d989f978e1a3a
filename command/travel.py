"""How a reaction team moves: by vehicle on roads, then on foot through the terrain.

The command knows its map (the scenario's terrain) and plans with it; it never
knows where a group really is. `TravelPlanner` turns "from here to there" into a
timed `Trajectory` and gives fast estimates of travel times for intercept planning.

Roads are the terrain's ``road`` zones. A team drives from where it is to the road
point nearest to it, along the road (a straight drive between the two road points
[G]: roads are corridors), to the road point nearest the target, then walks straight
to the target at ``foot_speed_mps`` × the speed factor of each zone it crosses
(`sim.ground.routes.timed_route`). Where walking all the way is quicker (a target
near the team, no road), it walks. Simplifications [G]: no road graph (one road
zone at a time, straight drives), no off-road driving.

Intercept (`plan_intercept`). The team takes the track's constant-velocity
prediction ``p(t)`` (held still past ``predict_max_s`` after the last update) and
the earliest time ``t`` at which it could be at ``p(t)``, scanning candidate times
every `INTERCEPT_STEP_S`; if no time within the prediction horizon works, it heads
for the last predicted point. The estimate of the travel time uses the speed factor
at the middle of the foot leg; the trajectory it then walks is timed exactly.

Search (`search_pattern`). On arrival without having seen the group, the team
walks an expanding square (IAMSAR's pattern for a datum with a small uncertainty)
centred on the predicted position, legs `SEARCH_SPACING` × its detection range apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from weakref import WeakKeyDictionary

import numpy as np
import shapely
from numpy.typing import NDArray

from sim.ground.routes import timed_route, timed_trajectory
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory

FloatArray = NDArray[np.float64]
#: A drive's times (s) and points (m), not yet a `Trajectory`.
_Drive = tuple[list[float], list[FloatArray]]

#: Candidate intercept times are this far apart, s.
INTERCEPT_STEP_S = 30.0
#: Spacing of the search pattern's legs, in detection ranges (2: sweep width W = 2 r).
SEARCH_SPACING = 2.0
#: Points whose nearest road points the planners remember (then they forget them all).
_NEAR_KEPT = 4096
#: The nearest road points of points, per terrain: the planners of one terrain share
#: them (the roads are the terrain's; a dispatch asks every free team of one point).
_NEAR: WeakKeyDictionary[Terrain, dict[bytes, FloatArray]] = WeakKeyDictionary()


class TravelPlanner:
    """Routes and travel-time estimates for one team.

    Parameters
    ----------
    terrain : the segment (road zones, speed factors)
    drive_speed_mps : vehicle speed on roads
    foot_speed_mps : walking speed on open ground (times zone factors)
    """

    def __init__(self, terrain: Terrain, drive_speed_mps: float,
                 foot_speed_mps: float) -> None:
        self.terrain = terrain
        self.drive = float(drive_speed_mps)
        self.foot = float(foot_speed_mps)
        self.roads = [z for z, kind in zip(terrain.zones, terrain.kinds, strict=True)
                      if kind == "road"]
        self._roads = np.array(self.roads, dtype=object)
        self._rings = np.array([r.exterior for r in self.roads], dtype=object)
        self._near = _NEAR.setdefault(terrain, {})

    # ------------------------------------------------------------------ roads
    def _on_roads(self, xy: FloatArray) -> FloatArray:
        """The nearest point of every road to each point ``xy`` (n, 2), the point itself
        where it is on the road: (roads, n, 2)."""
        xy = np.asarray(xy, float).reshape(-1, 2)
        rings = self._rings[:, None]
        near = shapely.get_coordinates(shapely.line_interpolate_point(
            rings, shapely.line_locate_point(rings, shapely.points(xy)[None, :])))
        inside = shapely.contains_xy(self._roads[:, None], xy[None, :, 0], xy[None, :, 1])
        return np.where(inside[..., None], xy[None], near.reshape(len(self.roads), -1, 2))

    def _near_roads(self, xy: FloatArray) -> FloatArray:
        """`_on_roads` of one point (2,) → (roads, 2), remembered (bases, aims, the
        points of a search and the point of a dispatch recur)."""
        key = np.asarray(xy, float).tobytes()
        near = self._near
        found = near.get(key)
        if found is None:
            if len(near) >= _NEAR_KEPT:
                near.clear()
            found = near[key] = self._on_roads(xy)[:, 0]
            found.flags.writeable = False
        return found

    def estimate_s(self, start_xy: FloatArray, targets: FloatArray) -> FloatArray:
        """Estimated travel times (n,), s, from ``start_xy`` to each target (n, 2)."""
        start = np.asarray(start_xy, float)
        targets = np.asarray(targets, float).reshape(-1, 2)
        if not self.roads:
            return self._foot_s(np.broadcast_to(start, targets.shape), targets)
        entries = self._near_roads(start)
        n = len(targets)
        # one target (a dispatch): its road points are remembered like a route's
        exits = self._near_roads(targets[0])[:, None] if n == 1 else self._on_roads(targets)
        roads = len(self.roads)
        froms = np.empty(((roads + 1) * n, 2))      # the start, then each road's exits
        froms[:n] = start
        froms[n:] = exits.reshape(-1, 2)
        foot = self._foot_s(froms, np.tile(targets, (roads + 1, 1))).reshape(-1, n)
        best = foot[0]
        for entry, exit_, walk in zip(entries, exits, foot[1:], strict=True):
            drive = (np.hypot(*(entry - start)) + np.hypot(*(exit_ - entry).T)) / self.drive
            best = np.minimum(best, drive + walk)
        return best

    def _foot_s(self, a: FloatArray, b: FloatArray) -> FloatArray:
        mid = (a + b) / 2
        factor = self.terrain.speed_factor_at(mid)
        return np.hypot(*(b - a).T) / (self.foot * factor)

    def route(self, start_xy: FloatArray, target_xy: FloatArray, start_s: float) -> Trajectory:
        """The quickest of walking straight and driving a road then walking (the first
        of them on a tie).

        Each way has a lower bound of its arrival (`_walk_bound_s`); the ways are timed
        from the lowest bound up, and a way whose bound is later than the best arrival
        so far is not timed: it could neither win nor tie.
        """
        start = np.asarray(start_xy, float)
        target = np.asarray(target_xy, float)
        ways: list[tuple[float, int, FloatArray, _Drive | None]] = [
            (self._walk_bound_s(start, target, float(start_s)), 0, start, None)]
        if self.roads:
            for k, (entry, exit_) in enumerate(zip(self._near_roads(start),
                                                   self._near_roads(target), strict=True)):
                plan = self._drive(start, entry, exit_, start_s)
                ways.append((self._walk_bound_s(exit_, target, plan[0][-1]), k + 1, exit_,
                             plan))
        best: Trajectory | None = None
        best_k = -1
        for bound, k, walk_from, drive in sorted(ways, key=lambda w: (w[0], w[1])):
            if best is not None and bound > best.end_s:
                break
            if drive is None:
                whole = timed_route(np.array([start, target]), self.foot, start_s,
                                    self.terrain)
            else:
                by_road = timed_trajectory(drive[0], np.array(drive[1]))
                walk = timed_route(np.array([walk_from, target]), self.foot, by_road.end_s,
                                   self.terrain)
                whole = by_road.splice(by_road.end_s, walk)
            if best is None or whole.end_s < best.end_s or \
                    (whole.end_s == best.end_s and k < best_k):
                best, best_k = whole, k
        assert best is not None
        return best

    def _drive(self, start: FloatArray, entry: FloatArray, exit_: FloatArray,
               start_s: float) -> _Drive:
        """Times (s) and points (m) of the drive from ``start`` straight to the road
        at ``entry``, along it to ``exit_``."""
        t = [start_s]
        pts = [start]
        (x, y), drive = start.tolist(), self.drive
        for p in (entry, exit_):        # the differences in Python floats: the same
            px, py = p.tolist()
            dt = float(np.hypot(px - x, py - y)) / drive
            if dt > 1e-6:
                t.append(t[-1] + dt)
                pts.append(p)
                x, y = px, py
        if len(t) == 1:
            t.append(start_s + 1e-3)
            pts.append(start)
        return t, pts

    def _walk_bound_s(self, a: FloatArray, b: FloatArray, start_s: float) -> float:
        """A time, s, no later than the end of `timed_route` walking ``a`` → ``b`` from
        ``start_s``: the distance at the fastest factor on the way, less a margin far
        above the rounding of the pieces' times (and the pieces it drops)."""
        (ax, ay), (bx, by) = a.tolist(), b.tolist()
        fastest = self.terrain.fastest_factor((ax, ay), (bx, by))
        return start_s + math.hypot(bx - ax, by - ay) / (self.foot * fastest) \
            * (1.0 - 1e-9) - 1e-6

    def search_pattern(self, centre_xy: FloatArray, start_s: float, duration_s: float,
                       sweep_range_m: float) -> Trajectory:
        """An expanding square around ``centre_xy`` walked for ``duration_s``."""
        spacing = SEARCH_SPACING * sweep_range_m
        reach = self.foot * duration_s * 1.5
        pts = [np.asarray(centre_xy, float)]
        directions = [(1, 0), (0, 1), (-1, 0), (0, -1)]
        total, k = 0.0, 0
        while total < reach and k < 400:
            leg = spacing * (k // 2 + 1)
            pts.append(pts[-1] + leg * np.asarray(directions[k % 4], float))
            total += leg
            k += 1
        walk = timed_route(np.asarray(pts), self.foot, start_s, self.terrain)
        return walk.until(start_s + duration_s)


def plan_intercept(planner: TravelPlanner, position_at: Callable[[FloatArray], FloatArray],
                   start_xy: FloatArray, leave_s: float, horizon_s: float) -> FloatArray:
    """The point to head for: the earliest predicted position reachable in time.

    Parameters
    ----------
    planner : the team's planner
    position_at : ``position_at(t_s)`` → predicted positions (n, 2) of the track at
        times ``t_s`` (n,), s
    start_xy : where the team is (or leaves from)
    leave_s : when it leaves, s
    horizon_s : how far ahead to look, s
    """
    n = max(int(horizon_s // INTERCEPT_STEP_S), 1)
    times = np.asarray(leave_s + INTERCEPT_STEP_S * np.arange(n + 1), dtype=np.float64)
    points = position_at(times)
    travel = planner.estimate_s(start_xy, points)
    ok = np.flatnonzero(leave_s + travel <= times)
    return points[ok[0]] if len(ok) else points[-1]
