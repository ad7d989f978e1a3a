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
