"""The command line: exit codes, one-line errors, nothing written on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny.yaml"


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "run_sim.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_validate_accepts_the_shipped_scenarios() -> None:
    result = run_cli("validate", *map(str, sorted((ROOT / "scenarios").glob("*.yaml"))))
    assert result.returncode == 0, result.stderr
    assert "default.yaml: ok" in result.stdout


@pytest.mark.parametrize(("body", "field"), [
    ("{kind: radar, id: radar-01, position_m: [0, 0], max_range_m: -5}", "sensors.0.max_range_m"),
    ("{kind: radar, id: radar-01, position_m: [0, 0], colour: red}", "sensors.0.colour"),
    ("{kind: radar, id: radar-01, position_m: here}", "sensors.0.position_m"),
])
def test_bad_scenario_gives_one_line_and_exit_2(tmp_path: Path, body: str, field: str) -> None:
    text = TINY.read_text(encoding="utf-8")
    start = text.index("sensors:")
    end = text.index("\ncommand:")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text[:start] + f"sensors:\n  - {body}\n" + text[end:], encoding="utf-8")
    result = run_cli("validate", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(bad) in lines[0] and field in lines[0]
    assert "Traceback" not in result.stderr


def test_run_with_bad_scenario_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("run", str(TINY), "--out", str(out), "--set", "segment.border=[]")
    assert result.returncode == 2
    assert "segment.border" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("args", [["run", "--seed", "-1"], ["run", "--replications", "0"],
                                  ["run", "--seed", "abc"], ["nonsense"]])
def test_bad_command_line_values(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_schema_is_json(tmp_path: Path) -> None:
    result = run_cli("schema")
    assert result.returncode == 0
    assert json.loads(result.stdout)["title"] == "Scenario"


RUN_FILES = ["summary.json", "crossings.csv", "detections.csv", "tracks.csv", "alerts.csv",
             "events.jsonl", "scenario.yaml", "trajectories.csv", "sensors.csv"]
REQUIRED_KPIS = ["crossings", "detected", "p_detect", "apprehended", "p_apprehend",
                 "turned_back", "got_away", "undetected", "ier", "false_alarms_per_day",
                 "nuisance_alarms_per_day", "alert_precision", "operator_utilisation",
                 "queue_wait_mean_s", "team_utilisation", "team_nuisance_share",
                 *(f"time_to_{p}_{s}_s" for p in ("detect", "alert", "verify", "dispatch",
                                                  "arrive", "apprehend")
                   for s in ("mean", "median", "p90"))]


def test_run_writes_the_run_directory_and_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "tiny"
    result = run_cli("run", str(TINY), "--out", str(out), "--seed", "3")
    assert result.returncode == 0, result.stderr
    for name in RUN_FILES + ["map.png"]:
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"] == "tiny" and summary["seed"] == 3
    assert summary["replications"] == 1 and summary["version"]
    for kpi in REQUIRED_KPIS:
        assert set(summary["kpis"][kpi]) == {"mean", "ci95"}
        assert kpi in result.stdout
    assert (out / "detections.csv").read_text(encoding="utf-8").startswith(
        "time,sensor,x,y,var_x,var_y,cov_xy,truth")
    assert (out / "tracks.csv").read_text(encoding="utf-8").startswith("time,track,x,y")

    # The run's detections replayed through `fuse` with the run's parameters give its tracks.
    replay = tmp_path / "replay.csv"
    result = run_cli("fuse", str(out / "detections.csv"), "-o", str(replay),
                     "--params-from", str(out / "summary.json"))
    assert result.returncode == 0, result.stderr
    tracks = (out / "tracks.csv").read_text(encoding="utf-8").splitlines()
    assert replay.read_text(encoding="utf-8").splitlines() == [
        ",".join(line.split(",")[:4]) for line in tracks]


@pytest.mark.parametrize(("rows", "expected"), [
    ("0,1,10,abc,1,1,0", "bad.csv:2: column 'y': expected a number, got 'abc'"),
    ("0,1,10,5,-1,1,0", "bad.csv:2"),
])
def test_fuse_rejects_a_bad_file_in_one_line_and_writes_nothing(
        tmp_path: Path, rows: str, expected: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("time,sensor,x,y,var_x,var_y,cov_xy\n" + rows + "\n", encoding="utf-8")
    out = tmp_path / "tracks.csv"
    result = run_cli("fuse", str(bad), "-o", str(out))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and expected in result.stderr
    assert not out.exists()


def test_parallel_replications_give_the_same_bytes_as_serial(tmp_path: Path) -> None:
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    for out, workers in ((serial, "1"), (parallel, "2")):
        result = run_cli("run", str(TINY), "--out", str(out), "-n", "2", "-j", workers,
                         "--no-plots", "--quiet")
        assert result.returncode == 0, result.stderr
    for name in RUN_FILES:
        assert (serial / name).read_bytes() == (parallel / name).read_bytes(), name
    summary = json.loads((serial / "summary.json").read_text(encoding="utf-8"))
    assert summary["replications"] == 2
    assert summary["kpis"]["crossings"]["ci95"] is not None
