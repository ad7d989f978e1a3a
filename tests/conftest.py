"""Shared by the bad-input tests: the command line called in process, its stderr seen.

`cli` calls ``run_sim.main(argv)`` in this process (no interpreter start-up per case)
with stdout and stderr captured and every Python warning recorded, under a wall-clock
alarm: a hang fails the test instead of stalling the suite, and a traceback propagates
as the exception it is. It also chooses hypothesis's profile (derandomised under CI).
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

import run_sim

ROOT = Path(__file__).resolve().parents[1]

# Under CI (set by .ci/run) hypothesis draws the same examples every run, so main's CI
# verdict does not depend on luck; elsewhere each run explores new ones (and keeps any
# failure it finds in .hypothesis/ to replay first).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@dataclass(frozen=True)
class Outcome:
    """What one command did: exit status, stdout, and stderr lines (warnings included)."""

    status: int
    stdout: str
    lines: list[str]

    def is_clean_refusal(self) -> bool:
        """Exit 2 with exactly one line, an error."""
        return self.status == 2 and len(self.lines) == 1 and self.lines[0].startswith(
            ("error: ", "run_sim.py"))

    def is_success(self) -> bool:
        """Exit 0 with nothing on stderr but one-line warnings and notes."""
        return self.status == 0 and all(line.startswith(("warning: ", "note: "))
                                        for line in self.lines)


class Hang(Exception):
    """The command ran past its alarm."""


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def ring(signum: int, frame: object) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: The one-time note printed while numba compiles the kernels for this machine (the
#: first command after an install): information, not an answer to the input.
COMPILE_NOTE = "note: compiling"


def call_cli(argv: Sequence[str], timeout_s: float = 90.0) -> Outcome:
    """Run ``run_sim.main(argv)`` in process; see the module docstring. The once-per-
    machine compile note is left out of ``lines`` (the first test to fuse pays the
    compile, whichever it is; the timeout leaves room for it)."""
    out, err = io.StringIO(), io.StringIO()
    with (warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out),
          contextlib.redirect_stderr(err), _alarm(timeout_s)):
        warnings.simplefilter("always")
        status = run_sim.main(list(argv))
    lines = [line for line in err.getvalue().splitlines()
             if not line.startswith(COMPILE_NOTE)]
    lines += [f"python warning: {w.message}" for w in caught]
    return Outcome(status=status, stdout=out.getvalue(), lines=lines)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes: to show that nothing was written."""
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="session")
def cli() -> Callable[..., Outcome]:
    return call_cli


@pytest.fixture(scope="session")
def snapshot() -> Callable[[Path], dict[str, bytes]]:
    return tree


@pytest.fixture(scope="session")
def tiny_text() -> str:
    return (ROOT / "scenarios" / "tiny.yaml").read_text(encoding="utf-8")


def prebuilt_or_skip(package: str):  # noqa: ANN201 - a module
    """The C kernels of ``package`` (``command.fusion`` or ``sim.ground``) compiled at
    install, fresh for these sources: skipped where they are not built (a checkout
    whose C files were edited since ``pip install -e .``), a failure under CI, whose
    install must have built them."""
    import importlib
    import os

    module = importlib.import_module(f"{package}.prebuilt").load()
    if module is None:
        if os.environ.get("CI"):
            pytest.fail(f"{package}: the install did not compile the C kernels (setup.py)")
        pytest.skip(f"{package}: no C kernels built from these sources (pip install -e .)")
    return module


@pytest.fixture(scope="session")
def prebuilt_kernels() -> Callable[..., object]:
    """`prebuilt_or_skip`, for tests."""
    return prebuilt_or_skip


@pytest.fixture(scope="session")
def ground_kernels():  # noqa: ANN201 - a module
    """The ground layer's C kernels (``sim.ground._cground``), or the test is skipped."""
    return prebuilt_or_skip("sim.ground")
