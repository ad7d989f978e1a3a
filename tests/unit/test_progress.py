"""The progress bar: drawn on a terminal only, and tqdm not even imported otherwise."""

from __future__ import annotations

import io
import sys

import pytest

import run_sim


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("quiet", [True, False])
def test_no_bar_and_no_tqdm_off_a_terminal(quiet: bool, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(sys, "stderr", io.StringIO())      # a pipe or a file
    monkeypatch.setitem(sys.modules, "tqdm", None)         # importing it would fail
    with run_sim._progress("tiny", quiet, 43_200.0) as progress:
        progress.on_done(1, 2)
        progress.on_clock(1, 3_600.0)
        progress.on_done(2, 2)
    assert sys.stderr.getvalue() == ""


def test_a_terminal_gets_the_bar(monkeypatch) -> None:  # noqa: ANN001
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with run_sim._progress("tiny", False) as progress:
        progress.on_done(1, 2)
    assert "tiny, 1/2 replications" in terminal.getvalue()


def test_quiet_silences_the_terminal_too(monkeypatch) -> None:  # noqa: ANN001
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with run_sim._progress("tiny", True) as progress:
        progress.on_done(1, 2)
    assert terminal.getvalue() == ""


def test_the_bar_moves_within_a_replication_by_its_simulated_time(monkeypatch) -> None:  # noqa: ANN001
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with run_sim._progress("year", False, 365 * 86_400.0) as progress:
        progress.on_done(0, 1)
        progress.on_clock(0, 73 * 86_400.0)               # a fifth of the year
        shown = terminal.getvalue().split("\r")[-1]
        assert "year, 0/1 replications, replication 0: day 73.0 of 365" in shown
        assert " 20%|" in shown
        progress.on_clock(0, 400 * 86_400.0)              # groups still walking after it
        assert " 99%|" in terminal.getvalue().split("\r")[-1]
