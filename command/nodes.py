"""The local command node: fuses the reports that reach it into the track table.

Local unit (`FusionNode`)
    Reports reach the node over their links at arbitrary times (`sim.comms`); the node
    collects them and, on a fixed clock of ``fusion_interval_s`` (ticks at
    k × interval, k = 1, 2, …), fuses the reports that arrived **strictly before** the
    tick. A report arriving exactly at a tick waits for the next one (STYLE §3: the
    rule for equal times is written down and tested). Within a tick, reports are
    sorted by measurement time and fused as one batch per distinct measurement time,
    in increasing order, exactly as `command.fusion.fuse_batch` fuses a batch; each
    batch's rows are sorted by (integer sensor id, arrival order). The whole tick is
    one compiled call (`command.fusion.batches.fuse_tick`): on the border scenarios
    nearly every batch holds one report, and calling the core from Python once per
    batch cost ~10 times the core's own work.

    Reorder buffer (``lag_s``, `CommandSpec.reorder_lag_s`): a report measured at
    ``t`` is held until ``t + lag_s`` (or taken at once if it arrives later), so
    reports that arrive up to ``lag_s`` after their measurement enter the pending
    buffers in measurement order and are fused, whatever faster sensor reported
    meanwhile; the price is ``lag_s`` more delay for every report. With ``lag_s = 0``
    (the default) every report is taken as it arrives. A report that reaches the node
    after one measured later did is *overtaken* (``overtaken``, and
    ``overtaken_discarded`` of those later discarded as out of sequence).

    Out of sequence: the fusion core keeps one table time and cannot go back. A report
    measured **at or before** the last fused time (it was overtaken on its link, or
    arrived after its batch was fused) is discarded and counted
    (`sim.ground.events.ReportOutOfSequence`). Discarding equal times too means every fused
    measurement time forms exactly one batch, so replaying the fused reports
    (``detections.csv``) with rows of equal time as one batch reproduces the tracks.

    When nothing is pending the node sleeps instead of ticking (an empty tick changes
    nothing: the core only predicts and deletes when it fuses a batch), so an idle week
    costs no events; the ticks it does run are at the same k × interval as always. A
    report reaching an idle node schedules the first tick after its arrival (one SimPy
    timeout whose callback ticks, and schedules the next tick while reports are
    pending: the node is not a SimPy process).

    The node knows no truth. A report reaches it with an opaque ``report`` number;
    after every batch the node tells its ``on_fused`` listeners which track each
    report joined, and the engine's scorer (`sim.scoring`) keeps the truth of tracks
    from that — for KPIs and files only.

    What the rest of the command may ask (`track_estimate`): a track's state, its
    covariance, its class probabilities, when it was last updated and which sensors
    reported to it — the command's picture, nothing else.

The layers above the local node — sections' local units, the regional centre, the
national coordination centre — are `command.layers`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import simpy
from numpy.typing import NDArray

from command.fusion import FusionEvents, FusionParams, TrackTable, fuse_batch, prebuilt
from command.fusion.stops import NEEDS_ROOM
from command.fusion.tracks import IntArray
from sim.ground.events import (
    EventLog,
    FusionTick,
    ReportOutOfSequence,
    TrackConfirmed,
    TrackDeleted,
    record_maker,
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


@dataclass(frozen=True)
class CoarseReport:
    """A report the node fused but could not hold as a track.

    Its position std was above ``max_position_std_m`` (a drag road's sign found hours
    after the crossing, a dog team's trail: where the group may be by now), so the
    track it started was deleted in the same batch (`FusionEvents.report_track`). The
    command still knows it arrived: an alarm sensor's or a patrol's such report raises
    an alert of its own (`command.alerts.AlertRule`).

    Attributes
    ----------
    track : the id of the track it started and that was deleted at once
    sensor : integer id of the sensor that sent it
    x_m, y_m : its position, m
    class_prob : its class likelihood normalised: P(person), P(vehicle), P(animal) (the
        class a track started by it would have had, from the uniform prior)
    """

    track: int
    sensor: int
    x_m: float
    y_m: float
    class_prob: tuple[float, float, float]


def border_fusion_params(scenario_values: Mapping[str, float] | None = None) -> FusionParams:
    """`FusionParams` defaults with the border overrides (and the scenario's) applied."""
    return FusionParams().with_overrides(border_fusion_overrides(scenario_values))


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


class FusedLog:
    """What the node fused, in the order it fused it (for ``detections.csv``).

    Columns of the k fused reports — ``det_t`` (k,) batch time, ``det_sensor`` (k,),
    ``det_z`` (k, 2), ``det_R`` (k, 2, 2), ``det_report`` (k,), ``det_track`` (k,) —
    and of the confirmed-track rows written after each batch: ``trk_t`` (j,),
    ``trk_id`` (j,), ``trk_x`` (j, 4). The columns are growable arrays (the compiled
    tick writes its rows into them directly); each attribute is a view of the rows
    written so far, which later rows never change.

    With a ``sink`` (a callable taking the log), the rows are handed over between
    ticks once ``drain_rows`` of either kind are held (`drain`), and the columns start
    afresh: memory then holds one chunk, whatever the run's length (the engine's
    sink streams them to disk, `sim.spool`). `first_time` still answers for the rows
    handed over.
    """

    _DET = (((), np.float64), ((), np.int64), ((2,), np.float64), ((2, 2), np.float64),
            ((), np.int64), ((), np.int64))
    _TRK = (((), np.float64), ((), np.int64), ((4,), np.float64))

    def __init__(self) -> None:
        self.k = 0            # rows of det written
        self.j = 0            # rows of trk written
        self.det = tuple(np.empty((1024, *shape), dtype) for shape, dtype in self._DET)
        self.trk = tuple(np.empty((1024, *shape), dtype) for shape, dtype in self._TRK)
        self.sink: Callable[[FusedLog], None] | None = None
        self.drain_rows = 100_000
        self._first: dict[int, float] = {}   # track → first batch time, rows handed over

    def drain(self, force: bool = False) -> None:
        """Hand the rows to the ``sink`` and start afresh, if one is set and
        ``drain_rows`` rows are held (or ``force``: at the run's end)."""
        if self.sink is None or not (force or self.k >= self.drain_rows
                                     or self.j >= self.drain_rows):
            return
        if self.k:
            track, t = self.det_track, self.det_t
            order = np.lexsort((t, track))
            ids, first = np.unique(track[order], return_index=True)
            for i, t0 in zip(ids.tolist(), t[order][first].tolist(), strict=True):
                old = self._first.get(i)
                self._first[i] = t0 if old is None or t0 < old else old
        self.sink(self)
        self.k = self.j = 0

    def first_time(self, track: int) -> float:
        """Batch time of the first report fused into ``track``, s (NaN: none)."""
        t = self.det_t[self.det_track == track]
        old = self._first.get(track)
        if not len(t):
            return float("nan") if old is None else old
        new = float(t.min())
        return new if old is None or new < old else old

    @classmethod
    def empty(cls) -> FusedLog:
        return cls()

    @staticmethod
    def _grown(cols: tuple[np.ndarray, ...], used: int, need: int) -> tuple[np.ndarray, ...]:
        rows = max(need, 2 * len(cols[0]))
        out = []
        for col in cols:
            new = np.empty((rows, *col.shape[1:]), col.dtype)
            new[:used] = col[:used]
            out.append(new)
        return tuple(out)

    def reserve(self, det_rows: int, trk_rows: int) -> None:
        """Make room for ``det_rows`` more reports and ``trk_rows`` more track rows."""
        if self.k + det_rows > len(self.det[0]):
            self.det = self._grown(self.det, self.k, self.k + det_rows)
        if self.j + trk_rows > len(self.trk[0]):
            self.trk = self._grown(self.trk, self.j, self.j + trk_rows)

    def append(self, det_t: FloatArray, det_sensor: IntArray, det_z: FloatArray,
               det_R: FloatArray, det_report: IntArray, det_track: IntArray,
               trk_t: FloatArray, trk_id: IntArray, trk_x: FloatArray) -> None:
        """Add the reports of a batch and the track rows written after it."""
        m, c = len(det_t), len(trk_t)
        self.reserve(m, c)
        for col, values in zip(self.det, (det_t, det_sensor, det_z, det_R, det_report,
                                          det_track), strict=True):
            col[self.k:self.k + m] = values
        for col, values in zip(self.trk, (trk_t, trk_id, trk_x), strict=True):
            col[self.j:self.j + c] = values
        self.k += m
        self.j += c

    det_t = property(lambda self: self.det[0][:self.k])
    det_sensor = property(lambda self: self.det[1][:self.k])
    det_z = property(lambda self: self.det[2][:self.k])
    det_R = property(lambda self: self.det[3][:self.k])
    det_report = property(lambda self: self.det[4][:self.k])
    det_track = property(lambda self: self.det[5][:self.k])
    trk_t = property(lambda self: self.trk[0][:self.j])
    trk_id = property(lambda self: self.trk[1][:self.j])
    trk_x = property(lambda self: self.trk[2][:self.j])


class TickListener(Protocol):
    def evaluate(self, now_s: float, node: FusionNode) -> None: ...


#: `FusionTick` from all its fields (`record_maker`: one record per tick).
_fusion_tick = record_maker(FusionTick)

#: Rows of the pending-report buffers a node starts with (they double when full).
_PENDING_ROWS = 256
_TICK_KERNEL = None


def _tick_kernel():  # noqa: ANN202
    """The tick's kernel: the C one compiled at install (`command.fusion.prebuilt`, no
    numba imported), else `command.fusion.batches` (numba's JIT, the ``jit`` extra;
    importing numba takes ~0.2 s and loading its cache more); None without either
    (the node then fuses batch by batch with `command.fusion.fuse_batch`)."""
    global _TICK_KERNEL
    if _TICK_KERNEL is None:
        from command.fusion import prebuilt

        batches = prebuilt.load()
        if batches is None:
            try:
                from command.fusion import batches
            except ImportError:
                batches = False
            else:
                batches.refresh_cache()
        _TICK_KERNEL = batches
    return _TICK_KERNEL or None


def _kernel_columns(t: TrackTable) -> tuple[np.ndarray, ...]:
    """The table's arrays as the tick's kernel takes them: C-contiguous, of the
    documented dtypes (a copy only where one is not). The C kernel refuses any other
    (numba's JIT would compile another version instead)."""
    c = np.ascontiguousarray
    return (c(t.ids, np.int64), c(t.x, np.float64), c(t.P, np.float64),
            c(t.is_confirmed, np.bool_), c(t.class_prob, np.float64),
            c(t.last_update_s, np.float64), c(t.n_updates, np.int64), c(t.score, np.float64))


class _TableArena:
    """Memory for the node's successive track tables, handed out in regions never reused.

    Each tick's table is written into the next free rows, so no table shares memory
    with another and a `TrackTable` the node handed out never changes (STYLE §5),
    without allocating eight arrays per tick. A full arena is replaced by a new one;
    the old one lives as long as some table still refers to it.
    """

    def __init__(self, rows: int) -> None:
        self.used = 0
        self.cols = (np.empty(rows, np.int64), np.empty((rows, 4)), np.empty((rows, 4, 4)),
                     np.empty(rows, np.bool_), np.empty((rows, 3)), np.empty(rows),
                     np.empty(rows, np.int64), np.empty(rows))

    def take(self, rows: int) -> tuple[np.ndarray, ...]:
        """Views of the next ``rows`` free rows of every column (`TrackTable` order),
        now used."""
        u = self.used
        self.used = u + rows
        return tuple([col[u:u + rows] for col in self.cols])


#: Rows of a table arena (a 60 kB … 1 MB block holds thousands of small tables).
_ARENA_ROWS = 4096

def _new_table(cols: tuple[np.ndarray, ...], time_s: float, next_id: int) -> TrackTable:
    """``TrackTable(*cols, time_s=time_s, next_id=next_id)``: the same table, made
    without the frozen dataclass's ``object.__setattr__`` per field (one table per
    tick that fused; the fields written one by one, a third of a zip's cost)."""
    table = object.__new__(TrackTable)
    d = table.__dict__
    (d["ids"], d["x"], d["P"], d["is_confirmed"], d["class_prob"], d["last_update_s"],
     d["n_updates"], d["score"]) = cols
    d["time_s"] = time_s
    d["next_id"] = next_id
    return table


class FusionNode:
    """The local unit: collects reports, fuses them on its clock, keeps the track table.

    Pending reports are kept as rows of preallocated arrays (no object per report), in
    arrival order. A tick is one call of `command.fusion.batches.fuse_tick`, which
    orders the reports and fuses every batch with the same compiled pipeline as
    `command.fusion.fuse_batch`, so the tracks, the report→track assignment and the
    records are exactly those of fusing batch by batch. Listeners and records then
    follow batch by batch, in order: the ``on_fused`` listeners of a batch, then its
    `TrackConfirmed` (ids sorted) and `TrackDeleted` (ids sorted) records; during
    them, ``tracks`` and the other queries already show the end of the tick. Then the
    tick's `FusionTick` record, its ``listeners`` (which may read ``coarse``: the
    tick's reports too coarse to hold as tracks, `CoarseReport`) and a `TrackDeleted`
    record for each of those.

    Parameters
    ----------
    env : the simulation environment
    node_id : ``post-1``; log source
    interval_s : fusion interval, s (`CommandSpec.fusion_interval_s`)
    params : fusion parameters
    log : the replication's event log
    fuse : None (the default) for the compiled tick; or a function with the signature
        of `command.fusion.fuse_batch`, called once per batch (the reference path;
        tests inject stand-ins). Without numba the node calls ``fuse_batch`` per batch.
    """

    def __init__(self, env: simpy.Environment, node_id: str, interval_s: float,
                 params: FusionParams, log: EventLog,
                 fuse: Callable[..., tuple[TrackTable, FusionEvents]] | None = None,
                 lag_s: float = 0.0) -> None:
        self.env = env
        self.lag_s = float(lag_s)
        self.overtaken = self.overtaken_discarded = 0
        self._latest_meas = -np.inf
        # reports overtaken on arrival and not yet taken by a tick (`_late` asks)
        self._overtaken_ids: set[int] = set()
        self.id = node_id
        self.interval_s = float(interval_s)
        self.params = params
        self.log = log
        self._fuse = fuse
        self.tracks = TrackTable.empty()
        self.last_fused_s = -np.inf
        self.listeners: list[TickListener] = []
        self.fused = FusedLog.empty()
        self.out_of_sequence = 0
        self.on_fused: list[Callable[[list[int], list[int]], None]] = []
        self._sensors: dict[int, set[int]] = {}   # live track → sensors that reported
        #: during a tick's listeners, its reports too coarse to hold as tracks (by id)
        self.coarse: list[CoarseReport] = []
        # pending reports: rows head:n of these buffers, in arrival order
        self._head = self._n = 0
        rows = _PENDING_ROWS
        self._arrival = np.empty(rows)
        self._meas = np.empty(rows)
        self._sensor = np.empty(rows, np.int64)
        self._report = np.empty(rows, np.int64)
        self._z = np.empty((rows, 2))
        self._R = np.empty((rows, 2, 2))
        self._lik = np.empty((rows, 3))
        self._names: list[str] = []
        self._work = self._work_buffers(rows + 1, rows)
        self._pending_cols = (self._arrival, self._meas, self._sensor, self._report, self._z,
                              self._R, self._lik)
        self._arena = _TableArena(_ARENA_ROWS)
        self._params_vector = (params.as_vector(), float(params.clutter_density_per_m2),
                               float(params.revive_window_s))
        # the table the node made last and its arrays (as the kernel takes them)
        self._table_made: TrackTable | None = None
        self._table_cols: tuple[np.ndarray, ...] = ()
        #: at most this many batches per compiled call (tests lower it to exercise the
        #: continuation that a batch needing scipy takes)
        self._batch_limit = 1 << 62
        #: a tick is scheduled for the first pending report (`_arm`)
        self._armed = False
        #: the intake of one report in C (`command.fusion.prebuilt`), else None: `_take`
        self._put = getattr(prebuilt.load(), "put_report", None)
        # ``later(delay, fn)``: the environment's call without an event
        # (`sim.engine.Clock`), else a timeout in the same place of SimPy's order
        self._later: Callable[[float, Callable[[], None]], None] = getattr(
            env, "call_later", None) or (
            lambda delay, fn: env.timeout(delay).callbacks.append(lambda _e: fn()))

    # ----------------------------------------------------------------- intake
    def receive(self, meas_s: float, sensor: int, sensor_name: str, z: FloatArray,
                R: FloatArray, class_lik: FloatArray, report: int) -> None:
        """Take a report that arrives now.

        ``z`` (2,) position, m; ``R`` (2, 2) covariance, m²; ``class_lik`` (3,);
        ``report`` the engine's number for it (opaque to the command). With a
        reorder lag the report is held until ``meas_s + lag_s``.
        """
        self.receive_row(meas_s, sensor, sensor_name, np.asarray(z, float).reshape(1, 2),
                         np.asarray(R, float).reshape(1, 2, 2),
                         np.asarray(class_lik, float).reshape(1, 3), 0, report)

    def receive_row(self, meas_s: float, sensor: int, sensor_name: str, xy: FloatArray,
                    cov: FloatArray, lik: FloatArray, k: int, report: int) -> None:
        """`receive` of the report whose ``z``, ``R``, ``class_lik`` are row ``k`` of
        ``xy`` (n, 2), ``cov`` (n, 2, 2), ``lik`` (n, 3) (float64): what the world
        delivers, the rows copied into the pending buffers without a view of each."""
        if meas_s < self._latest_meas:
            self.overtaken += 1
            self._overtaken_ids.add(report)
        else:
            self._latest_meas = meas_s
        if self.lag_s > 0.0 and meas_s + self.lag_s > self.env.now:
            z, R, class_lik = xy[k], cov[k], lik[k]
            self._later(meas_s + self.lag_s - self.env.now,
                        lambda: self._take(meas_s, sensor, sensor_name, z, R, class_lik, report))
            return
        put = self._put
        if put is None:
            self._take(meas_s, sensor, sensor_name, xy[k], cov[k], lik[k], report)
            return
        n = self._n
        if n == len(self._arrival):
            self._make_room()
            n = self._n
        now = self.env.now
        put(self._pending_cols, n, now, meas_s, sensor, report, xy, cov, lik, k)
        self._names.append(sensor_name)
        self._n = n + 1
        if not self._armed:        # the first pending report's arrival: this one's, if first
            h = self._head
            self._arm(self.next_tick_after(float(now) if h == n else float(self._arrival[h])))

    def _take(self, meas_s: float, sensor: int, sensor_name: str, z: FloatArray,
              R: FloatArray, class_lik: FloatArray, report: int) -> None:
        """Put a report into the pending buffers now (its arrival time: now); what
        `receive_row` does with the C module's ``put_report``."""
        n = self._n
        if n == len(self._arrival):
            self._make_room()
            n = self._n
        self._arrival[n] = self.env.now
        self._meas[n] = meas_s
        self._sensor[n] = sensor
        self._report[n] = report
        self._z[n] = z
        self._R[n] = R
        self._lik[n] = class_lik
        self._names.append(sensor_name)
        self._n = n + 1
        if not self._armed:
            self._arm(self.next_tick_after(float(self._arrival[self._head])))

    def _make_room(self) -> None:
        """Drop the taken rows (head) of full buffers, and double them if still full."""
        h, n = self._head, self._n
        bufs = ("_arrival", "_meas", "_sensor", "_report", "_z", "_R", "_lik")
        rows = len(self._arrival) * (2 if n - h > len(self._arrival) // 2 else 1)
        for name in bufs:
            old = getattr(self, name)
            new = np.empty((rows, *old.shape[1:]), old.dtype) if rows > len(old) else old
            new[: n - h] = old[h:n]
            setattr(self, name, new)
        del self._names[:h]
        self._head, self._n = 0, n - h
        self._pending_cols = (self._arrival, self._meas, self._sensor, self._report, self._z,
                              self._R, self._lik)

    @staticmethod
    def _work_buffers(batches: int, events: int) -> tuple[np.ndarray, ...]:
        """`batches.fuse_tick`'s ``work``: sizes for ``batches`` - 1 reports and
        ``events`` confirmed or deleted ids."""
        return (np.empty(batches, np.int64), np.empty(batches), np.empty(batches, np.int64),
                np.empty(batches, np.int64), np.empty(batches, np.int64),
                np.empty(events, np.int64), np.empty((events, 2)), np.empty(events, np.int64),
                np.empty((batches, 3)), np.empty(3 * batches, np.int64))

    @property
    def pending_count(self) -> int:
        """Reports received and not yet taken by a tick."""
        return self._n - self._head

    def subscribe(self, listener: TickListener) -> None:
        """``listener.evaluate(now, node)`` is called after every tick that fused."""
        self.listeners.append(listener)

    # ------------------------------------------------------------------ clock
    def next_tick_after(self, t_s: float) -> float:
        """The first tick k × interval strictly after ``t_s``."""
        k = math.floor(t_s / self.interval_s) + 1
        tick = k * self.interval_s
        return tick if tick > t_s else (k + 1) * self.interval_s

    def _arm(self, tick_s: float) -> None:
        """Schedule a tick at ``tick_s``: the first tick after the first pending
        report's arrival (the buffers are in arrival order: it arrived first)."""
        self._armed = True
        self._later(tick_s - self.env.now, self._on_tick)

    def _on_tick(self) -> None:
        """Tick; then arm the next tick for what is still pending, if anything is."""
        now = self.env.now
        self.tick(now)
        while self._head != self._n:
            tick = self.next_tick_after(float(self._arrival[self._head]))
            if tick > now:
                self._arm(tick)
                return
            self.tick(now)
        self._armed = False

    # ----------------------------------------------------------------- fusion
    def tick(self, now_s: float) -> None:
        """Fuse the reports that arrived strictly before ``now_s``; notify listeners."""
        h = self._head
        if h == self._n or not self._arrival[h] < now_s:
            return
        kernel = (_TICK_KERNEL or _tick_kernel()) if self._fuse is None else None
        d0, first_id = self.fused.k, self.tracks.next_id
        if kernel is None:
            n_fused, n_batches = self._tick_per_batch(now_s)
            n_confirmed = -1
        else:
            n_fused, n_batches, n_confirmed = self._tick_compiled(float(now_s), kernel)
        coarse = self.coarse = (self._coarse_reports(h, d0, first_id)
                                if self.tracks.next_id != first_id else [])
        if self._overtaken_ids:         # a report taken by a tick is never looked up again
            self._overtaken_ids.difference_update(self._report[h:self._head].tolist())
        if self._head == self._n:                  # nothing left: reuse from the top
            self._head = self._n = 0
            self._names.clear()
        t = self.tracks
        if n_confirmed < 0:
            n_confirmed = int(np.count_nonzero(t.is_confirmed))
        self.log.record(_fusion_tick(now_s, self.id, n_fused, n_batches, len(t.ids),
                                     n_confirmed))
        for listener in self.listeners:
            listener.evaluate(now_s, self)
        if coarse:                         # after the listeners: they may ask its sensors
            for c in coarse:
                self._sensors.pop(c.track, None)
                self.log.record(TrackDeleted(now_s, c.track))
            self.coarse = []
        f = self.fused                     # `FusedLog.drain`'s test, without its call
        if f.sink is not None and (f.k >= f.drain_rows or f.j >= f.drain_rows):
            f.drain()

    def _coarse_reports(self, h0: int, d0: int, first_id: int) -> list[CoarseReport]:
        """The reports of this tick (pending rows from ``h0``, fused rows from ``d0``)
        whose tracks, started with ids from ``first_id``, were deleted at once."""
        ids = self.tracks.ids
        new = self.tracks.next_id - first_id
        if new <= len(ids) and ids[len(ids) - new] == first_id:
            return []                      # the usual tick: every new track is held
        alive = set(ids[int(np.searchsorted(ids, first_id)):].tolist())
        f, sensors = self.fused, self._sensors
        out = []
        for u, track in enumerate(f.det[5][d0:f.k].tolist()):
            # started this tick, not held, not deleted by a later batch (that pops it)
            if track < first_id or track in alive or track not in sensors:
                continue
            row = d0 + u
            pending = h0 + int(np.flatnonzero(self._report[h0:self._head]
                                              == f.det[4][row])[0])
            lik = self._lik[pending]
            total = float(lik.sum())
            p = lik / total if total > 0.0 else np.full(3, 1.0 / 3.0)
            x, y = f.det[2][row].tolist()
            out.append(CoarseReport(track, int(f.det[1][row]), x, y,
                                    (float(p[0]), float(p[1]), float(p[2]))))
        out.sort(key=lambda c: c.track)
        return out

    def _late(self, now_s: float, rows: list[int]) -> None:
        """Log and count reports measured at or before the last fused time."""
        names, meas, report = self._names, self._meas, self._report  # names[j]: row j
        for j in rows:
            self.out_of_sequence += 1
            if int(report[j]) in self._overtaken_ids:
                self.overtaken_discarded += 1
            self.log.record(ReportOutOfSequence(now_s, names[j], float(meas[j]),
                                                int(report[j])))

    def _tick_compiled(self, now_s: float, kernel) -> tuple[int, int, int]:  # noqa: ANN001
        """The tick in one compiled call (continued only after a batch that needs scipy
        or more room for track rows); returns reports and batches fused, and the
        confirmed tracks after the last batch (-1: count them)."""
        t, f, h = self.tracks, self.fused, self._head
        pending = self._n - h
        n_rows = len(t.ids) + pending
        work = self._work
        if pending + 1 > len(work[0]) or n_rows > len(work[5]):
            self._work = work = self._work_buffers(2 * pending + 1, 2 * n_rows)
        d0 = f.k
        if d0 + pending > len(f.det[0]) or f.j + n_rows > len(f.trk[0]):
            f.reserve(pending, n_rows)
        table = self._table_cols
        if self._table_made is not t:
            table = _kernel_columns(t)
        arena = self._arena
        if arena.used + n_rows > len(arena.cols[0]):
            arena = self._arena_for(n_rows)
        prm, lam, revive = self._params_vector
        (n_ready, n_late, nb, stop, reason, nc, nd, nt, n_out, n_confirmed, time_s,
         next_id) = kernel.fuse_tick(now_s, h, self._n, self._pending_cols, self.last_fused_s,
                                     table, t.time_s, t.next_id, arena.cols, arena.used,
                                     f.det, d0, f.trk, f.j, work, prm, lam, revive,
                                     self._batch_limit, -1, 0)
        if n_late:
            self._late(now_s, work[0][:n_late].tolist())
        self._head = h + n_ready
        ptr = work[2][:nb + 1].tolist()
        k = ptr[nb]
        f.k = d0 + k
        rsn = work[9][:3 * k].tolist()
        reports, sensors, tracks = rsn[:k], rsn[k:2 * k], rsn[2 * k:]
        b0 = 0
        while True:
            if stop > b0:
                u = arena.used
                arena.used = v = u + n_out
                ids, x, P, conf, cp, lu, nu, score = arena.cols
                cols = self._table_cols = (ids[u:v], x[u:v], P[u:v], conf[u:v], cp[u:v],
                                           lu[u:v], nu[u:v], score[u:v])
                self.tracks = self._table_made = _new_table(cols, time_s, next_id)
                self.last_fused_s = time_s             # the last fused batch's time
                f.j = nt
                if b0:
                    s, e = ptr[b0], ptr[stop]
                    self._note_sensors(tracks[s:e], sensors[s:e])
                    self._emit(now_s, b0, stop, [q - s for q in ptr], reports[s:e],
                               tracks[s:e], nc, nd, work)
                else:
                    self._note_sensors(tracks, sensors)
                    self._emit(now_s, 0, stop, ptr, reports, tracks, nc, nd, work)
            if stop == nb:
                return k, nb, n_confirmed
            if reason == NEEDS_ROOM:
                b0 = stop
                f.reserve(0, 2 * (len(self.tracks.ids) + k))
            else:        # NEEDS_SCIPY, or LIMIT (tests: the same path, batch by batch)
                self._fuse_scipy_batch(now_s, stop, d0 + ptr[stop], d0 + ptr[stop + 1],
                                       ptr[stop], float(work[1][stop]))
                b0 = stop + 1
            t = self.tracks
            arena = self._arena_for(len(t.ids) + k)
            (_, _, _, stop, reason, nc, nd, nt, n_out, n_confirmed, time_s,
             next_id) = kernel.fuse_tick(
                now_s, h, self._n, self._pending_cols, self.last_fused_s,
                _kernel_columns(t), t.time_s, t.next_id, arena.cols, arena.used, f.det, d0,
                f.trk, f.j, work, prm, lam, revive, self._batch_limit, b0, nb)
            tracks = f.det[5][d0:d0 + k].tolist()

    def _arena_for(self, rows: int) -> _TableArena:
        """The table arena, with room for a table of ``rows`` (a new one when full)."""
        if self._arena.used + rows > len(self._arena.cols[0]):
            self._arena = _TableArena(max(_ARENA_ROWS, 4 * rows))
        return self._arena

    def _fuse_scipy_batch(self, now_s: float, b: int, r0: int, r1: int, s: int,
                          t_m: float) -> None:
        """Fuse batch ``b`` (rows ``r0:r1`` of the fused log) with ``fuse_batch``."""
        f = self.fused
        k = f.k
        f.k = r0                                   # rewrite the batch's rows in place
        det = [col[r0:r1].copy() for col in f.det]
        lik = self._work[8][s:s + r1 - r0].copy()
        self._fuse_one(now_s, t_m, det[0], det[1], det[2], det[3], lik, det[4], fuse_batch)
        f.k = k

    def _note_sensors(self, tracks: list[int], sensors: list[int]) -> None:
        """Add each report's sensor (``sensors[u]``) to its track's (``tracks[u]``, -1:
        none); the lists are of one length (a loop by index: a zip costs more than the
        one pair it usually holds)."""
        known = self._sensors
        for u in range(len(tracks)):
            track = tracks[u]
            if track >= 0:
                got = known.get(track)
                if got is None:
                    known[track] = {sensors[u]}
                else:
                    got.add(sensors[u])

    def _emit(self, now_s: float, b0: int, b1: int, ptr: list[int], reports: list[int],
              tracks: list[int], nc: int, nd: int, work: tuple[np.ndarray, ...]) -> None:
        """Listeners and records of batches ``b0:b1``, batch by batch.

        ``ptr`` (batch bounds) indexes ``reports`` and ``tracks`` with batch ``b0``
        starting at 0; ``nc`` confirmed and ``nd`` deleted ids are in ``work`` (see
        `command.fusion.batches.fuse_tick`), their bounds relative to batch ``b0``.
        """
        listeners = self.on_fused
        if not nc and not nd:              # the usual tick: listeners only, no records
            if listeners:
                for b in range(b0, b1):
                    s, e = ptr[b], ptr[b + 1]
                    rs, ts = reports[s:e], tracks[s:e]
                    for listener in listeners:
                        listener(rs, ts)
            return
        if nc:
            cp, cid, cxy = (work[3][:b1 - b0 + 1].tolist(), work[5][:nc].tolist(),
                            work[6][:nc].tolist())
        if nd:
            dp, did = work[4][:b1 - b0 + 1].tolist(), work[7][:nd].tolist()
        record = self.log.record
        for b in range(b0, b1):
            if listeners:
                s, e = ptr[b], ptr[b + 1]
                rs, ts = reports[s:e], tracks[s:e]
                for listener in listeners:
                    listener(rs, ts)
            if nc:
                for u in range(cp[b - b0], cp[b - b0 + 1]):
                    record(TrackConfirmed(now_s, cid[u], cxy[u][0], cxy[u][1]))
            if nd:
                for u in range(dp[b - b0], dp[b - b0 + 1]):
                    self._sensors.pop(did[u], None)     # a deleted id never comes back
                    record(TrackDeleted(now_s, did[u]))

    # ------------------------------------------------- reference: batch by batch
    def _tick_per_batch(self, now_s: float) -> tuple[int, int]:
        """The tick as a loop over batches calling ``fuse`` (injected, or ``fuse_batch``)."""
        h, n = self._head, self._n
        arrival, meas, sensor = self._arrival, self._meas, self._sensor
        ready = [j for j in range(h, n) if arrival[j] < now_s]
        self._head = h + len(ready)
        ready.sort(key=lambda j: (meas[j], sensor[j], j))
        fuse = self._fuse or fuse_batch
        n_fused = n_batches = 0
        i = 0
        while i < len(ready):
            j = i
            while j < len(ready) and meas[ready[j]] == meas[ready[i]]:
                j += 1
            rows = ready[i:j]
            i = j
            t_m = float(meas[rows[0]])
            if t_m <= self.last_fused_s:
                self._late(now_s, rows)
                continue
            self._fuse_one(now_s, t_m, np.full(len(rows), t_m), sensor[rows], self._z[rows],
                           self._R[rows], self._lik[rows], self._report[rows], fuse)
            n_fused += len(rows)
            n_batches += 1
        return n_fused, n_batches

    def _fuse_one(self, now_s: float, t_m: float, tm: FloatArray, sensor: IntArray,
                  z: FloatArray, R: FloatArray, lik: FloatArray, report: IntArray,
                  fuse: Callable[..., tuple[TrackTable, FusionEvents]]) -> None:
        """One batch through ``fuse``, then its log rows, listeners and records."""
        self.tracks, events = fuse(self.tracks, t_m, z, R, sensor, lik, self.params)
        self.last_fused_s = t_m
        tracks = events.report_track.tolist()
        c = self.tracks.is_confirmed
        self.fused.append(tm, sensor, z, R, report, events.report_track,
                          np.full(int(c.sum()), t_m), self.tracks.ids[c], self.tracks.x[c])
        self._note_sensors(tracks, sensor.tolist())
        reports = report.tolist()
        for listener in self.on_fused:
            listener(reports, tracks)
        for tid in sorted(events.confirmed_ids.tolist()):
            row = self.row_of(tid)
            x, y = (self.tracks.x[row, :2].tolist() if row is not None
                    else (float("nan"), float("nan")))
            self.log.record(TrackConfirmed(now_s, tid, x, y))
        for tid in sorted(events.deleted_ids.tolist()):
            self._sensors.pop(tid, None)
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
        """The node's estimate of ``track`` now; None once the track is deleted.

        ``last_update_s`` is the table's: the time of the last report fused into it.
        """
        row = self.row_of(track)
        if row is None:
            return None
        t = self.tracks
        return TrackEstimate(track, float(t.time_s), t.x[row].copy(), t.P[row].copy(),
                             t.class_prob[row].copy(), float(t.last_update_s[row]),
                             bool(t.is_confirmed[row]), self.track_sensors(track))

