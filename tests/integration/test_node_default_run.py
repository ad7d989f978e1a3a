"""On the default scenario, the node's compiled tick is exactly fusing batch by batch.

The reference is `FusionNode` with ``fuse=fuse_batch``: one call of the fusion core per
batch, the path the node took before its tick was compiled. The report stream that
reaches the node in a real default run is recorded and replayed through both; and
(slow) the whole run with the reference node gives byte-identical ``events.jsonl``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import simpy

import sim.engine
from command.fusion import fuse_batch, fuse_file
from command.nodes import FusionNode, border_fusion_params
from sim.ground.events import EventLog
from sim.results import events_jsonl, write_run_dir
from sim.scenario import load_scenario

ROOT = Path(__file__).parents[2]


class RecordingNode(FusionNode):
    """The default node, keeping every report as it arrives."""

    streams: list[list[tuple]] = []

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.stream: list[tuple] = []
        RecordingNode.streams.append(self.stream)

    def receive_row(self, meas_s, sensor, sensor_name, xy, cov, lik, k, report) -> None:  # noqa: ANN001
        self.stream.append((self.env.now, meas_s, sensor, sensor_name, np.array(xy[k]),
                            np.array(cov[k]), np.array(lik[k]), report))
        super().receive_row(meas_s, sensor, sensor_name, xy, cov, lik, k, report)


class ReferenceNode(FusionNode):
    """The node fusing batch by batch with `fuse_batch`."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, fuse=fuse_batch, **kwargs)


@pytest.fixture(scope="module")
def default():  # noqa: ANN201
    return load_scenario(ROOT / "scenarios" / "default.yaml")


@pytest.fixture(scope="module")
def recorded(default):  # noqa: ANN001, ANN201
    mp = pytest.MonkeyPatch()
    mp.setattr(sim.engine, "FusionNode", RecordingNode)
    RecordingNode.streams.clear()
    try:
        result = sim.engine.run_replication(default, 1)
    finally:
        mp.undo()
    (stream,) = RecordingNode.streams
    return result, stream


def _replay(stream: list[tuple], **kw) -> tuple[FusionNode, EventLog, list]:  # noqa: ANN003
    env, log = simpy.Environment(), EventLog()
    node = FusionNode(env, "post-1", 5.0, border_fusion_params(), log, **kw)
    calls: list = []
    node.on_fused.append(lambda reports, tracks: calls.append((reports, tracks)))

    def drive():  # noqa: ANN202
        for at, *args in stream:
            if at > env.now:
                yield env.timeout(at - env.now)
            node.receive(*args)

    env.process(drive())
    env.run(until=stream[-1][0] + 20.0)
    return node, log, calls


def test_replaying_the_default_stream_compiled_equals_batch_by_batch(recorded, default):  # noqa: ANN001
    result, stream = recorded
    assert default.command.fusion_interval_s == 5.0
    assert len(stream) > 10_000
    ref_node, ref_log, ref_calls = _replay(stream, fuse=fuse_batch)
    node, log, calls = _replay(stream)
    assert len(ref_calls) > 10_000                # batches
    assert calls == ref_calls                     # report → track, batch by batch
    assert log.records == ref_log.records         # confirmed/deleted/late/tick records
    for name in ("det_t", "det_sensor", "det_z", "det_R", "det_report", "det_track",
                 "trk_t", "trk_id", "trk_x"):
        assert np.array_equal(getattr(node.fused, name), getattr(ref_node.fused, name))
    for name in ("ids", "x", "P", "is_confirmed", "class_prob", "last_update_s",
                 "n_updates", "score"):
        assert np.array_equal(getattr(node.tracks, name), getattr(ref_node.tracks, name))
    # and the replay is what the run itself fused
    assert np.array_equal(node.fused.det_track, result.detections["track"])
    assert np.array_equal(node.fused.trk_x, result.tracks["x"])


@pytest.mark.slow
def test_the_default_run_with_the_reference_node_gives_the_same_bytes(recorded, default,  # noqa: ANN001
                                                                     monkeypatch):  # noqa: ANN001
    result, _ = recorded
    monkeypatch.setattr(sim.engine, "FusionNode", ReferenceNode)
    reference = sim.engine.run_replication(default, 1)
    assert events_jsonl([reference]) == events_jsonl([result])
    for part in ("detections", "tracks"):
        ours, theirs = getattr(result, part), getattr(reference, part)
        assert ours.keys() == theirs.keys()
        for key in ours:
            assert ours[key].dtype == theirs[key].dtype
            assert np.array_equal(ours[key], theirs[key]), (part, key)


def test_fusing_a_runs_detections_csv_reproduces_its_tracks_csv(tmp_path):  # noqa: ANN001
    tiny = load_scenario(ROOT / "scenarios" / "tiny.yaml")
    run = sim.engine.run_replication(tiny, 11)
    out = write_run_dir(tmp_path / "run", tiny, 11, [run], "test")
    replay = tmp_path / "replayed.csv"
    fuse_file(out / "detections.csv", replay, run.fusion_overrides)
    with open(out / "tracks.csv") as f:
        ours = [row[:4] for row in csv.reader(f)]
    with open(replay) as f:
        theirs = [row[:4] for row in csv.reader(f)]
    assert len(ours) > 10
    assert ours == theirs
