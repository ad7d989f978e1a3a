"""Communication links: how late a report reaches the local node, or whether it does.

One `Link` per source (sensor or patrol) to the local command node. A source sends
one *message* per instant: every report it makes at the same time ``t`` (the plots
of one radar scan, whichever groups they are of) travels together. A message sent
at ``t`` arrives at ``t + latency_s + E`` with ``E`` exponential of mean
``jitter_s``, or is lost with probability ``loss`` and never arrives. Defaults and
ranges in DOMAIN.md §2.4 [G]. The engine sends every report when the clock reaches
its measurement time, so messages enter a link in sending order.

Simplifications [G]: no bandwidth limit and no queue (reports do not delay each
other, so they may overtake one another — the local node copes with that, see
`command.nodes`), no outages; losses are independent.

Draws are keyed (`sim.ground.keyed`) by the message's send time in microseconds on
the stream ``link/<source>``: a message's fate depends on nothing but its source and
its time, so reports of one instant share it, and whatever the command layer does
to other messages (an apprehension cancels a group's later reports) changes no
other message's delay or loss (common random numbers).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.ground.keyed import Draws, time_index
from sim.ground.specs import LinkSpec

FloatArray = NDArray[np.float64]


class Link:
    """The uplink of one source to the local node.

    Parameters
    ----------
    spec : latency, jitter and loss of the link
    source : id of the sending sensor or patrol
    draws : keyed stream ``link/<source>``
    """

    def __init__(self, spec: LinkSpec, source: str, draws: Draws) -> None:
        self.spec = spec
        self.source = source
        self._draws = draws

    def send(self, sent_s: ArrayLike) -> FloatArray:
        """Arrival times (n,) of reports sent at ``sent_s`` (n,); NaN where lost.

        Examples
        --------
        >>> from sim.ground.specs import LinkSpec
        >>> link = Link(LinkSpec(latency_s=1.0, jitter_s=0.0, loss=0.0), "x", Draws(0))
        >>> link.send([0.0, 5.0]).tolist()
        [1.0, 6.0]
        """
        sent = np.asarray(sent_s, dtype=float).reshape(-1)
        u = self._draws.uniform(time_index(sent), 2)
        jitter = -np.log(u[:, 1]) * self.spec.jitter_s
        arrival = sent + self.spec.latency_s + jitter
        arrival[u[:, 0] < self.spec.loss] = np.nan
        return arrival
