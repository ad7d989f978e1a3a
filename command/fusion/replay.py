"""Replay a detections file through the fusion core: ``run_sim.py fuse``.

The file is read and validated completely first; rows of equal time form one batch,
fused in time order by :func:`command.fusion.fuse_batch` (the very function the
simulator's command node calls); the tracks file is written at the end, atomically.
With the C kernels built (`command.fusion.prebuilt`) and no optional columns, one C
call fuses the batches in a row (``fuse_sorted``: the same ``cf_fuse`` per batch that
``fuse_batch`` calls, so the same tracks bit for bit) and hands back only a batch whose
association needs scipy, for ``fuse_batch``: per batch, the Python loop cost ~30 µs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from command.fusion import prebuilt
from command.fusion.core import fuse_batch
from command.fusion.csvio import Detections, read_detections, write_tracks
from command.fusion.errors import FusionInputError
from command.fusion.params import FusionParams
from command.fusion.tracks import FloatArray, IntArray, TrackTable

__all__ = ["FusionInputError", "ReplayStats", "fuse_file", "track_detections"]


@dataclass(frozen=True)
class ReplayStats:
    """Figures of one replay.

    Attributes
    ----------
    rows : detection rows read
    batches : batches fused (distinct times)
    tracks_confirmed : distinct track ids written (summed over replications, whose
        ids each start from 0, for a file of several)
    output_rows : rows written to the tracks file
    parse_s, tracking_s, write_s : wall time reading and validating, fusing (the batch
        loop, including collecting output rows), formatting and writing, s
    jit_s : wall time loading the compiled kernels before the loop (the C ones built
        at install, `command.fusion.prebuilt`: milliseconds; else from numba's cache:
        ~0.2-0.5 s, or compiling them when it is empty: ~20-40 s), s
    detections_per_s : ``rows / tracking_s``
    """

    rows: int
    batches: int
    tracks_confirmed: int
    output_rows: int
    parse_s: float
    tracking_s: float
    write_s: float
    detections_per_s: float
    jit_s: float


def fuse_file(detections_path: str | Path, tracks_path: str | Path,
              overrides: Mapping[str, str] | None = None,
              extra_columns: bool = False) -> ReplayStats:
    """Fuse a detections CSV into a tracks CSV.

    Parameters
    ----------
    detections_path : input, header ``time,sensor,x,y,var_x,var_y,cov_xy`` (+ ignored
        columns), rows sorted by time; with a ``replication`` column holding several
        values (a run's log of several replications), rows grouped by replication in
        increasing order and sorted by time within each, each replication fused on its
        own from an empty track table
    tracks_path : output, header ``time,track,x,y``: for every batch time one row per
        confirmed track with its position after that batch (updated or coasted); for
        several replications also ``replication``, last (track ids start from 0 in each)
    overrides : ``FusionParams`` field name → value as text (``--param k=v``)
    extra_columns : also write ``vx,vy,status,p_person,p_vehicle,p_animal``; status is
        ``updated`` or ``coasted``

    Returns
    -------
    ReplayStats

    Raises
    ------
    FusionInputError
        Bad parameter or input file (one-line message); nothing is written then.
    """
    params = FusionParams().with_overrides(overrides or {})
    t0 = time.perf_counter()
    det = read_detections(detections_path)
    t_jit = time.perf_counter()
    warm_up()
    t1 = time.perf_counter()
    parts = det.by_replication()
    if len(parts) == 1:
        cat_t, cat_id, cat_x, extra = track_detections(det, params, extra_columns)
        batches, confirmed, replication = len(det.batches()[0]), count_distinct(cat_id), None
    else:   # each replication from an empty table, as the run's own node fused it
        cat_t, cat_id, cat_x, extra, replication, batches, confirmed = _track_replications(
            parts, params, extra_columns)
    t2 = time.perf_counter()
    write_tracks(tracks_path, cat_t, cat_id, cat_x[:, :2], extra, replication)
    t3 = time.perf_counter()
    rows = len(det.t_s)
    return ReplayStats(rows=rows, batches=batches, tracks_confirmed=confirmed,
                       output_rows=int(len(cat_t)), parse_s=t_jit - t0, tracking_s=t2 - t1,
                       write_s=t3 - t2, detections_per_s=rows / max(t2 - t1, 1e-12),
                       jit_s=t1 - t_jit)


def _track_replications(parts: list[tuple[int | None, Detections]], params: FusionParams,
                        extra_columns: bool) -> tuple[FloatArray, IntArray, FloatArray,
                                                      tuple | None, IntArray, int, int]:
    """:func:`track_detections` of each replication on its own, the rows concatenated:
    (t_s, track, x, extra, (k,) replication of each row, batches, confirmed tracks
    summed over the replications)."""
    done = [(r, d, track_detections(d, params, extra_columns)) for r, d in parts]
    rows = [out for _, _, out in done]
    extra = None
    extras = [out[3] for out in rows if out[3] is not None]
    if extra_columns:
        extra = (np.concatenate([e[0] for e in extras]), [s for e in extras for s in e[1]],
                 np.concatenate([e[2] for e in extras]))
    replication = np.repeat(np.array([r for r, _, _ in done], np.int64),
                            [len(out[0]) for out in rows])
    return (np.concatenate([out[0] for out in rows]), np.concatenate([out[1] for out in rows]),
            np.concatenate([out[2] for out in rows]), extra, replication,
            sum(len(d.batches()[0]) for _, d, _ in done),
            sum(count_distinct(out[1]) for out in rows))


def count_distinct(ids: IntArray) -> int:
    """Distinct values of non-negative ``ids``: one pass, not ``np.unique``'s sort."""
    if not len(ids):
        return 0
    seen = np.zeros(int(ids.max()) + 1, np.bool_)
    seen[ids] = True
    return int(np.count_nonzero(seen))


def warm_up() -> None:
    """Load (or compile) the kernels with one tiny batch, so no timed batch pays it."""
    z = np.zeros((1, 2))
    R = np.eye(2)[None] * 1.0
    table, _ = fuse_batch(TrackTable.empty(), 0.0, z, R, np.zeros(1, np.int64), None,
                          FusionParams())
    fuse_batch(table, 1.0, z, R, np.zeros(1, np.int64), np.ones((1, 3)), FusionParams())


def track_detections(det: Detections, params: FusionParams, extra_columns: bool = False
                     ) -> tuple[FloatArray, IntArray, FloatArray, tuple | None]:
    """Fuse every batch of ``det`` in time order; the rows of the tracks file.

    Parameters
    ----------
    det : validated detections (:func:`command.fusion.csvio.read_detections`)
    params : tracker parameters
    extra_columns : also collect velocities, status and class probabilities

    Returns
    -------
    t_s : (k,) batch time of each row, s; track : (k,) ids; x : (k, 4) states
    extra : None, or ((k, 2) velocities, (k,) status strings, (k, 3) class
        probabilities) for the optional columns
    """
    fast = prebuilt.load()
    if fast is not None:
        rows_t, rows_id, rows_x, rows_cp, rows_updated = _track_in_c(fast, det, params,
                                                                      extra_columns)
        if rows_cp is None or rows_updated is None:
            return rows_t, rows_id, rows_x, None
        return rows_t, rows_id, rows_x, (rows_x[:, 2:4], _status(rows_updated), rows_cp)
    starts, ends = det.batches()
    table = TrackTable.empty()
    # keep each batch's output arrays (new ones every batch) and select the confirmed
    # rows once at the end: per-batch numpy calls cost more than a small batch's fusion
    ids, xs, conf, probs, updated = [], [], [], [], []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        table, events = fuse_batch(table, float(det.t_s[s]), det.z[s:e], det.R[s:e],
                                   det.sensor[s:e], None, params)
        ids.append(table.ids)
        xs.append(table.x)
        conf.append(table.is_confirmed)
        if extra_columns:
            probs.append(table.class_prob)
            updated.append(events.updated)
    if not ids:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 4)), (
            (np.zeros((0, 2)), [], np.zeros((0, 3))) if extra_columns else None)
    keep = np.concatenate(conf)
    cat_t = np.repeat(det.t_s[starts], [len(a) for a in ids])[keep]
    cat_id = np.concatenate(ids)[keep]
    cat_x = np.concatenate(xs)[keep]
    extra = None
    if extra_columns:
        extra = (cat_x[:, 2:4], _status(np.concatenate(updated)[keep]),
                 np.concatenate(probs)[keep])
    return cat_t, cat_id, cat_x, extra


def _status(updated: np.ndarray) -> list[str]:
    """The ``status`` column: ``updated`` where the row's batch updated the track,
    else ``coasted``."""
    return np.where(updated, "updated", "coasted").tolist()


#: A TrackTable's arrays in the order and dtypes the C kernels take them.
_TABLE_ARRAYS = {"ids": np.int64, "x": np.float64, "P": np.float64,
                 "is_confirmed": np.bool_, "class_prob": np.float64,
                 "last_update_s": np.float64, "n_updates": np.int64, "score": np.float64}


def _track_in_c(fast, det: Detections, params: FusionParams, extra: bool = False
                ) -> tuple[FloatArray, IntArray, FloatArray, FloatArray | None,
                           np.ndarray | None]:
    """:func:`track_detections`'s rows — batch time, track id, state and, with
    ``extra``, class probabilities (k, 3) and whether the batch updated the track (k,)
    (else None, None) — the batches fused by the C module ``fast`` in runs
    (``fuse_sorted``) between the batches it hands back to :func:`fuse_batch` (those
    whose association needs scipy)."""
    starts, _ = det.batches()
    nb = len(starts)
    c = np.ascontiguousarray
    bt = c(det.t_s[starts], np.float64)
    ptr = np.append(starts, len(det.t_s)).astype(np.int64)
    z, R, sensor = c(det.z, np.float64), c(det.R, np.float64), c(det.sensor, np.int64)
    prm, lam = params.as_vector(), float(params.clutter_density_per_m2)
    table = TrackTable.empty()
    parts: list[tuple[np.ndarray, ...]] = []
    b = 0
    while b < nb:
        arrays: tuple[np.ndarray, ...] = tuple(
            c(getattr(table, name), dtype) for name, dtype in _TABLE_ARRAYS.items())
        stop, out, time_s, next_id, *rows = fast.fuse_sorted(
            arrays, float(table.time_s), int(table.next_id), bt, ptr, b, nb, z, R, sensor,
            prm, lam, float(params.revive_window_s), extra)
        parts.append(tuple(rows))
        table = TrackTable(**dict(zip(_TABLE_ARRAYS, out, strict=True)),
                           time_s=float(time_s), next_id=int(next_id))
        if stop >= nb:
            break
        s, e = ptr[stop], ptr[stop + 1]
        table, events = fuse_batch(table, float(bt[stop]), z[s:e], R[s:e], sensor[s:e],
                                   None, params)
        conf = table.is_confirmed
        handed: tuple[np.ndarray, ...] = (np.full(int(conf.sum()), bt[stop]),
                                          table.ids[conf], table.x[conf])
        if extra:
            handed += (table.class_prob[conf], events.updated[conf])
        parts.append(handed)
        b = stop + 1
    if not parts:
        empty = (np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 4)))
        return (*empty, np.zeros((0, 3)), np.zeros(0, bool)) if extra else (*empty, None, None)
    if len(parts) == 1:                 # the common case: no copy of the rows
        cols = parts[0]
    else:
        cols = tuple(np.concatenate(col) for col in zip(*parts, strict=True))
    return (*cols, None, None) if not extra else cols  # type: ignore[return-value]
