"""The C run over a sorted file's batches (``fuse_sorted``) gives the tracks of the
``fuse_batch`` loop, bit for bit, including around batches it hands back for scipy."""

from types import SimpleNamespace

import numpy as np
import pytest

from command.fusion import prebuilt, replay
from command.fusion.csvio import Detections
from command.fusion.params import FusionParams
from command.fusion.tracks import TrackTable

C = prebuilt.load()
pytestmark = pytest.mark.skipif(C is None, reason="the C kernels are not built")


def moving_targets(rng: np.random.Generator, n_targets: int, n_scans: int,
                   clutter: int) -> list[tuple[float, np.ndarray, np.ndarray, np.ndarray]]:
    """Batches (t, z, R, sensor) of constant-velocity targets seen with p = 0.9, plus
    uniform clutter, on a 1 s scan over 5 km."""
    pos = rng.uniform(0, 5000, (n_targets, 2))
    vel = rng.normal(0, 2, (n_targets, 2))
    batches = []
    for k in range(n_scans):
        seen = pos[rng.random(n_targets) < 0.9]
        z = np.vstack([seen + rng.normal(0, 10, seen.shape),
                       rng.uniform(0, 5000, (clutter, 2))])
        R = np.tile(np.eye(2) * 100.0, (len(z), 1, 1))
        batches.append((float(k), z, R, rng.integers(0, 4, len(z))))
        pos = pos + vel
    return batches


def crowd(rng: np.random.Generator, n: int, t0: float, n_scans: int) -> list:
    """n reports a scan in a 30 m square: once the tracks exist, one cluster larger
    than the compiled solver takes (kernels.DENSE_LIMIT), so the batch needs scipy."""
    return [(t0 + k, rng.uniform(0, 30, (n, 2)), np.tile(np.eye(2) * 100.0, (n, 1, 1)),
             np.zeros(n, np.int64)) for k in range(n_scans)]


def as_detections(batches: list) -> Detections:
    t = np.concatenate([np.full(len(z), t) for t, z, _, _ in batches])
    return Detections(t_s=t, sensor=np.concatenate([s for *_, s in batches]).astype(np.int64),
                      z=np.concatenate([z for _, z, _, _ in batches]),
                      R=np.concatenate([R for _, _, R, _ in batches]))


def loop_of_fuse_batch(det: Detections, params: FusionParams) -> tuple:
    """The reference: every batch through ``fuse_batch``, the confirmed rows kept."""
    starts, ends = det.batches()
    table = TrackTable.empty()
    t, ids, x = [], [], []
    for s, e in zip(starts, ends, strict=True):
        table, _ = replay.fuse_batch(table, float(det.t_s[s]), det.z[s:e], det.R[s:e],
                                     det.sensor[s:e], None, params)
        conf = table.is_confirmed
        t.append(np.full(int(conf.sum()), det.t_s[s]))
        ids.append(table.ids[conf])
        x.append(table.x[conf])
    return np.concatenate(t), np.concatenate(ids), np.concatenate(x)


def batches_handed_back(monkeypatch) -> list[float]:  # noqa: ANN001
    """The times of the batches ``replay`` gives ``fuse_batch`` from now on (filled as
    they come)."""
    handed_back: list[float] = []
    real = replay.fuse_batch

    def spy(table, t_s, *rest):  # noqa: ANN001, ANN002, ANN202
        handed_back.append(t_s)
        return real(table, t_s, *rest)

    monkeypatch.setattr(replay, "fuse_batch", spy)
    return handed_back


def assert_same_rows(got: tuple, want: tuple) -> None:
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape
        assert g.tobytes() == w.tobytes()


def test_the_c_run_gives_the_loops_tracks_bit_for_bit() -> None:
    rng = np.random.default_rng(11)
    det = as_detections(moving_targets(rng, 60, 80, 15))
    params = FusionParams()
    got = replay.track_detections(det, params)
    assert got[3] is None
    want = loop_of_fuse_batch(det, params)
    assert len(want[0]) > 2000          # tracks were confirmed and carried
    assert_same_rows(got[:3], want)


def test_stale_tracks_are_dropped_across_gaps_as_the_loop_drops_them() -> None:
    rng = np.random.default_rng(5)
    early = moving_targets(rng, 30, 20, 5)
    late = [(t + 400.0, z, R, s) for t, z, R, s in moving_targets(rng, 30, 20, 5)]
    det = as_detections(early + late)
    params = FusionParams().with_overrides({"delete_after_s": "30"})
    want = loop_of_fuse_batch(det, params)
    assert len(np.unique(want[1][want[0] < 100])) and not np.isin(
        want[1][want[0] > 400], want[1][want[0] < 100]).any()   # none survives the gap
    assert_same_rows(replay.track_detections(det, params)[:3], want)


def test_batches_needing_scipy_go_through_fuse_batch_in_between(monkeypatch) -> None:
    rng = np.random.default_rng(2)
    before = moving_targets(rng, 20, 10, 3)
    dense = crowd(rng, 400, 10.0, 3)
    after = [(t + 13.0, z, R, s) for t, z, R, s in moving_targets(rng, 20, 10, 3)]
    det = as_detections(before + dense + after)
    params = FusionParams()
    want = loop_of_fuse_batch(det, params)
    handed_back = batches_handed_back(monkeypatch)
    got = replay.track_detections(det, params)
    assert handed_back and set(handed_back) <= {10.0, 11.0, 12.0}
    assert_same_rows(got[:3], want)


def test_an_empty_file_gives_no_rows() -> None:
    det = Detections(t_s=np.zeros(0), sensor=np.zeros(0, np.int64), z=np.zeros((0, 2)),
                     R=np.zeros((0, 2, 2)))
    t, ids, x, extra = replay.track_detections(det, FusionParams())
    assert len(t) == len(ids) == len(x) == 0 and x.shape == (0, 4) and extra is None


def test_bad_batch_pointers_raise_instead_of_reading_past_the_rows() -> None:
    table = TrackTable.empty()
    arrays = (table.ids, table.x, table.P, table.is_confirmed, table.class_prob,
              table.last_update_s, table.n_updates, table.score)
    z, R, s = np.zeros((3, 2)), np.tile(np.eye(2), (3, 1, 1)), np.zeros(3, np.int64)
    params = FusionParams()
    with pytest.raises(ValueError, match="ptr must rise"):
        C.fuse_sorted(arrays, 0.0, 0, np.zeros(1), np.array([0, 5], np.int64), 0, 1, z, R,
                      s, params.as_vector(), 1e-6, 0.0)
    with pytest.raises(ValueError, match="b0 <= nb"):
        C.fuse_sorted(arrays, 0.0, 0, np.zeros(1), np.array([0, 3], np.int64), 2, 1, z, R,
                      s, params.as_vector(), 1e-6, 0.0)


def test_the_c_run_gives_the_loops_extra_columns_bit_for_bit(monkeypatch) -> None:
    rng = np.random.default_rng(3)
    before = moving_targets(rng, 20, 10, 3)
    dense = crowd(rng, 400, 10.0, 3)                 # batches handed back for scipy
    after = [(t + 13.0, z, R, s) for t, z, R, s in moving_targets(rng, 20, 30, 3)]
    det = as_detections(before + dense + after)
    params = FusionParams()
    handed_back = batches_handed_back(monkeypatch)
    got = replay.track_detections(det, params, extra_columns=True)
    assert handed_back and set(handed_back) <= {10.0, 11.0, 12.0}   # the rest ran in C
    monkeypatch.setattr(replay, "prebuilt", SimpleNamespace(load=lambda: None))
    want = replay.track_detections(det, params, extra_columns=True)   # the fuse_batch loop
    assert_same_rows(got[:3], want[:3])
    (v_got, status_got, cp_got), (v_want, status_want, cp_want) = got[3], want[3]
    assert_same_rows((v_got, cp_got), (v_want, cp_want))
    assert status_got == status_want and {"updated", "coasted"} <= set(status_want)
