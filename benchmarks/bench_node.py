"""The local fusion node on the default scenario's report stream: cost per fused batch.

Run: ``pytest benchmarks/bench_node.py --benchmark-only``. Setup runs the default
scenario once (seed 1) and records every report as it reaches the node (arrival time
and arguments of ``FusionNode.receive_row``, the report's row as a one-row batch);
each round replays that stream into a new
node in a bare SimPy environment, so the node's whole cost is timed — intake, its
clock process, the tick, the fused log, listeners' calls (one that does nothing) and
its records — and nothing of the world. ``extra_info``: batches, reports, the
replay's driver alone (a node that drops every report), and µs per fused batch with
the driver subtracted. ``compiled`` is the node as the engine builds it;
``batch_by_batch`` is the reference path (``fuse=fuse_batch``, one core call per
batch, what the node did before).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import simpy

import sim.engine
from command.fusion import fuse_batch
from command.nodes import FusionNode, border_fusion_params
from sim.ground.events import EventLog
from sim.scenario import load_scenario

DEFAULT = Path(__file__).parents[1] / "scenarios" / "default.yaml"


class _Recording(FusionNode):
    streams: list[list[tuple]] = []

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.stream: list[tuple] = []
        _Recording.streams.append(self.stream)

    def receive_row(self, meas_s, sensor, sensor_name, xy, cov, lik, k, report) -> None:  # noqa: ANN001
        # the world delivers row k of a batch (`World.deliver`); kept as a one-row batch
        self.stream.append((self.env.now, meas_s, sensor, sensor_name, xy[k:k + 1].copy(),
                            cov[k:k + 1].copy(), lik[k:k + 1].copy(), 0, report))
        super().receive_row(meas_s, sensor, sensor_name, xy, cov, lik, k, report)


class _Dropping(FusionNode):
    def receive_row(self, *args) -> None:  # noqa: ANN002
        pass


@pytest.fixture(scope="module")
def stream() -> list[tuple]:
    mp = pytest.MonkeyPatch()
    mp.setattr(sim.engine, "FusionNode", _Recording)
    _Recording.streams.clear()
    try:
        sim.engine.run_replication(load_scenario(DEFAULT), 1)
    finally:
        mp.undo()
    stream = _Recording.streams[0]
    assert len(stream) > 1000, "no reports recorded: does the engine still call receive_row?"
    return stream


def replay(stream: list[tuple], cls: type[FusionNode] = FusionNode, **kw) -> tuple:  # noqa: ANN003
    env, log = simpy.Environment(), EventLog()
    node = cls(env, "post-1", 5.0, border_fusion_params(), log, **kw)
    batches = [0]

    def listener(reports: list[int], tracks: list[int]) -> None:
        batches[0] += 1

    node.on_fused.append(listener)

    def drive():  # noqa: ANN202
        for at, *args in stream:
            if at > env.now:
                yield env.timeout(at - env.now)
            node.receive_row(*args)

    env.process(drive())
    env.run(until=stream[-1][0] + 20.0)
    return node, batches[0]


@pytest.mark.parametrize("path", ["compiled", "batch_by_batch"])
def test_node_default_stream(benchmark, stream, path):  # noqa: ANN001
    kw = {"fuse": fuse_batch} if path == "batch_by_batch" else {}
    replay(stream[:2000], **kw)                            # load the kernels
    node, batches = benchmark.pedantic(replay, args=(stream,), kwargs=kw,
                                       rounds=5 if path == "compiled" else 3, iterations=1,
                                       warmup_rounds=1)
    drivers = []
    for _ in range(3):
        t0 = time.perf_counter()
        replay(stream, _Dropping)
        drivers.append(time.perf_counter() - t0)
    driver = float(np.median(drivers))
    median = benchmark.stats.stats.median
    benchmark.extra_info["reports"] = len(stream)
    benchmark.extra_info["batches"] = batches
    benchmark.extra_info["driver_s"] = driver
    benchmark.extra_info["us_per_batch"] = (median - driver) / batches * 1e6
    benchmark.extra_info["us_per_batch_with_driver"] = median / batches * 1e6


def _node_with_one_track() -> FusionNode:
    env = simpy.Environment()
    node = FusionNode(env, "post-1", 5.0, border_fusion_params(), EventLog())
    for k in range(6):                                      # a walker, confirmed
        node.receive(2.0 * k, 0, "radar-01", np.array([2.4 * k, 0.0]), np.eye(2) * 25.0,
                     np.array([0.8, 0.1, 0.1]), k)
    node.tick(20.0)
    assert node.tracks.is_confirmed.sum() == 1
    return node


def test_tick_call_fixed_cost(benchmark):  # noqa: ANN001
    """One `fuse_tick` call with nothing pending: what a tick pays before any batch
    (argument unboxing, reference counts, the returned numbers)."""
    from command.fusion import batches

    node = _node_with_one_track()
    t, f, a = node.tracks, node.fused, node._arena
    prm, lam, revive = node._params_vector
    table = (t.ids, t.x, t.P, t.is_confirmed, t.class_prob, t.last_update_s, t.n_updates,
             t.score)
    args = (30.0, 0, 0, node._pending_cols, node.last_fused_s, table, t.time_s, t.next_id,
            a.cols, a.used, f.det, f.k, f.trk, f.j, node._work, prm, lam, revive, 1 << 62,
            -1, 0)
    batches.fuse_tick(*args)
    benchmark(batches.fuse_tick, *args)
    benchmark.extra_info["us_per_call"] = benchmark.stats.stats.median * 1e6


def test_fuse_batch_one_report(benchmark):  # noqa: ANN001
    """`fuse_batch` from Python on one report and one confirmed track: what the node
    paid per batch for the core call alone before the compiled tick."""
    node = _node_with_one_track()
    t = node.tracks
    z, R = np.array([[31.0, 0.0]]), np.eye(2)[None] * 25.0
    sensor, lik = np.zeros(1, np.int64), np.array([[0.8, 0.1, 0.1]])
    fuse_batch(t, 22.0, z, R, sensor, lik, node.params)
    benchmark(fuse_batch, t, 22.0, z, R, sensor, lik, node.params)
    benchmark.extra_info["us_per_call"] = benchmark.stats.stats.median * 1e6


def test_whole_stream_in_one_tick(benchmark, stream):  # noqa: ANN001
    """Every report of the default run in one tick (all arrived before it): what
    `fuse_tick` would give ``run_sim.py fuse`` on a simulator's ``detections.csv``,
    where batches are again rows of equal time (the replay there calls `fuse_batch`
    per batch). ``extra_info``: µs per batch and reports per second of the tick."""

    def one_tick() -> tuple[FusionNode, float]:
        node = FusionNode(simpy.Environment(), "post-1", 5.0, border_fusion_params(),
                          EventLog())
        for _, *args in stream:
            node.receive_row(*args)
        t0 = time.perf_counter()
        node.tick(1.0)
        return node, time.perf_counter() - t0

    one_tick()
    ticks: list[float] = []

    def run() -> FusionNode:
        node, dt = one_tick()
        ticks.append(dt)
        return node

    node = benchmark.pedantic(run, rounds=3, iterations=1)
    batches = len(np.unique(node.fused.det_t))
    tick = float(np.median(ticks))
    benchmark.extra_info["batches"] = batches
    benchmark.extra_info["tick_s"] = tick
    benchmark.extra_info["us_per_batch"] = tick / batches * 1e6
    benchmark.extra_info["reports_per_s"] = len(node.fused.det_t) / tick
