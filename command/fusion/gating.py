"""Gating: which reports may belong to which track, found through a uniform grid.

A report j is a candidate for track i when the squared Mahalanobis distance of its
innovation is at most ``gate²``. Testing every pair costs n × m; instead the reports
are binned in a grid of square cells and each track looks only at the cells its gate
can reach. The gate ellipse of track i lies inside the box ``± gate·sqrt(S_xx)``,
``± gate·sqrt(S_yy)`` around its predicted position, with ``S = P_pos + R``; using the
largest R of the batch makes the box safe for every report. With the cell side at
least the half-width of a box, a box touches only the 3 × 3 cells around the track's
own cell; the rare tracks with a wider box (a long-coasting track) are tested against
all reports. The cost is then proportional to n + m + candidate pairs, not n × m.
"""

from __future__ import annotations

import numpy as np

from command.fusion.kalman import innovation
from command.fusion.tracks import FloatArray, IntArray

_OFFSET = np.int64(1 << 31)


def gate_half_widths(P_pos: FloatArray, R: FloatArray, gate: float) -> FloatArray:
    """Return (n, 2) half-widths, m, of boxes that contain each track's gate.

    Parameters
    ----------
    P_pos : (n, 2, 2) predicted position covariances, m²
    R : (m, 2, 2) the batch's report covariances, m² (m >= 1)
    gate : Mahalanobis gate (not squared)
    """
    r_max = np.array([R[:, 0, 0].max(), R[:, 1, 1].max()])
    return gate * np.sqrt(np.stack([P_pos[:, 0, 0], P_pos[:, 1, 1]], -1) + r_max)


def grid_cell_size(half_widths: FloatArray) -> float:
    """Cell side, m: the largest box half-width among the ordinary tracks.

    Tracks whose half-width exceeds 4 × the median are left out of the choice (they
    are tested against all reports), so one long-coasting track does not coarsen the
    grid for all.
    """
    hw = half_widths.max(axis=1)
    limit = 4.0 * float(np.median(hw))
    return max(float(hw[hw <= limit].max()), 1e-3)


def _cell_keys(cx: IntArray, cy: IntArray) -> IntArray:
    return cx * (np.int64(1) << 32) + (cy + _OFFSET)


def candidate_pairs(track_xy: FloatArray, half_widths: FloatArray,
                    report_xy: FloatArray) -> tuple[IntArray, IntArray]:
    """Return the track-report pairs whose gate boxes may overlap (a superset).

    Parameters
    ----------
    track_xy : (n, 2) predicted positions, m
    half_widths : (n, 2) gate box half-widths, m (from :func:`gate_half_widths`)
    report_xy : (m, 2) report positions, m

    Returns
    -------
    track_idx, report_idx : (k,) int64 row indices of candidate pairs, sorted by
        track then report
    """
    n, m = len(track_xy), len(report_xy)
    if n == 0 or m == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cell = grid_cell_size(half_widths)
    wide = half_widths.max(axis=1) > cell
    rc = np.floor(report_xy / cell).astype(np.int64)
    rkey = _cell_keys(rc[:, 0], rc[:, 1])
    order = np.argsort(rkey, kind="stable")
    rkey_sorted = rkey[order]
    tc = np.floor(track_xy / cell).astype(np.int64)
    d = np.array([-1, 0, 1], np.int64)
    nkey = _cell_keys((tc[:, 0, None, None] + d[None, :, None]),
                      (tc[:, 1, None, None] + d[None, None, :])).reshape(n, 9)
    starts = np.searchsorted(rkey_sorted, nkey, "left")
    counts = np.searchsorted(rkey_sorted, nkey, "right") - starts
    counts[wide] = 0
    total = int(counts.sum())
    flat_counts = counts.ravel()
    ti = np.repeat(np.repeat(np.arange(n), 9), flat_counts)
    first = np.repeat(np.cumsum(flat_counts) - flat_counts, flat_counts)
    pos = np.repeat(starts.ravel(), flat_counts) + (np.arange(total) - first)
    rj = order[pos]
    if wide.any():
        w = np.flatnonzero(wide)
        ti = np.concatenate([ti, np.repeat(w, m)])
        rj = np.concatenate([rj, np.tile(np.arange(m), len(w))])
    o = np.lexsort((rj, ti))
    return ti[o], rj[o]


def gate_pairs(x: FloatArray, P: FloatArray, z: FloatArray, R: FloatArray,
               gate: float) -> tuple[IntArray, IntArray, FloatArray]:
    """Return all track-report pairs inside the gate, with their squared distances.

    Parameters
    ----------
    x : (n, 4) predicted states; P : (n, 4, 4) their covariances
    z : (m, 2) report positions, m; R : (m, 2, 2) their covariances, m²
    gate : Mahalanobis gate (not squared)

    Returns
    -------
    track_idx, report_idx : (k,) int64, sorted by track then report
    d2 : (k,) squared Mahalanobis distances, all <= gate²
    """
    if len(x) == 0 or len(z) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    hw = gate_half_widths(P[:, :2, :2], R, gate)
    ti, rj = candidate_pairs(x[:, :2], hw, z)
    _, _, d2 = innovation(x[ti], P[ti], z[rj], R[rj])
    keep = d2 <= gate * gate
    return ti[keep], rj[keep], d2[keep]
