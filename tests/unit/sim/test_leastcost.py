"""Least-cost routes (`sim.ground.leastcost`) against hand-computed costs.

On an 8-neighbour grid of cell c over ground of uniform speed factor f, the best
route between cells Δx, Δy apart costs the octile distance

    (max(|Δx|, |Δy|) − min(|Δx|, |Δy|) + √2 · min(|Δx|, |Δy|)) / f,

(straight moves, then diagonal ones; each move costs its length over f).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.ground.leastcost import CostGrid
from sim.ground.specs import SegmentSpec, ZoneSpec
from sim.ground.terrain import Terrain


def octile(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = abs(b[0] - a[0]), abs(b[1] - a[1])
    return max(dx, dy) - min(dx, dy) + math.sqrt(2) * min(dx, dy)


def _terrain(zones: list[ZoneSpec]) -> Terrain:
    return Terrain(SegmentSpec(border=[(0.0, 0.0), (1000.0, 0.0)], depth_m=500.0,
                               grid_m=10.0, zones=zones))


def test_uniform_ground_costs_the_octile_distance_over_the_speed() -> None:
    road = ZoneSpec(kind="road", polygon=[(-100, -100), (1100, -100), (1100, 700),
                                          (-100, 700)], speed_factor=1.25)
    grid = CostGrid(_terrain([road]).raster)
    a, b = (105.0, 205.0), (895.0, 305.0)          # cell centres
    assert grid.cost_to(np.array(a), np.array(b)) == pytest.approx(octile(a, b) / 1.25)


def test_water_is_crossed_only_at_the_ford() -> None:
    """A river two cells wide (x 500–520) over the whole map, with a one-cell-high ford
    at y 400–410: every route goes through the ford's two cells, so it costs
    octile(A, F₁) + 10 m + octile(F₂, B) = 482.84 + 10 + 421.42 = 914.26."""
    river = ZoneSpec(kind="water", polygon=[(500, -1000), (520, -1000), (520, 2000),
                                            (500, 2000)])
    ford = ZoneSpec(kind="field", polygon=[(500, 400), (520, 400), (520, 410), (500, 410)])
    grid = CostGrid(_terrain([river, ford]).raster)
    a, f1, f2, b = (105.0, 205.0), (505.0, 405.0), (515.0, 405.0), (895.0, 305.0)
    expected = octile(a, f1) + 10.0 + octile(f2, b)
    assert expected == pytest.approx(914.26, abs=0.01)
    assert grid.cost_to(np.array(a), np.array(b)) == pytest.approx(expected)
    route = grid.route(np.array(a), np.array(b))
    assert route is not None
    crossing = route[(route[:, 0] > 495) & (route[:, 0] < 525)]
    assert len(crossing) and np.all(np.abs(crossing[:, 1] - 405.0) <= 10.0)


def test_no_ford_no_route() -> None:
    river = ZoneSpec(kind="water", polygon=[(500, -1000), (520, -1000), (520, 2000),
                                            (500, 2000)])
    grid = CostGrid(_terrain([river]).raster)
    assert grid.route(np.array([105.0, 205.0]), np.array([895.0, 305.0])) is None
    assert math.isinf(grid.cost_to(np.array([105.0, 205.0]), np.array([895.0, 305.0])))


def test_extra_cost_pushes_the_route_aside() -> None:
    """A penalty on a band across the straight line: the route goes round it when the
    detour is cheaper than the penalty."""
    terrain = _terrain([])
    raster = terrain.raster
    extra = np.zeros((raster.rows, raster.cols))
    band = (np.abs(raster.centres[..., 0] - 500) < 30) & (raster.centres[..., 1] < 350)
    extra[band] = 50.0
    grid = CostGrid(raster, extra)
    route = grid.route(np.array([105.0, 205.0]), np.array([895.0, 205.0]))
    assert route is not None
    at_band = route[np.abs(route[:, 0] - 500) < 30]
    assert len(at_band) and np.all(at_band[:, 1] > 350)
