"""The fusion core's kernels compiled from C at install (``command.fusion._cfusion``).

The numba kernels (`command.fusion.kernels`, `command.fusion.batches`,
`command.fusion.csvfast`) are the readable reference; ``csrc/`` holds their port to
C, statement for statement, which ``pip install`` compiles in about 1.5 s
(``setup.py``). Before, the install compiled the numba kernels ahead of time with
numba's ``pycc`` (~30 s, and numba a dependency of every install); at run time a
process paid 1-1.5 s to import numba and load its cache when nothing was compiled
ahead of time. The C module exports the functions the callers use, with the numba
originals' arguments and returns:

* ``fuse_tick`` — the local node's tick (`command.nodes`);
* ``fuse``, ``predict``, ``assign_stage``, ``update_manage`` — one batch
  (:func:`command.fusion.fuse_batch`; the last three when a cluster goes to scipy);
* ``parse_decimal_rows``, ``format_rows``, ``format_fixed_rows`` — the exact CSV
  reader and writers (`command.fusion.csvio`, `sim.rows`).

They compute the same doubles: the same operations in the same order, no fused
multiply-add. Tests run each against its numba original on generated cases, bit for
bit, and every run file of the shipped scenarios was byte-identical with either
(``benchmarks/README.md``). Unlike a function that numba's ``pycc`` exported, each
checks its arguments (dtype, C order, shapes, room in the buffers it writes).

:func:`load` returns the module only when it was built from ``csrc/`` as it is now
(:func:`sources_stamp`, passed to the compiler by ``setup.py``), so an edited C file
never runs stale code: until the next ``pip install -e .`` the callers fall back to
numba's JIT (the ``jit`` extra) or numpy, as they do when the module is missing (no
C compiler at install). Importing this module imports neither numba nor the kernels.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from types import ModuleType

#: The extension module, in this package.
EXTENSION = "_cfusion"

#: The folder of its C sources.
SOURCE_DIR = Path(__file__).resolve().parent / "csrc"

_LOADED: list[ModuleType | None] = []


def sources_stamp(folder: Path = SOURCE_DIR) -> int:
    """A 60-bit digest of the ``*.c`` and ``*.h`` files in ``folder``: names and bytes
    in name order (SHA-1, first 15 hex digits); ``setup.py`` computes the same."""
    h = hashlib.sha1()
    for path in sorted(folder.iterdir()):
        if path.suffix in (".c", ".h"):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return int(h.hexdigest()[:15], 16)


def load() -> ModuleType | None:
    """The C kernels, or None (not built, or built from other sources than
    ``csrc/``). An install without the sources (a wheel) trusts its module."""
    if not _LOADED:
        import importlib

        try:
            module: ModuleType | None = importlib.import_module(f"command.fusion.{EXTENSION}")
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
    print(f"note: {EXTENSION} was built from other C sources than command/fusion/csrc/; "
          "running the slower fallback until `pip install -e .` rebuilds it",
          file=sys.stderr, flush=True)
