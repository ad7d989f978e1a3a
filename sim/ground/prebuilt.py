"""The ground layer's kernels compiled ahead of time, at install (numba's ``pycc``).

The same arrangement as `command.fusion.prebuilt` (why, and how staleness is
avoided, are described there), for the two kernels of this layer:

* ``uniforms`` — keyed uniform draws (`sim.ground.keyed._uniforms_py`);
* ``search`` — Dijkstra's search of the least-cost routes
  (`sim.ground.dijkstra.search_py`).

Compiled into ``sim/ground/_prebuilt*.so`` by ``setup.py``; :func:`load` returns the
module only when it was built from the sources as they are now. Importing this module
imports neither numba nor the kernels.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

#: The extension's module name, in this package.
EXTENSION = "_prebuilt"

#: The files the extension is compiled from (this one holds the signatures).
SOURCES = ("keyed.py", "dijkstra.py", "prebuilt.py")

_HERE = Path(__file__).resolve().parent
_LOADED: dict[str, ModuleType | None] = {}
_STAMP: int | None = None


def sources_stamp(folder: Path = _HERE) -> int:
    """A 60-bit digest of :data:`SOURCES` in ``folder`` (SHA-1, first 15 hex digits)."""
    h = hashlib.sha1()
    for name in SOURCES:
        h.update((folder / name).read_bytes())
    return int(h.hexdigest()[:15], 16)


def load(extension: str = EXTENSION) -> ModuleType | None:
    """The prebuilt kernels, or None (not built, or built from other sources)."""
    global _STAMP
    if extension not in _LOADED:
        import importlib

        try:
            module = importlib.import_module(f"sim.ground.{extension}")
        except ImportError:
            _LOADED[extension] = None
        else:
            if _STAMP is None:                  # the sources read once a process
                _STAMP = sources_stamp()
            _LOADED[extension] = module if module.stamp() == _STAMP else None
    return _LOADED[extension]


def signatures() -> dict[str, tuple[object, object]]:
    """``{name: (python function, numba signature)}`` of the exported kernels: the
    argument types the callers pass (C-contiguous arrays), the functions' own return
    types."""
    from numba import types as nt

    from sim.ground import dijkstra, keyed

    f8, i8, i4, u8 = nt.float64, nt.int64, nt.int32, nt.uint64

    def arr(dtype: nt.Type, ndim: int = 1) -> nt.Array:
        return nt.Array(dtype, ndim, "C")

    return {
        "uniforms": (keyed._uniforms_py, arr(f8, 2)(arr(u8), u8, i8)),
        "search": (dijkstra.search_py,
                   nt.Tuple((arr(f8), arr(i8)))(arr(i4), arr(i4), arr(f8), i8, i8)),
    }


def build(output_dir: str, extension: str = EXTENSION) -> str:
    """Compile the extension into ``output_dir`` (numba's ``pycc``); its file path."""
    from numba import types as nt
    from numba.pycc import CC

    if extension != EXTENSION:
        raise ValueError(f"no extension {extension!r} here (only {EXTENSION!r})")
    cc = CC(EXTENSION)
    cc.output_dir = output_dir
    cc.target_cpu = "host"              # as numba's JIT: the same machine code
    for name, (function, signature) in signatures().items():
        cc.export(name, signature)(function)
    namespace: dict[str, object] = {}
    exec(f"def stamp():\n    return {sources_stamp()}\n", namespace)   # a constant
    cc.export("stamp", nt.int64())(namespace["stamp"])
    cc.compile()
    return str(Path(output_dir) / cc.output_file)
