"""Compiled kernel (numba) for every batch of one fusion tick, in one call.

What runs is its C port, ``csrc/batches.c`` (`command.fusion.prebuilt`); this is the
readable reference and the fallback where no C module was built. The node's tick by
both is compared bit for bit (``tests/unit/engine/test_node_tick.py``).

A fusion node collects reports between ticks and, at each tick, fuses them as a
sequence of batches, one per distinct measurement time (the rule is in
:mod:`command.nodes`). On the border scenarios nearly every batch holds one or two
reports, so calling :func:`command.fusion.fuse_batch` per batch paid 40-100 µs of
the node's Python and numba dispatch (``benchmarks/README.md``) around ~3 µs of
compiled work. :func:`fuse_tick` does the
node's whole tick in one call instead:

1. **Take** the reports that arrived strictly before the tick from the node's
   pending buffers (which are in arrival order, so they are a prefix).
2. **Order** them by (measurement time, sensor, arrival); those measured at or
   before the last fused time are *late* (returned, not fused); the others form one
   batch per distinct measurement time.
3. **Fuse** each batch exactly as :func:`command.fusion.fuse_batch` does: the
   pre-association deletion of :func:`command.fusion.core.drop_stale`, then
   :func:`command.fusion.kernels.fuse` (the same compiled pipeline). The results are
   bit-for-bit those of calling ``fuse_batch`` batch by batch (tests compare both on
   a recorded default run).
4. **Record** per batch what the node logs: each report's track, the ids confirmed
   and deleted (sorted), the confirmed tracks' positions, and the confirmed-track rows
   written to ``tracks.csv``.

A batch whose association meets a cluster too large for the compiled solver
(``kernels.fuse`` returns ``done`` False; never on the border scenarios) stops the
loop: the caller fuses that batch with ``fuse_batch`` (which hands the cluster to
scipy) and calls :func:`fuse_tick` again to continue from the next one.

Parameters come as ``prm``, the vector of :meth:`FusionParams.as_vector`
(``params.PARAM_ORDER``), plus the clutter density and ``revive_window_s``.

Compile time (the first run after a fresh install compiles this module's kernels and
those of :mod:`command.fusion.kernels` it calls): :func:`take_tick`,
:func:`fuse_batches` and ``kernels.fuse`` are inlined into :func:`fuse_tick` at
numba's level (``inline="always"``), so they are not compiled, optimised and turned
into machine code as separate functions first and then once more inside every
caller; ``np.sort``, ``np.searchsorted``, ``np.concatenate`` and fancy indexing are
small loops here, as numba compiles each library function it meets as a function of
its own. See :mod:`command.fusion.kernels` for the rest.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np

from command.fusion import kernels
from command.fusion.kernels import _inline, _inner, _py
from command.fusion.kernels import fuse as _fuse_one_batch
from command.fusion.stops import DONE, LIMIT, NEEDS_ROOM, NEEDS_SCIPY


@_inner
def _tick_less(i, j, meas, sensor):
    """Tick order: (measurement time, integer sensor id, arrival index)."""
    if meas[i] != meas[j]:
        return meas[i] < meas[j]
    if sensor[i] != sensor[j]:
        return sensor[i] < sensor[j]
    return i < j


@_inner
def tick_order(meas, sensor, n):
    """(n,) permutation of the first n pending reports into tick order.

    Insertion sort for the few reports of a usual tick, a bottom-up merge sort
    otherwise; the key ends with the arrival index, so the order is total.
    """
    a = np.empty(n, np.int64)
    for i in range(n):
        a[i] = i
    if n <= 16:
        for i in range(1, n):
            v = a[i]
            j = i - 1
            while j >= 0 and _tick_less(v, a[j], meas, sensor):
                a[j + 1] = a[j]
                j -= 1
            a[j + 1] = v
        return a
    b = np.empty(n, np.int64)
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if _tick_less(a[j], a[i], meas, sensor):
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


@_inner
def _sort_ids(a):
    """Sort an int64 array in place: insertion sort when short, else heap sort (ids
    are distinct, so any correct sort gives the same array as ``np.sort``)."""
    k = a.shape[0]
    if k <= 32:
        kernels._insertion_sort_ints(a, k)
        return
    for start in range(k // 2 - 1, -1, -1):
        _sift_down(a, start, k)
    for end in range(k - 1, 0, -1):
        a[0], a[end] = a[end], a[0]
        _sift_down(a, k - k, end)             # an int64 0: one signature


@_inner
def _sift_down(a, root, end):
    while True:
        child = 2 * root + 1
        if child >= end:
            return
        if child + 1 < end and a[child + 1] > a[child]:
            child += 1
        if a[root] >= a[child]:
            return
        a[root], a[child] = a[child], a[root]
        root = child


@_inner
def _find_id(ids, v):
    """``np.searchsorted(ids, v)`` (left) in sorted ``ids``."""
    lo, hi = 0, ids.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if ids[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@_py
def fuse_tick(now_s, head, n_pending, pending, last_fused_s, table, time_s, next_id, out,
              o0, det, d0, trk, t0, work, prm, lam, revive_s, max_batches, resume_b0,
              resume_nb):
    """Take, order and fuse the reports of one tick (steps 1-4 of the module docstring).

    Everything the caller keeps is written into arrays it passes, and only numbers
    are returned: numba boxes each returned array for ~1 µs, eight times the whole
    compiled work of a usual batch.

    Parameters
    ----------
    now_s : tick time, s
    head, n_pending : the pending reports are rows ``head:n_pending`` of ``pending``
    pending : (arrival (cap,), meas (cap,), sensor (cap,) int64, report (cap,) int64,
        z (cap, 2), R (cap, 2, 2), lik (cap, 3)), in arrival order; not modified
    last_fused_s : time of the last fused batch, s (``-inf`` before the first)
    table : (ids, x, P, conf, cp, lu, nu, score), the :class:`TrackTable` arrays;
        time_s, next_id : its time and next id
    out, o0 : arrays like ``table``; the table after the last fused batch is written
        to their rows from ``o0`` (room for the table's tracks plus the pending
        reports is the caller's to provide; rows no other table uses, so that no
        table the caller handed out ever changes)
    det : (t, sensor, z, R, report, track) the fused-report columns; the tick's
        reports are written in tick order from row ``d0`` (room for ``n_pending -
        head`` rows is the caller's to provide)
    trk : (t, id, x) the confirmed-track-row columns, written from row ``t0``
    work : (late, bt, ptr, conf_ptr, del_ptr, conf_id, conf_xy, del_id, ls, rsn)
        buffers: rows of late reports; batch times and bounds (relative to ``d0``);
        per batch bounds into the confirmed and deleted ids; those ids (sorted per
        batch) and the confirmed tracks' positions; the fused reports' class
        likelihoods in tick order; ``rsn`` (3 × pending,) their report numbers, then
        their sensors, then their tracks (so the caller reads all three at once).
        Sizes: the first five and ``ls`` at least the pending count + 1; ids at least
        tracks + pending reports.
    prm : (9,) ``FusionParams.as_vector()``; lam : clutter density, m⁻²;
    revive_s : ``revive_window_s``
    max_batches : fuse at most this many batches in this call
    resume_b0, resume_nb : -1 for a new tick; else only continue the tick already
        taken (its ``resume_nb`` batches are in ``work`` and ``det``) from batch
        ``resume_b0`` (one entry point, so numba compiles the pipeline once: each
        compiled caller re-optimises everything linked into it)

    Returns
    -------
    n_ready : reports taken: rows ``head:head + n_ready``
    n_late : late ones among them (their rows in ``work[0][:n_late]``, tick order)
    nb : batches (``work[1][:nb]``, ``work[2][:nb + 1]``)
    then the returns of :func:`fuse_batches`
    """
    if resume_b0 >= 0:
        n_ready, n_late, nb, b0 = 0, 0, resume_nb, resume_b0
    else:
        n_ready, n_late, nb = take_tick(now_s, head, n_pending, pending, last_fused_s, det,
                                        d0, work)
        b0 = resume_b0 + 1                   # 0, typed as the argument (one signature)
    res = fuse_batches(nb, b0, max_batches, table, time_s, next_id, out, o0, det, d0, trk,
                       t0, work, prm, lam, revive_s)
    return (n_ready, n_late, nb) + res


@_inline
def take_tick(now_s, head, n_pending, pending, last_fused_s, det, d0, work):
    """Steps 1 and 2 of the module docstring: the tick's reports, ordered, into
    ``det`` from row ``d0`` and ``work``; returns (n_ready, n_late, nb) as
    :func:`fuse_tick` does."""
    arrival, meas, sensor, report, z, R, lik = pending
    late, bt, ptr = work[0], work[1], work[2]
    ls = work[8]
    d_t, d_sensor, d_z, d_R, d_report, d_track = det
    n_ready = 0
    while head + n_ready < n_pending and arrival[head + n_ready] < now_s:
        n_ready += 1
    order = tick_order(meas[head:], sensor[head:], n_ready)
    n_late = 0
    while n_late < n_ready and meas[order[n_late] + head] <= last_fused_s:
        late[n_late] = order[n_late] + head
        n_late += 1
    k = n_ready - n_late
    nb = 0
    for u in range(k):
        j = order[n_late + u] + head
        r = d0 + u
        d_t[r], d_sensor[r], d_report[r], d_track[r] = meas[j], sensor[j], report[j], -1
        d_z[r, 0], d_z[r, 1] = z[j, 0], z[j, 1]
        d_R[r, 0, 0], d_R[r, 0, 1], d_R[r, 1, 0], d_R[r, 1, 1] = (R[j, 0, 0], R[j, 0, 1],
                                                                  R[j, 1, 0], R[j, 1, 1])
        ls[u, 0], ls[u, 1], ls[u, 2] = lik[j, 0], lik[j, 1], lik[j, 2]
        if u == 0 or d_t[r] != d_t[r - 1]:
            bt[nb] = d_t[r]
            ptr[nb] = u
            nb += 1
    ptr[nb] = k
    rsn = work[9]
    for u in range(k):
        rsn[u], rsn[k + u], rsn[2 * k + u] = d_report[d0 + u], d_sensor[d0 + u], -1
    return n_ready, n_late, nb


@_inline
def fuse_batches(nb, b0, max_batches, table, time_s, next_id, out, o0, det, d0, trk, t0,
                 work, prm, lam, revive_s):
    """Fuse batches ``b0, b0 + 1, … nb - 1`` of a tick as ``fuse_batch`` would (called
    by :func:`fuse_tick` only).

    The batches and their reports are those :func:`fuse_tick` wrote: ``work`` (bt,
    ptr, ls) and ``det`` from row ``d0``; arguments as there. Each report's track goes
    to ``det``'s track column, the confirmed tracks after each batch to ``trk`` from
    row ``t0``, the ids confirmed and deleted per batch to ``work``.

    Returns
    -------
    stop : first batch not fused (``nb`` when all were)
    stop_reason : ``DONE``, ``NEEDS_SCIPY``, ``NEEDS_ROOM`` or ``LIMIT``
    n_conf, n_del : confirmed and deleted ids written (``conf_ptr``/``del_ptr`` hold
        the bounds of batches ``b0:stop``, relative to ``b0``'s start)
    t1 : end row of the track rows written
    n_out, n_confirmed, time_s, next_id : the table after batch ``stop - 1`` is rows
        ``o0:o0 + n_out`` of ``out`` (``n_confirmed`` of them confirmed), at
        ``time_s``, next id ``next_id``
    """
    ids, x, P, conf, cp, lu, nu, score = table
    bt, ptr, conf_ptr, del_ptr, conf_id, conf_xy, del_id, ls = (
        work[1], work[2], work[3], work[4], work[5], work[6], work[7], work[8])
    d_sensor, d_z, d_R, d_track = det[1], det[2], det[3], det[5]
    t_t, t_id, t_x = trk
    shortest = min(prm[6], prm[7])
    nc, nd, nt = 0, 0, t0
    conf_ptr[0] = 0
    del_ptr[0] = 0
    stop, reason = nb, DONE
    for b in range(b0, nb):
        if b - b0 >= max_batches:
            stop, reason = b, LIMIT
            break
        t_s = bt[b]
        s, e = ptr[b], ptr[b + 1]
        n = ids.shape[0]
        if nt + n + (e - s) > t_id.shape[0]:      # room for every row it could confirm
            stop, reason = b, NEEDS_ROOM
            break
        # pre-association deletion (core.drop_stale)
        n_stale = 0
        if n > 0:
            lo = lu[0]
            for i in range(1, n):
                lo = min(lo, lu[i])
            if not t_s - lo <= shortest + revive_s:         # else the common case
                for i in range(n):
                    limit = prm[6] if conf[i] else prm[7]
                    if (t_s - lu[i]) > limit + revive_s:
                        n_stale += 1
        if n_stale > 0:
            stale_ids = np.empty(n_stale, np.int64)
            keep = np.empty(n - n_stale, np.int64)
            a, c = 0, 0
            for i in range(n):
                limit = prm[6] if conf[i] else prm[7]
                if (t_s - lu[i]) > limit + revive_s:
                    stale_ids[a] = ids[i]
                    a += 1
                else:
                    keep[c] = i
                    c += 1
            nk = n - n_stale
            ids_b, x_b, P_b = np.empty(nk, np.int64), np.empty((nk, 4)), np.empty((nk, 4, 4))
            conf_b, cp_b, lu_b = np.empty(nk, np.bool_), np.empty((nk, 3)), np.empty(nk)
            nu_b, sc_b = np.empty(nk, np.int64), np.empty(nk)
            for u in range(nk):                # the kept rows, element by element
                i = keep[u]
                ids_b[u], conf_b[u], lu_b[u], nu_b[u], sc_b[u] = (ids[i], conf[i], lu[i],
                                                                  nu[i], score[i])
                for c in range(4):
                    x_b[u, c] = x[i, c]
                    for d in range(4):
                        P_b[u, c, d] = P[i, c, d]
                for c in range(3):
                    cp_b[u, c] = cp[i, c]
        else:
            stale_ids = np.empty(0, np.int64)
            ids_b, x_b, P_b, conf_b, cp_b, lu_b, nu_b, sc_b = ids, x, P, conf, cp, lu, nu, score
        dt = t_s - time_s if ids_b.shape[0] > 0 else 0.0
        r0, r1 = d0 + s, d0 + e
        done, res = _fuse_one_batch(ids_b, x_b, P_b, conf_b, cp_b, lu_b, nu_b, sc_b, dt,
                                    d_z[r0:r1], d_R[r0:r1], d_sensor[r0:r1], ls[s:e], True,
                                    t_s, next_id, lam, prm)
        if not done:
            stop, reason = b, NEEDS_SCIPY
            break
        (ids, x, P, conf, cp, lu, nu, score, rt, _started, confirmed, deleted, _updated,
         next_id) = res
        time_s = t_s
        k = ptr[nb]
        for u in range(e - s):
            d_track[r0 + u] = rt[u]
            work[9][2 * k + s + u] = rt[u]
        # confirmed ids, sorted, with their positions (rows are in id order)
        if confirmed.shape[0] > 1:
            _sort_ids(confirmed)
        for u in range(confirmed.shape[0]):
            row = _find_id(ids, confirmed[u])
            conf_id[nc] = confirmed[u]
            conf_xy[nc, 0], conf_xy[nc, 1] = x[row, 0], x[row, 1]
            nc += 1
        conf_ptr[b + 1 - b0] = nc
        if n_stale > 0 or deleted.shape[0] > 1:
            gone = np.empty(n_stale + deleted.shape[0], np.int64)
            for u in range(n_stale):
                gone[u] = stale_ids[u]
            for u in range(deleted.shape[0]):
                gone[n_stale + u] = deleted[u]
            _sort_ids(gone)
        else:
            gone = deleted
        if gone.shape[0] > 0:
            for u in range(gone.shape[0]):
                del_id[nd] = gone[u]
                nd += 1
        del_ptr[b + 1 - b0] = nd
        for i in range(conf.shape[0]):
            if conf[i]:
                t_t[nt] = t_s
                t_id[nt] = ids[i]
                t_x[nt, 0], t_x[nt, 1], t_x[nt, 2], t_x[nt, 3] = (x[i, 0], x[i, 1],
                                                                  x[i, 2], x[i, 3])
                nt += 1
    n = ids.shape[0]
    o_ids, o_x, o_P, o_conf, o_cp, o_lu, o_nu, o_score = out
    for i in range(n):
        o = o0 + i
        o_ids[o], o_conf[o], o_lu[o], o_nu[o], o_score[o] = ids[i], conf[i], lu[i], nu[i], score[i]
        for c in range(4):
            o_x[o, c] = x[i, c]
            for d in range(4):
                o_P[o, c, d] = P[i, c, d]
        for c in range(3):
            o_cp[o, c] = cp[i, c]
    n_confirmed = 0
    for i in range(n):
        if conf[i]:
            n_confirmed += 1
    return stop, reason, nc, nd, nt, n, n_confirmed, time_s, next_id


#: Name of the file, beside numba's cache of this module, that holds the digest of
#: the ``kernels.py`` its compiled code was linked with.
KERNELS_STAMP = "batches.kernels-source.sha1"


def refresh_cache() -> bool:
    """Forget this module's cached machine code if ``kernels.py`` changed since.

    numba keys a cached function on its own source file only, but the cached
    :func:`fuse_tick` and :func:`fuse_batches` carry a copy of ``kernels.fuse``: after
    an edit of ``kernels.py`` alone they would go on running the old pipeline, and
    the node would silently disagree with ``fuse_batch``. Call before the first
    compiled call in a process (the node does); returns True when the cache was
    flushed (they then compile again, ~10 s).
    """
    cache = getattr(fuse_tick, "_cache", None)
    folder = getattr(cache, "_cache_path", None)
    if folder is None:                         # no cache (numba changed, or disabled)
        return False
    with open(kernels.__file__, "rb") as f:
        digest = hashlib.sha1(f.read()).hexdigest()
    stamp = os.path.join(folder, KERNELS_STAMP)
    try:
        with open(stamp) as f:
            if f.read().strip() == digest:
                return False
    except OSError:
        pass
    for fn in (fuse_batches, fuse_tick):
        getattr(fn, "_cache").flush()  # noqa: B009 - numba's, not in its type stubs
    try:
        with open(stamp, "w") as f:
            f.write(digest + "\n")
    except OSError:                            # a read-only install: compile each time
        pass
    return True
