"""One replication: build the world from a `Scenario` and a seed, run it, return data.

This module only wires (STYLE §2, DESIGN.md "Layout"); behaviour lives in the
components:

1. **Build**: terrain, daylight, the sensors and patrols (`sensors.registry`), one
   uplink per source (`sim.comms`), the true world (`sim.world.World`: movers,
   sensing, encounters, chases), the scorer's ledger (`sim.scoring`), the local node
   (`command.nodes.FusionNode`), its alert rule and operators (`command.alerts`),
   the reaction teams and their dispatcher (`command.response`), the regional and
   national layers.
2. **Crossings** (`sim.movers`): arrival times and group attributes come from their
   own streams; each group enters the world at its arrival time, and the world's
   sensors observe it from then on — and again from t on whenever its plan is
   revised at t.
3. **Nuisance**: every day, each source draws that day's nuisance alarms from its
   stream for the day (``sensor/<id>/nuisance/day-<k>``).
4. **Patrols** go on duty and off duty at their shift times.
4a. **Injects** (`sim.injects`): the exercise script fires at its times; sensors out
   of service make no report (`sensors.outages`), scripted groups cross.
5. **Horizon**: crossings start during ``duration``; the run then continues until
   every group has arrived, turned back or been apprehended (at most `TAIL_CAP_S`
   longer), plus one fusion interval; ``horizon_s`` is that end and per-day rates
   use it.

The command layer gets only what reaches it (reports over links, what teams and
cameras see); the truth stays in the world and the ledger, which fill in the
``truth`` of records for files and KPIs.

The result is plain, picklable data (`ReplicationResult`): the event log plus the
arrays the run directory needs, so replications run in worker processes alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import simpy
from numpy.typing import NDArray

from command.alerts import Alert, AlertRule, CameraView, OperatorQueue
from command.health import Console, SensorHealth
from command.nodes import FusionNode, UpperNode, border_fusion_overrides, border_fusion_params
from command.response import Dispatcher, Task, Team
from command.travel import TravelPlanner
from sensors.base import Sensor
from sensors.camera import Camera
from sensors.outages import Outages
from sensors.patrol import Patrol
from sim.comms import Link
from sim.ground.daylight import Daylight
from sim.ground.events import EventLog, Record
from sim.ground.routes import Barrier
from sim.ground.specs import CameraSpec, FenceSpec, RadarSpec, Scenario, SeismicSpec
from sim.ground.terrain import Terrain
from sim.injects import InjectPlan, InjectTargets, run_injects
from sim.metrics import replication_kpis
from sim.movers import CrossingGroup, KnownSensors, make_groups
from sim.rng import RandomStreams
from sim.scoring import TruthLedger
from sim.world import World

FloatArray = NDArray[np.float64]
SensorFactory = Callable[..., Sensor]

#: Id of the local command node (stream ``command/post-1/verify``).
LOCAL_NODE = "post-1"

#: Sensor kinds whose every trigger is an alarm at the console (`command.alerts`).
ALARM_KINDS = frozenset({"fence", "seismic"})

#: The run goes on at most this long after ``duration`` for groups still walking, s.
TAIL_CAP_S = 2 * 86_400.0
#: How often, after ``duration``, the engine checks whether every group is resolved, s.
RESOLVE_CHECK_S = 60.0


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
    records : the event log, in time order (`sim.ground.events`)
    sensors : (integer id, id, kind) of every source, scenario order, patrols last
    detections : the reports the node fused, in the order fused: ``t_s`` (k,),
        ``sensor`` (k,), ``z`` (k, 2), ``R`` (k, 2, 2), ``truth`` (k,), ``track`` (k,)
    tracks : after every fused batch, its confirmed tracks: ``t_s`` (j,),
        ``track`` (j,), ``x`` (j, 4)
    paths : trajectories of groups (as walked: cut at interception) and patrols
    fusion_overrides : `FusionParams` overrides the node used (for ``fuse`` replays)
    kpis : `sim.metrics.replication_kpis` of this replication
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


def _default_sensor_factory() -> SensorFactory:
    from sensors.registry import build_sensor

    return build_sensor


def build_sources(scenario: Scenario, terrain: Terrain, daylight: Daylight, until_s: float,
                  factory: SensorFactory, streams: RandomStreams) -> list[Sensor]:
    """The sensors then the patrols, in scenario order (their index is the integer id)."""
    sources = [factory(spec, terrain, daylight, duration_s=until_s)
               for spec in scenario.sensors]
    sources += [factory(spec, terrain, daylight, duration_s=until_s,
                        shift_draws=streams.draws(f"patrol/{spec.id}/shift"))
                for spec in scenario.patrols]
    return sources


def run_replication(scenario: Scenario, seed: int, replication: int = 0, *,
                    sensor_factory: SensorFactory | None = None) -> ReplicationResult:
    """Run one replication of ``scenario`` with streams from (``seed``, ``replication``).

    Parameters
    ----------
    scenario : the validated scenario
    seed, replication : non-negative integers
    sensor_factory : ``factory(spec, terrain, daylight, duration_s=..., [shift_draws=...])``
        → `Sensor`; default `sensors.registry.build_sensor` (tests inject fakes)
    """
    streams = RandomStreams(seed, replication)
    terrain = Terrain(scenario.segment)
    daylight = Daylight(scenario.start, scenario.segment.sunrise, scenario.segment.sunset)
    duration_s = scenario.duration_s
    until_s = duration_s + TAIL_CAP_S
    barriers = [Barrier(tuple(f.line), f.delay_s) for f in scenario.sensors
                if isinstance(f, FenceSpec)]
    groups = make_groups(scenario.crossings, terrain, daylight, duration_s, streams,
                         known_sensors(scenario), barriers)
    sources = build_sources(scenario, terrain, daylight, until_s,
                            sensor_factory or _default_sensor_factory(), streams)
    links = [Link(scenario.link_for(s.id), s.id, streams.draws(f"link/{s.id}"))
             for s in sources]

    env = simpy.Environment()
    report_truth: list[int] = []
    ledger = TruthLedger(report_truth)
    log = EventLog(ledger.annotate)
    cmd = scenario.command
    node = FusionNode(env, LOCAL_NODE, cmd.fusion_interval_s, border_fusion_params(cmd.fusion),
                      log)
    node.on_fused.append(ledger.fused)
    world = World(env, log, terrain, daylight, sources, links, node.receive, streams,
                  scenario.crossings.reaction, scenario.response.teams, barriers)
    world.report_truth = report_truth
    plan = InjectPlan(scenario, terrain, barriers)
    windows = plan.outage_windows({s.id: i for i, s in enumerate(sources)})
    world.outages = Outages(windows) if windows else None   # nothing to screen: no cost
    national = UpperNode(env, "ncc", scenario.comms.default.latency_s, log)
    regional = UpperNode(env, "region-1", scenario.comms.default.latency_s, log,
                         parent=national)

    dispatcher = Dispatcher(env, [], node.track_estimate, log)
    for spec in scenario.response.teams:
        team = Team(env, spec, TravelPlanner(terrain, spec.drive_speed_mps, spec.foot_speed_mps),
                    world, node.track_estimate, daylight, cmd.predict_max_s,
                    streams.draws(f"command/team/{spec.id}/readiness"), log,
                    dispatcher.team_free)
        dispatcher.teams.append(team)
        world.register_team(spec.id, team.see)

    def decided(alert: Alert, decision: str) -> None:
        regional.report(f"alert-{alert.id} {decision}")
        if decision in ("confirmed", "check"):
            dispatcher.dispatch(Task(alert, "intercept" if decision == "confirmed" else "check"))

    cameras = [CameraView(i, spec) for i, spec in enumerate(scenario.sensors)
               if isinstance(spec, CameraSpec) and isinstance(sources[i], Camera)]
    health = SensorHealth(env, log)
    operators = OperatorQueue(env, cmd, cameras, world, node.track_estimate,
                              streams.stream(f"command/{LOCAL_NODE}/verify"), log, decided,
                              offline=health.offline, seats=plan.seats)
    console = Console(env, operators.operators, cmd.operators, log)

    def raised(alert: Alert) -> None:
        if alert.source:            # a guard saw the group: verified already
            decided(alert, "confirmed")
        else:
            operators.submit(alert)

    alarm_sensors = frozenset(i for i, s in enumerate(sources) if s.kind in ALARM_KINDS)
    patrols = {i: s.id for i, s in enumerate(sources) if s.kind == "patrol"}
    node.subscribe(AlertRule(cmd.alert_min_reports, log, raised, alarm_sensors, patrols))
    world.on_apprehended.append(lambda by, persons: regional.report(f"apprehension by {by}"))

    targets = InjectTargets(env, log, world.add_group, {t.id: t for t in dispatcher.teams},
                            dispatcher.team_free, health, console)
    for process in (_crossings(env, world, groups), _nuisance(env, world),
                    *(_duty(env, world, s) for s in sources if isinstance(s, Patrol)),
                    run_injects(plan, targets)):
        env.process(process)
    env.run(until=env.process(_until_resolved(env, world, duration_s, until_s,
                                              cmd.fusion_interval_s)))
    horizon_s = float(env.now)

    paths = [MoverPath(mid, kind, traj.t_s, traj.xy) for mid, kind, traj in world.paths()]
    sensors_table = tuple((i, s.id, s.kind) for i, s in enumerate(sources))
    f = node.fused
    detections = {
        "t_s": f.det_t.copy(),
        "sensor": f.det_sensor.copy(),
        "z": f.det_z.copy(),
        "R": f.det_R.copy(),
        "truth": np.asarray(report_truth, dtype=np.int64).reshape(-1)[f.det_report],
        "track": f.det_track.copy(),
    }
    tracks = {"t_s": f.trk_t.copy(), "track": f.trk_id.copy(), "x": f.trk_x.copy()}
    records = tuple(log.records)
    kpis = replication_kpis(records, duration_s=duration_s, horizon_s=horizon_s,
                            operators=cmd.operators, teams=len(scenario.response.teams))
    return ReplicationResult(scenario.name, int(seed), int(replication), duration_s, horizon_s,
                             records, sensors_table, detections, tracks, tuple(paths),
                             border_fusion_overrides(cmd.fusion), kpis)


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


def _duty(env: simpy.Environment, world: World, patrol: Patrol):  # noqa: ANN202
    for walk in patrol.trajectories:
        yield env.timeout(max(walk.start_s - env.now, 0.0))
        world.start_duty(patrol.id, walk)
        yield env.timeout(max(walk.end_s - env.now, 0.0))
        world.end_duty(patrol.id)


def _until_resolved(env: simpy.Environment, world: World, duration_s: float, until_s: float,
                    tail_s: float):  # noqa: ANN202
    """Ends once crossings have stopped starting and every group is resolved."""
    yield env.timeout(duration_s)
    while world.active_groups() and env.now < until_s:
        yield env.timeout(RESOLVE_CHECK_S)
    yield env.timeout(tail_s)


def known_sensors(scenario: Scenario) -> KnownSensors:
    """The fixed point sensors and their reach, as informed groups know them."""
    xy, reach = [], []
    for spec in scenario.sensors:
        if isinstance(spec, SeismicSpec):
            xy.append(spec.position_m)
            reach.append(spec.radius_m)
        elif isinstance(spec, CameraSpec | RadarSpec):
            xy.append(spec.position_m)
            reach.append(spec.max_range_m)
    return KnownSensors(np.asarray(xy, dtype=float).reshape(-1, 2),
                        np.asarray(reach, dtype=float))
