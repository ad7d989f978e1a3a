"""Dijkstra's search over the cell graph of `sim.ground.leastcost` (its kernel).

Kept apart from `sim.ground.leastcost` so that it imports numpy only. What runs is its
C port (``csrc/ground.c``, compiled at install, `sim.ground.prebuilt`), else this
function compiled by numba's JIT, else this function as it is; tests compare them
bit for bit, so a change here is a change there too. The settling order, ties and
predecessors are described in `sim.ground.leastcost`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: ``pred`` of a cell no route reaches (scipy's NULL_IDX).
NO_PRED = -9999


def search_py(indptr: NDArray[np.int32], indices: NDArray[np.int32],
               weights: FloatArray, source: int, target: int
               ) -> tuple[FloatArray, NDArray[np.int64]]:
    """Dijkstra from ``source`` over a symmetric CSR graph until ``target`` is settled,
    or, with ``target`` < 0, until every reachable cell is (settling order and
    predecessors as in `sim.ground.leastcost`).

    Returns the costs (n,) — exact for settled cells, inf where no route reaches —
    and the predecessors (n,) (`NO_PRED` for the source and unreached cells).

    The frontier is a binary heap holding each unsettled reached cell once, ordered as
    in `sim.ground.leastcost` (a before b iff cost_a < cost_b, or equal costs and
    cell_a > cell_b), with ``where[cell]`` its slot: a better cost moves the cell up
    in place (decrease-key) instead of adding an entry. The keys of the cells in the
    frontier are the same as with a heap of stale entries, so cells settle in the
    same order, with a third of the heap operations on a raster.
    """
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    pred = np.full(n, NO_PRED, dtype=np.int64)
    where = np.full(n, -1, dtype=np.int64)      # heap slot; -1 not in it; -2 settled
    hv = np.empty(n, dtype=np.float64)          # the heap: costs and cells
    hi = np.empty(n, dtype=np.int64)
    hv[0], hi[0], size = 0.0, source, 1
    where[source] = 0
    dist[source] = 0.0
    while size:
        v, i = hv[0], hi[0]
        where[i] = -2
        size -= 1
        if size:                                # sift the last entry down from the top
            lv, li, k = hv[size], hi[size], 0
            while True:
                c = 2 * k + 1
                if c >= size:
                    break
                if c + 1 < size and (hv[c + 1] < hv[c]
                                     or (hv[c + 1] == hv[c] and hi[c + 1] > hi[c])):
                    c += 1
                if not (hv[c] < lv or (hv[c] == lv and hi[c] > li)):
                    break
                hv[k], hi[k] = hv[c], hi[c]
                where[hi[k]] = k
                k = c
            hv[k], hi[k] = lv, li
            where[li] = k
        if i == target:
            break
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            nv = v + weights[e]
            slot = where[j]
            if slot == -2 or not nv < dist[j]:
                continue
            dist[j], pred[j] = nv, i
            if slot == -1:
                k = size                            # a new cell at the bottom
                size += 1
            else:
                k = slot                            # its cost fell: it can only rise
            while k > 0:                            # sift up
                p = (k - 1) // 2
                if not (nv < hv[p] or (nv == hv[p] and j > hi[p])):
                    break
                hv[k], hi[k] = hv[p], hi[p]
                where[hi[k]] = k
                k = p
            hv[k], hi[k] = nv, j
            where[j] = k
    return dist, pred
