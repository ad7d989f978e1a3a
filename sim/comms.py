"""Communication links: how late a report reaches the local node, or whether it does.

One `Link` per source (sensor or patrol) to the local command node. A report sent at
``t`` arrives at ``t + latency_s + E`` with ``E`` exponential of mean ``jitter_s``,
or is lost with probability ``loss`` and never arrives. Defaults and ranges in
DOMAIN.md §2.4 [G].

Simplifications [G]: no bandwidth limit and no queue (reports do not delay each
other, so they may overtake one another — the local node copes with that, see
`command.nodes`), no outages; losses are independent.

Streams: ``link/<source>/loss`` and ``link/<source>/delay``. Every report gets both
draws, lost or not, so the draws of one report never depend on another's fate.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.specs import LinkSpec

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

    def send(self, sent_s: FloatArray) -> FloatArray:
        """Arrival times (n,) of reports sent at ``sent_s`` (n,); NaN where lost.

        Examples
        --------
        >>> from sim.specs import LinkSpec
        >>> rng = np.random.default_rng(0)
        >>> link = Link(LinkSpec(latency_s=1.0, jitter_s=0.0, loss=0.0), "x", rng, rng)
        >>> link.send(np.array([0.0, 5.0])).tolist()
        [1.0, 6.0]
        """
        sent = np.asarray(sent_s, dtype=float)
        lost = self._loss_rng.random(len(sent)) < self.spec.loss
        jitter = self._delay_rng.exponential(1.0, size=len(sent)) * self.spec.jitter_s
        arrival = sent + self.spec.latency_s + jitter
        arrival[lost] = np.nan
        return arrival
