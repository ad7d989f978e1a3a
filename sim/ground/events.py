"""The event log: one typed record per event, the primary record of a replication.

Components never print and never keep private tallies that metrics depend on; they
append records to the `EventLog` they were given (constructor injection). Metrics,
``crossings.csv`` and ``events.jsonl`` are computed from the records afterwards by
pure functions (`sim.metrics`, `sim.results`).

Every record is a frozen dataclass with ``t_s`` (simulation time of the event, s)
first; its ``kind`` names it in files. Records are appended as the simulation
clock reaches them, so the log is in time order; at equal times, in the order SimPy
processed the events (FIFO, deterministic).
"""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass, fields
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Record:
    """Base of every record: the time of the event, s."""

    kind: ClassVar[str] = "record"
    t_s: float


@dataclass(frozen=True, slots=True)
class CrossingStarted(Record):
    """A group crosses the border at its entry point (``t_s``)."""

    kind: ClassVar[str] = "crossing"
    group: int
    size: int
    speed_mps: float
    entry_x: float
    entry_y: float
    dest_x: float
    dest_y: float
    end_s: float  # when the group would reach its destination, s
    informed: bool


@dataclass(frozen=True, slots=True)
class CrossingEnded(Record):
    """A group reached its destination (``got_away`` if it was detected, else unseen)."""

    kind: ClassVar[str] = "arrived"
    group: int


@dataclass(frozen=True, slots=True)
class ReportReceived(Record):
    """A report reached the local node (``t_s`` = arrival; ``meas_s`` = measurement)."""

    kind: ClassVar[str] = "report"
    sensor: str
    meas_s: float
    truth: int
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class ReportLost(Record):
    """A report lost on its link (``t_s`` = measurement time); it never arrives."""

    kind: ClassVar[str] = "report_lost"
    sensor: str
    truth: int


@dataclass(frozen=True, slots=True)
class ReportOutOfSequence(Record):
    """A report that arrived after a later measurement time was fused: discarded."""

    kind: ClassVar[str] = "out_of_sequence"
    sensor: str
    meas_s: float
    truth: int


@dataclass(frozen=True, slots=True)
class FusionTick(Record):
    """The local node fused ``reports`` reports in ``batches`` batches at a tick."""

    kind: ClassVar[str] = "fusion"
    node: str
    reports: int
    batches: int
    tracks: int
    confirmed: int


@dataclass(frozen=True, slots=True)
class TrackConfirmed(Record):
    """A track became confirmed; ``truth`` is the majority truth of its reports."""

    kind: ClassVar[str] = "track_confirmed"
    track: int
    truth: int
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class TrackDeleted(Record):
    kind: ClassVar[str] = "track_deleted"
    track: int


@dataclass(frozen=True, slots=True)
class AlertRaised(Record):
    """An alert rule fired for a confirmed track."""

    kind: ClassVar[str] = "alert"
    alert: int
    track: int
    priority: int
    truth: int
    reports: int
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class AlertVerified(Record):
    """An operator finished verifying an alert (``t_s``), begun at ``start_s``."""

    kind: ClassVar[str] = "verified"
    alert: int
    operator_start_s: float
    confirmed: bool
    truth: int


@dataclass(frozen=True, slots=True)
class Dispatched(Record):
    """A reaction team sent towards a verified alert's predicted position."""

    kind: ClassVar[str] = "dispatch"
    alert: int
    team: str
    group: int
    target_x: float
    target_y: float
    leave_s: float
    meet_s: float | None  # None: the group reaches its destination first
    busy_until_s: float


@dataclass(frozen=True, slots=True)
class DispatchSkipped(Record):
    """A verified alert not acted on: its group is already handled, or its track lost."""

    kind: ClassVar[str] = "dispatch_skipped"
    alert: int
    reason: str


@dataclass(frozen=True, slots=True)
class Intercepted(Record):
    kind: ClassVar[str] = "intercept"
    group: int
    team: str
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class TeamBack(Record):
    kind: ClassVar[str] = "team_back"
    team: str


@dataclass(frozen=True, slots=True)
class UpReport(Record):
    """A message received by a higher command layer (regional or national)."""

    kind: ClassVar[str] = "up_report"
    node: str
    subject: str
    alerts: int
    intercepts: int


class EventLog:
    """An append-only list of records, in time order.

    Examples
    --------
    >>> log = EventLog()
    >>> log.record(TrackDeleted(12.5, 3))
    >>> log.to_jsonl()
    '{"t_s":12.500000,"kind":"track_deleted","track":3}\\n'
    """

    def __init__(self) -> None:
        self.records: list[Record] = []

    def record(self, rec: Record) -> None:
        """Append one record; its time must not be before the last one's."""
        if self.records and rec.t_s < self.records[-1].t_s:
            raise ValueError(f"record {rec!r} is earlier than the last one")
        self.records.append(rec)

    def of(self, cls: type[Record]) -> list[Record]:
        return [r for r in self.records if type(r) is cls]

    def to_jsonl(self) -> str:
        return "".join(record_json(r) + "\n" for r in self.records)


def _fmt(value: object) -> str:
    # Fixed float format so the same run gives the same bytes on every platform.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "null"
        return f"{value:.6f}"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return _fmt(float(value))
    return json.dumps(value)


def record_json(rec: Record, extra: dict[str, object] | None = None) -> str:
    """One record as a JSON object: ``t_s``, ``kind``, then fields in declared order."""
    parts = [f'"t_s":{_fmt(float(rec.t_s))}', f'"kind":"{rec.kind}"']
    for key, value in (extra or {}).items():
        parts.append(f'"{key}":{_fmt(value)}')
    for f in fields(rec):
        if f.name != "t_s":
            parts.append(f'"{f.name}":{_fmt(getattr(rec, f.name))}')
    return "{" + ",".join(parts) + "}"
