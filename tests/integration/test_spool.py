"""A replication's large files streamed to disk (`sim.spool`): the bytes of the
whole-string writers, the same KPIs, and a memory that does not grow with the run."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim.spool as spool_module
from command.nodes import FusedLog
from sim.engine import run_replication
from sim.results import PER_REPLICATION, RESULT_JSON, replication_files
from sim.scenario import load_scenario
from sim.spool import STREAMED, Spool, StreamedLog

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny.yaml"

#: Small chunks, so a 12-hour run is written in dozens of them.
CHUNK = 500


@pytest.fixture
def small_chunks(monkeypatch):  # noqa: ANN001, ANN201
    """Chunks of `CHUNK` records and rows; records the most each buffer held."""
    held = {"records": 0, "det": 0, "trk": 0}
    flush, drain = StreamedLog.flush, FusedLog.drain

    def counting_flush(self):  # noqa: ANN001, ANN202
        held["records"] = max(held["records"], len(self.records))
        flush(self)

    def counting_drain(self, force=False):  # noqa: ANN001, ANN202
        if self.sink is not None:
            held["det"], held["trk"] = max(held["det"], self.k), max(held["trk"], self.j)
        drain(self, force)

    monkeypatch.setattr(spool_module, "CHUNK_RECORDS", CHUNK)
    monkeypatch.setattr(spool_module, "CHUNK_ROWS", CHUNK)
    monkeypatch.setattr(StreamedLog, "flush", counting_flush)
    monkeypatch.setattr(FusedLog, "drain", counting_drain)
    return held


def _streamed(scenario, folder: Path, seed: int = 11, replication: int = 0):  # noqa: ANN001, ANN202
    folder.mkdir(parents=True, exist_ok=True)
    spool = Spool(folder, replication)
    try:
        res = run_replication(scenario, seed, replication, spool=spool)
    finally:
        spool.close()
    return res


def test_streamed_files_are_the_whole_string_writers_bytes(tmp_path, small_chunks):  # noqa: ANN001
    tiny = load_scenario(TINY)
    whole = run_replication(tiny, 11, 2)
    streamed = _streamed(tiny, tmp_path / "spool", 11, 2)
    expected = replication_files(whole)
    got = replication_files(streamed)
    assert set(got) == set(PER_REPLICATION) - set(STREAMED) | {RESULT_JSON}
    for name in STREAMED:                        # written to disk as the run went
        text = (tmp_path / "spool" / name).read_text(encoding="utf-8")
        assert text.count("\n") > 3 * CHUNK, name
        assert text == expected[name], name
    for name, text in got.items():               # the rest from what was kept
        assert text == expected[name], name
    assert streamed.kpis == whole.kpis
    assert streamed.streamed == STREAMED and whole.streamed == ()
    assert small_chunks["records"] <= CHUNK


def test_memory_held_does_not_grow_with_the_duration(tmp_path, small_chunks):  # noqa: ANN001
    """Twice the duration writes about twice the rows, but the buffers hold at most a
    chunk (and one fusion tick's rows), and what is kept — the records KPIs and the
    small files read — is a small share of the log that grows with the crossings."""
    written, kept = {}, {}
    for hours in (6, 12):
        scenario = load_scenario(TINY, [f"duration={hours}h"])
        res = _streamed(scenario, tmp_path / f"h{hours}")
        written[hours] = sum((tmp_path / f"h{hours}" / n).read_text().count("\n")
                             for n in STREAMED)
        kept[hours] = len(res.records)
        assert kept[hours] < 0.05 * written[hours]
        assert not res.detections and not res.tracks
    assert written[12] > 1.6 * written[6]
    assert small_chunks["records"] <= CHUNK
    one_tick = 200                                # rows one tick adds, at most, on tiny
    assert small_chunks["det"] <= CHUNK + one_tick
    assert small_chunks["trk"] <= CHUNK + one_tick


def test_first_report_of_a_track_survives_the_rows_handed_over():
    import numpy as np

    log = FusedLog()
    log.sink = lambda f: None
    log.drain_rows = 2

    def batch(t: float, tracks: list[int]) -> None:
        m = len(tracks)
        log.append(np.full(m, t), np.zeros(m, np.int64), np.zeros((m, 2)),
                   np.zeros((m, 2, 2)), np.arange(m), np.array(tracks, np.int64),
                   np.empty(0), np.empty(0, np.int64), np.empty((0, 4)))

    batch(1.0, [7, 8])
    log.drain()
    assert log.k == 0
    batch(2.0, [8, 9])
    assert log.first_time(7) == 1.0 and log.first_time(8) == 1.0
    assert log.first_time(9) == 2.0
    assert np.isnan(log.first_time(10))


def test_a_replication_failing_after_it_streamed_leaves_nothing(tmp_path, monkeypatch):  # noqa: ANN001
    import sim.experiment as experiment

    def boom(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("formatting failed")

    monkeypatch.setattr(experiment, "replication_files", boom)
    out = tmp_path / "run"
    with pytest.raises(RuntimeError):
        experiment.run_experiment(load_scenario(TINY, ["duration=2h"]), 1, 1, out,
                                  version="t")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_per_report_and_per_track_state_does_not_grow_with_the_duration(
        tmp_path, small_chunks, monkeypatch):  # noqa: ANN001
    """What a replication holds per report (delays, truth, overtaken numbers) and per
    track (sensors, truth counts) is bounded by one chunk, the reports in flight and
    the live tracks, not by the reports and tracks of the whole run."""
    import sim.engine as engine

    made: dict[str, object] = {}

    class Ledger(engine.TruthLedger):
        def __init__(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN204
            super().__init__(*args, **kwargs)
            made["ledger"] = self

    class Node(engine.FusionNode):
        def __init__(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN204
            super().__init__(*args, **kwargs)
            made["node"] = self

    monkeypatch.setattr(engine, "TruthLedger", Ledger)
    monkeypatch.setattr(engine, "FusionNode", Node)
    seen = {}
    for hours in (6, 12):
        res = _streamed(load_scenario(TINY, [f"duration={hours}h"]), tmp_path / f"h{hours}")
        ledger, node, tally = made["ledger"], made["node"], res.reports
        live = set(node.tracks.ids.tolist())
        assert set(ledger._tracks) <= live and set(node._sensors) <= live
        assert len(tally.delays_s) == 0 and tally.delay_count == tally.received
        seen[hours] = (tally.received, node.tracks.next_id, len(ledger.report_truth),
                       len(node._overtaken_ids), len(ledger.fused_truth))
    (r6, t6, *held6), (r12, t12, *held12) = seen[6], seen[12]
    assert r12 > 1.6 * r6 and t12 > 1.6 * t6 and r6 > 3 * CHUNK   # the run did grow
    for held in (held6, held12):
        in_flight, overtaken, undrained = held
        assert in_flight <= 50 and overtaken <= 50           # reports in flight only
        assert undrained == 0                                # all handed to the spool
