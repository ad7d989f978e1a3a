"""Communication links: how late a report reaches the local node, or whether it does.

One `Link` per source (sensor or patrol) to the local command node. A source sends
one *message* per instant: every report it makes at the same time ``t`` (the plots
of one radar scan, whichever groups they are of) travels together. A message sent
at ``t`` arrives at ``t + latency_s + E`` with ``E`` exponential of mean
``jitter_s``, or is lost with probability ``loss`` and never arrives. Defaults and
ranges in DOMAIN.md §2.4 [G].

Simplifications [G]: no bandwidth limit and no queue (reports do not delay each
other, so they may overtake one another — the local node copes with that, see
`command.nodes`), no outages; losses are independent.

Streams: ``link/<source>/loss`` and ``link/<source>/delay``. Every message gets both
draws, lost or not, when its first report is sent; later reports of the same instant
(another group seen in the same scan) reuse them. Reports are sent in an order fixed
by the world alone (groups in order of creation), so the draws never depend on the
command layer (common random numbers).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.ground.specs import LinkSpec

FloatArray = NDArray[np.float64]


class Link:
    """The uplink of one source to the local node.

    Parameters
    ----------
    spec : latency, jitter and loss of the link
    source : id of the sending sensor or patrol
    loss_rng : stream ``link/<source>/loss``
    delay_rng : stream ``link/<source>/delay``
    """

    def __init__(self, spec: LinkSpec, source: str, loss_rng: np.random.Generator,
                 delay_rng: np.random.Generator) -> None:
        self.spec = spec
        self.source = source
        self._loss_rng = loss_rng
        self._delay_rng = delay_rng
        self._messages: dict[float, float] = {}   # send time → arrival (NaN: lost)

    def send(self, sent_s: FloatArray) -> FloatArray:
        """Arrival times (n,) of reports sent at ``sent_s`` (n,); NaN where lost.

        Reports with equal send times (in this call or an earlier one) share a message.

        Examples
        --------
        >>> from sim.ground.specs import LinkSpec
        >>> rng = np.random.default_rng(0)
        >>> link = Link(LinkSpec(latency_s=1.0, jitter_s=0.0, loss=0.0), "x", rng, rng)
        >>> link.send(np.array([0.0, 5.0])).tolist()
        [1.0, 6.0]
        """
        sent = np.asarray(sent_s, dtype=float)
        known = self._messages
        new: list[float] = []
        for t in sent.tolist():
            if t not in known:
                known[t] = np.nan   # placeholder, keeps first-appearance order unique
                new.append(t)
        if new:
            t_new = np.asarray(new)
            lost = self._loss_rng.random(len(t_new)) < self.spec.loss
            jitter = self._delay_rng.exponential(1.0, size=len(t_new)) * self.spec.jitter_s
            arrival = t_new + self.spec.latency_s + jitter
            arrival[lost] = np.nan
            known.update(zip(new, arrival.tolist(), strict=True))
        return np.array([known[t] for t in sent.tolist()], dtype=float)
