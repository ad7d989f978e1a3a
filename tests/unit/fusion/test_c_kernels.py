"""The C kernels (`command.fusion.prebuilt`, ``csrc/``) against their numba originals
(`command.fusion.kernels`), bit for bit: one batch, its stages, and a sequence of
batches whose tracks are started, confirmed, coasted and deleted; then the C
functions' argument checks (a wrong array raises instead of being read as another)."""

from __future__ import annotations

import numpy as np
import pytest

from command.fusion import FusionParams

K = pytest.importorskip("command.fusion.kernels", reason="numba is not installed")


@pytest.fixture(scope="module")
def C(prebuilt_kernels):  # noqa: ANN001, ANN201, N802
    return prebuilt_kernels("command.fusion")


def same(a: object, b: object, where: str = "") -> None:
    """Equal bit for bit: arrays by dtype, shape and bytes, numbers by value and type."""
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{k}]")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), where
        assert (a.dtype, a.shape) == (b.dtype, b.shape), where
        assert a.tobytes() == b.tobytes(), where
    else:
        assert bool(a) == bool(b) if isinstance(a, bool | np.bool_) else a == b, where


def empty_table() -> tuple[np.ndarray, ...]:
    return (np.zeros(0, np.int64), np.zeros((0, 4)), np.zeros((0, 4, 4)),
            np.zeros(0, np.bool_), np.zeros((0, 3)), np.zeros(0), np.zeros(0, np.int64),
            np.zeros(0))


def scene(rng: np.random.Generator, n_targets: int, steps: int, clutter: int,
          extent: float, duplicates: bool = False):  # noqa: ANN201
    """Batches (t, z, R, sensor, lik) of targets on crossing paths with clutter: many
    multi-way clusters; ``duplicates`` repeats reports exactly (ties everywhere)."""
    start = rng.uniform(0, extent, (n_targets, 2))
    vel = rng.uniform(-2, 2, (n_targets, 2))
    for k in range(steps):
        if k in (steps // 2, steps // 2 + 1):           # a quiet spell: tracks coast
            continue
        seen = rng.random(n_targets) < 0.9
        z = np.concatenate([(start + 3 * k * vel)[seen] + rng.normal(0, 15, (seen.sum(), 2)),
                            rng.uniform(0, extent, (clutter, 2))])
        if duplicates:
            z = np.concatenate([z, z[: len(z) // 3]])
        m = len(z)
        R = np.tile(np.eye(2) * 225.0, (m, 1, 1))
        R[:, 0, 0] = rng.uniform(100, 400, m)
        R[:, 0, 1] = R[:, 1, 0] = rng.uniform(-50, 50, m)
        yield (3.0 * k, np.ascontiguousarray(z), R, rng.integers(0, 3, m).astype(np.int64),
               rng.uniform(0.05, 1, (m, 3)))


def run_both(C, batches, params: FusionParams, has_lik: bool = True) -> int:  # noqa: ANN001
    """Fuse the batches with both, feeding each its own table; returns tracks seen."""
    table = empty_table()
    time_s, next_id, most = 0.0, 0, 0
    prm, lam = params.as_vector(), params.clutter_density_per_m2
    for t_s, z, R, sensor, lik in batches:
        if not has_lik:
            lik = np.zeros((0, 3))
        dt = t_s - time_s if len(table[0]) else 0.0
        args = (*table, dt, z, R, sensor, lik, has_lik, t_s, next_id, lam, prm)
        done_c, out_c = C.fuse(*args)
        done_n, out_n = K.fuse(*args)
        assert bool(done_c) == bool(done_n)
        if not done_n:
            return -1
        same(out_c, out_n, f"batch at {t_s}")
        table, next_id, time_s = out_c[:8], out_c[13], t_s
        most = max(most, len(table[0]))
    return most


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuse_is_numbas_fuse_bit_for_bit(C, seed: int) -> None:  # noqa: ANN001
    rng = np.random.default_rng(seed)
    params = FusionParams()
    assert run_both(C, scene(rng, 40, 30, 30, 1500.0), params) > 30
    assert run_both(C, scene(rng, 10, 30, 5, 500.0, duplicates=True), params) > 0
    assert run_both(C, scene(rng, 20, 20, 10, 3000.0), params, has_lik=False) > 10
    strict = params.with_overrides({"delete_after_s": "5", "max_position_std_m": "40"})
    assert run_both(C, scene(rng, 30, 30, 20, 2000.0), strict) > 0


def test_many_targets_and_an_empty_batch(C) -> None:  # noqa: ANN001
    rng = np.random.default_rng(7)
    params = FusionParams()
    batches = list(scene(rng, 2000, 6, 500, 50_000.0))
    t_s = batches[-1][0] + 1.0
    batches.append((t_s, np.zeros((0, 2)), np.zeros((0, 2, 2)), np.zeros(0, np.int64),
                    np.zeros((0, 3))))
    assert run_both(C, batches, params) > 2000


def dense_blob(rng: np.random.Generator, n: int) -> tuple:
    """n confirmed tracks and n reports all within one another's gates: one cluster
    larger than the compiled solver takes (kernels.DENSE_LIMIT)."""
    x = np.zeros((n, 4))
    x[:, :2] = rng.uniform(0, 30, (n, 2))
    P = np.tile(np.diag([400.0, 400.0, 1.0, 1.0]), (n, 1, 1))
    table = (np.arange(n, dtype=np.int64), x, P, np.ones(n, np.bool_),
             np.full((n, 3), 1 / 3), np.zeros(n), np.full(n, 5, np.int64), np.full(n, 9.0))
    z = np.ascontiguousarray(rng.uniform(0, 30, (n, 2)))
    R = np.tile(np.eye(2) * 100.0, (n, 1, 1))
    return table, z, R, np.zeros(n, np.int64), rng.uniform(0.1, 1, (n, 3))


def test_a_cluster_too_large_comes_back_the_same(C) -> None:  # noqa: ANN001
    rng = np.random.default_rng(3)
    params = FusionParams()
    table, z, R, sensor, lik = dense_blob(rng, 400)
    prm, lam = params.as_vector(), params.clutter_density_per_m2
    args = (*table, 1.0, z, R, sensor, lik, True, 1.0, 400, lam, prm)
    done_c, out_c = C.fuse(*args)
    done_n, out_n = K.fuse(*args)
    assert not done_c and not done_n
    same(out_c, out_n)
    # the stages one by one, as core._finish_with_scipy calls them
    xp_c, Pp_c = C.predict(table[1], table[2], 1.0, params.q_m2ps3)
    xp_n, Pp_n = K.predict(table[1], table[2], 1.0, params.q_m2ps3)
    same((xp_c, Pp_c), (xp_n, Pp_n))
    results = []
    for kernels in (C, K):
        got = np.full(400, -1, np.int64)
        free = np.ones(400, np.bool_)
        big = kernels.assign_stage(xp_n, Pp_n, table[3], z, R, sensor, free, params.gate, got)
        results.append((big, got, free))
    same(results[0], results[1])
    assert len(results[0][0][0]) == 2              # one cluster for scipy
    got = results[0][1].copy()
    got[:200] = np.arange(200)                     # as if scipy assigned them
    tail = (params.clutter_density_per_m2, params.pd, params.v0_mps,
            params.birth_density_per_m2, params.confirm_score, params.delete_after_s,
            params.tentative_delete_after_s, params.max_position_std_m)
    um = [k.update_manage(table[0], xp_n, Pp_n, *table[3:], got, z, R, sensor, lik, True,
                          1.0, 400, *tail) for k in (C, K)]
    same(um[0], um[1])


def test_small_clusters_stage_by_stage(C) -> None:  # noqa: ANN001
    rng = np.random.default_rng(11)
    for _, z, R, sensor, _lik in scene(rng, 60, 8, 40, 1000.0):
        n = 80
        x = np.zeros((n, 4))
        x[:, :2] = rng.uniform(0, 1000, (n, 2))
        P = np.tile(np.diag([300.0, 300.0, 1.0, 1.0]), (n, 1, 1))
        on = rng.random(n) < 0.7
        out = []
        for kernels in (C, K):
            got = np.full(n, -1, np.int64)
            free = rng.random(len(z)) < 2                # all True, a fresh array
            out.append((kernels.assign_stage(x, P, on, z, R, sensor, free, 4.0, got), got,
                        free))
        same(out[0], out[1])
        assert (out[0][1] >= 0).sum() > 10


def test_wrong_arrays_raise_instead_of_being_misread(C) -> None:  # noqa: ANN001
    params = FusionParams()
    table = empty_table()
    z, R = np.zeros((2, 2)), np.tile(np.eye(2), (2, 1, 1))
    good = (*table, 0.0, z, R, np.zeros(2, np.int64), np.zeros((0, 3)), False, 0.0, 0,
            1e-6, params.as_vector())
    assert C.fuse(*good)[0]
    bad = {8 + 1: np.zeros((2, 2), np.float32),               # z of float32
           8 + 2: np.zeros((3, 2, 2)),                        # R of another length
           8 + 3: np.zeros(2, np.int32),                      # sensor of int32
           1: np.zeros((0, 4)).T,                             # x (4, 0)
           17: np.zeros(3)}                                   # prm too short
    for at, value in bad.items():
        args = list(good)
        args[at] = value
        with pytest.raises((TypeError, ValueError)):
            C.fuse(*args)
    with pytest.raises(TypeError):
        C.fuse(*good[:-1])
    with pytest.raises(TypeError):
        C.predict([[0.0] * 4], np.zeros((1, 4, 4)), 1.0, 1.0)
    x = np.zeros((4, 8))[:, ::2]                              # not C-contiguous
    with pytest.raises(ValueError, match="C-contiguous"):
        C.predict(x, np.zeros((4, 4, 4)), 1.0, 1.0)


def test_a_wrong_table_array_is_named_in_the_error(C) -> None:  # noqa: ANN001
    """A track table's arrays are checked field by field (the label formatted only for
    the error): the wrong one, its dtype or its row count, is the one named."""
    params = FusionParams()
    z, R = np.zeros((2, 2)), np.tile(np.eye(2), (2, 1, 1))
    rest = (0.0, z, R, np.zeros(2, np.int64), np.zeros((0, 3)), False, 0.0, 0, 1e-6,
            params.as_vector())
    table = list(empty_table())
    table[5] = np.zeros(1)                                    # last_update_s: 1 row, not 0
    with pytest.raises(ValueError, match="fuse.last_update_s has 1 rows, expected 0"):
        C.fuse(*table, *rest)
    table = list(empty_table())
    table[7] = np.zeros(0, np.float32)                        # score of float32
    with pytest.raises(TypeError, match="fuse.score"):
        C.fuse(*table, *rest)
    table = list(empty_table())
    table[2] = np.zeros((0, 4, 3))                            # P (0, 4, 3)
    with pytest.raises(ValueError, match="fuse.P: dimension 2 is 3"):
        C.fuse(*table, *rest)
