"""One replication: build the world from a `Scenario` and a seed, run it, return data.

This module only wires (STYLE §2, DESIGN.md "Layout"); behaviour lives in the
components:

1. **Build**: terrain, daylight, the sensors and patrols (`sensors.registry`) and
   the neighbour's early warning if on (`sensors.neighbour`), one uplink per source
   with its relays (`sim.comms`, `build_links`), the true world (`sim.world.World`:
   movers, sensing, encounters, chases), the scorer's ledger (`sim.scoring`), the
   local node (`command.nodes.FusionNode`), its alert rule and operators
   (`command.alerts`), the reaction teams and their dispatcher
   (`command.response`), the command layers — sections' local units, the regional
   centre with its reserve teams, the NCC — joined by links (`CommandLayers`,
   `command.layers`). A decided alert goes through its section's reaction rule
   (`LocalUnit.decide`), then up as an incident and to the dispatcher.
2. **Crossings** (`sim.movers`): arrival times and group attributes come from their
   own streams; each group enters the world at its arrival time, and the world's
   sensors observe it from then on — and again from t on whenever its plan is
   revised at t.
3. **Nuisance**: every day, each source draws that day's nuisance alarms from its
   stream for the day (``sensor/<id>/nuisance/day-<k>``).
   **Failures**: a sensor with an MTBF is down at times drawn once per replication
   (``sensor/<id>/field``); its health reports travel on its link and are the only way
   the command learns of it (`sim.world.World.schedule_health`).
4. **Patrols** go on duty and off duty at their shift times — a patrol with a
   ``min_impact`` only on the shifts its section's level calls for.
4a. **Injects** (`sim.injects`): the exercise script fires at its times; sensors out
   of service make no report (`sensors.outages`), scripted groups cross.
5. **Summaries**: at the end, one `LinkSummary` per link and the node's
   `NodeSummary` (what the links carried; reports overtaken and fused late).
6. **Horizon**: crossings start during ``duration``; the run then continues until
   every group has arrived, turned back or been apprehended (at most `TAIL_CAP_S`
   longer), plus one fusion interval; ``horizon_s`` is that end and per-day rates
   use it.
7. **Lookahead** (``lookahead=True``, which `sim.experiment` asks for in serial
   runs): while the clock runs, a forked child on the idle core computes the
   nuisance days and the planned groups' first observations ahead (`sim.lookahead`:
   pure functions of keyed draws, so the result is the same without it).

The command layer gets only what reaches it (reports over links, what teams and
cameras see); the truth stays in the world and the ledger, which fill in the
``truth`` of records for files and KPIs.

The result is plain, picklable data (`ReplicationResult`): the event log plus the
arrays the run directory needs, so replications run in worker processes alike.
With a ``spool`` (`sim.spool`) the three large files — the event log, the fused
reports, the track rows — are written to its folder as the clock runs instead, and
the result holds only the records the KPIs and the small files read, with the
reports' tally (`sim.tally`): memory no longer grows with them.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from heapq import heappop, heappush
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, Event

from command.alerts import Alert, AlertRule, CameraView, OperatorQueue, UAVView
from command.health import Console, SensorHealth
from command.layers import NCC, REGION, LocalUnit, NationalCentre, RegionalCentre, Sections
from command.nodes import FusionNode, border_fusion_overrides, border_fusion_params
from command.response import Dispatcher, Task, Team
from command.travel import TravelPlanner
from sensors.base import Sensor
from sensors.camera import Camera
from sensors.neighbour import Neighbour
from sensors.outages import Outages
from sensors.patrol import Patrol, duty_periods
from sensors.uav import UAV
from sim.comms import Channel, Link, Route
from sim.ground.daylight import Daylight
from sim.ground.events import EventLog, LinkSummary, NodeSummary, Record, SectionImpact
from sim.ground.field import UAVTask
from sim.ground.planning import KnownSensors, Planner
from sim.ground.routes import Barrier
from sim.ground.specs import (
    IMPACT_LEVELS,
    CameraSpec,
    FenceSpec,
    LinkSpec,
    PatrolSpec,
    RadarSpec,
    Scenario,
    SeismicSpec,
)
from sim.ground.terrain import Terrain
from sim.injects import InjectPlan, InjectTargets, run_injects
from sim.lookahead import Lookahead, lookahead_possible
from sim.metrics import replication_kpis
from sim.movers import CrossingGroup, make_groups
from sim.rng import RandomStreams
from sim.scoring import TruthLedger
from sim.spool import STREAMED, Spool
from sim.tally import ReportTally
from sim.world import World

FloatArray = NDArray[np.float64]
SensorFactory = Callable[..., Sensor]

#: Id of the local command node (stream ``command/post-1/verify``).
LOCAL_NODE = "post-1"

#: Sensor kinds whose every trigger is an alarm at the console (`command.alerts`); a
#: neighbour's warning too.
ALARM_KINDS = frozenset({"fence", "seismic", "fibre", "microwave", "pir", "acoustic",
                         "dragroad", "neighbour"})

#: The run goes on at most this long after ``duration`` for groups still walking, s.
TAIL_CAP_S = 2 * 86_400.0
#: How often, after ``duration``, the engine checks whether every group is resolved, s.
RESOLVE_CHECK_S = 60.0


class Clock(simpy.Environment):
    """SimPy's environment with plain calls on its queue (`call_later`).

    ``call_later(delay, fn)`` calls ``fn()`` at ``now + delay`` exactly where
    ``env.timeout(delay).callbacks.append(lambda _e: fn())`` would: it takes the next
    event id and normal priority, so SimPy's order of time, priority and creation is
    kept among calls and events alike. A call is no `Event` (nothing can wait for it
    or fail it); it saves the Timeout, its callback list and most of a step, for the
    feeds' wakes, the reports' arrivals and the node's ticks (two of every three of a
    `scale_year` day's events). Sources of a plain `simpy.Environment` schedule the
    Timeout instead (`sim.comms.call_later`), with the same order.
    """

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        """Call ``fn()`` after ``delay`` (≥ 0) s (class docstring)."""
        heappush(self._queue, (self._now + delay, NORMAL, next(self._eid), fn))  # type: ignore[misc]

    def step(self) -> None:
        """SimPy's `step`, the calls at the head of the queue made first (each one
        as its own step would: in queue order, the clock at its time)."""
        queue = self._queue
        while True:
            try:
                self._now, _, _, event = heappop(queue)
            except IndexError:
                raise EmptySchedule from None
            if isinstance(event, Event):
                break
            event()
        callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:
            # as SimPy: the rest of the callbacks stay for when the run resumes
            event.callbacks = callbacks[callbacks.index(callback) + 1:]
            self.schedule(event, simpy.events.EventPriority(-1))
            raise
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc


@dataclass(frozen=True)
class MoverPath:
    """A mover's path for maps: ``mover`` id, ``kind`` (group, patrol), times and points."""

    mover: str
    kind: str
    t_s: FloatArray
    xy: FloatArray


@dataclass(frozen=True)
class ReplicationResult:
    """Everything one replication produced, as plain picklable data.

    Attributes
    ----------
    scenario : scenario name
    seed, replication : what the streams were derived from
    duration_s : the scenario's duration (crossings start within it), s
    horizon_s : when the run ended (every crossing finished), s
    records : the event log, in time order (`sim.ground.events`); of a streamed
        replication, only the records kept (`sim.spool.NOT_KEPT` are not)
    sensors : (integer id, id, kind) of every source, scenario order, patrols last
    detections : the reports the node fused, in the order fused: ``t_s`` (k,),
        ``sensor`` (k,), ``z`` (k, 2), ``R`` (k, 2, 2), ``truth`` (k,), ``track`` (k,)
    tracks : after every fused batch, its confirmed tracks: ``t_s`` (j,),
        ``track`` (j,), ``x`` (j, 4)
        (``detections`` and ``tracks`` empty when streamed)
    paths : trajectories of groups (as walked: cut at interception) and patrols
    fusion_overrides : `FusionParams` overrides the node used (for ``fuse`` replays)
    kpis : `sim.metrics.replication_kpis` of this replication
    streamed : the files written to a spool's folder as the run went
        (`sim.spool.STREAMED`), none if the run held everything
    reports : the tally of the reports, when they are not among ``records``
    """

    scenario: str
    seed: int
    replication: int
    duration_s: float
    horizon_s: float
    records: tuple[Record, ...]
    sensors: tuple[tuple[int, str, str], ...]
    detections: dict[str, np.ndarray]
    tracks: dict[str, np.ndarray]
    paths: tuple[MoverPath, ...]
    fusion_overrides: dict[str, str] = field(default_factory=dict)
    kpis: dict[str, float | None] = field(default_factory=dict)
    streamed: tuple[str, ...] = ()
    reports: ReportTally | None = None


def _default_sensor_factory() -> SensorFactory:
    from sensors.registry import build_sensor

    return build_sensor


def build_sources(scenario: Scenario, terrain: Terrain, daylight: Daylight, until_s: float,
                  factory: SensorFactory, streams: RandomStreams) -> list[Sensor]:
    """The sensors (then the neighbour's early warning, if on) then the patrols, in
    scenario order (their index is the integer id)."""
    sources = [factory(spec, terrain, daylight, duration_s=until_s,
                       draws=streams.draws(f"sensor/{spec.id}/field"))
               for spec in scenario.sensors]
    if scenario.layers.neighbour is not None:
        sources.append(Neighbour(scenario.layers.neighbour))
    sources += [factory(spec, terrain, daylight, duration_s=until_s,
                        shift_draws=streams.draws(f"patrol/{spec.id}/shift"))
                for spec in scenario.patrols]
    sources += [UAV(spec, terrain, daylight, until_s) for spec in scenario.uavs]
    return sources


def run_replication(scenario: Scenario, seed: int, replication: int = 0, *,
                    sensor_factory: SensorFactory | None = None,
                    lookahead: bool = False, spool: Spool | None = None,
                    on_clock: Callable[[float], None] | None = None) -> ReplicationResult:
    """Run one replication of ``scenario`` with streams from (``seed``, ``replication``).

    Parameters
    ----------
    scenario : the validated scenario
    seed, replication : non-negative integers
    sensor_factory : ``factory(spec, terrain, daylight, duration_s=..., [draws=...],
        [shift_draws=...])``
        → `Sensor`; default `sensors.registry.build_sensor` (tests inject fakes)
    lookahead : compute the nuisance days and the groups' first observations ahead
        on another core (`sim.lookahead`) where `lookahead_possible`; the result is
        the same either way
    spool : write the event log, the fused reports and the track rows to its folder
        as the run goes (`sim.spool`); the caller closes it. The result is the same
        but for what it holds (`ReplicationResult.streamed`)
    on_clock : called with the simulated time (s) about every `CLOCK_STEP_S`, or
        1/200 of the duration if longer, as the replication runs (a progress bar); the
        result is the same with or without it (`run_until`)
    """
    streams = RandomStreams(seed, replication)
    terrain = Terrain(scenario.segment)
    daylight = Daylight.from_spec(scenario.start, scenario.segment, scenario.weather,
                                  streams.draws("world/weather"))
    duration_s = scenario.duration_s
    until_s = duration_s + TAIL_CAP_S
    barriers = [Barrier(tuple(f.line), f.delay_s) for f in scenario.sensors
                if isinstance(f, FenceSpec)]
    plan = InjectPlan(scenario, terrain, barriers)
    daylight.override_weather(plan.weather_changes())
    groups = make_groups(scenario.crossings, terrain, daylight, duration_s, streams,
                         known_sensors(scenario), barriers,
                         crossing_planner(scenario, terrain, daylight, until_s))
    sources = build_sources(scenario, terrain, daylight, until_s,
                            sensor_factory or _default_sensor_factory(), streams)
    env = Clock()
    links, relays = build_links(scenario, sources, streams, env, until_s,
                                plan.link_windows())
    report_truth: dict[int, int] = {}   # report number → mover id, reports in flight
    ledger = TruthLedger(report_truth)
    log = EventLog(ledger.annotate) if spool is None else spool.log(ledger.annotate)
    cmd = scenario.command
    node = FusionNode(env, LOCAL_NODE, cmd.fusion_interval_s, border_fusion_params(cmd.fusion),
                      log, lag_s=cmd.reorder_lag_s)
    node.on_fused.append(ledger.fused)
    if spool is not None:
        node.fused.sink = _fused_sink(spool, ledger)
        node.fused.drain_rows = spool.chunk_rows
    world = World(env, log, terrain, daylight, sources, links, node.receive_row, streams,
                  scenario.crossings.reaction, scenario.response.teams, barriers)
    world.report_truth = report_truth
    reserve_ids = set(scenario.layers.reserve_teams)
    windows = plan.outage_windows({s.id: i for i, s in enumerate(sources)})
    world.outages = Outages(windows) if windows else None   # nothing to screen: no cost
    dispatcher = Dispatcher(env, [], node.track_estimate, log)
    teams: dict[str, Team] = {}
    for spec in scenario.response.teams:
        reserve = spec.id in reserve_ids
        team = Team(env, spec, TravelPlanner(terrain, spec.drive_speed_mps, spec.foot_speed_mps),
                    world, node.track_estimate, daylight, cmd.predict_max_s,
                    streams.draws(f"command/team/{spec.id}/readiness"), log,
                    _held if reserve else dispatcher.team_free)
        teams[spec.id] = team
        if not reserve:
            dispatcher.teams.append(team)
        world.register_team(spec.id, team.see)
    alerts: list[Alert] = []
    layers = CommandLayers(env, scenario, log, streams, until_s,
                           lambda alert_id, decision: _send_reserve(
                               env, [teams[t] for t in scenario.layers.reserve_teams],
                               alerts[alert_id], decision, node.track_estimate))

    def decided(alert: Alert, decision: str) -> None:
        unit = layers.unit_of(alert.x_m, alert.y_m)
        decision = unit.decide(alert.id, decision, alert.p_threat)
        if decision in ("confirmed", "check"):
            unit.incident(alert.id, decision, _first_report_s(node, alert.track),
                          alert.x_m, alert.y_m)
            dispatcher.dispatch(Task(alert, "intercept" if decision == "confirmed" else "check"))

    cameras = [CameraView(i, spec) for i, spec in enumerate(scenario.sensors)
               if isinstance(spec, CameraSpec) and isinstance(sources[i], Camera)]
    first_uav = len(sources) - len(scenario.uavs)
    uavs = [UAVView(first_uav + k, spec) for k, spec in enumerate(scenario.uavs)
            if spec.mode == "alert"]
    health = SensorHealth(env, log)
    request_uav = None
    if scenario.layers.uav_tasking == "region":
        def task_uav(x_m: float, y_m: float) -> tuple[int, str, float] | None:
            for u in uavs:
                over = world.launch(UAVTask(u.index, np.array([x_m, y_m]), env.now))
                if over is not None:
                    return u.index, u.spec.id, over
            return None

        layers.region.task_uav = task_uav

        def request_uav(alert_id: int, xy: np.ndarray) -> simpy.Event:
            return layers.unit_of(float(xy[0]), float(xy[1])).request_uav(alert_id, xy)
    operators = OperatorQueue(env, cmd, cameras, world, node.track_estimate,
                              streams.stream(f"command/{LOCAL_NODE}/verify"), log, decided,
                              uavs, offline=health.offline, seats=plan.seats,
                              request_uav=request_uav)
    console = Console(env, operators.operators, cmd.operators, log)

    def raised(alert: Alert) -> None:
        if alert.source:            # a guard saw the group: verified already
            decided(alert, "confirmed")
        else:
            operators.submit(alert)

    world.on_health.append(operators.sensor_health)
    world.schedule_health()
    alarm_sensors = frozenset(i for i, s in enumerate(sources) if s.kind in ALARM_KINDS)
    patrols = {i: s.id for i, s in enumerate(sources) if s.kind == "patrol"}
    rule = AlertRule(cmd.alert_min_reports, log, raised, alarm_sensors, patrols)
    alerts = rule.alerts
    node.subscribe(rule)

    def apprehended(by: str, persons: int) -> None:
        team = teams.get(by)
        if team is not None and team.task is not None:
            a = team.task.alert
            layers.unit_of(a.x_m, a.y_m).apprehension(a.id, persons, a.x_m, a.y_m)
        else:                       # a patrol: where it is (the command's own asset)
            xy = world.movers[by].trajectory.position_at(env.now)  # type: ignore[union-attr]
            layers.unit_of(*xy).apprehension(-1, persons, float(xy[0]), float(xy[1]))
    world.on_apprehended.append(apprehended)

    targets = InjectTargets(env, log, world.add_group, {t.id: t for t in dispatcher.teams},
                            dispatcher.team_free, health, console, layers.ncc,
                            lambda t: float(daylight.visibility_m(t)))
    for process in (_crossings(env, world, groups), _nuisance(env, world),
                    *(_duty(env, world, s, layers.on_duty(s.spec))
                      for s in sources if isinstance(s, Patrol)),
                    run_injects(plan, targets)):
        env.process(process)
    # day 0 to the day the crossings end on; a later one (groups still walking) is
    # computed here
    ahead = (Lookahead(world, groups, range(int(duration_s // 86_400.0) + 1))
             if lookahead and lookahead_possible() else None)
    with ahead or contextlib.nullcontext():
        world.lookahead = ahead
        run_until(env, env.process(_until_resolved(env, world, duration_s, until_s,
                                                   cmd.fusion_interval_s)),
                  on_clock, max(CLOCK_STEP_S, duration_s / 200))
    world.lookahead = None
    horizon_s = float(env.now)
    for link in [*(ln.first if isinstance(ln, Route) else ln for ln in links), *relays,
                 *layers.links]:
        log.record(link_summary(link, horizon_s))
    log.record(NodeSummary(horizon_s, node.id, node.lag_s, node.overtaken,
                           node.overtaken_discarded))

    paths = [MoverPath(mid, kind, traj.t_s, traj.xy) for mid, kind, traj in world.paths()]
    sensors_table = tuple((i, s.id, s.kind) for i, s in enumerate(sources))
    f = node.fused
    reports = None
    if spool is None:
        detections = {
            "t_s": f.det_t.copy(),
            "sensor": f.det_sensor.copy(),
            "z": f.det_z.copy(),
            "R": f.det_R.copy(),
            "truth": ledger.take_fused(f.k),
            "track": f.det_track.copy(),
        }
        tracks = {"t_s": f.trk_t.copy(), "track": f.trk_id.copy(), "x": f.trk_x.copy()}
        records = tuple(log.records)
    else:
        # the last rows and records are written when the spool is closed (the caller
        # may first start other work on the result: the CLI's map)
        spool.later(functools.partial(f.drain, force=True))
        log.settle()                                 # type: ignore[attr-defined]
        detections, tracks = {}, {}
        records, reports = tuple(log.kept), log.tally  # type: ignore[attr-defined]
    kpis = replication_kpis(records, duration_s=duration_s, horizon_s=horizon_s,
                            operators=cmd.operators, teams=len(scenario.response.teams),
                            reports=reports)
    return ReplicationResult(scenario.name, int(seed), int(replication), duration_s, horizon_s,
                             records, sensors_table, detections, tracks, tuple(paths),
                             border_fusion_overrides(cmd.fusion), kpis,
                             STREAMED if spool is not None else (), reports)


def _fused_sink(spool: Spool, ledger: TruthLedger) -> Callable[[Any], None]:
    """The fusion node's sink (`command.nodes.FusedLog.sink`): its rows to the spool,
    each report with its truth (``ledger``'s, in fusion order)."""
    def sink(f: Any) -> None:
        truth = ledger.take_fused(f.k)
        spool.fused_rows(f.det_t, f.det_sensor, f.det_z, f.det_R, truth, f.det_track,
                         f.trk_t, f.trk_id, f.trk_x)
    return sink


def build_links(scenario: Scenario, sources: list[Sensor], streams: RandomStreams,
                env: simpy.Environment, until_s: float,
                extra_down: Mapping[str, list[tuple[float, float]]] | None = None,
                ) -> tuple[list[Link | Route], list[Link]]:
    """Each source's uplink (its link, then its relays) in source order, and the relays.

    A link's stream is ``link/<id>``, its outages' ``link/<id>/outage``.
    ``extra_down`` adds, per source id, down windows to its own link's scheduled
    ones (the ``link_down`` injects, `sim.injects.InjectPlan.link_windows`; an end
    of ``inf`` lasts the run).
    """
    comms = scenario.comms
    size = comms.message_bytes

    def link(spec: LinkSpec, link_id: str, nbytes: float) -> Link:
        return Link(spec, link_id, streams.draws(f"link/{link_id}"), nbytes, until_s,
                    streams.draws(f"link/{link_id}/outage"))

    relays = {r.id: link(r, r.id, 0.0) for r in comms.relays}
    uplinks: list[Link | Route] = []
    for s in sources:
        spec = scenario.link_for(s.id)
        extra = (extra_down or {}).get(s.id)
        if extra:
            spec = spec.model_copy(update={"down": [*spec.down, *(
                (a, min(b, until_s)) for a, b in extra)]})
        first = link(spec, s.id, size.of(s.kind))
        uplinks.append(Route(first, [relays[r] for r in spec.via], env) if spec.via
                       else first)
    return uplinks, list(relays.values())


def link_summary(link: Link, horizon_s: float) -> LinkSummary:
    """The `LinkSummary` record of ``link`` at the run's end."""
    st = link.stats
    return LinkSummary(horizon_s, link.source, link.kind, st.sent, st.reports, st.delivered,
                       st.lost, st.dropped, st.held, st.bytes, st.busy_s,
                       link.down_s(horizon_s), st.max_queue)


class CommandLayers:
    """The sections' local units, the regional centre and the NCC (`command.layers`),
    joined by typed-message channels over links: one per local unit up to the region
    (``regional-<section>``, spec ``comms.regional``, and back down on
    ``regional-<section>-down``), and the region's to the NCC (``national``, and
    ``national-down``)."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, log: EventLog,
                 streams: RandomStreams, until_s: float,
                 reserve: Callable[[int, str], str]) -> None:
        spec, comms = scenario.layers, scenario.comms
        self.sections = Sections(scenario.segment.border, spec.sections)
        levels = {s.id: s.impact for s in self.sections.specs}
        self.links: list[Link] = []

        def channel(link_id: str, link_spec: LinkSpec,
                    deliver: Callable[[Any], None]) -> Callable[[Any], None]:
            link = Link(link_spec, link_id, streams.draws(f"link/{link_id}"),
                        comms.message_bytes.layer, until_s,
                        streams.draws(f"link/{link_id}/outage"))
            self.links.append(link)
            return Channel(env, link, deliver).send

        self.ncc = NationalCentre(env, spec, levels, log,
                                  channel("national-down", comms.national,
                                          lambda m: self.region.receive(m)))
        self.units = {}
        down = {}
        for sec in self.sections.specs:
            unit = LocalUnit(env, sec, spec, log,
                             channel(f"regional-{sec.id}", comms.regional,
                                     lambda m: self.region.receive(m)))
            self.units[sec.id] = unit
            down[sec.id] = channel(f"regional-{sec.id}-down", comms.regional, unit.receive)
        self.region = RegionalCentre(env, spec, levels, log,
                                     channel("national", comms.national, self.ncc.receive),
                                     down, reserve)
        for layer in (*self.units.values(), self.region, self.ncc):
            for sec in self.sections.specs:
                if layer.id in (sec.id, REGION, NCC) and sec.impact != "low":
                    log.record(SectionImpact(0.0, layer.id, sec.id, sec.impact, "scenario"))

    def unit_of(self, x_m: float, y_m: float) -> LocalUnit:
        return self.units[self.sections.of(x_m, y_m)]

    def on_duty(self, spec: PatrolSpec) -> Callable[[], bool]:
        """Whether the patrol goes on a shift now: its section's level, as the local
        unit knows it, is at least the patrol's ``min_impact``."""
        unit = self.unit_of(*spec.route[0])
        need = IMPACT_LEVELS.index(spec.min_impact)
        return lambda: IMPACT_LEVELS.index(unit.levels[unit.section]) >= need


def _held(team: Team) -> None:
    """A reserve team is back: it waits for the regional centre's next order."""


def _send_reserve(env: simpy.Environment, reserve: list[Team], alert: Alert, decision: str,
                  picture: Callable[[int], Any]) -> str:
    """Task the free reserve team soonest at ``alert``; its id, or '' if none is free."""
    free = [t for t in reserve if not t.busy]
    if not free:
        return ""
    est = picture(alert.track)
    where = est.predict(env.now) if est is not None else np.array([alert.x_m, alert.y_m])
    eta = [float(t.planner.estimate_s(t.base, where[None, :])[0]) + t.spec.readiness_s
           for t in free]
    team = free[int(np.argmin(eta))]
    team.start(Task(alert, "intercept" if decision == "confirmed" else "check"))
    return team.id


def _first_report_s(node: FusionNode, track: int) -> float:
    """Measurement time of the first report the node fused into ``track`` (its log)."""
    return node.fused.first_time(track)


def _crossings(env: simpy.Environment, world: World, groups: list[CrossingGroup]):  # noqa: ANN202
    for group in groups:
        yield env.timeout(max(group.arrival_s - env.now, 0.0))
        world.add_group(group)


def _nuisance(env: simpy.Environment, world: World):  # noqa: ANN202
    day = 0
    while True:
        world.nuisance_day(day)
        yield env.timeout(86_400.0)
        day += 1


def _duty(env: simpy.Environment, world: World, patrol: Patrol,  # noqa: ANN202
          on_duty: Callable[[], bool]):
    for walk in patrol.trajectories:
        yield env.timeout(max(walk.start_s - env.now, 0.0))
        if not on_duty():                # its section's level does not call for it
            continue
        world.start_duty(patrol.id, walk)
        yield env.timeout(max(walk.end_s - env.now, 0.0))
        world.end_duty(patrol.id)


#: Simulated time between two `run_replication` ``on_clock`` calls, at least, s.
CLOCK_STEP_S = 3_600.0


def run_until(env: simpy.Environment, stop: simpy.Event,
              on_clock: Callable[[float], None] | None, step_s: float) -> None:
    """``env.run(until=stop)``, pausing every ``step_s`` of simulated time to call
    ``on_clock(env.now)`` (none: no pause).

    A pause is a timeout whose callback stops the loop (SimPy then re-queues it first,
    with no callback left: it is stepped over at once); the queue is left as it was,
    so every other event is processed in the same order (SimPy takes them by time,
    priority and creation; a pause only adds its own), at the same time, and the
    stop's callbacks are those ``env.run(until=stop)`` sets, in the same place: the
    records are the same, pauses or not (tests/unit/engine/test_run_until.py).
    """
    if on_clock is None:
        env.run(until=stop)
        return
    stopped: list[bool] = []

    def halt(event: simpy.Event) -> None:
        stopped.append(True)     # SimPy re-queues an event that stopped the run, so
        simpy.core.StopSimulation.callback(event)      # ``processed`` cannot tell

    stop.callbacks.append(halt)
    while True:
        if env.peek() == math.inf:          # nothing left: as the plain run fails
            env.run(until=stop)
        env.run(until=env.timeout(step_s))
        on_clock(float(env.now))
        if stopped:
            return
        env.step()      # the pause, re-queued first (priority -1, now) with no callback


def _until_resolved(env: simpy.Environment, world: World, duration_s: float, until_s: float,
                    tail_s: float):  # noqa: ANN202
    """Ends once crossings have stopped starting and every group is resolved."""
    yield env.timeout(duration_s)
    while world.active_groups() and env.now < until_s:
        yield env.timeout(RESOLVE_CHECK_S)
    yield env.timeout(tail_s)


def known_sensors(scenario: Scenario) -> KnownSensors:
    """The fixed sensors and their reach, as informed groups know them."""
    xy, reach, sight = [], [], []
    for spec in scenario.sensors:
        if isinstance(spec, SeismicSpec):
            xy.append(spec.position_m)
            reach.append(spec.radius_m)
            sight.append(False)
        elif isinstance(spec, CameraSpec | RadarSpec):
            xy.append(spec.position_m)
            reach.append(spec.max_range_m)
            sight.append(True)
    fences = tuple((np.asarray(f.line, float), f.pd) for f in scenario.sensors
                   if isinstance(f, FenceSpec))
    return KnownSensors(np.asarray(xy, dtype=float).reshape(-1, 2),
                        np.asarray(reach, dtype=float), np.asarray(sight, dtype=bool), fences)


def crossing_planner(scenario: Scenario, terrain: Terrain, daylight: Daylight,
                     until_s: float) -> Planner | None:
    """Least-cost routes and informed planning (``crossings.routing: least_cost``):
    the known sensors, the patrols' duty periods and the nights of the run."""
    spec = scenario.crossings
    if spec.routing != "least_cost":
        return None
    duty = [duty_periods(p.shifts, daylight, until_s) for p in scenario.patrols]
    return Planner(terrain, known_sensors(scenario), spec.avoidance_weight,
                   np.vstack(duty) if duty else None,
                   daylight.night_intervals(0.0, until_s + 86_400.0))
