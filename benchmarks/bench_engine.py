"""Engine speed: simulated days per wall-clock second, on the default scenario and
on a one-day slice of ``scenarios/scale_year.yaml`` (100 km, 500 sensors).

Run: ``pytest benchmarks/bench_engine.py --benchmark-only``. Build (scenario,
terrain, crossings and sensors) and the whole replication are timed apart. The
slice of the year (``duration=1d``) stands for it: the whole year takes hours
today (`benchmarks/scale_growth.py` measures how the cost grows).
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
        groups = make_groups(scenario.crossings, terrain, daylight, scenario.duration_s,
                             RandomStreams(1, 0))
        return build_sources(scenario, terrain, daylight, scenario.duration_s, build_sensor), \
            groups

    benchmark.pedantic(build, rounds=3, iterations=1, warmup_rounds=1)
