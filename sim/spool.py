"""A replication's large files written to a folder as the run goes, memory bounded.

Three files of a run grow with its length: ``events.jsonl`` (every record),
``detections.csv`` (every fused report) and ``tracks.csv`` (every confirmed track
after every batch) — a day of ``scale_year`` makes 85 MB of them. A `Spool` writes
one replication's files of them (each as the run's file would be for this replication
alone, header included: the store's files, `sim.results.replication_files`) into a
folder while the clock runs:

- `StreamedLog`, the engine's event log, holds the records of the last chunk
  (`CHUNK_RECORDS`), then formats them (`sim.ground.events.records_jsonl`, the same
  characters as the whole log's) and appends them to ``events.jsonl``; of the chunk
  it keeps only the records the KPIs and the small files read: the reports
  (`sim.tally.REPLACED`, the fusion ticks and the tracks' confirmations and
  deletions are read by nobody else) are folded into a `ReportTally` instead;
- `Spool.fused_rows` is the fusion node's sink (`command.nodes.FusedLog.sink`): the
  node hands over its fused reports and track rows every `CHUNK_ROWS` rows and
  starts its arrays afresh (`sim.rows` formats them as the whole-file writers do).

Memory then holds one chunk of each, whatever the duration, plus what the KPIs need
(the kept records, the tally's counts). The tally's per-report delays and link codes
(12 bytes a report) go to two anonymous temporary files in the folder at every
chunk (`sim.tally.ReportTally.spill`; no name in the folder, gone when closed).
The folder is the store's staging folder of the replication
(`sim.store.staging_dir`), renamed into place when complete, so a half-written spool
is never taken for a result.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from sim.ground.events import (
    EventLog,
    FusionTick,
    Record,
    TrackConfirmed,
    TrackDeleted,
    records_jsonl,
)
from sim.rows import DETECTIONS_HEADER, TRACKS_HEADER, detection_rows, track_rows_ascii
from sim.tally import REPLACED, TALLIED, ReportTally

#: Records a `StreamedLog` holds before writing them out (~20 MB of records; a week of
#: the default scenario, 58 000 records, is written at the end, after the map is started).
CHUNK_RECORDS = 100_000
#: Fused reports or track rows the node holds before handing them over.
CHUNK_ROWS = 100_000

#: The files a `Spool` writes (store files: the header, then this replication's rows).
STREAMED = ("events.jsonl", "detections.csv", "tracks.csv")
#: What each of them starts with.
_HEADERS = {"events.jsonl": "", "detections.csv": DETECTIONS_HEADER,
            "tracks.csv": TRACKS_HEADER}
#: The files opened in binary mode: their rows come as ASCII bytes
#: (`sim.rows.track_rows_ascii`, the formatter's buffer written as it is).
_BINARY = frozenset(("tracks.csv",))

#: Records a streamed log writes and does not keep: the reports (tallied), the fusion
#: ticks and the tracks' confirmations and deletions (read by no KPI and no file but
#: ``events.jsonl``; `sim.metrics`, `sim.results`).
NOT_KEPT = frozenset((*REPLACED, FusionTick, TrackConfirmed, TrackDeleted))
_TALLIED = frozenset(TALLIED)


class Spool:
    """The streamed files of replication ``replication`` in ``folder`` (which exists).

    Use `log` for the event log and `fused_rows` as the node's sink, handed
    ``chunk_rows`` rows at a time; `close` when the run has ended (writes the log's
    last chunk and what was handed to `later`, closes the files). The files are
    complete only after `close`. Leaving the last chunks to `close` lets the caller
    start other work on the result first (the CLI's map painter, on the other core,
    `sim.experiment`), as it could when every file was formatted after the run.
    """

    def __init__(self, folder: str | Path, replication: int) -> None:
        self.folder = Path(folder)
        self.replication = int(replication)
        self._files: dict[str, IO[Any]] = {
            name: open(self.folder / name, "wb") if name in _BINARY  # noqa: SIM115
            else open(self.folder / name, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            for name in STREAMED}
        for name, f in self._files.items():
            f.write(_HEADERS[name].encode("ascii") if name in _BINARY else _HEADERS[name])
        self._log: StreamedLog | None = None
        self.chunk_rows = CHUNK_ROWS
        self._later: list[Callable[[], None]] = []

    def log(self, annotate: Callable[[Record], Record] | None = None) -> StreamedLog:
        """The replication's event log, writing to ``events.jsonl``."""
        spill = (tempfile.TemporaryFile(dir=self.folder),    # noqa: SIM115 - the tally's
                 tempfile.TemporaryFile(dir=self.folder))    # noqa: SIM115 - closed on GC
        self._log = StreamedLog(self._files["events.jsonl"], self.replication, annotate,
                                tally=ReportTally(spill))
        return self._log

    def fused_rows(self, t_s: np.ndarray, sensor: np.ndarray, z: np.ndarray,
                   R: np.ndarray, truth: np.ndarray, track: np.ndarray,
                   trk_t: np.ndarray, trk_id: np.ndarray, trk_x: np.ndarray) -> None:
        """Append fused reports to ``detections.csv`` and track rows to ``tracks.csv``
        (columns as `sim.rows.detection_rows` and `sim.rows.track_rows` take them)."""
        self._files["detections.csv"].write(
            detection_rows(t_s, sensor, z, R, truth, track, self.replication))
        self._files["tracks.csv"].write(
            track_rows_ascii(trk_t, trk_id, trk_x, self.replication))

    def later(self, write: Callable[[], None]) -> None:
        """Call ``write`` (it writes rows through `fused_rows`) in `close`."""
        self._later.append(write)

    def close(self, complete: bool = True) -> None:
        """Write what `later` was handed and the log's last chunk (unless not
        ``complete``: the run failed); close the files (also when writing fails)."""
        try:
            for write in self._later if complete else ():
                write()
            self._later.clear()
            if complete and self._log is not None:
                self._log.flush()
        finally:
            for f in self._files.values():
                f.close()


class StreamedLog(EventLog):
    """An `EventLog` that writes its records to ``out`` chunk by chunk and keeps only
    those some KPI or small file reads (``kept``); the reports go to ``tally`` (given,
    with its spill files, or a new in-memory one), whose delays are spilled at
    every chunk.

    ``records`` holds the chunk not yet written (at most ``chunk`` records, default
    `CHUNK_RECORDS`); read ``kept`` and ``tally`` after `settle` (the held records
    sorted, their text left to the next `flush`) or `flush`.
    """

    def __init__(self, out: IO[str], replication: int,
                 annotate: Callable[[Record], Record] | None = None,
                 chunk: int | None = None, tally: ReportTally | None = None) -> None:
        super().__init__(annotate)
        self.out = out
        self.extra: dict[str, object] = {"replication": replication}
        self.chunk = CHUNK_RECORDS if chunk is None else chunk
        self.kept: list[Record] = []
        self.tally = ReportTally() if tally is None else tally
        self._last_s = -np.inf
        self._settled = 0        # records[:_settled] are kept or tallied already

    def record(self, rec: Record) -> None:
        """Append one record; its time must not be before the last one's."""
        if rec.t_s < self._last_s:
            raise ValueError(f"record {rec!r} is earlier than the last one")
        self._last_s = rec.t_s
        if self.annotate is not None:
            rec = self.annotate(rec)
        self.records.append(rec)
        if len(self.records) >= self.chunk:
            self.flush()

    def settle(self) -> None:
        """Keep or tally each held record not yet seen (their text is not written)."""
        add, keep, tallied, dropped = self.tally.add, self.kept.append, _TALLIED, NOT_KEPT
        for rec in self.records[self._settled:]:
            kind = type(rec)
            if kind in tallied:
                add(rec)
            if kind not in dropped:
                keep(rec)
        self._settled = len(self.records)

    def flush(self) -> None:
        """Keep or tally the held records, write them, start a new chunk."""
        self.settle()
        self.tally.spill()
        if self.records:
            self.out.write(records_jsonl(self.records, self.extra))
        self.records = []
        self._settled = 0
