"""The ground layer's kernels compiled from C at install (``sim.ground._cground``).

The same arrangement as `command.fusion.prebuilt` (why, and how a stale build is
never used, are described there), for the kernels of this layer, ported to C in
``csrc/``:

* ``uniforms`` — keyed uniform draws (`sim.ground.keyed._uniforms_py`);
* ``search`` — Dijkstra's search of the least-cost routes
  (`sim.ground.dijkstra.search_py`);
* ``foliage`` and ``foliage_along`` — the foliage on sight lines
  (`sim.ground.terrain.Terrain.foliage_m`, `~sim.ground.terrain.Terrain.foliage_along`;
  ``csrc/foliage.c``);
* ``field_keys`` and ``field_below`` — the sensors' sight-line field
  (`sensors.common.correlated_normal` and `sensors.common.cdf_below`; ``csrc/field.c``);
* ``radar_hits`` — a radar's Doppler and fluctuation test per look
  (`sensors.radar.Radar.detect` before the sight lines; ``csrc/ground.c``);
* ``range_bearing`` — the converted range-and-bearing measurement from numpy's cosines
  and sines (`sim.ground.measurements.range_bearing`; ``csrc/ground.c``);
* ``sector_looks``, ``ever_within`` and ``radial_speed`` — a radar's or camera's
  looks at a mover (`sensors.geometry.look_times` of
  `sensors.geometry.sector_intervals`), whether two movers ever come within a range
  (`sensors.geometry.ever_within`), a radar's radial speed
  (`sensors.radar.Radar.radial_speed`; ``csrc/exposure.c``);
* ``position_at`` and ``box`` — a mover's positions (numpy's ``np.interp`` of both
  columns in one call) and the bounding box of a stretch of its trajectory
  (`sim.ground.trajectory.Trajectory.position_at`, `~sim.ground.trajectory.Trajectory.box`;
  ``csrc/trajectory.c``);
* ``record_lines`` and ``join_lines`` — the event records' JSON lines, a column of
  values at a time, and those lines put back in the records' order
  (`sim.ground.events._class_lines_py`, `~sim.ground.events._join_lines`;
  ``csrc/records.c``);
* ``interleave_rows`` — the rows of ``detections.csv`` from its columns as orjson
  writes them (`sim.rows.detection_rows`; ``csrc/rows.c``);
* ``stream_state`` — numpy's ``SeedSequence`` state of a named stream's keyed draws
  (`sim.rng.RandomStreams.draws`; ``csrc/seeds.c``; numpy's class is the reference).

The Python functions stay the reference (tests compare both bit for bit) and the
fallback: the first two compiled by numba's JIT where it is installed, else run as
they are; the others in numpy (and GEOS).
Importing this module imports neither numba nor the kernels. (The digest is this
package's own copy of `command.fusion.prebuilt.sources_stamp`: ``sim`` imports
nothing from ``command``.)
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from types import ModuleType

#: The extension module, in this package.
EXTENSION = "_cground"

#: The folder of its C sources.
SOURCE_DIR = Path(__file__).resolve().parent / "csrc"

_LOADED: list[ModuleType | None] = []


def sources_stamp(folder: Path = SOURCE_DIR) -> int:
    """A 60-bit digest of the ``*.c`` and ``*.h`` files in ``folder`` (as
    ``setup.py`` computes it)."""
    h = hashlib.sha1()
    for path in sorted(folder.iterdir()):
        if path.suffix in (".c", ".h"):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return int(h.hexdigest()[:15], 16)


def load() -> ModuleType | None:
    """The C kernels, or None (not built, or built from other sources)."""
    if not _LOADED:
        import importlib

        try:
            module: ModuleType | None = importlib.import_module(f"sim.ground.{EXTENSION}")
        except ImportError:
            module = None
        if module is not None and SOURCE_DIR.is_dir() and module.stamp() != sources_stamp():
            module = None
            _note_stale()
        _LOADED.append(module)
    return _LOADED[0]


def _note_stale() -> None:
    """One line on stderr: the built module is stale, so the slower fallback runs (a
    checkout whose C files changed since ``pip install -e .``). Said because it is
    otherwise silent: a 3-day ``scale_year`` run took 21.4 s on numba's fallback
    against 16.7 s on the C module (py-spy, 2026-12-08)."""
    print(f"note: {EXTENSION} was built from other C sources than sim/ground/csrc/; "
          "running the slower fallback until `pip install -e .` rebuilds it",
          file=sys.stderr, flush=True)
