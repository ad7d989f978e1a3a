"""The compiled kernels against the numpy reference and scipy."""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from command.fusion import FusionParams, TrackTable, fuse_batch
from command.fusion.core import fuse_batch_numpy
from command.fusion.gating import gate_pairs

K = pytest.importorskip("command.fusion.kernels", reason="numba is not installed")


def test_kernel_gate_returns_the_reference_pairs():
    rng = np.random.default_rng(8)
    for n, m, extent in [(300, 250, 2000.0), (50, 400, 300.0), (5, 3, 10.0), (200, 1, 1e4)]:
        x = np.zeros((n, 4))
        x[:, :2] = rng.uniform(0, extent, (n, 2))
        P = np.tile(np.diag([100.0, 100.0, 1.0, 1.0]), (n, 1, 1))
        P[: n // 10, :2, :2] *= 200.0            # some long-coasting tracks
        z = np.ascontiguousarray(rng.uniform(0, extent, (m, 2)))
        R = np.tile(np.eye(2) * 225.0, (m, 1, 1))
        R[:, 0, 0] = rng.uniform(10, 900, m)
        ti, rj, d2 = K.gate_grid(x, P, z, R, 4.0, np.ones(n, bool), np.ones(m, bool))
        ref_t, ref_r, ref_d2 = gate_pairs(x, P, z, R, 4.0)
        got = sorted(zip(ti.tolist(), rj.tolist(), strict=True))
        assert got == sorted(zip(ref_t.tolist(), ref_r.tolist(), strict=True))
        assert np.allclose(np.sort(d2), np.sort(ref_d2))


def test_cluster_solver_matches_scipy():
    rng = np.random.default_rng(9)
    for _ in range(300):
        a, b = rng.integers(1, 9, 2)
        cost = np.where(rng.random((a, b)) < 0.6, rng.uniform(0, 16, (a, b)), K._BIG)
        miss = np.full(a, 16.0)
        got = K.solve_cluster(cost, miss)
        full = np.full((a, b + a), 1e12)
        full[:, :b] = np.minimum(cost, 1e12)
        full[np.arange(a), b + np.arange(a)] = miss
        r, c = linear_sum_assignment(full)
        ours = sum(miss[i] if j < 0 else cost[i, j] for i, j in enumerate(got.tolist()))
        assert np.isclose(ours, full[r, c].sum())
        used = got[got >= 0]
        assert len(set(used.tolist())) == len(used)


def crossing_scene(rng, n_targets=40, steps=25, clutter=30):
    """Targets on crossing paths in a small area, with clutter: many multi-way clusters."""
    start = rng.uniform(0, 1500, (n_targets, 2))
    vel = rng.uniform(-2, 2, (n_targets, 2))
    for k in range(steps):
        seen = rng.random(n_targets) < 0.9
        z = np.concatenate([(start + k * vel)[seen] + rng.normal(0, 15, (seen.sum(), 2)),
                            rng.uniform(0, 1500, (clutter, 2))])
        R = np.tile(np.eye(2) * 225.0, (len(z), 1, 1))
        yield float(k), z, R, rng.integers(0, 2, len(z)), rng.uniform(0.1, 1, (len(z), 3))


def test_compiled_and_numpy_pipelines_give_the_same_tracks():
    params = FusionParams(clutter_density_per_m2=1e-5)
    a = b = TrackTable.empty()
    for t, z, R, sensor, lik in crossing_scene(np.random.default_rng(10)):
        a, ev_a = fuse_batch(a, t, z, R, sensor, lik, params)
        b, ev_b = fuse_batch_numpy(b, t, z, R, sensor, lik, params)
        assert np.array_equal(ev_a.report_track, ev_b.report_track)
        for name in ("started_ids", "confirmed_ids", "deleted_ids", "updated"):
            assert np.array_equal(getattr(ev_a, name), getattr(ev_b, name)), name
        assert np.array_equal(a.ids, b.ids) and np.array_equal(a.is_confirmed, b.is_confirmed)
        assert a.next_id == b.next_id
        for name in ("x", "P", "score", "class_prob", "last_update_s"):
            assert np.allclose(getattr(a, name), getattr(b, name), rtol=1e-9, atol=1e-9), name
    assert a.is_confirmed.sum() > 20


def test_a_cluster_too_large_for_the_kernel_goes_to_scipy_with_the_same_result():
    # 600 targets packed into 600 × 600 m: one gate cluster of hundreds of tracks,
    # beyond kernels.DENSE_LIMIT, solved by scipy's sparse matching in fuse_batch
    rng = np.random.default_rng(12)
    n = 600
    start = rng.uniform(0, 600, (n, 2))
    vel = rng.uniform(-1, 1, (n, 2))
    params = FusionParams(clutter_density_per_m2=1e-9)
    a = b = TrackTable.empty()
    for k in range(3):
        z = start + k * vel + rng.normal(0, 15, (n, 2))
        R = np.tile(np.eye(2) * 225.0, (n, 1, 1))
        a, ev_a = fuse_batch(a, float(k), z, R, np.zeros(n, np.int64), None, params)
        b, ev_b = fuse_batch_numpy(b, float(k), z, R, np.zeros(n, np.int64), None, params)
        assert np.array_equal(ev_a.report_track, ev_b.report_track)
        assert np.allclose(a.x, b.x) and np.array_equal(a.ids, b.ids)
    assert K.DENSE_LIMIT < n * n
