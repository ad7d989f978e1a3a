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

Links, weather and impact levels:

- **link windows** per source, from each ``link_down`` to the next ``link_up`` of that
  link (or the end), added to the link's scheduled outages (``LinkSpec.down``) before
  the links are built (`sim.engine.build_links`): what the source sends meanwhile waits
  in the link's queue and arrives once it is up (store and forward);
- **weather**: each ``weather`` inject overrides the run's weather from its time on,
  until the next one (`Daylight.override_weather`): every sensor reads the fog, rain
  or snow through `Daylight`, with the inject's ``visibility_m`` if given, else the
  state's (``weather.states``, or the defaults without a weather section);
- a ``section_impact`` inject makes the NCC set that section's level at its time
  (`command.layers.NationalCentre.set_level`, a `SectionImpact` with reason
  ``inject``), sent down to the region and the local unit over the layers' links as a
  raise by incidents is: the section's reaction rules follow the new level.

Usage (a scenario's ``injects``)::

    injects:
      - {name: mast cut, type: link_down, at: 2h, link: radar-01}
      - {type: link_up, at: 5h, link: radar-01}
      - {name: fog bank, type: weather, clock: "02:00", state: fog, visibility_m: 150}
      - {type: weather, at: 7h, state: clear}
      - {name: alert state, type: section_impact, at: 1h, section: north, level: high}

(``link``: a sensor, patrol or UAV id; ``state``: clear, rain, fog or snow;
``level``: low, medium, high or critical; ``section``: a ``layers.sections`` id, or
``section-1`` without sections.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import simpy

from sim.ground.events import (
    EventLog,
    LinkDown,
    LinkUp,
    OperatorShift,
    ScriptedCrossing,
    SectionImpactSet,
    SensorFailed,
    SensorRepaired,
    TeamAvailable,
    TeamUnavailable,
    WeatherChanged,
)
from sim.ground.routes import Barrier, first_crossing_s, timed_route
from sim.ground.specs import (
    DecoyInject,
    GroupInject,
    InjectSpec,
    LinkDownInject,
    LinkUpInject,
    OperatorsInject,
    Scenario,
    SectionImpactInject,
    SensorFailInject,
    SensorRepairInject,
    TeamAvailableInject,
    TeamUnavailableInject,
    WeatherInject,
    WeatherSpec,
)
from sim.ground.terrain import Terrain
from sim.ground.weather import WEATHER_KINDS
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
        self.weather = scenario.weather

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

    def link_windows(self) -> dict[str, list[tuple[float, float]]]:
        """Per source id, its link's ``(down_s, up_s)`` windows (up ``inf`` when the
        link never comes back)."""
        windows: dict[str, list[tuple[float, float]]] = {}
        open_since: dict[str, float] = {}
        for p in self.injects:
            if isinstance(p.spec, LinkDownInject):
                open_since[p.spec.link] = p.at_s
            elif isinstance(p.spec, LinkUpInject):
                start = open_since.pop(p.spec.link)
                windows.setdefault(p.spec.link, []).append((start, p.at_s))
        for link, start in open_since.items():
            windows.setdefault(link, []).append((start, float("inf")))
        return windows

    def weather_changes(self) -> list[tuple[float, int, float, float]]:
        """Each weather inject's ``(at_s, state index, visibility_m, wind_mps)``, in
        firing order (for `Daylight.override_weather`): the inject's visibility, else
        the state's in the scenario's ``weather.states`` (without a weather section:
        the defaults, but clear stays the run's clear: unlimited and still)."""
        out = []
        for p in self.injects:
            if not isinstance(p.spec, WeatherInject):
                continue
            kind = p.spec.state
            if self.weather is None and kind == "clear":
                vis, wind = float("inf"), 0.0
            else:
                state = (self.weather or WeatherSpec()).state(kind)
                vis, wind = state.visibility_m, state.wind_mps
            if p.spec.visibility_m is not None:
                vis = p.spec.visibility_m
            out.append((p.at_s, WEATHER_KINDS.index(kind), float(vis), float(wind)))
        return out

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


class Impacts(Protocol):
    """The NCC as injects see it (`command.layers.NationalCentre`)."""

    def set_level(self, section: str, level: str, reason: str = ...) -> None: ...


class Staffing(Protocol):
    """The operators on duty (`command.health.Console`)."""

    def set_on_duty(self, on_duty: int) -> None: ...


@dataclass
class InjectTargets:
    """What injects act on, wired by the engine.

    ``add_group`` puts a crossing into the true world now; ``teams`` by id and
    ``team_free`` (the dispatcher serves waiting alerts when a team is available
    again); ``health`` and ``console`` are the command's; ``ncc`` sets section levels;
    ``visibility_m(t)`` is the run's visibility (`Daylight`), for the weather record.
    """

    env: simpy.Environment
    log: EventLog
    add_group: Callable[[CrossingGroup], None]
    teams: Mapping[str, TeamRoster]
    team_free: Callable[..., None]
    health: Health
    console: Staffing
    ncc: Impacts
    visibility_m: Callable[[float], float]


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


def _link_down(targets: InjectTargets, p: Planned) -> None:
    assert isinstance(p.spec, LinkDownInject)   # the window is on the link already
    targets.log.record(LinkDown(targets.env.now, p.name, p.spec.link))


def _link_up(targets: InjectTargets, p: Planned) -> None:
    assert isinstance(p.spec, LinkUpInject)
    targets.log.record(LinkUp(targets.env.now, p.name, p.spec.link))


def _weather(targets: InjectTargets, p: Planned) -> None:
    assert isinstance(p.spec, WeatherInject)    # Daylight carries the override already
    targets.log.record(WeatherChanged(targets.env.now, p.name, p.spec.state,
                                      float(targets.visibility_m(targets.env.now))))


def _section_impact(targets: InjectTargets, p: Planned) -> None:
    assert isinstance(p.spec, SectionImpactInject)
    targets.log.record(SectionImpactSet(targets.env.now, p.name, p.spec.section,
                                        p.spec.level))
    targets.ncc.set_level(p.spec.section, p.spec.level, "inject")


#: One handler per inject ``type``.
HANDLERS: dict[str, Handler] = {
    "sensor_fail": _sensor_fail,
    "sensor_repair": _sensor_repair,
    "group": _group,
    "decoy": _group,
    "team_unavailable": _team_unavailable,
    "team_available": _team_available,
    "operators": _operators,
    "link_down": _link_down,
    "link_up": _link_up,
    "weather": _weather,
    "section_impact": _section_impact,
}


def run_injects(plan: InjectPlan, targets: InjectTargets):  # noqa: ANN201 - a SimPy process
    """Fire every inject at its time, in order (equal times: file order)."""
    env = targets.env
    for p in plan.injects:
        yield env.timeout(max(p.at_s - env.now, 0.0))
        HANDLERS[p.spec.type](targets, p)  # type: ignore[attr-defined]
