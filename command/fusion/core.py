"""``fuse_batch``: one batch of reports through predict, gate, assign, update, manage.

The pipeline, for a table of n tracks and a batch of m reports at time ``t_s``:

1. **Order independence.** Nothing depends on the order rows arrive in: new tracks
   take ids in the canonical order of their reports (sensor, x, y, var_x, var_y,
   cov_xy), and each cluster is solved with its tracks by id and its reports in that
   order, so even exact ties break the same way. (The numpy reference simply sorts
   the whole batch.)
2. **Predict** every track to ``t_s`` (:func:`command.fusion.kalman.predict_cv`).
3. **Gate** through a grid (:mod:`command.fusion.gating`): pairs with
   ``d² <= gate²``.
4. **Assign** by global nearest neighbour per cluster (:mod:`command.fusion.assign`),
   pair cost ``d²``, ``gate²`` for leaving a track unassigned, in two stages as Stone
   Soup's initiator does: confirmed tracks take their reports first, tentative tracks
   compete only for the reports left, so a fresh tentative track on a manoeuvring
   target never takes the report its confirmed track needs.
5. **Update** the assigned tracks (Joseph form), their scores and class probabilities.
6. **Start** tentative tracks from the unassigned reports; **confirm** and **delete**
   by the rules of :mod:`command.fusion.manage`.

:func:`fuse_batch` runs the compiled kernels of :mod:`command.fusion.kernels`;
:func:`fuse_batch_numpy` is the same pipeline in numpy, kept as the reference.
"""

from __future__ import annotations

import numpy as np

from command.fusion import manage, prebuilt
from command.fusion.kalman import innovation, log_likelihood, predict_cv, update_joseph
from command.fusion.params import FusionParams
from command.fusion.tracks import FloatArray, FusionEvents, IntArray, TrackTable


def canonical_order(z: FloatArray, R: FloatArray, sensor: IntArray) -> IntArray:
    """(m,) permutation sorting reports by (sensor, x, y, var_x, var_y, cov_xy)."""
    return np.lexsort((R[:, 0, 1], R[:, 1, 1], R[:, 0, 0], z[:, 1], z[:, 0], sensor))


def check_batch(tracks: TrackTable, t_s: float, z: FloatArray, R: FloatArray,
                sensor: IntArray, class_lik: FloatArray | None) -> None:
    """Raise ValueError if the batch's shapes or time do not fit the table."""
    m = len(z)
    if z.shape != (m, 2) or R.shape != (m, 2, 2) or sensor.shape != (m,):
        raise ValueError(f"batch shapes z {z.shape}, R {R.shape}, sensor {sensor.shape} "
                         "do not match (m, 2), (m, 2, 2), (m,)")
    if class_lik is not None and class_lik.shape != (m, 3):
        raise ValueError(f"class_lik has shape {class_lik.shape}, expected ({m}, 3)")
    if not t_s >= tracks.time_s:
        raise ValueError(f"batch time {t_s} is before the table time {tracks.time_s}")


_NO_IDS = np.zeros(0, np.int64)


def drop_stale(tracks: TrackTable, t_s: float,
               params: FusionParams) -> tuple[TrackTable, IntArray]:
    """Delete, before association, the tracks silent for too long at ``t_s``.

    Returns the remaining table and the (k,) ids deleted (see :mod:`manage`).
    """
    shortest = min(params.delete_after_s, params.tentative_delete_after_s)
    if not len(tracks) or t_s - tracks.last_update_s.min() <= shortest + params.revive_window_s:
        return tracks, _NO_IDS  # the common case, in one reduction: the hot path
    gone = manage.stale(tracks.is_confirmed, tracks.last_update_s, t_s, params)
    if not gone.any():
        return tracks, _NO_IDS
    return tracks.select(~gone), tracks.ids[gone]


def fuse_batch_numpy(tracks: TrackTable, t_s: float, z: FloatArray, R: FloatArray,
                     sensor: IntArray, class_lik: FloatArray | None,
                     params: FusionParams) -> tuple[TrackTable, FusionEvents]:
    """:func:`fuse_batch` in plain numpy and scipy: the readable reference.

    Same parameters, returns, errors and rules as :func:`fuse_batch` (tests check that
    both give the same tracks); about 15× slower on batches of ~100 reports, where
    numpy's per-call overhead dominates.
    """
    from command.fusion.assign import assign  # scipy: imported when first needed
    from command.fusion.gating import gate_pairs

    z = np.asarray(z, np.float64)
    R = np.asarray(R, np.float64)
    sensor = np.asarray(sensor, np.int64)
    class_lik = None if class_lik is None else np.asarray(class_lik, np.float64)
    check_batch(tracks, t_s, z, R, sensor, class_lik)
    tracks, stale_ids = drop_stale(tracks, t_s, params)
    m, n = len(z), len(tracks)
    lam = params.clutter_density_per_m2

    order = canonical_order(z, R, sensor)
    zs, Rs = z[order], R[order]
    lik = None if class_lik is None else class_lik[order]

    dt = t_s - tracks.time_s if n else 0.0
    x, P = predict_cv(tracks.x, tracks.P, dt, params.q_m2ps3)
    score = tracks.score.copy()
    class_prob = tracks.class_prob.copy()
    last_update = tracks.last_update_s.copy()
    n_updates = tracks.n_updates.copy()

    got = np.full(n, -1, np.int64)
    free = np.ones(m, bool)
    for stage in (np.flatnonzero(tracks.is_confirmed), np.flatnonzero(~tracks.is_confirmed)):
        rep = np.flatnonzero(free)
        ti, rj, d2 = gate_pairs(x[stage], P[stage], zs[rep], Rs[rep], params.gate)
        sub = assign(ti, rj, d2, np.full(len(stage), params.gate**2), len(stage), len(rep))
        ok = sub >= 0
        got[stage[ok]] = rep[sub[ok]]
        free[rep[sub[ok]]] = False

    upd = np.flatnonzero(got >= 0)
    r_upd = got[upd]
    if len(upd):
        _, S, d2u = innovation(x[upd], P[upd], zs[r_upd], Rs[r_upd])
        score[upd] += manage.score_increment(log_likelihood(S, d2u), lam, params)
        x[upd], P[upd] = update_joseph(x[upd], P[upd], zs[r_upd], Rs[r_upd])
        last_update[upd] = t_s
        n_updates[upd] += 1
        if lik is not None:
            class_prob[upd] = manage.bayes_class(class_prob[upd], lik[r_upd])

    report_row = np.full(m, -1, np.int64)        # row of the new table, per sorted report
    report_row[r_upd] = upd
    new = np.flatnonzero(report_row < 0)
    k = len(new)
    report_row[new] = n + np.arange(k)
    x_new = np.zeros((k, 4))
    x_new[:, :2] = zs[new]
    P_new = np.zeros((k, 4, 4))
    P_new[:, :2, :2] = Rs[new]
    P_new[:, 2, 2] = P_new[:, 3, 3] = params.v0_mps**2
    cp_new = np.broadcast_to(manage.CLASS_PRIOR, (k, 3))
    if lik is not None:
        cp_new = manage.bayes_class(np.array(cp_new), lik[new])
    new_ids = tracks.next_id + np.arange(k, dtype=np.int64)

    ids = np.concatenate([tracks.ids, new_ids])
    x = np.concatenate([x, x_new])
    P = np.concatenate([P, P_new])
    score = np.concatenate([score, np.full(k, manage.initial_score(lam, params))])
    class_prob = np.concatenate([class_prob, cp_new])
    last_update = np.concatenate([last_update, np.full(k, float(t_s))])
    n_updates = np.concatenate([n_updates, np.ones(k, np.int64)])
    was_confirmed = np.concatenate([tracks.is_confirmed, np.zeros(k, bool)])
    is_confirmed = was_confirmed | (score >= params.confirm_score)
    updated = np.zeros(n + k, bool)
    updated[upd] = True
    updated[n:] = True

    table = TrackTable(ids=ids, x=x, P=P, is_confirmed=is_confirmed, class_prob=class_prob,
                       last_update_s=last_update, n_updates=n_updates, score=score,
                       time_s=float(t_s), next_id=tracks.next_id + k)
    gone = manage.to_delete(is_confirmed, last_update, t_s, table.position_std_m, params)
    keep = ~gone
    report_track = np.full(m, -1, np.int64)
    report_track[order] = ids[report_row]       # even if that track is deleted at once
    events = FusionEvents(report_track=report_track, started_ids=new_ids[keep[n:]],
                          confirmed_ids=ids[is_confirmed & ~was_confirmed & keep],
                          deleted_ids=np.concatenate([stale_ids, ids[:n][gone[:n]]]),
                          updated=updated[keep])
    return table.select(keep), events


def fuse_batch(tracks: TrackTable, t_s: float, z: FloatArray, R: FloatArray,
               sensor: IntArray, class_lik: FloatArray | None,
               params: FusionParams) -> tuple[TrackTable, FusionEvents]:
    """Fuse one batch of position reports into the track table.

    The pipeline of the module docstring, compiled: one call orders and predicts,
    one per stage gates and assigns (only clusters of thousands of tracks come back,
    for scipy's sparse matching), a last one updates and manages the tracks.

    Parameters
    ----------
    tracks : the table after the previous batch (not modified)
    t_s : batch time, s; not before ``tracks.time_s``
    z : (m, 2) report positions, m
    R : (m, 2, 2) report covariances, m², symmetric positive definite
    sensor : (m,) integer sensor id of each report
    class_lik : (m, 3) likelihood of each report under (person, vehicle, animal), or
        None for reports without class evidence
    params : tracker parameters

    Returns
    -------
    tracks : the new table, every state at ``t_s``
    events : which track each report went to, tracks started, confirmed, deleted

    Raises
    ------
    ValueError
        If the shapes do not match or ``t_s`` is before the table time.
    """
    fast = prebuilt.load()
    kernels = _kernels() if fast is None else None
    if fast is None and kernels is None:  # numba not installed: the numpy pipeline
        return fuse_batch_numpy(tracks, t_s, z, R, sensor, class_lik, params)
    z = np.ascontiguousarray(z, np.float64)
    R = np.ascontiguousarray(R, np.float64)
    sensor = np.ascontiguousarray(sensor, np.int64)
    has_lik = class_lik is not None
    lik = _NO_LIK if class_lik is None else np.ascontiguousarray(class_lik, np.float64)
    check_batch(tracks, t_s, z, R, sensor, class_lik)
    tracks, stale_ids = drop_stale(tracks, t_s, params)
    lam = params.clutter_density_per_m2
    dt = t_s - tracks.time_s if len(tracks) else 0.0
    # the kernels take exactly these dtypes, C-contiguous (`command.fusion.prebuilt`)
    c = np.ascontiguousarray
    fuse = fast.fuse if fast is not None else kernels.fuse  # type: ignore[union-attr]
    done, out = fuse(
        c(tracks.ids, np.int64), c(tracks.x, np.float64), c(tracks.P, np.float64),
        c(tracks.is_confirmed, np.bool_), c(tracks.class_prob, np.float64),
        c(tracks.last_update_s, np.float64), c(tracks.n_updates, np.int64),
        c(tracks.score, np.float64), float(dt), z, R, sensor, lik, has_lik, float(t_s),
        int(tracks.next_id), float(lam), params.as_vector())
    if not done:
        out = _finish_with_scipy(fast or kernels, tracks, dt, z, R, sensor, lik, has_lik,
                                 float(t_s), params)
    (ids, x, P, conf, cp, lu, nu, score, report_track, started, confirmed, deleted, updated,
     next_id) = out
    table = TrackTable(ids=ids, x=x, P=P, is_confirmed=conf, class_prob=cp, last_update_s=lu,
                       n_updates=nu, score=score, time_s=float(t_s),
                       next_id=int(next_id))
    if len(stale_ids):
        deleted = np.concatenate([stale_ids, deleted])
    return table, FusionEvents(report_track=report_track, started_ids=started,
                               confirmed_ids=confirmed, deleted_ids=deleted, updated=updated)


def _finish_with_scipy(kernels, tracks: TrackTable, dt: float, z: FloatArray,
                       R: FloatArray, sensor: IntArray, lik: FloatArray, has_lik: bool,
                       t_s: float, params: FusionParams) -> tuple:
    """Redo a batch whose association met a cluster too large for the kernel.

    The same steps as ``kernels.fuse``, stage by stage, with the large clusters
    solved by :func:`command.fusion.assign.solve_sparse`; ``kernels`` is the C
    module (`command.fusion.prebuilt`) or `command.fusion.kernels` (numba).
    """
    from command.fusion.assign import solve_sparse  # scipy: imported when first needed

    c = np.ascontiguousarray                # the C kernels take exactly these
    xp, Pp = kernels.predict(c(tracks.x, np.float64), c(tracks.P, np.float64), dt,
                             params.q_m2ps3)
    got = np.full(len(tracks), -1, np.int64)
    free = np.ones(len(z), np.bool_)
    confirmed = c(tracks.is_confirmed, np.bool_)
    for stage in (confirmed, ~confirmed):
        big_ptr, big_t, big_r, big_c = kernels.assign_stage(xp, Pp, stage, z, R, sensor,
                                                            free, params.gate, got)
        for k in range(len(big_ptr) - 1):
            s, e = big_ptr[k], big_ptr[k + 1]
            rows, best = solve_sparse(big_t[s:e], big_r[s:e], big_c[s:e],
                                      np.full(e - s, params.gate**2))
            got[rows] = best
            free[best[best >= 0]] = False
    return kernels.update_manage(
        c(tracks.ids, np.int64), xp, Pp, confirmed, c(tracks.class_prob, np.float64),
        c(tracks.last_update_s, np.float64), c(tracks.n_updates, np.int64),
        c(tracks.score, np.float64), got, z, R, sensor, lik, has_lik, t_s,
        tracks.next_id, params.clutter_density_per_m2, params.pd, params.v0_mps,
        params.birth_density_per_m2, params.confirm_score, params.delete_after_s,
        params.tentative_delete_after_s, params.max_position_std_m)


_NO_LIK = np.zeros((0, 3))
_KERNELS = None


def _kernels():
    """The compiled kernels, imported on first use; None if numba is not installed.

    Importing numba takes ~0.2 s and pulls in PyYAML (numba's config reader), so
    ``import command.fusion`` stays light and free of it until a batch is fused.
    Without numba, :func:`fuse_batch` falls back to :func:`fuse_batch_numpy` (same
    tracks, ~20× slower).
    """
    global _KERNELS
    if _KERNELS is None:
        try:
            from command.fusion import kernels
        except ImportError:
            kernels = False
        _KERNELS = kernels
    return _KERNELS or None
