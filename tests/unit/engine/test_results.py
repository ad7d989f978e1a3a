"""The run directory: all files, byte-identical, written atomically."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from sim.engine import run_replication
from sim.results import write_run_dir
from sim.scenario import load_scenario

TINY = Path(__file__).parents[3] / "scenarios" / "tiny.yaml"
FILES = {"summary.json", "crossings.csv", "detections.csv", "tracks.csv", "alerts.csv",
         "events.jsonl", "trajectories.csv", "sensors.csv", "scenario.yaml",
         "picture_local.csv", "picture_regional.csv", "picture_national.csv",
         "sections.csv", "links.csv", "coverage.json"}


@pytest.fixture(scope="module")
def results(fake_factory):  # noqa: ANN001, ANN201
    scenario = load_scenario(TINY)
    return scenario, [run_replication(scenario, 3, r, sensor_factory=fake_factory)
                      for r in range(2)]


def test_all_files_written_and_consistent(tmp_path, results):
    scenario, res = results
    out = write_run_dir(tmp_path / "run", scenario, 3, res, "9.9")
    assert {p.name for p in out.iterdir()} == FILES
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["scenario"], summary["seed"], summary["replications"]) == ("tiny", 3, 2)
    assert summary["version"] == "9.9"
    for name in ("crossings", "detected", "p_detect", "apprehended", "p_apprehend",
                 "turned_back", "got_away", "undetected", "ier", "false_alarms_per_day",
                 "nuisance_alarms_per_day", "alert_precision", "operator_utilisation",
                 "team_utilisation", "team_nuisance_share", "time_to_detect_mean_s",
                 "time_to_apprehend_p90_s"):
        assert set(summary["kpis"][name]) == {"mean", "ci95"}
    with open(out / "crossings.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["replication"] for r in rows} == {"0", "1"}
    assert len(rows) == sum(r.kpis["crossings"] for r in res)
    with open(out / "detections.csv") as f:
        header = f.readline().strip().split(",")
    assert header[:7] == ["time", "sensor", "x", "y", "var_x", "var_y", "cov_xy"]
    assert "truth" in header and "replication" in header
    assert (out / "sensors.csv").read_text().splitlines()[0] == "sensor,id,kind"


def test_same_results_same_bytes_and_an_existing_run_is_replaced(tmp_path, results):
    scenario, res = results
    a = write_run_dir(tmp_path / "a", scenario, 3, res, "1")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "stale.txt").write_text("old")
    b = write_run_dir(tmp_path / "b", scenario, 3, res, "1")
    assert not (b / "stale.txt").exists()
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]   # no temp left


def test_a_failed_write_leaves_the_old_run_untouched(tmp_path, results, monkeypatch):
    scenario, res = results
    out = write_run_dir(tmp_path / "run", scenario, 3, res, "1")
    before = (out / "summary.json").read_bytes()

    import sim.results as results_module

    def boom(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("disk full")

    monkeypatch.setattr(results_module, "events_jsonl", boom)
    with pytest.raises(RuntimeError):
        write_run_dir(out, scenario, 3, res, "1")
    assert (out / "summary.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_tracks_csv_is_the_same_by_the_compiled_writer_or_the_f_string(results,
                                                                        monkeypatch):
    import sim.results as results_module
    import sim.rows as rows_module

    _, res = results
    compiled = results_module.tracks_csv(res)
    monkeypatch.setattr(rows_module, "_track_rows_fast", lambda *a: None)
    plain = results_module.tracks_csv(res)
    assert compiled.count("\n") > 10
    assert compiled == plain


def test_track_rows_ascii_are_track_rows_bytes_by_either_writer(monkeypatch):
    import sim.rows as rows_module

    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 86_400, 500))
    ids = rng.integers(-1, 10_000, 500)
    x = rng.normal(0, [5_000, 5_000, 2, 2], (500, 4))
    text = rows_module.track_rows(t, ids, x, 7)
    fast = rows_module.track_rows_ascii(t, ids, x, 7)
    assert isinstance(fast, memoryview)                   # the formatter's own buffer
    assert text.count("\n") == 500 and bytes(fast) == text.encode("ascii")
    monkeypatch.setattr(rows_module, "_track_rows_fast", lambda *a: None)
    assert rows_module.track_rows_ascii(t, ids, x, 7) == text.encode("ascii")
    assert rows_module.track_rows(t, ids, x, 7) == text
    assert rows_module.track_rows_ascii(t[:0], ids[:0], x[:0], 7) == b""


def test_rounded_geometry_writes_the_json_of_the_rounded_mapping():
    from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping

    from sim.results import _rounded, _rounded_geometry

    rng = np.random.default_rng(5)
    # halves and their neighbours, where round(x, 1) is not round-half-up
    edge = np.round(rng.uniform(-9e4, 9e4, 400), 1) + rng.choice([0.05, -0.05, 0.04999999], 400)
    shapes = [Point(0, 0).buffer(1_000 + k, 32) for k in range(5)]
    shapes.append(Point(0.05, 0.15).buffer(1.0).difference(Point(0.05, 0.15).buffer(0.25)))
    shapes.append(Polygon(np.c_[edge[:100], edge[100:200]]))
    shapes.append(LineString(np.c_[edge[200:300], edge[300:]]))
    shapes += [MultiPolygon(shapes[:2]), Polygon(), LineString([(0, 0, 1.25), (1, 1, 2.25)])]
    assert len(shapes[5].interiors) == 1
    for shape in shapes:
        want = json.dumps(_rounded(mapping(shape)), separators=(",", ":"))
        assert json.dumps(_rounded_geometry(shape), separators=(",", ":")) == want
