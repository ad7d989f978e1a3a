"""Filter consistency: NEES on simulated linear-Gaussian constant-velocity data.

The data are drawn from exactly the model the filter assumes (CV with q, position
reports with covariance R, every report detected, targets far apart), so the
normalised estimation error squared ``e = (x̂ - x)ᵀ P⁻¹ (x̂ - x)`` of a consistent filter
is chi-square with 4 degrees of freedom at every step. Averaged over N independent
targets, ``N · mean(e)`` is chi-square with 4N degrees of freedom; its two-sided 99.9 %
interval, divided by N, bounds the mean NEES at each step (STYLE.md §10). With
N = 400 the bounds are about 4 ± 0.33. Testing 20 steps at 99.9 % each, a
consistent filter fails by chance with probability under 2 %; the data come from a
fixed seed, so the test is deterministic.
"""

import numpy as np
import pytest
from scipy.stats import chi2

from command.fusion import FusionParams, TrackTable, fuse_batch
from command.fusion.kalman import cv_process_noise

N_TARGETS, N_STEPS, Q, SIGMA, DT = 400, 25, 0.05, 15.0, 1.0


@pytest.mark.slow
def test_mean_nees_lies_within_chi_square_bounds():
    rng = np.random.default_rng(20240)
    # a wide gate: with gate 4, 400 targets lose a true report every few steps
    params = FusionParams(q_m2ps3=Q, clutter_density_per_m2=1e-9, gate=8.0)
    # targets on a 5 km grid: no two gates ever overlap
    x = np.zeros((N_TARGETS, 4))
    x[:, 0] = (np.arange(N_TARGETS) % 20) * 5000.0
    x[:, 1] = (np.arange(N_TARGETS) // 20) * 5000.0
    # initial velocities from the filter's own prior N(0, v0²), so step 0 is consistent
    x[:, 2:] = rng.normal(0, params.v0_mps, (N_TARGETS, 2))
    L = np.linalg.cholesky(cv_process_noise(DT, Q))
    R = np.tile(np.eye(2) * SIGMA**2, (N_TARGETS, 1, 1))
    table = TrackTable.empty()
    lo, hi = chi2.ppf([0.0005, 0.9995], 4 * N_TARGETS) / N_TARGETS
    means = []
    for k in range(N_STEPS):
        if k:
            x = x @ np.array([[1, 0, DT, 0], [0, 1, 0, DT], [0, 0, 1, 0], [0, 0, 0, 1]]).T
            x += rng.standard_normal((N_TARGETS, 4)) @ L.T
        z = x[:, :2] + rng.normal(0, SIGMA, (N_TARGETS, 2))
        table, ev = fuse_batch(table, k * DT, z, R, np.zeros(N_TARGETS, np.int64), None,
                               params)
        assert len(table) == N_TARGETS
        truth = x[np.argsort(ev.report_track)]   # rows of the table are in id order
        err = table.x - truth[np.searchsorted(np.sort(ev.report_track), table.ids)]
        nees = np.einsum("ni,ni->n", err, np.linalg.solve(table.P, err[..., None])[..., 0])
        means.append(nees.mean())
    means = np.array(means)
    assert ((means > lo) & (means < hi)).all(), (lo, hi, np.round(means, 2))
