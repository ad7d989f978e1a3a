"""What the KPIs and the small files need of the reports, without the report records.

A replication logs one `ReportReceived` per report that reached the node (~150 000
a day on ``scale_year``) and a few `ReportLost` and `ReportOutOfSequence`. When the
event log is streamed to disk (`sim.spool`), those records are not kept; the
`ReportTally` folds them as they pass, in log order, into what their readers use:

- counts: reports received, of them nuisance ones (``truth`` < 0), lost, out of
  sequence;
- each crossing group's earliest report measurement (``first_meas_s``), counting, as
  `sim.metrics.crossing_verdicts` does, only reports logged after the group's
  `CrossingStarted` (a second start of a group starts afresh);
- every report's delay (arrival − measurement, s) in log order, with the link
  (its ``sensor`` id) it came on: exact means and quantiles need every value
  (8 bytes of delay and 4 of link id per report, the part that still grows with the
  run's length).

`ReportTally.of` folds a whole record sequence, so the in-memory and the streamed
paths compute KPIs and files by the same code.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

import numpy as np

from sim.ground.events import (
    CrossingStarted,
    Record,
    ReportLost,
    ReportOutOfSequence,
    ReportReceived,
)

#: The record classes a `ReportTally` folds (`ReportTally.add`).
TALLIED = (CrossingStarted, ReportReceived, ReportLost, ReportOutOfSequence)

#: Those it replaces: a streamed log keeps none of them in memory (`sim.spool`).
REPLACED = (ReportReceived, ReportLost, ReportOutOfSequence)


class ReportTally:
    """The reports of one replication, folded in log order (module docstring)."""

    def __init__(self) -> None:
        self.received = 0
        self.nuisance = 0
        self.lost = 0
        self.out_of_sequence = 0
        self.first_meas_s: dict[int, float] = {}
        self._started: set[int] = set()
        self.delays_s = array("d")
        self._link_of = array("I")
        self._links: dict[str, int] = {}

    @classmethod
    def of(cls, records: Iterable[Record]) -> ReportTally:
        """The tally of a whole log."""
        tally = cls()
        tally.add_all(records)
        return tally

    def add_all(self, records: Iterable[Record]) -> None:
        """Fold ``records`` (any classes; those not `TALLIED` are skipped), in order."""
        add = self.add
        for rec in records:
            if type(rec) in _TALLIED_SET:
                add(rec)

    def add(self, rec: Record) -> None:
        """Fold one record of a `TALLIED` class."""
        kind = type(rec)
        if kind is ReportReceived:
            self.received += 1
            truth = rec.truth                                        # type: ignore[attr-defined]
            if truth < 0:
                self.nuisance += 1
            elif truth in self._started:
                old = self.first_meas_s.get(truth)
                if old is None or rec.meas_s < old:                  # type: ignore[attr-defined]
                    self.first_meas_s[truth] = rec.meas_s            # type: ignore[attr-defined]
            self.delays_s.append(rec.t_s - rec.meas_s)               # type: ignore[attr-defined]
            link = self._links.get(rec.sensor)                       # type: ignore[attr-defined]
            if link is None:
                link = self._links[rec.sensor] = len(self._links)    # type: ignore[attr-defined]
            self._link_of.append(link)
        elif kind is CrossingStarted:
            self._started.add(rec.group)                             # type: ignore[attr-defined]
            self.first_meas_s.pop(rec.group, None)                   # type: ignore[attr-defined]
        elif kind is ReportLost:
            self.lost += 1
        elif kind is ReportOutOfSequence:
            self.out_of_sequence += 1

    def delays_by_link(self) -> dict[str, np.ndarray]:
        """Per link id, its reports' delays (s), in log order."""
        delays = np.frombuffer(self.delays_s, np.float64) if self.delays_s else np.empty(0)
        link_of = np.frombuffer(self._link_of, np.uint32) if self._link_of else np.empty(0)
        return {name: delays[link_of == code] for name, code in self._links.items()}


_TALLIED_SET = frozenset(TALLIED)


def quantile_sorted(s: np.ndarray, q: float) -> float:
    """`sim.metrics._quantile` of the values ``s`` holds, sorted ascending: linear
    interpolation (numpy's default), computed as that function does."""
    import math

    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    a, b = float(s[lo]), float(s[hi])
    return a + (b - a) * (pos - lo)


def times(name: str, values: array | np.ndarray) -> dict[str, float | None]:
    """``<name>_mean_s``, ``_median_s``, ``_p90_s`` of ``values`` (s), the numbers
    `sim.metrics._times` gives for the same values in the same order (the mean a
    left-to-right sum; no list of Python floats is made)."""
    if not len(values):
        return {f"{name}_mean_s": None, f"{name}_median_s": None, f"{name}_p90_s": None}
    s = np.sort(np.asarray(values, np.float64))
    return {f"{name}_mean_s": float(sum(values)) / len(values),
            f"{name}_median_s": quantile_sorted(s, 0.5),
            f"{name}_p90_s": quantile_sorted(s, 0.9)}
