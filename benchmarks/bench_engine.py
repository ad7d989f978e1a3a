"""Engine speed on the default scenario: simulated days per wall-clock second.

Run: ``pytest benchmarks/bench_engine.py --benchmark-only``. Build (scenario,
terrain, crossings and sensors) and the whole replication are timed apart.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sensors.registry import build_sensor
from sim.engine import build_sources, run_replication
from sim.ground.daylight import Daylight
from sim.ground.terrain import Terrain
from sim.movers import make_groups
from sim.rng import RandomStreams
from sim.scenario import load_scenario

DEFAULT = Path(__file__).parents[1] / "scenarios" / "default.yaml"


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


def test_engine_default_build(benchmark, scenario):  # noqa: ANN001
    def build():  # noqa: ANN202
        terrain = Terrain(scenario.segment)
        daylight = Daylight.from_spec(scenario.start, scenario.segment)
        groups = make_groups(scenario.crossings, terrain, daylight, scenario.duration_s,
                             RandomStreams(1, 0))
        return build_sources(scenario, terrain, daylight, scenario.duration_s, build_sensor), \
            groups

    benchmark.pedantic(build, rounds=3, iterations=1, warmup_rounds=1)
