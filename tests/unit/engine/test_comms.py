"""Links: latency, jitter, loss; one message per instant; queues, outages, relays."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import simpy

from sim.comms import Link, Route
from sim.ground.keyed import Draws
from sim.ground.specs import LinkSpec


def _link(seed: int = 0, **kw) -> Link:
    return Link(LinkSpec(**kw), "radar-01", Draws.of(seed))


def test_delay_is_latency_plus_exponential_jitter():
    link = _link(latency_s=2.0, jitter_s=0.5, loss=0.0)
    sent = np.arange(20_000, dtype=float)
    delay = link.send(sent) - sent
    assert np.all(delay >= 2.0)
    assert abs(delay.mean() - 2.5) < 0.02
    assert abs(delay.std() - 0.5) < 0.02      # exponential: sd = mean


def test_loss_rate_and_lost_reports_never_arrive():
    link = _link(loss=0.2)
    arrival = link.send(np.arange(20_000, dtype=float))
    lost = np.isnan(arrival)
    assert abs(lost.mean() - 0.2) < 0.015
    assert np.all(np.isfinite(arrival[~lost]))


def test_a_message_fate_depends_on_its_time_only():
    link = _link(latency_s=1.0, jitter_s=1.0, loss=0.3)
    alone = link.send(np.array([20.0]))
    among_others = link.send(np.array([5.0, 20.0, 7.5]))
    np.testing.assert_array_equal(alone, among_others[1:2])


def test_reports_of_one_instant_share_a_message_across_calls():
    link = _link(latency_s=1.0, jitter_s=1.0, loss=0.3)
    first = link.send(np.array([10.0, 20.0, 30.0]))
    again = link.send(np.array([20.0, 10.0, 40.0]))
    np.testing.assert_array_equal(again[:2], first[[1, 0]])


def test_same_streams_same_draws():
    a = _link(3, jitter_s=1.0, loss=0.1).send(np.arange(100.0))
    b = _link(3, jitter_s=1.0, loss=0.1).send(np.arange(100.0))
    np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------- queues, outages, routes


def _qlink(until_s: float = 1e7, **kw) -> Link:
    kw = {"latency_s": 0.0, "jitter_s": 0.0, "loss": 0.0, **kw}
    return Link(LinkSpec(**kw), "radio-01", Draws.of(7), bytes_per_report=1000.0,
                until_s=until_s)


def test_a_slow_link_sends_in_fifo_order_one_message_after_another():
    link = _qlink(bandwidth_bps=8000.0, latency_s=0.5)      # 1000 B: 1 s each
    arrival = np.concatenate([link.send([0.0]), link.send([0.1, 0.1]), link.send([0.2])])
    # one message at 0.1 (two reports, 2 s), then the one sent at 0.2 behind it
    np.testing.assert_allclose(arrival, [1.5, 3.5, 3.5, 4.5])
    assert (link.stats.sent, link.stats.reports, link.stats.max_queue) == (3, 4, 3)
    assert link.stats.busy_s == pytest.approx(4.0)


def test_a_full_queue_drops_the_newest_message_and_counts_it():
    link = _qlink(bandwidth_bps=8000.0, queue_max=2)
    arrival = link.send([0.0, 0.01, 0.02, 0.03, 1.5])
    # 0.0 in transmission, 0.01 waiting: 0.02 and 0.03 find the queue full; at 1.5 the
    # first has left (at 1.0), so there is room again
    assert np.isnan(arrival).tolist() == [False, False, True, True, False]
    np.testing.assert_allclose(arrival[[0, 1, 4]], [1.0, 2.0, 3.0])
    assert link.stats.dropped == 2 and link.queued == 2


def test_messages_sent_during_an_outage_wait_for_the_link_then_overflow():
    link = _qlink(down=[[10.0, 20.0]], queue_max=2)           # no bandwidth limit
    arrival = link.send([5.0, 12.0, 15.0, 16.0, 25.0])
    assert np.isnan(arrival).tolist() == [False, False, False, True, False]
    np.testing.assert_allclose(arrival[[0, 1, 2, 4]], [5.0, 20.0, 20.0, 25.0])
    assert (link.stats.held, link.stats.dropped) == (2, 1)
    assert link.down_s(100.0) == 10.0


def test_random_outages_leave_the_link_down_mttr_over_mtbf_plus_mttr_of_the_time():
    # Alternating renewal process: long-run unavailability = MTTR / (MTBF + MTTR)
    # (Barlow & Proschan 1975, ch. 7) = 100 / 1000 = 0.1. Over 1e7 s (~10,000
    # cycles) the fraction's sd is ~0.0013 (U ~ exp(900), D ~ exp(100)); 4 sd: 0.005.
    link = _qlink(mtbf_s=900.0, mttr_s=100.0)
    assert not link.pure
    assert abs(link.down_s(1e7) / 1e7 - 0.1) < 0.005
    starts, ends = link.down[:, 0], link.down[:, 1]
    assert np.all(ends > starts) and np.all(starts[1:] >= ends[:-1])


def test_a_message_offered_late_enters_the_queue_behind_the_last_one():
    link = _qlink(bandwidth_bps=8000.0)
    assert link.send([5.0]).tolist() == [6.0]
    assert link.send([4.0]).tolist() == [7.0]          # enters at 5.0, behind it
    assert link.send_one(4.5, 1000.0) == 8.0


def test_stateful_links_are_deterministic():
    kw = {"until_s": 3000.0, "bandwidth_bps": 8000.0, "jitter_s": 1.0, "loss": 0.2,
          "mtbf_s": 50.0, "mttr_s": 10.0}
    a, b, one = _qlink(**kw), _qlink(**kw), _qlink(**kw)
    t = np.sort(np.random.default_rng(1).uniform(0, 1000, 500))
    np.testing.assert_array_equal(a.send(t), b.send(t))
    # one message at a time (relays, layer channels) gives the same fates
    np.testing.assert_array_equal(a.send(t + 1000), [one.send_one(x, 1000.0) for x in t]
                                  and [one.send_one(x + 1000, 1000.0) for x in t])


def test_a_link_type_fills_the_fields_not_given():
    spec = LinkSpec(kind="lpwan", loss=0.0)
    assert (spec.latency_s, spec.bandwidth_bps, spec.loss) == (3.0, 5.5e3, 0.0)


def test_a_relay_queues_the_messages_of_several_sources_in_the_order_they_reach_it():
    env = simpy.Environment()
    relay = Link(LinkSpec(latency_s=0.0, jitter_s=0.0, loss=0.0, bandwidth_bps=8000.0),
                 "mast-1", Draws.of(3), until_s=100.0)
    a = Route(_qlink(latency_s=1.0), [relay], env)
    b = Route(_qlink(latency_s=0.0), [relay], env)
    got: list[tuple[str, float]] = []

    def send(route: Route, name: str, at: float):  # noqa: ANN202
        yield env.timeout(at)
        for t in route.send([env.now]):
            route.deliver(env, float(t), lambda: got.append((name, env.now)), lambda: None)

    env.process(send(a, "a", 0.0))        # reaches the mast at 1.0
    env.process(send(b, "b", 0.5))        # reaches it at 0.5: first in its queue
    env.run()
    assert got == [("b", 1.5), ("a", 2.5)]


def test_flood_one_sensor_sends_a_million_alarms_an_hour():
    """A malfunctioning seismic sensor: 10^6 alarms in one hour on its LPWAN radio.

    Closed form of a saturated FIFO queue: the radio carries one 50-byte alarm every
    8 · 50 / 5,500 s = 0.0727 s, so in 3,600 s it sends ⌊3600 / 0.0727⌋ = 49,500,
    plus the ``queue_max`` = 100 still queued at the end (they leave later); every
    other alarm finds the queue full and is dropped: 10^6 − 49,600 (±1 for the one in
    transmission). The shared relay behind it (microwave, 100 Mbit/s) never fills,
    so the other sensor's alarms reach the node with their own links' delays.
    """
    spec = LinkSpec(kind="lpwan", loss=0.0, jitter_s=0.0, queue_max=100)
    bad = Link(spec, "seismic-bad", Draws.of(1), 50.0, 7200.0)
    t = np.arange(1_000_000) * 3.6e-3
    tracemalloc.start()
    carried = []
    for chunk in np.array_split(t, 100):               # as the clock reaches them
        at = bad.send(chunk)
        carried.append(at[~np.isnan(at)])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    st = bad.stats
    assert st.sent == 1_000_000 and st.max_queue == 100 and bad.queued <= 100
    assert abs(st.delivered - 49_600) <= 1 and st.dropped == 1_000_000 - st.delivered
    assert peak < 2e6          # bytes: the queue holds 100 times, a chunk 10^4 sends

    env = simpy.Environment()
    relay = Link(LinkSpec(kind="microwave", loss=0.0, jitter_s=0.0), "mast-1", Draws.of(3),
                 until_s=7200.0)
    flood = Route(bad, [relay], env)
    other = Route(Link(spec, "seismic-ok", Draws.of(2), 50.0, 7200.0), [relay], env)
    got = {"bad": 0, "ok": []}

    def count() -> None:
        got["bad"] += 1

    for at in np.concatenate(carried).tolist():   # what the radio carried goes on
        flood.deliver(env, at, count, lambda: None)

    def alarms():  # noqa: ANN202
        for t in np.arange(60.5, 3600.0, 300.0):
            yield env.timeout(t - env.now)
            for at in other.send([t]):
                other.deliver(env, float(at), lambda t=t: got["ok"].append(env.now - t),
                              lambda: None)

    env.process(alarms())
    env.run()
    assert got["bad"] == st.delivered
    assert relay.stats.dropped == 0 and relay.stats.max_queue <= 2
    # all 12 of the other sensor's alarms arrive, each after 3 s + 8·50/5,500 s on its
    # radio and 0.01 s + 400 bit / 100 Mbit/s at the relay
    assert len(got["ok"]) == 12
    np.testing.assert_allclose(got["ok"], 3.0 + 400 / 5.5e3 + 0.01 + 4e-6, atol=1e-5)


def test_the_one_message_draw_is_the_keyed_draw():
    from sim.comms import _uniform2
    from sim.ground.keyed import time_index

    d = Draws.of(11)
    t = np.array([0.0, 1.5, 123.456789, 6.048e5 + 1e-6, 1e7])
    want = d.uniform(time_index(t), 2)
    got = np.array([_uniform2(int(d.key), float(x)) for x in t])
    np.testing.assert_array_equal(got, want)
