"""Invariants of the fusion core under arbitrary inputs (Hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from command.fusion import FusionParams, TrackTable, fuse_batch
from command.fusion.assign import assign
from command.fusion.gating import gate_pairs
from command.fusion.kalman import predict_cv, update_joseph

FAST = settings(max_examples=60, deadline=None)


def covariance(sx, sy, rho):
    c = rho * sx * sy
    return np.array([[sx * sx, c], [c, sy * sy]])


def is_spd(P):
    return np.allclose(P, np.swapaxes(P, -1, -2), rtol=0, atol=1e-9 * np.abs(P).max()) and \
        (np.linalg.eigvalsh(P) > 0).all()


step = st.tuples(st.floats(0.0, 30.0),                     # dt, s
                 st.floats(-1e3, 1e3), st.floats(-1e3, 1e3),  # report offset, m
                 st.floats(1e-2, 1e3), st.floats(1e-2, 1e3),  # report std x, y, m
                 st.floats(-0.99, 0.99),                      # correlation
                 st.booleans())                               # update or coast


@FAST
@given(st.lists(step, min_size=1, max_size=40), st.floats(0.0, 10.0))
def test_covariance_stays_symmetric_positive_definite(steps, q):
    x = np.zeros((1, 4))
    P = np.diag([100.0, 100.0, 2.25, 2.25])[None]
    for dt, ox, oy, sx, sy, rho, has_report in steps:
        x, P = predict_cv(x, P, dt, q)
        if has_report:
            z = x[:, :2] + [ox, oy]
            x, P = update_joseph(x, P, z, covariance(sx, sy, rho)[None])
        assert is_spd(P[0]), P[0]


points = st.lists(st.tuples(st.floats(0, 500), st.floats(0, 500)), min_size=0, max_size=25)


@FAST
@given(points, points, st.floats(1.0, 5.0))
def test_assignment_is_one_to_one_and_inside_the_gate(track_xy, report_xy, gate):
    n, m = len(track_xy), len(report_xy)
    x = np.zeros((n, 4))
    x[:, :2] = np.array(track_xy).reshape(n, 2)
    P = np.tile(np.diag([400.0, 400.0, 1.0, 1.0]), (n, 1, 1))
    z = np.array(report_xy).reshape(m, 2)
    R = np.tile(np.eye(2) * 225.0, (m, 1, 1))
    ti, rj, d2 = gate_pairs(x, P, z, R, gate)
    got = assign(ti, rj, d2, np.full(n, gate * gate), n, m)
    used = got[got >= 0]
    assert len(set(used.tolist())) == len(used)
    gated = set(zip(ti.tolist(), rj.tolist(), strict=True))
    for i, j in enumerate(got.tolist()):
        if j >= 0:
            assert (i, j) in gated
            nu = z[j] - x[i, :2]
            assert nu @ np.linalg.solve(P[i, :2, :2] + R[j], nu) <= gate * gate + 1e-9
        else:  # a track left unassigned has no free report in its gate
            free = {r for (t, r) in gated if t == i} - set(used.tolist())
            assert not free


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(0, 15))
def test_shuffling_the_rows_of_a_batch_changes_no_track(seed, n_targets, n_clutter):
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, 2000, (n_targets, 2))
    vel = rng.uniform(-2, 2, (n_targets, 2))
    tables = [TrackTable.empty(), TrackTable.empty()]
    params = FusionParams(clutter_density_per_m2=1e-7)
    for k in range(6):
        z = np.concatenate([start + k * vel + rng.normal(0, 15, start.shape),
                            rng.uniform(0, 2000, (n_clutter, 2))])
        R = np.tile(np.eye(2) * 225.0, (len(z), 1, 1))
        sensor = rng.integers(0, 3, len(z))
        perm = rng.permutation(len(z))
        a, ev_a = fuse_batch(tables[0], float(k), z, R, sensor, None, params)
        b, ev_b = fuse_batch(tables[1], float(k), z[perm], R[perm], sensor[perm], None, params)
        tables = [a, b]
        assert np.array_equal(ev_a.report_track[perm], ev_b.report_track)
        for name in ("ids", "x", "P", "is_confirmed", "score", "class_prob", "n_updates"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name
