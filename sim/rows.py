"""The rows of ``detections.csv`` and ``tracks.csv``: numpy columns in, CSV text out.

Shared by the whole-file writers (`sim.results`) and the streamed ones (`sim.spool`),
so a file written in chunks as the run goes has the bytes of the file written at its
end: each function returns its rows, every one ending in a newline, and rows do not
depend on their neighbours.
"""

from __future__ import annotations

import numpy as np
import orjson

#: ``detections.csv``'s header (`sim.results` module docstring).
DETECTIONS_HEADER = "time,sensor,x,y,var_x,var_y,cov_xy,truth,track,replication\n"
#: ``tracks.csv``'s header.
TRACKS_HEADER = "time,track,x,y,vx,vy,replication\n"


#: orjson writes a numpy array as the list of its Python numbers (`_rows_compiled`).
_NUMPY = orjson.OPT_SERIALIZE_NUMPY

#: The magnitudes whose ``repr`` has no exponent (with 0): [_PLAIN_MIN, _PLAIN_MAX).
_PLAIN_MIN, _PLAIN_MAX = 1e-4, 1e16


def detection_rows(t_s: np.ndarray, sensor: np.ndarray, z: np.ndarray, R: np.ndarray,
                   truth: np.ndarray, track: np.ndarray, replication: int) -> str:
    """Rows of fused reports: measurement time ``t_s`` (k,) s, ``sensor`` (k,) integer
    ids, position ``z`` (k, 2) m, covariance ``R`` (k, 2, 2) m², ``truth`` (k,) mover
    ids, ``track`` (k,) track ids (-1 none). Floats in their shortest round-trip form
    (``repr``), so a replay reads back the floats fused.

    The rows are written by orjson, whose shortest round-trip digits are
    ``repr``'s wherever ``repr`` writes no exponent: a float that is 0 or whose
    magnitude is in [1e-4, 1e16) (Python's ``float_repr_style`` 'short': an exponent
    below 10⁻⁴ or from 10¹⁶ on). A row holding any other float (rare: a covariance
    term within 1e-4 of 0, inf or NaN) is written by ``repr``.
    """
    z = np.asarray(z, float).reshape(-1, 2)
    R = np.asarray(R, float).reshape(-1, 2, 2)
    if not len(z):
        return ""
    floats = [np.asarray(col, float) for col in (t_s, z[:, 0], z[:, 1], R[:, 0, 0],
                                                  R[:, 1, 1], R[:, 0, 1])]
    ints = [np.asarray(col) for col in (sensor, truth, track)]
    text = _rows_compiled(floats, ints, replication)
    rows = None
    if text is None:
        rows = _row_tuples(floats, ints, replication)
        text = orjson.dumps(rows)[2:-2].replace(b"],[", b"\n").decode("ascii") + "\n"
    exponent = np.zeros(len(z), bool)
    for col in floats:
        size = np.abs(col)
        exponent |= ~((size >= _PLAIN_MIN) & (size < _PLAIN_MAX) | (col == 0.0))
    if not exponent.any():
        return text
    if rows is None:
        rows = _row_tuples(floats, ints, replication)
    lines = text.split("\n")
    for k in np.flatnonzero(exponent).tolist():
        lines[k] = ",".join(map(repr, rows[k]))
    return "\n".join(lines)


def _row_tuples(floats: list[np.ndarray], ints: list[np.ndarray],
                replication: int) -> list[tuple]:
    """The rows' values in file order, as Python numbers (the reference)."""
    cols = [c.tolist() for c in floats]
    ids = [c.tolist() for c in ints]
    return list(zip(cols[0], ids[0], *cols[1:], ids[1], ids[2],
                    [replication] * len(cols[0]), strict=True))


def _rows_compiled(floats: list[np.ndarray], ints: list[np.ndarray],
                   replication: int) -> str | None:
    """The rows' text with each column written by orjson from its numpy array (the
    digits orjson writes for the column's Python floats and ints) and put side by side
    in C (``_cground.interleave_rows``, `sim.ground.prebuilt`; ~3 times faster than
    the tuples), or None where it cannot (no C module, or a column orjson does not
    write as a flat array of numbers)."""
    from sim.ground import prebuilt

    kernels = prebuilt.load()
    if kernels is None:
        return None
    t, x, y, vxx, vyy, vxy = floats
    columns = (t, ints[0], x, y, vxx, vyy, vxy, ints[1], ints[2])
    try:
        text = tuple(orjson.dumps(np.ascontiguousarray(c), option=_NUMPY) for c in columns)
    except orjson.JSONEncodeError:
        return None
    out = kernels.interleave_rows(text, len(t), f",{replication}".encode("ascii"))
    return None if out is None else out.decode("ascii")


#: ``tracks.csv``'s fixed-point fields: time, then x, y, vx, vy (the track id between).
_TRACK_DECIMALS = np.array([6, 3, 3, 4, 4], np.int64)


def track_rows(t_s: np.ndarray, track: np.ndarray, x: np.ndarray, replication: int) -> str:
    """Rows of confirmed tracks: time ``t_s`` (j,) s, ``track`` (j,) ids, state ``x``
    (j, 4) (m, m, m/s, m/s); time to 6 decimals, position to 3, velocity to 4."""
    return str(track_rows_ascii(t_s, track, x, replication), "ascii")


def track_rows_ascii(t_s: np.ndarray, track: np.ndarray, x: np.ndarray,
                     replication: int) -> bytes | memoryview:
    """`track_rows` as ASCII bytes: the compiled formatter's own buffer where it wrote
    them (no copy; a binary file takes it as it is, `sim.spool`), else the f-string
    rows encoded."""
    rep = str(replication)
    fast = _track_rows_fast(t_s, track, x, rep)
    if fast is not None:
        return fast
    return "".join(f"{t:.6f},{i},{x[0]:.3f},{x[1]:.3f},{x[2]:.4f},{x[3]:.4f},{rep}\n"
                   for t, i, x in zip(np.asarray(t_s).tolist(), np.asarray(track).tolist(),
                                      np.asarray(x).tolist(), strict=True)).encode("ascii")


def _track_rows_fast(t_s: np.ndarray, track: np.ndarray, x: np.ndarray,
                     rep: str) -> bytes | memoryview | None:
    """The rows, as ASCII bytes, by the compiled exact formatter
    (`command.fusion.csvfast`, the same characters as the f-string; its C port built
    at install, else numba's JIT), or None where it cannot (neither, or a huge value).
    The bytes are a view of the formatter's buffer (``tobytes`` and ``decode`` of a
    100 000-row chunk copied 5 MB twice)."""
    if not len(t_s):
        return b""
    from command.fusion import prebuilt

    formatter = prebuilt.load()
    if formatter is None:
        try:
            from command.fusion import csvfast
        except ImportError:
            return None
        formatter = csvfast
    x = np.asarray(x, np.float64).reshape(-1, 4)
    values = np.column_stack((np.asarray(t_s, np.float64), x))
    ok, out, n = formatter.format_rows(values, _TRACK_DECIMALS,
                                       np.ascontiguousarray(track, np.int64), 1,
                                       np.frombuffer(f",{rep}".encode("ascii"), np.uint8))
    return memoryview(out)[:n] if ok else None
