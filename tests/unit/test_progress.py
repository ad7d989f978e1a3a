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
    with run_sim._progress("tiny", quiet) as on_done:
        on_done(1, 2)
        on_done(2, 2)
    assert sys.stderr.getvalue() == ""


def test_a_terminal_gets_the_bar(monkeypatch) -> None:  # noqa: ANN001
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with run_sim._progress("tiny", False) as on_done:
        on_done(1, 2)
    assert "tiny" in terminal.getvalue() and "/2 " in terminal.getvalue()


def test_quiet_silences_the_terminal_too(monkeypatch) -> None:  # noqa: ANN001
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with run_sim._progress("tiny", True) as on_done:
        on_done(1, 2)
    assert terminal.getvalue() == ""
