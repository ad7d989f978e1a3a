"""The local fusion node on the default scenario's report stream: cost per fused batch.

Run: ``pytest benchmarks/bench_node.py --benchmark-only``. Setup runs the default
scenario once (seed 1) and records every report as it reaches the node (arrival time
and arguments of ``FusionNode.receive``); each round replays that stream into a new
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

    def receive(self, meas_s, sensor, sensor_name, z, R, class_lik, report) -> None:  # noqa: ANN001
        self.stream.append((self.env.now, meas_s, sensor, sensor_name, np.array(z),
                            np.array(R), np.array(class_lik), report))
        super().receive(meas_s, sensor, sensor_name, z, R, class_lik, report)


class _Dropping(FusionNode):
    def receive(self, *args) -> None:  # noqa: ANN002
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
    return _Recording.streams[0]


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
            node.receive(*args)

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
