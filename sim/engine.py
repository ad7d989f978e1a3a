"""One replication: build the world from a `Scenario` and a seed, run it, return data.

The flow (DESIGN.md, "One replication, end to end"):

1. **Build** by constructor injection (STYLE §2): terrain, daylight, the sensors and
   patrols (`sensors.registry.build_sensor`), one uplink per source (`sim.comms`),
   the local node (`command.nodes.FusionNode`), its alert rule and operators
   (`command.alerts`), the dispatcher and teams (`command.response`), the regional
   and national layers. Every source must have a link before t = 0.
2. **Crossings** (`sim.movers`): all arrival times and group attributes are drawn from
   their own streams; each group is *created* at its arrival time.
3. **Detection is event-driven.** When a group is created, every sensor computes all
   its reports of that group over the whole trajectory at once
   (``Sensor.observe`` with stream ``sensor/<id>/detect/<group>``), every report
   gets its link draws (``link/<id>/…``), and the reports are scheduled: a lost
   report is logged at its measurement time, a delivered one reaches the node at its
   arrival time. A report measured at or after the group's interception is dropped —
   the group no longer exists then. Nuisance alarms are drawn once per sensor for
   the whole run (``sensor/<id>/nuisance``) and scheduled the same way.
4. **Command**: fusion ticks, alerts, verification, dispatch, interception.
5. **Horizon**: crossings start during ``duration``; the run then continues (no new
   crossings; sensors, nuisance and command keep working) until every group has
   reached its destination or been intercepted, so every crossing gets a verdict.
   ``horizon_s`` is that end; per-day rates use it.

Common random numbers: world and sensor streams are consumed in an order fixed by
the groups alone (creation order, every look drawn), never by command decisions, so
variants differing in the command layer face the same crossings and the same
reports — until an interception removes a group's later reports.

The result is plain, picklable data (`ReplicationResult`): the event log plus the
arrays the run directory needs, so replications run in worker processes alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import simpy
from numpy.typing import NDArray

from command.alerts import AlertRule, OperatorQueue
from command.nodes import FusionNode, UpperNode, border_fusion_overrides, border_fusion_params
from command.response import Dispatcher
from sensors.base import Reports, Sensor
from sim.comms import Link
from sim.ground.daylight import Daylight
from sim.ground.events import (
    CrossingEnded,
    CrossingStarted,
    EventLog,
    Intercepted,
    Record,
    ReportLost,
    ReportReceived,
)
from sim.ground.specs import CameraSpec, RadarSpec, Scenario, SeismicSpec, Spec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory
from sim.metrics import replication_kpis
from sim.movers import CrossingGroup, KnownSensors, make_groups
from sim.rng import RandomStreams

FloatArray = NDArray[np.float64]
SensorFactory = Callable[..., Sensor]

#: Id of the local command node (stream ``command/post-1/verify``).
LOCAL_NODE = "post-1"

#: Sensor kinds whose every trigger is an alarm at the console (`command.alerts`).
ALARM_KINDS = frozenset({"fence", "seismic"})


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


class _World:
    """The groups' state as the dispatcher may touch it: trajectories, interceptions."""

    def __init__(self, env: simpy.Environment, groups: list[CrossingGroup],
                 log: EventLog) -> None:
        self.env, self.groups, self.log = env, groups, log
        self.intercepted_s = np.full(len(groups), np.inf)

    def trajectory_of(self, group: int) -> Trajectory:
        return self.groups[group].trajectory

    def intercept(self, group: int, t_s: float, team: str) -> None:
        self.env.process(self._intercept(group, t_s, team))

    def _intercept(self, group: int, t_s: float, team: str):  # noqa: ANN202
        yield self.env.timeout(max(t_s - self.env.now, 0.0))
        if np.isfinite(self.intercepted_s[group]):
            return
        self.intercepted_s[group] = self.env.now
        x, y = self.groups[group].trajectory.position_at(self.env.now).tolist()
        self.log.record(Intercepted(self.env.now, group, team, x, y))


def _default_sensor_factory() -> SensorFactory:
    from sensors.registry import build_sensor

    return build_sensor


class _Deliveries:
    """Schedules a batch of reports: lost ones logged, delivered ones to the node."""

    def __init__(self, env: simpy.Environment, node: FusionNode, world: _World,
                 log: EventLog) -> None:
        self.env, self.node, self.world, self.log = env, node, world, log
        self.dropped = 0

    def schedule(self, reports: Reports, sensor_idx: int, arrival_s: FloatArray) -> None:
        if not len(reports):
            return
        lost = np.isnan(arrival_s)
        when = np.where(lost, reports.t_s, arrival_s)
        # Events in time order; ties in report order (stable).
        order = np.argsort(when, kind="stable")
        self.env.process(self._run(reports, sensor_idx, when, lost, order))

    def _run(self, reports: Reports, sensor_idx: int, when: FloatArray, lost: np.ndarray,
             order: np.ndarray):  # noqa: ANN202 - a SimPy process
        env, node, log = self.env, self.node, self.log
        intercepted_s = self.world.intercepted_s
        name = reports.sensor
        t_meas, truth = reports.t_s.tolist(), reports.truth.tolist()
        xy = reports.xy
        for i in order.tolist():
            dt = float(when[i]) - env.now
            if dt > 0:
                yield env.timeout(dt)
            g = truth[i]
            if g >= 0 and t_meas[i] >= intercepted_s[g]:
                self.dropped += 1          # the group no longer existed then
                continue
            if lost[i]:
                log.record(ReportLost(env.now, name, g))
                continue
            log.record(ReportReceived(env.now, name, t_meas[i], g,
                                      float(xy[i, 0]), float(xy[i, 1])))
            node.receive(t_meas[i], sensor_idx, name, xy[i], reports.cov[i],
                         reports.class_lik[i], g)


def build_sources(scenario: Scenario, terrain: Terrain, daylight: Daylight, horizon_s: float,
                  factory: SensorFactory) -> list[Sensor]:
    """The sensors then the patrols, in scenario order (their index is the integer id)."""
    specs: list[Spec] = [*scenario.sensors, *scenario.patrols]
    return [factory(spec, terrain, daylight, duration_s=horizon_s) for spec in specs]


def run_replication(scenario: Scenario, seed: int, replication: int = 0, *,
                    sensor_factory: SensorFactory | None = None) -> ReplicationResult:
    """Run one replication of ``scenario`` with streams from (``seed``, ``replication``).

    Parameters
    ----------
    scenario : the validated scenario
    seed, replication : non-negative integers
    sensor_factory : ``factory(spec, terrain, daylight, duration_s=...)`` → `Sensor`;
        default `sensors.registry.build_sensor` (tests inject fakes)

    Returns
    -------
    ReplicationResult
    """
    streams = RandomStreams(seed, replication)
    terrain = Terrain(scenario.segment)
    daylight = Daylight(scenario.start, scenario.segment.sunrise, scenario.segment.sunset)
    duration_s = scenario.duration_s
    groups = make_groups(scenario.crossings, terrain, daylight, duration_s, streams,
                         known_sensors(scenario))
    last_end = max((g.end_s for g in groups), default=0.0)
    horizon_s = max(duration_s, last_end) + scenario.command.fusion_interval_s

    factory = sensor_factory or _default_sensor_factory()
    sources = build_sources(scenario, terrain, daylight, horizon_s, factory)
    links = {s.id: Link(scenario.link_for(s.id), s.id, streams.stream(f"link/{s.id}/loss"),
                        streams.stream(f"link/{s.id}/delay")) for s in sources}
    missing = [s.id for s in sources if s.id not in links]
    if missing:  # ports are checked before t = 0
        raise ValueError(f"sources without an uplink: {missing}")

    env = simpy.Environment()
    log = EventLog()
    world = _World(env, groups, log)
    node = FusionNode(env, LOCAL_NODE, scenario.command.fusion_interval_s,
                      border_fusion_params(scenario.command.fusion), log)
    up_latency = scenario.comms.default.latency_s
    national = UpperNode(env, "ncc", up_latency, log)
    regional = UpperNode(env, "region-1", up_latency, log, parent=national)
    dispatcher = Dispatcher(env, scenario.response.teams, world, node.predicted_position, log)

    def on_confirmed(alert):  # noqa: ANN001, ANN202
        regional.report(f"verified alert-{alert.id}")
        dispatcher.dispatch(alert)

    operators = OperatorQueue(env, scenario.command, streams.stream(f"command/{LOCAL_NODE}/verify"),
                              log, on_confirmed)
    alarm_sensors = frozenset(i for i, s in enumerate(sources) if s.kind in ALARM_KINDS)
    node.subscribe(AlertRule(scenario.command.alert_min_reports, log, operators.submit,
                             alarm_sensors))
    deliveries = _Deliveries(env, node, world, log)

    for idx, sensor in enumerate(sources):
        reports = sensor.nuisance(horizon_s, streams.stream(f"sensor/{sensor.id}/nuisance"))
        deliveries.schedule(reports, idx, links[sensor.id].send(reports.t_s))

    def crossings():  # noqa: ANN202 - a SimPy process
        for group in groups:
            yield env.timeout(max(group.arrival_s - env.now, 0.0))
            e, d = group.entry_xy, group.destination_xy
            log.record(CrossingStarted(env.now, group.index, group.size, group.speed_mps,
                                       float(e[0]), float(e[1]), float(d[0]), float(d[1]),
                                       group.end_s, group.informed))
            for idx, sensor in enumerate(sources):
                rng = streams.stream(f"sensor/{sensor.id}/detect/{group.name}")
                reports = sensor.observe(group.trajectory, group.index, rng)
                deliveries.schedule(reports, idx, links[sensor.id].send(reports.t_s))
            env.process(ended(group))

    def ended(group: CrossingGroup):  # noqa: ANN202 - a SimPy process
        yield env.timeout(group.end_s - env.now)
        if not np.isfinite(world.intercepted_s[group.index]):
            log.record(CrossingEnded(env.now, group.index))

    env.process(crossings())
    env.run(until=horizon_s)

    paths = [MoverPath(g.name, "group", *_walked(g, world.intercepted_s[g.index]))
             for g in groups]
    for s in sources:
        for traj in getattr(s, "trajectories", ()):
            paths.append(MoverPath(s.id, "patrol", traj.t_s, traj.xy))
    sensors_table = tuple((i, s.id, s.kind) for i, s in enumerate(sources))
    f = node.fused
    detections = {
        "t_s": np.asarray(f.det_t, dtype=float),
        "sensor": np.asarray(f.det_sensor, dtype=np.int64),
        "z": np.asarray(f.det_z, dtype=float).reshape(-1, 2),
        "R": np.asarray(f.det_R, dtype=float).reshape(-1, 2, 2),
        "truth": np.asarray(f.det_truth, dtype=np.int64),
        "track": np.asarray(f.det_track, dtype=np.int64),
    }
    tracks = {
        "t_s": np.concatenate(f.trk_t) if f.trk_t else np.zeros(0),
        "track": np.concatenate(f.trk_id) if f.trk_id else np.zeros(0, np.int64),
        "x": np.concatenate(f.trk_x) if f.trk_x else np.zeros((0, 4)),
    }
    records = tuple(log.records)
    kpis = replication_kpis(records, duration_s=duration_s, horizon_s=horizon_s,
                            operators=scenario.command.operators)
    return ReplicationResult(scenario.name, int(seed), int(replication), duration_s, horizon_s,
                             records, sensors_table, detections, tracks, tuple(paths),
                             border_fusion_overrides(scenario.command.fusion), kpis)


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


def _walked(group: CrossingGroup, intercepted_s: float) -> tuple[FloatArray, FloatArray]:
    traj = group.trajectory.until(intercepted_s) if np.isfinite(intercepted_s) \
        else group.trajectory
    return traj.t_s, traj.xy
