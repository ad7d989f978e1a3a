"""`sim.engine.run_until`: pausing the clock for a progress bar changes nothing.

The reference is SimPy's own ``env.run(until=stop)``: the same events in the same
order at the same times, the run ending where it ends, and a replication's records,
fused reports, tracks and KPIs the same bit for bit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import simpy

from sim.engine import run_replication, run_until
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[3]


def busy_world(env: simpy.Environment, log: list[tuple[float, str]]) -> simpy.Process:
    """Processes whose events tie with each other, with the pauses (every 10 s) and
    with the stop (at 35 s, then more events at that instant and after it)."""
    def ticker(name: str, period: float):  # noqa: ANN202
        while True:
            log.append((env.now, name))
            yield env.timeout(period)

    def stopper():  # noqa: ANN202
        yield env.timeout(35.0)
        log.append((env.now, "stop"))

    for name, period in (("a", 5.0), ("b", 10.0), ("c", 2.5), ("d", 35.0)):
        env.process(ticker(name, period))
    return env.process(stopper())


def test_the_pauses_leave_the_order_of_events_as_a_plain_run_has_it() -> None:
    plain_env, plain = simpy.Environment(), []
    plain_env.run(until=busy_world(plain_env, plain))
    paused_env, paused, clock = simpy.Environment(), [], []
    run_until(paused_env, busy_world(paused_env, paused), clock.append, 10.0)
    assert paused == plain and paused_env.now == plain_env.now == 35.0
    assert ("stop" in {name for _, name in plain}) and plain[-1] != (35.0, "d")
    assert clock == [10.0, 20.0, 30.0, 35.0]      # the last call: where the run stopped


def test_without_a_clock_it_is_the_plain_run() -> None:
    env, log = simpy.Environment(), []
    run_until(env, busy_world(env, log), None, 10.0)
    ref_env, ref = simpy.Environment(), []
    ref_env.run(until=busy_world(ref_env, ref))
    assert log == ref


def test_a_queue_that_runs_dry_before_the_stop_fails_as_the_plain_run_does() -> None:
    def never(env: simpy.Environment):  # noqa: ANN202
        yield env.event()                  # nothing will ever trigger it

    env = simpy.Environment()
    stop = env.process(never(env))
    with pytest.raises(RuntimeError, match="No scheduled events left"):
        run_until(env, stop, lambda t: None, 10.0)


def test_a_replication_with_a_clock_is_the_replication_without() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "tiny.yaml")
    clock: list[float] = []
    with_clock = run_replication(scenario, 7, on_clock=clock.append)
    plain = run_replication(scenario, 7)
    assert len(clock) >= 12 and clock == sorted(clock)      # 12 h, an hour a pause
    assert with_clock.horizon_s == plain.horizon_s == clock[-1]
    assert with_clock.records == plain.records
    assert with_clock.kpis == plain.kpis
    for got, want in ((with_clock.detections, plain.detections),
                      (with_clock.tracks, plain.tracks)):
        assert got.keys() == want.keys()
        for key in want:
            assert np.asarray(got[key]).tobytes() == np.asarray(want[key]).tobytes(), key
