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
  (8 bytes of delay and 4 of link id per report). A streamed log's tally is given
  two spill files (`sim.spool`: anonymous temporary files in the replication's
  staging folder, gone when closed) and moves the values there at every `spill`
  (each chunk of records), so memory holds one chunk of them whatever the run's
  length; the KPIs read them back at the end (`delay_times`, `delays_by_link`):
  the same values in the same order, so the same numbers to the bit.

`ReportTally.of` folds a whole record sequence, so the in-memory and the streamed
paths compute KPIs and files by the same code.
"""

from __future__ import annotations

import weakref
from array import array
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import IO, Any

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

    def __init__(self, spill: tuple[IO[bytes], IO[bytes]] | None = None) -> None:
        """``spill``: files (binary, read-write, empty) for the delays (float64) and
        the link codes (uint32) that `spill` moves out of memory; None keeps all."""
        self.received = 0
        self.nuisance = 0
        self.lost = 0
        self.out_of_sequence = 0
        self.first_meas_s: dict[int, float] = {}
        self._started: set[int] = set()
        self.delays_s = array("d")
        self._link_of = array("I")
        self._links: dict[str, int] = {}
        self._spill = spill
        self._spilled = 0          # values in the spill files (before ``delays_s``)
        # the spill files are closed by `close`, else when the tally is collected
        self._closer = weakref.finalize(self, _close_all, spill) if spill else None

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

    @property
    def delay_count(self) -> int:
        """Delays tallied so far (spilled and held)."""
        return self._spilled + len(self.delays_s)

    def spill(self) -> None:
        """Move the held delays and link codes to the spill files (if any)."""
        if self._spill is None or not self.delays_s:
            return
        delays, links = self._spill
        delays.write(self.delays_s.tobytes())
        links.write(self._link_of.tobytes())
        self._spilled += len(self.delays_s)
        self.delays_s = array("d")
        self._link_of = array("I")

    def close(self) -> None:
        """Close the spill files: the delays spilled can no longer be read."""
        if self._closer is not None:
            self._closer()

    def _chunks(self, which: int, code: str, per_read: int = 1 << 20) -> Iterator[array]:
        """The spilled values of spill file ``which`` (typecode ``code``), then the
        held ones, in log order, ``per_read`` at a time."""
        if self._spill is not None and self._spilled:
            f = self._spill[which]
            f.flush()
            f.seek(0)
            left = self._spilled
            while left:
                n = min(left, per_read)
                chunk = array(code)
                chunk.frombytes(f.read(n * chunk.itemsize))
                left -= n
                yield chunk
            f.seek(0, 2)
        yield self.delays_s if which == 0 else self._link_of

    def _all(self, which: int, code: str, dtype: type) -> np.ndarray:
        """All values of column ``which`` as one new array."""
        out: np.ndarray = np.empty(self.delay_count, dtype)
        i = 0
        for chunk in self._chunks(which, code):
            out[i:i + len(chunk)] = np.frombuffer(chunk, dtype) if len(chunk) else ()
            i += len(chunk)
        return out

    def delay_times(self, name: str) -> dict[str, float | None]:
        """`times` of every report's delay (s): the mean summed left to right over
        the values read back in order, the quantiles by selection (`np.partition`:
        the same order statistics as a sort)."""
        n = self.delay_count
        if not n:
            return times(name, np.empty(0))
        mean = float(sum(chain.from_iterable(self._chunks(0, "d")))) / n
        s = self._all(0, "d", np.float64)
        lo5, lo9 = _ranks(n, 0.5), _ranks(n, 0.9)
        s.partition(sorted({*lo5, *lo9}))
        return {f"{name}_mean_s": mean,
                f"{name}_median_s": quantile_sorted(s, 0.5),
                f"{name}_p90_s": quantile_sorted(s, 0.9)}

    def delays_by_link(self) -> dict[str, np.ndarray]:
        """Per link id, its reports' delays (s), in log order."""
        delays = self._all(0, "d", np.float64)
        link_of = self._all(1, "I", np.uint32)
        return {name: delays[link_of == code] for name, code in self._links.items()}

    def __getstate__(self) -> dict[str, Any]:
        """Picklable: the spilled values read back into memory."""
        state = dict(self.__dict__)
        state["delays_s"] = array("d", self._all(0, "d", np.float64).tobytes())
        state["_link_of"] = array("I", self._all(1, "I", np.uint32).tobytes())
        state["_spill"], state["_spilled"], state["_closer"] = None, 0, None
        return state


def _close_all(files: tuple[IO[bytes], ...]) -> None:
    for f in files:
        f.close()


_TALLIED_SET = frozenset(TALLIED)


def _ranks(n: int, q: float) -> tuple[int, int]:
    """The two positions of ``n`` sorted values that `quantile_sorted` reads."""
    import math

    lo = math.floor(q * (n - 1))
    return lo, min(lo + 1, n - 1)


def quantile_sorted(s: np.ndarray, q: float) -> float:
    """`sim.metrics._quantile` of the values ``s`` holds, sorted ascending: linear
    interpolation (numpy's default), computed as that function does. Only the two
    positions `_ranks` names are read: ``s`` may be partitioned at them instead."""
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
