"""The world's scenarios (issue 7B) validate and run: each, cut to a few hours, ends
with one verdict per crossing; the fog timeline keeps the UAVs grounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine import run_replication
from sim.ground.events import AlertVerified
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.mark.parametrize("name", ["bug_bend", "fog", "forest_night", "uav"])
def test_scenario_runs(name: str) -> None:
    sc = load_scenario(ROOT / f"{name}.yaml", ["duration=8h"])
    k = run_replication(sc, 1).kpis
    assert k["crossings"] == (k["apprehended"] + k["turned_back"] + k["got_away"]
                              + k["undetected"])


def test_fog_grounds_the_uavs() -> None:
    """fog.yaml: fog from 20 h to 33 h. Alerts decided in the fog use no UAV; in the
    clear variant some of the same night's alerts do."""
    def uav_looks(sets: list[str]) -> tuple[int, int]:
        sc = load_scenario(ROOT / "fog.yaml", ["duration=30h", *sets])
        rec = run_replication(sc, 1).records
        fog = [r for r in rec if isinstance(r, AlertVerified) and 21 * 3600 < r.t_s < 33 * 3600]
        return sum(r.camera.startswith("uav") for r in fog), len(fog)
    in_fog, n_fog = uav_looks([])
    clear, n_clear = uav_looks(["weather=null"])
    assert n_fog > 0 and in_fog == 0
    assert clear > 0
