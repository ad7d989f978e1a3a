"""A named stream's keyed draws (`sim.rng.RandomStreams.draws`) seeded by the C port of
numpy's ``SeedSequence`` (``_cground.stream_state``): the same words as numpy's class,
the reference, for every size of seed, replication and key."""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest

import sim.rng as rng_mod
from sim.ground import prebuilt
from sim.rng import RandomStreams

kernels = prebuilt.load()
needs_c = pytest.mark.skipif(kernels is None, reason="the C module is not built")

#: Either side of each 32-bit word boundary, where numpy's words of an int change.
EDGES = [0, 1, 7, 2**32 - 1, 2**32, 2**32 + 1, 2**40 + 5, 2**63, 2**64 - 1]


def _numpy_words(seed: int, replication: int, key: int) -> tuple[int, int]:
    state = np.random.SeedSequence(seed, spawn_key=(replication, key))
    return tuple(state.generate_state(2, np.uint64).tolist())


@needs_c
@pytest.mark.parametrize("seed", EDGES)
def test_the_words_are_numpys_at_the_edges_of_a_word(seed: int) -> None:
    for replication in EDGES:
        for key in (0, 1, 2**31, 2**32 - 1):
            assert kernels.stream_state(seed, replication, key) == _numpy_words(
                seed, replication, key)


@needs_c
def test_the_words_are_numpys_for_random_seeds_and_names() -> None:
    draw = random.Random(20261207)
    for _ in range(3_000):
        seed = draw.getrandbits(draw.choice([8, 31, 32, 33, 63, 64]))
        replication = draw.getrandbits(draw.choice([4, 32, 40]))
        key = zlib.crc32(f"sensor/s-{draw.getrandbits(20)}/detect/g-{_}".encode())
        assert kernels.stream_state(seed, replication, key) == _numpy_words(
            seed, replication, key)


@needs_c
@pytest.mark.parametrize("args", [(2**64, 0, 0), (0, -1, 0), (0, 0, 1.5), (0, 0, "1")])
def test_what_is_not_an_int_below_2_64_is_left_to_numpy(args) -> None:
    assert kernels.stream_state(*args) is None


def test_draws_are_the_same_without_the_c_module(monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"sensor/seismic-{i:03d}/detect/group-{j:04d}" for i in range(5) for j in range(5)]
    streams = [RandomStreams(seed, rep) for seed in (1, 2**33, 2**64 + 3) for rep in (0, 9)]
    fast = [s.draws(n).uniform([1, 2, 3]).tolist() for s in streams for n in names]
    monkeypatch.setattr(rng_mod.prebuilt, "load", lambda: None)
    slow = [s.draws(n).uniform([1, 2, 3]).tolist() for s in streams for n in names]
    assert fast == slow
