"""A second process that draws a run's map, started before the run simulates.

Importing matplotlib and drawing ``map.png`` take about 0.5 s, after the simulation,
in every ``run`` of one replication. `MapPainter` starts a Python process at the
beginning of the command that waits on its standard input for what to draw, imports
`viz.map` when first asked (while this process simulates, on the second core) and
draws. The map is the same file `viz.map.draw_map` writes in this process.

Three ways to ask, in this order (each optional, `draw` last):

- `prepare` (the scenario's map layers, as text: ``scenario.yaml``,
  ``coverage.json``) before the run simulates: the painter draws the layers
  (`viz.map.MapCanvas`) while this process simulates;
- `start` (the map's input files, as text) as soon as the replication is simulated:
  the painter draws the replication over the prepared layers (or from scratch, when
  the layers it prepared are not this map's) from a private temporary folder while
  this process formats and writes the run's other files;
- `draw` (run directory): draw from the finished run directory (or, after `start`,
  the map started then) and wait; the map is moved into place.

The painter is an optimisation, never a second source of errors: it writes nothing
to the terminal, and whatever goes wrong in it (it cannot start, cannot import,
fails to draw, is interrupted) `draw` reports as False, and the caller draws in its
own process as it would without a painter, so an error shows exactly as it did.
Once it has drawn, the painter leaves at once (``os._exit``: the interpreter's
teardown of matplotlib took ~65 ms that `draw` waited for). It runs at nice
`PAINTER_NICE`: its map is needed last, after the run's own work.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Longest wait for the painter to draw once asked, s (a map takes ~1 s).
DRAW_TIMEOUT_S = 300.0

#: The painter process's program (`serve`); its one argument, the project's root.
_CHILD = "import sys; sys.path.insert(0, sys.argv[1]); from viz.painter import serve; serve()"
#: The painter's nice value (CFS weight 110): below the lookahead child's 5.
PAINTER_NICE = 10
#: The files `viz.map.MapCanvas` draws the scenario's layers from.
LAYER_FILES = ("scenario.yaml", "coverage.json")


class MapPainter:
    """The painter process (module docstring). Use as a context manager: leaving it
    without `draw` ends the process without drawing."""

    def __init__(self) -> None:
        self._early: Path | None = None      # the temporary folder of `prepare`, `start`
        self._written: dict[str, str] = {}   # what is in it: file name -> text
        self._started = False
        try:
            # its standard output carries nothing: it closes when the painter ends,
            # which `draw` waits for (`_wait`)
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(ROOT)], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            self._process = None

    def _tell(self, *fields: bytes, last: bool = False) -> bool:
        """Send the painter one request (``fields``, tab-separated on a line); with
        ``last``, its last one (its input is closed). True if it was told."""
        process = self._process
        if process is None or process.stdin is None:
            return False
        if any(b"\t" in f or b"\n" in f for f in fields):
            return False                         # not sayable on the painter's line
        try:
            process.stdin.write(b"\t".join(fields) + b"\n")
            if last:
                process.stdin.close()
            else:
                process.stdin.flush()
        except OSError:
            return False
        return True

    def _ask(self, folder: Path, target: Path) -> bool:
        """Ask the painter to draw ``folder``'s map into ``target`` (its last request)."""
        return self._tell(b"draw", *(os.fsencode(p.resolve()) for p in (folder, target)),
                          last=True)

    def _write(self, inputs: Mapping[str, str]) -> bool:
        """Write ``inputs`` into the temporary folder (made on first use), each file
        not there with that text already; False if it cannot."""
        if self._early is None:
            try:
                self._early = Path(tempfile.mkdtemp(prefix="greenborder-map-"))
            except OSError:
                return False      # no temporary folder: the map is drawn at the end
        try:
            for name, text in inputs.items():
                if self._written.get(name) != text:
                    (self._early / name).write_text(text, encoding="utf-8", newline="\n")
                    self._written[name] = text
        except OSError:
            self._remove_early()  # the painter may still draw a run directory
            return False
        return True

    def prepare(self, layers: Mapping[str, str]) -> bool:
        """Have the scenario's layers drawn now from ``layers`` (file name -> text, the
        `LAYER_FILES`; `sim.results.map_layers`), before `start`; True if the painter
        took it. Declined, the map is drawn whole later: nothing is lost."""
        if self._process is None or self._started or self._early is not None:
            return False
        if not self._write({n: t for n, t in layers.items() if n in LAYER_FILES}):
            return False
        assert self._early is not None
        return self._tell(b"prepare", os.fsencode(self._early.resolve()))

    def start(self, inputs: Mapping[str, str]) -> bool:
        """Start drawing from ``inputs`` (file name → text: the files `viz.map.draw_map`
        reads) without waiting; True if the painter took it."""
        if self._process is None or self._started:
            return False
        if not self._write(inputs):
            return False
        self._started = True
        assert self._early is not None
        if not self._ask(self._early, self._early / "map.png"):
            self.close()
            return False
        return True

    def draw(self, run_dir: Path) -> bool:
        """Ask for ``run_dir``'s map (or, after `start`, wait for the map started then
        and move it into ``run_dir``); True if the painter drew it."""
        started = self._started
        if self._process is None:
            return False                  # closed, or never started: the caller draws
        if not started and not self._ask(run_dir, run_dir / "map.png"):
            self.close()
            return False
        process, self._process = self._process, None
        assert process is not None
        drawn = _wait(process, DRAW_TIMEOUT_S) == 0
        if started:
            assert self._early is not None
            drawn = drawn and _move_into(self._early / "map.png", run_dir / "map.png")
        self._remove_early()
        return drawn

    def close(self) -> None:
        """End the painter without drawing (no-op after `draw`)."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()      # it has drawn nothing and has nothing to keep
            process.wait()
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()
        self._remove_early()

    def _remove_early(self) -> None:
        if self._early is not None:
            shutil.rmtree(self._early, ignore_errors=True)
            self._early = None
        self._written = {}

    def __enter__(self) -> MapPainter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _wait(process: subprocess.Popen[bytes], timeout_s: float) -> int | None:
    """The painter's exit status once it ends, or None (killed) after ``timeout_s``.

    `subprocess.Popen.wait` with a timeout polls, sleeping up to 50 ms between looks,
    so it notices an exit up to 50 ms late; the end of the painter's standard output
    is seen at once."""
    pipe = process.stdout
    deadline = time.monotonic() + timeout_s
    try:
        while pipe is not None:
            ready, _, _ = select.select([pipe], [], [], max(deadline - time.monotonic(), 0))
            if not ready:
                raise subprocess.TimeoutExpired(process.args, timeout_s)
            if not os.read(pipe.fileno(), 65_536):
                break                    # the end of its output: the painter is ending
        return process.wait(timeout=max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None
    finally:
        if pipe is not None:
            pipe.close()


def _move_into(source: Path, target: Path) -> bool:
    """Copy ``source`` to ``target`` under a temporary name and rename it (the two
    may be on different file systems); True when done."""
    tmp = target.with_name(f".tmp-map-{os.getpid()}.png")
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
    return True


def serve() -> None:
    """The painter process: read requests from standard input (`MapPainter`), one a
    line, tab-separated:

    - ``prepare FOLDER``: draw the layers of FOLDER's `LAYER_FILES` (a failure is
      forgotten: the map is then drawn whole when asked);
    - ``draw FOLDER TARGET``: draw FOLDER's map over the prepared layers if they
      were made from FOLDER's very `LAYER_FILES`, else whole; write it under a
      temporary name beside TARGET, rename it, and leave at once.
    """
    canvas, made_from = None, None
    # the map is needed last: the run's lookahead child (`sim.lookahead`, nice 5)
    # goes first where the two share a core
    with contextlib.suppress(OSError):
        os.nice(PAINTER_NICE)
    for line in sys.stdin.buffer:
        # matplotlib is imported at the first request, not at the painter's start:
        # the caller asks once it has imported the simulator, and two processes
        # importing at once on this machine slowed the caller's imports by ~50 ms
        from viz.map import MapCanvas, layer_texts

        request, *paths = (os.fsdecode(p) for p in line.rstrip(b"\n").split(b"\t"))
        if request == "prepare" and len(paths) == 1:
            try:
                made_from = layer_texts(Path(paths[0]))
                canvas = MapCanvas.from_texts(*made_from)
            except Exception:       # drawn whole on `draw` (which reports a failure)
                canvas = None
        elif request == "draw" and len(paths) == 2:
            folder, target = Path(paths[0]), Path(paths[1])
            layers = layer_texts(folder)
            if canvas is None or layers != made_from:
                canvas = MapCanvas.from_texts(*layers)
            tmp = target.with_name(f".tmp-map-{os.getpid()}.png")
            try:
                canvas.finish(folder, tmp)
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
            os._exit(0)     # drawn: no teardown (nothing is buffered; the map is closed)

