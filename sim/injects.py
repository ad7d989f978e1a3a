"""The exercise script: a scenario's ``injects``, planned before the run and fired on time.

Trainers script the moments that matter (the master scenario events list of an
exercise): a sensor fails or is repaired, a scripted group crosses at a given point
along a given route, a decoy draws the reaction team, a team is called away or comes
back, the operators' shift changes. Each inject, at its time, appends its typed
record to the event log (`sim.ground.events.InjectRecord`) and then acts through
one handler (`HANDLERS`, by the spec's ``type``); adding an inject type is a spec
class, a record class and one handler.

Planned before the run (`InjectPlan`), because the world needs them from the start:

- **outage windows** per sensor, from each ``sensor_fail`` to the next
  ``sensor_repair`` of that sensor (or the end): the sensor makes no report in a
  window (`sensors.outages.Outages`); the command learns of it ``notice_s`` later
  (`command.health.SensorHealth`);
- **scripted groups** (`scripted_group`): built from the inject alone — size, entry,
  route, speed — with truth ids from `sim.movers.SCRIPTED_BASE` up, drawing from no
  stream, so every random group keeps its id, attributes, route and draws (common
  random numbers); a decoy walks its route and then straight back across the border;
- **console seats**: the most operators ever on duty (`command.health.Console`).

What the command learns is its own business: a team called away and a shift change
are known at once (the team or the shift calls in); a sensor failure only after the
heartbeat is missed; a scripted group only through its sensors, like any other.

Not yet scripted (they need the comms and weather models of other issues): a link
going down or up, the weather turning to fog, a section's impact level. Each will be a
handler here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import simpy

from sim.ground.events import (
    EventLog,
    OperatorShift,
    ScriptedCrossing,
    SensorFailed,
    SensorRepaired,
    TeamAvailable,
    TeamUnavailable,
)
from sim.ground.routes import Barrier, first_crossing_s, timed_route
from sim.ground.specs import (
    DecoyInject,
    GroupInject,
    InjectSpec,
    OperatorsInject,
    Scenario,
    SensorFailInject,
    SensorRepairInject,
    TeamAvailableInject,
    TeamUnavailableInject,
)
from sim.ground.terrain import Terrain
from sim.movers import SCRIPTED_BASE, CrossingGroup, group_name


@dataclass(frozen=True)
class Planned:
    """One inject of the scenario: its position, label, time (s) and spec; a scripted
    group's crossing is built beforehand (``group``)."""

    index: int
    name: str
    at_s: float
    spec: InjectSpec
    group: CrossingGroup | None = None


def scripted_group(k: int, spec: GroupInject, at_s: float, default_speed_mps: float,
                   terrain: Terrain, barriers: Sequence[Barrier] = ()) -> CrossingGroup:
    """The ``k``-th scripted group (truth id ``SCRIPTED_BASE + k``).

    It crosses at ``entry_m`` at ``at_s`` and walks the route at its speed times each
    zone's factor, climbing fences; an ordinary group is gone where it passes the
    segment's depth; a decoy ends back on the border (nearest point), turned back.
    """
    index = SCRIPTED_BASE + k
    entry = terrain.border_point(spec.entry_m)
    points = np.vstack([entry, np.asarray(spec.route, dtype=float)])
    decoy = isinstance(spec, DecoyInject)
    if decoy:
        points = np.vstack([points, terrain.nearest_border_point(points[-1])])
    speed = float(spec.speed_mps or default_speed_mps)
    trajectory = timed_route(points, speed, at_s, terrain, barriers)
    if not decoy:
        vanish_s = first_crossing_s(trajectory, terrain.depth_line)
        if vanish_s is not None and vanish_s > trajectory.start_s:
            trajectory = trajectory.until(vanish_s)
    return CrossingGroup(index, group_name(index), float(at_s), int(spec.size), speed, False,
                         float(spec.entry_m), -1, trajectory,
                         ends_as="turned_back" if decoy else "arrived")


class InjectPlan:
    """A scenario's injects in firing order, with what must be known before the run.

    Parameters
    ----------
    scenario : the validated scenario
    terrain : its terrain (scripted routes are timed through its zones)
    barriers : its fences
    """

    def __init__(self, scenario: Scenario, terrain: Terrain,
                 barriers: Sequence[Barrier] = ()) -> None:
        order = sorted(range(len(scenario.injects)),
                       key=lambda i: (scenario.injects[i].at_s(scenario.start), i))
        planned: list[Planned] = []
        k = 0
        for i in order:
            spec = scenario.injects[i]
            at_s = spec.at_s(scenario.start)
            group = None
            if isinstance(spec, GroupInject):
                group = scripted_group(k, spec, at_s, scenario.crossings.speed.mean_mps,
                                       terrain, barriers)
                k += 1
            planned.append(Planned(i, scenario.inject_name(i), at_s, spec, group))
        self.injects = planned
        self.operators = scenario.command.operators

    def outage_windows(self, sensor_index: Mapping[str, int]) -> dict[int, list[tuple[float,
                                                                                    float]]]:
        """Per integer sensor id, its ``(fail_s, repair_s)`` windows (repair ``inf``
        when the sensor is never repaired)."""
        windows: dict[int, list[tuple[float, float]]] = {}
        open_since: dict[str, float] = {}
        for p in self.injects:
            if isinstance(p.spec, SensorFailInject):
                open_since[p.spec.sensor] = p.at_s
            elif isinstance(p.spec, SensorRepairInject):
                start = open_since.pop(p.spec.sensor)
                windows.setdefault(sensor_index[p.spec.sensor], []).append((start, p.at_s))
        for sensor, start in open_since.items():
            windows.setdefault(sensor_index[sensor], []).append((start, float("inf")))
        return windows

    @property
    def seats(self) -> int:
        """Operator seats: the most operators ever on duty."""
        return max([self.operators] + [p.spec.on_duty for p in self.injects
                                       if isinstance(p.spec, OperatorsInject)])


class TeamRoster(Protocol):
    """A reaction team as injects see it (`command.response.Team`)."""

    available: bool


class Health(Protocol):
    """What the command learns of sensor heartbeats (`command.health.SensorHealth`)."""

    def heartbeat_lost(self, sensor: str) -> None: ...

    def heartbeat_back(self, sensor: str) -> None: ...


class Staffing(Protocol):
    """The operators on duty (`command.health.Console`)."""

    def set_on_duty(self, on_duty: int) -> None: ...


@dataclass
class InjectTargets:
    """What injects act on, wired by the engine.

    ``add_group`` puts a crossing into the true world now; ``teams`` by id and
    ``team_free`` (the dispatcher serves waiting alerts when a team is available
    again); ``health`` and ``console`` are the command's.
    """

    env: simpy.Environment
    log: EventLog
    add_group: Callable[[CrossingGroup], None]
    teams: Mapping[str, TeamRoster]
    team_free: Callable[..., None]
    health: Health
    console: Staffing


Handler = Callable[[InjectTargets, Planned], None]


def _after(targets: InjectTargets, delay_s: float, action: Callable[[], None]) -> None:
    targets.env.timeout(delay_s).callbacks.append(lambda _event: action())


def _sensor_fail(targets: InjectTargets, p: Planned) -> None:
    assert isinstance(p.spec, SensorFailInject)
    sensor = p.spec.sensor
    targets.log.record(SensorFailed(targets.env.now, p.name, sensor))
    _after(targets, p.spec.notice_s, lambda: targets.health.heartbeat_lost(sensor))


def _sensor_repair(targets: InjectTargets, p: Planned) -> None:
    assert isinstance(p.spec, SensorRepairInject)
    sensor = p.spec.sensor
    targets.log.record(SensorRepaired(targets.env.now, p.name, sensor))
    _after(targets, p.spec.notice_s, lambda: targets.health.heartbeat_back(sensor))


def _group(targets: InjectTargets, p: Planned) -> None:
    assert p.group is not None
    targets.log.record(ScriptedCrossing(targets.env.now, p.name, p.group.index,
                                        p.group.size, isinstance(p.spec, DecoyInject)))
    targets.add_group(p.group)


def _team_unavailable(targets: InjectTargets, p: Planned) -> None:
    assert isinstance(p.spec, TeamUnavailableInject)
    targets.log.record(TeamUnavailable(targets.env.now, p.name, p.spec.team))
    targets.teams[p.spec.team].available = False


def _team_available(targets: InjectTargets, p: Planned) -> None:
    assert isinstance(p.spec, TeamAvailableInject)
    targets.log.record(TeamAvailable(targets.env.now, p.name, p.spec.team))
    team = targets.teams[p.spec.team]
    team.available = True
    targets.team_free(team)


def _operators(targets: InjectTargets, p: Planned) -> None:
    assert isinstance(p.spec, OperatorsInject)
    targets.log.record(OperatorShift(targets.env.now, p.name, p.spec.on_duty))
    targets.console.set_on_duty(p.spec.on_duty)


#: One handler per inject ``type``.
HANDLERS: dict[str, Handler] = {
    "sensor_fail": _sensor_fail,
    "sensor_repair": _sensor_repair,
    "group": _group,
    "decoy": _group,
    "team_unavailable": _team_unavailable,
    "team_available": _team_available,
    "operators": _operators,
}


def run_injects(plan: InjectPlan, targets: InjectTargets):  # noqa: ANN201 - a SimPy process
    """Fire every inject at its time, in order (equal times: file order)."""
    env = targets.env
    for p in plan.injects:
        yield env.timeout(max(p.at_s - env.now, 0.0))
        HANDLERS[p.spec.type](targets, p)  # type: ignore[attr-defined]
