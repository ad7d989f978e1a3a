"""The kernels compiled at install (`command.fusion.prebuilt`, `sim.ground.prebuilt`).

Their numbers are checked where the JIT kernels' are, with the prebuilt module as one
more variant (``tests/unit/sim/test_keyed_kernel.py``, ``test_leastcost_settle.py``,
``tests/unit/fusion/test_csvfast.py``), and the node's tick through them against
fusing batch by batch (``tests/unit/engine/test_node_tick.py``,
``tests/integration/test_node_default_run.py``). Here: that a stale build is never
used, that a run then imports no numba, and that the compile note still comes when
numba compiles.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from command.fusion import prebuilt as fusion_prebuilt
from sim.ground import prebuilt as ground_prebuilt

ROOT = Path(__file__).resolve().parents[2]
MODULES = [fusion_prebuilt, ground_prebuilt]


@pytest.mark.parametrize("module", MODULES, ids=["fusion", "ground"])
def test_the_stamp_changes_with_every_source(module, tmp_path: Path) -> None:  # noqa: ANN001
    here = Path(module.__file__).parent
    for name in module.SOURCES:
        shutil.copy(here / name, tmp_path / name)
    assert module.sources_stamp(tmp_path) == module.sources_stamp()
    for name in module.SOURCES:
        original = (tmp_path / name).read_bytes()
        (tmp_path / name).write_bytes(original + b"\n")       # an edit
        assert module.sources_stamp(tmp_path) != module.sources_stamp(), name
        (tmp_path / name).write_bytes(original)


@pytest.mark.parametrize(("module", "extension"),
                         [(fusion_prebuilt, "_prebuilt"), (fusion_prebuilt, "_prebuilt_replay"),
                          (ground_prebuilt, "_prebuilt")],
                         ids=["fusion", "fusion-replay", "ground"])
def test_a_build_from_other_sources_is_not_loaded(module, extension, prebuilt_kernels,  # noqa: ANN001
                                                  monkeypatch) -> None:  # noqa: ANN001
    package = module.__name__.rsplit(".", 1)[0]
    built = prebuilt_kernels(package, extension)
    assert built.stamp() == module.sources_stamp()
    monkeypatch.setattr(module, "_LOADED", {})
    monkeypatch.setattr(module, "_STAMP", None)
    monkeypatch.setattr(module, "sources_stamp", lambda: built.stamp() + 1)   # edited
    assert module.load(extension) is None
    monkeypatch.undo()
    assert module.load(extension) is built


def _probe(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip() + "|" + out.stderr.strip()


def test_a_run_with_prebuilt_kernels_imports_no_numba(prebuilt_kernels, tmp_path: Path) -> None:  # noqa: ANN001
    prebuilt_kernels("command.fusion")
    prebuilt_kernels("sim.ground")
    prebuilt_kernels("command.fusion", "_prebuilt_replay")
    code = ("import sys, run_sim; "
            f"status = run_sim.main(['run', 'scenarios/tiny.yaml', '-q', '--no-plots', "
            f"'--out', {str(tmp_path / 'run')!r}]); "
            "print(status, 'numba' in sys.modules, 'scipy' in sys.modules)")
    assert _probe(code) == "0 False False|"


def test_fuse_with_prebuilt_kernels_imports_no_numba(prebuilt_kernels, tmp_path: Path) -> None:  # noqa: ANN001
    prebuilt_kernels("command.fusion", "_prebuilt_replay")
    rows = ["time,sensor,x,y,var_x,var_y,cov_xy"]
    rows += [f"{t}.0,0,{10.0 * t:.1f},5.0,100.0,100.0,0.0" for t in range(30)]
    (tmp_path / "det.csv").write_text("\n".join(rows) + "\n")
    code = ("import sys, run_sim; "
            f"status = run_sim.main(['fuse', {str(tmp_path / 'det.csv')!r}, '--out', "
            f"{str(tmp_path / 'tracks.csv')!r}]); "
            "print(status, 'numba' in sys.modules)")
    assert _probe(code).startswith("0 False|")
    assert len((tmp_path / "tracks.csv").read_text().splitlines()) > 20


def test_the_compile_note_comes_when_numba_is_imported_later() -> None:
    code = ("import sys, run_sim; run_sim.announce_compiles(); "
            "assert 'numba' not in sys.modules; "
            "import numba\n"
            "def plus_one(x):\n    return x + 1\n"
            "plus_one.__module__ = 'sim.ground.fake'\n"
            "print(numba.njit(plus_one)(1), numba.njit(plus_one)(2))")
    assert _probe(code) == ("2 3|note: compiling the simulator's kernels for this machine "
                            "(once, 15-40 s; later runs load them from the cache)")


def test_the_node_falls_back_to_numba_without_a_fresh_build(monkeypatch) -> None:  # noqa: ANN001
    import command.nodes as nodes

    monkeypatch.setattr(nodes, "_TICK_KERNEL", None)
    monkeypatch.setattr(fusion_prebuilt, "load", lambda extension="_prebuilt": None)
    kernel = nodes._tick_kernel()
    if kernel is None:
        pytest.skip("numba not installed")
    assert kernel.__name__ == "command.fusion.batches"


def test_the_install_writes_the_packages_bytecode(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """setup.py's build step compiles every module of the packages to bytecode (also
    where PYTHONDONTWRITEBYTECODE keeps Python from writing it)."""
    import runpy

    import setuptools

    monkeypatch.setattr(setuptools, "setup", lambda **kw: None)
    namespace = runpy.run_path(str(Path(__file__).resolve().parents[2] / "setup.py"))
    compile_bytecode = namespace["_compile_bytecode"]
    for package in namespace["PACKAGES"]:
        (tmp_path / package / "inner").mkdir(parents=True)
        (tmp_path / package / "inner" / "mod.py").write_text("X = 1\n")
    compile_bytecode.__globals__["ROOT"] = str(tmp_path)
    compile_bytecode()
    for package in namespace["PACKAGES"]:
        cached = list((tmp_path / package / "inner" / "__pycache__").glob("mod.*.pyc"))
        assert len(cached) == 1, package
