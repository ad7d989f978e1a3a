"""Least-cost routes over the terrain raster (Dijkstra's algorithm, compiled).

The graph: one node per passable cell of `sim.ground.terrain.Raster`, edges to the 8
neighbours. An edge between cells a and b of centre distance d costs

    d · (c_a + c_b) / 2,   c = (1 + extra) / speed_factor   (seconds per metre at 1 m/s),

so on open ground the cost is the walking time at unit speed: roads are fast, marsh
and forest slow, impassable cells (water without a ford, and the foreign side of the
border: a group that has crossed stays on the protected side) absent. ``extra`` is an
optional per-cell penalty (an informed group's exposure to the sensors it knows,
`sim.movers`). The graph is undirected, so one Dijkstra from a destination gives the
best route to it from every cell; trees are cached per destination.

The search settles cells in order of (cost, then the higher cell number first) and
takes a cell's predecessor from the first settled neighbour that gives its best cost:
exactly the order of scipy's Dijkstra (1.17, a priority queue of (−cost, cell)). So
a route depends on that order only, never on how far the search went; a one-off leg
stops as soon as its start is settled, a cached tree settles every cell
(`sim.ground.dijkstra.search_py`, compiled at install or by numba on first use). The
search is the project's own rather than scipy's so that a run does not import
``scipy.sparse`` and its ``csgraph`` for it; a test checks it against scipy's.

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

from sim.ground.dijkstra import search_py as _search_py
from sim.ground.terrain import Raster

FloatArray = NDArray[np.float64]

_NEIGHBOURS = ((0, 1), (1, -1), (1, 0), (1, 1))   # each undirected edge once
#: How far (cells) a point in an impassable cell looks for a passable one.
_SNAP_CELLS = 2
_SEARCH = None


def _search():  # noqa: ANN202
    """`_search_py` compiled: its C port built at install (`sim.ground.prebuilt`, no
    numba imported), else by numba on first use; the plain function without either
    (the same results, slowly)."""
    global _SEARCH
    if _SEARCH is None:
        from sim.ground import prebuilt

        kernels = prebuilt.load()
        if kernels is not None:
            _SEARCH = kernels.search
        else:
            try:
                from numba import njit
            except ImportError:
                _SEARCH = _search_py
            else:
                _SEARCH = njit(cache=True)(_search_py)
    return _SEARCH


def _walk(pred: NDArray[np.int64], start: int, goal: int) -> NDArray[np.int64]:
    """The cells from ``start`` back to ``goal`` along ``pred`` (a route exists)."""
    chain = [start]
    while chain[-1] != goal:
        chain.append(int(pred[chain[-1]]))
    return np.asarray(chain, dtype=np.int64)


def symmetric_csr(n: int, src: NDArray[np.int64], dst: NDArray[np.int64],
                  weight: FloatArray) -> tuple[NDArray[np.int32], NDArray[np.int32], FloatArray]:
    """CSR arrays (indptr, indices, data) of the undirected graph of ``n`` nodes whose
    edges (each once, weights > 0) are ``src``–``dst``: every edge in both directions,
    rows in order (the order of a row's entries does not matter to `_search_py`)."""
    rows = np.concatenate((src, dst))
    cols = np.concatenate((dst, src))
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return (indptr, cols[order].astype(np.int32),
            np.concatenate((weight, weight))[order].astype(np.float64))


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
        self.indptr, self.indices, self.weights = symmetric_csr(n, s, d, ww)
        self._trees: dict[int, tuple[FloatArray, NDArray[np.int64]]] = {}

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

    def _tree(self, goal: int) -> tuple[FloatArray, NDArray[np.int64]]:
        """Costs and predecessors of every cell's best route to ``goal`` (cached)."""
        if goal not in self._trees:
            self._trees[goal] = _search()(self.indptr, self.indices, self.weights, goal, -1)
        return self._trees[goal]

    def cost_to(self, start_xy: FloatArray, goal_xy: FloatArray) -> float:
        """Cost of the best route between the cells of the two points (inf: none)."""
        dist, _ = self._tree(self.node(goal_xy))
        return float(dist[self.node(start_xy)])

    def _chain(self, goal: int, start: int, local: bool) -> NDArray[np.int64] | None:
        """The cells of the best route from ``start`` to ``goal`` (None: no route):
        from the goal's cached tree, or, for a one-off leg, from a search stopped once
        ``start`` is settled (the same cells: module docstring)."""
        if local and goal not in self._trees:
            dist, pred = _search()(self.indptr, self.indices, self.weights, goal, start)
        else:
            dist, pred = self._tree(goal)
        if not np.isfinite(dist[start]):
            return None
        return _walk(pred, start, goal)

    def route(self, start_xy: FloatArray, goal_xy: FloatArray,
              local: bool = False) -> FloatArray | None:
        """The least-cost polyline (k, 2) from ``start_xy`` to ``goal_xy``; None when
        no passable route joins them. ``local``: a one-off leg (a group's waypoint),
        searched from the goal only until the start is settled instead of caching
        the goal's whole tree."""
        start, goal = np.asarray(start_xy, float), np.asarray(goal_xy, float)
        cells = self._chain(self.node(goal), self.node(start), local)
        if cells is None:
            return None
        centres = self.raster.centres.reshape(-1, 2)[cells]
        pts = np.vstack([start, centres[1:-1], goal]) if len(cells) > 2 \
            else np.vstack([start, goal])
        line = shapely.simplify(shapely.linestrings(pts), self.raster.cell / 4,
                                preserve_topology=False)
        return np.asarray(shapely.get_coordinates(line))
