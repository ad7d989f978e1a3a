"""Alert rules and the operators' verification queue.

Alarm ≠ detection (DOMAIN.md §1.7.2): a track becomes an alert, an operator assesses
the alert (camera slew-to-cue) and only a decided alert leads to a dispatch
[OIG-06-15] [PSR-wiki]. Everything here is decided on the command's picture: the
track table, its fused class, what a camera shows an operator.

Alert rule (`AlertRule`)
    After every fusion tick, a track that has not raised an alert yet raises one — one
    alert per track, ever — when

    - it is confirmed and has at least ``alert_min_reports`` reports, or
    - it holds a report of an *alarm sensor* (fence, seismic: sensors whose every
      trigger sounds at the operator's console, confirmed track or not — the Arizona
      control room heard "a sensor beep every 30–40 s" [AZRep-2013]; >90 % of such
      alarms are not illegal activity [OIG-06-15]), or
    - it holds a patrol's report: a guard saw the group — the alert is verified at
      once (``source`` = the patrol) and goes straight to dispatch.

    A report too coarse to hold as a track (`command.nodes.CoarseReport`: position std
    above ``max_position_std_m`` — a drag road's sign found hours after the crossing, a
    dog team's trail) still sounds at the console when an alarm sensor or a patrol sent
    it: it raises an alert for the one-report track it started, at the report's
    position, with its class evidence (a planner's sign-cutting find reaches a team;
    without this it reached nobody). Other such reports raise none.

    Priority [G]: 1 (high) for a patrol's sighting, for reports from two or more
    distinct sensors, or a fused P(person or vehicle) of at least 0.8; 3 (low) when
    the fused P(animal) is at least 0.6; else 2. Tracks are visited by id.

Verification queue (`OperatorQueue`)
    ``operators`` operators (a `simpy.PriorityResource`: priority 1 before 2 before 3,
    then first come first served). The operator takes the track's position now and
    looks for a camera that covers it (`CameraView.covers`: within its sector):

    - **camera**: slew (the camera's ``slew_s``), then look for an exponential time of
      mean ``verification_time_s`` at the track's predicted position then; what the
      camera shows (`Look.look`: the world decides, by the camera's recognition
      probability at that range, day or night) is the verdict: persons seen →
      *confirmed*; nothing seen → *check* (send a team to look) if the fused
      P(person or vehicle) ≥ ``check_unseen_above``, else *rejected*;
    - **no camera, a UAV**: when an alert-mode UAV can fly (`UAVView`), the operator
      launches it with a `sim.ground.field.UAVTask`; the world answers when it will
      be overhead (None: it cannot fly — grounded, busy, out of reach); the operator
      waits for it, looks for an exponential time of mean ``verification_time_s`` and
      decides as through a camera;
    - **no camera**: assess for an exponential time of mean ``assess_time_s``, then
      *dismissed* if the fused P(animal) ≥ ``dismiss_animal_above``, else *check*:
      where no camera sees, only a team or patrol can look — nuisance alarms then
      cost team time, the central trade-off between sensors and patrols.

Stream: ``command/<node>/verify`` — per verification, in the order verifications
start: one exponential time. The command's own draws; no world draw depends on them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import simpy
from numpy.typing import NDArray

from command.nodes import CoarseReport, FusionNode, TrackEstimate
from sim.ground.events import AlertRaised, AlertVerified, EventLog
from sim.ground.field import UAVTask
from sim.ground.specs import CameraSpec, CommandSpec, UAVSpec

FloatArray = NDArray[np.float64]

PERSON, VEHICLE, ANIMAL = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert raised for a track.

    Attributes
    ----------
    id : 0, 1, … in order of raising
    t_s : when raised, s
    track : track id
    priority : 1 high, 2 normal, 3 low
    x_m, y_m : the track's position when the alert was raised, m
    class_prob : fused P(person), P(vehicle), P(animal) then
    source : the patrol that saw the group ('' for sensors)
    """

    id: int
    t_s: float
    track: int
    priority: int
    x_m: float
    y_m: float
    class_prob: tuple[float, float, float] = (1 / 3, 1 / 3, 1 / 3)
    source: str = ""

    @property
    def p_threat(self) -> float:
        """Fused P(person or vehicle)."""
        return self.class_prob[PERSON] + self.class_prob[VEHICLE]


def alert_priority(class_prob: FloatArray, n_sensors: int, patrol_seen: bool) -> int:
    """Priority 1, 2 or 3 by the rule in the module docstring."""
    if patrol_seen or n_sensors >= 2 or class_prob[PERSON] + class_prob[VEHICLE] >= 0.8:
        return 1
    return 3 if class_prob[ANIMAL] >= 0.6 else 2


class AlertRule:
    """Turns tracks into alerts (rule in the module docstring).

    Parameters
    ----------
    min_reports : `CommandSpec.alert_min_reports`
    log : event log
    on_alert : called with each new alert
    alarm_sensors : integer ids of the alarm sensors (fence, seismic)
    patrols : integer id → id of each patrol
    """

    def __init__(self, min_reports: int, log: EventLog, on_alert: Callable[[Alert], None],
                 alarm_sensors: frozenset[int] = frozenset(),
                 patrols: dict[int, str] | None = None) -> None:
        self.min_reports = int(min_reports)
        self.alarm_sensors = frozenset(alarm_sensors)
        self.patrols = dict(patrols or {})
        self.log = log
        self.on_alert = on_alert
        self._alerted: set[int] = set()
        self.alerts: list[Alert] = []

    def evaluate(self, now_s: float, node: FusionNode) -> None:
        """Raise alerts for tracks that now qualify (and coarse reports, above), by
        track id."""
        table = node.tracks
        alerted = self._alerted
        ids = table.ids.tolist()
        if not node.coarse and alerted.issuperset(ids):   # most ticks: nothing new
            return
        fresh: list[tuple[int, int | CoarseReport]] = [
            (track, row) for row, track in enumerate(ids) if track not in alerted]
        if node.coarse:
            fresh = sorted(fresh + [(c.track, c) for c in node.coarse
                                    if c.track not in alerted],
                           key=lambda pair: pair[0])
        if not fresh:
            return
        # plain lists: a tick has a few fresh tracks, most of which raise nothing
        is_confirmed, n_updates = table.is_confirmed.tolist(), table.n_updates.tolist()
        min_reports, alarm_sensors = self.min_reports, self.alarm_sensors
        patrol_ids = frozenset(self.patrols)
        for track, row in fresh:
            sensors = node.track_sensors(track)
            confirmed = (not isinstance(row, CoarseReport) and is_confirmed[row]
                         and n_updates[row] >= min_reports)
            if not (confirmed or not sensors.isdisjoint(alarm_sensors)
                    or not sensors.isdisjoint(patrol_ids)):
                continue
            seen_by = sorted(sensors & patrol_ids)
            self._alerted.add(track)
            if isinstance(row, CoarseReport):
                p, n_reports, x, y = np.array(row.class_prob), 1, row.x_m, row.y_m
            else:
                p, n_reports = table.class_prob[row], n_updates[row]
                x, y = table.x[row, :2].tolist()
            priority = alert_priority(p, len(sensors), bool(seen_by))
            source = self.patrols[seen_by[0]] if seen_by else ""
            alert = Alert(len(self.alerts), now_s, track, priority, x, y,
                          (float(p[0]), float(p[1]), float(p[2])), source)
            self.alerts.append(alert)
            self.log.record(AlertRaised(now_s, alert.id, track, priority, n_reports, x, y,
                                        float(p[PERSON]), float(p[ANIMAL]), source))
            self.on_alert(alert)


#: Relative margin on the squared range, and margin on the bearing (deg), within which
#: `CameraView.covers_point` asks numpy: far wider than the few ulps plain floats and
#: numpy can differ by.
_NEAR_EDGE = 1e-9


@dataclass(frozen=True)
class CameraView:
    """What the command knows of a camera: where it stands and looks (its spec).

    ``index`` is its integer sensor id in the run.
    """

    index: int
    spec: CameraSpec
    #: The spec's position (m) and range (m) as plain floats, read at every alert.
    _px: float = field(init=False, repr=False, compare=False)
    _py: float = field(init=False, repr=False, compare=False)
    _r: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        (px, py), r = self.spec.position_m, self.spec.max_range_m
        for name, value in (("_px", px), ("_py", py), ("_r", r)):
            object.__setattr__(self, name, float(value))

    def range_m(self, xy: FloatArray) -> float:
        return float(np.hypot(*(np.asarray(xy, float) - self.spec.position_m)))

    def covers(self, xy: FloatArray) -> bool:
        """Within the camera's range and field of view."""
        x, y = map(float, xy)
        return self.covers_point(x, y)

    def covers_point(self, x: float, y: float) -> bool:
        """`covers` of the point (``x``, ``y``) m.

        The range and the bearing off the heading are first found with plain floats
        (squared range, the standard library's ``atan2``); only a point within
        `_NEAR_EDGE` of either limit is decided by numpy's ``hypot`` and ``arctan2``
        (the reference), so every answer is theirs."""
        px, py, r = self._px, self._py, self._r
        if abs(x - px) > r or abs(y - py) > r:  # out along an axis: farther than r, cheaply
            return False
        dx, dy = x - px, y - py
        d2, r2 = dx * dx + dy * dy, r * r
        if d2 > r2 * (1.0 + _NEAR_EDGE) or (
                d2 >= r2 * (1.0 - _NEAR_EDGE) and float(np.hypot(dx, dy)) > r):
            return False
        spec = self.spec
        if spec.fov_deg >= 360:
            return True
        half = spec.fov_deg / 2
        off = abs((math.degrees(math.atan2(dy, dx)) - spec.heading_deg + 180) % 360 - 180)
        if abs(off - half) > _NEAR_EDGE:
            return off <= half
        off = (np.degrees(np.arctan2(dy, dx)) - spec.heading_deg + 180) % 360 - 180
        return bool(abs(off) <= half)


@dataclass(frozen=True)
class UAVView:
    """What the command knows of an alert-mode UAV: its spec; ``index`` its integer
    source id."""

    index: int
    spec: UAVSpec


class Look(Protocol):
    """A camera shows the operator the scene (implemented by `sim.world.World`)."""

    def look(self, camera: int, xy: FloatArray, t_s: float, radius_m: float) -> int:
        """Persons the operator recognises within ``radius_m`` of ``xy`` now."""

    def launch(self, task: UAVTask) -> float | None:
        """Send a UAV; when it will be overhead (None: it cannot fly)."""


Decided = Callable[[Alert, str], None]


class OperatorQueue:
    """The operators' verification queue at the local node.

    Parameters
    ----------
    env : simulation environment
    spec : operators, times and thresholds
    cameras : the cameras the operators can slew
    camera : the world's answer to a look through a camera
    picture : the local node's ``track_estimate``
    rng : stream ``command/<node>/verify``
    log : event log
    on_decided : called with each alert and its decision (confirmed, check, rejected,
        dismissed)
    offline : ids of sensors the command knows to be out of service: a camera among
        them is not slewed
    seats : operator seats (default ``spec.operators``)
    """

    def __init__(self, env: simpy.Environment, spec: CommandSpec,
                 cameras: Sequence[CameraView], camera: Look,
                 picture: Callable[[int], TrackEstimate | None], rng: np.random.Generator,
                 log: EventLog, on_decided: Decided,
                 uavs: Sequence[UAVView] = (), offline: Container[str] = frozenset(),
                 seats: int | None = None,
                 request_uav: Callable[[int, FloatArray], simpy.Event] | None = None
                 ) -> None:
        self.env = env
        self.spec = spec
        self.cameras = list(cameras)
        self.camera = camera
        self.picture = picture
        self.rng = rng
        self.log = log
        self.on_decided = on_decided
        #: sensor ids the command knows to be out of service (`command.health`)
        self.offline = offline
        #: seats at the console; more than ``spec.operators`` when a shift change adds
        #: operators later (`command.health.Console` holds the empty seats)
        self.operators = simpy.PriorityResource(env, capacity=seats or spec.operators)
        self.uavs = list(uavs)
        #: with the regional centre tasking UAVs: ask it (the event's value is its
        #: `command.layers.UAVOrder`); None: the operator launches one at once
        self.request_uav = request_uav
        self.down: set[int] = set()

    def sensor_health(self, index: int, up: bool) -> None:
        """A health report arrived: sensor ``index`` is up again, or down (its camera is
        not slewed to until repaired)."""
        (self.down.discard if up else self.down.add)(index)

    def submit(self, alert: Alert) -> None:
        """Queue ``alert`` for verification."""
        self.env.process(self._verify(alert))

    def _where(self, alert: Alert) -> FloatArray:
        est = self.picture(alert.track)
        if est is None:
            return np.array([alert.x_m, alert.y_m])
        return est.predict(self.env.now, self.spec.predict_max_s)

    def _verify(self, alert: Alert):  # noqa: ANN202 - a SimPy process
        spec = self.spec
        with self.operators.request(priority=alert.priority) as req:
            yield req
            start = self.env.now
            xy = self._where(alert)
            x, y = map(float, xy)
            # `covers_point`'s cheap first test inline: most cameras are far along an axis
            views = [c for c in self.cameras
                     if not (abs(x - c._px) > c._r or abs(y - c._py) > c._r)
                     and c.covers_point(x, y)
                     and c.index not in self.down and c.spec.id not in self.offline]
            if views:
                view = views[0] if len(views) == 1 else min(views,
                                                            key=lambda c: c.range_m(xy))
                wait = view.spec.slew_s + float(self.rng.exponential(spec.verification_time_s))
                yield self.env.timeout(wait)
                persons = self.camera.look(view.index, self._where(alert), self.env.now,
                                           spec.verify_radius_m)
                camera = view.spec.id
                if persons > 0:
                    decision = "confirmed"
                else:
                    decision = ("check" if alert.p_threat >= spec.check_unseen_above
                                else "rejected")
            else:
                over = None
                if self.uavs and self.request_uav is not None:
                    order = yield self.request_uav(alert.id, xy)
                    uav = next((u for u in self.uavs if u.index == order.uav), self.uavs[0])
                    over = order.overhead_s if order.uav >= 0 else None
                else:
                    for uav in self.uavs:
                        over = self.camera.launch(UAVTask(uav.index, xy, self.env.now))
                        if over is not None:
                            break
                if over is not None:
                    wait = over - self.env.now + float(
                        self.rng.exponential(spec.verification_time_s))
                    yield self.env.timeout(max(wait, 0.0))
                    persons = self.camera.look(uav.index, self._where(alert), self.env.now,
                                               spec.verify_radius_m)
                    camera = uav.spec.id
                    decision = ("confirmed" if persons > 0 else
                                "check" if alert.p_threat >= spec.check_unseen_above
                                else "rejected")
                else:
                    yield self.env.timeout(float(self.rng.exponential(spec.assess_time_s)))
                    persons, camera = 0, ""
                    decision = ("dismissed"
                                if alert.class_prob[ANIMAL] >= spec.dismiss_animal_above
                                else "check")
        self.log.record(AlertVerified(self.env.now, alert.id, start, camera, decision, persons))
        self.on_decided(alert, decision)
