"""fuse_batch on small hand-made scenes."""

import numpy as np
import pytest

from command.fusion import FusionParams, TrackTable, fuse_batch


def walk(rng, n_targets, n_steps, sigma=10.0, spacing=2000.0):
    """Yield (t, z, R, truth xy) for targets walking at 1.5 m/s, all detected."""
    start = np.stack([np.arange(n_targets) * spacing, np.zeros(n_targets)], -1)
    vel = np.tile([0.5, 1.4], (n_targets, 1))
    for k in range(n_steps):
        truth = start + k * vel
        z = truth + rng.normal(0, sigma, truth.shape)
        R = np.tile(np.eye(2) * sigma**2, (n_targets, 1, 1))
        yield float(k), z, R, truth


def run(batches, params=None, class_lik=None):
    params = params or FusionParams()
    table, history = TrackTable.empty(), []
    for t, z, R, _ in batches:
        table, ev = fuse_batch(table, t, z, R, np.zeros(len(z), np.int64), class_lik, params)
        history.append((table, ev))
    return table, history


def test_two_targets_give_two_confirmed_tracks_close_to_the_truth():
    batches = list(walk(np.random.default_rng(0), 2, 30))
    table, history = run(batches)
    assert table.is_confirmed.sum() == 2 and len(table) == 2
    truth = batches[-1][3]
    err = np.linalg.norm(table.x[:, :2] - truth, axis=1)
    assert (err < 20).all()
    assert np.allclose(table.x[:, 2:], [0.5, 1.4], atol=0.4)
    # every report went to the track of its own target, from the first batch on
    ids0 = history[0][1].report_track
    assert all((ev.report_track == ids0).all() for _, ev in history)


def test_input_table_is_not_modified():
    batches = list(walk(np.random.default_rng(1), 3, 5))
    table, _ = run(batches[:4])
    before = (table.x.copy(), table.P.copy(), table.score.copy())
    t, z, R, _ = batches[4]
    fuse_batch(table, t, z, R, np.zeros(3, np.int64), None, FusionParams())
    assert np.array_equal(before[0], table.x) and np.array_equal(before[1], table.P)
    assert np.array_equal(before[2], table.score)


def test_a_silent_track_is_deleted_after_delete_after_s():
    params = FusionParams(delete_after_s=3.0)
    table, _ = run(list(walk(np.random.default_rng(2), 1, 10)), params)
    assert table.is_confirmed.all()
    empty = (np.zeros((0, 2)), np.zeros((0, 2, 2)), np.zeros(0, np.int64))
    table, ev = fuse_batch(table, 12.0, *empty, None, params)       # 3 s silent: kept
    assert len(table) == 1 and len(ev.deleted_ids) == 0
    tid = table.ids[0]
    table, ev = fuse_batch(table, 12.5, *empty, None, params)       # 3.5 s: deleted
    assert len(table) == 0 and ev.deleted_ids.tolist() == [tid]


@pytest.mark.parametrize("numpy_path", [False, True])
def test_a_stale_track_cannot_take_a_report_after_a_long_quiet_gap(numpy_path):
    from command.fusion.core import fuse_batch_numpy

    fuse = fuse_batch_numpy if numpy_path else fuse_batch
    params = FusionParams(delete_after_s=300.0, max_position_std_m=1e9)
    table, _ = run(list(walk(np.random.default_rng(4), 1, 10)), params)
    old = table.ids[0]
    # Three hours later a report 2 km away: within the stale track's grown gate, but
    # the track has been silent far longer than its limit and must not take it.
    t = 9.0 + 3 * 3600.0
    z, R = np.array([[2000.0, 2000.0]]), np.eye(2)[None] * 100.0
    table, ev = fuse(table, t, z, R, np.zeros(1, np.int64), None, params)
    assert old in ev.deleted_ids.tolist()
    assert ev.report_track[0] != old and old not in table.ids.tolist()
    # ...whereas a report within the revive window after the limit still saves it.
    table, _ = run(list(walk(np.random.default_rng(4), 1, 10)), params)
    near = table.x[0, :2] + 300.0 * table.x[0, 2:]
    t = 9.0 + 300.0 + 0.5 * params.revive_window_s
    table, ev = fuse(table, t, near[None], R, np.zeros(1, np.int64), None, params)
    assert ev.report_track[0] == old and len(ev.deleted_ids) == 0


@pytest.mark.parametrize("numpy_path", [False, True])
def test_a_report_too_coarse_to_keep_gets_the_id_it_used_up(numpy_path):
    from command.fusion.core import fuse_batch_numpy

    fuse = fuse_batch_numpy if numpy_path else fuse_batch
    params = FusionParams()                          # max_position_std_m = 500 m
    table, _ = run(list(walk(np.random.default_rng(4), 1, 3)), params)
    z = np.array([[9000.0, 9000.0], [-9000.0, 9000.0]])
    R = np.stack([np.eye(2) * 1e6, np.eye(2) * 100.0])    # std 1 km, then 10 m
    table2, ev = fuse(table, 3.0, z, R, np.zeros(2, np.int64), None, params)
    first = table.next_id
    # canonical order of new reports: by position, so the coarse one (x = 9000) is second
    assert ev.report_track.tolist() == [first + 1, first]
    assert ev.started_ids.tolist() == [first] and len(ev.deleted_ids) == 0
    assert first + 1 not in table2.ids.tolist() and table2.next_id == first + 2


def test_class_probabilities_follow_bayes_rule():
    lik = np.array([[0.6, 0.1, 0.3]])
    table, _ = run(list(walk(np.random.default_rng(3), 1, 3)), class_lik=lik)
    expected = lik[0] ** 3 / (lik[0] ** 3).sum()
    assert np.allclose(table.class_prob[0], expected)


def test_batch_before_the_table_time_is_refused():
    table, _ = run(list(walk(np.random.default_rng(4), 1, 3)))
    with pytest.raises(ValueError, match="before the table time"):
        fuse_batch(table, 1.0, np.zeros((1, 2)), np.eye(2)[None], np.zeros(1, np.int64),
                   None, FusionParams())


def test_clutter_alone_confirms_nothing_when_clutter_is_dense():
    rng = np.random.default_rng(5)
    table = TrackTable.empty()
    confirmed = 0
    for k in range(30):
        z = rng.uniform(0, 10_000, (100, 2))
        R = np.tile(np.eye(2) * 225.0, (100, 1, 1))
        table, ev = fuse_batch(table, float(k), z, R, np.zeros(100, np.int64), None,
                               FusionParams())
        confirmed += len(ev.confirmed_ids)
    assert confirmed <= 1
