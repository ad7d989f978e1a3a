"""Build step of the install: the simulator's kernels compiled ahead of time.

Everything else is declared in ``pyproject.toml``. Three extension modules are
compiled with numba's ``pycc`` (`command.fusion.prebuilt`, `sim.ground.prebuilt`), at
the same time, a process each; the install then needs no compile at run time, and a run does
not import numba at all. If a build fails (no C compiler, a numba without ``pycc``) the
install goes on without it and the kernels are compiled by numba's JIT on first use,
as before — with a warning here, and the one-line note of ``run_sim.py`` then. Set
``GREENBORDER_PREBUILT=0`` to skip the compile (a faster install, a slower first run).

The same step writes the bytecode of the checkout's packages (`compileall`, ~0.2 s), as
pip does for the packages it installs: where ``PYTHONDONTWRITEBYTECODE`` is set,
Python never writes it, and every run of an editable install compiled the
simulator's sources again (~0.1 s of ``run scenarios/tiny.yaml``). A file edited
later is compiled again as usual (its bytecode no longer matches it).
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import time

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))

#: extension -> the module whose ``build(output_dir, name)`` compiles it, and the name
PREBUILT = {
    "command.fusion._prebuilt": ("command.fusion.prebuilt", "_prebuilt"),
    "command.fusion._prebuilt_replay": ("command.fusion.prebuilt", "_prebuilt_replay"),
    "sim.ground._prebuilt": ("sim.ground.prebuilt", "_prebuilt"),
}


class BuildPrebuilt(build_ext):
    """Compile the ``PREBUILT`` extensions, each in a process of its own, at once."""

    def build_extensions(self) -> None:
        _compile_bytecode()
        if os.environ.get("GREENBORDER_PREBUILT", "1") == "0":
            print("GREENBORDER_PREBUILT=0: the kernels are not compiled ahead of time "
                  "(numba compiles them on first use)", file=sys.stderr)
            return
        started = time.perf_counter()
        jobs = []
        for ext in self.extensions:
            target = self.get_ext_fullpath(ext.name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            module, name = PREBUILT[ext.name]
            code = (f"import sys; sys.path.insert(0, {ROOT!r}); "
                    f"from {module} import build; "
                    f"print(build({os.path.dirname(target)!r}, {name!r}))")
            env = dict(os.environ, PYTHONWARNINGS="ignore")   # pycc's deprecation notice
            jobs.append((ext.name, target, subprocess.Popen(
                [sys.executable, "-c", code], cwd=ROOT, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
        for name, target, job in jobs:
            out, err = job.communicate()
            built = out.strip().splitlines()[-1] if out.strip() else ""
            if job.returncode != 0 or os.path.abspath(built) != os.path.abspath(target):
                tail = (err.strip().splitlines() or ["(no output)"])[-1]
                print(f"warning: {name} was not compiled ahead of time ({tail}); the "
                      "kernels will be compiled by numba on first use", file=sys.stderr)
        print(f"compiled the simulator's kernels in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)


#: The checkout's packages whose bytecode the install writes.
PACKAGES = ("sim", "sensors", "command", "viz")


def _compile_bytecode() -> None:
    """Write ``__pycache__`` for `PACKAGES` in the checkout (module docstring)."""
    ok = all(compileall.compile_dir(os.path.join(ROOT, package), quiet=1)
             for package in PACKAGES)
    if not ok:
        print("warning: some of the simulator's modules were not compiled to bytecode",
              file=sys.stderr)


setup(
    # optional: an extension that was not built is not copied into the source tree
    ext_modules=[Extension(name, sources=[], optional=True) for name in PREBUILT],
    cmdclass={"build_ext": BuildPrebuilt},
)
