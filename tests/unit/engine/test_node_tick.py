"""The local node's compiled tick gives exactly what fusing batch by batch gives.

`FusionNode` fuses a whole tick in one call of `command.fusion.batches.fuse_tick`;
with ``fuse=fuse_batch`` it calls the fusion core once per batch (the reference).
Both are fed the same seeded report streams — walkers, clutter, reports overtaken on
their links (late ones), equal measurement times from several sensors, quiet hours
(stale tracks deleted before association) — and must give the same records,
listener calls, fused log and track table, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from command.fusion import fuse_batch
from command.nodes import FusionNode, border_fusion_params
from sim.ground.events import EventLog


def make_stream(seed: int, n_walkers: int = 6, duration_s: float = 3_000.0,
                clutter_per_look: float = 0.3) -> list[tuple]:
    """(arrival_s, meas_s, sensor, name, z, R, lik, report) rows, in arrival order."""
    rng = np.random.default_rng(seed)
    rows = []
    report = 0
    for sensor, revisit in enumerate((2.0, 2.0, 5.0)):
        t0 = rng.uniform(0, revisit)
        looks = np.arange(t0, duration_s, revisit)
        start = rng.uniform(0, duration_s * 0.8, n_walkers)
        life = rng.uniform(60, 900, n_walkers)
        p0 = rng.uniform(-3000, 3000, (n_walkers, 2))
        v = rng.normal(0, 1.2, (n_walkers, 2))
        for t in looks:
            if 1_000.0 < t < 2_000.0:   # quiet: stale tracks go before association
                continue
            alive = (start <= t) & (t <= start + life) & (rng.random(n_walkers) < 0.9)
            pos = p0[alive] + v[alive] * (t - start[alive, None])
            n_c = rng.poisson(clutter_per_look)
            pos = np.vstack([pos, rng.uniform(-4000, 4000, (n_c, 2))])
            sigma = 10.0 + 5.0 * sensor
            for z in pos + rng.normal(0, sigma, pos.shape):
                delay = rng.exponential(1.5) if rng.random() < 0.9 else rng.uniform(5, 15)
                lik = rng.dirichlet(np.ones(3))
                rows.append((t + delay, float(t), sensor, f"s-{sensor:02d}", z,
                             np.eye(2) * sigma**2, lik, report))
                report += 1
    rows.sort(key=lambda r: (r[0], r[7]))
    return rows


def replay(stream: list[tuple], **node_kw) -> tuple[FusionNode, EventLog, list]:
    env = simpy.Environment()
    log = EventLog()
    limit = node_kw.pop("batch_limit", None)
    node = FusionNode(env, "post-1", 5.0, border_fusion_params(), log, **node_kw)
    if limit is not None:
        node._batch_limit = limit
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


FUSED = ("det_t", "det_sensor", "det_z", "det_R", "det_report", "det_track", "trk_t",
         "trk_id", "trk_x")
TABLE = ("ids", "x", "P", "is_confirmed", "class_prob", "last_update_s", "n_updates",
         "score")


def assert_same(a: tuple, b: tuple) -> None:
    (na, la, ca), (nb, lb, cb) = a, b
    assert la.records == lb.records
    assert ca == cb
    for name in FUSED:
        x, y = getattr(na.fused, name), getattr(nb.fused, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    for name in TABLE:
        x, y = getattr(na.tracks, name), getattr(nb.tracks, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    assert (na.tracks.time_s, na.tracks.next_id) == (nb.tracks.time_s, nb.tracks.next_id)
    assert na.out_of_sequence == nb.out_of_sequence
    assert na.last_fused_s == nb.last_fused_s
    for track in na.tracks.ids.tolist():
        ea, eb = na.track_estimate(track), nb.track_estimate(track)
        assert ea.sensors == eb.sensors and ea.last_update_s == eb.last_update_s
        assert np.array_equal(ea.x, eb.x) and np.array_equal(ea.P, eb.P)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compiled_tick_equals_batch_by_batch(seed: int) -> None:
    stream = make_stream(seed)
    ref = replay(stream, fuse=fuse_batch)
    new = replay(stream)
    kinds = {r.kind for r in ref[1].records}
    assert {"track_confirmed", "track_deleted", "fusion"} <= kinds
    assert ref[0].out_of_sequence > 0          # the stream does exercise late reports
    assert ref[0].tracks.is_confirmed.any()
    after_quiet = [r for r in ref[1].records
                   if r.kind == "track_deleted" and 2_000.0 < r.t_s < 2_010.0]
    assert after_quiet                          # ... and the pre-association deletion
    assert_same(ref, new)


@pytest.mark.parametrize("limit", [1, 2])
def test_continuing_after_a_batch_fused_by_fuse_batch_changes_nothing(limit: int) -> None:
    # with a batch limit the node fuses the batch after each compiled run with
    # fuse_batch (the path a batch needing scipy takes), then resumes compiled
    stream = make_stream(4)
    assert_same(replay(stream, fuse=fuse_batch), replay(stream, batch_limit=limit))


def test_buffers_grow_dense_ticks_and_many_tracks() -> None:
    # hundreds of reports per tick, hundreds of tracks: pending buffers, work
    # buffers, the fused log and the table arena all outgrow their first size
    stream = make_stream(5, n_walkers=150, duration_s=400.0, clutter_per_look=40.0)
    ref, new = replay(stream, fuse=fuse_batch), replay(stream)
    assert len(ref[0].fused.det_t) > 5_000 and len(ref[0].fused.trk_t) > 2_000
    assert_same(ref, new)


def test_tables_handed_out_never_change_afterwards() -> None:
    stream = make_stream(6)
    env = simpy.Environment()
    node = FusionNode(env, "post-1", 5.0, border_fusion_params(), EventLog())
    seen: list = []

    class Keep:
        def evaluate(self, now_s: float, n: FusionNode) -> None:
            t = n.tracks
            seen.append((t, [getattr(t, name).copy() for name in TABLE]))

    node.subscribe(Keep())

    def drive():  # noqa: ANN202
        for at, *args in stream:
            if at > env.now:
                yield env.timeout(at - env.now)
            node.receive(*args)

    env.process(drive())
    env.run(until=stream[-1][0] + 20.0)
    assert len(seen) > 100
    for table, copies in seen:
        for name, copy in zip(TABLE, copies, strict=True):
            assert np.array_equal(getattr(table, name), copy)


def test_fused_log_columns_read_mid_run_are_not_changed_by_later_ticks() -> None:
    stream = make_stream(7)
    env = simpy.Environment()
    node = FusionNode(env, "post-1", 5.0, border_fusion_params(), EventLog())
    seen: list = []

    class Read:
        def evaluate(self, now_s: float, n: FusionNode) -> None:
            if len(seen) < 50:
                cols = [getattr(n.fused, name) for name in FUSED]
                seen.append((cols, [c.copy() for c in cols]))

    node.subscribe(Read())

    def drive():  # noqa: ANN202
        for at, *args in stream:
            if at > env.now:
                yield env.timeout(at - env.now)
            node.receive(*args)

    env.process(drive())
    env.run(until=stream[-1][0] + 20.0)
    for cols, copies in seen:
        for col, copy in zip(cols, copies, strict=True):
            assert np.array_equal(col, copy)


@pytest.mark.parametrize("layout", ["C", "F"])
def test_a_table_set_from_outside_is_the_one_fused_next(layout: str) -> None:
    """Also when its arrays are not C-contiguous (``layout`` "F": column-major copies;
    the node hands the kernel C-contiguous ones, `command.nodes._kernel_columns`)."""
    import dataclasses

    stream = make_stream(8)
    half = stream[-1][0] / 2
    results = []
    for kw in ({"fuse": fuse_batch}, {}):
        env = simpy.Environment()
        log = EventLog()
        node = FusionNode(env, "post-1", 5.0, border_fusion_params(), log, **kw)

        def drive(node=node, env=env):  # noqa: ANN001, ANN202
            for at, *args in stream:
                if at > env.now:
                    yield env.timeout(at - env.now)
                node.receive(*args)

        def shift(node=node, env=env):  # noqa: ANN001, ANN202
            yield env.timeout(half)
            t = node.tracks
            node.tracks = dataclasses.replace(t, x=np.asarray(t.x + 5.0, order=layout),
                                              P=np.asarray(t.P * 1.5, order=layout),
                                              class_prob=np.asarray(t.class_prob,
                                                                    order=layout))

        env.process(drive())
        env.process(shift())
        env.run(until=stream[-1][0] + 20.0)
        results.append((node, log, []))
    assert_same(*results)


@pytest.mark.parametrize(("seed", "kw"), [(1, {}), (4, {"batch_limit": 2}),
                                          (5, {"n_walkers": 150, "duration_s": 400.0,
                                               "clutter_per_look": 40.0})],
                         ids=["plain", "resumed", "dense"])
def test_the_c_tick_is_numbas_tick(seed: int, kw: dict, prebuilt_kernels,  # noqa: ANN001
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The node's tick by the C kernel (``csrc/batches.c``) and by its numba original
    (`command.fusion.batches`): the same records, log and table, bit for bit."""
    import command.nodes as nodes

    c_module = prebuilt_kernels("command.fusion")
    batches = pytest.importorskip("command.fusion.batches", reason="numba is not installed")
    batches.refresh_cache()
    stream_kw = {k: v for k, v in kw.items() if k != "batch_limit"}
    node_kw = {k: v for k, v in kw.items() if k == "batch_limit"}
    stream = make_stream(seed, **stream_kw)
    runs = []
    for kernel in (c_module, batches):
        monkeypatch.setattr(nodes, "_TICK_KERNEL", kernel)
        runs.append(replay(stream, **node_kw))
    assert_same(runs[0], runs[1])


def test_the_c_tick_refuses_buffers_too_small(prebuilt_kernels) -> None:  # noqa: ANN001
    """A buffer too small for the tick raises (numba's ``pycc`` build wrote past it)."""
    c_module = prebuilt_kernels("command.fusion")
    f8, i8 = np.float64, np.int64
    pending = (np.array([0.1, 0.2, 0.3]), np.array([0.0, 0.0, 0.1]), np.zeros(3, i8),
               np.arange(3, dtype=i8), np.array([[0.0, 0.0], [500.0, 0.0], [0.0, 900.0]]),
               np.tile(np.eye(2) * 100.0, (3, 1, 1)), np.full((3, 3), 1 / 3))

    def table(rows: int) -> tuple:
        return (np.zeros(rows, i8), np.zeros((rows, 4)), np.zeros((rows, 4, 4)),
                np.zeros(rows, np.bool_), np.zeros((rows, 3)), np.zeros(rows),
                np.zeros(rows, i8), np.zeros(rows))

    def det(rows: int) -> tuple:
        return (np.zeros(rows), np.zeros(rows, i8), np.zeros((rows, 2)),
                np.zeros((rows, 2, 2)), np.zeros(rows, i8), np.zeros(rows, i8))

    trk = (np.zeros(10), np.zeros(10, i8), np.zeros((10, 4)))
    work = tuple(np.zeros(10, i8 if k != 1 else f8) for k in range(6)) + (
        np.zeros((10, 2)), np.zeros(10, i8), np.zeros((10, 3)), np.zeros(30, i8))
    prm = border_fusion_params().as_vector()

    def tick(det_rows: int, out_rows: int) -> tuple:
        return c_module.fuse_tick(1.0, 0, 3, pending, -np.inf, table(0), 0.0, 0,
                                  table(out_rows), 0, det(det_rows), 0, trk, 0, work, prm,
                                  1e-6, 0.0, 100, -1, 0)

    assert tick(10, 10)[:3] == (3, 0, 2)          # 3 reports taken, 2 batches
    with pytest.raises(ValueError, match="too small"):
        tick(2, 10)                               # the tick's reports need 3 rows
    with pytest.raises(ValueError, match="too small"):
        tick(10, 2)                               # the table grows to 3 tracks
    with pytest.raises(TypeError, match="pending"):
        c_module.fuse_tick(1.0, 0, 3, pending[:6], -np.inf, table(0), 0.0, 0, table(10),
                           0, det(10), 0, trk, 0, work, prm, 1e-6, 0.0, 100, -1, 0)
