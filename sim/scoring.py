"""The scorer's ledger: the truth behind what the command saw, for files and KPIs.

The command layer writes its records without knowing the truth (`UNKNOWN_TRUTH`).
The ledger learns the truth of every report from the world (``report_truth``) and
which track each fused report joined from the node (``fused``), and fills in, as
each record is appended to the log (`EventLog.annotate`): a track's truth is the
most frequent truth among its reports (ties: the smaller id; -1 = nuisance); an
alert's is its track's at the time it was raised; verifications and team tasks
inherit their alert's. Nothing in the command reads it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

from sim.ground.events import (
    UNKNOWN_TRUTH,
    AlertRaised,
    AlertVerified,
    Record,
    ReportOutOfSequence,
    TeamTasked,
    TrackConfirmed,
)


class TruthLedger:
    """Truth of reports, tracks and alerts (rules in the module docstring).

    ``report_truth`` is the world's list: report number → mover id (-1 nuisance).
    """

    def __init__(self, report_truth: Sequence[int]) -> None:
        self.report_truth = report_truth
        self._tracks: dict[int, Counter[int]] = {}
        self._alerts: dict[int, int] = {}

    def fused(self, reports: list[int], tracks: list[int]) -> None:
        """The node fused ``reports`` into ``tracks`` (-1: none)."""
        counts_of, truth_of = self._tracks, self.report_truth
        for rid, track in zip(reports, tracks, strict=True):
            if track >= 0:
                counts = counts_of.get(track)
                if counts is None:
                    counts = counts_of[track] = Counter()
                counts[truth_of[rid]] += 1

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
            return rec
        if isinstance(rec, TrackConfirmed):
            truth = self.track_truth(rec.track)
        elif isinstance(rec, AlertRaised):
            truth = self._alerts[rec.alert] = self.track_truth(rec.track)
        elif isinstance(rec, AlertVerified | TeamTasked):
            truth = self.alert_truth(rec.alert)
        elif isinstance(rec, ReportOutOfSequence):
            truth = self.report_truth[rec.report]
        else:
            return rec
        return dataclasses.replace(rec, truth=truth)
