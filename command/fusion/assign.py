"""Global nearest neighbour assignment, solved cluster by cluster.

Gated pairs link tracks and reports into a bipartite graph; its connected components
(clusters) are independent assignment problems. A cluster of one track and one report
is decided at once (the pair is in the gate, so taking it beats a miss); larger ones
go to ``scipy.optimize.linear_sum_assignment`` on the cluster's own small matrix,
augmented so that every track may also stay unassigned at cost ``miss_cost``::

            reports          misses
    track [ c_ij or BIG  |  miss_i on the diagonal, BIG elsewhere ]

which minimises the sum of pair costs plus ``miss_cost`` per unassigned track. Pair
costs never exceed the miss cost inside the gate, so an isolated pair is always taken.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, min_weight_full_bipartite_matching

from command.fusion.tracks import FloatArray, IntArray

#: Cost of a forbidden (out-of-gate) entry; finite so the solver always has a solution.
BIG = 1e12


def clusters(track_idx: IntArray, report_idx: IntArray, n: int,
             m: int) -> tuple[IntArray, IntArray]:
    """Label connected components of the gated pairs.

    Parameters
    ----------
    track_idx, report_idx : (k,) gated pairs
    n, m : numbers of tracks and reports

    Returns
    -------
    track_label : (n,) cluster label of each track
    report_label : (m,) cluster label of each report (labels shared with tracks)
    """
    graph = coo_matrix((np.ones(len(track_idx)), (track_idx, n + report_idx)),
                       shape=(n + m, n + m))
    _, labels = connected_components(graph, directed=False)
    return labels[:n].astype(np.int64), labels[n:].astype(np.int64)


def solve_cluster(cost: FloatArray, miss_cost: FloatArray) -> IntArray:
    """Optimal assignment of one cluster.

    Parameters
    ----------
    cost : (a, b) pair costs, ``BIG`` where a pair is not gated
    miss_cost : (a,) cost of leaving each track unassigned

    Returns
    -------
    (a,) column (report) index assigned to each track, -1 if none
    """
    a, b = cost.shape
    full = np.full((a, b + a), BIG)
    full[:, :b] = cost
    full[np.arange(a), b + np.arange(a)] = miss_cost
    rows, cols = linear_sum_assignment(full)
    out = np.full(a, -1, np.int64)
    taken = (cols < b) & (full[rows, cols] < BIG)
    out[rows[taken]] = cols[taken]
    return out


def assign(track_idx: IntArray, report_idx: IntArray, cost: FloatArray,
           miss_cost: FloatArray, n: int, m: int) -> IntArray:
    """Global nearest neighbour: one report per track at most, minimal total cost.

    Parameters
    ----------
    track_idx, report_idx : (k,) gated pairs (each pair at most once)
    cost : (k,) their costs, each <= the track's ``miss_cost``
    miss_cost : (n,) cost of leaving each track unassigned
    n, m : numbers of tracks and reports

    Returns
    -------
    (n,) report index assigned to each track, -1 if none
    """
    out = np.full(n, -1, np.int64)
    if len(track_idx) == 0:
        return out
    t_lab, r_lab = clusters(track_idx, report_idx, n, m)
    n_lab = int(max(t_lab.max(), r_lab.max() if m else 0)) + 1
    t_count = np.bincount(t_lab, minlength=n_lab)
    r_count = np.bincount(r_lab, minlength=n_lab)
    lab = t_lab[track_idx]
    simple = (t_count[lab] == 1) & (r_count[lab] == 1)
    out[track_idx[simple]] = report_idx[simple]
    multi = ~simple
    if not multi.any():
        return out
    ti, rj, c, lab = track_idx[multi], report_idx[multi], cost[multi], lab[multi]
    o = np.argsort(lab, kind="stable")
    ti, rj, c, lab = ti[o], rj[o], c[o], lab[o]
    bounds = np.flatnonzero(np.diff(lab)) + 1
    for s, e in zip(np.r_[0, bounds], np.r_[bounds, len(lab)], strict=True):
        tracks, t_inv = np.unique(ti[s:e], return_inverse=True)
        reports, r_inv = np.unique(rj[s:e], return_inverse=True)
        sub = np.full((len(tracks), len(reports)), BIG)
        sub[t_inv, r_inv] = c[s:e]
        got = solve_cluster(sub, miss_cost[tracks])
        ok = got >= 0
        out[tracks[ok]] = reports[got[ok]]
    return out


def solve_sparse(track_idx: IntArray, report_idx: IntArray, cost: FloatArray,
                 miss_cost: FloatArray) -> tuple[IntArray, IntArray]:
    """Optimal assignment of one large cluster given as sparse pairs.

    For the rare cluster of thousands of tracks (targets packed closer than their
    gates): ``scipy.sparse.csgraph.min_weight_full_bipartite_matching`` on the gated
    pairs plus one private miss column per track, whose cost grows with the pairs,
    not with tracks × reports.

    Parameters
    ----------
    track_idx, report_idx : (k,) pairs of the cluster (any ids)
    cost : (k,) pair costs; miss_cost : (k,) miss cost of each pair's track

    Returns
    -------
    tracks : (a,) the cluster's track ids, sorted
    got : (a,) report id assigned to each, -1 if none
    """
    tracks, t_inv = np.unique(track_idx, return_inverse=True)
    reports, r_inv = np.unique(report_idx, return_inverse=True)
    a, b = len(tracks), len(reports)
    miss = np.zeros(a)
    miss[t_inv] = miss_cost
    # every track is matched exactly once, so adding 1 to every entry changes no
    # optimum and keeps zero costs from reading as missing edges
    rows = np.concatenate([t_inv, np.arange(a)])
    cols = np.concatenate([r_inv, b + np.arange(a)])
    vals = np.concatenate([cost, miss]) + 1.0
    row_ind, col_ind = min_weight_full_bipartite_matching(
        csr_matrix((vals, (rows, cols)), shape=(a, a + b)))
    match = np.full(a, a + b)
    match[row_ind] = col_ind
    got = np.where(match < b, reports[np.minimum(match, b - 1)], -1)
    return tracks, got.astype(np.int64)
