"""Named random streams: one numpy Generator per component and purpose.

Every random draw in a replication comes from a stream named after the component
and the purpose (``crossings/arrivals``, ``sensor/radar-03/detect``,
``link/radar-03/loss``). A stream depends only on (seed, replication, name), so
adding a sensor does not shift the intruders' draws, and two variants run under
one seed face the same crossings (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

from sim.ground import prebuilt
from sim.ground.keyed import Draws


class RandomStreams:
    """Independent named generators derived from one (seed, replication).

    Examples
    --------
    >>> a = RandomStreams(7, 0).stream("crossings/arrivals").random()
    >>> b = RandomStreams(7, 0).stream("crossings/arrivals").random()
    >>> a == b
    True
    >>> RandomStreams(7, 1).stream("crossings/arrivals").random() == a
    False
    """

    def __init__(self, seed: int, replication: int = 0) -> None:
        if seed < 0 or replication < 0:
            raise ValueError("seed and replication must be non-negative integers")
        self.seed, self.replication = int(seed), int(replication)

    def stream(self, name: str) -> np.random.Generator:
        """A fresh generator for ``name``; the same name always gives the same draws."""
        # SeedSequence(seed).spawn(n)[r] is SeedSequence(seed, spawn_key=(r,)):
        # replications are spawned children, streams grandchildren keyed by name,
        # so a stream never depends on how many others exist or their order.
        # crc32, not hash(): str hashes change from one process to the next.
        return np.random.default_rng(self._sequence(name))

    def draws(self, name: str) -> Draws:
        """Keyed draws for ``name`` (`sim.ground.keyed`): a trial's draw depends on the
        stream and the trial's index only, never on the order of the trials."""
        key = zlib.crc32(name.encode("utf-8"))
        kernels = prebuilt.load()
        words = (None if kernels is None
                 else kernels.stream_state(self.seed, self.replication, key))
        if words is None:       # no C module, or a seed of 2^64 or more
            words = self._sequence(name).generate_state(2, np.uint64).tolist()
        return Draws(words[0] ^ (words[1] << 1))

    def _sequence(self, name: str) -> np.random.SeedSequence:
        key = zlib.crc32(name.encode("utf-8"))
        return np.random.SeedSequence(self.seed, spawn_key=(self.replication, key))
