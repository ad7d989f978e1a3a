"""The command line asks numpy's BLAS for one thread unless the user chose
(`run_sim._one_blas_thread`): its spinning threads cost every command ~0.1 s of CPU."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import run_sim

ROOT = Path(__file__).resolve().parents[2]


def test_unset_variables_become_one_and_a_users_choice_stays(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "4")
    run_sim._one_blas_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    assert os.environ["MKL_NUM_THREADS"] == "4"


def threads_after_importing_numpy(env: dict[str, str]) -> int:
    """The threads of a process that ran `_one_blas_thread` and imported numpy."""
    code = ("import run_sim; run_sim._one_blas_thread(); import numpy\n"
            "print([l for l in open('/proc/self/status') if l.startswith('Threads:')][0])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, env={"PATH": os.environ.get("PATH", ""), **env},
                         check=True)
    return int(out.stdout.split()[1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_a_command_imports_numpy_with_no_blas_threads() -> None:
    chosen = threads_after_importing_numpy({"OPENBLAS_NUM_THREADS": "2"})
    if chosen < 2:
        pytest.skip("numpy's BLAS here starts no threads of its own")
    assert threads_after_importing_numpy({}) == 1


def test_the_greenborder_script_starts_as_run_sim_py_does(monkeypatch) -> None:  # noqa: ANN001
    """The console script names `run_sim.cli`, which asks for one thread before `main`."""
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["greenborder"] == "run_sim:cli"
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    seen: list[str | None] = []
    monkeypatch.setattr(run_sim, "main", lambda: seen.append(
        os.environ.get("OPENBLAS_NUM_THREADS")) or 0)
    monkeypatch.setattr(run_sim, "_leave_without_teardown", lambda: lambda _status: None)
    with pytest.raises(SystemExit) as ended:
        run_sim.cli()
    assert ended.value.code == 0 and seen == ["1"]
