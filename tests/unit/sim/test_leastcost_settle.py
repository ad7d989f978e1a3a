"""The search of `sim.ground.leastcost` gives scipy's routes and trees exactly.

Grids with few distinct edge costs have many equally good routes, so these compare
the tie-breaking too: the cells of every route, not only its cost, must be those of
scipy's Dijkstra with and without a search limit.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.ground import leastcost
from sim.ground.leastcost import CostGrid
from sim.ground.specs import SegmentSpec, ZoneSpec
from sim.ground.terrain import Terrain


def _grid_graph(rng: np.random.Generator, rows: int, cols: int) -> csr_matrix:
    """An 8-neighbour grid, each undirected edge once, costs from {1, 2} (× 1.5 on
    diagonals), a tenth of the edges missing."""
    ids = np.arange(rows * cols).reshape(rows, cols)
    src, dst, w = [], [], []
    for di, dj in ((0, 1), (1, -1), (1, 0), (1, 1)):
        a = ids[0:rows - di, max(0, -dj):cols - max(0, dj)].ravel()
        b = ids[di:rows, max(0, dj):cols - max(0, -dj)].ravel()
        keep = rng.random(a.size) < 0.9
        src.append(a[keep])
        dst.append(b[keep])
        w.append(rng.integers(1, 3, keep.sum()) * (1.5 if di and dj else 1.0))
    n = rows * cols
    return coo_matrix((np.concatenate(w), (np.concatenate(src), np.concatenate(dst))),
                      shape=(n, n)).tocsr()


def _scipy_chain(graph: csr_matrix, goal: int, start: int,
                 limit: float) -> tuple[float, list[int]]:
    dist, pred = dijkstra(graph, directed=False, indices=goal, return_predecessors=True,
                          limit=limit)
    if not np.isfinite(dist[start]):
        return np.inf, []
    chain = [start]
    while chain[-1] != goal:
        chain.append(int(pred[chain[-1]]))
    return float(dist[start]), chain


@pytest.mark.parametrize("compiled", ["python", "jit", "prebuilt"])
def test_search_matches_scipy_on_tied_grids(compiled: str, prebuilt_kernels) -> None:  # noqa: ANN001
    if compiled == "prebuilt":
        search = prebuilt_kernels("sim.ground").search
    elif compiled == "jit":
        search = pytest.importorskip("numba").njit(cache=True)(leastcost._search_py)
    else:
        search = leastcost._search_py
    rng = np.random.default_rng(7)
    for _ in range(150):
        rows, cols = (int(v) for v in rng.integers(2, 14, 2))
        graph = _grid_graph(rng, rows, cols).tocoo()
        indptr, indices, weights = leastcost.symmetric_csr(
            rows * cols, graph.row.astype(np.int64), graph.col.astype(np.int64), graph.data)
        goal, start = (int(v) for v in rng.integers(rows * cols, size=2))
        dist, pred = search(indptr, indices, weights, goal, start)      # stopped early
        want_cost, want = _scipy_chain(graph.tocsr(), goal, start, np.inf)
        assert dist[start] == want_cost
        if np.isfinite(want_cost):
            assert leastcost._walk(pred, start, goal).tolist() == want
            limit = want_cost + float(rng.integers(0, 4))   # a limit that still reaches
            assert _scipy_chain(graph.tocsr(), goal, start, limit) == (want_cost, want)
        # the whole tree: every cell's cost and predecessor as scipy's
        dist, pred = search(indptr, indices, weights, goal, -1)
        want_dist, want_pred = dijkstra(graph.tocsr(), directed=False, indices=goal,
                                        return_predecessors=True)
        assert np.array_equal(dist, want_dist)
        assert np.array_equal(pred, want_pred)


def test_symmetric_csr_holds_every_edge_both_ways() -> None:
    indptr, indices, weights = leastcost.symmetric_csr(
        4, np.array([0, 1, 0]), np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0]))
    got = {(r, int(c), float(w)) for r in range(4)
           for c, w in zip(indices[indptr[r]:indptr[r + 1]], weights[indptr[r]:indptr[r + 1]],
                           strict=True)}
    assert got == {(0, 1, 1.0), (1, 0, 1.0), (1, 2, 2.0), (2, 1, 2.0), (0, 3, 3.0),
                   (3, 0, 3.0)}


def test_local_legs_are_the_cached_trees_routes() -> None:
    forest = ZoneSpec(kind="forest", polygon=[(200, 100), (600, 100), (600, 400),
                                              (200, 400)])
    road = ZoneSpec(kind="road", polygon=[(0, 250), (1000, 250), (1000, 270), (0, 270)])
    terrain = Terrain(SegmentSpec(border=[(0.0, 0.0), (1000.0, 0.0)], depth_m=500.0,
                                  grid_m=10.0, zones=[forest, road]))
    rng = np.random.default_rng(3)
    for _ in range(20):
        a, b = rng.uniform([0, 5], [1000, 495], size=(2, 2))
        local = CostGrid(terrain.raster).route(a, b, local=True)
        cached = CostGrid(terrain.raster).route(a, b)
        assert (local is None) == (cached is None)
        if local is not None and cached is not None:
            assert np.array_equal(local, cached)
