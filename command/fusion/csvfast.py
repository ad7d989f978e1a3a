"""Compiled CSV parsing and formatting for ``run_sim.py fuse``: exact, or not at all.

`fuse` spent four fifths of its time in the text, not the tracking: ``np.loadtxt``
takes ~1.5 µs a row and Python's ``f"{v:.3f}"`` ~0.4 µs a value, against ~0.6 µs a
detection for the tracker (benchmarks/README.md). These two kernels do the common
case in one pass over the bytes, and give up — returning ``ok = False`` so the caller
takes the general path — on anything else. They never produce a different number or
a different character than the general path:

* :func:`parse_decimal_rows` reads plain decimals ``-?d*[.d*]`` of at most 15
  significant digits (what the anchor's and most loggers' ``%.3f`` write). Such a
  number is ``m / 10**k`` with ``m < 2**53`` and ``k <= 22``: both are exact doubles,
  so the one IEEE division is correctly rounded, the same double ``float(text)`` and
  ``np.loadtxt`` return (Clinger's fast path). Exponents, ``nan``, spaces, quotes,
  ``\\r``, blank lines, long mantissas, any byte that is not printable ASCII (the
  general path splits lines on more than ``\\n``): not ok.
* :func:`format_rows` writes rows of ``{:.Nf}`` fields and one ``{:d}`` field
  (:func:`format_fixed_rows`: ``{:.6f}``, ``{:d}``, ``{:.3f}``, ``{:.3f}``, as
  ``fuse`` writes them).
  Python rounds the exact binary value half-to-even; here ``y = v·10^d`` is rounded,
  but its exact error ``e`` comes from Dekker's two-product, and only ``y`` exactly
  half-way between integers is ambiguous (then the sign of ``e``, or half-to-even when
  ``e = 0``, decides). Values with ``|v·10^d| >= 2**52`` (or not finite): not ok.

What runs is their C port, ``csrc/csv.c`` (compiled at install,
`command.fusion.prebuilt`); these are the reference and the fallback (numba's JIT,
``cache=True``: about 2 s once, then loaded in milliseconds). ``fuse`` uses them,
and so does a run's ``tracks.csv`` (`sim.results`). Tests compare both with the
general path on generated values (tests/unit/fusion/test_csvfast.py).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_POW10 = np.array([10.0**k for k in range(23)])
_MAX_MANTISSA = 2**53
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter for doubles


@njit(cache=True)
def parse_decimal_rows(buf, cols, n_cols):
    """Parse the data rows of a CSV held as bytes (header line excluded).

    Parameters
    ----------
    buf : (b,) uint8, the body: rows ending in ``\\n`` (the last one may not)
    cols : (k,) int64, the field index of each wanted column
    n_cols : int, how many fields a row must have at least (``max(cols) + 1``)

    Returns
    -------
    ok : bool; False when any row is outside the fast path (nothing else is valid then)
    data : (m, k) float64, the wanted fields of each row
    """
    n = buf.shape[0]
    n_rows = 0
    for i in range(n):
        if buf[i] == 10:
            n_rows += 1
    if n > 0 and buf[n - 1] != 10:
        n_rows += 1
    k = cols.shape[0]
    want = np.full(n_cols, -1, np.int64)
    for j in range(k):
        want[cols[j]] = j
    data = np.empty((n_rows, k), np.float64)
    pos = 0
    for r in range(n_rows):
        field = 0
        got = 0
        while True:
            target = want[field] if field < n_cols else -1
            if target < 0:  # a field nobody reads: skip to its end
                while pos < n and buf[pos] != 44 and buf[pos] != 10:
                    if buf[pos] < 32 or buf[pos] >= 127:
                        return False, data  # only printable ASCII: no other line breaks
                    pos += 1
            else:
                negative = False
                if pos < n and buf[pos] == 45:
                    negative = True
                    pos += 1
                mantissa = 0
                digits = 0
                frac = 0
                seen_dot = False
                any_digit = False
                while pos < n:
                    c = buf[pos]
                    if 48 <= c <= 57:
                        any_digit = True
                        if mantissa > 0 or c != 48:
                            digits += 1
                        mantissa = mantissa * 10 + (c - 48)
                        if seen_dot:
                            frac += 1
                        if digits > 15 or frac > 22:
                            return False, data
                        pos += 1
                    elif c == 46 and not seen_dot:
                        seen_dot = True
                        pos += 1
                    else:
                        break
                if not any_digit or (pos < n and buf[pos] != 44 and buf[pos] != 10):
                    return False, data  # empty, an exponent, a space, a letter, '\r' ...
                value = mantissa / _POW10[frac]
                data[r, target] = -value if negative else value
                got += 1
            field += 1
            if pos >= n or buf[pos] == 10:
                pos += 1
                break
            pos += 1  # the comma
        if field < n_cols or got != k:
            return False, data
    return True, data


@njit(cache=True)
def _two_product_error(a, b, p):
    """The exact ``a·b - p`` for ``p = fl(a·b)`` (Dekker; no fused multiply-add)."""
    c = _SPLIT * a
    ah = c - (c - a)
    al = a - ah
    c = _SPLIT * b
    bh = c - (c - b)
    bl = b - bh
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl


@njit(cache=True)
def _put_int(out, pos, value):
    """Write the decimal digits of a non-negative int64; return the new position."""
    if value == 0:
        out[pos] = 48
        return pos + 1
    start = pos
    while value > 0:
        out[pos] = 48 + value % 10
        value //= 10
        pos += 1
    i, j = start, pos - 1
    while i < j:
        out[i], out[j] = out[j], out[i]
        i += 1
        j -= 1
    return pos


@njit(cache=True)
def _put_signed(out, pos, value):
    """Write the decimal digits of an int64 with its sign; return the new position."""
    if value < 0:
        out[pos] = 45
        pos += 1
        value = -value
    return _put_int(out, pos, value)


@njit(cache=True)
def _put_fixed(out, pos, v, d):
    """Write ``format(v, f".{d}f")``; return the new position, or -1 if not exact here."""
    scale = _POW10[d]
    negative = math.copysign(1.0, v) < 0
    a = -v if v < 0 else v
    y = a * scale
    if not y < 4503599627370496.0:  # 2**52, also catches nan and inf
        return -1
    e = _two_product_error(a, scale, y)
    whole = np.floor(y)
    f = y - whole
    n = np.int64(whole)
    if f > 0.5 or (f == 0.5 and (e > 0 or (e == 0 and n % 2 == 1))):
        n += 1
    if negative:
        out[pos] = 45
        pos += 1
    unit = np.int64(_POW10[d])
    pos = _put_int(out, pos, n // unit)
    if d > 0:
        out[pos] = 46
        pos += 1
        rest = n % unit
        for i in range(d - 1, -1, -1):
            out[pos + i] = 48 + rest % 10
            rest //= 10
        pos += d
    return pos


@njit(cache=True)
def format_rows(values, decimals, ids, id_at, tail):
    """Rows of fixed-point fields and one integer field as bytes: row ``r`` is
    ``values[r, j]`` written as ``format(v, f".{decimals[j]}f")`` for each column
    ``j``, with ``ids[r]`` (``{:d}``) inserted as field ``id_at``, all joined by
    commas, then the bytes ``tail`` and a newline.

    Parameters
    ----------
    values : (m, k) float64; decimals : (k,) int64, each 0-15
    ids : (m,) int64; id_at : 0..k, where the integer field goes
    tail : (b,) uint8, written as they are at the end of every row (``b""``: none)

    Returns
    -------
    ok : bool; False when a value is outside the exact path
    out : (b,) uint8, valid up to ``n``
    n : int, bytes written
    """
    m, k = values.shape
    width = 0                                   # at most 17 digits before the point
    for j in range(k):
        width += 20 + decimals[j]
    out = np.empty(m * (width + 22 + tail.shape[0]) + 1, np.uint8)
    pos = 0
    for r in range(m):
        for j in range(k + 1):
            if j == id_at:
                pos = _put_signed(out, pos, ids[r])
            else:
                c = j if j < id_at else j - 1
                pos = _put_fixed(out, pos, values[r, c], decimals[c])
                if pos < 0:
                    return False, out, 0
            if j < k:
                out[pos] = 44
                pos += 1
        for b in range(tail.shape[0]):
            out[pos] = tail[b]
            pos += 1
        out[pos] = 10
        pos += 1
    return True, out, pos


@njit(cache=True)
def format_fixed_rows(t, ids, x, y):
    """The rows ``f"{t:.6f},{id},{x:.3f},{y:.3f}\\n"`` as bytes: `format_rows` for
    ``fuse``'s columns, written out (the general loop is 1.1–1.5 times slower per row).

    Returns
    -------
    ok : bool; False when a value is outside the exact path
    out : (b,) uint8, valid up to ``n``
    n : int, bytes written
    """
    m = t.shape[0]
    out = np.empty(m * 96 + 1, np.uint8)  # 4 fields of at most 23 characters each
    pos = 0
    for r in range(m):
        pos = _put_fixed(out, pos, t[r], 6)
        if pos < 0:
            return False, out, 0
        out[pos] = 44
        pos += 1
        pos = _put_signed(out, pos, ids[r])
        out[pos] = 44
        pos += 1
        pos = _put_fixed(out, pos, x[r], 3)
        if pos < 0:
            return False, out, 0
        out[pos] = 44
        pos += 1
        pos = _put_fixed(out, pos, y[r], 3)
        if pos < 0:
            return False, out, 0
        out[pos] = 10
        pos += 1
    return True, out, pos
