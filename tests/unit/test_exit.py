"""The command line ends without the interpreter's teardown, and only where nothing
relies on it (`run_sim._leave_without_teardown`)."""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from pathlib import Path

import pytest

import run_sim

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def handlers(monkeypatch):  # noqa: ANN001, ANN201 - the exit handlers registered
    registered: list = []
    monkeypatch.setattr(atexit, "register", registered.append)
    monkeypatch.setattr(atexit, "_ncallbacks", lambda: 0, raising=False)
    return registered


def test_the_handler_flushes_and_ends_with_the_status(handlers, monkeypatch) -> None:  # noqa: ANN001
    ended: list[int] = []
    flushed: list[str] = []
    monkeypatch.setattr(os, "_exit", ended.append)
    for name in ("stdout", "stderr"):
        monkeypatch.setattr(getattr(sys, name), "flush", lambda n=name: flushed.append(n))
    done = run_sim._leave_without_teardown()
    assert len(handlers) == 1
    done(2)
    handlers[0]()
    assert ended == [2]
    assert flushed == ["stdout", "stderr"]


def test_without_a_status_the_interpreter_ends_as_usual(handlers, monkeypatch) -> None:  # noqa: ANN001
    ended: list[int] = []
    monkeypatch.setattr(os, "_exit", ended.append)
    run_sim._leave_without_teardown()
    handlers[0]()                                # main raised: no status was given
    assert ended == []


def test_an_earlier_exit_handler_keeps_the_teardown(handlers, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(atexit, "_ncallbacks", lambda: 1, raising=False)
    run_sim._leave_without_teardown()(0)
    assert handlers == []


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)


def test_a_handler_registered_before_the_command_still_runs() -> None:
    # as under `coverage run run_sim.py`: its handler must still save its data
    done = _python("import atexit, runpy, sys\n"
                   "atexit.register(print, 'earlier handler ran')\n"
                   "sys.argv = ['run_sim.py', 'validate', 'scenarios/tiny.yaml']\n"
                   "runpy.run_path('run_sim.py', run_name='__main__')\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["scenarios/tiny.yaml: ok (tiny: 4 sensors, "
                                        "1 patrols, 1 teams)", "earlier handler ran"]


def test_the_command_skips_the_teardown_and_keeps_its_status_and_output(tmp_path: Path) -> None:
    # a handler registered by the command itself runs before ours (reverse order), so
    # it sees the output; an object freed only by the teardown says so if it is
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: 1\nname: [\n", encoding="utf-8")
    code = ("import runpy, sys\n"
            "class Loud:\n"
            "    def __del__(self):\n"
            "        print('torn down', flush=True)\n"
            f"sys.argv = ['run_sim.py', 'validate', 'scenarios/tiny.yaml', {str(bad)!r}]\n"
            "sys.modules['loud'] = Loud()\n"
            "runpy.run_path('run_sim.py', run_name='__main__')\n")
    # runpy's caller registered no handler: the run_sim block's handler is the first
    done = _python(code)
    assert done.returncode == run_sim.EXIT_BAD_INPUT
    assert done.stderr.count("\n") == 1 and str(bad) in done.stderr
    assert "torn down" not in done.stdout
    # the control: with a handler before ours, the teardown frees the object
    control = _python("import atexit\natexit.register(lambda: None)\n" + code)
    assert control.returncode == run_sim.EXIT_BAD_INPUT
    assert "torn down" in control.stdout
