"""Filter consistency: NEES on simulated linear-Gaussian constant-velocity data.

The data are drawn from exactly the model the filter assumes (CV with q, position
reports with covariance R, every report detected, targets far apart), so the
normalised estimation error squared ``e = (x̂ - x)ᵀ P⁻¹ (x̂ - x)`` of a consistent filter
is chi-square with 4 degrees of freedom at every step. Averaged over N independent
targets, ``N · mean(e)`` is chi-square with 4N degrees of freedom; its two-sided 99.9 %
interval, divided by N, bounds the mean NEES at each step (STYLE.md §10). With
N = 2,000 the bounds are about 4 ± 0.15. Testing 25 steps at 99.9 % each, a
consistent filter fails by chance with probability under 3 %; the data come from a
fixed seed, so the test is deterministic.

The truth is drawn here from the model as published, not from the code under test:
the process noise of the continuous white-noise acceleration model, per axis
``q [[dt³/3, dt²/2], [dt²/2, dt]]`` (Bar-Shalom, Li & Kirubarajan, *Estimation with
Applications to Tracking and Navigation*, 2001, §6.2.2), and initial velocities from
the prior the filter is given (``v0_mps``, set by the test). Two regimes: reports
dominating (σ = 15 m a second, q = 0.05) and process noise dominating (σ = 2 m every
5 s, q = 2), where a wrong Q shows: data drawn with 1.3 q or q / 1.3 fail the same
bounds at every step (a mutation audit found that a Q error shared by the truth and
the filter, or a filter Q 1.3 times too large with reports dominating, passed the
test as it was).
"""

import numpy as np
import pytest
from scipy.stats import chi2

from command.fusion import FusionParams, TrackTable, fuse_batch

N_TARGETS, N_STEPS, V0 = 2000, 25, 1.5


def cv_noise_bar_shalom(dt: float, q: float) -> np.ndarray:
    """Q of the CWNA model for state [x, y, vx, vy] (Bar-Shalom et al. 2001, §6.2.2)."""
    a, b, c = q * dt**3 / 3.0, q * dt**2 / 2.0, q * dt
    return np.array([[a, 0, b, 0], [0, a, 0, b], [b, 0, c, 0], [0, b, 0, c]])


def mean_nees(q_filter: float, q_truth: float, sigma: float, dt: float,
              seed: int) -> np.ndarray:
    """The mean NEES over the targets at each step, the filter told ``q_filter`` and
    the truth walking with ``q_truth``."""
    rng = np.random.default_rng(seed)
    # a wide gate: with gate 4, 2,000 targets lose a true report every few steps
    # and silence limits above the step, or a 5 s step deletes every track before
    # the next report
    params = FusionParams(q_m2ps3=q_filter, v0_mps=V0, clutter_density_per_m2=1e-9,
                          gate=8.0, delete_after_s=60.0, tentative_delete_after_s=60.0)
    # targets on a 5 km grid: no two gates ever overlap
    x = np.zeros((N_TARGETS, 4))
    x[:, 0] = (np.arange(N_TARGETS) % 20) * 5000.0
    x[:, 1] = (np.arange(N_TARGETS) // 20) * 5000.0
    x[:, 2:] = rng.normal(0, V0, (N_TARGETS, 2))      # the prior: step 0 is consistent
    L = np.linalg.cholesky(cv_noise_bar_shalom(dt, q_truth))
    F = np.array([[1, 0, dt, 0], [0, 1, 0, dt], [0, 0, 1, 0], [0, 0, 0, 1]])
    R = np.tile(np.eye(2) * sigma**2, (N_TARGETS, 1, 1))
    table = TrackTable.empty()
    means = []
    for k in range(N_STEPS):
        if k:
            x = x @ F.T + rng.standard_normal((N_TARGETS, 4)) @ L.T
        z = x[:, :2] + rng.normal(0, sigma, (N_TARGETS, 2))
        table, ev = fuse_batch(table, k * dt, z, R, np.zeros(N_TARGETS, np.int64), None,
                               params)
        assert len(table) == N_TARGETS
        truth = x[np.argsort(ev.report_track)]   # rows of the table are in id order
        err = table.x - truth[np.searchsorted(np.sort(ev.report_track), table.ids)]
        nees = np.einsum("ni,ni->n", err, np.linalg.solve(table.P, err[..., None])[..., 0])
        means.append(nees.mean())
    return np.array(means)


LO, HI = chi2.ppf([0.0005, 0.9995], 4 * N_TARGETS) / N_TARGETS


@pytest.mark.slow
@pytest.mark.parametrize(("q", "sigma", "dt"), [(0.05, 15.0, 1.0), (2.0, 2.0, 5.0)],
                         ids=["reports-dominate", "process-noise-dominates"])
def test_mean_nees_lies_within_chi_square_bounds(q: float, sigma: float, dt: float):
    means = mean_nees(q, q, sigma, dt, seed=20240)
    assert ((means > LO) & (means < HI)).all(), (LO, HI, np.round(means, 2))


@pytest.mark.slow
@pytest.mark.parametrize("q_truth", [2.6, 2.0 / 1.3], ids=["filter-too-sure", "filter-too-wary"])
def test_a_process_noise_thirty_percent_off_is_seen(q_truth: float):
    # the power of the check above: the filter told q = 2 while the truth walks with
    # 1.3 q (NEES too high) or q / 1.3 (too low) fails it at every step after the first
    means = mean_nees(2.0, q_truth, 2.0, 5.0, seed=20240)[1:]
    outside = means > HI if q_truth > 2.0 else means < LO
    assert outside.all(), (LO, HI, np.round(means, 2))
