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


def test_annotated_records_are_those_of_dataclasses_replace() -> None:
    """`annotate` fills the truth with each class's `record_maker`: every field kept,
    the same record (and JSON) as ``dataclasses.replace(rec, truth=...)``."""
    import dataclasses

    from sim.ground.events import (
        AlertRaised,
        AlertVerified,
        ReportOutOfSequence,
        TeamTasked,
        TrackConfirmed,
        record_json,
    )

    ledger = TruthLedger({9: 4})
    ledger.fused([9], [7])                                   # track 7: truth 4
    records = [TrackConfirmed(1.0, 7, 1.5, -2.25),
               AlertRaised(2.0, 3, 7, 1, 4, 10.5, 20.25, 0.7, 0.1, "post-1"),
               AlertVerified(3.0, 3, 2.5, "cam-01", "confirmed", 2),
               TeamTasked(4.0, 3, "team-01", "intercept", 5.0, 6.0, 4.5)]
    for rec in records:
        got = ledger.annotate(rec)
        want = dataclasses.replace(rec, truth=4)
        assert type(got) is type(want) and got == want
        assert record_json(got) == record_json(want)
    ledger = TruthLedger({11: -1})
    late = ReportOutOfSequence(5.0, "radar-01", 4.0, 11)
    assert ledger.annotate(late) == dataclasses.replace(late, truth=-1)
