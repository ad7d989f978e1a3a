"""The fusion core's kernels compiled ahead of time, at install (numba's ``pycc``).

A process that uses numba's just-in-time kernels pays for numba before its first
fused batch: importing it and its type system and loading the cached machine code
(1-1.5 s on the 2-core machine of ``benchmarks/README.md``), and a first run after a
fresh install compiles them (~40 s). ``pip install`` therefore compiles the kernels
the commands need into two extension modules (`build`, called by ``setup.py``; two,
so that they compile at the same time on two cores):

* ``_prebuilt`` — for ``run``: ``fuse_tick``, the local node's tick
  (`command.fusion.batches.fuse_tick`), and ``format_rows``, the exact fixed-point
  formatter of ``tracks.csv`` (`command.fusion.csvfast.format_rows`);
* ``_prebuilt_replay`` — for ``fuse`` and :func:`command.fusion.fuse_batch`:
  ``fuse``, one batch (`command.fusion.kernels.fuse`), and the CSV reader and writer
  ``parse_decimal_rows`` and ``format_fixed_rows`` (`command.fusion.csvfast`).

They are the same functions compiled by the same numba for this machine's processor
(``target_cpu = "host"``, as the JIT), so they compute the same numbers: the tests
run the node, ``fuse_batch`` and the CSV kernels through them against the numpy
reference and the general paths, and every run file of the shipped scenarios was
byte-identical with either (``benchmarks/README.md``).

Unlike a JIT function, an exported function reads each argument's memory as its
declared type (C-contiguous, the dtype below) without checking it: every caller
passes exactly those (`command.nodes._kernel_columns`, `command.fusion.core`).

:func:`load` returns a module only when it was built from the kernel sources as they
are now (:data:`SOURCES`, stamped at build time), so an edit of a kernel in a checkout
never runs stale code: until the next ``pip install -e .`` the callers fall back to
numba's JIT (``cache=True``), as they do when the extension is missing (numba without
``pycc``, no C compiler at install). Importing this module imports neither numba nor
the kernels.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

#: The extension modules (in this package) and the kernels each exports.
EXTENSIONS = {
    "_prebuilt": ("fuse_tick", "format_rows"),
    "_prebuilt_replay": ("fuse", "parse_decimal_rows", "format_fixed_rows"),
}

#: The files the extensions are compiled from (this one holds the signatures).
SOURCES = ("kernels.py", "batches.py", "stops.py", "csvfast.py", "prebuilt.py")

_HERE = Path(__file__).resolve().parent
_LOADED: dict[str, ModuleType | None] = {}
_STAMP: int | None = None


def sources_stamp(folder: Path = _HERE) -> int:
    """A 60-bit digest of :data:`SOURCES` in ``folder`` (SHA-1, first 15 hex digits)."""
    h = hashlib.sha1()
    for name in SOURCES:
        h.update((folder / name).read_bytes())
    return int(h.hexdigest()[:15], 16)


def load(extension: str = "_prebuilt") -> ModuleType | None:
    """The prebuilt kernels of ``extension`` (a key of :data:`EXTENSIONS`), or None
    (not built, or built from other sources)."""
    global _STAMP
    if extension not in _LOADED:
        import importlib

        try:
            module = importlib.import_module(f"command.fusion.{extension}")
        except ImportError:
            _LOADED[extension] = None
        else:
            if _STAMP is None:                  # the sources read once a process
                _STAMP = sources_stamp()
            _LOADED[extension] = module if module.stamp() == _STAMP else None
    return _LOADED[extension]


def signatures() -> dict[str, tuple[object, object]]:
    """``{name: (python function, numba signature)}`` of every exported kernel: the
    argument types the callers pass (C-contiguous arrays; the fusion parameters'
    vector and a CSV's bytes are read-only), the functions' own return types (as
    numba infers them for these arguments)."""
    from numba import types as nt

    from command.fusion import batches, csvfast, kernels

    f8, i8, u8, b1 = nt.float64, nt.int64, nt.uint8, nt.boolean

    def arr(dtype: nt.Type, ndim: int = 1, readonly: bool = False) -> nt.Array:
        return nt.Array(dtype, ndim, "C", readonly=readonly)

    columns = (arr(i8), arr(f8, 2), arr(f8, 3), arr(b1), arr(f8, 2), arr(f8), arr(i8),
               arr(f8))                               # a TrackTable's, in field order
    table = nt.Tuple(columns)
    pending = nt.Tuple((arr(f8), arr(f8), arr(i8), arr(i8), arr(f8, 2), arr(f8, 3),
                        arr(f8, 2)))
    det = nt.Tuple((arr(f8), arr(i8), arr(f8, 2), arr(f8, 3), arr(i8), arr(i8)))
    trk = nt.Tuple((arr(f8), arr(i8), arr(f8, 2)))
    work = nt.Tuple((arr(i8), arr(f8), arr(i8), arr(i8), arr(i8), arr(i8), arr(f8, 2),
                     arr(i8), arr(f8, 2), arr(i8)))
    prm = arr(f8, readonly=True)
    fused = nt.Tuple(columns + (arr(i8), arr(i8), arr(i8), arr(i8), arr(b1), i8))
    return {
        "fuse_tick": (batches.fuse_tick.py_func, nt.Tuple((i8,) * 10 + (f8, i8))(
            f8, i8, i8, pending, f8, table, f8, i8, table, i8, det, i8, trk, i8, work,
            prm, f8, f8, i8, i8, i8)),
        "format_rows": (csvfast.format_rows.py_func, nt.Tuple((b1, arr(u8), i8))(
            arr(f8, 2), arr(i8), arr(i8), i8, arr(u8, readonly=True))),
        "fuse": (kernels.fuse.py_func, nt.Tuple((b1, fused))(
            *columns, f8, arr(f8, 2), arr(f8, 3), arr(i8), arr(f8, 2), b1, f8, i8, f8,
            prm)),
        "parse_decimal_rows": (csvfast.parse_decimal_rows.py_func,
                               nt.Tuple((b1, arr(f8, 2)))(arr(u8, readonly=True),
                                                          arr(i8), i8)),
        "format_fixed_rows": (csvfast.format_fixed_rows.py_func,
                              nt.Tuple((b1, arr(u8), i8))(arr(f8), arr(i8), arr(f8),
                                                          arr(f8))),
    }


def build(output_dir: str, extension: str = "_prebuilt") -> str:
    """Compile ``extension`` into ``output_dir`` (numba's ``pycc``); its file path."""
    from numba import types as nt
    from numba.pycc import CC

    cc = CC(extension)
    cc.output_dir = output_dir
    cc.target_cpu = "host"              # as numba's JIT: the same machine code
    every = signatures()
    for name in EXTENSIONS[extension]:
        function, signature = every[name]
        cc.export(name, signature)(function)
    namespace: dict[str, object] = {}
    exec(f"def stamp():\n    return {sources_stamp()}\n", namespace)   # a constant
    cc.export("stamp", nt.int64())(namespace["stamp"])
    cc.compile()
    return str(Path(output_dir) / cc.output_file)
