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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import ClassVar, TypeVar


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
    group_type: str = "group"  # or migrants, smugglers, decoys (crossings.types)


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
class SensorHealth(Record):
    """A sensor's health report reached the command (``t_s`` = arrival): ``up`` False
    when a failure has been noticed (a missed heartbeat), True when it is repaired."""

    kind: ClassVar[str] = "sensor_health"
    sensor: str
    up: bool


#: ``truth`` of a record written by the command layer before the scorer fills it in.
UNKNOWN_TRUTH = -2


@dataclass(frozen=True, slots=True)
class TurnedBack(Record):
    """A group walked back across the border (an outcome; ``t_s`` = on the line)."""

    kind: ClassVar[str] = "turned_back"
    group: int


@dataclass(frozen=True, slots=True)
class GroupReacted(Record):
    """A group saw a patrol or team (``observer``) and reacted: hide, turn_back, run,
    or none (walks on)."""

    kind: ClassVar[str] = "group_reacted"
    group: int
    observer: str
    reaction: str
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Sighting(Record):
    """A patrol or team saw a group with its own eyes (the world's record)."""

    kind: ClassVar[str] = "sighting"
    observer: str
    group: int
    persons: int
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Chase(Record):
    """A patrol or team runs after a group in sight; ``meet_s`` None: it gets away."""

    kind: ClassVar[str] = "chase"
    observer: str
    group: int
    meet_s: float | None


@dataclass(frozen=True, slots=True)
class Apprehended(Record):
    """``persons`` of a group apprehended by a patrol or team at (x, y)."""

    kind: ClassVar[str] = "apprehended"
    group: int
    by: str
    persons: int
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class ReportOutOfSequence(Record):
    """A report that arrived after a later measurement time was fused: discarded."""

    kind: ClassVar[str] = "out_of_sequence"
    sensor: str
    meas_s: float
    report: int
    truth: int = UNKNOWN_TRUTH


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
    """A track became confirmed; ``truth`` (filled by the scorer) is the majority truth
    of its reports."""

    kind: ClassVar[str] = "track_confirmed"
    track: int
    x: float
    y: float
    truth: int = UNKNOWN_TRUTH


@dataclass(frozen=True, slots=True)
class TrackDeleted(Record):
    kind: ClassVar[str] = "track_deleted"
    track: int


@dataclass(frozen=True, slots=True)
class AlertRaised(Record):
    """An alert rule fired for a track; ``source`` names a patrol that saw the group
    itself (a verified alert), else ''."""

    kind: ClassVar[str] = "alert"
    alert: int
    track: int
    priority: int
    reports: int
    x: float
    y: float
    p_person: float
    p_animal: float
    source: str
    truth: int = UNKNOWN_TRUTH


@dataclass(frozen=True, slots=True)
class AlertVerified(Record):
    """An operator decided on an alert (``t_s``), begun at ``operator_start_s``.

    ``decision``: confirmed (persons seen), check (send a team to look), rejected
    (the camera saw nothing), dismissed (no camera; the class says animal);
    ``camera`` the camera used ('' none); ``persons`` how many the operator saw.
    """

    kind: ClassVar[str] = "verified"
    alert: int
    operator_start_s: float
    camera: str
    decision: str
    persons: int
    truth: int = UNKNOWN_TRUTH


@dataclass(frozen=True, slots=True)
class TeamTasked(Record):
    """A reaction team sent after an alert: ``task`` intercept (persons confirmed) or
    check (look whether anyone is there)."""

    kind: ClassVar[str] = "team_tasked"
    alert: int
    team: str
    task: str
    target_x: float
    target_y: float
    leave_s: float
    truth: int = UNKNOWN_TRUTH


@dataclass(frozen=True, slots=True)
class TeamOnScene(Record):
    """A team reached its planned point (or saw its group first) and starts searching."""

    kind: ClassVar[str] = "team_on_scene"
    alert: int
    team: str
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class DispatchSkipped(Record):
    """A decided alert not acted on: its track already has a team, or nobody to send."""

    kind: ClassVar[str] = "dispatch_skipped"
    alert: int
    reason: str


@dataclass(frozen=True, slots=True)
class TeamReturning(Record):
    """A team heads back to base: ``reason`` apprehended, lost, searched, given_up."""

    kind: ClassVar[str] = "team_returning"
    team: str
    alert: int
    reason: str


@dataclass(frozen=True, slots=True)
class TeamBack(Record):
    """A team is back at base and free."""

    kind: ClassVar[str] = "team_back"
    team: str


@dataclass(frozen=True, slots=True)
class PictureUpdate(Record):
    """A typed message reached a command layer's picture (`command.layers`).

    ``layer`` local unit (its section id), ``region-1`` or ``ncc``; ``message``
    incident, apprehension; ``incident`` id (the alert's id, or -1); ``first_report_s``
    the measurement time of the first report fused into the incident's track (the
    command's own log; NaN if none), so ``t_s - first_report_s`` is the picture's
    latency.
    """

    kind: ClassVar[str] = "picture"
    layer: str
    message: str
    incident: int
    section: str
    decision: str
    impact: str
    persons: int
    first_report_s: float
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class SectionImpact(Record):
    """A layer learned a section's impact level (``reason``: scenario, incidents)."""

    kind: ClassVar[str] = "section_impact"
    layer: str
    section: str
    level: str
    reason: str


@dataclass(frozen=True, slots=True)
class AlertEscalated(Record):
    """A local unit's reaction rule sent a team to check an alert the operator
    rejected (its section's lower alert threshold)."""

    kind: ClassVar[str] = "alert_escalated"
    alert: int
    section: str
    level: str


@dataclass(frozen=True, slots=True)
class ReserveTasked(Record):
    """The regional centre sent a reserve team after an incident."""

    kind: ClassVar[str] = "reserve_tasked"
    team: str
    alert: int
    section: str


@dataclass(frozen=True, slots=True)
class UAVTasked(Record):
    """The regional centre answered a local unit's request for a UAV: ``uav`` the one
    it sent ('' none could fly) and when it will be over the alert (NaN: none)."""

    kind: ClassVar[str] = "uav_tasked"
    layer: str
    alert: int
    section: str
    uav: str
    overhead_s: float


@dataclass(frozen=True, slots=True)
class LinkSummary(Record):
    """What one link carried over the run (written at the run's end, ``t_s``).

    ``link`` its id (a source's, a relay's, ``regional-<section>``, ``national``);
    ``link_kind`` its type; counts of messages (``reports`` reports), ``bytes``
    offered, ``busy_s`` transmitting, ``down_s`` down, ``max_queue`` the most
    messages queued at once.
    """

    kind: ClassVar[str] = "link_summary"
    link: str
    link_kind: str
    sent: int
    reports: int
    delivered: int
    lost: int
    dropped: int
    held: int
    bytes: float
    busy_s: float
    down_s: float
    max_queue: int


@dataclass(frozen=True, slots=True)
class NodeSummary(Record):
    """The local node's intake over the run: reports overtaken on their way (they
    arrived after one measured later) and, of those, the ones discarded as out of
    sequence; the rest were fused late."""

    kind: ClassVar[str] = "node_summary"
    node: str
    lag_s: float
    overtaken: int
    overtaken_discarded: int


@dataclass(frozen=True, slots=True)
class InjectRecord(Record):
    """Base of the records of injects (the exercise script, `sim.injects`): ``name``
    is the inject's label. Exercise control, not something the command was told."""

    kind: ClassVar[str] = "inject"
    name: str


@dataclass(frozen=True, slots=True)
class SensorFailed(InjectRecord):
    """Inject: ``sensor`` stops working (it makes no report until repaired)."""

    kind: ClassVar[str] = "inject_sensor_fail"
    sensor: str


@dataclass(frozen=True, slots=True)
class SensorRepaired(InjectRecord):
    """Inject: ``sensor`` works again."""

    kind: ClassVar[str] = "inject_sensor_repair"
    sensor: str


@dataclass(frozen=True, slots=True)
class ScriptedCrossing(InjectRecord):
    """Inject: a scripted group (``decoy``: one meant to draw the team) crosses now as
    crossing ``group`` (the truth id of its `CrossingStarted`)."""

    kind: ClassVar[str] = "inject_group"
    group: int
    size: int
    decoy: bool


@dataclass(frozen=True, slots=True)
class TeamUnavailable(InjectRecord):
    """Inject: ``team`` is called away: no new task until it is available again."""

    kind: ClassVar[str] = "inject_team_unavailable"
    team: str


@dataclass(frozen=True, slots=True)
class TeamAvailable(InjectRecord):
    """Inject: ``team`` can be tasked again."""

    kind: ClassVar[str] = "inject_team_available"
    team: str


@dataclass(frozen=True, slots=True)
class OperatorShift(InjectRecord):
    """Inject: the operators' shift changes to ``on_duty`` operators."""

    kind: ClassVar[str] = "inject_operators"
    on_duty: int


@dataclass(frozen=True, slots=True)
class LinkDown(InjectRecord):
    """Inject: the link of source ``link`` goes down (messages wait until it is up)."""

    kind: ClassVar[str] = "inject_link_down"
    link: str


@dataclass(frozen=True, slots=True)
class LinkUp(InjectRecord):
    """Inject: the link of source ``link`` is up again."""

    kind: ClassVar[str] = "inject_link_up"
    link: str


@dataclass(frozen=True, slots=True)
class WeatherChanged(InjectRecord):
    """Inject: the weather turns to ``state`` (visibility ``visibility_m``, m; inf:
    unlimited) until the next weather inject."""

    kind: ClassVar[str] = "inject_weather"
    state: str
    visibility_m: float


@dataclass(frozen=True, slots=True)
class SectionImpactSet(InjectRecord):
    """Inject: the NCC sets ``section``'s impact level to ``level``."""

    kind: ClassVar[str] = "inject_section_impact"
    section: str
    level: str


@dataclass(frozen=True, slots=True)
class SensorStatus(Record):
    """The command learned that ``sensor`` went ``offline`` (its heartbeat stopped) or
    is ``online`` again."""

    kind: ClassVar[str] = "sensor_status"
    sensor: str
    status: str


@dataclass(frozen=True, slots=True)
class OperatorsOnDuty(Record):
    """The number of operators at the console changed (a shift change took effect:
    one who leaves first finishes the alert in hand)."""

    kind: ClassVar[str] = "operators_on_duty"
    on_duty: int


R = TypeVar("R", bound=Record)


def record_maker(cls: type[R]) -> Callable[..., R]:
    """A constructor of record class ``cls`` taking every field positionally, in
    declared order (``t_s`` first): the same record as ``cls(...)`` at about half the
    cost. A frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``; this sets the slots through their descriptors. Meant for
    the records made once per report or per fusion tick; no defaults are filled in.
    """
    names = [f.name for f in fields(cls)]
    setters = {f"set{k}": getattr(cls, name).__set__ for k, name in enumerate(names)}
    body = "".join(f"    set{k}(rec, {name})\n" for k, name in enumerate(names))
    source = f"def make({', '.join(names)}):\n    rec = new(cls)\n{body}    return rec\n"
    namespace: dict[str, object] = {"new": object.__new__, "cls": cls, **setters}
    exec(compile(source, f"<record_maker {cls.__name__}>", "exec"), namespace)  # noqa: S102
    return namespace["make"]  # type: ignore[return-value]


class EventLog:
    """An append-only list of records, in time order.

    ``annotate`` (optional) sees every record as it is appended and may return a
    completed copy: the engine's scorer fills in the ``truth`` of records the command
    layer wrote without knowing it (`UNKNOWN_TRUTH`).

    Examples
    --------
    >>> log = EventLog()
    >>> log.record(TrackDeleted(12.5, 3))
    >>> log.to_jsonl()
    '{"t_s":12.500000,"kind":"track_deleted","track":3}\\n'
    """

    def __init__(self, annotate: Callable[[Record], Record] | None = None) -> None:
        self.records: list[Record] = []
        self.annotate = annotate

    def record(self, rec: Record) -> None:
        """Append one record; its time must not be before the last one's."""
        if self.records and rec.t_s < self.records[-1].t_s:
            raise ValueError(f"record {rec!r} is earlier than the last one")
        if self.annotate is not None:
            rec = self.annotate(rec)
        self.records.append(rec)

    def of(self, cls: type[Record]) -> list[Record]:
        return [r for r in self.records if type(r) is cls]

    def to_jsonl(self) -> str:
        return "".join(record_json(r) + "\n" for r in self.records)


def _fmt(value: object) -> str:
    # Fixed float format so the same run gives the same bytes on every platform.
    kind = type(value)
    if kind is float:
        return f"{value:.6f}" if math.isfinite(value) else "null"  # type: ignore[arg-type]
    if kind is int:
        return str(value)
    if kind is str:
        return json.dumps(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _fmt(float(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return _fmt(float(value))
    return json.dumps(value)


#: Per record class: a function (record, the extra members already as JSON text) → the
#: record's JSON line, made once per class (at 10⁵ records per run, looking up fields
#: and formatting through a generic loop cost as much as the rest of writing).
_WRITERS: dict[type, Callable[[Record, str], str]] = {}


def _writer(cls: type[Record]) -> Callable[[Record, str], str]:
    """The JSON writer of record class ``cls``: ``t_s``, ``kind``, the extra members,
    then the fields in declared order, each value as `_fmt` writes it.

    A value of exactly the type its field declares (float, int, str) is written inline,
    as `_fmt` would (a finite float to 6 decimals, else null; a string through a cache
    of `_fmt`'s output); any other value goes through `_fmt` itself.
    """
    body, parts = [], []
    for k, f in enumerate(x for x in fields(cls) if x.name != "t_s"):
        body.append(f"    v{k} = rec.{f.name}")
        if f.type == "float":
            body.append(f"    s{k} = f'{{v{k}:.6f}}' if type(v{k}) is float and "
                        f"v{k} - v{k} == 0.0 else fmt(v{k})")
        elif f.type == "int":
            body.append(f"    s{k} = str(v{k}) if type(v{k}) is int else fmt(v{k})")
        elif f.type == "str":
            body.append(f"    s{k} = (strings.get(v{k}) if type(v{k}) is str else None) "
                        f"or text(v{k})")
        else:
            body.append(f"    s{k} = fmt(v{k})")
        parts.append(f"',\"{f.name}\":' + s{k}")
    members = "".join(f" + {p}" for p in parts)
    source = "\n".join([
        "def write(rec, extra):",
        *body,
        f"    return '{{\"t_s\":' + fmt(float(rec.t_s)) + ',\"kind\":\"{cls.kind}\"'"
        f" + extra{members} + '}}'", ""])
    namespace: dict[str, object] = {"fmt": _fmt, "strings": _STRINGS, "text": _string_json}
    exec(compile(source, f"<record_json {cls.__name__}>", "exec"), namespace)  # noqa: S102
    return namespace["write"]  # type: ignore[return-value]


#: JSON text of the strings records carry (sensor, team and node ids: a few dozen).
_STRINGS: dict[object, str] = {}


def _string_json(value: object) -> str:
    """`_fmt` of a value, remembered when it is a string (ids repeat 10⁵ times a run)."""
    text = _fmt(value)
    if type(value) is str and len(_STRINGS) < 100_000:
        _STRINGS[value] = text
    return text


def record_json(rec: Record, extra: dict[str, object] | None = None) -> str:
    """One record as a JSON object: ``t_s``, ``kind``, then ``extra``'s members, then
    the fields in declared order."""
    write = _WRITERS.get(type(rec))
    if write is None:
        write = _WRITERS[type(rec)] = _writer(type(rec))
    return write(rec, extra_json(extra))


def extra_json(extra: dict[str, object] | None) -> str:
    """Members to add to records' JSON objects, as the text `record_json` inserts."""
    return "".join(f',"{key}":{_fmt(value)}' for key, value in extra.items()) if extra else ""


def records_jsonl(records: Iterable[Record], extra: dict[str, object] | None = None) -> str:
    """Records as JSON lines, each with ``extra``'s members (`record_json`).

    The records are written class by class, a field at a time (`_class_lines`), then
    put back in their order (by the C port, ``_cground.join_lines``, where it is
    built): formatting a field's column at once leaves less to the interpreter than a
    generated writer per record (~15 % less time on a run's ~60 000 records in one
    ``%`` format per record; in C, a ``scale_year`` day's 84 000 records take a third
    of the time they took in ``%`` formats).
    """
    from sim.ground import prebuilt

    tail = extra_json(extra)
    records = records if isinstance(records, list) else list(records)
    by_class: dict[type, list[Record]] = {}
    for rec in records:
        members = by_class.get(type(rec))
        if members is None:
            by_class[type(rec)] = [rec]
        else:
            members.append(rec)
    if not records:
        return ""
    lines = {cls: _class_lines(cls, members, tail) for cls, members in by_class.items()}
    kernels = prebuilt.load()
    text = kernels.join_lines(records, lines) if kernels is not None else None
    return _join_lines(records, lines) if text is None else text


def _join_lines(records: list[Record], lines: dict[type, list[str]]) -> str:
    """The line of each of ``records`` (the next one of its class in ``lines``), each
    followed by a newline: `records_jsonl`'s reference of ``_cground.join_lines``."""
    taken = {cls: iter(members) for cls, members in lines.items()}
    return "\n".join(map(next, map(taken.__getitem__, map(type, records)))) + "\n"


def _class_lines(cls: type[Record], records: list[Record], tail: str) -> list[str]:
    """`record_json` of each of ``records`` (all of class ``cls``; ``tail`` the extra
    members as JSON text).

    The C port (``_cground.record_lines``, `sim.ground.prebuilt`; ~4 times faster,
    as ``%.6f`` is most of the cost) reads the fields from their slots and writes the
    characters `_class_lines_py` writes; where the port is not built, a field's type
    is not float, int or str, or a value is not for it (not of its field's exact type,
    a float not finite, an int beyond 64 bits, a string JSON escapes),
    `_class_lines_py` writes them.
    """
    from sim.ground import prebuilt

    kernels = prebuilt.load()
    names, declared = _layout(cls)
    kinds = "".join(_KINDS.get(kind, "?") for kind in declared)
    if kernels is not None and "?" not in kinds:
        slots = tuple(getattr(cls, name, None) for name in names)   # None: no slot
        lines = kernels.record_lines(_parts(cls, names, tail), records, slots, kinds)
        if lines is not None:
            return lines
    return _class_lines_py(cls, records, tail)


#: The C port's letter of each field type it writes (`_class_lines`).
_KINDS = {"float": "f", "int": "d", "str": "s"}


def _layout(cls: type[Record]) -> tuple[list[str], list[str]]:
    """The field names of ``cls`` as records write them (``t_s`` first) and their
    declared types."""
    names = ["t_s", *(f.name for f in fields(cls) if f.name != "t_s")]
    declared = ["float", *(str(f.type) for f in fields(cls) if f.name != "t_s")]
    return names, declared


def _parts(cls: type[Record], names: list[str], tail: str) -> tuple[str, ...]:
    """The text of a line of ``cls`` around its values: before ``t_s``, after it
    (the kind, ``tail`` and the next field's name), …, after the last value."""
    after = [*(f',"{name}":' for name in names[1:]), "}"]
    after[0] = f',"kind":"{cls.kind}"{tail}{after[0]}'
    return ('{"t_s":', *after)


def _class_lines_py(cls: type[Record], records: list[Record], tail: str) -> list[str]:
    """`_class_lines` in Python (the reference).

    Where every value of a field is of exactly the type the field declares (float and
    finite, int, str), the field is written as a column in one ``%`` format with the
    generated writer's characters (``%.6f`` is ``f'{v:.6f}'``, ``%d`` of an int its
    ``str``, a string its cached JSON text); if any field's values are not, the class
    goes through the writer, record by record.
    """
    names, declared = _layout(cls)
    cols, specs = [], []
    for name, kind in zip(names, declared, strict=True):
        col = list(map(attrgetter(name), records))
        spec = _column_spec(col, kind)
        if spec is None:
            write = _WRITERS.get(cls)
            if write is None:
                write = _WRITERS[cls] = _writer(cls)
            return [write(rec, tail) for rec in records]
        if kind == "str":                     # strings: their JSON text, once each
            text = {v: _STRINGS.get(v) or _string_json(v) for v in set(col)}
            col = list(map(text.__getitem__, col))
        cols.append(col)
        specs.append(spec)
    parts = _parts(cls, names, tail)
    line = parts[0] + "".join(spec + part.replace("%", "%%")
                              for spec, part in zip(specs, parts[1:], strict=True))
    return list(map(line.__mod__, zip(*cols, strict=True)))


def _column_spec(col: list[object], declared: str) -> str | None:
    """The ``%`` conversion that writes every value of ``col`` as the generated writer
    does for a field declared ``declared``; None if there is none."""
    kinds = set(map(type, col))
    if declared == "float" and kinds == {float} and math.isfinite(sum(col)):  # type: ignore[arg-type]
        return "%.6f"         # a finite sum: no inf, no NaN among the values
    if declared == "int" and kinds == {int}:
        return "%d"
    if declared == "str" and kinds == {str}:
        return "%s"
    return None
