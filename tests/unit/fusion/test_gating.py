"""The grid returns exactly the pairs a brute-force gate returns."""

import numpy as np

from command.fusion.gating import gate_pairs
from command.fusion.kalman import innovation


def brute_force(x, P, z, R, gate):
    n, m = len(x), len(z)
    ti, rj = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    _, _, d2 = innovation(x[ti], P[ti], z[rj], R[rj])
    keep = d2 <= gate * gate
    return set(zip(ti[keep].tolist(), rj[keep].tolist(), strict=True))


def random_case(rng, n, m, extent, wide=0):
    x = np.zeros((n, 4))
    x[:, :2] = rng.uniform(-extent, extent, (n, 2))
    P = np.tile(np.diag([100.0, 100.0, 1.0, 1.0]), (n, 1, 1))
    P[:, 0, 1] = P[:, 1, 0] = rng.uniform(-50, 50, n)
    P[:wide, :2, :2] *= 400.0  # long-coasting tracks with huge gates
    z = x[rng.integers(0, n, m), :2] + rng.normal(0, 30, (m, 2))
    R = np.tile(np.diag([225.0, 225.0]), (m, 1, 1))
    R[:, 1, 1] = rng.uniform(50, 500, m)
    return x, P, z, R


def test_grid_gate_equals_brute_force_including_wide_tracks():
    rng = np.random.default_rng(7)
    for n, m, extent, wide in [(50, 60, 500, 0), (200, 150, 3000, 3), (1, 5, 10, 1),
                               (30, 1, 50, 0), (80, 80, 200, 10)]:
        x, P, z, R = random_case(rng, n, m, extent, wide)
        ti, rj, d2 = gate_pairs(x, P, z, R, 4.0)
        assert set(zip(ti.tolist(), rj.tolist(), strict=True)) == brute_force(x, P, z, R, 4.0)
        assert (d2 <= 16.0).all()


def test_gate_with_no_tracks_or_no_reports_is_empty():
    x, P, z, R = random_case(np.random.default_rng(0), 5, 5, 100)
    assert len(gate_pairs(x[:0], P[:0], z, R, 4.0)[0]) == 0
    assert len(gate_pairs(x, P, z[:0], R[:0], 4.0)[0]) == 0
