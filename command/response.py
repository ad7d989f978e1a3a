"""Reaction teams: dispatch, interception, return to base.

Dispatch (`Dispatcher.dispatch`)
    A confirmed alert goes to the nearest free team — straight-line distance from its
    base to the track's predicted position now (ties: the team listed first). With no
    team free, the alert waits (first come, first served) and is served when a team
    returns. The target is the track's prediction now; if the track has been deleted
    meanwhile, the position where the alert was raised (last known position). Operators
    recognise a group they already sent a team after: an alert whose group has a team
    on it, or was intercepted, is not dispatched again ("already handled").

Interception (`meeting_time`)
    The team leaves ``readiness_s`` after the dispatch and then moves at
    ``speed_mps`` in a straight line; it is vectored onto the group by the node's
    track updates, so we take the earliest time ``t`` at which the group's **true**
    piecewise-linear position is within the team's reach:

        |G(t) − base| ≤ speed × (t − leave) + capture_radius,   leave ≤ t ≤ end

    (``end``: the group reaches its destination, the vanishing line). This is the
    best pursuit the team can make — optimistic: perfect guidance, straight roads
    everywhere [G]. If no such ``t`` exists, the group gets away.

Busy time
    After an interception the team drives back to base from the meeting point. After a
    miss it gives up when the group vanishes, having driven towards the destination for
    at most the time available, and drives back as far as it went [G].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import simpy
from numpy.typing import NDArray

from command.alerts import Alert
from sim.ground.events import Dispatched, DispatchSkipped, EventLog, TeamBack
from sim.ground.specs import TeamSpec
from sim.ground.trajectory import Trajectory

FloatArray = NDArray[np.float64]


def meeting_time(trajectory: Trajectory, base_xy: FloatArray, leave_s: float,
                 speed_mps: float, capture_radius_m: float) -> float | None:
    """Earliest t in [leave_s, trajectory end] with |G(t) − base| ≤ v (t − leave) + r.

    Returns None if the group reaches the end of its trajectory first.

    Examples
    --------
    A group walking east at 1 m/s from (0, 0); a team at (100, 0) that leaves at
    t = 0 at 1 m/s with a 10 m radius meets it when 2t + 10 = 100:

    >>> traj = Trajectory(np.array([0.0, 1000.0]), np.array([[0.0, 0.0], [1000.0, 0.0]]))
    >>> meeting_time(traj, np.array([100.0, 0.0]), 0.0, 1.0, 10.0)
    45.0
    """
    base = np.asarray(base_xy, dtype=float)
    t_pts, xy = trajectory.t_s, trajectory.xy
    if leave_s >= t_pts[-1]:
        return None
    if leave_s > t_pts[0]:  # only the part after the team leaves matters
        keep = t_pts > leave_s
        t_pts = np.concatenate([[leave_s], t_pts[keep]])
        xy = np.vstack([trajectory.position_at(leave_s), xy[keep]])
    v, r = float(speed_mps), float(capture_radius_m)
    for k in range(len(t_pts) - 1):
        t0, t1 = float(t_pts[k]), float(t_pts[k + 1])
        if t1 <= t0:
            continue
        u = (xy[k + 1] - xy[k]) / (t1 - t0)
        d0 = xy[k] - base
        c = v * (t0 - leave_s) + r            # reach at t0
        if float(np.hypot(*d0)) <= c:
            return t0
        # |d0 + u τ|² = (v τ + c)²  →  a τ² + b τ + q = 0
        a = float(u @ u) - v * v
        b = 2.0 * (float(d0 @ u) - v * c)
        q = float(d0 @ d0) - c * c           # > 0 here
        roots: list[float] = []
        if abs(a) < 1e-12:
            if b < 0:
                roots.append(-q / b)
        else:
            disc = b * b - 4 * a * q
            if disc >= 0:
                sq = np.sqrt(disc)
                roots += [(-b - sq) / (2 * a), (-b + sq) / (2 * a)]
        good = [tau for tau in roots if 0.0 <= tau <= t1 - t0 and v * tau + c >= 0]
        if good:
            return float(t0 + min(good))
    return None


class World(Protocol):
    """What the dispatcher needs of the simulated world (implemented by the engine)."""

    def trajectory_of(self, group: int) -> Trajectory: ...

    def intercept(self, group: int, t_s: float, team: str) -> None:
        """Schedule the interception of ``group`` at ``t_s`` by ``team``."""


@dataclass
class Team:
    """A reaction team's state; ``busy`` until it is back at base."""

    spec: TeamSpec
    busy: bool = False

    @property
    def id(self) -> str:
        return self.spec.id


class Dispatcher:
    """Sends reaction teams after confirmed alerts.

    Parameters
    ----------
    env : simulation environment
    teams : the teams, in scenario order
    world : trajectories and interception scheduling (the engine)
    predict : ``predict(track, t_s)`` → predicted position (2,) or None if the track
        is gone (`command.nodes.FusionNode.predicted_position`); then the alert's position
    log : event log
    """

    def __init__(self, env: simpy.Environment, teams: Sequence[TeamSpec], world: World,
                 predict: Callable[[int, float], FloatArray | None], log: EventLog) -> None:
        self.env = env
        self.teams = [Team(t) for t in teams]
        self.world = world
        self.predict = predict
        self.log = log
        self.waiting: list[Alert] = []
        self.handled: set[int] = set()   # groups with a team sent after them

    def dispatch(self, alert: Alert) -> None:
        """Send the nearest free team after ``alert`` (or queue it)."""
        now = self.env.now
        if alert.truth >= 0 and alert.truth in self.handled:
            self.log.record(DispatchSkipped(now, alert.id, "already handled"))
            return
        target = self.predict(alert.track, now)
        if target is None:   # track deleted: go to the last known position
            target = np.array([alert.x_m, alert.y_m])
        free = [t for t in self.teams if not t.busy]
        if not free:
            self.waiting.append(alert)
            return
        dist = [float(np.hypot(*(np.asarray(t.spec.base_m) - target))) for t in free]
        team = free[int(np.argmin(dist))]
        self._send(team, alert, target)

    def _send(self, team: Team, alert: Alert, target: FloatArray) -> None:
        now = self.env.now
        spec = team.spec
        base = np.asarray(spec.base_m, dtype=float)
        leave = now + spec.readiness_s
        group = alert.truth
        meet: float | None = None
        if group >= 0:
            self.handled.add(group)
            traj = self.world.trajectory_of(group)
            meet = meeting_time(traj, base, leave, spec.speed_mps, spec.capture_radius_m)
            if meet is not None:
                back = float(np.hypot(*(traj.position_at(meet) - base))) / spec.speed_mps
                busy_until = meet + back
                self.world.intercept(group, meet, spec.id)
            else:
                end = traj.end_s
                dest = float(np.hypot(*(traj.xy[-1] - base)))
                out = min(max(end - leave, 0.0), dest / spec.speed_mps)
                busy_until = max(end, leave) + out
        else:  # nothing real to find (not reached: operators reject nuisance)
            out = float(np.hypot(*(target - base))) / spec.speed_mps
            busy_until = leave + 2 * out
        team.busy = True
        self.log.record(Dispatched(now, alert.id, spec.id, group, float(target[0]),
                                   float(target[1]), leave, meet, busy_until))
        self.env.process(self._return(team, busy_until))

    def _return(self, team: Team, at_s: float):  # noqa: ANN202 - a SimPy process
        yield self.env.timeout(max(at_s - self.env.now, 0.0))
        team.busy = False
        self.log.record(TeamBack(self.env.now, team.id))
        while self.waiting and any(not t.busy for t in self.teams):
            self.dispatch(self.waiting.pop(0))
