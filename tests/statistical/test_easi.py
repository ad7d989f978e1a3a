"""EASI (Sandia): the simulated probability of interruption on a single path.

`scenarios/easi.yaml` is EASI's adversary path: three fence layers with their Pd and
the delay (climb) behind each detection point, an alarm channel with P_C = 1 − loss,
and a response force ready Normal(μ_R, σ_R) after the alarm. EASI [EASI-Garcia]
(DOMAIN.md §5) gives

    P(I) = Σ_i P_C·Pd_i · Π_{j<i} (1 − P_C·Pd_j) · Φ((T_rem,i − μ_R) / σ_R)

where T_rem,i is the adversary's time from detection at layer i to the end of the
path (its delays from layer i on plus its walk, 1 m/s). The formula is written here,
from the source, not taken from the simulator. Each case runs four replications,
~3,200 crossings; the simulated proportion's 99 % Wilson interval (half-width about
0.02) must hold the EASI value. (With one replication and 95 %, a mutation audit found
a climb delay 1.3 times too long or a response spread 1.3 times too wide passed in
some cases.)
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.engine import run_replication
from sim.scenario import load_scenario

EASI = Path(__file__).parents[2] / "scenarios" / "easi.yaml"
LAYERS_Y_M = (500.0, 1500.0, 2500.0)
PATH_END_Y_M = 3000.0
WALK_MPS = 1.0


def phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def easi_p_interruption(pd: tuple[float, ...], delay_s: tuple[float, ...], p_c: float,
                        mu_s: float, sigma_s: float) -> float:
    """EASI's P(I) for detection at the start of each layer's delay."""
    total, missed = 0.0, 1.0
    for i, (p, y) in enumerate(zip(pd, LAYERS_Y_M, strict=True)):
        t_rem = sum(delay_s[i:]) + (PATH_END_Y_M - y) / WALK_MPS
        total += missed * p_c * p * phi((t_rem - mu_s) / sigma_s)
        missed *= 1.0 - p_c * p
    return total


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


CASES = {
    # pd per layer, delay per layer (s), P_C, response mean and sd (s); EASI value
    "scenario-file": ((0.5, 0.5, 0.5), (60.0, 60.0, 60.0), 1.0, 2000.0, 400.0),  # 0.521
    "strong-first-layer": ((0.9, 0.3, 0.6), (300.0, 120.0, 600.0), 0.95, 2500.0,
                           600.0),                                             # 0.831
    "fast-response": ((0.3, 0.6, 0.9), (30.0, 30.0, 30.0), 0.9, 1200.0, 300.0),  # 0.622
}


def test_the_cases_span_the_range_asked_for():
    values = [easi_p_interruption(*c) for c in CASES.values()]
    assert all(0.2 <= v <= 0.9 for v in values)
    assert values[0] == pytest.approx(0.521, abs=1e-3)     # as in the scenario's header


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_simulated_interruption_matches_easi(case):
    pd, delay, p_c, mu, sigma = CASES[case]
    overrides = [f"comms.default.loss={1.0 - p_c}",
                 f"response.teams.0.readiness_s={mu}",
                 f"response.teams.0.readiness_sd_s={sigma}"]
    for i in range(3):
        overrides += [f"sensors.{i}.pd={pd[i]}", f"sensors.{i}.delay_s={delay[i]}"]
    scenario = load_scenario(EASI, overrides)
    runs = [run_replication(scenario, 2024, r).kpis for r in range(4)]
    n = sum(int(k["crossings"]) for k in runs)
    interrupted = sum(int(k["apprehended"]) for k in runs)
    assert n > 2_800
    lo, hi = wilson(interrupted, n, z=2.5758293035489)
    expected = easi_p_interruption(pd, delay, p_c, mu, sigma)
    assert lo <= expected <= hi, (interrupted / n, expected)
