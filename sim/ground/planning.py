"""How crossing groups plan: routes over the cost grid, and what informed groups know.

Plain groups (``routing: least_cost``) walk the quickest route from their entry
through their random waypoints (`sim.movers.route_points`) to their destination over
the terrain (`sim.ground.leastcost`: zone speeds, roads fast, water only at fords):
the waypoints spread the routes, the cost grid shapes each leg.

Informed groups know the deployment — from scouting, smugglers' networks, watching
the towers [Latek-2012] — and plan against it:

- **Coverage** (`Coverage`): a detection hazard per cell of the terrain raster, the
  sum over the known sensors of their Pd weight times the fall-off with distance
  ``(1 − d / reach)₊`` (a sensor's Pd falls with range; the linear fall-off is the
  planner's rough idea of it [G]); imaging sensors and radars are weighted by the
  cell's openness (1 − foliage: the group counts on the cover of where it walks [G]),
  seismic sensors are not; a fence adds ``−ln(1 − pd)`` to the cells its line crosses
  (the log-probability of crossing it unseen).
- **Route**: least cost with each cell's cost multiplied by
  ``1 + avoidance_weight × hazard`` — a trade of walking time against exposure.
- **Entry**: the group weighs ``entry_candidates`` entry points (its own draws) and
  takes the one whose best route to its destination costs least.
- **Hour**: it waits on the far side of the border for darkness and for a gap in the
  known patrol duty periods (`Planner.start_time`), up to a day.

Simplifications [G]: the planner knows positions and reaches, not Pd curves or sight
lines; one fixed plan per group (no re-planning on what it sees, besides the
reactions of `sim.world`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from sim.ground.leastcost import CostGrid
from sim.ground.terrain import Terrain

FloatArray = NDArray[np.float64]

#: The longest an informed group waits for a better hour, s.
MAX_WAIT_S = 86_400.0


@dataclass(frozen=True)
class KnownSensors:
    """Fixed sensors an informed group knows of.

    xy : (k, 2) positions, m; reach_m : (k,) their ranges, m;
    needs_sight : (k,) True for imagers and radars (foliage hides from them);
    fences : ((line (m, 2), pd), ...) fence and line sensors
    """

    xy: FloatArray
    reach_m: FloatArray
    needs_sight: NDArray[np.bool_] | None = None
    fences: tuple[tuple[FloatArray, float], ...] = ()

    def exposure(self, points: FloatArray) -> float:
        """Σ (1 − d / reach)₊ over the sensors, d the polyline's closest approach
        (the exposure of the waypoint routes, `sim.movers.least_exposed_route`)."""
        if not len(self.xy):
            return 0.0
        d = shapely.distance(shapely.LineString(points), shapely.points(self.xy))
        return float(np.clip(1.0 - d / self.reach_m, 0.0, None).sum())

    def hazard(self, terrain: Terrain) -> FloatArray:
        """The coverage map (rows, cols) on the terrain raster (module docstring)."""
        raster = terrain.raster
        centres = raster.centres.reshape(-1, 2)
        total = np.zeros(len(centres))
        openness = 1.0 - raster.foliage.reshape(-1)
        sight = (self.needs_sight if self.needs_sight is not None
                 else np.ones(len(self.xy), dtype=bool))
        for p, reach, needs in zip(self.xy, self.reach_m, sight, strict=True):
            d = np.hypot(centres[:, 0] - p[0], centres[:, 1] - p[1])
            h = np.clip(1.0 - d / reach, 0.0, None)
            total += h * openness if needs else h
        grid = total.reshape(raster.rows, raster.cols)
        for line, pd in self.fences:
            pts = np.asarray(line, float)
            length = shapely.length(shapely.linestrings(pts))
            s = np.arange(0.0, length + raster.cell / 4, raster.cell / 4)
            xy = shapely.get_coordinates(shapely.line_interpolate_point(
                shapely.linestrings(pts), s))
            i, j = raster.index(xy)
            cells = np.unique(i * raster.cols + j)
            grid.reshape(-1)[cells] += -np.log(max(1.0 - pd, 1e-6))
        return grid


class Planner:
    """Routes and start times of crossing groups over one terrain.

    Parameters
    ----------
    terrain : the segment
    known : what informed groups know (None: they know nothing and walk plainly)
    avoidance_weight : an informed group's cost multiplier per unit of hazard
    patrol_duty : (n, 2) known patrol duty periods, s
    night : (m, 2) night periods over the run, s
    """

    def __init__(self, terrain: Terrain, known: KnownSensors | None = None,
                 avoidance_weight: float = 0.0,
                 patrol_duty: FloatArray | None = None,
                 night: FloatArray | None = None) -> None:
        self.terrain = terrain
        self.known = known
        self.avoidance_weight = float(avoidance_weight)
        self.patrol_duty = (np.zeros((0, 2)) if patrol_duty is None
                            else np.asarray(patrol_duty, float).reshape(-1, 2))
        self.night = np.zeros((0, 2)) if night is None else np.asarray(night, float)
        self._plain: CostGrid | None = None
        self._informed: CostGrid | None = None

    @property
    def plain(self) -> CostGrid:
        if self._plain is None:
            self._plain = CostGrid(self.terrain.raster)
        return self._plain

    @property
    def informed(self) -> CostGrid:
        if self._informed is None:
            if self.known is None:
                self._informed = self.plain
            else:
                extra = self.avoidance_weight * self.known.hazard(self.terrain)
                self._informed = CostGrid(self.terrain.raster, extra)
        return self._informed

    def route(self, entry_xy: FloatArray, dest_xy: FloatArray, informed: bool,
              via: FloatArray | None = None) -> FloatArray:
        """The least-cost polyline entry → (each ``via`` point, k × 2) → destination;
        a leg with no passable route is walked straight."""
        grid = self.informed if informed else self.plain
        stops = [np.asarray(entry_xy, float)]
        if via is not None:
            stops += [np.asarray(p, float) for p in np.asarray(via, float).reshape(-1, 2)]
        stops.append(np.asarray(dest_xy, float))
        parts: list[FloatArray] = []
        for k, (a, b) in enumerate(zip(stops[:-1], stops[1:], strict=True)):
            leg = grid.route(a, b, local=k < len(stops) - 2)
            leg = np.vstack([a, b]) if leg is None else leg
            parts.append(leg if not parts else leg[1:])
        return np.vstack(parts)

    def best_entry(self, candidates: FloatArray, dest_xy: FloatArray) -> int:
        """Index of the candidate entry (k, 2) whose informed route costs least (ties:
        the first)."""
        grid = self.informed
        costs = [grid.cost_to(c, dest_xy) for c in np.asarray(candidates, float)]
        return int(np.argmin(costs))

    def start_time(self, arrival_s: float) -> float:
        """When an informed group that reached the border at ``arrival_s`` crosses: the
        first instant within `MAX_WAIT_S` that is night and outside every known patrol
        duty period; else the first night instant; else at once."""
        horizon = arrival_s + MAX_WAIT_S
        nights = self.night[(self.night[:, 1] > arrival_s) & (self.night[:, 0] < horizon)]
        if not len(nights):
            return float(arrival_s)
        nights = nights.copy()
        nights[:, 0] = np.maximum(nights[:, 0], arrival_s)
        for lo, hi in nights:
            t = float(lo)
            while t < hi:
                on = self.patrol_duty[(self.patrol_duty[:, 0] <= t)
                                      & (self.patrol_duty[:, 1] > t)]
                if not len(on):
                    return t
                t = float(on[:, 1].max())
        return float(nights[0, 0])
