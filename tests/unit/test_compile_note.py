"""The one-line note when numba compiles one of the simulator's kernels (issue 10: "a
one-line note on stderr whenever a compile happens"), and silence for others'."""

from __future__ import annotations

from collections import defaultdict

import numba
import pytest

import run_sim


def _compiled(module: str):  # noqa: ANN202
    def plus_one(x):  # noqa: ANN001, ANN202
        return x + 1

    plus_one.__module__ = module
    return numba.njit(plus_one)


@pytest.mark.parametrize(("module", "noted"), [("sim.ground.fake", True),
                                               ("command.fusion.fake", True),
                                               ("somebody_else", False)])
def test_a_compile_is_noted_once_for_our_kernels_only(module: str, noted: bool, capsys,
                                                      monkeypatch) -> None:  # noqa: ANN001
    from numba.core import event

    # only this test's note: one left registered by an earlier command in this process
    # (which may not have compiled anything since, its kernels being prebuilt) is set aside
    others = {kind: [x for x in found if type(x).__module__ != "run_sim"]
              for kind, found in event._registered.items()}
    monkeypatch.setattr(event, "_registered", defaultdict(list, others))
    listeners: list[event.Listener] = []
    register = event.register

    def remember(kind: str, listener: event.Listener) -> None:
        listeners.append(listener)
        register(kind, listener)

    monkeypatch.setattr(run_sim, "_NOTE_INSTALLED", False)
    monkeypatch.setattr(event, "register", remember)
    run_sim.announce_compiles()
    monkeypatch.setattr(event, "register", register)    # numba's own, from here on
    try:
        assert _compiled(module)(1) == 2
        assert _compiled(module)(2) == 3                  # a second compile: no second note
    finally:
        for listener in listeners:
            event.unregister("numba:compile", listener)
    lines = capsys.readouterr().err.splitlines()
    assert lines == (["note: compiling the simulator's kernels for this machine (once, 15-40 s;"
                      " later runs load them from the cache)"] if noted else [])
