"""``detections.csv`` rows (`sim.rows.detection_rows`): every float in Python's
shortest round-trip form, ``repr`` (the file's documented format, which a replay reads
back bit for bit), whatever writes them: each test of the text runs with the rows put
together in C (`sim.rows._rows_compiled`) and with the Python reference.

The expected text is built here from ``repr`` and ``str`` of each field, the
definition of the format, never from the code under test."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim.rows as rows_mod
from sim.ground import prebuilt
from sim.rows import detection_rows

needs_c = pytest.mark.skipif(prebuilt.load() is None, reason="the C module is not built")


@pytest.fixture(params=["compiled", "python"])
def assembly(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A test twice: rows assembled by ``_cground.interleave_rows``, then by Python."""
    if request.param == "python":
        monkeypatch.setattr(rows_mod, "_rows_compiled", lambda *args: None)
    elif prebuilt.load() is None:
        pytest.skip("the C module is not built")
    return request.param


def _expected(t, sensor, z, R, truth, track, replication: int) -> str:
    return "".join(
        f"{t[k]!r},{sensor[k]},{z[k][0]!r},{z[k][1]!r},{R[k][0][0]!r},{R[k][1][1]!r},"
        f"{R[k][0][1]!r},{truth[k]},{track[k]},{replication}\n" for k in range(len(t)))


def _columns(values: list[float]) -> tuple[np.ndarray, ...]:
    """Rows whose six float fields run through ``values`` in turn."""
    k = max(1, math.ceil(len(values) / 6))
    flat = np.resize(np.array(values, float), 6 * k).reshape(k, 6)
    R = np.empty((k, 2, 2))
    R[:, 0, 0], R[:, 1, 1], R[:, 0, 1] = flat[:, 3], flat[:, 4], flat[:, 5]
    R[:, 1, 0] = R[:, 0, 1]
    sensor = np.arange(k, dtype=np.int64) % 7
    truth = np.arange(k, dtype=np.int64) - 1
    track = (np.arange(k, dtype=np.int64) * 3) % 11 - 1
    return flat[:, 0], sensor, flat[:, 1:3], R, truth, track


# Either side of each edge of repr's plain notation (an exponent below 1e-4 and from
# 1e16 on), the smallest and largest floats, signed zeros, the non-finite values.
EDGES = [1e-4, np.nextafter(1e-4, 0), -1e-4, np.nextafter(-1e-4, 0), 1e16,
         np.nextafter(1e16, 0), -1e16, 9999999999999998.0, 1e15, 0.0, -0.0, 5e-324,
         2.2250738585072014e-308, 1.7976931348623157e308, math.inf, -math.inf, math.nan,
         1e-5, 3.4e-5, 0.1, 1 / 3, 2 / 3, 123456.789, 86400.0, 31535999.999999996,
         -2.5e-13, 1e22, 1e23]


@pytest.mark.usefixtures("assembly")
def test_the_edges_of_plain_notation_are_written_as_repr_writes_them() -> None:
    cols = _columns(EDGES)
    assert detection_rows(*cols, 3) == _expected(*(c.tolist() for c in cols), 3)


@pytest.mark.usefixtures("assembly")
def test_rows_of_ordinary_measurements_are_written_as_repr_writes_them() -> None:
    rng = np.random.default_rng(20261207)
    k = 5_000
    t = np.sort(rng.uniform(0, 31_536_000, k))
    z = rng.uniform([-500, -500], [100_500, 5_500], (k, 2))
    R = np.empty((k, 2, 2))
    R[:, 0, 0], R[:, 1, 1] = rng.uniform(1, 4e4, k), rng.uniform(1, 4e4, k)
    R[:, 0, 1] = R[:, 1, 0] = rng.normal(0, 1e3, k)
    sensor, truth = rng.integers(0, 500, k), rng.integers(-1, 9000, k)
    track = rng.integers(-1, 10**6, k)
    got = detection_rows(t, sensor, z, R, truth, track, 12)
    assert got == _expected(t.tolist(), sensor.tolist(), z.tolist(), R.tolist(),
                            truth.tolist(), track.tolist(), 12)
    assert got.count("\n") == k


@pytest.mark.usefixtures("assembly")
def test_no_rows_are_no_text() -> None:
    empty = np.empty(0)
    assert detection_rows(empty, empty.astype(int), np.empty((0, 2)), np.empty((0, 2, 2)),
                          empty.astype(int), empty.astype(int), 0) == ""


@pytest.mark.usefixtures("assembly")
@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=60))
def test_any_floats_are_written_as_repr_writes_them(values: list[float]) -> None:
    cols = _columns(values)
    assert detection_rows(*cols, 0) == _expected(*(c.tolist() for c in cols), 0)


@pytest.mark.usefixtures("assembly")
@pytest.mark.parametrize("bits_seed", [1, 2, 3])
def test_random_bit_patterns_are_written_as_repr_writes_them(bits_seed: int) -> None:
    """Doubles drawn uniformly over their bit patterns: every exponent alike."""
    rng = np.random.default_rng(bits_seed)
    values = rng.integers(0, 2**63, 60_000, dtype=np.int64).view(np.float64)
    values = np.where(rng.random(len(values)) < 0.5, values, -values)
    cols = _columns(values.tolist())
    assert detection_rows(*cols, 1) == _expected(*(c.tolist() for c in cols), 1)


@pytest.mark.usefixtures("assembly")
def test_every_magnitude_of_plain_notation_is_written_as_repr_writes_them() -> None:
    """Log-uniform magnitudes over [1e-4, 1e16), each sign: the whole range written
    without ``repr``'s help."""
    rng = np.random.default_rng(7)
    values = 10.0 ** rng.uniform(-4, 16, 120_000) * rng.choice([-1.0, 1.0], 120_000)
    cols = _columns(values.tolist())
    assert detection_rows(*cols, 2) == _expected(*(c.tolist() for c in cols), 2)


@needs_c
def test_the_compiled_assembly_writes_ordinary_rows() -> None:
    """The C path is taken (not silently the fallback) where every column is numbers."""
    cols = _columns([1.5, 2.25, -3.0, 4e3, 5.5, 0.125] * 4)
    floats = [np.asarray(c, float) for c in (cols[0], cols[2][:, 0], cols[2][:, 1],
                                              cols[3][:, 0, 0], cols[3][:, 1, 1],
                                              cols[3][:, 0, 1])]
    text = rows_mod._rows_compiled(floats, [cols[1], cols[4], cols[5]], 9)
    assert text == _expected(*(c.tolist() for c in cols), 9)


@needs_c
@pytest.mark.parametrize("columns", [
    (b"[1,2]", b"[3]"),              # a column one value short
    (b"[1,2]", b"[3,4,5]"),          # one value too many
    (b"[1,2]", b"3,4"),              # not a JSON array
    (b"[1,,2]", b"[3,4]"),           # an empty value
    (b"[1,2]", "[3,4]"),             # not bytes
])
def test_interleave_rows_declines_columns_that_are_not_k_numbers(columns) -> None:
    assert prebuilt.load().interleave_rows(columns, 2, b",0") is None


@needs_c
def test_interleave_rows_puts_values_side_by_side() -> None:
    got = prebuilt.load().interleave_rows((b"[1.5,-2]", b"[30,4e-07]"), 2, b",7")
    assert got == b"1.5,30,7\n-2,4e-07,7\n"
