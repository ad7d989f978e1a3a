"""Named streams (`sim.rng.RandomStreams.draws` and ``stream``) seeded by the C port of
numpy's ``SeedSequence`` (``_cground.stream_state``): the same words as numpy's class,
the reference, for every size of seed, replication and key, and so the same draws as
``np.random.default_rng(SeedSequence(seed, spawn_key=(replication, crc32(name))))``."""

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


def _numpy_words(seed: int, replication: int, key: int, n: int = 2) -> tuple[int, ...]:
    state = np.random.SeedSequence(seed, spawn_key=(replication, key))
    return tuple(state.generate_state(n, np.uint64).tolist())


@needs_c
@pytest.mark.parametrize("seed", EDGES)
def test_the_words_are_numpys_at_the_edges_of_a_word(seed: int) -> None:
    for replication in EDGES:
        for key in (0, 1, 2**31, 2**32 - 1):
            for n in (2, 4):
                assert kernels.stream_state(seed, replication, key, n) == _numpy_words(
                    seed, replication, key, n)


@needs_c
def test_the_words_are_numpys_for_random_seeds_and_names() -> None:
    draw = random.Random(20261207)
    for _ in range(3_000):
        seed = draw.getrandbits(draw.choice([8, 31, 32, 33, 63, 64]))
        replication = draw.getrandbits(draw.choice([4, 32, 40]))
        key = zlib.crc32(f"sensor/s-{draw.getrandbits(20)}/detect/g-{_}".encode())
        n = draw.randint(1, 4)
        assert kernels.stream_state(seed, replication, key, n) == _numpy_words(
            seed, replication, key, n)


@needs_c
@pytest.mark.parametrize("args", [(2**64, 0, 0), (0, -1, 0), (0, 0, 1.5), (0, 0, "1")])
def test_what_is_not_an_int_below_2_64_is_left_to_numpy(args) -> None:
    assert kernels.stream_state(*args, 4) is None


@needs_c
@pytest.mark.parametrize("n", [0, 5, -1])
def test_a_state_of_other_than_1_to_4_words_is_an_error(n: int) -> None:
    with pytest.raises(TypeError):
        kernels.stream_state(1, 0, 0, n)


@pytest.mark.parametrize("seed", [1, 2**33, 2**64 + 3])
def test_a_stream_draws_as_numpys_generator_of_the_named_seed_sequence(seed: int) -> None:
    """The reference written out: numpy's default generator of the stream's sequence."""
    for name in ("crossings/arrivals", "sensor/radar-03/nuisance/day-12", "link/x/loss"):
        want = np.random.default_rng(np.random.SeedSequence(
            seed, spawn_key=(3, zlib.crc32(name.encode("utf-8")))))
        got = RandomStreams(seed, 3).stream(name)
        assert got.random(5).tolist() == want.random(5).tolist()
        assert got.normal(size=3).tolist() == want.normal(size=3).tolist()
        assert got.integers(0, 10**9, 4).tolist() == want.integers(0, 10**9, 4).tolist()


def test_draws_and_streams_are_the_same_without_the_c_module(
        monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"sensor/seismic-{i:03d}/detect/group-{j:04d}" for i in range(5) for j in range(5)]
    streams = [RandomStreams(seed, rep) for seed in (1, 2**33, 2**64 + 3) for rep in (0, 9)]
    fast = [s.draws(n).uniform([1, 2, 3]).tolist() + s.stream(n).random(2).tolist()
            for s in streams for n in names]
    monkeypatch.setattr(rng_mod.prebuilt, "load", lambda: None)
    slow = [s.draws(n).uniform([1, 2, 3]).tolist() + s.stream(n).random(2).tolist()
            for s in streams for n in names]
    assert fast == slow
