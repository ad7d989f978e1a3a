"""The true world: where every mover is and what each sensor, patrol and team sees.

The simulation holds two worlds (DESIGN.md, "What the command knows"). This module is
the true one: crossing groups, patrols and teams on piecewise-linear trajectories
that can be revised at any time, the fixed sensors observing them, the links that
carry the reports. It decides what is physically seen — a look, a patrol's or team's
sighting, a camera view during verification — and tells the command layer only
that: reports reach the node over links; a team is told it sees a group (`see`); an
operator is told how many persons a camera shows (`look`). The command steers its
teams with `move`; no decision is taken here for it.

Plans change (DESIGN.md, "Plans change")
    A mover's trajectory is revised at time t by `_revise`: the fixed sensors'
    reports of the old plan measured up to t are sent, later ones are cancelled, and
    every sensor observes the new trajectory from t on (``Sensor.observe(…,
    start_s=t)``). Draws are keyed per look, so a revision changes only the looks it
    must (common random numbers). A sensor that forwards one report per mover per
    interval (``report_interval_s``) is told the time of the last report it made of
    the mover (`Mover.reported`, before any outage cut it), so a revision inside an
    interval neither adds a report nor drops one.

Reports
    Every report is sent on its source's link when the clock reaches its measurement
    time (`_Feed`), in sending order; a delivered report reaches the local node at its
    arrival time with an opaque report number (numbered in sending order, lost ones
    included); the truth stays here (`report_truth`) for the scorer while the report
    is in flight: the scorer takes it out when the node has fused the report or found
    it late (`sim.scoring.TruthLedger`), a relay's loss here, so it holds the reports
    in flight only, not one entry per report of the run.

Encounters (who sees whom)
    For each pair (observer: patrol or team; group) the world computes in closed form
    the next instant the observer sees the group — contacts within its range by day
    or night, shorter while the group hides; a patrol's per-contact Pd
    (`sensors.patrol.Patrol.detect`) — and the next instant the group sees the
    observer — within the scenario's ``reaction`` sight range by day (times
    1 − foliage of the zone the group is in) or at night. Whichever comes first is
    scheduled; any revision of either mover re-plans the pair. Contacts are
    intervals, not polls.

    - A group that sees an observer reacts (`_react`, keyed draw per (group,
      observer, time)): hides (stands still for ``hide_s``; radars and seismic
      sensors no longer sense it, observers see it only within
      ``hidden_range_factor`` of their range), turns back (walks to the nearest
      border point: the *turned back* outcome), runs (``run_speed_factor`` for
      ``run_s``), or walks on.
    - A patrol that sees a group reports it (its link, like any sensor: the command
      raises a verified alert from it) and gives chase.
    - A team that sees a group is told so; it decides to give chase (`pursue`).

Chase (`pursue`)
    The pursuer runs at its chase speed; the group, if it sees its pursuer then,
    reacts first. The chase ends at the earliest meeting (`sim.ground.routes.
    pursuit_meeting_time`, capture radius) if that comes within the pursuit limit and
    before the group's trajectory ends; then at most ``capacity`` persons are
    apprehended and the rest of the group walks on. Simplification [G]: a chase in
    sight is decided by this closed-form best pursuit, with no loss of sight.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import shapely
import simpy
from numpy.typing import NDArray
from shapely.geometry import LineString

from sensors.base import Reports, Sensor
from sensors.camera import Camera
from sensors.common import night_intervals, up_mask
from sensors.geometry import (
    Legs,
    complement_intervals,
    ever_within,
    intersect_intervals,
    relative_legs,
    sight_intervals,
)
from sensors.outages import Outages
from sensors.patrol import Patrol, back_and_forth, observer_pieces, observer_ranges_m
from sensors.uav import UAV
from sim.comms import Link, Route, call_later
from sim.ground.daylight import Daylight
from sim.ground.events import (
    Apprehended,
    Chase,
    CrossingEnded,
    CrossingStarted,
    EventLog,
    GroupReacted,
    ReportLost,
    ReportReceived,
    SensorHealth,
    Sighting,
    TurnedBack,
    record_maker,
)
from sim.ground.field import Contact, Pursuit, UAVTask
from sim.ground.keyed import Draws, time_index
from sim.ground.routes import Barrier, pursuit_meeting_time, stand
from sim.ground.specs import ReactionSpec, TeamSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory
from sim.movers import CrossingGroup, hide, keep_appointment, run_on, turn_back
from sim.reach import FixedSensors
from sim.rng import RandomStreams

if TYPE_CHECKING:
    from sim.lookahead import Lookahead

FloatArray = NDArray[np.float64]

#: Reports at most this much after "now" (s) count as due now (float noise of timeouts).
_EPS_S = 1e-9


@dataclass(eq=False)
class Mover:
    """A group, patrol or team in the true world.

    ``version`` counts revisions (a stale scheduled event checks it); ``hidden`` are
    the intervals a group hides; ``engaged`` a group being chased (it reacts to
    nobody else); ``ends_as`` what the end of its trajectory means for a group
    (arrived, turned_back).
    """

    id: str
    kind: str
    trajectory: Trajectory | None = None
    active: bool = False
    version: int = 0
    truth: int = -1
    size: int = 0
    speed_mps: float = 0.0
    hidden: list[tuple[float, float]] = field(default_factory=list)
    engaged: bool = False
    ends_as: str = "arrived"
    busy_until_s: float = -np.inf
    feeds: list[_Feed] = field(default_factory=list)
    pickup: tuple[float, float] | None = None
    #: source → time of the last report it made of this mover, s, carried over
    #: revisions (`_revise`): a sensor with a report interval forwards no second report
    #: in that interval under the new plan (`Sensor.observe_windows`)
    reported: dict[int, float] = field(default_factory=dict)


#: `ReportReceived` from all its fields (`record_maker`: one record per report).
_received = record_maker(ReportReceived)


#: How much of a plan a sensor observes at a time, s, where its looks allow
#: (`Sensor.observe_windows`): plans are often revised within the hour (a group hides,
#: runs, is chased), and the looks of a plan after its revision are never sent.
WINDOW_S = 3_600.0


class _Windows:
    """The rest of one sensor's observation of one plan, a window at a time
    (`Sensor.observe_windows`): ``horizon_s`` is how far it has been observed, s."""

    def __init__(self, sensor_id: str, windows: Iterator[tuple[float, Reports]]) -> None:
        self.sensor_id, self._windows = sensor_id, windows
        self.horizon_s = -np.inf

    def next(self) -> Reports | None:
        """The next window's reports (perhaps none); None once the plan is observed."""
        item = next(self._windows, None) if self.horizon_s < np.inf else None
        if item is None:
            self.horizon_s = np.inf
            return None
        self.horizon_s, reports = item
        return reports


#: What a retired feed holds as its reports (`_Feed._retire`): nothing, never read.
_NO_REPORTS = Reports.empty("")


class _Feed:
    """One source's reports of one mover's plan, sent as the clock reaches them.

    ``seen`` is all of them, or a plan observed window by window: the next window
    is observed once every report of the last one is sent (or a flush reaches past
    it), so each report is sent, and the next one scheduled, at the same moment as
    if all had been observed at once."""

    def __init__(self, world: World, mover: Mover | None, source: int,
                 seen: Reports | _Windows) -> None:
        self.world, self.mover, self.source = world, mover, source
        self._env, self._later = world.env, world.later
        self.windows = seen if isinstance(seen, _Windows) else None
        self.cancelled = False
        #: measurement times of the windows loaded, as the source made them (before
        #: the outage screen): what `last_made_s` reads
        self.made: list[FloatArray] = []
        self._load(seen if isinstance(seen, Reports) else Reports.empty(seen.sensor_id))
        while not self.times and self._next_window():
            pass
        if self.times:
            self._wake(self.times[0])

    def _load(self, reports: Reports) -> None:
        world, source = self.world, self.source
        if len(reports):
            self.made.append(reports.t_s)
        if world.outages is not None:          # a sensor out of service reports nothing
            reports = world.outages.screen(source, reports)
        self.reports = reports
        self.i = 0
        # on a pure link a message's fate is a function of its source and send time
        # (keyed draws), so it may be drawn ahead for the whole feed; a link that
        # queues is sent to as the clock reaches each report (`sim.comms`)
        link = world.links[source]
        self.times: list[float] = reports.t_s.tolist()   # plain floats: read per report
        self.truths: list[int] = reports.truth.tolist()     # plain ints, likewise
        self.arrival: list[float] | None = (link.send(reports.t_s).tolist() if link.pure
                                            else None)

    def _next_window(self) -> bool:
        """Load the next window's reports; False when there is none."""
        reports = self.windows.next() if self.windows is not None else None
        if reports is None:
            self.windows = None
            return False
        self._load(reports)
        return True

    def _wake(self, t_s: float) -> None:
        now = self._env.now
        self._later(t_s - now if t_s > now else 0.0, self._fire)

    def _fire(self) -> None:
        if self.cancelled:
            return
        now = self._env.now
        self.flush(now)
        times, i = self.times, self.i
        if i < len(times):                  # the usual case: more of this window
            t_s = times[i]
            self._later(t_s - now if t_s > now else 0.0, self._fire)   # `_wake`
            return
        while self.i == len(self.times) and self._next_window():
            pass
        if self.i < len(self.times):
            self._wake(self.times[self.i])
        elif self.windows is None:
            self._retire(now)

    def _retire(self, now_s: float) -> None:
        """Every report is sent and every window observed: drop the reports, and keep
        of the made times only what `last_made_s` can return from ``now_s`` on (the
        last one up to now; later ones, cut by an outage). A finished mover keeps its
        feeds, so this is what a feed holds for the rest of the run."""
        until = now_s + _EPS_S
        made = self.made
        if made and float(made[-1][-1]) <= until:     # the usual case: none later;
            self.made = [made[-1][-1:].copy()]        # last_made_s reads this one
        elif made:                                    # (windows come in time order)
            last = self.last_made_s(now_s)
            self.made = ([np.array([last])] if last > -np.inf else []) + \
                [later for t in made if len(later := t[t > until])]
        self.reports = _NO_REPORTS                    # nothing is sent from it again
        self.times, self.truths, self.arrival, self.i = [], [], None, 0

    def flush(self, now_s: float) -> None:
        """Send every report measured up to ``now_s`` not sent yet."""
        until = now_s + _EPS_S
        while True:
            t, i = self.times, self.i
            j, n = i, len(t)
            while j < n and t[j] <= until:
                j += 1
            if j > i:
                self.world.send(self.source, self.reports, i, j, self.arrival, t,
                                self.truths)
                self.i = j
            if j < n:
                return
            windows = self.windows
            if windows is None or windows.horizon_s >= until:
                return
            if not self._next_window():
                return

    def last_made_s(self, now_s: float) -> float:
        """The time of the last report the source made of this plan up to ``now_s``
        (as flushed: within `_EPS_S`), sent or cut by an outage, s; -inf: none."""
        until = now_s + _EPS_S
        for t in reversed(self.made):
            n = int(np.searchsorted(t, until, side="right"))
            if n:
                return float(t[n - 1])
        return -np.inf

    def cancel(self) -> None:
        """The plan was revised: send nothing more."""
        self.cancelled = True
        self.windows = None


def observations(fixed: Sequence[tuple[int, Sensor]], canine: Sequence[tuple[int, Patrol]],
                 streams: RandomStreams, mover_id: str, trajectory: Trajectory, truth: int,
                 size: int, start_s: float) -> list[tuple[int, Reports]]:
    """Every fixed sensor's and dog team's reports of one mover's ``trajectory`` after
    ``start_s`` (source position, reports), in source order, none empty.

    A pure function of its arguments (keyed draws per sensor and mover), so it may be
    computed ahead or elsewhere with the same result (`sim.lookahead`).
    """
    out = [(idx, sensor.observe(trajectory, truth, draws, start_s, size))
           for idx, sensor, draws in _in_reach(fixed, streams, mover_id, trajectory, size)]
    out = [(idx, reports) for idx, reports in out if len(reports)]
    return out + _trails(canine, streams, mover_id, trajectory, truth, start_s)


def observation_windows(fixed: Sequence[tuple[int, Sensor]],
                        canine: Sequence[tuple[int, Patrol]], streams: RandomStreams,
                        mover_id: str, trajectory: Trajectory, truth: int, size: int,
                        start_s: float, reported: Mapping[int, float] | None = None
                        ) -> list[tuple[int, Reports | _Windows]]:
    """`observations`, each fixed sensor within reach as its `_Windows`, not observed
    yet (perhaps of no reports at all). ``reported``: source → time of the last report
    it made of the mover before ``start_s`` (`Mover.reported`)."""
    last = reported or {}
    out: list[tuple[int, Reports | _Windows]] = [
        (idx, _Windows(sensor.id, sensor.observe_windows(
            trajectory, truth, draws, start_s, size, WINDOW_S, last.get(idx, -np.inf))))
        for idx, sensor, draws in _in_reach(fixed, streams, mover_id, trajectory, size)]
    return out + list(_trails(canine, streams, mover_id, trajectory, truth, start_s))


def _in_reach(fixed: Sequence[tuple[int, Sensor]], streams: RandomStreams, mover_id: str,
              trajectory: Trajectory, size: int) -> Iterator[tuple[int, Sensor, Draws]]:
    """The fixed sensors that may report the mover (`sim.reach`), with their keyed
    draws of it."""
    if not isinstance(fixed, FixedSensors):
        fixed = FixedSensors(fixed)
    for idx, sensor in fixed.in_reach(trajectory.xy, size):
        yield idx, sensor, streams.draws(f"sensor/{sensor.id}/detect/{mover_id}")


def _trails(canine: Sequence[tuple[int, Patrol]], streams: RandomStreams, mover_id: str,
            trajectory: Trajectory, truth: int, start_s: float) -> list[tuple[int, Reports]]:
    """Dog teams' reports of the mover's trail (they find trails hours old)."""
    out = []
    for idx, dogs in canine:
        trail = dogs.trail_reports(trajectory, truth,
                                   streams.draws(f"patrol/{dogs.id}/trail/{mover_id}"),
                                   start_s)
        if len(trail):
            out.append((idx, trail))
    return out


def nuisance_reports(sources: Sequence[Sensor], streams: RandomStreams,
                     day: int) -> list[Reports]:
    """Every source's nuisance alarms of day ``day`` (source order), each from its own
    stream of that day, so alarm times never depend on when the run ends. Pure, as
    `observations`."""
    start, end = day * 86_400.0, (day + 1) * 86_400.0
    return [s.nuisance(end, streams.stream(f"sensor/{s.id}/nuisance/day-{day}"), start)
            for s in sources]


class World:
    """The true world of one replication (rules in the module docstring).

    Parameters
    ----------
    env, log : the simulation environment and event log
    terrain, daylight : the segment and the clock of day and night
    sources : the sensors then the patrols (position = integer id)
    links : one uplink per source, same order
    deliver : ``deliver(meas_s, source, name, xy, cov, class_lik, k, report)`` — a
        report, row ``k`` of the arrays, reaches the local node
        (`command.nodes.FusionNode.receive_row`)
    streams : the replication's named streams
    reaction : how groups react to what they see
    teams : the reaction teams' specs (their detection ranges)
    barriers : fence lines that delay walkers
    """

    def __init__(self, env: simpy.Environment, log: EventLog, terrain: Terrain,
                 daylight: Daylight, sources: Sequence[Sensor], links: Sequence[Link | Route],
                 deliver: Callable[..., None], streams: RandomStreams,
                 reaction: ReactionSpec, teams: Sequence[TeamSpec] = (),
                 barriers: Sequence[Barrier] = ()) -> None:
        self.env, self.log, self.terrain, self.daylight = env, log, terrain, daylight
        #: ``later(delay, fn)``: ``fn()`` after ``delay`` s, no event made where the
        #: environment allows (`sim.comms.call_later`)
        self.later = call_later(env)
        self.sources, self.links = list(sources), list(links)
        self.deliver, self.streams, self.reaction = deliver, streams, reaction
        self.barriers = tuple(barriers)
        self.fixed = FixedSensors([(i, s) for i, s in enumerate(self.sources)
                                   if s.kind != "patrol"])
        self.patrol_of: dict[str, tuple[int, Patrol]] = {
            s.id: (i, s) for i, s in enumerate(self.sources) if isinstance(s, Patrol)}
        self.canine = [(i, p) for i, p in self.patrol_of.values() if p.spec.canine]
        self.team_specs = {t.id: t for t in teams}
        self.movers: dict[str, Mover] = {}
        self.groups: list[Mover] = []
        #: the groups active at the last `_groups_active_now`, and how many of
        #: ``groups`` it had seen
        self._active: list[Mover] = []
        self._active_seen = 0
        self.observers: list[Mover] = []
        #: truth of the reports in flight: report number → mover id (-1 nuisance)
        self.report_truth: MutableMapping[int, int] = {}
        self.reports_sent = 0          # reports numbered so far (the next one's number)
        self.outages: Outages | None = None
        #: nuisance days and first observations computed ahead (`sim.lookahead`)
        self.lookahead: Lookahead | None = None
        self.on_apprehended: list[Callable[[str, int], None]] = []
        self.on_health: list[Callable[[int, bool], None]] = []
        self._see: dict[str, Callable[[Contact], None]] = {}
        self._tokens: dict[tuple[str, str], int] = {}
        self._last_sight: dict[tuple[str, str], float] = {}
        self._last_spot: dict[tuple[str, str], float] = {}
        self._contacts: list[Mover] = []
        self._spot_cache: dict[tuple[str, int], list[tuple[FloatArray, float]]] = {}
        self.walked: list[tuple[str, str, Trajectory]] = []
        # The farthest either side of an (observer, group) pair can see, m: a bound
        # for `_out_of_reach` (it must never be shorter than any range the
        # encounter computation uses).
        group_sight = max(reaction.sight_range_day_m, reaction.sight_range_night_m)
        ranges = [(pid, p.spec.detection_range_m * max(1.0, p.spec.night_range_factor))
                  for pid, (_, p) in self.patrol_of.items()]
        ranges += [(t.id, t.detection_range_m * max(1.0, t.night_range_factor))
                   for t in teams]
        self._reach = {oid: max(r, group_sight) for oid, r in ranges}
        for pid in self.patrol_of:
            self._add_observer(Mover(pid, "patrol"))
        for tid in self.team_specs:
            self._add_observer(Mover(tid, "team"))

    def _add_observer(self, mover: Mover) -> None:
        self.movers[mover.id] = mover
        self.observers.append(mover)

    # ----------------------------------------------------------------- reports
    def send(self, source: int, reports: Reports, i: int, j: int,
             arrival: list[float] | None = None, times: list[float] | None = None,
             truths: list[int] | None = None) -> None:
        """Send reports ``i:j`` of ``reports`` on ``source``'s link, now (``arrival``:
        the link's arrival times of all of ``reports``, NaN lost, if drawn ahead;
        ``times`` and ``truths``: its measurement times and integer truths as plain
        lists, if the caller has them — `_Feed` does)."""
        env, link = self.env, self.links[source]
        if j - i == 1 and arrival is not None and times is not None and truths is not None:
            # the usual call (a feed's one report due now): what the loop below does
            # for it, without its lists and lookups
            at, truth = arrival[i], truths[i]
            link.note_one(at)
            rid = self.reports_sent
            self.reports_sent = rid + 1
            if at != at:                        # NaN: lost
                self.log.record(ReportLost(env.now, reports.sensor, truth))
                return
            self.report_truth[rid] = truth
            arrive = partial(self._arrived, source, reports, i, rid, truth, times[i])
            if isinstance(link, Route):
                link.deliver(env, at, arrive, self._lost(reports.sensor, truth, rid))
            else:
                now = env.now
                self.later(at - now if at > now else 0.0, arrive)
            return
        off = 0
        if arrival is None:
            arrival, off = link.send(reports.t_s[i:j]).tolist(), i
        if j - i == 1:                          # the usual call: no numpy slices
            link.note_one(arrival[i - off])
            batch = [int(reports.truth[i]) if truths is None else truths[i]]
        else:
            link.note(reports.t_s[i:j], arrival[i - off:j - off])
            batch = reports.truth[i:j].tolist() if truths is None else truths[i:j]
        name = reports.sensor
        report_truth = self.report_truth
        relayed = isinstance(link, Route)       # only relays call ``lost``
        first = self.reports_sent - i
        self.reports_sent += j - i
        now, later = env.now, self.later
        for k, truth in enumerate(batch, start=i):
            at = arrival[k - off]
            if math.isnan(at):
                self.log.record(ReportLost(now, name, truth))
                continue
            rid = first + k
            report_truth[rid] = truth
            meas = float(reports.t_s[k]) if times is None else times[k]
            arrive = partial(self._arrived, source, reports, k, rid, truth, meas)
            if relayed:
                link.deliver(env, at, arrive, self._lost(name, truth, rid))
            else:                               # `Link.deliver`, without its call
                later(at - now if at > now else 0.0, arrive)

    def _lost(self, name: str, truth: int, rid: int) -> Callable[[], None]:
        def lost() -> None:
            del self.report_truth[rid]
            self.log.record(ReportLost(self.env.now, name, truth))
        return lost

    def _arrived(self, source: int, reports: Reports, k: int, rid: int, truth: int,
                 meas: float) -> None:
        """Report ``k`` of ``reports`` (number ``rid``, measured at ``meas``) reaches
        the local node now: logged, then delivered (`send` schedules it as a
        `functools.partial`, cheaper to make and call than a closure)."""
        xy, name = reports.xy, reports.sensor
        x, y = xy[k].tolist()
        self.log.record(_received(self.env.now, name, meas, truth, x, y))
        self.deliver(meas, source, name, xy, reports.cov, reports.class_lik, k, rid)

    def schedule_health(self) -> None:
        """Send every source's health reports (`Sensor.health_reports`: a failure once
        noticed, a repair when done) over its link; on arrival the event is logged and
        the command told (``on_health(source, up)``) — the only way it learns that a
        sensor is down. A lost health message is noticed and resent one health-report
        delay later."""
        for idx, sensor in enumerate(self.sources):
            t, up = sensor.health_reports()
            if not len(t):
                continue
            arrival = self.links[idx].send(t)
            arrival = np.where(np.isnan(arrival), t + sensor.health_delay_s, arrival)
            for at, flag in zip(arrival.tolist(), up.tolist(), strict=True):
                self.env.timeout(max(at - self.env.now, 0.0)).callbacks.append(
                    self._health(idx, sensor.id, bool(flag)))

    def _health(self, idx: int, name: str, up: bool) -> Callable[[simpy.Event], None]:
        def arrive(_event: simpy.Event) -> None:
            self.log.record(SensorHealth(self.env.now, name, up))
            for hook in self.on_health:
                hook(idx, up)
        return arrive

    def nuisance_day(self, day: int) -> None:
        """Draw and schedule every source's nuisance alarms of day ``day`` (its own
        stream per day: alarm times never depend on when the run ends)."""
        alarms = self.lookahead.nuisance(day) if self.lookahead is not None else None
        if alarms is None:
            alarms = nuisance_reports(self.sources, self.streams, day)
        for idx, reports in enumerate(alarms):
            _Feed(self, None, idx, reports)

    # ------------------------------------------------------------------ groups
    def add_group(self, group: CrossingGroup) -> None:
        """A group crosses the border now."""
        m = Mover(group.name, "group", group.trajectory, True, truth=group.index,
                  size=group.size, speed_mps=group.speed_mps, hidden=list(group.hidden),
                  ends_as=("turned_back" if group.kind == "decoys" else group.ends_as),
                  pickup=group.pickup)
        self.movers[m.id] = m
        self.groups.append(m)
        e, d = group.entry_xy, group.destination_xy
        self.log.record(CrossingStarted(self.env.now, group.index, group.size,
                                        group.speed_mps, float(e[0]), float(e[1]),
                                        float(d[0]), float(d[1]), group.end_s,
                                        group.informed, group.kind))
        ahead = (self.lookahead.first_observations(group) if self.lookahead is not None
                 else None)
        if ahead is None:
            self._observe(m, -np.inf)
        else:                          # what `_observe(m, -np.inf)` does, computed ahead
            self._add_feeds(m, ahead)
        self._schedule_end(m)
        self._encounters(m)

    def active_groups(self) -> int:
        return sum(1 for g in self.groups if g.active)

    def _observe(self, m: Mover, start_s: float) -> None:
        assert m.trajectory is not None
        self._add_feeds(m, observation_windows(self.fixed, self.canine, self.streams, m.id,
                                               m.trajectory, m.truth, m.size, start_s,
                                               m.reported))

    def _add_feeds(self, m: Mover, seen: Sequence[tuple[int, Reports | _Windows]]) -> None:
        """A feed of each source's reports (``seen``) of ``m``'s plan, kept where it
        has anything to send (or made reports an outage cut: `Mover.reported`)."""
        for idx, reports in seen:
            feed = _Feed(self, m, idx, reports)
            if feed.times or feed.windows is not None or feed.made:
                m.feeds.append(feed)

    def _schedule_end(self, m: Mover) -> None:
        assert m.trajectory is not None
        version = m.version

        def end(_event: simpy.Event) -> None:
            if m.version != version or not m.active:
                return
            m.active = False
            if m.ends_as == "turned_back":
                self.log.record(TurnedBack(self.env.now, m.truth))
            else:
                self.log.record(CrossingEnded(self.env.now, m.truth))
            self._encounters(m)

        self.env.timeout(max(m.trajectory.end_s - self.env.now, 0.0)).callbacks.append(end)

    def _revise(self, m: Mover, trajectory: Trajectory) -> None:
        """``m`` follows ``trajectory`` (the same as before up to now) from now on."""
        now = self.env.now
        for feed in m.feeds:
            feed.flush(now)
            made = feed.last_made_s(now)
            if made > m.reported.get(feed.source, -np.inf):
                m.reported[feed.source] = made
            feed.cancel()
        m.feeds = []
        m.version += 1
        if m.pickup is not None and m.active and m.ends_as == "arrived":  # smugglers
            trajectory, waits = keep_appointment(trajectory, *m.pickup)
            if waits is not None:
                m.hidden.append(waits)
        m.trajectory = trajectory
        if m.kind == "group" and m.active:
            self._observe(m, now)
            self._schedule_end(m)
        self._encounters(m)

    # -------------------------------------------------------------- encounters
    def _encounters(self, m: Mover) -> None:
        """Re-plan the meetings of ``m``: with every observer (a group), or with every
        group active now (an observer; `_groups_active_now`, not a walk over every group
        that ever crossed). An inactive group needs no pairing here: when it stopped,
        its own call cancelled each of its pairs' pending meetings, and `_pair` never
        schedules one for it again."""
        if m.kind == "group":
            for o in self.observers:
                self._pair(o, m)
        else:
            for g in self._groups_active_now():
                self._pair(m, g)

    def _pair(self, o: Mover, g: Mover) -> None:
        key = (o.id, g.id)
        token = self._tokens.get(key, 0) + 1
        self._tokens[key] = token
        if not (o.active and g.active) or o.trajectory is None or g.trajectory is None:
            return
        now = self.env.now
        if self._out_of_reach(o, g, now):
            return
        start = max(now, o.trajectory.start_s, g.trajectory.start_s)
        o_traj, g_traj = o.trajectory.after(start), g.trajectory.after(start)
        legs = relative_legs(o_traj, g_traj)
        if o.kind == "team" and not self._may_meet(legs, self._team_pair_range_m(o, g)):
            return              # neither ever comes within the longest range of the pair
        t_sight = self._first_sight(o, g, now, self._last_sight.get(key, -np.inf),
                                    o_traj, g_traj, legs)
        t_spot = (np.inf if g.engaged
                  else self._first_spot(g, now, self._last_spot.get(key, -np.inf),
                                        o_traj, g_traj, legs))
        t = min(t_sight, t_spot)
        if not np.isfinite(t):
            return
        kind = "sight" if t_sight <= t_spot else "spot"

        def meet(_event: simpy.Event) -> None:
            if self._tokens.get(key) == token:
                self._meet(o, g, kind)

        self.env.timeout(max(t - now, 0.0)).callbacks.append(meet)

    def _out_of_reach(self, o: Mover, g: Mover, now_s: float) -> bool:
        """True when ``o`` and ``g`` stay farther apart than either can see while both
        plans hold (their bounding boxes from now on, grown by the longest
        sight range of the pair, do not overlap): then neither sees the other, and the
        exact interval computation can be skipped."""
        assert o.trajectory is not None and g.trajectory is not None
        # A mover whose plan has ended is held at its last point by the interval
        # computation, so the boxes span to the later end of the two.
        start = max(now_s, o.trajectory.start_s, g.trajectory.start_s)
        end = max(o.trajectory.end_s, g.trajectory.end_s)
        reach = self._reach.get(o.id)
        if reach is None or end <= start:
            return False
        a, b = o.trajectory.box(start, end), g.trajectory.box(start, end)
        return bool(a[0] - reach > b[2] or b[0] - reach > a[2]
                    or a[1] - reach > b[3] or b[1] - reach > a[3])

    @staticmethod
    def _first_after(iv: FloatArray, now_s: float, last_s: float) -> FloatArray:
        """Contact intervals clipped to start no earlier than now, after ``last_s``."""
        iv = iv[iv[:, 1] > now_s].copy()
        iv[:, 0] = np.maximum(iv[:, 0], now_s)
        return iv[iv[:, 0] > last_s]

    def _hidden(self, g: Mover) -> FloatArray:
        return np.asarray(g.hidden, float).reshape(-1, 2)

    def _first_sight(self, o: Mover, g: Mover, now_s: float, last_s: float,
                     o_traj: Trajectory, g_traj: Trajectory, legs: Legs | None) -> float:
        """When observer ``o`` next sees group ``g`` (inf: not while both plans hold);
        ``o_traj``, ``g_traj``: their plans from the pair's start on, ``legs`` their
        `relative_legs`."""
        assert o.trajectory is not None and g.trajectory is not None
        start = max(now_s, o.trajectory.start_s, g.trajectory.start_s)
        end = min(o.trajectory.end_s, g.trajectory.end_s)
        if end <= start:
            return np.inf
        hid, factor = self._hidden(g), self.reaction.hidden_range_factor
        if o.kind == "patrol":
            patrol = self.patrol_of[o.id][1]
            iv = self._first_after(patrol.contacts(g_traj, o_traj, hid, factor, legs),
                                   now_s, last_s)
            if not len(iv):
                return np.inf
            t, seen = patrol.detect(iv, self.streams.draws(f"patrol/{o.id}/sees/{g.id}"),
                                    g.size)
            return float(t[seen][0]) if seen.any() else np.inf
        spec = self.team_specs[o.id]
        pieces = observer_pieces(self.daylight, start, end, spec.detection_range_m,
                                 spec.night_range_factor, hid, factor)
        iv = self._first_after(sight_intervals(o_traj, g_traj, pieces, legs), now_s, last_s)
        return float(iv[0, 0]) if len(iv) else np.inf

    @staticmethod
    def _may_meet(legs: Legs | None, radius_m: float) -> bool:
        """False when the pair's relative ``legs`` never come within ``radius_m``: then
        no sight range up to it gives a contact (`sensors.geometry.ever_within`)."""
        return legs is None or ever_within(legs, radius_m)

    def _team_pair_range_m(self, o: Mover, g: Mover) -> float:
        """The longest range at which team ``o`` and group ``g`` may see each other,
        m: the team's ranges in `observer_pieces` (by day or night, the group hidden or
        not) and, unless the group is engaged, the group's own (`_spot_pieces`) — the
        same products, so the same floats."""
        spec = self.team_specs[o.id]
        ranges = list(observer_ranges_m(spec.detection_range_m, spec.night_range_factor,
                                        self.reaction.hidden_range_factor))
        if not g.engaged:
            ranges += [r for _, r in self._spot_pieces(g)]
        return max(ranges)

    def _spot_pieces(self, g: Mover) -> list[tuple[FloatArray, float]]:
        """(intervals, radius) of the group's own sight over its trajectory: the day
        range times (1 − foliage) of the zone each leg is in; the night range."""
        assert g.trajectory is not None
        key = (g.id, g.version)
        if key not in self._spot_cache:
            traj, r = g.trajectory, self.reaction
            t0, t1 = traj.t_s[:-1], traj.t_s[1:]
            mids = (traj.xy[:-1] + traj.xy[1:]) / 2
            factor = 1.0 - self.terrain.foliage_at(mids)
            nights = (np.zeros((0, 2)) if self.daylight is None
                      else night_intervals(self.daylight, traj.start_s, traj.end_s))
            days = complement_intervals(nights, traj.start_s, traj.end_s)
            pieces: list[tuple[FloatArray, float]] = [(nights, r.sight_range_night_m)]
            for f in np.unique(factor):
                legs = np.column_stack([t0[factor == f], t1[factor == f]])
                pieces.append((intersect_intervals(days, legs), r.sight_range_day_m * f))
            self._spot_cache[key] = pieces
        return self._spot_cache[key]

    def _first_spot(self, g: Mover, now_s: float, last_s: float, o_traj: Trajectory,
                    g_traj: Trajectory, legs: Legs | None) -> float:
        """When group ``g`` next sees the observer whose plan from the pair's start on
        is ``o_traj`` (arguments as for `_first_sight`)."""
        iv = self._first_after(sight_intervals(o_traj, g_traj, self._spot_pieces(g), legs),
                               now_s, last_s)
        return float(iv[0, 0]) if len(iv) else np.inf

    def _meet(self, o: Mover, g: Mover, kind: str) -> None:
        now = self.env.now
        key = (o.id, g.id)
        if kind == "spot":
            self._last_spot[key] = now
            if not self._react(g, o.id):
                self._pair(o, g)
            return
        self._last_sight[key] = now
        assert g.trajectory is not None
        xy = g.trajectory.position_at(now)
        self.log.record(Sighting(now, o.id, g.truth, g.size, float(xy[0]), float(xy[1])))
        contact = Contact(len(self._contacts), now, xy, g.size)
        self._contacts.append(g)
        if o.kind == "patrol":
            idx, patrol = self.patrol_of[o.id]
            report = patrol.sighting_report(np.array([now]), xy[None, :], g.truth,
                                            self.streams.draws(f"patrol/{o.id}/report"))
            self.send(idx, report, 0, 1)
            if now >= o.busy_until_s:
                self._patrol_chase(o, contact)
        else:
            self._see[o.id](contact)
        self._pair(o, g)

    def _react(self, g: Mover, observer: str) -> bool:
        """The group saw ``observer``: draw and apply its reaction. True if revised."""
        assert g.trajectory is not None
        now, r = self.env.now, self.reaction
        u = float(self.streams.draws(f"mover/{g.id}/react/{observer}")
                  .uniform(time_index([now]), 1)[0, 0])
        xy = g.trajectory.position_at(now)
        if u < r.p_hide:
            reaction = "hide"
            rest = hide(g.trajectory, now, r.hide_s)
            g.hidden.append((now, now + r.hide_s))
        elif u < r.p_hide + r.p_turn_back:
            reaction = "turn_back"
            rest = turn_back(g.trajectory, now, g.speed_mps, self.terrain, self.barriers)
            g.ends_as = "turned_back"
        elif u < r.p_hide + r.p_turn_back + r.p_run:
            reaction = "run"
            rest = run_on(g.trajectory, now, r.run_speed_factor, r.run_s)
        else:
            reaction = "none"
        self.log.record(GroupReacted(now, g.truth, observer, reaction, float(xy[0]),
                                     float(xy[1])))
        if reaction == "none":
            return False
        self._revise(g, g.trajectory.splice(now, rest))
        return True

    def group_sight_range_m(self, g: Mover, t_s: float) -> float:
        """How far group ``g`` sees at ``t_s``, m."""
        assert g.trajectory is not None
        if self.daylight is not None and bool(self.daylight.is_night(t_s)):
            return self.reaction.sight_range_night_m
        f = float(self.terrain.foliage_at(g.trajectory.position_at(t_s))[0])
        return self.reaction.sight_range_day_m * (1.0 - f)

    # ------------------------------------------------------------ what it does
    def register_team(self, team: str, see: Callable[[Contact], None]) -> None:
        """Tell ``see`` whenever the team ``team`` sees a group."""
        self._see[team] = see

    def move(self, mover: str, trajectory: Trajectory) -> None:
        """A team follows ``trajectory`` from now on (the command's plan)."""
        m = self.movers[mover]
        m.active = True
        walked = m.trajectory
        self._revise(m, trajectory if walked is None else walked.splice(self.env.now,
                                                                         trajectory))

    def park(self, mover: str) -> None:
        """A team is back at base."""
        m = self.movers[mover]
        m.active = False
        if m.trajectory is not None:
            self.walked.append((m.id, m.kind, m.trajectory))
        m.trajectory = None
        self._encounters(m)

    def pursue(self, mover: str, contact: Contact, speed_mps: float, max_s: float,
               capture_radius_m: float, capacity: int) -> Pursuit:
        """Chase the group of ``contact`` (rules in the module docstring)."""
        now = self.env.now
        o = self.movers[mover]
        g = self._contacts[contact.handle]
        assert o.trajectory is not None
        start = o.trajectory.position_at(now)
        if not g.active or g.trajectory is None:
            held = stand(start, now, now + 1.0)
            self._revise(o, o.trajectory.splice(now, held))
            return Pursuit(0, now, o.trajectory)
        if (not g.engaged and float(np.hypot(*(g.trajectory.position_at(now) - start)))
                <= self.group_sight_range_m(g, now)):
            self._react(g, o.id)
        g.engaged = True
        assert g.trajectory is not None
        meet = pursuit_meeting_time(g.trajectory, start, now, speed_mps, capture_radius_m)
        if meet is not None and meet - now <= max_s:
            end, persons = meet, min(g.size, capacity)
        else:
            end, persons = min(now + max_s, g.trajectory.end_s), 0
        goal = g.trajectory.position_at(end)
        dist = float(np.hypot(*(goal - start)))
        reach = start + (goal - start) * min(1.0, speed_mps * (end - now) / dist) if dist > 0 \
            else start
        run = Trajectory(np.array([now, max(end, now + 1e-6)]), np.vstack([start, reach]))
        self._revise(o, o.trajectory.splice(now, run))
        self.log.record(Chase(now, o.id, g.truth, meet if persons else None))

        def finish(_event: simpy.Event) -> None:
            if persons:
                self._apprehend(g, o, persons)
            elif g.active:
                g.engaged = False
                self._encounters(g)

        self.env.timeout(end - now).callbacks.append(finish)
        return Pursuit(persons, end, o.trajectory)

    def _apprehend(self, g: Mover, o: Mover, persons: int) -> None:
        now = self.env.now
        if not g.active or g.trajectory is None:
            return
        xy = g.trajectory.position_at(now)
        taken = min(persons, g.size)
        self.log.record(Apprehended(now, g.truth, o.id, taken, float(xy[0]), float(xy[1])))
        for hook in self.on_apprehended:
            hook(o.id, taken)
        g.engaged = False
        if taken >= g.size:
            g.active = False
            self._revise(g, g.trajectory.until(now))
        else:
            g.size -= taken
            self._revise(g, g.trajectory)

    # ----------------------------------------------------------------- patrols
    def start_duty(self, patrol: str, walk: Trajectory) -> None:
        """A patrol's duty period begins: it walks ``walk`` (its planned pacing)."""
        m = self.movers[patrol]
        m.active = True
        m.trajectory = walk
        m.version += 1
        self._encounters(m)

    def end_duty(self, patrol: str) -> None:
        m = self.movers[patrol]
        m.active = False
        if m.trajectory is not None:
            self.walked.append((m.id, m.kind, m.trajectory.until(self.env.now)))
        self._encounters(m)

    def _patrol_chase(self, o: Mover, contact: Contact) -> None:
        _, patrol = self.patrol_of[o.id]
        spec = patrol.spec
        assert o.trajectory is not None
        duty_end = o.trajectory.end_s
        result = self.pursue(o.id, contact, spec.chase_speed_mps, spec.pursuit_max_s,
                             spec.capture_radius_m, spec.capacity)
        resume_s = result.end_s + (spec.escort_s if result.apprehended else 0.0)
        o.busy_until_s = resume_s
        if resume_s >= duty_end:
            return
        where = result.trajectory.position_at(result.end_s)
        held = stand(where, result.end_s, resume_s) if resume_s > result.end_s else None
        back = self._back_to_route(patrol, where, resume_s, duty_end)
        plan = result.trajectory.until(result.end_s)
        if held is not None:
            plan = plan.splice(result.end_s, held)
        plan = plan.splice(resume_s, back)

        def resume(_event: simpy.Event) -> None:
            if o.active:
                self._revise(o, plan)

        self.env.timeout(max(result.end_s - self.env.now, 0.0)).callbacks.append(resume)

    @staticmethod
    def _back_to_route(patrol: Patrol, xy: FloatArray, start_s: float,
                       end_s: float) -> Trajectory:
        """Walk straight back to the nearest point of the route, then pace it."""
        line = LineString(patrol.route_xy)
        arc = float(line.project(shapely.points(np.asarray(xy, float))))
        on = np.asarray(line.interpolate(arc).coords[0])
        walk_s = float(np.hypot(*(on - xy))) / patrol.spec.speed_mps
        if walk_s >= end_s - start_s:
            return Trajectory(np.array([start_s, end_s]), np.vstack([xy, xy]))
        to = Trajectory(np.array([start_s, start_s + max(walk_s, 1e-6)]), np.vstack([xy, on]))
        pace = back_and_forth(patrol.route_xy, patrol.spec.speed_mps, to.end_s, end_s,
                              start_arc_m=arc)
        return to.splice(to.end_s, pace)

    # ------------------------------------------------------------ verification
    def look(self, camera: int, xy: FloatArray, t_s: float, radius_m: float) -> int:
        """Persons an operator recognises through camera ``camera`` within
        ``radius_m`` of ``xy`` at ``t_s``: each group there, in the camera's sector, is
        recognised with the camera's recognition probability at its range if the
        camera's fixed sight line to it is open (keyed draw per group and time)."""
        cam = self.sources[camera]
        if isinstance(cam, UAV):
            return self._look_uav(cam, xy, t_s, radius_m)
        assert isinstance(cam, Camera)
        if not up_mask(cam.down_s, np.array([t_s]))[0]:
            return 0            # a failed camera shows nothing
        if self.outages is not None and not self.outages.working(camera, np.array([t_s]))[0]:
            return 0            # nor one out of service by the exercise script
        view = cam.coverage()
        seen = 0
        for g in self._groups_active_now():
            if g.trajectory is None:
                continue
            p = g.trajectory.position_at(t_s)
            if float(np.hypot(*(p - xy))) > radius_m or not shapely.contains_xy(
                    view, float(p[0]), float(p[1])):
                continue
            if not cam.sees(p[None, :])[0]:
                continue        # the camera's fixed sight line to the spot is blocked
            rng_m = float(np.hypot(*(p - cam.position)))
            prob = float(cam.recognition_p(np.array([rng_m]), np.array([t_s]))[0])
            u = float(self.streams.draws(f"sensor/{cam.id}/verify/{g.id}")
                      .uniform(time_index([t_s]), 1)[0, 0])
            if u < prob:
                seen += g.size
        return seen

    def _groups_active_now(self) -> list[Mover]:
        """The groups active now, in crossing order (that of ``groups``): what a look
        or an observer's re-plan considers. A group never becomes active again once
        it is not (a crossing is a new `Mover`), so those of the last call still
        active, then the groups added since that are, are all of them; the walk is
        over the groups that may be active, not every group that ever crossed (~9 500
        in ``scale_year``)."""
        groups, n = self.groups, len(self.groups)
        active = [g for g in self._active if g.active]
        if self._active_seen < n:
            active += [g for g in groups[self._active_seen:] if g.active]
            self._active_seen = n
        self._active = active
        return active

    def launch(self, task: UAVTask) -> float | None:
        """A UAV is sent to ``task.xy`` now: when it will be overhead (None: it cannot
        fly; `sensors.uav.UAV.task`)."""
        uav = self.sources[task.uav]
        assert isinstance(uav, UAV)
        return uav.task(task.xy, self.env.now)

    def _look_uav(self, uav: UAV, xy: FloatArray, t_s: float, radius_m: float) -> int:
        """Persons an operator recognises through a UAV overhead: each active group
        within ``radius_m`` of ``xy``, by the UAV's recognition probability (keyed draw
        per group and time)."""
        seen = 0
        for g in self._groups_active_now():
            if g.trajectory is None:
                continue
            p = g.trajectory.position_at(t_s)
            if float(np.hypot(*(p - xy))) > radius_m:
                continue
            prob = float(uav.recognition_p(p[None, :], t_s)[0])
            u = float(self.streams.draws(f"sensor/{uav.id}/verify/{g.id}")
                      .uniform(time_index([t_s]), 1)[0, 0])
            if u < prob:
                seen += g.size
        return seen

    # ------------------------------------------------------------------- paths
    def paths(self) -> list[tuple[str, str, Trajectory]]:
        """(id, kind, trajectory as walked) of every group, patrol duty and team mission."""
        groups = [(g.id, "group", g.trajectory) for g in self.groups
                  if g.trajectory is not None]
        out = [(m.id, m.kind, m.trajectory) for m in self.observers
               if m.active and m.trajectory is not None]
        return groups + self.walked + out
