"""Communication links: how late a message arrives, or whether it does.

Every source (sensor or patrol) has its own link to the local command node, and may
reach it through shared relays (``via``); the local node reaches the regional centre
and the regional centre the national one over their own links (`command.layers`).

One link (`Link`)
    A source sends one *message* per instant: every report it makes at the same time
    ``t`` (the plots of one radar scan) travels together, ``bytes`` per report
    (`MessageBytesSpec`: an alarm is bytes, a radar plot more, a camera snapshot tens
    of kB). The link is a single FIFO transmitter with a bounded queue, in sending
    order:

    1. **Queue**: a message sent at ``t`` finds the messages that have not left yet.
       When ``queue_max`` are waiting it is dropped (*tail drop*: the newest message
       is the one lost, the queue already holds older news) and counted.
    2. **Outages**: the link is down during scheduled windows (``down``) and, with
       ``mtbf_s``, during alternating up and down periods (exponential, means
       ``mtbf_s`` and ``mttr_s``: an alternating renewal process, DOMAIN.md §2.4).
       Messages sent while it is down wait in the queue (store and forward) and
       leave when it is up again; once the queue is full they are dropped.
    3. **Transmission**: a message starts when the transmitter is free and the link
       up, and takes ``8 · size / bandwidth_bps`` (no limit: 0).
    4. **Propagation**: it arrives ``latency_s + E`` after it left, ``E`` exponential
       of mean ``jitter_s`` (a shifted exponential delay), or is lost with
       probability ``loss``.

    Link types (`LINK_TYPES`, ``kind``) give the defaults for fibre, microwave,
    LTE, TETRA, low-power sensor radio (LPWAN) and GEO satellite.

Relays (`Route`)
    A source's route is its own link then the relays of ``via`` in order; a relay is
    one `Link` shared by every route through it, so messages of several sources
    queue there together, in the order they reach it. Each relay hop is one SimPy
    event per message; a route without relays costs none.

Between layers (`Channel`): typed messages of `command.layers`, one message per
send, ``message_bytes.layer`` each.

Simplifications [G]: a message that starts before an outage finishes its
transmission; losses are independent; the queue bound counts messages, not bytes;
one drop policy (tail drop); jitter is per message after the queue, so two messages
of one link may still arrive out of order (the local node copes, `command.nodes`);
on a queueing link the reports of one instant about different movers are sent as
separate messages (one per mover's feed; they share their keyed fate); messages of
two sources reaching a relay at exactly the same time travel on as one.

Pure links
    A link with no bandwidth limit, no outage and a queue that cannot fill (no
    outage means nothing ever waits) gives a message's fate from its source and time
    alone, in any order: the engine may draw a feed's arrivals ahead (``pure``).
    Otherwise the link is stateful and ``send`` is called in sending order, when the
    clock reaches the send time (the engine does: `sim.world._Feed`); a message
    offered with a time before the last one's enters the queue behind it.

Draws are keyed (`sim.ground.keyed`) by the message's send time in microseconds on
the stream ``link/<id>`` (the up and down periods on ``link/<id>/outage``, period by
period): a message's delay and loss depend on its source and time only, so reports
of one instant share them, and whatever happens to other messages changes no other
message's draws (common random numbers).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import simpy
from numpy.typing import ArrayLike, NDArray

from sim.ground.keyed import GOLDEN64, Draws, mix64, time_index
from sim.ground.specs import LINK_TYPES, LinkSpec

FloatArray = NDArray[np.float64]

__all__ = ["LINK_TYPES", "Channel", "Link", "LinkStats", "Route", "call_later", "outage_windows"]


def call_later(env: simpy.Environment) -> Callable[[float, Callable[[], None]], None]:
    """``later(delay, fn)``: call ``fn()`` after ``delay`` s — the environment's own
    ``call_later`` (`sim.engine.Clock`: no event made), else through a timeout, in the
    same place of SimPy's order (the next event id, normal priority)."""
    own = getattr(env, "call_later", None)
    if own is not None:
        return own

    def later(delay: float, fn: Callable[[], None]) -> None:
        env.timeout(delay).callbacks.append(lambda _e: fn())
    return later


_G, _MASK = GOLDEN64, (1 << 64) - 1


def _uniform2(key: int, t_s: float) -> tuple[float, float]:
    """``Draws(key).uniform(time_index([t_s]), 2)[0]`` in plain Python (a message at a
    time costs ~2 µs instead of numpy's ~20 µs per call; tests check they agree)."""
    idx = int(round(t_s * 1e6)) & _MASK
    base = mix64(mix64((idx * _G + _G) & _MASK) ^ key)
    u0 = ((mix64((base + _G) & _MASK) >> 11) + 0.5) * 2.0**-53
    u1 = ((mix64((base + 2 * _G) & _MASK) >> 11) + 0.5) * 2.0**-53
    return u0, u1


@dataclass
class LinkStats:
    """What a link carried (counts of messages unless said otherwise).

    ``sent`` messages offered, ``reports`` reports in them, ``delivered`` that
    arrived, ``lost`` to loss, ``dropped`` at the full queue, ``bytes`` offered,
    ``busy_s`` transmitting, ``max_queue`` the most messages waiting at once,
    ``held`` messages sent while the link was down that waited for it.
    """

    sent: int = 0
    reports: int = 0
    delivered: int = 0
    lost: int = 0
    dropped: int = 0
    bytes: float = 0.0
    busy_s: float = 0.0
    max_queue: int = 0
    held: int = 0


def outage_windows(spec: LinkSpec, draws: Draws, until_s: float) -> FloatArray:
    """Down intervals (m, 2) of a link before ``until_s``, sorted and merged.

    The scheduled windows of ``spec.down``, and with ``spec.mtbf_s`` an alternating
    renewal process starting up at t = 0: period k's up time is exponential of mean
    ``mtbf_s`` and its down time of mean ``mttr_s``, from the keyed uniforms of
    index k on ``draws``.

    >>> from sim.ground.specs import LinkSpec
    >>> outage_windows(LinkSpec(down=[[10, 20], [15, 30]]), Draws(0), 100).tolist()
    [[10.0, 30.0]]
    """
    spans = [(float(a), float(b)) for a, b in spec.down if a < until_s]
    if spec.mtbf_s is not None:
        t, k, step = 0.0, 0, 1024
        while t < until_s:
            u = draws.uniform(np.arange(k, k + step), 2)
            up = -np.log(u[:, 0]) * spec.mtbf_s
            down = -np.log(u[:, 1]) * spec.mttr_s
            ends = t + np.cumsum(up + down)
            begins = ends - down
            keep = begins < until_s
            spans += list(zip(begins[keep].tolist(), ends[keep].tolist(), strict=True))
            t = float(ends[-1])
            k += step
    spans.sort()
    merged: list[list[float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return np.asarray(merged, dtype=float).reshape(-1, 2)


class Link:
    """One link: queue, outages, transmission, propagation (module docstring).

    Parameters
    ----------
    spec : the link's parameters
    source : id of the link (the sending source's id, or a relay's)
    draws : keyed stream ``link/<id>``
    bytes_per_report : size of one report on this link, bytes
    until_s : outages are drawn up to this time (the run's end), s
    outage_draws : keyed stream ``link/<id>/outage`` (default: a child of ``draws``)
    """

    def __init__(self, spec: LinkSpec, source: str, draws: Draws,
                 bytes_per_report: float = 0.0, until_s: float = 0.0,
                 outage_draws: Draws | None = None) -> None:
        self.spec = spec
        self.source = source
        self.kind = spec.kind or "custom"
        self.bytes_per_report = float(bytes_per_report)
        self._draws = draws
        self.down = outage_windows(spec, outage_draws or draws.child(1), until_s)
        self._down = self.down.tolist()
        self.pure = spec.bandwidth_bps is None and len(self.down) == 0
        self.stats = LinkStats()
        self._queue: deque[float] = deque()     # departure times of messages not gone
        self._free_s = -np.inf                   # when the transmitter is next free
        self._w = 0                              # first down window not yet over
        self._wt = 0                             # the same, for send times
        self._last_sent_s = -np.inf

    # ------------------------------------------------------------------ sending
    def send(self, sent_s: ArrayLike, sizes: ArrayLike | None = None) -> FloatArray:
        """Arrival times (n,) of reports sent at ``sent_s`` (n,); NaN where lost or
        dropped. Reports of equal time in one call are one message; ``sizes`` (n,)
        their bytes (default ``bytes_per_report`` each). A stateful link queues in
        the order of the calls: a time earlier than one sent before is taken as that
        one (the message enters behind it).

        Examples
        --------
        >>> from sim.ground.specs import LinkSpec
        >>> link = Link(LinkSpec(latency_s=1.0, jitter_s=0.0, loss=0.0), "x", Draws(0))
        >>> link.send([0.0, 5.0]).tolist()
        [1.0, 6.0]
        """
        sent = np.asarray(sent_s, dtype=float).reshape(-1)
        n = len(sent)
        if n == 0:                  # no draws (a plan revised often sends empty windows)
            return np.zeros(0)
        if self.pure:
            u = self._draws.uniform(time_index(sent), 2)
            arrival = sent + self.spec.latency_s - np.log(u[:, 1]) * self.spec.jitter_s
            arrival[u[:, 0] < self.spec.loss] = np.nan
            return arrival
        if n == 1:
            return np.array([self.send_one(float(sent[0]), self.bytes_per_report if sizes is None
                                           else float(np.asarray(sizes).reshape(-1)[0]))])
        # the queue is in the order of the calls: a message offered with an earlier
        # time than one before it (a report flushed late) enters after it
        sent = np.maximum.accumulate(np.maximum(sent, self._last_sent_s))
        self._last_sent_s = float(sent[-1])
        size = (np.full(n, self.bytes_per_report) if sizes is None
                else np.asarray(sizes, dtype=float).reshape(-1))
        st = self.stats
        starts = np.flatnonzero(np.r_[True, sent[1:] != sent[:-1]])
        t_msg = sent[starts]
        b_msg = np.add.reduceat(size, starts)
        depart = self._queue_messages(t_msg, b_msg)
        ok = np.flatnonzero(~np.isnan(depart))
        arrive = np.full(len(t_msg), np.nan)
        lat, jit, loss = self.spec.latency_s, self.spec.jitter_s, self.spec.loss
        if len(ok) <= 16:                       # one message at a time: plain Python
            key = int(self._draws.key)
            for i in ok.tolist():
                u0, u1 = _uniform2(key, float(t_msg[i]))
                if u0 >= loss:
                    arrive[i] = float(depart[i]) + lat - math.log(u1) * jit
        else:
            u = self._draws.uniform(time_index(t_msg[ok]), 2)
            kept = u[:, 0] >= loss
            arrive[ok[kept]] = depart[ok[kept]] + lat - np.log(u[kept, 1]) * jit
        delivered = int(np.count_nonzero(~np.isnan(arrive)))
        st.reports += n
        st.lost += len(ok) - delivered
        st.delivered += delivered
        if len(starts) == n:
            return arrive
        return np.repeat(arrive, np.diff(np.r_[starts, n]))

    def note(self, sent_s: FloatArray, arrival: Sequence[float] | FloatArray) -> None:
        """Count reports a pure link carried (sent at ``sent_s``, arriving at
        ``arrival``, NaN lost): its arrivals may be drawn ahead of sending, so the
        sender says what it really sent. Stateful links count in `send`."""
        if not self.pure or not len(sent_s):
            return
        if len(sent_s) == 1:
            self.note_one(arrival[0])
            return
        st = self.stats
        first = np.ones(len(sent_s), bool)
        first[1:] = sent_s[1:] != sent_s[:-1]
        lost = np.isnan(arrival)
        st.sent += int(first.sum())
        st.reports += len(sent_s)
        st.lost += int((lost & first).sum())
        st.delivered += int((~lost & first).sum())
        st.bytes += self.bytes_per_report * len(sent_s)

    def note_one(self, arrival_s: float) -> None:
        """`note` of one report (arriving at ``arrival_s``, NaN lost), without numpy:
        the usual call."""
        if not self.pure:
            return
        st = self.stats
        gone = math.isnan(arrival_s)
        st.sent += 1
        st.reports += 1
        st.lost += gone
        st.delivered += not gone
        st.bytes += self.bytes_per_report

    def send_one(self, sent_s: float, size: float) -> float:
        """`send` of one message of ``size`` bytes, in plain Python (relays and layer
        channels send one message per event: numpy's per-call cost would dominate)."""
        st = self.stats
        st.sent += 1
        st.reports += 1
        if self.pure:
            st.bytes += size
            u0, u1 = _uniform2(int(self._draws.key), sent_s)
            if u0 < self.spec.loss:
                st.lost += 1
                return math.nan
            st.delivered += 1
            return sent_s + self.spec.latency_s - math.log(u1) * self.spec.jitter_s
        sent_s = max(sent_s, self._last_sent_s)
        self._last_sent_s = sent_s
        if self._full_at(sent_s) is not None:
            st.dropped += 1
            return math.nan
        depart = self._admit(sent_s, size)
        u0, u1 = _uniform2(int(self._draws.key), sent_s)
        if u0 < self.spec.loss:
            st.lost += 1
            return math.nan
        st.delivered += 1
        return depart + self.spec.latency_s - math.log(u1) * self.spec.jitter_s

    def _full_at(self, t: float) -> float | None:
        """Drop from the queue what has left by ``t``; if it is still full, when its
        head leaves (else None)."""
        q = self._queue
        while q and q[0] <= t:
            q.popleft()
        return q[0] if len(q) >= self.spec.queue_max else None

    def _admit(self, t: float, size: float) -> float:
        """Queue a message sent at ``t`` (there is room); its departure time."""
        st, down = self.stats, self._down
        n_down, w, wt = len(down), self._w, self._wt
        st.bytes += size
        while wt < n_down and down[wt][1] <= t:
            wt += 1
        if wt < n_down and down[wt][0] <= t:
            st.held += 1                      # sent while the link is down: it waits
        start = t if t > self._free_s else self._free_s
        while w < n_down and down[w][1] <= start:
            w += 1
        if w < n_down and down[w][0] <= start:
            start = down[w][1]                # windows are merged: up from here
            w += 1
        bw = self.spec.bandwidth_bps
        d = size * 8.0 / bw if bw is not None else 0.0
        self._free_s = free = start + d
        self._w, self._wt = w, wt
        st.busy_s += d
        self._queue.append(free)
        if len(self._queue) > st.max_queue:
            st.max_queue = len(self._queue)
        return free

    def _queue_messages(self, t_msg: FloatArray, b_msg: FloatArray) -> FloatArray:
        """Departure times of messages (m,) in sending order; NaN where dropped.

        The recursion of a FIFO queue with a bound (Lindley's, with tail drop): a
        loop, as each message's start depends on the one before; while the queue is
        full every message until its head leaves is dropped in one step, so a flood
        costs per message carried, not per message offered. Memory: the queue never
        holds more than ``queue_max`` departure times.
        """
        m = len(t_msg)
        out = np.full(m, np.nan)
        times, sizes = t_msg.tolist(), b_msg.tolist()
        st = self.stats
        st.sent += m
        i = 0
        while i < m:
            head = self._full_at(times[i])
            if head is not None:
                # full until its head leaves: every message before then is dropped
                j = max(int(np.searchsorted(t_msg, head, side="left")), i + 1)
                st.dropped += j - i
                i = j
                continue
            out[i] = self._admit(times[i], sizes[i])
            i += 1
        return out

    @property
    def queued(self) -> int:
        """Messages in the queue after the last send (including one in transmission)."""
        return len(self._queue)

    def deliver(self, env: simpy.Environment, at_s: float, arrive: Callable[..., None],
                lost: Callable[[], None] | None = None) -> None:
        """Call ``arrive`` at ``at_s`` (the end of this link): the message is there.
        ``arrive`` takes no argument; ``lost`` is never called here (a message lost on
        this link is known when sent)."""
        call_later(env)(max(at_s - env.now, 0.0), arrive)

    def down_s(self, until_s: float) -> float:
        """Time the link is down before ``until_s``, s."""
        d = np.clip(self.down, -np.inf, until_s)
        return float(np.sum(np.maximum(d[:, 1] - d[:, 0], 0.0)))


@dataclass
class _Hop:
    """Messages waiting to enter relay ``k`` of a route at one time."""

    size: float = 0.0
    calls: list[tuple[Callable[[], None], Callable[[], None]]] = field(default_factory=list)


class Route:
    """A source's link followed by shared relays (module docstring, "Relays").

    ``send`` is the first link's; ``deliver`` carries the message on through the
    relays, one SimPy event per relay, and calls ``lost`` at the time a relay drops
    or loses it.
    """

    def __init__(self, first: Link, relays: list[Link], env: simpy.Environment) -> None:
        self.first, self.relays, self.env = first, relays, env
        self.source, self.spec, self.pure = first.source, first.spec, first.pure
        self.bytes_per_report = first.bytes_per_report
        self.send, self.note, self.note_one = first.send, first.note, first.note_one
        self._waiting: list[dict[float, _Hop]] = [{} for _ in relays]
        self._later = call_later(env)

    @property
    def stats(self) -> LinkStats:
        return self.first.stats

    def deliver(self, env: simpy.Environment, at_s: float, arrive: Callable[..., None],
                lost: Callable[[], None] | None = None) -> None:
        if lost is None:
            raise ValueError("a relayed message needs its lost() call")
        self._enter(0, at_s, self.bytes_per_report, arrive, lost)

    def _enter(self, k: int, at_s: float, size: float, arrive: Callable[[], None],
               lost: Callable[[], None]) -> None:
        """The message reaches relay ``k`` at ``at_s`` (reports of one message join)."""
        if k == len(self.relays):
            self._later(max(at_s - self.env.now, 0.0), arrive)
            return
        waiting = self._waiting[k]
        hop = waiting.get(at_s)
        if hop is None:
            hop = waiting[at_s] = _Hop()
            self._later(max(at_s - self.env.now, 0.0), lambda: self._relay(k, at_s))
        hop.size += size
        hop.calls.append((arrive, lost))

    def _relay(self, k: int, at_s: float) -> None:
        hop = self._waiting[k].pop(at_s)
        out = self.relays[k].send_one(self.env.now, hop.size)
        for arrive, lost in hop.calls:
            if np.isnan(out):
                lost()
            else:
                self._enter(k + 1, out, hop.size / len(hop.calls), arrive, lost)


class Channel:
    """Typed messages between command layers over one `Link` (one message per send).

    ``send(message)`` now; ``deliver(message)`` is called at its arrival; a lost or
    dropped message never arrives (the link's stats count it). The messages are
    opaque here (`command.layers` defines them).
    """

    def __init__(self, env: simpy.Environment, link: Link,
                 deliver: Callable[[object], None]) -> None:
        self.env, self.link, self.deliver = env, link, deliver
        self._later = call_later(env)

    def send(self, message: object) -> None:
        env = self.env
        at = self.link.send_one(env.now, self.link.bytes_per_report)
        if not math.isnan(at):
            self._later(max(at - env.now, 0.0), lambda: self.deliver(message))
