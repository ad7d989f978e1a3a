"""Build step of the install: the simulator's kernels compiled from C.

Everything else is declared in ``pyproject.toml``. Two extension modules are compiled
by the machine's C compiler from the sources in ``csrc/`` folders, at the same time
(~1.5 s on the 2-core machine of ``benchmarks/README.md``):

* ``command.fusion._cfusion`` — the fusion core's kernels (`command.fusion.prebuilt`);
* ``sim.ground._cground`` — the ground layer's keyed draws, least-cost search and
  foliage on sight lines, the sensors' sight-line field and sector looks, and the
  movers' positions (`sim.ground.prebuilt`).

Each is stamped with a digest of its sources (``sources_stamp``), so a run never uses
a module built from other sources than the checkout's: after an edit of a C file the
callers fall back (numba's JIT with the ``jit`` extra, else numpy) until the next
``pip install -e .``. A compile that fails (no C compiler, no Python headers) does not
fail the install: it says so, and the fallbacks run. Set ``GREENBORDER_PREBUILT=0``
to skip the compile.

The flags keep the C code computing exactly what its numba originals compute:
``-ffp-contract=off`` forbids fused multiply-adds (numba does not fuse either), and
nothing like ``-ffast-math`` is used.

The same step writes the bytecode of the checkout's packages (`compileall`, ~0.2 s), as
pip does for the packages it installs: where ``PYTHONDONTWRITEBYTECODE`` is set,
Python never writes it, and every run of an editable install compiled the
simulator's sources again (~0.1 s of ``run scenarios/tiny.yaml``). A file edited
later is compiled again as usual (its bytecode no longer matches it).
"""

from __future__ import annotations

import compileall
import hashlib
import os
import sys
import time
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent

#: extension -> (folder of its C sources, relative to the root; its stamp macro)
EXTENSIONS = {
    "command.fusion._cfusion": ("command/fusion/csrc", "CF_STAMP"),
    "sim.ground._cground": ("sim/ground/csrc", "CG_STAMP"),
}

#: Compiler flags: optimised, standard C, no contraction into fused multiply-adds.
CFLAGS = ["-O2", "-std=c11", "-ffp-contract=off", "-fno-strict-aliasing"]


def sources_stamp(folder: Path) -> int:
    """A 60-bit digest of the ``*.c`` and ``*.h`` files in ``folder``: their names and
    bytes, in name order (SHA-1, first 15 hex digits). The loaders compute the same
    (`command.fusion.prebuilt.sources_stamp`)."""
    h = hashlib.sha1()
    for path in sorted(folder.iterdir()):
        if path.suffix in (".c", ".h"):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return int(h.hexdigest()[:15], 16)


class BuildKernels(build_ext):
    """Compile the `EXTENSIONS`, both at once, each stamped with its sources' digest."""

    def build_extensions(self) -> None:
        _compile_bytecode()
        if os.environ.get("GREENBORDER_PREBUILT", "1") == "0":
            print("GREENBORDER_PREBUILT=0: the kernels are not compiled (the numba or "
                  "numpy fallbacks run instead)", file=sys.stderr)
            return
        import numpy

        for ext in self.extensions:
            folder, macro = EXTENSIONS[ext.name]
            stamp = sources_stamp(ROOT / folder)
            ext.define_macros = [(macro, f"{stamp}LL")]
            ext.include_dirs = [numpy.get_include(), str(ROOT / folder)]
            ext.extra_compile_args = list(CFLAGS)
        self.parallel = 2
        started = time.perf_counter()
        super().build_extensions()
        print(f"compiled the simulator's kernels in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as error:  # noqa: BLE001 - any compiler failure: the install goes on
            print(f"warning: {ext.name} was not compiled ({error}); the slower fallbacks "
                  "will run", file=sys.stderr)


#: The checkout's packages whose bytecode the install writes.
PACKAGES = ("sim", "sensors", "command", "viz")


def _compile_bytecode() -> None:
    """Write ``__pycache__`` for `PACKAGES` in the checkout (module docstring)."""
    ok = all(compileall.compile_dir(str(ROOT / package), quiet=1) for package in PACKAGES)
    if not ok:
        print("warning: some of the simulator's modules were not compiled to bytecode",
              file=sys.stderr)


def _extension(name: str) -> Extension:
    folder = EXTENSIONS[name][0]
    sources = sorted(str(Path(folder) / p.name) for p in (ROOT / folder).glob("*.c"))
    return Extension(name, sources=sources, depends=[str(p) for p in (ROOT / folder).glob("*.h")],
                     optional=True)


setup(
    ext_modules=[_extension(name) for name in EXTENSIONS],
    cmdclass={"build_ext": BuildKernels},
)
