"""Command layers: sections with their local units, the regional centre, the NCC.

EU integrated border management runs surveillance from three levels (DOMAIN.md
§1.3–1.4): the **local unit** of each border section, the **regional centre** over
the sections, the **national coordination centre** (NCC) keeping the national
situational picture's events layer. Each layer keeps its own picture from the typed
messages that reach it — nothing else: a message travels over a link between the
layers (the engine wires the links, `sim.comms`), so the regional and national
pictures are late by their links and miss what their links lost.

Messages (typed, `IncidentReport`, `Apprehension`, `SectionLevel`)
    - A local unit reports every alert decided *confirmed* or *check* (an incident)
      to the regional centre, with the measurement time of the first report fused
      into its track (from the node's own log), and every apprehension by its teams
      as a follow-up of the incident the team was sent to (-1: a patrol's).
    - The regional centre forwards both to the NCC.
    - The NCC sends a section's new impact level down to the regional centre, which
      forwards it to the section's local unit.

Incident impact (NCC) [G] after Reg. 1052/2013 Art. 9(4): *high* when persons seen
apprehended reach ``high_persons``; *medium* for an alert confirmed by a camera or a
patrol; *low* for an alert sent to check. Follow-ups can raise it.

Section impact (NCC) [G] after Reg. 2019/1896 Arts 34–35: each section starts at its
scenario level; with ``raise_after`` set, when that many incidents of medium impact or more from a
section reached the NCC within ``raise_window_s``, the NCC raises the section one
level, at most to *high* (critical is set in the scenario only: it needs Frontex).
Levels are never lowered within a run.

Reaction rules by a section's level as its layer knows it (``layers.rules``):
    - **lower alert threshold** (``check_unseen_above``): the local unit sends a team
      to check an alert its operator rejected (the camera saw nothing) when the fused
      P(person or vehicle) reaches the section's lower threshold;
    - **reinforced response** (``reserve``): the regional centre sends a free reserve
      team after each incident from the section, beside the local team;
    - **more patrols**: a patrol with ``min_impact`` goes on a shift only when its
      section is at least at that level when the shift starts (the engine asks).

Simplification [G]: the sections share the segment's one fusion node and operator
room (the post); a local unit is the section's share of it: its own picture, its
section's level and rules, its own link to the regional centre. UAV tasking is not
modelled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
import simpy

from sim.ground.events import (
    AlertEscalated,
    EventLog,
    PictureUpdate,
    ReserveTasked,
    SectionImpact,
    UAVTasked,
)
from sim.ground.specs import IMPACT_LEVELS, LayersSpec, ReactionRuleSpec, SectionSpec

REGION = "region-1"
NCC = "ncc"

#: The level up to which the NCC raises a section on its own (critical needs Frontex).
_RAISE_CAP = IMPACT_LEVELS.index("high")
#: The rule of a level the scenario gives none (a spec is frozen: one serves all).
_NO_RULE = ReactionRuleSpec()


@dataclass(frozen=True, slots=True)
class IncidentReport:
    """An incident (a decided alert) or its follow-up, as a layer sends it up.

    ``incident`` the alert's id; ``decision`` confirmed or check; ``persons`` seen
    apprehended so far; ``first_report_s`` when its track's first report was
    measured (NaN: unknown); ``x_m, y_m`` its position then.
    """

    incident: int
    section: str
    decision: str
    persons: int
    first_report_s: float
    x_m: float
    y_m: float
    message: str = "incident"


@dataclass(frozen=True, slots=True)
class SectionLevel:
    """A section's impact level, sent down by the NCC."""

    section: str
    level: str


@dataclass(frozen=True, slots=True)
class UAVRequest:
    """A local unit asks the regional centre for a UAV over an alert at ``x_m, y_m``."""

    alert: int
    section: str
    x_m: float
    y_m: float


@dataclass(frozen=True, slots=True)
class UAVOrder:
    """The regional centre's answer: ``uav`` the source index sent (-1: none could fly),
    ``overhead_s`` when it will be over the alert."""

    alert: int
    uav: int
    overhead_s: float


Message = IncidentReport | SectionLevel | UAVRequest | UAVOrder
Send = Callable[[Message], None]


class Sections:
    """The segment's sections by arc length along the border (module docstring).

    ``sections`` empty: one section ``section-1``, the whole border.
    """

    def __init__(self, border: Sequence[tuple[float, float]],
                 sections: Sequence[SectionSpec]) -> None:
        self.line = shapely.LineString(border)
        self.specs = list(sections) or [SectionSpec(id="section-1", from_m=0.0,
                                                    to_m=max(self.line.length, 1e-9))]
        self.ids = [s.id for s in self.specs]
        self._from = np.array([s.from_m for s in self.specs])
        self._to = np.array([s.to_m for s in self.specs])

    def of(self, x_m: float, y_m: float) -> str:
        """The section whose stretch of border is nearest the point, by the arc length
        ``s`` of its projection on the border: the one whose ``[from_m, to_m)`` holds
        ``s``, else (``s`` in a gap between sections, or beyond the first or the last)
        the one whose stretch is nearest ``s``, the earlier of two as near. Sections
        are in order and do not overlap (`sim.ground.specs.Scenario`)."""
        if len(self.ids) == 1:              # one section: nearest whatever the point
            return self.ids[0]
        s = float(self.line.project(shapely.Point(x_m, y_m)))
        gap = np.maximum(self._from - s, 0.0) + np.maximum(s - self._to, 0.0)
        inside = np.flatnonzero((self._from <= s) & (s < self._to))
        return self.ids[int(inside[0]) if len(inside) else int(np.argmin(gap))]


class _Layer:
    """What every layer keeps: its picture, the section levels it knows, its log."""

    def __init__(self, env: simpy.Environment, layer_id: str, spec: LayersSpec,
                 levels: Mapping[str, str], log: EventLog) -> None:
        self.env, self.id, self.spec, self.log = env, layer_id, spec, log
        self.levels: dict[str, str] = dict(levels)
        self.picture: dict[int, IncidentReport] = {}

    def rules(self, section: str) -> ReactionRuleSpec:
        return self.spec.rules.get(self.levels.get(section, "low"),  # type: ignore[call-overload]
                                   _NO_RULE)

    def _note(self, msg: IncidentReport, impact: str = "") -> None:
        self.picture[msg.incident] = msg
        self.log.record(PictureUpdate(self.env.now, self.id, msg.message, msg.incident,
                                      msg.section, msg.decision, impact, msg.persons,
                                      msg.first_report_s, msg.x_m, msg.y_m))

    def _level(self, msg: SectionLevel, reason: str) -> None:
        self.levels[msg.section] = msg.level
        self.log.record(SectionImpact(self.env.now, self.id, msg.section, msg.level, reason))


class LocalUnit(_Layer):
    """A section's local unit: its picture, its level's rule, its link up.

    ``up`` sends a message to the regional centre (over the unit's link).
    """

    def __init__(self, env: simpy.Environment, section: SectionSpec, spec: LayersSpec,
                 log: EventLog, up: Send) -> None:
        super().__init__(env, section.id, spec, {section.id: section.impact}, log)
        self.section, self.up = section.id, up
        self._persons: dict[int, int] = {}
        self._uav_wait: dict[int, simpy.Event] = {}

    def request_uav(self, alert_id: int, xy: Sequence[float] | np.ndarray) -> simpy.Event:
        """Ask the regional centre for a UAV over ``xy``; the event's value is its
        `UAVOrder` when the answer has come back down."""
        answer = self.env.event()
        self._uav_wait[alert_id] = answer
        self.up(UAVRequest(alert_id, self.section, float(xy[0]), float(xy[1])))
        return answer

    def decide(self, alert_id: int, decision: str, p_threat: float) -> str:
        """The decision after the section's rule (a lower alert threshold)."""
        rule = self.rules(self.section)
        if (decision == "rejected" and rule.check_unseen_above is not None
                and p_threat >= rule.check_unseen_above):
            self.log.record(AlertEscalated(self.env.now, alert_id, self.section,
                                           self.levels[self.section]))
            return "check"
        return decision

    def incident(self, alert_id: int, decision: str, first_report_s: float, x_m: float,
                 y_m: float) -> None:
        """An alert of this section was decided confirmed or check: report it up."""
        msg = IncidentReport(alert_id, self.section, decision, 0, first_report_s, x_m, y_m)
        self._note(msg)
        self.up(msg)

    def apprehension(self, alert_id: int, persons: int, x_m: float, y_m: float) -> None:
        """Persons apprehended on the incident ``alert_id`` (-1: none known)."""
        known = self.picture.get(alert_id)
        total = self._persons.get(alert_id, 0) + persons
        self._persons[alert_id] = total
        msg = IncidentReport(alert_id, self.section,
                             known.decision if known else "confirmed", total,
                             known.first_report_s if known else float("nan"), x_m, y_m,
                             "apprehension")
        self._note(msg)
        self.up(msg)

    def receive(self, msg: Message) -> None:
        if isinstance(msg, SectionLevel):
            self._level(msg, "ncc")
        elif isinstance(msg, UAVOrder):
            waiting = self._uav_wait.pop(msg.alert, None)
            if waiting is not None:
                waiting.succeed(msg)


class RegionalCentre(_Layer):
    """The regional centre: its picture, reserve teams, forwarding both ways.

    ``up`` sends to the NCC; ``down[section]`` to that section's local unit;
    ``reserve(alert_id, decision)`` tasks a free reserve team and returns its id
    ('' when none is free); ``task_uav(x_m, y_m)`` sends the first alert-mode UAV that
    can fly and returns (its source index, its id, when it will be overhead), or None.
    """

    def __init__(self, env: simpy.Environment, spec: LayersSpec, levels: Mapping[str, str],
                 log: EventLog, up: Send, down: dict[str, Send],
                 reserve: Callable[[int, str], str]) -> None:
        super().__init__(env, REGION, spec, levels, log)
        self.up, self.down, self.reserve = up, down, reserve
        self.task_uav: Callable[[float, float], tuple[int, str, float] | None] = \
            lambda x_m, y_m: None

    def receive(self, msg: Message) -> None:
        if isinstance(msg, SectionLevel):
            self._level(msg, "ncc")
            self.down[msg.section](msg)
            return
        if isinstance(msg, UAVRequest):
            sent = self.task_uav(msg.x_m, msg.y_m)
            index, name, over = sent if sent is not None else (-1, "", float("nan"))
            self.log.record(UAVTasked(self.env.now, self.id, msg.alert, msg.section, name,
                                      over))
            self.down[msg.section](UAVOrder(msg.alert, index, over))
            return
        if isinstance(msg, UAVOrder):
            return
        self._note(msg)
        if msg.message == "incident" and self.rules(msg.section).reserve:
            team = self.reserve(msg.incident, msg.decision)
            if team:
                self.log.record(ReserveTasked(self.env.now, team, msg.incident, msg.section))
        self.up(msg)


class NationalCentre(_Layer):
    """The NCC: the events layer, incident and section impact levels.

    ``down`` sends to the regional centre.
    """

    def __init__(self, env: simpy.Environment, spec: LayersSpec, levels: Mapping[str, str],
                 log: EventLog, down: Send) -> None:
        super().__init__(env, NCC, spec, levels, log)
        self.down = down
        self.impact: dict[int, str] = {}
        self._counted: dict[str, list[float]] = {s: [] for s in levels}

    def incident_impact(self, msg: IncidentReport) -> str:
        """Impact level of an incident from what the NCC knows (module docstring)."""
        if msg.persons >= self.spec.high_persons:
            return "high"
        return "medium" if msg.decision == "confirmed" else "low"

    def receive(self, msg: Message) -> None:
        if not isinstance(msg, IncidentReport):
            return
        before = self.impact.get(msg.incident, "low")
        impact = self.incident_impact(msg)
        if IMPACT_LEVELS.index(impact) < IMPACT_LEVELS.index(before):
            impact = before                      # a follow-up never lowers it
        self.impact[msg.incident] = impact
        self._note(msg, impact)
        if impact != "low" and (msg.incident < 0 or before == "low"):
            self._count(msg.section)

    def set_level(self, section: str, level: str, reason: str = "inject") -> None:
        """Set ``section``'s level now (an exercise inject) and send it down, as a
        raise by incidents is; the count towards the next raise starts afresh."""
        new = SectionLevel(section, level)
        self._level(new, reason)
        self._counted[section] = []
        self.down(new)

    def _count(self, section: str) -> None:
        now = self.env.now
        times = [t for t in self._counted.setdefault(section, [])
                 if t > now - self.spec.raise_window_s]
        times.append(now)
        self._counted[section] = times
        level = IMPACT_LEVELS.index(self.levels.get(section, "low"))
        after = self.spec.raise_after
        if after is not None and len(times) >= after and level < _RAISE_CAP:
            new = SectionLevel(section, IMPACT_LEVELS[level + 1])
            self._level(new, "incidents")
            self._counted[section] = []
            self.down(new)
