"""Links: latency, jitter, loss; one message per instant."""

from __future__ import annotations

import numpy as np

from sim.comms import Link
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
