"""The track table: every track of one fusion node as rows of a few arrays.

One row per track, tentative or confirmed, in the order the tracks were started (so
row order, like track ids, never depends on the order reports arrived in). All states
are at the table's time ``time_s``: each batch predicts every track to the batch time.
A table is treated as immutable: :func:`command.fusion.fuse_batch` returns a new one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Order of the columns of ``TrackTable.class_prob`` and of class likelihoods.
CLASSES = ("person", "vehicle", "animal")


@dataclass(frozen=True, eq=False)
class TrackTable:
    """All tracks of one node, as arrays of n rows.

    Attributes
    ----------
    ids : (n,) int64
        Track ids, unique, increasing with start time; never reused.
    x : (n, 4) float64
        State ``[x_m, y_m, vx_mps, vy_mps]`` at ``time_s``.
    P : (n, 4, 4) float64
        State covariance, in the units of ``x`` squared.
    is_confirmed : (n,) bool
        True once the track's score has reached ``FusionParams.confirm_score``.
    class_prob : (n, 3) float64
        Posterior probabilities of ``CLASSES`` (person, vehicle, animal); rows sum to 1.
    last_update_s : (n,) float64
        Time of the last report assigned to the track, s.
    n_updates : (n,) int64
        Reports assigned to the track so far, including the one that started it.
    score : (n,) float64
        Log-likelihood ratio (target versus false reports) of the track.
    time_s : float
        Time of all states, s (``-inf`` for a table that has never seen a batch).
    next_id : int
        Id the next new track gets.
    """

    ids: IntArray
    x: FloatArray
    P: FloatArray
    is_confirmed: BoolArray
    class_prob: FloatArray
    last_update_s: FloatArray
    n_updates: IntArray
    score: FloatArray
    time_s: float = -np.inf
    next_id: int = 0

    @classmethod
    def empty(cls) -> TrackTable:
        """Return a table with no tracks, before any batch."""
        return cls(ids=np.zeros(0, np.int64), x=np.zeros((0, 4)), P=np.zeros((0, 4, 4)),
                   is_confirmed=np.zeros(0, bool), class_prob=np.zeros((0, 3)),
                   last_update_s=np.zeros(0), n_updates=np.zeros(0, np.int64),
                   score=np.zeros(0))

    def __len__(self) -> int:
        return len(self.ids)

    def select(self, keep: BoolArray | IntArray) -> TrackTable:
        """Return the table restricted to rows ``keep`` (mask or sorted indices)."""
        return TrackTable(ids=self.ids[keep], x=self.x[keep], P=self.P[keep],
                          is_confirmed=self.is_confirmed[keep],
                          class_prob=self.class_prob[keep],
                          last_update_s=self.last_update_s[keep],
                          n_updates=self.n_updates[keep], score=self.score[keep],
                          time_s=self.time_s, next_id=self.next_id)

    @property
    def position_std_m(self) -> FloatArray:
        """(n,) square root of the larger eigenvalue of each position covariance, m."""
        a, b, c = self.P[:, 0, 0], self.P[:, 0, 1], self.P[:, 1, 1]
        half_trace = 0.5 * (a + c)
        return np.sqrt(half_trace + np.sqrt(0.25 * (a - c) ** 2 + b * b))


@dataclass(frozen=True, eq=False)
class FusionEvents:
    """What one batch did, beside the new table.

    Attributes
    ----------
    report_track : (m,) int64
        For each report of the batch, in the caller's order, the id of the track it was
        assigned to or that it started, even when that track is deleted at once: a
        report whose position std exceeds ``max_position_std_m`` starts a track that is
        deleted in the same batch (it keeps the id it used up; it is in no table and in
        neither ``started_ids`` nor ``deleted_ids``).
    started_ids : (k,) int64
        Ids of tentative tracks started by this batch.
    confirmed_ids : (k,) int64
        Ids of tracks confirmed by this batch.
    deleted_ids : (k,) int64
        Ids of tracks deleted by this batch (tentative or confirmed).
    updated : (n,) bool
        For each row of the new table, True if a report was assigned to it or started
        it in this batch, False if it coasted (predicted only).
    """

    report_track: IntArray
    started_ids: IntArray
    confirmed_ids: IntArray
    deleted_ids: IntArray
    updated: BoolArray
