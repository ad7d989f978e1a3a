"""The compiled CSV kernels give exactly what the general path gives, or give up.

Each test runs both implementations: numba's (`command.fusion.csvfast`) and its C port
(``command/fusion/csrc/csv.c``, `command.fusion.prebuilt`).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from command.fusion import csvfast
from command.fusion.csvio import format_tracks, read_detections

HEADER = "time,sensor,x,y,var_x,var_y,cov_xy,truth\n"
SETTINGS = dict(deadline=None, derandomize=True, database=None)


def kernels(name: str):
    """The implementation ``name``: "numba" or "c" (skipped, or failed under CI, where
    the install did not build the C module)."""
    if name == "numba":
        return csvfast
    from command.fusion import prebuilt

    module = prebuilt.load()
    if module is None:
        if os.environ.get("CI"):
            pytest.fail("the install did not compile the C kernels (setup.py)")
        pytest.skip("no C kernels built from these sources (pip install -e .)")
    return module


IMPLEMENTATIONS = pytest.mark.parametrize("impl", ["numba", "c"])


def parse(body: bytes, cols=(0, 1, 2, 3, 4, 5, 6), n_cols=7, impl="numba"):
    return kernels(impl).parse_decimal_rows(np.frombuffer(body, np.uint8),
                                      np.asarray(cols, np.int64), n_cols)


decimals = st.one_of(
    st.integers(0, 6).flatmap(lambda places: st.decimals(
        min_value=-10**9, max_value=10**9, places=places, allow_nan=False,
        allow_infinity=False)).map(str),
    st.integers(-(10**15) + 1, 10**15 - 1).map(str),
    st.tuples(st.integers(0, 10**6), st.integers(0, 22)).map(
        lambda p: f"{p[0] // 10**min(p[1], 6)}.{str(p[0]).zfill(p[1])[-p[1]:] if p[1] else ''}"),
    st.sampled_from(["0", "-0", "0.0", "-0.000", "1.", ".5", "-.5", "007.250",
                     "123456789012345", "0.0000000000000000000001", "9007199254740993"]),
)


@settings(max_examples=300, **SETTINGS)
@given(st.lists(st.lists(decimals, min_size=8, max_size=8), min_size=1, max_size=5))
@IMPLEMENTATIONS
def test_parse_gives_the_same_doubles_as_float(impl, rows):
    body = "".join(",".join(r) + "\n" for r in rows).encode()
    ok, data = parse(body, impl=impl)
    event(f"fast path {ok}")
    if ok:
        expected = np.array([[float(v) for v in r[:7]] for r in rows])
        assert expected.tobytes() == data.tobytes()  # bit for bit, signed zeros too


@given(st.sampled_from(["1e3", "nan", " 1", "1 ", "+1", "1\r", "", "-", ".", "1..2", "0x1",
                        "1234567890123456", "१", "1\x0b"]))
@settings(**SETTINGS)
@IMPLEMENTATIONS
def test_parse_gives_up_on_anything_else(impl, cell):
    ok, _ = parse(f"0,1,2,3,4,5,{cell},0\n".encode(), impl=impl)
    assert not ok


@IMPLEMENTATIONS
def test_parse_rows_short_of_fields_and_blank_lines_give_up(impl):
    assert not parse(b"0,1,2,3,4,5\n", impl=impl)[0]
    assert not parse(b"0,1,2,3,4,5,6,0\n\n0,1,2,3,4,5,6,0\n", impl=impl)[0]
    # no final newline, truth unread
    ok, data = parse(b"0,1,2,3,4,5,6,0\n1,1,2,3,4,5,6,x", impl=impl)
    assert ok and data.shape == (2, 7) and data[1, 0] == 1.0


doubles = st.one_of(
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.integers(-(10**7), 10**7).map(lambda k: k / 2048),  # exact binary ties at .3f/.6f
    st.integers(-(10**9), 10**9).map(lambda k: k / 1000 + 0.0005),
    st.sampled_from([0.0, -0.0, 0.0625, -0.0625, 0.0005, 1.0005, 2.5e-4, -1e-9,
                     4503599627.370496, 1e10, 5e-324]),
)


@settings(max_examples=300, **SETTINGS)
@given(st.lists(st.tuples(doubles, st.integers(0, 2**40), doubles, doubles), min_size=1,
                max_size=20))
@IMPLEMENTATIONS
def test_format_writes_what_python_writes(impl, rows):
    t, ids, x, y = (np.array(c) for c in zip(*rows, strict=True))
    ok, out, n = kernels(impl).format_fixed_rows(t.astype(float), ids.astype(np.int64),
                                           x.astype(float), y.astype(float))
    expected = "".join(f"{a:.6f},{i},{b:.3f},{c:.3f}\n" for a, i, b, c in rows)
    event(f"fast path {ok}")
    if ok:
        assert out[:n].tobytes().decode() == expected
    else:
        assert any(abs(v) * 1e6 >= 2**52 for v in t) or any(
            abs(v) * 1e3 >= 2**52 for v in np.r_[x, y])


@settings(max_examples=200, **SETTINGS)
@given(st.integers(1, 4).flatmap(lambda k: st.tuples(
    st.lists(st.integers(0, 8), min_size=k, max_size=k),
    st.integers(0, k),
    st.lists(st.tuples(st.lists(doubles, min_size=k, max_size=k),
                       st.integers(-(2**40), 2**40)), min_size=1, max_size=12))),
       st.sampled_from(["", ",0", ",17"]))
@IMPLEMENTATIONS
def test_general_rows_write_what_python_writes(impl, case, tail):
    formatter = kernels(impl)
    decimals, id_at, rows = case
    values = np.array([v for v, _ in rows], dtype=float)
    ids = np.array([i for _, i in rows], dtype=np.int64)
    ok, out, n = formatter.format_rows(values, np.array(decimals, np.int64), ids, id_at,
                                       np.frombuffer(tail.encode(), np.uint8))
    expected = ""
    for v, i in rows:
        fields = [f"{a:.{d}f}" for a, d in zip(v, decimals, strict=True)]
        fields.insert(id_at, str(i))
        expected += ",".join(fields) + tail + "\n"
    event(f"fast path {ok}")
    if ok:
        assert out[:n].tobytes().decode() == expected
    else:
        assert any(abs(a) * 10.0**d >= 2**52 for v, _ in rows
                   for a, d in zip(v, decimals, strict=True))


@IMPLEMENTATIONS
def test_format_gives_up_beyond_exact_range(impl):
    k = kernels(impl)
    big = np.array([1e300])
    assert not k.format_fixed_rows(big, np.zeros(1, np.int64), big, big)[0]
    nan = np.array([np.nan])
    assert not k.format_fixed_rows(np.zeros(1), np.zeros(1, np.int64), nan, nan)[0]


def test_both_write_the_same_bytes_for_a_million_values():
    """Random values of every magnitude the files hold, both writers byte for byte, and
    both readers reading back the same doubles."""
    c = kernels("c")
    rng = np.random.default_rng(5)
    m = 250_000
    t = np.sort(rng.uniform(0, 4e7, m))
    ids = rng.integers(-5, 2**40, m)
    x, y = rng.normal(0, 10.0 ** rng.integers(-3, 8, m)), rng.uniform(-1e6, 1e6, m)
    a, b = c.format_fixed_rows(t, ids, x, y), csvfast.format_fixed_rows(t, ids, x, y)
    assert a[0] and b[0] and a[2] == b[2]
    assert a[1][: a[2]].tobytes() == b[1][: b[2]].tobytes()
    body = a[1][: a[2]]
    cols = np.array([0, 2, 3], np.int64)
    pa, pb = c.parse_decimal_rows(body, cols, 4), csvfast.parse_decimal_rows(body, cols, 4)
    assert pa[0] and pb[0] and pa[1].tobytes() == pb[1].tobytes()


def test_the_c_kernels_check_their_arguments():
    c = kernels("c")
    body = np.frombuffer(b"1,2\n", np.uint8)
    with pytest.raises(ValueError, match="cols"):
        c.parse_decimal_rows(body, np.array([2], np.int64), 2)
    with pytest.raises(TypeError):
        c.parse_decimal_rows(b"1,2\n", np.array([0], np.int64), 2)
    with pytest.raises(ValueError, match="decimals"):
        c.format_rows(np.zeros((1, 1)), np.array([16], np.int64), np.zeros(1, np.int64), 0,
                      np.zeros(0, np.uint8))
    with pytest.raises(ValueError, match="rows"):
        c.format_fixed_rows(np.zeros(2), np.zeros(1, np.int64), np.zeros(2), np.zeros(2))


def test_the_reader_takes_the_fast_path_or_the_general_one_alike(tmp_path):
    rows = ["0.000,0,7381.566,1484.654,225.0000,225.0000,0.0000,32",
            "0.000,0,2365.077,1038.108,225.0000,225.0000,0.0000,72",
            "1.000,1,2366.5,1039.25,225,225,0,-1"]
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    fast.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    slow.write_text(HEADER + "\n".join(rows) + "\n\n\n", encoding="utf-8")  # trailing blanks
    a, b = read_detections(fast), read_detections(slow)
    for name in ("t_s", "sensor", "z", "R"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes()


def test_format_tracks_is_the_same_text_either_way():
    rng = np.random.default_rng(7)
    t = np.sort(rng.uniform(0, 300, 500))
    ids = rng.integers(0, 1000, 500)
    xy = rng.normal(0, 5000, (500, 2))
    text = format_tracks(t, ids, xy, None)
    assert text == "time,track,x,y\n" + "".join(
        f"{a:.6f},{i},{b:.3f},{c:.3f}\n" for a, i, b, c in zip(t, ids, xy[:, 0], xy[:, 1],
                                                              strict=True))


@pytest.mark.parametrize("huge_at", [None, 0, 39_000])
def test_write_tracks_writes_format_tracks_bytes_chunk_by_chunk(tmp_path, huge_at):
    """Several chunks of the fast writer give the bytes of `format_tracks`; a value
    it cannot write (in the first chunk, or in the last after two were written)
    sends the whole file through the general path, and no temporary file stays."""
    from command.fusion.csvio import WRITE_CHUNK_ROWS, write_tracks

    rng = np.random.default_rng(3)
    m = 2 * WRITE_CHUNK_ROWS + 7_000
    t = np.sort(rng.uniform(0, 3e4, m))
    ids = rng.integers(0, 500, m)
    xy = rng.normal(0, 3000, (m, 2))
    if huge_at is not None:
        xy[huge_at, 1] = 1e300                    # beyond the exact fast path
    path = tmp_path / "tracks.csv"
    path.write_text("old contents\n")
    write_tracks(path, t, ids, xy, None)
    assert path.read_bytes() == format_tracks(t, ids, xy, None).encode("ascii")
    assert [p.name for p in tmp_path.iterdir()] == ["tracks.csv"]
