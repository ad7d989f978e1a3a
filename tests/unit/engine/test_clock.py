"""`sim.engine.Clock`: a call made with ``call_later`` runs exactly where a timeout's
callback would, among calls, timeouts and processes of equal times."""

from __future__ import annotations

import random

import simpy

from sim.comms import call_later
from sim.engine import Clock, run_until


def _script(env: simpy.Environment, seed: int) -> list[tuple[float, str]]:
    """Callbacks and processes scheduling one another at few distinct times (many ties,
    zero delays among them); the order in which they ran."""
    rng = random.Random(seed)
    later = call_later(env)
    got: list[tuple[float, str]] = []

    def call(name: str, depth: int) -> None:
        got.append((env.now, name))
        for k in range(rng.randrange(3) if depth < 4 else 0):
            later(rng.choice([0.0, 0.5, 1.0]), lambda k=k: call(f"{name}.{k}", depth + 1))

    def proc(name: str):  # noqa: ANN202
        for k in range(5):
            yield env.timeout(rng.choice([0.0, 0.5, 1.0]))
            got.append((env.now, f"{name}:{k}"))
            later(rng.choice([0.0, 1.0]), lambda k=k: call(f"{name}/{k}", 2))

    for i in range(20):
        later(rng.choice([0.0, 1.0, 2.0]), lambda i=i: call(f"c{i}", 0))
        if i % 4 == 0:
            env.process(proc(f"p{i}"))
    run_until(env, env.timeout(6.0), lambda _t: None, 1.0)
    return got


def test_calls_run_where_timeouts_callbacks_would() -> None:
    for seed in range(30):
        plain, clock = _script(simpy.Environment(), seed), _script(Clock(), seed)
        assert clock == plain
        assert len(plain) > 50


def test_a_call_that_raises_stops_the_run() -> None:
    env = Clock()

    def fail() -> None:
        raise KeyError("x")

    env.call_later(1.0, fail)
    try:
        env.run(until=5.0)
    except KeyError:
        assert env.now == 1.0
    else:
        raise AssertionError("no error")
