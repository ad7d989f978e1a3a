"""Cluster-wise GNN against brute-force enumeration."""

import itertools

import numpy as np

from command.fusion.assign import assign, clusters


def brute_force_cost(n, m, pairs, miss):
    best = np.inf
    options = [[-1] + [j for (i2, j) in pairs if i2 == i] for i in range(n)]
    for choice in itertools.product(*options):
        used = [j for j in choice if j >= 0]
        if len(used) != len(set(used)):
            continue
        total = sum(miss[i] if j < 0 else pairs[(i, j)] for i, j in enumerate(choice))
        best = min(best, total)
    return best


def test_assignment_is_optimal_one_to_one_and_inside_the_gate():
    rng = np.random.default_rng(3)
    for _ in range(200):
        n, m = rng.integers(1, 6), rng.integers(1, 6)
        pairs = {(i, j): float(rng.uniform(0, 16)) for i in range(n) for j in range(m)
                 if rng.random() < 0.5}
        miss = np.full(n, 16.0)
        ti = np.array([p[0] for p in pairs], np.int64)
        rj = np.array([p[1] for p in pairs], np.int64)
        got = assign(ti, rj, np.array(list(pairs.values())), miss, n, m)
        used = got[got >= 0]
        assert len(used) == len(set(used.tolist()))
        assert all((i, j) in pairs for i, j in enumerate(got.tolist()) if j >= 0)
        total = sum(miss[i] if j < 0 else pairs[(i, j)] for i, j in enumerate(got.tolist()))
        assert np.isclose(total, brute_force_cost(n, m, pairs, miss))


def test_isolated_pair_is_taken_and_clusters_are_connected_components():
    got = assign(np.array([0, 1, 1]), np.array([0, 1, 2]), np.array([15.9, 3.0, 1.0]),
                 np.full(3, 16.0), 3, 3)
    assert got.tolist() == [0, 2, -1]
    t_lab, r_lab = clusters(np.array([0, 1, 1]), np.array([0, 1, 2]), 3, 4)
    assert t_lab[0] == r_lab[0] and t_lab[1] == r_lab[1] == r_lab[2]
    assert len({t_lab[0], t_lab[1], t_lab[2], r_lab[3]}) == 4
