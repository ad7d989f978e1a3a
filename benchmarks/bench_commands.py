"""What a user waits for: whole commands, each a new process, start-up included.

Run: ``pytest benchmarks/bench_commands.py --benchmark-only`` (figures and their
history: ``benchmarks/README.md``, "Start-up" and the latest session's section).

Each round runs ``python run_sim.py ...`` from this checkout as a user would (the
interpreter's start, the imports, the work, the files, the exit) and times it from
the fork to the exit; the kernels are compiled ahead of time at install, so no round
compiles. Issue 10's targets: ``--help`` < 0.2 s, ``validate`` < 0.3 s, ``run
scenarios/tiny.yaml`` < 1 s (warm, on this project's 2-core machine); the default run
is here for scale. Timings are wall clock: on a machine shared with other work they
read high, so compare medians taken in turn (``farm-bench`` pairs commands that way).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

#: name -> the command's arguments after ``run_sim.py`` ({out}: a fresh folder)
COMMANDS = {
    "help": ["--help"],
    "validate_default": ["validate", str(SCENARIOS / "default.yaml")],
    "run_tiny": ["run", str(SCENARIOS / "tiny.yaml"), "-q", "--out", "{out}", "--overwrite"],
    "run_tiny_no_plots": ["run", str(SCENARIOS / "tiny.yaml"), "-q", "--no-plots",
                          "--out", "{out}", "--overwrite"],
    "run_default": ["run", str(SCENARIOS / "default.yaml"), "-q", "--out", "{out}",
                    "--overwrite"],
}


def _command(name: str, out: Path) -> list[str]:
    return [sys.executable, str(ROOT / "run_sim.py"),
            *(a.replace("{out}", str(out)) for a in COMMANDS[name])]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command(benchmark, tmp_path, name):  # noqa: ANN001
    argv = _command(name, tmp_path / "run")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(argv, check=True, capture_output=True, cwd=ROOT, env=env)   # warm
    rounds = 3 if name == "run_default" else 9
    benchmark.pedantic(subprocess.run, args=(argv,),
                       kwargs={"check": True, "capture_output": True, "cwd": ROOT, "env": env},
                       rounds=rounds, iterations=1)
