"""Alert rules and the operators' verification queue.

Alarm ≠ detection (DOMAIN.md §1.7.2): a track becomes an alert, an operator assesses
the alert (camera slew-to-cue) and only a confirmed alert leads to a dispatch
[OIG-06-15] [PSR-wiki].

Alert rule (`AlertRule`)
    After every fusion tick, a track that has not raised an alert yet raises one — one
    alert per track, ever — when

    - it is confirmed and has at least ``alert_min_reports`` reports, or
    - it holds a report of an *alarm sensor* (fence, seismic: sensors whose every
      trigger sounds at the operator's console, confirmed track or not — the Arizona
      control room heard "a sensor beep every 30–40 s" [AZRep-2013]; >90 % of such
      alarms are not illegal activity [OIG-06-15]).

    Priority 1 (high) when reports from two or more distinct sensors corroborate the
    track, else 2 [G]. Tracks are visited in table order (by id).

Verification queue (`OperatorQueue`)
    ``operators`` operators (a `simpy.PriorityResource`: priority 1 before 2, then
    first come first served). An operator holds an alert for an exponential time of
    mean ``verification_time_s`` [G] (a memoryless stand-in: slew, look, decide; the
    real distribution is unknown). Outcome: a track of a real group is confirmed with
    probability ``verification_pd`` (the operator may miss the group in the picture);
    a nuisance track (truth -1: animals, wind) is always rejected [G].

Streams: ``command/<node>/verify`` — per verification, in the order verifications
start: the time, then the confirmation draw (drawn for every alert, real or not).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from command.nodes import FusionNode
from sim.ground.events import AlertRaised, AlertVerified, EventLog
from sim.ground.specs import CommandSpec


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert raised for a confirmed track.

    Attributes
    ----------
    id : 0, 1, … in order of raising
    t_s : when raised, s
    track : track id
    priority : 1 high, 2 normal
    truth : the track's truth (mover id, -1 nuisance), for verification and scoring
    x_m, y_m : the track's position when the alert was raised, m
    """

    id: int
    t_s: float
    track: int
    priority: int
    truth: int
    x_m: float = float("nan")
    y_m: float = float("nan")


class AlertRule:
    """Turns confirmed tracks into alerts (rule in the module docstring).

    Parameters
    ----------
    min_reports : `CommandSpec.alert_min_reports`
    log : event log
    on_alert : called with each new alert (the verification queue's ``submit``)
    alarm_sensors : integer ids of the alarm sensors (fence, seismic)
    """

    def __init__(self, min_reports: int, log: EventLog, on_alert: Callable[[Alert], None],
                 alarm_sensors: frozenset[int] = frozenset()) -> None:
        self.min_reports = int(min_reports)
        self.alarm_sensors = frozenset(alarm_sensors)
        self.log = log
        self.on_alert = on_alert
        self._alerted: set[int] = set()
        self.alerts: list[Alert] = []

    def evaluate(self, now_s: float, node: FusionNode) -> None:
        """Raise alerts for tracks that now qualify."""
        table = node.tracks
        ok = table.is_confirmed & (table.n_updates >= self.min_reports)
        for row in range(len(table.ids)):
            track = int(table.ids[row])
            if track in self._alerted:
                continue
            if not ok[row] and not (self.alarm_sensors
                                    and node.track_sensors(track) & self.alarm_sensors):
                continue
            self._alerted.add(track)
            priority = 1 if node.track_sensor_count(track) >= 2 else 2
            x, y = table.x[row, :2].tolist()
            alert = Alert(len(self.alerts), now_s, track, priority, node.track_truth(track),
                          x, y)
            self.alerts.append(alert)
            self.log.record(AlertRaised(now_s, alert.id, track, priority, alert.truth,
                                        int(table.n_updates[row]), x, y))
            self.on_alert(alert)


class OperatorQueue:
    """The operators' verification queue at the local node.

    Parameters
    ----------
    env : simulation environment
    spec : operators, verification time and Pd
    rng : stream ``command/<node>/verify``
    log : event log
    on_confirmed : called with each alert an operator confirms (the dispatcher)
    """

    def __init__(self, env: simpy.Environment, spec: CommandSpec, rng: np.random.Generator,
                 log: EventLog, on_confirmed: Callable[[Alert], None]) -> None:
        self.env = env
        self.spec = spec
        self.rng = rng
        self.log = log
        self.on_confirmed = on_confirmed
        self.operators = simpy.PriorityResource(env, capacity=spec.operators)

    def submit(self, alert: Alert) -> None:
        """Queue ``alert`` for verification."""
        self.env.process(self._verify(alert))

    def _verify(self, alert: Alert):  # noqa: ANN202 - a SimPy process
        with self.operators.request(priority=alert.priority) as req:
            yield req
            start = self.env.now
            duration = float(self.rng.exponential(self.spec.verification_time_s))
            u = float(self.rng.random())
            yield self.env.timeout(duration)
        confirmed = alert.truth >= 0 and u < self.spec.verification_pd
        self.log.record(AlertVerified(self.env.now, alert.id, start, confirmed, alert.truth))
        if confirmed:
            self.on_confirmed(alert)
