"""The kernels compiled from C at install (`command.fusion.prebuilt`,
`sim.ground.prebuilt`, ``setup.py``).

Their numbers are checked against their numba originals bit for bit where those are
tested (``tests/unit/fusion/test_c_kernels.py``, ``test_csvfast.py``,
``tests/unit/engine/test_node_tick.py``; the ground layer's in
``tests/unit/sim/test_keyed_kernel.py`` and ``test_leastcost_settle.py``). Here: that
the build compiles both modules stamped with their sources, that a stale build is
never used (and a line on stderr says so), that a run then imports neither numba nor
scipy, and that the callers fall back without a fresh build.
"""

from __future__ import annotations

import importlib.util
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from command.fusion import prebuilt as fusion_prebuilt
from sim.ground import prebuilt as ground_prebuilt

ROOT = Path(__file__).resolve().parents[2]
MODULES = [fusion_prebuilt, ground_prebuilt]


def setup_namespace(monkeypatch: pytest.MonkeyPatch) -> dict:
    """``setup.py``'s globals, without running ``setup()``."""
    import setuptools

    monkeypatch.setattr(setuptools, "setup", lambda **kw: None)
    return runpy.run_path(str(ROOT / "setup.py"))


@pytest.mark.parametrize("module", MODULES, ids=["fusion", "ground"])
def test_the_stamp_changes_with_every_c_source(module, tmp_path: Path,  # noqa: ANN001
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    sources = sorted(p for p in module.SOURCE_DIR.iterdir() if p.suffix in (".c", ".h"))
    assert len(sources) >= 1
    for path in sources:
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "notes.txt").write_text("not a source")
    assert module.sources_stamp(tmp_path) == module.sources_stamp()
    setup_stamp = setup_namespace(monkeypatch)["sources_stamp"]
    assert setup_stamp(module.SOURCE_DIR) == module.sources_stamp()   # one digest
    for path in sources:
        copy = tmp_path / path.name
        original = copy.read_bytes()
        copy.write_bytes(original + b"\n")                            # an edit
        assert module.sources_stamp(tmp_path) != module.sources_stamp(), path.name
        copy.write_bytes(original)
    (tmp_path / "extra.h").write_text("/* a new header */\n")
    assert module.sources_stamp(tmp_path) != module.sources_stamp()


@pytest.mark.parametrize("module", MODULES, ids=["fusion", "ground"])
def test_a_build_from_other_sources_is_not_loaded(module, prebuilt_kernels,  # noqa: ANN001
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture) -> None:
    package = module.__name__.rsplit(".", 1)[0]
    built = prebuilt_kernels(package)
    assert built.stamp() == module.sources_stamp()
    monkeypatch.setattr(module, "_LOADED", [])
    monkeypatch.setattr(module, "sources_stamp", lambda: built.stamp() + 1)   # edited
    assert module.load() is None
    note = capsys.readouterr().err
    assert note.count("\n") == 1 and "pip install -e ." in note
    assert f"{module.EXTENSION} was built from other C sources" in note
    module.load()
    assert capsys.readouterr().err == ""                              # said once
    monkeypatch.undo()
    assert module.load() is built
    assert capsys.readouterr().err == ""


def test_the_build_compiles_both_modules_with_their_stamps(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--build-lib",
                          str(tmp_path / "lib"), "--build-temp", str(tmp_path / "tmp")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "compiled the simulator's kernels in" in out.stderr
    for module in MODULES:
        package = module.__name__.rsplit(".", 1)[0]
        name = f"{package}.{module.EXTENSION}"
        found = list((tmp_path / "lib" / package.replace(".", "/")).glob(
            f"{module.EXTENSION}.*"))
        assert len(found) == 1, name
        spec = importlib.util.spec_from_file_location(name, found[0])
        assert spec is not None and spec.loader is not None
        built = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(built)
        assert built.stamp() == module.sources_stamp(), name


def test_a_failed_compile_warns_and_the_install_goes_on(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture) -> None:
    from setuptools.command.build_ext import build_ext

    namespace = setup_namespace(monkeypatch)

    def no_compiler(self, ext) -> None:  # noqa: ANN001
        raise RuntimeError("gcc: command not found")

    monkeypatch.setattr(build_ext, "build_extension", no_compiler)
    build = namespace["BuildKernels"].__new__(namespace["BuildKernels"])
    build.build_extension(namespace["_extension"]("sim.ground._cground"))
    err = capsys.readouterr().err
    assert "warning: sim.ground._cground was not compiled (gcc: command not found)" in err


def _probe(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip() + "|" + out.stderr.strip()


def test_a_run_with_c_kernels_imports_neither_numba_nor_scipy(prebuilt_kernels,  # noqa: ANN001
                                                             tmp_path: Path) -> None:
    prebuilt_kernels("command.fusion")
    prebuilt_kernels("sim.ground")
    code = ("import sys, run_sim; "
            f"status = run_sim.main(['run', 'scenarios/tiny.yaml', '-q', '--no-plots', "
            f"'--out', {str(tmp_path / 'run')!r}]); "
            "print(status, 'numba' in sys.modules, 'scipy' in sys.modules, "
            "'command.fusion._cfusion' in sys.modules, 'sim.ground._cground' in sys.modules)")
    assert _probe(code) == "0 False False True True|"


def test_fuse_with_c_kernels_imports_no_numba(prebuilt_kernels, tmp_path: Path) -> None:  # noqa: ANN001
    prebuilt_kernels("command.fusion")
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
    pytest.importorskip("numba")
    code = ("import sys, run_sim; run_sim.announce_compiles(); "
            "assert 'numba' not in sys.modules; "
            "import numba\n"
            "def plus_one(x):\n    return x + 1\n"
            "plus_one.__module__ = 'sim.ground.fake'\n"
            "print(numba.njit(plus_one)(1), numba.njit(plus_one)(2))")
    assert _probe(code) == ("2 3|note: compiling the simulator's kernels for this machine "
                            "(once, 15-40 s; later runs load them from the cache)")


def test_the_node_falls_back_to_numba_without_a_fresh_build(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import command.nodes as nodes

    monkeypatch.setattr(nodes, "_TICK_KERNEL", None)
    monkeypatch.setattr(fusion_prebuilt, "load", lambda: None)
    kernel = nodes._tick_kernel()
    if kernel is None:
        pytest.skip("numba not installed")
    assert kernel.__name__ == "command.fusion.batches"


def test_the_install_writes_the_packages_bytecode(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """setup.py's build step compiles every module of the packages to bytecode (also
    where PYTHONDONTWRITEBYTECODE keeps Python from writing it)."""
    namespace = setup_namespace(monkeypatch)
    compile_bytecode = namespace["_compile_bytecode"]
    for package in namespace["PACKAGES"]:
        (tmp_path / package / "inner").mkdir(parents=True)
        (tmp_path / package / "inner" / "mod.py").write_text("X = 1\n")
    compile_bytecode.__globals__["ROOT"] = tmp_path
    compile_bytecode()
    for package in namespace["PACKAGES"]:
        cached = list((tmp_path / package / "inner" / "__pycache__").glob("mod.*.pyc"))
        assert len(cached) == 1, package
