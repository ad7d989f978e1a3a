"""The local fusion node: tick clock, batching, out-of-sequence rule, reorder buffer."""

from __future__ import annotations

import numpy as np
import pytest

from command.fusion import FusionEvents, TrackTable, fuse_batch
from command.nodes import CoarseReport, FusionNode, border_fusion_params
from sim.ground.events import ReportOutOfSequence, TrackDeleted


class RecordingFuse:
    """A fuse_batch stand-in: remembers every call, makes no tracks."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, list[int]]] = []

    def __call__(self, tracks, t_s, z, R, sensor, class_lik, params):  # noqa: ANN001, ANN204
        self.calls.append((t_s, sensor.tolist()))
        m = len(z)
        empty = np.zeros(0, np.int64)
        events = FusionEvents(np.full(m, -1, np.int64), empty, empty, empty,
                              np.zeros(0, bool))
        return tracks, events


def _node(env, log, interval=5.0, fuse=None):  # noqa: ANN001, ANN202
    return FusionNode(env, "post-1", interval, border_fusion_params(), log,
                      fuse=fuse or RecordingFuse())


def _send(env, node, at_s, meas_s, sensor=0, report=0):  # noqa: ANN001, ANN202
    def proc():  # noqa: ANN202
        yield env.timeout(at_s)
        node.receive(meas_s, sensor, f"s-{sensor}", np.array([0.0, 0.0]), np.eye(2),
                     np.ones(3), report)
    env.process(proc())


def test_a_tick_fuses_reports_that_arrived_strictly_before_it(env, log):
    fuse = RecordingFuse()
    node = _node(env, log, fuse=fuse)
    _send(env, node, 4.0, 3.0)
    _send(env, node, 5.0, 4.5)     # arrives exactly at the tick: waits for the next
    env.run(until=11.0)
    assert fuse.calls == [(3.0, [0]), (4.5, [0])]
    ticks = [r.t_s for r in log.records if r.kind == "fusion"]
    assert ticks == [5.0, 10.0]


def test_one_call_per_measurement_time_in_time_order_sorted_by_sensor(env, log):
    fuse = RecordingFuse()
    node = _node(env, log, fuse=fuse)
    _send(env, node, 1.0, 2.0, sensor=3)
    _send(env, node, 2.0, 1.0, sensor=1)
    _send(env, node, 3.0, 2.0, sensor=0)
    env.run(until=6.0)
    assert fuse.calls == [(1.0, [1]), (2.0, [0, 3])]


def test_reports_at_or_before_the_last_fused_time_are_discarded_and_counted(env, log):
    fuse = RecordingFuse()
    node = _node(env, log, fuse=fuse)
    _send(env, node, 1.0, 3.0)
    _send(env, node, 6.0, 2.0, report=4)   # older than the fused 3.0
    _send(env, node, 7.0, 3.0, report=5)   # equal to it
    _send(env, node, 8.0, 3.5)
    env.run(until=20.0)
    assert fuse.calls == [(3.0, [0]), (3.5, [0])]
    assert node.out_of_sequence == 2
    late = [r for r in log.records if isinstance(r, ReportOutOfSequence)]
    assert [r.report for r in late] == [4, 5]
    assert len(node.fused.det_t) == 2


def test_an_idle_node_does_not_tick(env, log):
    node = _node(env, log)
    _send(env, node, 1000.0, 999.0)
    env.run(until=2000.0)
    assert [r.t_s for r in log.records if r.kind == "fusion"] == [1000.0 + 5.0]
    assert node.next_tick_after(10.0) == 15.0
    assert node.next_tick_after(12.5) == 15.0


def test_with_the_real_core_a_walker_becomes_a_confirmed_track(env, log):
    node = FusionNode(env, "post-1", 5.0, border_fusion_params(), log)
    joined: list[tuple[list[int], list[int]]] = []
    node.on_fused.append(lambda reports, tracks: joined.append((reports, tracks)))
    for k in range(10):
        def proc(k=k):  # noqa: ANN202
            yield env.timeout(2.0 * k + 0.5)
            node.receive(2.0 * k, 0, "radar-01", np.array([1.2 * 2.0 * k, 0.0]),
                         np.eye(2) * 25.0, np.array([0.8, 0.1, 0.1]), 100 + k)
        env.process(proc())
    env.run(until=30.0)
    assert isinstance(node.tracks, TrackTable)
    assert node.tracks.is_confirmed.sum() == 1
    track = int(node.tracks.ids[0])
    assert [r for reports, _ in joined for r in reports] == list(range(100, 110))
    assert {t for _, tracks in joined for t in tracks} == {track}
    assert node.track_sensor_count(track) == 1
    est = node.track_estimate(track)
    assert est is not None and est.confirmed and est.last_update_s == 18.0
    assert est.predict(20.0)[0] == pytest.approx(24.0, abs=5.0)
    assert est.predict(1e6, max_ahead_s=2.0)[0] == pytest.approx(24.0, abs=5.0)
    assert node.track_estimate(999) is None
    assert [r.kind for r in log.records].count("track_confirmed") == 1


def _lagged(env, log, lag_s, fuse):  # noqa: ANN001, ANN202
    return FusionNode(env, "post-1", 5.0, border_fusion_params(), log, fuse=fuse, lag_s=lag_s)


def _slow_link_case(env, node):  # noqa: ANN001, ANN202
    _send(env, node, 3.1, 3.0, sensor=0, report=1)    # a fast radar plot
    _send(env, node, 6.0, 2.0, sensor=1, report=2)    # a slow radio: 4 s on the way
    _send(env, node, 12.0, 1.0, sensor=1, report=3)   # 11 s on the way


def test_without_a_lag_a_slow_links_report_behind_a_fast_one_is_discarded(env, log):
    fuse = RecordingFuse()
    node = _lagged(env, log, 0.0, fuse)
    _slow_link_case(env, node)
    env.run(until=30.0)
    assert fuse.calls == [(3.0, [0])]
    assert (node.out_of_sequence, node.overtaken, node.overtaken_discarded) == (2, 2, 2)


def test_a_slow_links_report_within_the_lag_is_fused_in_measurement_order(env, log):
    fuse = RecordingFuse()
    node = _lagged(env, log, 5.0, fuse)
    _slow_link_case(env, node)
    env.run(until=30.0)
    # held until 2 + 5 = 7 and 3 + 5 = 8: both fused at the tick of 10 s, in order;
    # the one 11 s late (more than the lag) is still discarded, and counted
    assert fuse.calls == [(2.0, [1]), (3.0, [0])]
    assert [r.t_s for r in log.records if r.kind == "fusion"] == [10.0, 15.0]
    assert (node.out_of_sequence, node.overtaken, node.overtaken_discarded) == (1, 2, 1)
    late = [r for r in log.records if isinstance(r, ReportOutOfSequence)]
    assert [r.report for r in late] == [3]


def test_the_lag_changes_nothing_for_reports_in_order_but_their_delay(env, log):
    fuse = RecordingFuse()
    node = _lagged(env, log, 2.0, fuse)
    _send(env, node, 1.0, 1.0)
    _send(env, node, 9.0, 8.5)
    env.run(until=30.0)
    assert fuse.calls == [(1.0, [0]), (8.5, [0])]
    assert [r.t_s for r in log.records if r.kind == "fusion"] == [5.0, 15.0]


@pytest.mark.parametrize("compiled", [True, False])
def test_a_report_too_coarse_for_a_track_is_kept_for_the_tick_then_deleted(env, log,
                                                                           compiled):
    # max_position_std_m is 1 km on the border: a report of std 2 km (a drag road's sign
    # hours old)
    # starts a track deleted at once. The node keeps it for the tick's listeners, with
    # the id it used up, its position and its class likelihood normalised.
    node = FusionNode(env, "post-1", 5.0, border_fusion_params(), log,
                      fuse=None if compiled else fuse_batch)
    seen = []

    class Listener:
        def evaluate(self, now_s, node):  # noqa: ANN001, ANN202
            seen.append((now_s, list(node.coarse),
                         [node.track_sensors(c.track) for c in node.coarse]))

    node.listeners.append(Listener())

    def proc():  # noqa: ANN202
        yield env.timeout(1.0)
        node.receive(1.0, 0, "radar-01", np.array([0.0, 0.0]), np.eye(2) * 25.0,
                     np.array([0.5, 0.2, 0.3]), 1)
        node.receive(1.0, 3, "dragroad-01", np.array([4000.0, 300.0]), np.eye(2) * 4e6,
                     np.array([2.0, 1.0, 1.0]), 2)
    env.process(proc())
    env.run(until=6.0)
    held = node.tracks.ids.tolist()
    assert held == [0]                             # the radar's report: track 0, held
    assert seen == [(5.0, [CoarseReport(1, 3, 4000.0, 300.0, (0.5, 0.25, 0.25))],
                     [frozenset({3})])]
    assert node.fused.det_track.tolist() == [0, 1]
    deleted = [r for r in log.records if isinstance(r, TrackDeleted)]
    assert [(r.t_s, r.track) for r in deleted] == [(5.0, 1)]
    assert node.track_sensors(1) == frozenset() and node.tracks.next_id == 2
    assert node.coarse == []                       # kept for the listeners only


def test_the_nodes_table_constructor_makes_what_the_dataclass_makes():
    """`_new_table` writes the fields one by one: every field of `TrackTable`, the
    same values, in declaration order (a field added to the table must be added there)."""
    from dataclasses import fields

    from command.nodes import _new_table

    rng = np.random.default_rng(0)
    cols = (np.arange(3), rng.random((3, 4)), rng.random((3, 4, 4)), np.ones(3, bool),
            rng.random((3, 3)), rng.random(3), np.arange(3), rng.random(3))
    made = _new_table(cols, 12.5, 7)
    ref = TrackTable(*cols, time_s=12.5, next_id=7)
    names = [f.name for f in fields(TrackTable)]
    assert list(vars(made)) == names
    assert all(getattr(made, n) is c for n, c in zip(names[:8], cols, strict=True))
    assert all(getattr(ref, n) is c for n, c in zip(names[:8], cols, strict=True))
    assert (made.time_s, made.next_id) == (ref.time_s, ref.next_id) == (12.5, 7)
    with pytest.raises(AttributeError):            # still frozen
        made.time_s = 0.0  # type: ignore[misc]
