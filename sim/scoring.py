"""The scorer's ledger: the truth behind what the command saw, for files and KPIs.

The command layer writes its records without knowing the truth (`UNKNOWN_TRUTH`).
The ledger learns the truth of every report from the world (``report_truth``, the
reports in flight: it takes each out once the node has fused it or logged it late)
and which track each fused report joined from the node (``fused``); it keeps the
truth of the fused reports in fusion order (``fused_truth``, one per row of the
node's fused log, until `take_fused` hands them to the detections), and fills in, as
each record is appended to the log (`EventLog.annotate`): a track's truth is the
most frequent truth among its reports (ties: the smaller id; -1 = nuisance); an
alert's is its track's at the time it was raised; verifications and team tasks
inherit their alert's. A track's counts are dropped when it is deleted (its id is
never reused and nothing later asks it), so the ledger holds the live tracks only.
Nothing in the command reads it.
"""

from __future__ import annotations

import dataclasses
from array import array
from collections.abc import Callable, MutableMapping

import numpy as np

from sim.ground.events import (
    UNKNOWN_TRUTH,
    AlertRaised,
    AlertVerified,
    Record,
    ReportOutOfSequence,
    TeamTasked,
    TrackConfirmed,
    TrackDeleted,
    record_maker,
)


class TruthLedger:
    """Truth of reports, tracks and alerts (rules in the module docstring).

    ``report_truth`` is the world's map of the reports in flight: report number →
    mover id (-1 nuisance); the ledger removes each report it has read.
    """

    def __init__(self, report_truth: MutableMapping[int, int]) -> None:
        self.report_truth = report_truth
        #: truth of each report fused, in fusion order, not yet taken (`take_fused`)
        self.fused_truth = array("i")
        self._tracks: dict[int, dict[int, int]] = {}   # track → truth → reports
        self._alerts: dict[int, int] = {}

    def fused(self, reports: list[int], tracks: list[int]) -> None:
        """The node fused ``reports`` into ``tracks`` (-1: none).

        Called once per batch, nearly always of one report: that case is written out
        (a loop over one pair costs more than its work). Counts are plain dicts (a
        `Counter` paid a Python-level ``__missing__`` per new truth).
        """
        if len(reports) != 1 or len(tracks) != 1:
            for rid, track in zip(reports, tracks, strict=True):
                self.fused([rid], [track])
            return
        truth = self.report_truth.pop(reports[0])
        self.fused_truth.append(truth)
        track = tracks[0]
        if track >= 0:
            counts = self._tracks.get(track)
            if counts is None:
                self._tracks[track] = {truth: 1}
            else:
                counts[truth] = counts.get(truth, 0) + 1

    def take_fused(self, rows: int) -> np.ndarray:
        """The truth (int64) of the ``rows`` reports fused since the last call, the
        rows of the node's fused log in order; forgets them."""
        if rows != len(self.fused_truth):
            raise RuntimeError(f"{rows} fused rows, {len(self.fused_truth)} truths")
        out = np.array(self.fused_truth, dtype=np.int64)
        self.fused_truth = array("i")
        return out

    def track_truth(self, track: int) -> int:
        counts = self._tracks.get(track)
        if not counts:
            return -1
        best = max(counts.values())
        return min(k for k, v in counts.items() if v == best)

    def alert_truth(self, alert: int) -> int:
        return self._alerts.get(alert, -1)

    def annotate(self, rec: Record) -> Record:
        """``rec`` with its truth filled in (unchanged if it has none to fill)."""
        if getattr(rec, "truth", None) != UNKNOWN_TRUTH:
            if type(rec) is TrackDeleted:    # no report joins it again, nobody asks it
                self._tracks.pop(rec.track, None)
            return rec
        if isinstance(rec, TrackConfirmed):
            truth = self.track_truth(rec.track)
        elif isinstance(rec, AlertRaised):
            truth = self._alerts[rec.alert] = self.track_truth(rec.track)
        elif isinstance(rec, AlertVerified | TeamTasked):
            truth = self.alert_truth(rec.alert)
        elif isinstance(rec, ReportOutOfSequence):
            truth = self.report_truth.pop(rec.report)
        else:
            return rec
        return _with_truth(rec, truth)


#: per record class: its `record_maker` and its field names, in declared order
_MAKERS: dict[type, tuple[Callable[..., Record], tuple[str, ...]]] = {}


def _with_truth(rec: Record, truth: int) -> Record:
    """``dataclasses.replace(rec, truth=truth)``: the same record (the record classes are
    frozen dataclasses without ``__post_init__``), made by the class's `record_maker`
    instead of replace's walk over the fields and keyword ``__init__`` (a few µs each,
    for every alert, verification and confirmed track)."""
    kind = type(rec)
    got = _MAKERS.get(kind)
    if got is None:
        got = _MAKERS[kind] = (record_maker(kind),
                               tuple(f.name for f in dataclasses.fields(kind)))
    make, names = got
    return make(*[truth if name == "truth" else getattr(rec, name) for name in names])
