"""The lookahead (`sim.lookahead`): what the child computes is what the parent would,
whatever happens to the child, and nothing of it outlives the replication."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import sys
import time
import types
from pathlib import Path

import pytest

import sim.lookahead
from sim.engine import run_replication
from sim.executors import PoolExecutor, SerialExecutor
from sim.experiment import _files_task, _where_idle
from sim.ground.events import CrossingStarted
from sim.lookahead import Lookahead, lookahead_possible
from sim.movers import CrossingGroup
from sim.results import replication_files
from sim.scenario import load_scenario
from sim.world import World

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / "scenarios" / "tiny.yaml"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the lookahead forks (Linux only)")


@pytest.fixture(autouse=True)
def two_cores(monkeypatch):  # noqa: ANN001, ANN201 - as on a machine with a core idle
    monkeypatch.delenv(sim.lookahead.ENV_SWITCH, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


@dataclasses.dataclass
class Entered:
    """The lookaheads entered, in order; each run begins once its child has ended,
    or has delivered ``results`` (a test whose child stops; at most 60 s), so what
    it serves is certain — a run itself never waits for the child, which runs at a
    low priority."""

    lookaheads: list[Lookahead] = dataclasses.field(default_factory=list)
    pids: list[int | None] = dataclasses.field(default_factory=list)
    results: int | None = None


@pytest.fixture
def started(monkeypatch):  # noqa: ANN001, ANN201
    entered = Entered()
    real = Lookahead.__enter__

    def enter(self):  # noqa: ANN001, ANN202
        real(self)
        entered.lookaheads.append(self)
        entered.pids.append(self.pid)
        self.wait(entered.results)
        return self

    monkeypatch.setattr(Lookahead, "__enter__", enter)
    return entered


@pytest.fixture(scope="module")
def short():  # noqa: ANN201 - six hours of tiny: some groups, quick
    return load_scenario(TINY, ["duration=6h"])


@pytest.fixture(scope="module")
def short_here(short):  # noqa: ANN001, ANN201 - its files computed without a lookahead
    return replication_files(run_replication(short, 11))


def _in_child(parent: int, nth: int, act) -> object:  # noqa: ANN001
    """`sim.world.observations` that calls ``act()`` at its ``nth`` call in the child."""
    real, calls = sim.lookahead.observations, [0]

    def observations(*args):  # noqa: ANN002, ANN202
        if os.getpid() != parent:
            calls[0] += 1
            if calls[0] == nth:
                act()
        return real(*args)

    return observations


def _open_fds() -> set[str]:
    fds = set()
    for name in os.listdir("/proc/self/fd"):
        try:
            fds.add(f"{name}->{os.readlink(f'/proc/self/fd/{name}')}")
        except OSError:
            pass                       # the listing's own descriptor
    return fds


def seen_pid(entered: Entered) -> int:
    """The child's process id of the one lookahead entered."""
    (pid,) = entered.pids
    assert pid is not None
    return pid


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True                    # reaped already
    return False


def test_results_computed_ahead_are_those_computed_here(started):
    tiny = load_scenario(TINY)
    here = run_replication(tiny, 11)
    assert replication_files(run_replication(tiny, 11, lookahead=True)) == \
        replication_files(here)
    groups = sum(isinstance(r, CrossingStarted) for r in here.records)
    assert started.lookaheads[0].served == groups      # every group (day 0: the parent's)


def test_the_child_runs_at_its_low_priority(monkeypatch, started, short, short_here,
                                           tmp_path):
    """The child computes at nice `CHILD_NICE` above the parent's (a quarter of a
    core it shares with the parent; `SCHED_IDLE` starved it behind the map painter)."""
    seen = tmp_path / "nice"
    monkeypatch.setattr(sim.lookahead, "observations", _in_child(
        os.getpid(), 1, lambda: seen.write_text(
            f"{os.getpriority(os.PRIO_PROCESS, 0)} {os.sched_getscheduler(0)}")))
    assert replication_files(run_replication(short, 11, lookahead=True)) == short_here
    nice, policy = map(int, seen.read_text().split())
    assert nice == min(os.getpriority(os.PRIO_PROCESS, 0) + sim.lookahead.CHILD_NICE, 19)
    assert policy == os.SCHED_OTHER


def test_a_child_that_dies_midway_leaves_the_rest_to_the_parent(monkeypatch, started,
                                                                short, short_here):
    monkeypatch.setattr(sim.lookahead, "observations", _in_child(
        os.getpid(), 3, lambda: os.kill(os.getpid(), signal.SIGKILL)))
    assert replication_files(run_replication(short, 11, lookahead=True)) == short_here
    assert started.lookaheads[0].served == 2         # two groups, then it died


def test_a_stuck_child_killed_from_outside_is_done_without(monkeypatch, started, short,
                                                           short_here):
    # the child stops itself at its third group; at that group the run looks at it,
    # then kills it
    monkeypatch.setattr(sim.lookahead, "observations", _in_child(
        os.getpid(), 3, lambda: os.kill(os.getpid(), signal.SIGSTOP)))
    started.results = 2
    seen: list[tuple[set[str], str]] = []
    real = World.add_group

    def add_group(self, group):  # noqa: ANN001, ANN202
        lookahead = self.lookahead
        if lookahead is not None and lookahead.served == 2 and not seen:
            pid = lookahead.pid
            status = Path(f"/proc/{pid}/status")
            for _ in range(1000):                # it stops a moment after its second
                if "\nState:\tT" in status.read_text():
                    break
                time.sleep(0.01)
            seen.append((set(os.listdir(f"/proc/{pid}/fd")), status.read_text()))
            os.kill(pid, signal.SIGKILL)
        real(self, group)

    monkeypatch.setattr(World, "add_group", add_group)
    assert replication_files(run_replication(short, 11, lookahead=True)) == short_here
    assert started.lookaheads[0].served == 2 and len(seen) == 1
    fds, status = seen[0]
    assert len(fds) == 5                    # /dev/null as 0, 1, 2; its pipe; its file
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    assert not int(fields["SigCgt"], 16) & (1 << (signal.SIGINT - 1))  # Ctrl-C: it ends
    assert fields["State"].startswith("T")                             # stopped
    assert _gone(seen_pid(started))


def test_the_run_does_not_wait_for_a_child_behind_it(monkeypatch, started, short,
                                                     short_here):
    monkeypatch.setattr(sim.lookahead, "observations", _in_child(
        os.getpid(), 2, lambda: os.kill(os.getpid(), signal.SIGSTOP)))
    started.results = 1                   # one group done, then it stops for good
    assert replication_files(run_replication(short, 11, lookahead=True)) == short_here
    assert started.lookaheads[0].served == 1 and _gone(seen_pid(started))


@pytest.mark.parametrize("error", [None, RuntimeError, KeyboardInterrupt])
def test_nothing_outlives_the_replication(monkeypatch, started, short, error):
    # a child still there at the end (stopped at its second group): killed and reaped
    monkeypatch.setattr(sim.lookahead, "observations", _in_child(
        os.getpid(), 2, lambda: os.kill(os.getpid(), signal.SIGSTOP)))
    started.results = 1
    calls: list[int] = []
    real = World.add_group

    def add_group(self, group):  # noqa: ANN001, ANN202
        calls.append(1)
        if error is not None and len(calls) == 2:
            raise error("raised in the run")
        real(self, group)

    monkeypatch.setattr(World, "add_group", add_group)
    before = _open_fds()
    if error is None:
        run_replication(short, 11, lookahead=True)
    else:
        with pytest.raises(error, match="raised in the run"):
            run_replication(short, 11, lookahead=True)
    assert _gone(seen_pid(started)) and started.lookaheads[0].pid is None
    assert _open_fds() == before               # its pipe and its file closed


def test_no_child_unless_asked_and_possible(monkeypatch, started, short):
    def fork():  # noqa: ANN202
        raise AssertionError("forked")

    monkeypatch.setattr(os, "fork", fork)
    run_replication(short, 11)                                  # not asked
    monkeypatch.setenv(sim.lookahead.ENV_SWITCH, "0")
    run_replication(short, 11, lookahead=True)                  # switched off
    assert started.lookaheads == []
    monkeypatch.delenv(sim.lookahead.ENV_SWITCH)
    assert lookahead_possible()
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not lookahead_possible()
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
    assert not lookahead_possible()                             # a pool's worker


def test_only_the_serial_executor_asks_for_it():
    serial = _where_idle(_files_task, SerialExecutor())
    assert getattr(serial, "keywords", {}) == {"lookahead": True}
    assert _where_idle(_files_task, PoolExecutor(2)) is _files_task


def test_a_group_not_planned_before_the_run_is_computed_by_the_caller():
    world = types.SimpleNamespace(sources=[], fixed=[], canine=[], streams=None)
    group = CrossingGroup(0, "group-0000", 60.0, 3, 1.0, False, 0.0, 0, None)
    lookahead = Lookahead(world, [group], [0, 1])
    scripted = dataclasses.replace(group)       # equal, but another group
    assert lookahead.first_observations(scripted) is None
    assert lookahead.first_observations(group) is None     # not started: no child
    assert lookahead.nuisance(1) is None
    assert lookahead._day_job.keys() == {1}     # day 0 is needed at once: the parent's
