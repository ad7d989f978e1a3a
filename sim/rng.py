"""Named random streams: one numpy Generator per component and purpose.

Every random draw in a replication comes from a stream named after the component
and the purpose (``crossings/arrivals``, ``sensor/radar-03/detect``,
``link/radar-03/loss``). A stream depends only on (seed, replication, name), so
adding a sensor does not shift the intruders' draws, and two variants run under
one seed face the same crossings (common random numbers).
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
from numpy.random.bit_generator import ISeedSequence

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
        """A fresh generator for ``name``; the same name always gives the same draws.

        Its bit generator is seeded with the state words of the name's
        ``SeedSequence`` (computed in C where it can, `_state`), so it has no seed
        sequence to ``spawn`` from."""
        # SeedSequence(seed).spawn(n)[r] is SeedSequence(seed, spawn_key=(r,)):
        # replications are spawned children, streams grandchildren keyed by name,
        # so a stream never depends on how many others exist or their order.
        # crc32, not hash(): str hashes change from one process to the next.
        # numpy seeds from any ISeedSequence (its type stub names SeedSequence only).
        words = _Words(self._state(name, 4))
        return np.random.Generator(np.random.PCG64(words))  # type: ignore[arg-type]

    def draws(self, name: str) -> Draws:
        """Keyed draws for ``name`` (`sim.ground.keyed`): a trial's draw depends on the
        stream and the trial's index only, never on the order of the trials."""
        s0, s1 = self._state(name, 2)
        return Draws(s0 ^ (s1 << 1))

    def _state(self, name: str, n: int) -> list[int] | tuple[int, ...]:
        """The first ``n`` uint64 of the name's ``SeedSequence`` state: by the C port
        (``_cground.stream_state``, `sim.ground.prebuilt`; ~10 times faster) or, without
        it or for a seed or replication of 2^64 or more, by numpy's class."""
        kernels = prebuilt.load()
        if kernels is not None:
            words = kernels.stream_state(self.seed, self.replication,
                                         zlib.crc32(name.encode("utf-8")), n)
            if words is not None:
                return words
        return self._sequence(name).generate_state(n, np.uint64).tolist()

    def _sequence(self, name: str) -> np.random.SeedSequence:
        key = zlib.crc32(name.encode("utf-8"))
        return np.random.SeedSequence(self.seed, spawn_key=(self.replication, key))


class _Words(ISeedSequence):
    """A seed sequence that gives the state words it was made with: a PCG64 reads
    4 uint64 (``generate_state(4, np.uint64)``) and nothing else."""

    def __init__(self, words: list[int] | tuple[int, ...]) -> None:
        self.words = np.array(words, np.uint64)

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> np.ndarray:
        if n_words != len(self.words) or np.dtype(dtype) != np.uint64:
            raise ValueError(f"the state is {len(self.words)} uint64, not {n_words} {dtype}")
        return self.words.copy()
