"""Work of a replication done ahead on the idle core, in a forked child process.

What is computed ahead
    Two pieces of a replication's work do not depend on what happens in the run:
    each day's nuisance alarms of every source (`sim.world.nuisance_reports`, needed
    when the day starts) and, for every crossing group planned before the run
    (`sim.movers.make_groups`), the fixed sensors' and dog teams' reports of its first
    plan (`sim.world.observations` from −inf, needed when the group crosses). Both
    are pure functions of the sources, the streams and the group — every draw is
    keyed by (sensor, mover or day), DESIGN.md "Randomness" — so a copy of the
    process computes the same arrays, and the run's files are byte-identical
    whichever process computed them.

How
    `Lookahead` forks when entered, after the world is built and before the clock
    runs (what the run needs at t = 0, day 0's alarms, is left to the parent: it
    needs them before the child could deliver). The child runs at a low priority
    (nice `CHILD_NICE`: on a core shared with a process of normal priority, the
    parent or anyone's, it gets about a quarter of it). Not ``SCHED_IDLE``, as it
    was: that starved the child whenever the map painter (`viz.painter`, nicer
    still) worked on the other core, and cost `run scenarios/tiny.yaml` ~6 %
    (benchmarks/README.md). It computes the jobs in the
    order the run needs them (by simulated time: day ``d`` at ``d`` × 86,400 s, a
    group at its ``arrival_s``), appends each result, pickled, to a private
    temporary file that is unlinked from the start (so nothing is left on disk
    whatever happens to either process), writes (job, offset, length) to a pipe,
    and leaves with ``os._exit`` (no atexit handlers, no flushing of buffers it
    shares with the parent). It keeps open only its pipe and its file, its standard
    streams on /dev/null — nothing the parent or another process waits on, such as
    the map painter's pipe — and Ctrl-C ends it without a word. When the run needs
    a job, the parent takes the child's result if it is ready (the child is usually
    far ahead: it has a tenth of the parent's work) and otherwise computes the piece
    itself, never waiting: a waiting parent would hand its core to whoever else is
    running rather than to a low-priority child. Leaving the context kills and
    reaps the child and closes the file, also when the run raises.

Fallback
    Whatever goes wrong — no fork, the child dies, is starved of cycles or stuck, a
    read or an unpickling fails — the pieces it has not delivered are computed in
    the parent, as they are without a lookahead; so is a group not planned before
    the run (an inject's). The outputs never depend on it.

Limits
    Linux only (the parent may hold threads when it forks, a progress bar's; the
    child only computes, and a child stuck on a lock such a thread held costs
    nothing but its results). Worth it only where a core would be idle:
    `lookahead_possible` says no with fewer than two cores, inside a worker process
    (a pool's or a Dask cluster's: its siblings use the cores), and with the
    environment variable ``GREENBORDER_LOOKAHEAD=0``; the engine uses it only when
    asked (`sim.experiment` asks for serial runs).
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from sensors.base import Reports
from sim.movers import CrossingGroup
from sim.world import World, nuisance_reports, observations

#: The environment variable that turns the lookahead off when set to ``0``.
ENV_SWITCH = "GREENBORDER_LOOKAHEAD"
#: The child's nice value (CFS weight 335 against a normal process's 1024).
CHILD_NICE = 5
_DAY_S = 86_400.0
#: One message on the pipe: job number, offset and length of its pickle in the file.
_MESSAGE = struct.Struct("<qqq")


def lookahead_possible() -> bool:
    """Whether a lookahead child may run here (module docstring, "Limits")."""
    return (os.environ.get(ENV_SWITCH, "1") != "0" and sys.platform.startswith("linux")
            and hasattr(os, "fork") and (os.cpu_count() or 1) >= 2
            and not _in_worker_process())


def _in_worker_process() -> bool:
    # a pool's worker, or a Dask nanny's, is a child of multiprocessing; a process
    # that never imported it is none (and need not pay for the import)
    mp = sys.modules.get("multiprocessing")
    return mp is not None and mp.parent_process() is not None


class Lookahead:
    """The nuisance days ``days`` and the first observations of ``groups`` of
    ``world``, computed ahead in a child process (module docstring). Use as a context
    manager around the run. Each answer is the result, or None: compute it yourself
    (not planned, not ready yet, outside the context, or the child failed).

    Attributes
    ----------
    pid : the child's process id while it may run, else None
    served : results taken from the child so far
    """

    def __init__(self, world: World, groups: Sequence[CrossingGroup],
                 days: Iterable[int]) -> None:
        self.world = world
        jobs: list[tuple[float, Callable[[], Any]]] = []
        self._day_job: dict[int, int] = {}
        # what the run needs as its clock starts (day 0) it needs before a child could
        # deliver it: left to the parent
        for day in days:
            if day > 0:
                self._day_job[day] = len(jobs)
                jobs.append((day * _DAY_S, self._nuisance_job(day)))
        # by identity: a scripted group is another object, even with the same index;
        # the dict keeps every planned group alive, so no id is reused meanwhile
        self._group_job: dict[int, tuple[int, CrossingGroup]] = {}
        for group in groups:
            if group.arrival_s > 0.0:
                self._group_job[id(group)] = (len(jobs), group)
                jobs.append((group.arrival_s, self._observations_job(group)))
        # the order the run needs them in; at one instant, the order listed
        self._order = sorted(range(len(jobs)), key=lambda k: jobs[k][0])
        self._compute = [compute for _, compute in jobs]
        self.pid: int | None = None
        self.served = 0
        self._started = False
        self._pipe: int | None = None
        self._file: Any = None
        self._where: dict[int, tuple[int, int]] = {}
        self._delivered = 0
        self._unread = b""

    def _nuisance_job(self, day: int) -> Callable[[], list[Reports]]:
        w = self.world
        return lambda: nuisance_reports(w.sources, w.streams, day)

    def _observations_job(self, group: CrossingGroup) -> Callable[[], list[tuple[int, Reports]]]:
        w = self.world
        # the arguments of `World.add_group`'s first `_observe` of the group
        return lambda: observations(w.fixed, w.canine, w.streams, group.name,
                                    group.trajectory, group.index, group.size, -np.inf)

    # ------------------------------------------------------------------ answers
    def nuisance(self, day: int) -> list[Reports] | None:
        """`sim.world.nuisance_reports` of ``day``, or None: compute it yourself."""
        job = self._day_job.get(day)
        return None if job is None else self._take(job)

    def first_observations(self, group: CrossingGroup) -> list[tuple[int, Reports]] | None:
        """`sim.world.observations` of ``group``'s first plan, or None: compute them
        yourself (a group not planned before the run, or no child)."""
        job, planned = self._group_job.get(id(group), (-1, None))
        return self._take(job) if planned is group else None

    def _take(self, job: int) -> Any:
        if self._file is None:
            return None
        try:
            if job not in self._where:
                self._receive()
            where = self._where.pop(job, None)
            if where is None:
                return None                    # not done yet: the parent computes it
            offset, length = where
            data = os.pread(self._file.fileno(), length, offset)
            if len(data) != length:
                raise EOFError("short read")
            result = pickle.loads(data)
        except Exception:
            self.close()
            return None
        self.served += 1
        return result

    def wait(self, results: int | None = None, timeout_s: float = 60.0) -> None:
        """Wait until the child has delivered ``results`` results (None: until it has
        ended, every job done or dead), at most ``timeout_s``; for tests and
        measurements: a run never waits."""
        deadline = time.monotonic() + timeout_s
        while self._pipe is not None and (results is None or self._delivered < results):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            select.select([self._pipe], [], [], left)
            self._receive()

    def _receive(self) -> None:
        """Read what the child has said so far, without waiting."""
        while self._pipe is not None and select.select([self._pipe], [], [], 0)[0]:
            chunk = os.read(self._pipe, 1 << 16)
            if not chunk:                       # it has ended: its results stay readable
                os.close(self._pipe)
                self._pipe = None
                return
            data = self._unread + chunk
            whole = len(data) - len(data) % _MESSAGE.size
            for job, offset, length in _MESSAGE.iter_unpack(data[:whole]):
                self._where[job] = (offset, length)
                self._delivered += 1
            self._unread = data[whole:]

    # ---------------------------------------------------------------- the child
    def start(self) -> None:
        """Fork the child (once); on any failure there is simply no child."""
        if self._started or not self._compute:
            return
        self._started = True
        try:
            self._file = tempfile.TemporaryFile(prefix="greenborder-ahead-")
            read_end, write_end = os.pipe()
        except OSError:
            self.close()
            return
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            self.close()
            return
        if pid == 0:                                          # the child
            status = 1
            try:
                os.close(read_end)
                self._run_child(write_end)
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        self.pid, self._pipe = pid, read_end

    def _run_child(self, pipe: int) -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)       # Ctrl-C: gone, no traceback
        _low_priority()
        fd, offset = self._file.fileno(), 0
        _keep_only(pipe, fd)
        # objects inherited are never collected here: no finaliser of the parent's
        # (a file's flush, a folder's removal) may run in the child
        gc.freeze()
        for job in self._order:
            data = pickle.dumps(self._compute[job](), protocol=pickle.HIGHEST_PROTOCOL)
            view, written = memoryview(data), 0
            while written < len(data):
                written += os.pwrite(fd, view[written:], offset + written)
            os.write(pipe, _MESSAGE.pack(job, offset, len(data)))
            offset += len(data)

    def close(self) -> None:
        """Kill and reap the child; close the pipe and the (already unlinked) file."""
        pid, self.pid = self.pid, None
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass                                 # reaped by someone else
        pipe, self._pipe = self._pipe, None
        if pipe is not None:
            os.close(pipe)
        file, self._file = self._file, None
        if file is not None:
            file.close()
        self._where.clear()

    def __enter__(self) -> Lookahead:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _keep_only(*fds: int) -> None:
    """Close every inherited file descriptor but ``fds``; standard input, output and
    error become /dev/null. The child then holds nothing open that the parent or
    another process waits on (a pipe's end, the terminal)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(devnull, std)
    for name in os.listdir("/proc/self/fd"):
        if int(name) > 2 and int(name) not in fds:
            try:
                os.close(int(name))
            except OSError:
                pass                           # the listing's own descriptor, gone


def _low_priority() -> None:
    """Run at nice `CHILD_NICE` (module docstring, "How")."""
    try:
        os.nice(CHILD_NICE)
    except OSError:
        pass
