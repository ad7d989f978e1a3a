"""The ``fuse`` command's whole pipeline in process: parse, track, write.

Run: ``pytest benchmarks/bench_fuse_command.py --benchmark-only``. Figures and how to
read them: ``benchmarks/README.md`` ("fuse, whole command").

* ``test_fuse_file[name]``: ``command.fusion.fuse_file`` on an anchor case (seed 2024)
  — read and validate the CSV, track, format and write the tracks atomically; the
  kernels are loaded before (their loading is a per-process constant, measured by the
  whole-process figures in the README). The marginal rate of the command is the
  difference of two cases' medians, ``(rows_long - rows_short) / (t_long - t_short)``,
  as the anchor README measures Stone Soup (a 300 s file against a 10 s one).
* ``test_read[name]``, ``test_write[name]``: the two text stages alone.

Cases are generated once into ``anchor-bench/bench-cases/`` (git-ignored) by the
anchor generator beside the checkout (``../shared/anchor``); skipped without it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from command.fusion import FusionParams, fuse_file
from command.fusion.csvio import format_tracks, read_detections
from command.fusion.replay import track_detections, warm_up

ROOT = Path(__file__).resolve().parents[1]
ANCHOR = ROOT.parent / "shared" / "anchor"
CASES = ROOT / "anchor-bench" / "bench-cases"
FILES = {
    "T100": ["--targets", "100", "--duration", "300"],
    "T100_10s": ["--targets", "100", "--duration", "10"],
    "T10000": ["--targets", "10000", "--duration", "30"],
    "T10000_3s": ["--targets", "10000", "--duration", "3"],
}


@pytest.fixture(scope="session")
def case():
    if not (ANCHOR / "make_case.py").exists():
        pytest.skip(f"anchor generator not found at {ANCHOR}")
    warm_up()

    def get(name: str) -> Path:
        out = CASES / name
        if not (out / "case.json").exists():
            subprocess.run([sys.executable, str(ANCHOR / "make_case.py"), "--seed", "2024",
                            "--out", str(out), *FILES[name]], check=True, capture_output=True)
        return out / "detections.csv"

    return get


@pytest.mark.parametrize("name", list(FILES))
def test_fuse_file(benchmark, case, tmp_path, name):
    path = case(name)
    stats = benchmark.pedantic(fuse_file, args=(path, tmp_path / "tracks.csv"), rounds=7,
                               iterations=1, warmup_rounds=1)
    median = benchmark.stats.stats.median
    benchmark.extra_info.update(rows=stats.rows, output_rows=stats.output_rows,
                                det_per_s=stats.rows / median,
                                ns_per_det=1e9 * median / stats.rows)


@pytest.mark.parametrize("name", ["T100", "T10000"])
def test_read(benchmark, case, name):
    det = benchmark.pedantic(read_detections, args=(case(name),), rounds=7, iterations=1,
                             warmup_rounds=1)
    benchmark.extra_info.update(rows=len(det.t_s),
                                ns_per_row=1e9 * benchmark.stats.stats.median / len(det.t_s))


@pytest.mark.parametrize("name", ["T100", "T10000"])
def test_write(benchmark, case, name):
    t, ids, x, _ = track_detections(read_detections(case(name)), FusionParams())
    benchmark.pedantic(format_tracks, args=(t, ids, x[:, :2], None), rounds=7, iterations=1,
                       warmup_rounds=1)
    benchmark.extra_info.update(rows=len(t),
                                ns_per_row=1e9 * benchmark.stats.stats.median / len(t))
