"""`scenarios/scale_year.yaml` is what `benchmarks/make_scale_year.py` writes, and its
radars and cameras forward track updates (`report_interval_s`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sim.scenario import load_scenario

ROOT = Path(__file__).parents[3]


def _generator():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location(
        "make_scale_year", ROOT / "benchmarks" / "make_scale_year.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_file_is_the_generated_one(tmp_path):
    gen = _generator()
    committed = (ROOT / "scenarios" / "scale_year.yaml").read_text(encoding="utf-8")
    assert committed == gen.scenario_text()
    scenario = load_scenario(ROOT / "scenarios" / "scale_year.yaml")
    sectors = [s for s in scenario.sensors if s.kind in ("radar", "camera")]
    assert len(sectors) == 60
    assert {s.report_interval_s for s in sectors} == {gen.REPORT_INTERVAL_S}
    # the plot-per-look variant: the same scenario without the field
    plots = tmp_path / "plots.yaml"
    gen.main(["make_scale_year.py", str(plots), "--plot-per-look"])
    assert "report_interval_s" not in plots.read_text(encoding="utf-8")
    assert all(s.report_interval_s is None for s in load_scenario(plots).sensors
               if s.kind in ("radar", "camera"))
