"""Reaction teams: dispatch on what the command knows, intercept, search, return.

A team knows only the alert's track — its estimate, covariance, class and age, read
from the local node's picture at every re-plan (`command.nodes.TrackEstimate`) —
the map, and what it sees itself. The true position of a group decides what a team
*sees* (the world tells it of a sighting); it never steers the team.

Dispatch (`Dispatcher`)
    A decided alert (persons confirmed by a camera or a patrol: *intercept*; or
    unseen and worth a look: *check*) goes to the free team that the planner says
    gets soonest to the track's predicted position (ties: the team listed first); a
    team called away (``available`` False) gets no new task.
    With no team free, alerts wait in order of priority then time, and are served
    as teams come free. An alert whose track already has a team on it is not sent
    again ("already handled").

A mission (`Team`)
    1. **Readiness**: the team leaves after ``readiness_s`` (normal with spread
       ``readiness_sd_s``, truncated at 0; draws from the command's stream
       ``command/team/<id>/readiness`` keyed by the dispatch time).
    2. **Intercept**: it heads for the earliest point where the track's prediction
       can be met (`command.travel.plan_intercept`): by vehicle on roads, then on
       foot. Every ``replan_s`` it reads the track again; if the track was updated
       since and the intercept point moved more than `REPLAN_SHIFT_M`, it re-plans
       from where it is.
    3. **Search**: on arrival it walks an expanding square around the predicted
       position for ``search_s``; a track update sends it to the new intercept point.
       If the track is lost (deleted), it goes on to the last predicted point and
       searches there for ``search_s``.
    4. **Sighting**: when the world tells it that it sees a group, it gives chase
       (``chase_speed_mps`` for at most ``pursuit_max_s``). An apprehension takes at
       most ``capacity`` persons; the team then hands them over (``escort_s``).
    5. **Return**: it drives back to base and is free again.

Busy time: from the dispatch until the team is back at base (`TeamBack`); the
scorer splits it by what the alert really was (nuisance or real) for KPIs.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import simpy
from numpy.typing import NDArray

from command.alerts import Alert
from command.nodes import TrackEstimate
from command.travel import TravelPlanner, plan_intercept
from sim.ground.daylight import Daylight
from sim.ground.events import (
    DispatchSkipped,
    EventLog,
    TeamBack,
    TeamOnScene,
    TeamReturning,
    TeamTasked,
)
from sim.ground.field import Contact, Pursuit
from sim.ground.keyed import Draws, time_index
from sim.ground.specs import TeamSpec
from sim.ground.trajectory import Trajectory

FloatArray = NDArray[np.float64]

#: A team re-routes on a track update only when its intercept point moves farther
#: than this, m [G] (smaller shifts are corrected on the way).
REPLAN_SHIFT_M = 100.0


class FieldWorld(Protocol):
    """What a team may do in the true world (implemented by `sim.world.World`)."""

    def move(self, mover: str, trajectory: Trajectory) -> None:
        """``mover`` follows ``trajectory`` from now on."""

    def park(self, mover: str) -> None:
        """``mover`` is back at base, out of the field."""

    def pursue(self, mover: str, contact: Contact, speed_mps: float, max_s: float,
               capture_radius_m: float, capacity: int) -> Pursuit:
        """Chase the group of ``contact``; the world decides how it ends."""


Picture = Callable[[int], TrackEstimate | None]


@dataclass(frozen=True)
class Task:
    """A decided alert for a team: ``kind`` intercept or check."""

    alert: Alert
    kind: str


class Team:
    """One reaction team and its missions (rules in the module docstring)."""

    def __init__(self, env: simpy.Environment, spec: TeamSpec, planner: TravelPlanner,
                 world: FieldWorld, picture: Picture, daylight: Daylight | None,
                 predict_max_s: float, draws: Draws, log: EventLog,
                 on_free: Callable[[Team], None]) -> None:
        self.env, self.spec, self.planner, self.world = env, spec, planner, world
        self.picture, self.daylight, self.predict_max_s = picture, daylight, predict_max_s
        self.draws, self.log, self.on_free = draws, log, on_free
        self.base = np.asarray(spec.base_m, float)
        self.task: Task | None = None
        self.trajectory: Trajectory | None = None
        self._contact: simpy.Event | None = None
        self._pending: Contact | None = None
        self.busy = False
        #: False while the team is called away (an inject): it gets no new task
        self.available = True

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def free(self) -> bool:
        """At base, available and not on a mission: it can be tasked."""
        return not self.busy and self.available

    # --------------------------------------------------------------- the world
    def see(self, contact: Contact) -> None:
        """The world: this team now sees a group."""
        self._pending = contact
        if self._contact is not None and not self._contact.triggered:
            self._contact.succeed()

    def position(self) -> FloatArray:
        if self.trajectory is None:
            return self.base
        return self.trajectory.position_at(self.env.now)

    def _go(self, trajectory: Trajectory) -> None:
        self.trajectory = trajectory
        self.world.move(self.id, trajectory)

    # ----------------------------------------------------------------- mission
    def start(self, task: Task) -> None:
        self.busy, self.task = True, task
        self.env.process(self._mission(task))

    def _readiness_s(self) -> float:
        z = float(self.draws.normal(time_index([self.env.now]), 1)[0, 0])
        return max(self.spec.readiness_s + self.spec.readiness_sd_s * z, 0.0)

    def _mission(self, task: Task):  # noqa: ANN202 - a SimPy process
        env, spec = self.env, self.spec
        alert = task.alert
        leave = env.now + self._readiness_s()
        est = self.picture(alert.track)
        aim = self._aim(est, alert, leave)
        self.log.record(TeamTasked(env.now, alert.id, spec.id, task.kind, float(aim[0]),
                                   float(aim[1]), leave))
        yield env.timeout(leave - env.now)
        reason = yield from self._hunt(alert, est, aim)
        self.log.record(TeamReturning(env.now, spec.id, alert.id, reason))
        home = self.planner.route(self.position(), self.base, env.now)
        self._go(home)
        yield env.timeout(max(home.end_s - env.now, 0.0))
        self.world.park(self.id)
        self.trajectory = None
        self.busy, self.task = False, None
        self.log.record(TeamBack(env.now, spec.id))
        self.on_free(self)

    def _aim(self, est: TrackEstimate | None, alert: Alert, leave_s: float) -> FloatArray:
        """Where to head for: the intercept point of the track, or its last position."""
        if est is None:
            return np.array([alert.x_m, alert.y_m])
        return plan_intercept(self.planner, _predictions(est, self.predict_max_s),
                              self.position(), leave_s, self.predict_max_s)

    def _moved(self, basis: TrackEstimate | None, latest: TrackEstimate, now_s: float) -> bool:
        """Whether the track's prediction now moved enough since the plan to re-plan
        (cheap test before the intercept search)."""
        if basis is None:
            return True
        old = basis.predict(now_s, self.predict_max_s)
        new = latest.predict(now_s, self.predict_max_s)
        return float(np.hypot(*(new - old))) > REPLAN_SHIFT_M / 2

    def _sweep_range_m(self) -> float:
        night = self.daylight is not None and bool(self.daylight.is_night(self.env.now))
        return self.spec.detection_range_m * (self.spec.night_range_factor if night else 1.0)

    def _hunt(self, alert: Alert, est: TrackEstimate | None,
              aim: FloatArray):  # noqa: ANN202
        """Intercept (``aim``: planned at dispatch for the leaving time), search, chase;
        returns why the team goes home."""
        env, spec = self.env, self.spec
        used = est.last_update_s if est is not None else -np.inf
        basis = est
        self._go(self.planner.route(self.position(), aim, env.now))
        searching_since: float | None = None
        lost = est is None
        while True:
            assert self.trajectory is not None
            if self._pending is not None:
                contact, self._pending = self._pending, None
                caught = yield from self._chase(contact)
                if caught:
                    return "apprehended"
                aim = self.position()
                searching_since = None
            now = env.now
            if searching_since is None and now >= self.trajectory.end_s - 1e-9:
                searching_since = now
                self.log.record(TeamOnScene(now, alert.id, spec.id, float(aim[0]),
                                            float(aim[1])))
                self._go(self.planner.search_pattern(self.position(), now, spec.search_s,
                                                     self._sweep_range_m()))
            if searching_since is not None and now >= searching_since + spec.search_s - 1e-9:
                return "lost" if lost else "searched"
            latest = None if lost else self.picture(alert.track)
            if latest is None and not lost:
                lost = True
            if latest is not None and latest.last_update_s > used and \
                    self._moved(basis, latest, now):
                used, basis = latest.last_update_s, latest
                new_aim = self._aim(latest, alert, now)
                if float(np.hypot(*(new_aim - aim))) > REPLAN_SHIFT_M:
                    aim = new_aim
                    self._go(self.planner.route(self.position(), aim, now))
                    searching_since = None
            # sleep until the next re-plan, the end of this leg, or a sighting
            end = (self.trajectory.end_s if searching_since is None
                   else searching_since + spec.search_s)
            if lost and self._pending is None:   # no wake before ``end`` would act
                delay = _lost_delay_s(now, end, spec.replan_s)
            else:
                delay = max(min(now + spec.replan_s, end) - now, 0.0)
            self._contact = env.event()
            yield env.timeout(delay) | self._contact
            self._contact = None

    def _chase(self, contact: Contact):  # noqa: ANN202
        spec = self.spec
        result = self.world.pursue(self.id, contact, spec.chase_speed_mps, spec.pursuit_max_s,
                                   spec.capture_radius_m, spec.capacity)
        self.trajectory = result.trajectory
        yield self.env.timeout(max(result.end_s - self.env.now, 0.0))
        if result.apprehended > 0:
            self.trajectory = self.trajectory.until(self.env.now)
            yield self.env.timeout(spec.escort_s)
            return True
        return False


def _lost_delay_s(now_s: float, end_s: float, replan_s: float) -> float:
    """Delay from ``now_s`` to the first re-plan wake of `Team._hunt` that acts, for a
    lost track (nothing to re-plan on: every wake before ``end_s`` would do nothing), s.

    The wakes are summed as the re-plan clock sums them (``now + min(now + replan,
    end) - now``, wake after wake), and the delay is the one whose sum with ``now_s``
    is that wake's time, so the team wakes at the very float it would have woken at.
    """
    t = now_s
    while True:
        t += max(min(t + replan_s, end_s) - t, 0.0)
        if t >= end_s - 1e-9:
            break
    delay = t - now_s
    while now_s + delay < t:
        delay = math.nextafter(delay, math.inf)
    while now_s + delay > t:
        delay = math.nextafter(delay, -math.inf)
    return delay


def _predictions(est: TrackEstimate,
                 max_ahead_s: float) -> Callable[[FloatArray], FloatArray]:
    """`TrackEstimate.predict` at many times at once: positions (n, 2), m, at times
    (n,), s (the same floats, element by element)."""
    held_s = est.last_update_s + max_ahead_s

    def at(t_s: FloatArray) -> FloatArray:
        dt = np.maximum(np.minimum(t_s, held_s) - est.time_s, 0.0)
        return est.x[:2] + est.x[2:] * dt[:, None]

    return at


class Dispatcher:
    """Sends reaction teams after decided alerts (rules in the module docstring).

    Parameters
    ----------
    env : simulation environment
    teams : the teams, in scenario order
    picture : the local node's ``track_estimate``
    log : event log
    """

    def __init__(self, env: simpy.Environment, teams: Sequence[Team], picture: Picture,
                 log: EventLog) -> None:
        self.env = env
        self.teams = list(teams)
        self.picture = picture
        self.log = log
        # the alerts waiting for a team, a heap by urgency (priority, raised, id; then
        # the order they were queued): alerts are frozen, so the order never changes
        self.waiting: list[tuple[int, float, int, int, Task]] = []
        self._queued = 0

    def team_free(self, team: Team) -> None:
        """A team is back: serve the waiting alerts, most urgent first."""
        while self.waiting and any(t.free for t in self.teams):
            self.dispatch(heapq.heappop(self.waiting)[-1])

    def dispatch(self, task: Task) -> None:
        """Send the soonest free team after ``task`` (or queue it)."""
        alert = task.alert
        if any(t.busy and t.task is not None and t.task.alert.track == alert.track
               for t in self.teams):
            self.log.record(DispatchSkipped(self.env.now, alert.id, "already handled"))
            return
        free = [t for t in self.teams if t.free]
        if not self.teams:
            self.log.record(DispatchSkipped(self.env.now, alert.id, "no teams"))
            return
        if not free:
            heapq.heappush(self.waiting, (alert.priority, alert.t_s, alert.id, self._queued,
                                          task))
            self._queued += 1
            return
        est = self.picture(alert.track)
        where = (est.predict(self.env.now) if est is not None
                 else np.array([alert.x_m, alert.y_m]))
        eta = [float(t.planner.estimate_s(t.base, where[None, :])[0]) + t.spec.readiness_s
               for t in free]
        free[int(np.argmin(eta))].start(task)
