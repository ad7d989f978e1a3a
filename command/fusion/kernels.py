"""Compiled kernels (numba) for one batch: the fast path of ``fuse_batch``.

What runs is their C port, ``csrc/kernels.c`` (compiled at install,
`command.fusion.prebuilt`), statement for statement; these are the readable
reference and the fallback where no C module was built (numba's JIT, the ``jit``
extra). ``tests/unit/fusion/test_c_kernels.py`` asks both for the same bits: change
one, change the other.

The same pipeline as the numpy reference in :mod:`command.fusion.core`, written as
loops over tracks and reports and compiled once (``cache=True`` keeps the machine code
in ``__pycache__``, so later processes load it instead of compiling). Numpy pays a
few microseconds per array operation, and a batch of ~100 reports needs about a
hundred of them; these loops do the whole batch in four calls:

* :func:`predict` — every track to the batch time.
* :func:`assign_stage` (twice: confirmed tracks, then tentative ones) — grid gating,
  clusters, and the assignment of each cluster (isolated pairs directly, others by
  :func:`solve_dense`, scipy's own algorithm compiled). Only huge clusters are
  returned, for scipy's sparse solver.
* :func:`update_manage` — Joseph updates, scores, class probabilities, new tracks,
  confirmation, deletion, and the new table's arrays.

Every rule is documented once, in :mod:`command.fusion.core` and
:mod:`command.fusion.manage`; tests check that both paths give the same tracks.

Compile time is part of the design (the first run after an install compiles these
kernels): numba compiles every library function a kernel uses (``np.full``,
``np.median``, ``np.flatnonzero``, ``np.arange``, array expressions such as ``~a``)
as a function of its own, and a row copy ``a[i] = b[j]`` brings a shape check whose
error message alone compiles integer formatting and string joining. So the kernels
write such steps as plain loops (:func:`_fill_int`, :func:`_nonzero`,
:func:`_median`, element-by-element copies), which give the same numbers; the
options of :data:`_py` and :data:`_inner` drop the wrappers nothing uses.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

#: Compile options of every kernel: no C-callable wrapper (numba builds one per
#: function for first-class function use, which nothing here needs, at a compile cost
#: per function); the helpers only called from other kernels (``_inner``) have no
#: Python wrapper either; ``_inline`` ones are inlined into their callers by numba
#: (see :mod:`command.fusion.batches`). None of this changes what the code computes.
#: (Passed as a dict: numba's type stubs do not list the wrapper options.)
_NO_C: dict[str, Any] = {"cache": True, "no_cfunc_wrapper": True}
_NO_PY: dict[str, Any] = {**_NO_C, "no_cpython_wrapper": True}
_py = njit(**_NO_C)
_inner = njit(**_NO_PY)
_py_inline = njit(**_NO_C, inline="always")
_inline = njit(**_NO_PY, inline="always")

#: Largest tracks × (reports + tracks) of a cluster solved here; larger clusters
#: (a percolating blob in a very dense scene) go to scipy's sparse matching.
DENSE_LIMIT = 250_000

_BIG = 1e300


@_inner
def _fill_int(n, v):
    """(n,) int64 array of ``v`` (one small kernel instead of numba's np.full/zeros)."""
    a = np.empty(n, np.int64)
    for i in range(n):
        a[i] = v
    return a


@_inner
def _nonzero(on):
    """Indices of the True entries of a bool array (np.flatnonzero)."""
    k = 0
    for i in range(on.shape[0]):
        if on[i]:
            k += 1
    idx = np.empty(k, np.int64)
    k = 0
    for i in range(on.shape[0]):
        if on[i]:
            idx[k] = i
            k += 1
    return idx


@_inner
def _median(values):
    """``np.median`` of a non-empty 1-d float array (not modified), the same value.

    Hoare's selection of the middle element(s) on a copy: the order statistics are
    the same numbers whatever the algorithm, and an even count averages the two
    middle ones as ``(a + b) / 2``, as numpy (and numba's ``np.median``) do.
    """
    n = values.shape[0]
    a = values.copy()
    k = (n - 1) // 2                            # the lower middle element
    lo, hi = 0, n - 1
    while lo < hi:
        pivot = a[(lo + hi) // 2]
        i, j = lo, hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            break
    low = a[k]
    if n % 2 == 1:
        return low
    high = a[k + 1]                             # everything right of k is >= a[k]
    for i in range(k + 2, n):
        high = min(high, a[i])
    return (low + high) / 2


@_inner
def _report_less(i, j, sensor, z, R):
    if sensor[i] != sensor[j]:
        return sensor[i] < sensor[j]
    if z[i, 0] != z[j, 0]:
        return z[i, 0] < z[j, 0]
    if z[i, 1] != z[j, 1]:
        return z[i, 1] < z[j, 1]
    if R[i, 0, 0] != R[j, 0, 0]:
        return R[i, 0, 0] < R[j, 0, 0]
    if R[i, 1, 1] != R[j, 1, 1]:
        return R[i, 1, 1] < R[j, 1, 1]
    if R[i, 0, 1] != R[j, 0, 1]:
        return R[i, 0, 1] < R[j, 0, 1]
    return i < j


@_inner
def _insertion_sort_ints(a, k):
    """Sort ``a[:k]`` in place (clusters are small: no allocation, no call overhead)."""
    for i in range(1, k):
        v = a[i]
        j = i - 1
        while j >= 0 and a[j] > v:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v


@_inner
def _insertion_sort_reports(a, k, z, R, sensor):
    """Sort report indices ``a[:k]`` in place by the canonical report key."""
    for i in range(1, k):
        v = a[i]
        j = i - 1
        while j >= 0 and _report_less(v, a[j], sensor, z, R):
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v


@_inner
def canonical_sort(idx, z, R, sensor):
    """Return ``idx`` (report indices) sorted by (sensor, x, y, var_x, var_y, cov_xy).

    A bottom-up merge sort with a tuple comparison (insertion sort when short).
    Only the reports whose order could matter are sorted: those that start tracks
    (their ids follow this order) and those of one cluster (the solver breaks exact
    ties by column order). Equal reports are interchangeable.
    """
    m = idx.shape[0]
    a = idx.copy()
    if m <= 16:
        _insertion_sort_reports(a, m, z, R, sensor)
        return a
    b = np.empty(m, np.int64)
    width = 1
    while width < m:
        for lo in range(0, m, 2 * width):
            mid = min(lo + width, m)
            hi = min(lo + 2 * width, m)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if _report_less(a[j], a[i], sensor, z, R):
                    b[k] = a[j]
                    j += 1
                else:
                    b[k] = a[i]
                    i += 1
                k += 1
            while i < mid:
                b[k] = a[i]
                i += 1
                k += 1
            while j < hi:
                b[k] = a[j]
                j += 1
                k += 1
        a, b = b, a
        width *= 2
    return a


@_py
def predict(x, P, dt, q):
    """CV prediction of n tracks (new arrays): ``F x``, ``F P Fᵀ + Q``."""
    n = x.shape[0]
    xp = np.empty((n, 4))
    Pp = np.empty((n, 4, 4))
    qa, qb, qc = q * dt**3 / 3.0, q * dt**2 / 2.0, q * dt
    M = np.empty((4, 4))
    for i in range(n):
        xp[i, 0] = x[i, 0] + dt * x[i, 2]
        xp[i, 1] = x[i, 1] + dt * x[i, 3]
        xp[i, 2] = x[i, 2]
        xp[i, 3] = x[i, 3]
        for c in range(4):                      # M = F P
            M[0, c] = P[i, 0, c] + dt * P[i, 2, c]
            M[1, c] = P[i, 1, c] + dt * P[i, 3, c]
            M[2, c] = P[i, 2, c]
            M[3, c] = P[i, 3, c]
        for r in range(4):                      # F P Fᵀ = M Fᵀ
            Pp[i, r, 0] = M[r, 0] + dt * M[r, 2]
            Pp[i, r, 1] = M[r, 1] + dt * M[r, 3]
            Pp[i, r, 2] = M[r, 2]
            Pp[i, r, 3] = M[r, 3]
        Pp[i, 0, 0] += qa
        Pp[i, 1, 1] += qa
        Pp[i, 0, 2] += qb
        Pp[i, 2, 0] += qb
        Pp[i, 1, 3] += qb
        Pp[i, 3, 1] += qb
        Pp[i, 2, 2] += qc
        Pp[i, 3, 3] += qc
    return xp, Pp


@_inner
def _d2(xp, Pp, i, z, R, j):
    a = Pp[i, 0, 0] + R[j, 0, 0]
    b = Pp[i, 0, 1] + R[j, 0, 1]
    c = Pp[i, 1, 1] + R[j, 1, 1]
    nx = z[j, 0] - xp[i, 0]
    ny = z[j, 1] - xp[i, 1]
    return (c * nx * nx - 2.0 * b * nx * ny + a * ny * ny) / (a * c - b * b)


@_py
def gate_grid(xp, Pp, z, R, gate, track_on, report_on):
    """Gated pairs through a uniform grid (see :mod:`command.fusion.gating`).

    The reports are binned by counting sort into a dense grid over their bounding
    box; the cells of one grid column inside a track's gate box are then one run of
    the binned order, found by two array reads (no search, no hashing). The cell side
    is the median gate-box half-width, but at least ``sqrt(box area / 2m)`` so the
    grid never has more than ~2 cells per report. A gate box is
    ``± gate·sqrt(P_xx + max R_xx)``, ``± gate·sqrt(P_yy + max R_yy)``: it holds the
    gate ellipse for every report of the batch. Two passes (count, then fill arrays
    of exactly that size): growing arrays inside the loop costs numba reference
    counting on every pair, about 5× slower.

    Parameters
    ----------
    xp, Pp : (n, 4), (n, 4, 4) predicted tracks; z, R : (m, 2), (m, 2, 2) reports
    gate : Mahalanobis gate (not squared)
    track_on, report_on : (n,), (m,) bool: only these tracks and reports take part

    Returns
    -------
    pair_track, pair_report : (k,) int64; pair_d2 : (k,) squared distances <= gate²
    """
    g2 = gate * gate
    tracks = _nonzero(track_on)
    reports = _nonzero(report_on)
    n, m = tracks.shape[0], reports.shape[0]
    if n == 0 or m == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    rx, ry = 0.0, 0.0
    x_lo, x_hi, y_lo, y_hi = np.inf, -np.inf, np.inf, -np.inf
    for j in reports:
        rx = max(rx, R[j, 0, 0])
        ry = max(ry, R[j, 1, 1])
        x_lo, x_hi = min(x_lo, z[j, 0]), max(x_hi, z[j, 0])
        y_lo, y_hi = min(y_lo, z[j, 1]), max(y_hi, z[j, 1])
    hwx = np.empty(n)
    hwy = np.empty(n)
    hw = np.empty(n)
    for u in range(n):
        i = tracks[u]
        hwx[u] = gate * math.sqrt(Pp[i, 0, 0] + rx)
        hwy[u] = gate * math.sqrt(Pp[i, 1, 1] + ry)
        hw[u] = max(hwx[u], hwy[u])
    area = (x_hi - x_lo + 1.0) * (y_hi - y_lo + 1.0)
    cell = max(_median(hw), math.sqrt(area / (2.0 * m)), 1e-3)
    nx = int((x_hi - x_lo) / cell) + 1
    ny = int((y_hi - y_lo) / cell) + 1
    start = _fill_int(nx * ny + 1, 0)           # counting sort of reports by cell
    cell_of = np.empty(m, np.int64)
    for v in range(m):
        j = reports[v]
        c = int((z[j, 0] - x_lo) / cell) * ny + int((z[j, 1] - y_lo) / cell)
        cell_of[v] = c
        start[c + 1] += 1
    for c in range(nx * ny):
        start[c + 1] += start[c]
    fill = np.empty(nx * ny, np.int64)
    for c in range(nx * ny):
        fill[c] = start[c]
    binned = np.empty(m, np.int64)
    for v in range(m):
        binned[fill[cell_of[v]]] = reports[v]
        fill[cell_of[v]] += 1
    total = 0
    for sweep in range(2):
        if sweep == 1:
            pt = np.empty(total, np.int64)
            pr = np.empty(total, np.int64)
            pd2 = np.empty(total)
            k = 0
        for u in range(n):
            i = tracks[u]
            x0 = max(math.floor((xp[i, 0] - hwx[u] - x_lo) / cell), 0.0)
            x1 = min(math.floor((xp[i, 0] + hwx[u] - x_lo) / cell), nx - 1.0)
            y0 = max(math.floor((xp[i, 1] - hwy[u] - y_lo) / cell), 0.0)
            y1 = min(math.floor((xp[i, 1] + hwy[u] - y_lo) / cell), ny - 1.0)
            if x0 > x1 or y0 > y1:
                continue
            for cx in range(int(x0), int(x1) + 1):
                lo = start[cx * ny + int(y0)]
                hi = start[cx * ny + int(y1) + 1]
                if sweep == 0:
                    total += hi - lo
                    continue
                for s in range(lo, hi):
                    j = binned[s]
                    d2 = _d2(xp, Pp, i, z, R, j)
                    if d2 <= g2:
                        pt[k], pr[k], pd2[k] = i, j, d2
                        k += 1
    return pt[:k], pr[:k], pd2[:k]


@_inner
def _find(parent, a):
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@_py
def solve_cluster(cost, miss):
    """Optimal assignment of one cluster given as a dense matrix (for tests and tools).

    Parameters
    ----------
    cost : (a, b) pair costs, ``_BIG`` where a pair is not gated
    miss : (a,) cost of leaving each track unassigned

    Returns
    -------
    (a,) column (report) assigned to each track, -1 for a miss
    """
    a, b = cost.shape
    row_ptr = _fill_int(a + 1, 0)
    col = np.empty(a * b, np.int64)
    cst = np.empty(a * b)
    k = 0
    for i in range(a):
        for j in range(b):
            if cost[i, j] < _BIG:
                col[k], cst[k] = j, cost[i, j]
                k += 1
        row_ptr[i + 1] = k
    out = np.empty(a, np.int64)
    _solve_sparse(row_ptr, col, cst, a, b, miss, _workspace(a, b), out)
    return out


@_inner
def _workspace(nr, nb):
    nc = nr + nb
    return (np.empty(nr), np.empty(nc), np.empty(nc), np.empty(nc, np.int64),
            np.empty(nr, np.int64), np.empty(nc, np.int64), np.empty(nr, np.bool_),
            np.empty(nc, np.bool_), np.empty(nc, np.int64), np.empty(nr, np.int64),
            np.empty(nc, np.int64))


@_inner
def _solve_sparse(row_ptr, col, cst, nr, nb, miss, ws, out):
    """Shortest augmenting paths on a sparse cluster (gated pairs only).

    The algorithm of ``scipy.optimize.linear_sum_assignment`` (Crouse 2016, the
    rectangular Jonker-Volgenant variant: Dijkstra over reduced costs, then augment),
    compiled here because a call into scipy costs ~10 µs of Python and numpy around
    it and dense scenes have thousands of small clusters per batch. The matrix is the
    one of :mod:`command.fusion.assign`, reports plus one private miss column per
    track, but kept sparse: each step relaxes only the row's gated pairs and its miss
    column, and picks the next column among those reached so far, so a cluster of a
    tracks costs about a × (pairs per track) × (path length), not a² (a + b) as the
    dense form does (that was 60 % of a batch at 10,000 targets). Rows are the local
    tracks, columns ``0..nb-1`` the reports and ``nb + i`` the miss column of row i.

    Parameters
    ----------
    row_ptr : (nr + 1,) CSR row bounds into ``col`` and ``cst``
    col, cst : (k,) local report column and cost of each pair
    miss : (nr,) miss costs; ws : workspace from :func:`_workspace`
    out : (>= nr,) written with the column of each row, -1 for a miss
    """
    u, v, spc, path, col4row, row4col, in_sr, in_sc, touched, rows_seen, cols_seen = ws
    nc = nb + nr
    for i in range(nr):
        u[i] = 0.0
        col4row[i] = -1
        in_sr[i] = False
    for j in range(nc):
        v[j] = 0.0
        spc[j] = np.inf
        row4col[j] = -1
        in_sc[j] = False
    for cur in range(nr):
        min_val = 0.0
        i = cur
        n_t = 0          # touched, not yet scanned columns: touched[:n_t]
        n_rs, n_cs = 0, 0
        sink = -1
        while sink == -1:
            in_sr[i] = True
            rows_seen[n_rs] = i
            n_rs += 1
            for e in range(row_ptr[i], row_ptr[i + 1] + 1):
                if e == row_ptr[i + 1]:
                    j, cij = nb + i, miss[i]
                else:
                    j, cij = col[e], cst[e]
                if in_sc[j]:
                    continue
                r = min_val + cij - u[i] - v[j]
                if r < spc[j]:
                    if spc[j] == np.inf:
                        touched[n_t] = j
                        n_t += 1
                    spc[j] = r
                    path[j] = i
            index = -1
            lowest = np.inf
            for t in range(n_t):
                j = touched[t]
                if spc[j] < lowest or (spc[j] == lowest and row4col[j] == -1):
                    lowest = spc[j]
                    index = t
            min_val = lowest
            j = touched[index]
            n_t -= 1
            touched[index] = touched[n_t]
            in_sc[j] = True
            cols_seen[n_cs] = j
            n_cs += 1
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
        u[cur] += min_val
        for t in range(n_rs):
            i = rows_seen[t]
            if i != cur:
                u[i] += min_val - spc[col4row[i]]
            in_sr[i] = False
        for t in range(n_cs):
            j = cols_seen[t]
            v[j] -= min_val - spc[j]
            in_sc[j] = False
            spc[j] = np.inf
        for t in range(n_t):
            spc[touched[t]] = np.inf
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            j, col4row[i] = col4row[i], j
            if i == cur:
                break
    for i in range(nr):
        c = col4row[i]
        out[i] = c if c < nb else -1


@_py
def assign_stage(xp, Pp, track_on, zs, Rs, sensor, free, gate, got):
    """Gate and assign one stage: the tracks ``track_on`` against the ``free`` reports.

    Pair cost ``d²``, miss cost ``gate²``. Isolated pairs are taken at once, other
    clusters solved by :func:`_solve_sparse`; ``got`` (n,) and ``free`` (m,) are
    updated in place.

    Returns
    -------
    big_ptr : (c + 1,) bounds of the clusters too large for here, in the arrays below
    big_track, big_report, big_cost : (k,) their pairs (``got``/``free`` not updated)
    """
    n, m = xp.shape[0], zs.shape[0]
    pt, pr, cost = gate_grid(xp, Pp, zs, Rs, gate, track_on, free)
    k = pt.shape[0]
    g2 = gate * gate                            # the miss cost of every track
    t_deg = _fill_int(n, 0)
    r_deg = _fill_int(m, 0)
    for p in range(k):
        t_deg[pt[p]] += 1
        r_deg[pr[p]] += 1
    parent = np.empty(n + m, np.int64)
    for c in range(n + m):
        parent[c] = c
    n_multi = 0
    for p in range(k):
        if t_deg[pt[p]] == 1 and r_deg[pr[p]] == 1:
            got[pt[p]] = pr[p]                  # an isolated pair: take it
            free[pr[p]] = False
        else:
            n_multi += 1
            a, b = _find(parent, pt[p]), _find(parent, n + pr[p])
            if a != b:
                parent[max(a, b)] = min(a, b)
    empty_i = np.empty(0, np.int64)
    if n_multi == 0:
        return _fill_int(1, 0), empty_i, empty_i, np.empty(0)
    multi = np.empty(n_multi, np.int64)
    root = np.empty(n_multi, np.int64)
    c = 0
    for p in range(k):
        if not (t_deg[pt[p]] == 1 and r_deg[pr[p]] == 1):
            multi[c] = p
            root[c] = _find(parent, pt[p])
            c += 1
    # group the pairs by cluster: a counting sort on the root (O(n + m), stable)
    cnt = _fill_int(n + m + 1, 0)
    for c in range(n_multi):
        cnt[root[c] + 1] += 1
    for c in range(n + m):
        cnt[c + 1] += cnt[c]
    srt = np.empty(n_multi, np.int64)
    for c in range(n_multi):
        srt[cnt[root[c]]] = c
        cnt[root[c]] += 1
    multi_s = np.empty(n_multi, np.int64)
    root_s = np.empty(n_multi, np.int64)
    for c in range(n_multi):
        multi_s[c], root_s[c] = multi[srt[c]], root[srt[c]]
    multi, root = multi_s, root_s
    big_ptr = _fill_int(n_multi + 1, 0)
    big_t = np.empty(n_multi, np.int64)
    big_r = np.empty(n_multi, np.int64)
    big_c = np.empty(n_multi)
    n_big, kb = 0, 0
    local_t = _fill_int(n, -1)
    local_r = _fill_int(m, -1)
    # buffers reused by every cluster (allocating per cluster dominated dense scenes)
    tracks = np.empty(n_multi, np.int64)
    reports = np.empty(n_multi, np.int64)
    csr_col = np.empty(64, np.int64)
    csr_cst = np.empty(64)
    row_ptr = np.empty(9, np.int64)
    sub_miss = np.empty(8)
    best = np.empty(8, np.int64)
    ws = _workspace(np.int64(8), np.int64(8))  # int64, not literals: one compile
    ws_r, ws_c = np.int64(8), np.int64(8)
    s = 0
    while s < n_multi:
        e = s
        while e < n_multi and root[e] == root[s]:
            e += 1
        na, nb = np.int64(0), np.int64(0)
        for u in range(s, e):
            p = multi[u]
            if local_t[pt[p]] < 0:
                local_t[pt[p]] = na
                tracks[na] = pt[p]
                na += 1
            if local_r[pr[p]] < 0:
                local_r[pr[p]] = nb
                reports[nb] = pr[p]
                nb += 1
        if na * (na + nb) <= DENSE_LIMIT:
            # a canonical row and column order: exact ties then break the same way
            # whatever order the reports came in
            _insertion_sort_ints(tracks, na)
            _insertion_sort_reports(reports, nb, zs, Rs, sensor)
            for a in range(na):
                local_t[tracks[a]] = a
            for b in range(nb):
                local_r[reports[b]] = b
            if na > ws_r or nb > ws_c:
                ws_r, ws_c = max(na, ws_r), max(nb, ws_c)
                ws = _workspace(ws_r, ws_c)
                sub_miss = np.empty(ws_r)
                best = np.empty(ws_r, np.int64)
                row_ptr = np.empty(ws_r + 1, np.int64)
            if e - s > csr_col.shape[0]:
                csr_col = np.empty(2 * (e - s), np.int64)
                csr_cst = np.empty(2 * (e - s))
            for a in range(na + 1):                # CSR of the cluster, rows = tracks
                row_ptr[a] = 0
            for u in range(s, e):
                row_ptr[local_t[pt[multi[u]]] + 1] += 1
            for a in range(na):
                row_ptr[a + 1] += row_ptr[a]
                sub_miss[a] = g2
            for u in range(s, e):
                p = multi[u]
                a = local_t[pt[p]]
                csr_col[row_ptr[a]] = local_r[pr[p]]
                csr_cst[row_ptr[a]] = cost[p]
                row_ptr[a] += 1
            for a in range(na, 0, -1):
                row_ptr[a] = row_ptr[a - 1]
            row_ptr[0] = 0
            _solve_sparse(row_ptr, csr_col, csr_cst, na, nb, sub_miss, ws, best)
            for a in range(na):
                if best[a] >= 0:
                    got[tracks[a]] = reports[best[a]]
                    free[reports[best[a]]] = False
        else:
            for u in range(s, e):
                p = multi[u]
                big_t[kb], big_r[kb], big_c[kb] = pt[p], pr[p], cost[p]
                kb += 1
            n_big += 1
            big_ptr[n_big] = kb
        for a in range(na):
            local_t[tracks[a]] = -1
        for b in range(nb):
            local_r[reports[b]] = -1
        s = e
    return big_ptr[: n_big + 1], big_t[:kb], big_r[:kb], big_c[:kb]


@_py
def update_manage(ids, xp, Pp, is_confirmed, class_prob, last_update, n_updates, score,
                  got, zs, Rs, sensor, lik, has_lik, t_s, next_id, lam, pd, v0, birth,
                  confirm_score, delete_after, tentative_delete_after, max_std):
    """Update assigned tracks, start, confirm and delete; build the new table.

    Returns
    -------
    ids, x, P, is_confirmed, class_prob, last_update_s, n_updates, score :
        the new table's arrays (rows in id order)
    report_track : (m,) id of the track each report (in the caller's order) joined or
        started, even when that track is deleted at once (a report too coarse to keep)
    started, confirmed, deleted : ids started, newly confirmed, deleted
    updated : (rows,) True for tracks that got or were started by a report
    next_id : the id the next new track will get
    """
    n, m = xp.shape[0], zs.shape[0]
    x = xp.copy()
    P = Pp.copy()
    sc = score.copy()
    cp = class_prob.copy()
    lu = last_update.copy()
    nu = n_updates.copy()
    row_of = _fill_int(m, -1)
    log_pd_lam = math.log(pd) - math.log(lam) - math.log(2.0 * math.pi)
    K = np.empty((4, 2))
    A = np.empty((4, 4))
    T = np.empty((4, 4))
    for i in range(n):
        j = got[i]
        if j < 0:
            continue
        row_of[j] = i
        a = Pp[i, 0, 0] + Rs[j, 0, 0]
        b = Pp[i, 0, 1] + Rs[j, 0, 1]
        c = Pp[i, 1, 1] + Rs[j, 1, 1]
        det = a * c - b * b
        vx = zs[j, 0] - xp[i, 0]
        vy = zs[j, 1] - xp[i, 1]
        d2 = (c * vx * vx - 2.0 * b * vx * vy + a * vy * vy) / det
        sc[i] += log_pd_lam - 0.5 * d2 - 0.5 * math.log(det)
        for r in range(4):                       # K = P Hᵀ S⁻¹
            K[r, 0] = (Pp[i, r, 0] * c - Pp[i, r, 1] * b) / det
            K[r, 1] = (Pp[i, r, 1] * a - Pp[i, r, 0] * b) / det
            x[i, r] = xp[i, r] + K[r, 0] * vx + K[r, 1] * vy
        for r in range(4):                       # A = I - K H
            for col in range(4):
                A[r, col] = (1.0 if r == col else 0.0) - (K[r, col] if col < 2 else 0.0)
        for r in range(4):                       # T = A P
            for col in range(4):
                T[r, col] = (A[r, 0] * Pp[i, 0, col] + A[r, 1] * Pp[i, 1, col]
                             + A[r, 2] * Pp[i, 2, col] + A[r, 3] * Pp[i, 3, col])
        for r in range(4):                       # P = T Aᵀ + K R Kᵀ, symmetrised
            for col in range(r, 4):
                v = (T[r, 0] * A[col, 0] + T[r, 1] * A[col, 1] + T[r, 2] * A[col, 2]
                     + T[r, 3] * A[col, 3])
                v += (K[r, 0] * (Rs[j, 0, 0] * K[col, 0] + Rs[j, 0, 1] * K[col, 1])
                      + K[r, 1] * (Rs[j, 1, 0] * K[col, 0] + Rs[j, 1, 1] * K[col, 1]))
                P[i, r, col] = v
                P[i, col, r] = v
        lu[i] = t_s
        nu[i] += 1
        if has_lik:
            tot = 0.0
            for h in range(3):
                tot += cp[i, h] * lik[j, h]
            if tot > 0.0:
                for h in range(3):
                    cp[i, h] = cp[i, h] * lik[j, h] / tot
    n_new = 0
    new_report = np.empty(m, np.int64)
    for j in range(m):
        if row_of[j] < 0:
            new_report[n_new] = j
            n_new += 1
    # new tracks take ids in the canonical order of their reports
    new_report = canonical_sort(new_report[:n_new], zs, Rs, sensor)
    rows = n + n_new
    init_score = math.log(birth / lam)
    all_conf = np.empty(rows, np.bool_)            # rows < n: set below
    keep = np.empty(rows, np.bool_)
    new_row = np.empty(rows, np.int64)
    kept = 0
    # which existing rows survive
    for i in range(rows):
        if i < n:
            conf = is_confirmed[i] or sc[i] >= confirm_score
            silent = t_s - lu[i]
            limit = delete_after if conf else tentative_delete_after
            pa, pb, pc = P[i, 0, 0], P[i, 0, 1], P[i, 1, 1]
            all_conf[i] = conf
        else:
            j = new_report[i - n]
            silent, limit = 0.0, 1.0
            pa, pb, pc = Rs[j, 0, 0], Rs[j, 0, 1], Rs[j, 1, 1]
        std = math.sqrt(0.5 * (pa + pc) + math.sqrt(0.25 * (pa - pc) ** 2 + pb * pb))
        keep[i] = not (silent > limit or std > max_std)
        if keep[i]:
            new_row[i] = kept
            kept += 1
    out_ids = np.empty(kept, np.int64)
    out_x = np.empty((kept, 4))
    out_P = np.empty((kept, 4, 4))
    out_conf = np.empty(kept, np.bool_)
    out_cp = np.empty((kept, 3))
    out_lu = np.empty(kept)
    out_nu = np.empty(kept, np.int64)
    out_sc = np.empty(kept)
    updated = np.empty(kept, np.bool_)
    n_del, n_conf = 0, 0
    for i in range(n):
        if not keep[i]:
            n_del += 1
            continue
        r = new_row[i]
        out_ids[r] = ids[i]
        for c in range(4):                       # element by element: a row copy
            out_x[r, c] = x[i, c]                # compiles a shape check with its
            for d in range(4):                   # error message (seconds of compile)
                out_P[r, c, d] = P[i, c, d]
        out_conf[r] = all_conf[i]
        for h in range(3):
            out_cp[r, h] = cp[i, h]
        out_lu[r] = lu[i]
        out_nu[r] = nu[i]
        out_sc[r] = sc[i]
        updated[r] = got[i] >= 0
        if all_conf[i] and not is_confirmed[i]:
            n_conf += 1
    n_started = 0
    for u in range(n_new):
        if keep[n + u]:
            n_started += 1
    started = np.empty(n_started, np.int64)
    report_track = _fill_int(m, -1)
    v02 = v0 * v0
    for j in range(m):
        i = row_of[j]
        if i >= 0:
            report_track[j] = ids[i]
    ns = 0
    for u in range(n_new):
        j = new_report[u]
        tid = next_id + u
        report_track[j] = tid                   # too coarse to keep: the id it used up
        if not keep[n + u]:
            continue
        r = new_row[n + u]
        started[ns] = tid
        ns += 1
        out_ids[r] = tid
        out_x[r, 0], out_x[r, 1], out_x[r, 2], out_x[r, 3] = zs[j, 0], zs[j, 1], 0.0, 0.0
        for c in range(4):
            for d in range(4):
                out_P[r, c, d] = 0.0
        out_P[r, 0, 0], out_P[r, 0, 1] = Rs[j, 0, 0], Rs[j, 0, 1]
        out_P[r, 1, 0], out_P[r, 1, 1] = Rs[j, 1, 0], Rs[j, 1, 1]
        out_P[r, 2, 2] = out_P[r, 3, 3] = v02
        tot = 0.0
        for h in range(3):
            out_cp[r, h] = lik[j, h] if has_lik else 1.0
            tot += out_cp[r, h]
        for h in range(3):
            out_cp[r, h] = out_cp[r, h] / tot if tot > 0.0 else 1.0 / 3.0
        out_lu[r] = t_s
        out_nu[r] = 1
        out_sc[r] = init_score
        out_conf[r] = init_score >= confirm_score
        updated[r] = True
        if out_conf[r]:
            n_conf += 1
    deleted = np.empty(n_del, np.int64)
    confirmed = np.empty(n_conf, np.int64)
    a, b = 0, 0
    for i in range(n):
        if not keep[i]:
            deleted[a] = ids[i]
            a += 1
        elif all_conf[i] and not is_confirmed[i]:
            confirmed[b] = ids[i]
            b += 1
    for u in range(n_new):
        if not keep[n + u]:
            continue
        r = new_row[n + u]
        if out_conf[r]:
            confirmed[b] = out_ids[r]
            b += 1
    return (out_ids, out_x, out_P, out_conf, out_cp, out_lu, out_nu, out_sc, report_track,
            started, confirmed, deleted, updated, next_id + n_new)


@_py_inline
def fuse(ids, x, P, is_confirmed, class_prob, last_update, n_updates, score, dt, z, R,
         sensor, lik, has_lik, t_s, next_id, lam, prm):
    """The whole batch in one call, when no cluster needs scipy (nearly always).

    ``prm`` holds the parameters in ``params.PARAM_ORDER``. Returns ``(done, out)``,
    ``out`` as :func:`update_manage` returns it. With ``done`` False a cluster was too
    large: the caller redoes the batch with :func:`predict`, :func:`assign_stage`,
    scipy and :func:`update_manage` (rare, so recomputing costs nothing; returning the
    partial state on every batch cost microseconds of boxing).
    """
    xp, Pp = predict(x, P, dt, prm[0])
    zs, Rs = z, R
    n, m = x.shape[0], z.shape[0]
    got = _fill_int(n, -1)
    free = np.empty(m, np.bool_)
    for j in range(m):
        free[j] = True
    tentative = np.empty(n, np.bool_)
    for i in range(n):
        tentative[i] = not is_confirmed[i]
    big_ptr, big_t, big_r, big_c = assign_stage(xp, Pp, is_confirmed, zs, Rs, sensor, free,
                                                prm[1], got)
    if big_ptr.shape[0] == 1:
        big_ptr, big_t, big_r, big_c = assign_stage(xp, Pp, tentative, zs, Rs, sensor,
                                                    free, prm[1], got)
    done = big_ptr.shape[0] == 1
    if done:
        out = update_manage(ids, xp, Pp, is_confirmed, class_prob, last_update, n_updates,
                            score, got, zs, Rs, sensor, lik, has_lik, t_s, next_id, lam,
                            prm[3], prm[2], prm[4], prm[5], prm[6], prm[7], prm[8])
    else:
        e_i = np.empty(0, np.int64)
        e_b = np.empty(0, np.bool_)
        out = (e_i, np.empty((0, 4)), np.empty((0, 4, 4)), e_b, np.empty((0, 3)),
               np.empty(0), e_i, np.empty(0), e_i, e_i, e_i, e_i, e_b, 0)
    return done, out
