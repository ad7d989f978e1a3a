"""A second process that draws a run's map, started before the run simulates.

Importing matplotlib and drawing ``map.png`` take about 1.5 s, after the simulation,
in every ``run`` of one replication. `MapPainter` starts a Python process at the
beginning of the command that imports `viz.map` while this one simulates (on the
second core), then waits on its standard input for a folder holding the map's input
files and draws its map. The map is the same file `viz.map.draw_map` writes in this
process.

Two ways to ask:

- `draw` (run directory): draw from the finished run directory and wait;
- `start` (the map's input files, as text) as soon as the replication is simulated:
  the painter draws from a private temporary folder while this process formats and
  writes the run's other files; `draw` then waits and moves the map into place.

The painter is an optimisation, never a second source of errors: it writes nothing
to the terminal, and whatever goes wrong in it (it cannot start, cannot import,
fails to draw, is interrupted) `draw` reports as False, and the caller draws in its
own process as it would without a painter, so an error shows exactly as it did.
"""

from __future__ import annotations

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

# one line: the folder to draw from, then a tab and the map's file; drawn under a
# temporary name beside it and renamed, so an interrupted painter leaves no half file
_CHILD = (
    "import os, sys\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from viz.map import draw_map\n"
    "line = sys.stdin.buffer.readline().rstrip(b'\\n')\n"
    "if line:\n"
    "    folder, target = (os.fsdecode(p) for p in line.split(b'\\t'))\n"
    "    tmp = os.path.join(os.path.dirname(target), f'.tmp-map-{os.getpid()}.png')\n"
    "    try:\n"
    "        draw_map(folder, tmp)\n"
    "        os.replace(tmp, target)\n"
    "    finally:\n"
    "        if os.path.exists(tmp):\n"
    "            os.unlink(tmp)\n"
)


class MapPainter:
    """The painter process (module docstring). Use as a context manager: leaving it
    without `draw` ends the process without drawing."""

    def __init__(self) -> None:
        self._early: Path | None = None      # the temporary folder of `start`
        try:
            # its standard output carries nothing: it closes when the painter ends,
            # which `draw` waits for (`_wait`)
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(ROOT)], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            self._process = None

    def _ask(self, folder: Path, target: Path) -> bool:
        """Tell the painter to draw ``folder``'s map into ``target`` (its one request);
        True if it was told."""
        process = self._process
        if process is None or process.stdin is None:
            return False
        paths = [os.fsencode(p.resolve()) for p in (folder, target)]
        if any(b"\t" in p or b"\n" in p for p in paths):
            return False                         # not sayable on the painter's line
        try:
            process.stdin.write(paths[0] + b"\t" + paths[1] + b"\n")
            process.stdin.close()
        except OSError:
            return False
        return True

    def start(self, inputs: Mapping[str, str]) -> bool:
        """Start drawing from ``inputs`` (file name → text: the files `viz.map.draw_map`
        reads) without waiting; True if the painter took it."""
        if self._process is None or self._early is not None:
            return False
        try:
            folder = Path(tempfile.mkdtemp(prefix="greenborder-map-"))
        except OSError:
            return False          # no temporary folder: the map is drawn at the end
        try:
            for name, text in inputs.items():
                (folder / name).write_text(text, encoding="utf-8", newline="\n")
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            return False
        self._early = folder
        if not self._ask(folder, folder / "map.png"):
            self.close()
            return False
        return True

    def draw(self, run_dir: Path) -> bool:
        """Ask for ``run_dir``'s map (or, after `start`, wait for the map started then
        and move it into ``run_dir``); True if the painter drew it."""
        early = self._early
        if early is None and not self._ask(run_dir, run_dir / "map.png"):
            self.close()
            return False
        process, self._process = self._process, None
        assert process is not None
        drawn = _wait(process, DRAW_TIMEOUT_S) == 0
        if early is not None:
            drawn = drawn and _move_into(early / "map.png", run_dir / "map.png")
            self._early = None
            shutil.rmtree(early, ignore_errors=True)
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
        if self._early is not None:
            shutil.rmtree(self._early, ignore_errors=True)
            self._early = None

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
