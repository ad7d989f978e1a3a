"""Generate a small case with the anchor generator, fuse it, score it with the anchor scorer.

Needs ``shared/anchor`` beside the repository (CI copies it to ``../shared``); skipped
otherwise.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from command.fusion import fuse_file

ANCHOR = Path(__file__).resolve().parents[3].parent / "shared" / "anchor"

pytestmark = pytest.mark.skipif(not (ANCHOR / "make_case.py").exists(),
                                reason=f"anchor scripts not found at {ANCHOR}")


def load_scorer():
    spec = importlib.util.spec_from_file_location("anchor_score", ANCHOR / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    out = tmp_path_factory.mktemp("case")
    subprocess.run([sys.executable, str(ANCHOR / "make_case.py"), "--targets", "20",
                    "--duration", "60", "--clutter", "20", "--seed", "7", "--out", str(out)],
                   check=True, capture_output=True)
    return out


def test_fused_case_scores_well_against_the_truth(case, tmp_path):
    tracks = tmp_path / "tracks.csv"
    stats = fuse_file(case / "detections.csv", tracks)
    assert tracks.read_text().splitlines()[0] == "time,track,x,y"
    result = load_scorer().score(str(case / "truth.csv"), str(tracks), skip=10)
    # Stone Soup and this core score about 40 m here; no tracks at all would score
    # sqrt(20 * 5000) = 316 m, raw reports as tracks about sqrt(20 * 450) = 95 m
    assert result["gospa"] < 60.0, result
    assert result["false_per_scan"] < 0.5 and result["missed_per_scan"] < 0.5, result
    assert stats.tracks_confirmed < 40
