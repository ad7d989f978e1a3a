"""A second process that draws a run's map, started before the run simulates.

Importing matplotlib and drawing ``map.png`` take about 1.5 s, after the simulation,
in every ``run`` of one replication. `MapPainter` starts a Python process at the
beginning of the command that imports `viz.map` while this one simulates (on the
second core), then waits for the run directory's name on its standard input and
draws its map. The map is the same file `viz.map.draw_map` writes in this process.

The painter is an optimisation, never a second source of errors: it writes nothing
to the terminal, and whatever goes wrong in it (it cannot start, cannot import,
fails to draw, is interrupted) `draw` reports as False, and the caller draws in its
own process as it would without a painter, so an error shows exactly as it did.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Longest wait for the painter to draw once asked, s (a map takes ~1 s).
DRAW_TIMEOUT_S = 300.0

# drawn under a temporary name and renamed: an interrupted painter leaves no half file
_CHILD = (
    "import os, sys\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from viz.map import draw_map\n"
    "line = sys.stdin.buffer.readline().rstrip(b'\\n')\n"
    "if line:\n"
    "    run_dir = os.fsdecode(line)\n"
    "    tmp = os.path.join(run_dir, f'.tmp-map-{os.getpid()}.png')\n"
    "    try:\n"
    "        draw_map(run_dir, tmp)\n"
    "        os.replace(tmp, os.path.join(run_dir, 'map.png'))\n"
    "    finally:\n"
    "        if os.path.exists(tmp):\n"
    "            os.unlink(tmp)\n"
)


class MapPainter:
    """The painter process (module docstring). Use as a context manager: leaving it
    without `draw` ends the process without drawing."""

    def __init__(self) -> None:
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(ROOT)], stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            self._process = None

    def draw(self, run_dir: Path) -> bool:
        """Ask for ``run_dir``'s map and wait for it; True if the painter drew it."""
        process, self._process = self._process, None
        if process is None or process.stdin is None:
            return False
        try:
            process.stdin.write(os.fsencode(run_dir.resolve()) + b"\n")
            process.stdin.close()
            return process.wait(timeout=DRAW_TIMEOUT_S) == 0
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
            return False

    def close(self) -> None:
        """End the painter without drawing (no-op after `draw`)."""
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()          # it has drawn nothing and has nothing to keep
        process.wait()
        if process.stdin is not None:
            process.stdin.close()

    def __enter__(self) -> MapPainter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
