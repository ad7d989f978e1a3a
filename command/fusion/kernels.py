"""Compiled kernels (numba) for one batch: the fast path of ``fuse_batch``.

The same pipeline as the numpy reference in :mod:`command.fusion.core`, written as
loops over tracks and reports and compiled once (``cache=True`` keeps the machine code
in ``__pycache__``, so later processes load it instead of compiling). Numpy pays a
few microseconds per array operation, and a batch of ~100 reports needs about a
hundred of them; these loops do the whole batch in four calls:

* :func:`prepare` — canonical report order, predict.
* :func:`assign_stage` (twice: confirmed tracks, then tentative ones) — grid gating,
  clusters, and the assignment of each cluster (isolated pairs directly, others by
  :func:`solve_dense`, scipy's own algorithm compiled). Only huge clusters are
  returned, for scipy's sparse solver.
* :func:`update_manage` — Joseph updates, scores, class probabilities, new tracks,
  confirmation, deletion, and the new table's arrays.

Every rule is documented once, in :mod:`command.fusion.core` and
:mod:`command.fusion.manage`; tests check that both paths give the same tracks.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: Largest tracks × (reports + tracks) of a cluster solved here; larger clusters
#: (a percolating blob in a very dense scene) go to scipy's sparse matching.
DENSE_LIMIT = 250_000

_BIG = 1e300


@njit(cache=True)
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


@njit(cache=True)
def canonical_order(z, R, sensor):
    """(m,) permutation sorting reports by (sensor, x, y, var_x, var_y, cov_xy).

    A bottom-up merge sort with a tuple comparison; equal reports keep their order
    (they are interchangeable, so that order cannot change a track).
    """
    m = z.shape[0]
    a = np.arange(m)
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


@njit(cache=True)
def predict(x, P, dt, q):
    """CV prediction of n tracks (new arrays): ``F x``, ``F P Fᵀ + Q``."""
    n = x.shape[0]
    xp = np.empty_like(x)
    Pp = np.empty_like(P)
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


@njit(cache=True)
def _d2(xp, Pp, i, z, R, j):
    a = Pp[i, 0, 0] + R[j, 0, 0]
    b = Pp[i, 0, 1] + R[j, 0, 1]
    c = Pp[i, 1, 1] + R[j, 1, 1]
    nx = z[j, 0] - xp[i, 0]
    ny = z[j, 1] - xp[i, 1]
    return (c * nx * nx - 2.0 * b * nx * ny + a * ny * ny) / (a * c - b * b)


@njit(cache=True)
def _lower_bound(a, v):
    # numba's np.searchsorted on a scalar costs ~50 ns a call; this is ~10 ns
    lo, hi = 0, a.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if a[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def _cell(v, cell):
    return np.int64(math.floor(v / cell))


@njit(cache=True)
def _key(cx, cy):
    return (cx << 32) + cy + (1 << 31)


@njit(cache=True)
def gate_grid(xp, Pp, z, R, gate, track_on, report_on):
    """Gated pairs through a uniform grid (see :mod:`command.fusion.gating`).

    Reports are sorted by cell key ``(cx << 32) + cy``, so the cells of one grid
    column inside a track's gate box are one run of the sorted keys, found by two
    binary searches. The cell side is the median box half-width: a typical box spans
    2-3 cells per axis; a box wider than the whole batch's grid tests every report.
    Two passes (count, then fill arrays of exactly that size): growing arrays in the
    loop costs numba reference counting on every pair, about 5× slower.

    Parameters
    ----------
    xp, Pp : (n, 4), (n, 4, 4) predicted tracks; z, R : (m, 2), (m, 2, 2) reports
    gate : Mahalanobis gate (not squared)
    track_on, report_on : (n,), (m,) bool: only these tracks and reports take part

    Returns
    -------
    pair_track, pair_report : (k,) int64; pair_d2 : (k,) squared distances <= gate²
    """
    n_all, m_all = xp.shape[0], z.shape[0]
    g2 = gate * gate
    tracks = np.flatnonzero(track_on)
    reports = np.flatnonzero(report_on)
    n, m = tracks.shape[0], reports.shape[0]
    if n == 0 or m == 0 or n_all == 0 or m_all == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    rx, ry = 0.0, 0.0
    for j in reports:
        rx = max(rx, R[j, 0, 0])
        ry = max(ry, R[j, 1, 1])
    hwx = np.empty(n)
    hwy = np.empty(n)
    hw = np.empty(n)
    for u in range(n):
        i = tracks[u]
        hwx[u] = gate * math.sqrt(Pp[i, 0, 0] + rx)
        hwy[u] = gate * math.sqrt(Pp[i, 1, 1] + ry)
        hw[u] = max(hwx[u], hwy[u])
    cell = max(np.median(hw), 1e-3)
    keys = np.empty(m, np.int64)
    for v in range(m):
        keys[v] = _key(_cell(z[reports[v], 0], cell), _cell(z[reports[v], 1], cell))
    order = reports[np.argsort(keys)]
    skeys = np.sort(keys)
    total = 0
    for sweep in range(2):
        if sweep == 1:
            pt = np.empty(total, np.int64)
            pr = np.empty(total, np.int64)
            pd2 = np.empty(total)
            k = 0
        for u in range(n):
            i = tracks[u]
            x0, x1 = _cell(xp[i, 0] - hwx[u], cell), _cell(xp[i, 0] + hwx[u], cell)
            y0, y1 = _cell(xp[i, 1] - hwy[u], cell), _cell(xp[i, 1] + hwy[u], cell)
            wide = (x1 - x0 + 1) * (y1 - y0 + 1) > max(m, 16)
            for cx in range(x0, x0 + 1 if wide else x1 + 1):
                if wide:                            # test every report
                    lo, hi = 0, m
                else:
                    lo = _lower_bound(skeys, _key(cx, y0))
                    hi = _lower_bound(skeys, _key(cx, y1 + 1))
                if sweep == 0:
                    total += hi - lo
                    continue
                for s in range(lo, hi):
                    j = order[s]
                    d2 = _d2(xp, Pp, i, z, R, j)
                    if d2 <= g2:
                        pt[k], pr[k], pd2[k] = i, j, d2
                        k += 1
    return pt[:k], pr[:k], pd2[:k]


@njit(cache=True)
def _find(parent, a):
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@njit(cache=True)
def solve_dense(cost, miss):
    """Optimal assignment of one cluster: shortest augmenting paths (dense).

    The algorithm of ``scipy.optimize.linear_sum_assignment`` (Crouse 2016, the
    rectangular Jonker-Volgenant variant), compiled here because a call into scipy
    costs ~10 µs of Python and numpy around it, and dense scenes have thousands of
    small clusters per batch. The matrix is augmented with one private "miss" column
    per track, as in :mod:`command.fusion.assign`.

    Parameters
    ----------
    cost : (a, b) pair costs, ``_BIG`` where a pair is not gated
    miss : (a,) cost of leaving each track unassigned

    Returns
    -------
    (a,) column (report) assigned to each track, -1 for a miss
    """
    nr, nb = cost.shape
    nc = nb + nr
    u = np.zeros(nr)
    v = np.zeros(nc)
    spc = np.empty(nc)
    path = np.full(nc, -1, np.int64)
    col4row = np.full(nr, -1, np.int64)
    row4col = np.full(nc, -1, np.int64)
    in_sr = np.zeros(nr, np.bool_)
    in_sc = np.zeros(nc, np.bool_)
    remaining = np.empty(nc, np.int64)
    for cur in range(nr):
        min_val = 0.0
        i = cur
        n_rem = nc
        for it in range(nc):
            remaining[it] = nc - it - 1
        in_sr[:] = False
        in_sc[:] = False
        spc[:] = np.inf
        sink = -1
        while sink == -1:
            index = -1
            lowest = np.inf
            in_sr[i] = True
            for it in range(n_rem):
                j = remaining[it]
                if j < nb:
                    cij = cost[i, j]
                else:
                    cij = miss[i] if j - nb == i else _BIG
                r = min_val + cij - u[i] - v[j]
                if r < spc[j]:
                    path[j] = i
                    spc[j] = r
                if spc[j] < lowest or (spc[j] == lowest and row4col[j] == -1):
                    lowest = spc[j]
                    index = it
            min_val = lowest
            j = remaining[index]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            in_sc[j] = True
            n_rem -= 1
            remaining[index] = remaining[n_rem]
        u[cur] += min_val
        for i in range(nr):
            if in_sr[i] and i != cur:
                u[i] += min_val - spc[col4row[i]]
        for j in range(nc):
            if in_sc[j]:
                v[j] -= min_val - spc[j]
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            j, col4row[i] = col4row[i], j
            if i == cur:
                break
    out = np.full(nr, -1, np.int64)
    for i in range(nr):
        if col4row[i] < nb and cost[i, col4row[i]] < _BIG:
            out[i] = col4row[i]
    return out


@njit(cache=True)
def prepare(x, P, dt, z, R, sensor, q):
    """Canonical report order and prediction of every track.

    Returns
    -------
    order : (m,) canonical order of the caller's reports; zs, Rs : reports in it
    xp, Pp : (n, 4), (n, 4, 4) tracks predicted ``dt`` seconds ahead
    """
    m = z.shape[0]
    order = canonical_order(z, R, sensor)
    zs = np.empty((m, 2))
    Rs = np.empty((m, 2, 2))
    for j in range(m):
        zs[j] = z[order[j]]
        Rs[j] = R[order[j]]
    xp, Pp = predict(x, P, dt, q)
    return order, zs, Rs, xp, Pp


@njit(cache=True)
def assign_stage(xp, Pp, track_on, zs, Rs, free, gate, got):
    """Gate and assign one stage: the tracks ``track_on`` against the ``free`` reports.

    Pair cost ``d²``, miss cost ``gate²``. Isolated pairs are taken at once, other
    clusters solved by :func:`solve_dense`; ``got`` (n,) and ``free`` (m,) are
    updated in place.

    Returns
    -------
    big_ptr : (c + 1,) bounds of the clusters too large for here, in the arrays below
    big_track, big_report, big_cost : (k,) their pairs (``got``/``free`` not updated)
    """
    n, m = xp.shape[0], zs.shape[0]
    pt, pr, cost = gate_grid(xp, Pp, zs, Rs, gate, track_on, free)
    k = pt.shape[0]
    miss = np.full(n, gate * gate)
    t_deg = np.zeros(n, np.int64)
    r_deg = np.zeros(m, np.int64)
    for p in range(k):
        t_deg[pt[p]] += 1
        r_deg[pr[p]] += 1
    parent = np.arange(n + m)
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
    empty_i = np.zeros(0, np.int64)
    if n_multi == 0:
        return np.zeros(1, np.int64), empty_i, empty_i, np.zeros(0)
    multi = np.empty(n_multi, np.int64)
    root = np.empty(n_multi, np.int64)
    c = 0
    for p in range(k):
        if not (t_deg[pt[p]] == 1 and r_deg[pr[p]] == 1):
            multi[c] = p
            root[c] = _find(parent, pt[p])
            c += 1
    srt = np.argsort(root, kind="mergesort")
    multi, root = multi[srt], root[srt]
    big_ptr = np.zeros(n_multi + 1, np.int64)
    big_t = np.empty(n_multi, np.int64)
    big_r = np.empty(n_multi, np.int64)
    big_c = np.empty(n_multi)
    n_big, kb = 0, 0
    local_t = np.full(n, -1, np.int64)
    local_r = np.full(m, -1, np.int64)
    s = 0
    while s < n_multi:
        e = s
        while e < n_multi and root[e] == root[s]:
            e += 1
        tracks = np.empty(e - s, np.int64)
        reports = np.empty(e - s, np.int64)
        na, nb = 0, 0
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
            sub = np.full((na, nb), _BIG)
            for u in range(s, e):
                p = multi[u]
                sub[local_t[pt[p]], local_r[pr[p]]] = cost[p]
            sub_miss = np.empty(na)
            for a in range(na):
                sub_miss[a] = miss[tracks[a]]
            best = solve_dense(sub, sub_miss)
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


@njit(cache=True)
def update_manage(ids, xp, Pp, is_confirmed, class_prob, last_update, n_updates, score,
                  got, zs, Rs, lik, has_lik, order, t_s, next_id, lam, pd, v0, birth,
                  confirm_score, delete_after, tentative_delete_after, max_std):
    """Update assigned tracks, start, confirm and delete; build the new table.

    Returns
    -------
    ids, x, P, is_confirmed, class_prob, last_update_s, n_updates, score :
        the new table's arrays (rows in id order)
    report_track : (m,) track id per report in the caller's order, -1 if none
    started, confirmed, deleted : ids started, newly confirmed, deleted
    updated : (rows,) True for tracks that got or were started by a report
    n_false : reports that went only to tentative tracks deleted now
    next_id : the id the next new track will get
    """
    n, m = xp.shape[0], zs.shape[0]
    x = xp.copy()
    P = Pp.copy()
    sc = score.copy()
    cp = class_prob.copy()
    lu = last_update.copy()
    nu = n_updates.copy()
    row_of = np.full(m, -1, np.int64)
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
                tot += cp[i, h] * lik[order[j], h]
            if tot > 0.0:
                for h in range(3):
                    cp[i, h] = cp[i, h] * lik[order[j], h] / tot
    n_new = 0
    new_report = np.empty(m, np.int64)
    for j in range(m):
        if row_of[j] < 0:
            new_report[n_new] = j
            n_new += 1
    rows = n + n_new
    init_score = math.log(birth / lam)
    all_ids = np.empty(rows, np.int64)
    all_ids[:n] = ids
    all_conf = np.empty(rows, np.bool_)
    all_conf[:n] = is_confirmed
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
    updated = np.zeros(kept, np.bool_)
    n_del, n_conf, n_false = 0, 0, 0
    for i in range(n):
        if not keep[i]:
            n_del += 1
            if not all_conf[i]:
                n_false += nu[i]
            continue
        r = new_row[i]
        out_ids[r] = ids[i]
        out_x[r] = x[i]
        out_P[r] = P[i]
        out_conf[r] = all_conf[i]
        out_cp[r] = cp[i]
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
    report_track = np.full(m, -1, np.int64)
    v02 = v0 * v0
    nn, ns = 0, 0
    for j in range(m):
        i = row_of[j]
        if i >= 0:
            if keep[i]:
                report_track[order[j]] = ids[i]
            continue
        tid = next_id + nn
        nn += 1
        if not keep[n + nn - 1]:
            continue
        r = new_row[n + nn - 1]
        started[ns] = tid
        ns += 1
        out_ids[r] = tid
        out_x[r, 0], out_x[r, 1], out_x[r, 2], out_x[r, 3] = zs[j, 0], zs[j, 1], 0.0, 0.0
        out_P[r] = 0.0
        out_P[r, 0, 0], out_P[r, 0, 1] = Rs[j, 0, 0], Rs[j, 0, 1]
        out_P[r, 1, 0], out_P[r, 1, 1] = Rs[j, 1, 0], Rs[j, 1, 1]
        out_P[r, 2, 2] = out_P[r, 3, 3] = v02
        tot = 0.0
        for h in range(3):
            out_cp[r, h] = lik[order[j], h] if has_lik else 1.0
            tot += out_cp[r, h]
        for h in range(3):
            out_cp[r, h] = out_cp[r, h] / tot if tot > 0.0 else 1.0 / 3.0
        out_lu[r] = t_s
        out_nu[r] = 1
        out_sc[r] = init_score
        out_conf[r] = init_score >= confirm_score
        updated[r] = True
        report_track[order[j]] = tid
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
            started, confirmed, deleted, updated, n_false, next_id + n_new)


@njit(cache=True)
def fuse(ids, x, P, is_confirmed, class_prob, last_update, n_updates, score, dt, z, R,
         sensor, lik, has_lik, t_s, next_id, lam, prm):
    """The whole batch in one call, when no cluster needs scipy (nearly always).

    ``prm`` holds the parameters in ``params.PARAM_ORDER``. Returns ``(done, table_and_events,
    partial)``: with ``done`` False, a cluster was too large and ``partial`` = (order,
    zs, Rs, xp, Pp, got, free, stage, big_ptr, big_track, big_report, big_cost) lets
    the caller finish with scipy, :func:`assign_stage` and :func:`update_manage`.
    """
    order, zs, Rs, xp, Pp = prepare(x, P, dt, z, R, sensor, prm[0])
    n, m = x.shape[0], z.shape[0]
    got = np.full(n, -1, np.int64)
    free = np.ones(m, np.bool_)
    tentative = ~is_confirmed
    stage = 0
    big_ptr, big_t, big_r, big_c = assign_stage(xp, Pp, is_confirmed, zs, Rs, free, prm[1],
                                                got)
    if big_ptr.shape[0] == 1:
        stage = 1
        big_ptr, big_t, big_r, big_c = assign_stage(xp, Pp, tentative, zs, Rs, free,
                                                    prm[1], got)
    done = big_ptr.shape[0] == 1
    if done:
        out = update_manage(ids, xp, Pp, is_confirmed, class_prob, last_update, n_updates,
                            score, got, zs, Rs, lik, has_lik, order, t_s, next_id, lam,
                            prm[3], prm[2], prm[4], prm[5], prm[6], prm[7], prm[8])
    else:
        e_i = np.zeros(0, np.int64)
        e_b = np.zeros(0, np.bool_)
        out = (e_i, np.zeros((0, 4)), np.zeros((0, 4, 4)), e_b, np.zeros((0, 3)),
               np.zeros(0), e_i, np.zeros(0), e_i, e_i, e_i, e_i, e_b, 0, 0)
    return done, out, (order, zs, Rs, xp, Pp, got, free, stage, big_ptr, big_t, big_r,
                       big_c)
