"""Least-cost routes over the terrain raster (scipy.sparse.csgraph's Dijkstra).

The graph: one node per passable cell of `sim.ground.terrain.Raster`, edges to the 8
neighbours. An edge between cells a and b of centre distance d costs

    d · (c_a + c_b) / 2,   c = (1 + extra) / speed_factor   (seconds per metre at 1 m/s),

so on open ground the cost is the walking time at unit speed: roads are fast, marsh
and forest slow, impassable cells (water without a ford, and the foreign side of the
border: a group that has crossed stays on the protected side) absent. ``extra`` is an
optional per-cell penalty (an informed group's exposure to the sensors it knows,
`sim.movers`). The graph is undirected, so one Dijkstra from a destination gives the
best route to it from every cell; trees are cached per destination.

A route is the chain of cell centres from the entry's cell to the destination's,
with the exact entry and destination at its ends, thinned where it runs straight
(points within a quarter cell of the line through their neighbours are dropped:
`shapely.simplify`). Simplification: 8-neighbour moves make paths up to 8 % longer
than the true shortest path in open terrain (moves at 0°/45° only) [G].
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from sim.ground.terrain import Raster

FloatArray = NDArray[np.float64]

_NEIGHBOURS = ((0, 1), (1, -1), (1, 0), (1, 1))   # each undirected edge once
#: How far (cells) a point in an impassable cell looks for a passable one.
_SNAP_CELLS = 2
#: A local search (`CostGrid.route` with ``local``) explores routes up to this many
#: times the straight distance at the median cell cost.
LOCAL_LIMIT = 3.0


class CostGrid:
    """The routing graph of a raster with an optional per-cell ``extra`` cost (rows,
    cols), ≥ 0."""

    def __init__(self, raster: Raster, extra: FloatArray | None = None) -> None:
        self.raster = raster
        rows, cols = raster.rows, raster.cols
        cost = 1.0 / raster.speed
        if extra is not None:
            cost = cost * (1.0 + np.asarray(extra, float))
        self.cost = np.where(raster.passable & raster.protected, cost, np.inf)
        ids = np.arange(rows * cols).reshape(rows, cols)
        src, dst, w = [], [], []
        for di, dj in _NEIGHBOURS:
            # di >= 0: a cell and its neighbour (di, dj) rows below / columns right
            a = ids[0:rows - di, max(0, -dj):cols - max(0, dj)]
            b = ids[di:rows, max(0, dj):cols - max(0, -dj)]
            ca, cb = self.cost.ravel()[a.ravel()], self.cost.ravel()[b.ravel()]
            ok = np.isfinite(ca) & np.isfinite(cb)
            length = raster.cell * float(np.hypot(di, dj))
            src.append(a.ravel()[ok])
            dst.append(b.ravel()[ok])
            w.append(length * (ca[ok] + cb[ok]) / 2)
        n = rows * cols
        s, d, ww = np.concatenate(src), np.concatenate(dst), np.concatenate(w)
        self.graph = coo_matrix((ww, (s, d)), shape=(n, n)).tocsr()
        self._trees: dict[int, tuple[FloatArray, NDArray[np.int32]]] = {}

    def node(self, xy: FloatArray) -> int:
        """The graph node of the point ``xy``: its cell, or, when that cell is not
        passable (a point on the border line, a pick-up on a river bank), the nearest
        passable cell within `_SNAP_CELLS` cells."""
        r = self.raster
        i, j = r.index(np.asarray(xy, float))
        i0, j0 = int(i[0]), int(j[0])
        if np.isfinite(self.cost[i0, j0]):
            return i0 * r.cols + j0
        lo_i, lo_j = max(i0 - _SNAP_CELLS, 0), max(j0 - _SNAP_CELLS, 0)
        win = self.cost[lo_i:i0 + _SNAP_CELLS + 1, lo_j:j0 + _SNAP_CELLS + 1]
        ii, jj = np.nonzero(np.isfinite(win))
        if not len(ii):
            return i0 * r.cols + j0
        centres = r.centres[lo_i + ii, lo_j + jj]
        k = int(np.argmin(np.hypot(*(centres - np.asarray(xy, float)).T)))
        return int((lo_i + ii[k]) * r.cols + lo_j + jj[k])

    def _tree(self, goal: int) -> tuple[FloatArray, NDArray[np.int32]]:
        if goal not in self._trees:
            dist, pred = dijkstra(self.graph, directed=False, indices=goal,
                                  return_predecessors=True)
            self._trees[goal] = (dist, pred)
        return self._trees[goal]

    def cost_to(self, start_xy: FloatArray, goal_xy: FloatArray) -> float:
        """Cost of the best route between the cells of the two points (inf: none)."""
        dist, _ = self._tree(self.node(goal_xy))
        return float(dist[self.node(start_xy)])

    def _local_tree(self, goal: int, start: int) -> tuple[FloatArray, NDArray[np.int32]]:
        """A Dijkstra from ``goal`` bounded to routes costing at most `LOCAL_LIMIT`
        times the straight distance at the dearest passable cost (not cached; a full
        tree when the bound leaves ``start`` unreached)."""
        r = self.raster
        a = np.array(divmod(goal, r.cols), float)
        b = np.array(divmod(start, r.cols), float)
        straight = float(np.hypot(*(a - b))) * r.cell + r.cell
        finite = self.cost[np.isfinite(self.cost)]
        bound = LOCAL_LIMIT * straight * float(np.median(finite)) if len(finite) else np.inf
        dist, pred = dijkstra(self.graph, directed=False, indices=goal,
                              return_predecessors=True, limit=bound)
        if not np.isfinite(dist[start]):
            return self._tree(goal)
        return dist, pred

    def route(self, start_xy: FloatArray, goal_xy: FloatArray,
              local: bool = False) -> FloatArray | None:
        """The least-cost polyline (k, 2) from ``start_xy`` to ``goal_xy``; None when
        no passable route joins them. ``local``: a one-off leg (a group's waypoint),
        searched near the two points instead of from a cached tree of the goal."""
        start, goal = np.asarray(start_xy, float), np.asarray(goal_xy, float)
        g = self.node(goal)
        here = self.node(start)
        dist, pred = self._local_tree(g, here) if local else self._tree(g)
        if not np.isfinite(dist[here]):
            return None
        chain = [here]
        while chain[-1] != g:
            chain.append(int(pred[chain[-1]]))
        cells = np.asarray(chain)
        centres = self.raster.centres.reshape(-1, 2)[cells]
        pts = np.vstack([start, centres[1:-1], goal]) if len(cells) > 2 \
            else np.vstack([start, goal])
        line = shapely.simplify(shapely.linestrings(pts), self.raster.cell / 4,
                                preserve_topology=False)
        return np.asarray(shapely.get_coordinates(line))
