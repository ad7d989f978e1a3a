"""Command nodes: the local unit that fuses reports, and the layers above it.

Local unit (`FusionNode`)
    Reports reach the node over their links at arbitrary times (`sim.comms`); the node
    collects them and, on a fixed clock of ``fusion_interval_s`` (ticks at
    k × interval, k = 1, 2, …), fuses the reports that arrived **strictly before** the
    tick. A report arriving exactly at a tick waits for the next one (STYLE §3: the
    rule for equal times is written down and tested). Within a tick, reports are
    sorted by measurement time and `command.fusion.fuse_batch` is called once per
    distinct measurement time, in increasing order; each batch's rows are sorted by
    (integer sensor id, arrival order).

    Out of sequence: the fusion core keeps one table time and cannot go back. A report
    measured **at or before** the last fused time (it was overtaken on its link, or
    arrived after its batch was fused) is discarded and counted
    (`sim.ground.events.ReportOutOfSequence`). Discarding equal times too means every fused
    measurement time forms exactly one batch, so replaying the fused reports
    (``detections.csv``) with rows of equal time as one batch reproduces the tracks.

    When nothing is pending the node sleeps instead of ticking (an empty tick changes
    nothing: the core only predicts and deletes when it fuses a batch), so an idle week
    costs no events; the ticks it does run are at the same k × interval as always.

    The node knows no truth. A report reaches it with an opaque ``report`` number;
    after every batch the node tells its ``on_fused`` listeners which track each
    report joined, and the engine's scorer (`sim.scoring`) keeps the truth of tracks
    from that — for KPIs and files only.

    What the rest of the command may ask (`track_estimate`): a track's state, its
    covariance, its class probabilities, when it was last updated and which sensors
    reported to it — the command's picture, nothing else.

Regional centre and national coordination centre (`UpperNode`)
    Thin in this version: the local unit reports every decided alert and every
    apprehension up the chain; each layer logs the message when it arrives, after the
    link latency (`sim.ground.events.UpReport`), and forwards it up. The deep C2
    (pictures per layer, reporting obligations [IR581]) is a later issue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import simpy
from numpy.typing import NDArray

from command.fusion import FusionEvents, FusionParams, TrackTable, fuse_batch
from sim.ground.events import (
    EventLog,
    FusionTick,
    ReportOutOfSequence,
    TrackConfirmed,
    TrackDeleted,
    UpReport,
)

FloatArray = NDArray[np.float64]

#: Fusion parameters for border sensors [G]: looks are seconds to tens of seconds
#: apart (seismic 10 s, radar target data 0.1–1 Hz [PSR-wiki]) and a group can be out of
#: sight for minutes between sensors, so tracks live longer than the core's defaults
#: (tuned for ~1 s revisits) allow. ``run_sim.py fuse --param NAME=VALUE`` with these
#: values replays a run's ``detections.csv`` exactly.
BORDER_FUSION_OVERRIDES: dict[str, str] = {
    "delete_after_s": "300",
    "tentative_delete_after_s": "60",
    "max_position_std_m": "1000",
}


def border_fusion_overrides(scenario_values: Mapping[str, float] | None = None
                            ) -> dict[str, str]:
    """`BORDER_FUSION_OVERRIDES` with a scenario's ``command.fusion`` values on top."""
    overrides = dict(BORDER_FUSION_OVERRIDES)
    overrides.update({k: repr(float(v)) for k, v in sorted((scenario_values or {}).items())})
    return overrides


def border_fusion_params(scenario_values: Mapping[str, float] | None = None) -> FusionParams:
    """`FusionParams` defaults with the border overrides (and the scenario's) applied."""
    return FusionParams().with_overrides(border_fusion_overrides(scenario_values))


@dataclass(frozen=True, slots=True)
class ArrivedReport:
    """One report as the local node holds it.

    Attributes
    ----------
    seq : arrival order at the node (0, 1, …), breaks ties deterministically
    arrival_s : when it reached the node, s
    meas_s : measurement time, s
    sensor : integer sensor id (position in the run's sensor list)
    sensor_name : ``radar-01``
    z : (2,) position, m; R : (2, 2) covariance, m²; class_lik : (3,)
    report : the engine's number for the report (opaque to the command)
    """

    seq: int
    arrival_s: float
    meas_s: float
    sensor: int
    sensor_name: str
    z: FloatArray
    R: FloatArray
    class_lik: FloatArray
    report: int


@dataclass(frozen=True)
class TrackEstimate:
    """What the local node knows of one track (the command's picture).

    Attributes
    ----------
    track : id
    time_s : time of the estimate (the last fused batch), s
    x : (4,) state [x, y, vx, vy], m and m/s
    P : (4, 4) covariance
    class_prob : (3,) P(person), P(vehicle), P(animal)
    last_update_s : when a report last updated it, s
    confirmed : confirmed by the core's rules
    sensors : integer ids of the sensors that reported to it
    """

    track: int
    time_s: float
    x: FloatArray
    P: FloatArray
    class_prob: FloatArray
    last_update_s: float
    confirmed: bool
    sensors: frozenset[int]

    def predict(self, t_s: float, max_ahead_s: float = np.inf) -> FloatArray:
        """Constant-velocity position (2,) at ``t_s``, extrapolating at most
        ``max_ahead_s`` past the last update (then the track is held where it got)."""
        dt = min(t_s, self.last_update_s + max_ahead_s) - self.time_s
        return self.x[:2] + self.x[2:] * max(dt, 0.0)

    def position_std_m(self) -> float:
        """Root of the mean of the position variances, m."""
        return float(np.sqrt(max((self.P[0, 0] + self.P[1, 1]) / 2.0, 0.0)))


@dataclass
class FusedLog:
    """What the node fused, in the order it fused it (for ``detections.csv``).

    Columns of k fused reports and of the confirmed-track rows written after each batch.
    """

    det_t: list[float]
    det_sensor: list[int]
    det_z: list[FloatArray]
    det_R: list[FloatArray]
    det_report: list[int]
    det_track: list[int]
    trk_t: list[FloatArray]
    trk_id: list[NDArray[np.int64]]
    trk_x: list[FloatArray]

    @classmethod
    def empty(cls) -> FusedLog:
        return cls([], [], [], [], [], [], [], [], [])


class TickListener(Protocol):
    def evaluate(self, now_s: float, node: FusionNode) -> None: ...


class FusionNode:
    """The local unit: collects reports, fuses them on its clock, keeps the track table.

    Parameters
    ----------
    env : the simulation environment
    node_id : ``post-1``; log source
    interval_s : fusion interval, s (`CommandSpec.fusion_interval_s`)
    params : fusion parameters
    log : the replication's event log
    fuse : the fusion function (injectable for tests); `command.fusion.fuse_batch`
    """

    def __init__(self, env: simpy.Environment, node_id: str, interval_s: float,
                 params: FusionParams, log: EventLog,
                 fuse: Callable[..., tuple[TrackTable, FusionEvents]] = fuse_batch) -> None:
        self.env = env
        self.id = node_id
        self.interval_s = float(interval_s)
        self.params = params
        self.log = log
        self._fuse = fuse
        self.tracks = TrackTable.empty()
        self.last_fused_s = -np.inf
        self.pending: list[ArrivedReport] = []
        self.listeners: list[TickListener] = []
        self.fused = FusedLog.empty()
        self.out_of_sequence = 0
        self.on_fused: list[Callable[[list[int], list[int]], None]] = []
        self._sensors: dict[int, set[int]] = {}
        self._last_update: dict[int, float] = {}
        self._seq = 0
        self._wake: simpy.Event | None = None
        self.process = env.process(self._run())

    # ----------------------------------------------------------------- intake
    def receive(self, meas_s: float, sensor: int, sensor_name: str, z: FloatArray,
                R: FloatArray, class_lik: FloatArray, report: int) -> None:
        """Take a report that arrives now."""
        self.pending.append(ArrivedReport(self._seq, self.env.now, float(meas_s), int(sensor),
                                          sensor_name, z, R, class_lik, int(report)))
        self._seq += 1
        if self._wake is not None and not self._wake.triggered:
            self._wake.succeed()

    def subscribe(self, listener: TickListener) -> None:
        """``listener.evaluate(now, node)`` is called after every tick that fused."""
        self.listeners.append(listener)

    # ------------------------------------------------------------------ clock
    def next_tick_after(self, t_s: float) -> float:
        """The first tick k × interval strictly after ``t_s``."""
        k = int(np.floor(t_s / self.interval_s)) + 1
        tick = k * self.interval_s
        return tick if tick > t_s else (k + 1) * self.interval_s

    def _run(self):  # noqa: ANN202 - a SimPy process
        while True:
            if not self.pending:
                self._wake = self.env.event()
                yield self._wake
                self._wake = None
            first = min(r.arrival_s for r in self.pending)
            tick = self.next_tick_after(first)
            if tick > self.env.now:
                yield self.env.timeout(tick - self.env.now)
            self.tick(self.env.now)

    # ----------------------------------------------------------------- fusion
    def tick(self, now_s: float) -> None:
        """Fuse the reports that arrived strictly before ``now_s``; notify listeners."""
        ready = [r for r in self.pending if r.arrival_s < now_s]
        if not ready:
            return
        self.pending = [r for r in self.pending if r.arrival_s >= now_s]
        ready.sort(key=lambda r: (r.meas_s, r.sensor, r.seq))
        n_fused = n_batches = 0
        i = 0
        while i < len(ready):
            j = i
            while j < len(ready) and ready[j].meas_s == ready[i].meas_s:
                j += 1
            batch = ready[i:j]
            i = j
            t_m = batch[0].meas_s
            if t_m <= self.last_fused_s:
                for r in batch:
                    self.out_of_sequence += 1
                    self.log.record(ReportOutOfSequence(now_s, r.sensor_name, r.meas_s,
                                                        r.report))
                continue
            self._fuse_one(now_s, t_m, batch)
            n_fused += len(batch)
            n_batches += 1
        self.log.record(FusionTick(now_s, self.id, n_fused, n_batches, len(self.tracks),
                                   int(self.tracks.is_confirmed.sum())))
        for listener in self.listeners:
            listener.evaluate(now_s, self)

    def _fuse_one(self, now_s: float, t_m: float, batch: list[ArrivedReport]) -> None:
        z = np.array([r.z for r in batch])
        R = np.array([r.R for r in batch])
        sensor = np.array([r.sensor for r in batch], dtype=np.int64)
        lik = np.array([r.class_lik for r in batch])
        self.tracks, events = self._fuse(self.tracks, t_m, z, R, sensor, lik, self.params)
        self.last_fused_s = t_m
        f = self.fused
        tracks = events.report_track.tolist()
        for r, track in zip(batch, tracks, strict=True):
            f.det_t.append(t_m)
            f.det_sensor.append(r.sensor)
            f.det_z.append(r.z)
            f.det_R.append(r.R)
            f.det_report.append(r.report)
            f.det_track.append(track)
            if track >= 0:
                self._sensors.setdefault(track, set()).add(r.sensor)
                self._last_update[track] = t_m
        for listener in self.on_fused:
            listener([r.report for r in batch], tracks)
        c = self.tracks.is_confirmed
        f.trk_t.append(np.full(int(c.sum()), t_m))
        f.trk_id.append(self.tracks.ids[c])
        f.trk_x.append(self.tracks.x[c])
        for tid in sorted(events.confirmed_ids.tolist()):
            row = self.row_of(tid)
            x, y = (self.tracks.x[row, :2].tolist() if row is not None
                    else (float("nan"), float("nan")))
            self.log.record(TrackConfirmed(now_s, tid, x, y))
        for tid in sorted(events.deleted_ids.tolist()):
            self.log.record(TrackDeleted(now_s, tid))

    # ---------------------------------------------------------------- queries
    def row_of(self, track: int) -> int | None:
        """Row of ``track`` in the current table, None if it no longer exists."""
        rows = np.flatnonzero(self.tracks.ids == track)
        return int(rows[0]) if len(rows) else None

    def track_sensor_count(self, track: int) -> int:
        """Number of distinct sensors that reported to ``track``."""
        return len(self._sensors.get(track, ()))

    def track_sensors(self, track: int) -> frozenset[int]:
        """Integer ids of the sensors that reported to ``track``."""
        return frozenset(self._sensors.get(track, ()))

    def track_estimate(self, track: int) -> TrackEstimate | None:
        """The node's estimate of ``track`` now; None once the track is deleted."""
        row = self.row_of(track)
        if row is None:
            return None
        t = self.tracks
        return TrackEstimate(track, float(t.time_s), t.x[row].copy(), t.P[row].copy(),
                             t.class_prob[row].copy(),
                             self._last_update.get(track, float(t.time_s)),
                             bool(t.is_confirmed[row]), self.track_sensors(track))


class UpperNode:
    """A regional centre or the national coordination centre (thin, see module doc).

    Parameters
    ----------
    env, log : the simulation environment and event log
    node_id : ``region-1``, ``ncc``
    latency_s : delay of a message from the layer below, s [G] (DOMAIN.md §2.4)
    parent : the next layer up, or None
    """

    def __init__(self, env: simpy.Environment, node_id: str, latency_s: float, log: EventLog,
                 parent: UpperNode | None = None) -> None:
        self.env, self.id, self.latency_s, self.log = env, node_id, latency_s, log
        self.parent = parent
        self.alerts = 0
        self.apprehensions = 0

    def report(self, subject: str) -> None:
        """Send a message (``alert-12 confirmed``, ``apprehension by team-01``) up."""
        self.env.process(self._deliver(subject))

    def _deliver(self, subject: str):  # noqa: ANN202 - a SimPy process
        yield self.env.timeout(self.latency_s)
        if subject.startswith("apprehension"):
            self.apprehensions += 1
        else:
            self.alerts += 1
        self.log.record(UpReport(self.env.now, self.id, subject, self.alerts,
                                 self.apprehensions))
        if self.parent is not None:
            self.parent.report(subject)
