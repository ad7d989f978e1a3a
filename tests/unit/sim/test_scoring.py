"""The scorer's ledger: a batch of several reports counts as its reports one by one.

`TruthLedger.fused` writes out the one-report batch (the usual one) and loops over a
longer batch; both must give the same truths in fusion order and the same majority
truth of every track (ties: the smaller id).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.scoring import TruthLedger


def _batches(seed: int) -> list[tuple[list[int], list[int]]]:
    """Batches of 1 to 4 reports into tracks -1 … 5, report ids in order."""
    rng = np.random.default_rng(seed)
    out, rid = [], 0
    for _ in range(300):
        m = int(rng.integers(1, 5))
        out.append((list(range(rid, rid + m)), rng.integers(-1, 6, m).tolist()))
        rid += m
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batches_and_single_reports_give_the_same_ledger(seed: int) -> None:
    batches = _batches(seed)
    rids = [r for reports, _ in batches for r in reports]
    truth = {r: int(t) for r, t in zip(rids, np.random.default_rng(seed).integers(-1, 4, len(rids)),
                                       strict=True)}
    whole, single = TruthLedger(dict(truth)), TruthLedger(dict(truth))
    for reports, tracks in batches:
        whole.fused(reports, tracks)
        for r, t in zip(reports, tracks, strict=True):
            single.fused([r], [t])
    assert not whole.report_truth and not single.report_truth
    np.testing.assert_array_equal(whole.take_fused(len(rids)), [truth[r] for r in rids])
    np.testing.assert_array_equal(single.take_fused(len(rids)), [truth[r] for r in rids])
    for track in range(-1, 7):
        joined = [truth[r] for reports, tracks in batches
                  for r, t in zip(reports, tracks, strict=True) if t == track and t >= 0]
        expect = -1 if not joined else min(set(joined), key=lambda v: (-joined.count(v), v))
        assert whole.track_truth(track) == single.track_truth(track) == expect


def test_fused_refuses_batches_of_unequal_lengths() -> None:
    ledger = TruthLedger({0: 1, 1: 2})
    with pytest.raises(ValueError):
        ledger.fused([0, 1], [3])
