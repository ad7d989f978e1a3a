"""Engine speed: simulated days per wall-clock second, on the default scenario and
on a one-day slice of ``scenarios/scale_year.yaml`` (100 km, 500 sensors).

Run: ``pytest benchmarks/bench_engine.py --benchmark-only``. Build (scenario,
terrain, crossings and sensors) and the whole replication are timed apart.
``test_simpy_event_floor_of_a_scale_year_year`` gives the year's floor in SimPy's own
event handling: the events a ``scale_year`` day steps × a bare timeout's cost × 365. The
slice of the year (``duration=1d``) stands for it: the whole year takes hours
today (`benchmarks/scale_growth.py` measures how the cost grows).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import simpy

from sensors.registry import build_sensor
from sim.engine import build_sources, run_replication
from sim.ground.daylight import Daylight
from sim.ground.terrain import Terrain
from sim.movers import make_groups
from sim.rng import RandomStreams
from sim.scenario import load_scenario

DEFAULT = Path(__file__).parents[1] / "scenarios" / "default.yaml"
SCALE_YEAR = Path(__file__).parents[1] / "scenarios" / "scale_year.yaml"


@pytest.fixture(scope="module")
def scenario():  # noqa: ANN201
    return load_scenario(DEFAULT)


def test_engine_default_replication(benchmark, scenario):  # noqa: ANN001
    result = benchmark.pedantic(run_replication, args=(scenario, 1), rounds=3, iterations=1,
                                warmup_rounds=1)
    days = scenario.duration_s / 86_400.0
    benchmark.extra_info["simulated_days"] = days
    benchmark.extra_info["sim_days_per_wall_s"] = days / benchmark.stats.stats.mean
    benchmark.extra_info["events"] = len(result.records)
    benchmark.extra_info["reports_fused"] = int(len(result.detections["t_s"]))


def test_engine_scale_year_day(benchmark):  # noqa: ANN001
    scenario = load_scenario(SCALE_YEAR, ["duration=1d"])
    result = benchmark.pedantic(run_replication, args=(scenario, 1), rounds=1, iterations=1)
    benchmark.extra_info["simulated_days"] = 1.0
    benchmark.extra_info["sim_days_per_wall_s"] = 1.0 / benchmark.stats.stats.mean
    benchmark.extra_info["events"] = len(result.records)
    benchmark.extra_info["reports_received"] = int(result.kpis["reports_received"])


def test_engine_default_build(benchmark, scenario):  # noqa: ANN001
    def build():  # noqa: ANN202
        terrain = Terrain(scenario.segment)
        daylight = Daylight.from_spec(scenario.start, scenario.segment)
        streams = RandomStreams(1, 0)
        groups = make_groups(scenario.crossings, terrain, daylight, scenario.duration_s,
                             streams)
        return build_sources(scenario, terrain, daylight, scenario.duration_s, build_sensor,
                             streams), groups

    benchmark.pedantic(build, rounds=3, iterations=1, warmup_rounds=1)


def bare_timeouts(n_processes: int, until: float) -> None:
    """SimPy with nothing to model: n processes each waiting 1 s, ``until`` seconds."""
    env = simpy.Environment()

    def wait(env):  # noqa: ANN001, ANN202
        while True:
            yield env.timeout(1.0)

    for _ in range(n_processes):
        env.process(wait(env))
    env.run(until=until)


def test_simpy_event_floor_of_a_scale_year_year(benchmark):  # noqa: ANN001
    """The year's floor in SimPy's own bookkeeping: the events one `scale_year` day
    steps (counted by `event_census`, untimed) times the cost of a bare timeout event
    (timed), × 365."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from event_census import census

    events_a_day = len(census(str(SCALE_YEAR), ["duration=1d"], 1))
    processes, until_s = 10, 100_000
    benchmark.pedantic(bare_timeouts, args=(processes, until_s), rounds=5, iterations=1,
                       warmup_rounds=1)
    us_per_event = benchmark.stats.stats.median / (processes * until_s) * 1e6
    benchmark.extra_info["events_per_scale_year_day"] = events_a_day
    benchmark.extra_info["us_per_bare_event"] = us_per_event
    benchmark.extra_info["year_floor_s"] = events_a_day * 365 * us_per_event / 1e6
