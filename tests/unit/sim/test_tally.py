"""`sim.tally.ReportTally` with spill files: the values leave memory at every spill and
come back in order, so the delay KPIs and the per-link delays are those of a tally
that kept them all, to the bit."""

from __future__ import annotations

import pickle
import tempfile

import numpy as np

from sim.ground.events import ReportReceived
from sim.tally import ReportTally, times


def _reports(n: int, seed: int = 3) -> list[ReportReceived]:
    rng = np.random.default_rng(seed)
    meas = np.sort(rng.uniform(0.0, 1e5, n))
    delay = rng.exponential(2.0, n) * rng.choice([1e-3, 1.0, 1e3], n)
    return [ReportReceived(float(m + d), f"s{k % 3}", float(m), -1, 0.0, 0.0)
            for k, (m, d) in enumerate(zip(meas.tolist(), delay.tolist(), strict=True))]


def test_spilled_delays_give_the_kept_ones_numbers(tmp_path):  # noqa: ANN001
    records = _reports(2_501)
    kept = ReportTally.of(records)
    with (tempfile.TemporaryFile(dir=tmp_path) as a,
          tempfile.TemporaryFile(dir=tmp_path) as b):
        spilled = ReportTally((a, b))
        for i, rec in enumerate(records):
            spilled.add(rec)
            if i % 700 == 699:
                spilled.spill()
                assert len(spilled.delays_s) == 0          # nothing held after a spill
        assert spilled.delay_count == len(records) and len(spilled.delays_s) == 401
        assert spilled.delay_times("d") == kept.delay_times("d") \
            == times("d", kept.delays_s)
        got, want = spilled.delays_by_link(), kept.delays_by_link()
        assert got.keys() == want.keys()
        for name in want:
            assert got[name].tobytes() == want[name].tobytes()
        spilled.add(records[0])                            # still usable after reading
        assert spilled.delay_count == len(records) + 1
        copy = pickle.loads(pickle.dumps(spilled))         # spill read back into memory
        assert copy.delay_times("d") == spilled.delay_times("d")
    assert list(tmp_path.iterdir()) == []                  # anonymous files: no names


def test_no_reports_no_delays():
    assert ReportTally().delay_times("d") == {"d_mean_s": None, "d_median_s": None,
                                              "d_p90_s": None}
