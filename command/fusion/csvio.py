"""Reading the detections CSV and writing the tracks CSV (formats in DESIGN.md).

Detections: header ``time,sensor,x,y,var_x,var_y,cov_xy`` (columns found by name;
other columns such as ``truth`` are never read), one report per line, sorted by time.
A ``replication`` column (a run's ``detections.csv`` of several replications) splits
the file into replications, each fused on its own: rows grouped by replication in
increasing order, each replication's sorted by time; a file whose ``replication``
column holds one value is one log, as without the column. Every problem is reported
as one line naming the file and line, and is found before anything is written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from command.fusion import prebuilt
from command.fusion.errors import FusionInputError
from command.fusion.tracks import FloatArray, IntArray

REQUIRED = ("time", "sensor", "x", "y", "var_x", "var_y", "cov_xy")
TRACK_COLUMNS = ("time", "track", "x", "y")
#: The optional column of a log of several replications (`Detections.replication`).
REPLICATION = "replication"
EXTRA_COLUMNS = ("vx", "vy", "status", "p_person", "p_vehicle", "p_animal")


@dataclass(frozen=True, eq=False)
class Detections:
    """A validated detections file as arrays of m rows, sorted by time.

    Attributes
    ----------
    t_s : (m,) report times, s
    sensor : (m,) int64 sensor ids
    z : (m, 2) positions, m
    R : (m, 2, 2) position covariances, m²
    replication : (m,) int64 replication of each row, non-decreasing, for a file whose
        ``replication`` column holds more than one value (rows sorted by time within
        each); None for one log (no such column, or one value in it)
    """

    t_s: FloatArray
    sensor: IntArray
    z: FloatArray
    R: FloatArray
    replication: IntArray | None = None

    def by_replication(self) -> list[tuple[int | None, Detections]]:
        """(replication, its rows) in file order; ``[(None, self)]`` for one log."""
        if self.replication is None:
            return [(None, self)]
        return [(int(self.replication[s]), Detections(self.t_s[s:e], self.sensor[s:e],
                                                      self.z[s:e], self.R[s:e]))
                for s, e in runs_of(self.replication)]

    def batches(self) -> tuple[IntArray, IntArray]:
        """Return (starts, ends) row bounds of the batches (rows of equal time)."""
        m = len(self.t_s)
        if m == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        cuts = np.flatnonzero(np.diff(self.t_s)) + 1
        return np.r_[0, cuts].astype(np.int64), np.r_[cuts, m].astype(np.int64)


def runs_of(values: np.ndarray) -> list[tuple[int, int]]:
    """Row bounds ``(start, end)`` of the runs of equal consecutive ``values`` (a
    replication column's replications), in order; none for no rows."""
    if not len(values):
        return []
    cuts = (np.flatnonzero(np.diff(values)) + 1).tolist()
    return list(zip([0, *cuts], [*cuts, len(values)], strict=True))


def _locate_bad_value(name: str, lines: Sequence[str], cols: Sequence[int],
                      n_fields: int) -> FusionInputError:
    """Find the first line whose required fields (and ``replication``, an eighth
    column of ``cols``) do not parse (the slow path)."""
    names = (*REQUIRED, REPLICATION)[:len(cols)]
    for i, line in enumerate(lines):
        parts = line.split(",")
        if len(parts) < n_fields:
            return FusionInputError(f"{name}:{i + 2}: expected at least {n_fields} "
                                    f"columns, got {len(parts)}")
        for col, c in zip(names, cols, strict=True):
            text = parts[c].strip()
            try:
                value = float(text)
            except ValueError:
                return FusionInputError(f"{name}:{i + 2}: column '{col}': expected a "
                                        f"number, got {text!r}")
            if not np.isfinite(value):
                return FusionInputError(f"{name}:{i + 2}: column '{col}': expected a "
                                        f"finite number, got {text!r}")
            if col in ("sensor", REPLICATION) and value != int(value):
                return FusionInputError(f"{name}:{i + 2}: column '{col}': expected an "
                                        f"integer, got {text!r}")
    return FusionInputError(f"{name}: could not parse the file")


#: Largest magnitude of a value per column: beyond these the numbers are no positions,
#: times or covariances of a border scene and the filter's arithmetic would overflow.
#: Sensor ids must be integers float64 holds exactly (``2**53``), which int64 then holds.
LIMITS = {"time": 1e12, "sensor": 2.0**53, "x": 1e9, "y": 1e9, "var_x": 1e16,
          "var_y": 1e16, "cov_xy": 1e16}


#: `LIMITS` in the order of `REQUIRED`.
_LIMITS = np.array([LIMITS[c] for c in REQUIRED])


def _check_ranges(name: str, data: FloatArray) -> None:
    """Refuse values beyond `LIMITS` (the first, by line)."""
    if len(data) == 0 or not (np.any(data.max(axis=0) > _LIMITS)
                              or np.any(-data.min(axis=0) > _LIMITS)):
        return                          # no (n, 7) temporaries for a file that is fine
    bad = np.abs(data) > _LIMITS
    rows = np.flatnonzero(bad.any(axis=1))
    if len(rows):
        i = int(rows[0])
        j = int(np.flatnonzero(bad[i])[0])
        col = REQUIRED[j]
        kind = "an integer id" if col == "sensor" else "a number"
        raise FusionInputError(f"{name}:{i + 2}: column '{col}': expected {kind} within "
                               f"±{_LIMITS[j]:.3g}, got {data[i, j]:.6g}")


def _decode(name: str, raw: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark skipped), no NUL byte."""
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark some editors write is no column
    except UnicodeDecodeError as e:
        line_no = raw[:e.start].count(b"\n") + 1
        raise FusionInputError(f"{name}:{line_no}: byte 0x{raw[e.start]:02x} is not UTF-8 "
                               "text; expected a UTF-8 (or ASCII) CSV file") from None
    if "\0" in text:
        line_no = text[:text.index("\0")].count("\n") + 1
        raise FusionInputError(f"{name}:{line_no}: a NUL byte; expected a text CSV file")
    return text


def _columns(name: str, header_line: str) -> list[int]:
    """The position of each `REQUIRED` column in the header line, then that of the
    `REPLICATION` column if there is one."""
    header = [h.strip() for h in header_line.split(",")]
    cols = []
    for col in (*REQUIRED, REPLICATION):
        found = [i for i, h in enumerate(header) if h == col]
        if not found and col == REPLICATION:
            break
        if not found:
            raise FusionInputError(f"{name}: missing column '{col}' in header")
        if len(found) > 1:
            raise FusionInputError(f"{name}: column '{col}' appears {len(found)} times "
                                   "in header")
        cols.append(found[0])
    return cols


#: Largest replication number of a ``replication`` column (float64 holds it exactly).
MAX_REPLICATION = 2.0**53


def _replications(name: str, rep: FloatArray, body_lines: Callable[[], list[str]],
                  col: int) -> IntArray | None:
    """The ``replication`` column checked: whole numbers from 0 to `MAX_REPLICATION`,
    non-decreasing; None when it holds one value (one log)."""
    bad = np.flatnonzero(~((rep >= 0) & (rep <= MAX_REPLICATION) & (rep == np.round(rep))))
    if len(bad):
        i = int(bad[0])
        raise FusionInputError(f"{name}:{i + 2}: column '{REPLICATION}': expected a whole "
                               f"number >= 0, got {body_lines()[i].split(',')[col].strip()!r}")
    if len(rep) == 0 or rep.min() == rep.max():
        return None
    back = np.flatnonzero(np.diff(rep) < 0)
    if len(back):
        i = int(back[0]) + 1
        raise FusionInputError(f"{name}:{i + 2}: replication {int(rep[i])} after "
                               f"replication {int(rep[i - 1])} (rows must be grouped by "
                               "replication, in increasing order, as a run writes them)")
    return rep.astype(np.int64)


def _csv_kernels():  # noqa: ANN202 - a module
    """The exact CSV kernels: the C port built at install (`command.fusion.prebuilt`),
    else `command.fusion.csvfast` (numba's JIT); None without either."""
    fast = prebuilt.load()
    if fast is not None:
        return fast
    try:
        from command.fusion import csvfast
    except ImportError:
        return None
    return csvfast


def _parse_fast(raw: bytes, start: int, cols: Sequence[int],
                n_fields: int) -> FloatArray | None:
    """The wanted columns of the data rows (``raw`` from byte ``start``, read in place)
    by the compiled exact fast path, or None.

    None means "take the general path": the file holds something the fast path does
    not read (`command.fusion.csvfast`), or numba is not installed.
    """
    csvfast = _csv_kernels()
    if csvfast is None:
        return None
    ok, data = csvfast.parse_decimal_rows(np.frombuffer(raw, np.uint8, offset=start),
                                          np.asarray(cols, np.int64), n_fields)
    return data if ok else None


def read_detections(path: str | Path) -> Detections:
    """Read and validate a detections CSV.

    Parameters
    ----------
    path : file to read

    Returns
    -------
    Detections

    Raises
    ------
    FusionInputError
        Missing or duplicated required column, a value that is not a finite number, a
        non-integer sensor id, a blank line, times not sorted, a negative variance or a
        covariance that is not positive definite, a value beyond `LIMITS`, text that
        is not UTF-8. The message is one line,
        ``FILE:LINE: ...`` (line 1 is the header).
    """
    name = str(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise FusionInputError(f"{name}: cannot read: {e.strerror or e}") from None
    # The fast path decodes only the header: a body it accepts is printable ASCII.
    end = raw.find(b"\n")
    data: FloatArray | None = None
    cols: list[int] = []
    try:
        head = (raw if end < 0 else raw[:end]).decode("utf-8-sig")
    except UnicodeDecodeError:
        head = None
    if end >= 0 and head is not None and "\0" not in head and len(head.splitlines()) == 1:
        cols = _columns(name, head.splitlines()[0])
        data = _parse_fast(raw, end + 1, cols, max(cols) + 1)
    text_cache: list[str] = []

    def text() -> str:
        """The whole file as text, checked (made only when needed)."""
        if not text_cache:
            text_cache.append(_decode(name, raw))
        return text_cache[0]

    lines_cache: list[list[str]] = []

    def body_lines() -> list[str]:
        """The data lines as the general path reads them (made only when needed)."""
        if not lines_cache:
            body = text().splitlines()[1:]
            while body and not body[-1].strip():
                body.pop()
            lines_cache.append(body)
        return lines_cache[0]

    if data is None:
        lines = text().splitlines()
        if not lines:
            raise FusionInputError(f"{name}: empty file, expected a header line")
        cols = _columns(name, lines[0])
    n_fields = max(cols) + 1
    if data is None:  # the general path: every kind of file, every error message
        body = body_lines()
        for i, line in enumerate(body):
            if not line.strip():
                raise FusionInputError(f"{name}:{i + 2}: blank line")
        if body:
            try:
                data = np.loadtxt(body, delimiter=",", usecols=cols, ndmin=2,
                                  comments=None, dtype=np.float64)
            except ValueError:
                raise _locate_bad_value(name, body, cols, n_fields) from None
        else:
            data = np.zeros((0, 7))
    replication = None
    if data.shape[1] > len(REQUIRED):
        replication = _replications(name, data[:, len(REQUIRED)], body_lines,
                                    cols[len(REQUIRED)])
        data = np.ascontiguousarray(data[:, :len(REQUIRED)])
    fast = prebuilt.load()
    if fast is not None and replication is None:
        ok, t, sensor, z, R = fast.layout_detections(np.ascontiguousarray(data), _LIMITS)
        if ok:  # every check below passes: one C pass instead of ~15 numpy ones
            return Detections(t_s=t, sensor=sensor, z=z, R=R)
    elif fast is not None and replication is not None:  # a C pass per replication
        laid = [fast.layout_detections(np.ascontiguousarray(data[s:e]), _LIMITS)
                for s, e in runs_of(replication)]
        if all(part[0] for part in laid):
            t, sensor, z, R = (np.concatenate([part[k] for part in laid]) for k in range(1, 5))
            return Detections(t_s=t, sensor=sensor, z=z, R=R, replication=replication)
    if len(data) and (not np.isfinite(data).all()
                      or (data[:, 1] != np.round(data[:, 1])).any()):
        raise _locate_bad_value(name, body_lines(), cols, n_fields)
    _check_ranges(name, data)
    t = data[:, 0]
    back = np.flatnonzero(np.diff(t) < 0)
    if replication is not None:  # a replication starts again from its first time
        back = back[replication[back] == replication[back + 1]]
    if len(back):
        i = int(back[0]) + 1
        body = body_lines()
        within = "" if replication is None else " within each replication"
        raise FusionInputError(f"{name}:{i + 2}: time {body[i].split(',')[cols[0]].strip()}"
                               f" is before the previous row's "
                               f"{body[i - 1].split(',')[cols[0]].strip()} (rows must be "
                               f"sorted by time{within})")
    vx, vy, cxy = data[:, 4], data[:, 5], data[:, 6]
    with np.errstate(all="ignore"):  # checked below; no overflow warning on stderr
        det_r = vx * vy - cxy * cxy
    for col, v in (("var_x", vx), ("var_y", vy)):
        bad = np.flatnonzero(v < 0)
        if len(bad):
            i = int(bad[0])
            raise FusionInputError(f"{name}:{i + 2}: column '{col}': variance must not "
                                   f"be negative, got {v[i]:g}")
    bad = np.flatnonzero(~((vx > 0) & (det_r > 0)))
    if len(bad):
        i = int(bad[0])
        raise FusionInputError(f"{name}:{i + 2}: covariance var_x={vx[i]:g}, "
                               f"var_y={vy[i]:g}, cov_xy={cxy[i]:g} is not positive "
                               "definite (need var_x > 0 and var_x*var_y > cov_xy²)")
    R = np.empty((len(t), 2, 2))
    R[:, 0, 0], R[:, 1, 1] = vx, vy
    R[:, 0, 1] = R[:, 1, 0] = cxy
    return Detections(t_s=t.copy(), sensor=data[:, 1].astype(np.int64),
                      z=data[:, 2:4].copy(), R=R, replication=replication)


def format_tracks(t_s: FloatArray, track: IntArray, xy: FloatArray,
                  extra: tuple[FloatArray, Sequence[str], FloatArray] | None) -> str:
    """Return the tracks CSV text (header included).

    Parameters
    ----------
    t_s : (k,) times, s; track : (k,) ids; xy : (k, 2) positions, m
    extra : None, or ((k, 2) velocities m/s, (k,) status strings, (k, 3) class
        probabilities) for the optional columns
    """
    header = ",".join(TRACK_COLUMNS + (EXTRA_COLUMNS if extra is not None else ()))
    if extra is None:
        fast = _format_fast(t_s, track, xy)
        if fast is not None:
            return header + "\n" + fast
    cols: list[Sequence[str]] = [
        [f"{v:.6f}" for v in t_s.tolist()], [str(v) for v in track.tolist()],
        [f"{v:.3f}" for v in xy[:, 0].tolist()], [f"{v:.3f}" for v in xy[:, 1].tolist()]]
    if extra is not None:
        v, status, prob = extra
        cols += [[f"{a:.4f}" for a in v[:, 0].tolist()],
                 [f"{a:.4f}" for a in v[:, 1].tolist()], list(status)]
        cols += [[f"{a:.4f}" for a in prob[:, j].tolist()] for j in range(3)]
    rows = [",".join(r) for r in zip(*cols, strict=True)]
    return header + "\n" + "".join(r + "\n" for r in rows)


def _format_fast(t_s: FloatArray, track: IntArray, xy: FloatArray) -> str | None:
    """The rows by the compiled exact formatter (`command.fusion.csvfast`), or None."""
    csvfast = _csv_kernels()
    if csvfast is None:
        return None
    ok, out, n = csvfast.format_fixed_rows(
        np.ascontiguousarray(t_s, np.float64), np.ascontiguousarray(track, np.int64),
        np.ascontiguousarray(xy[:, 0], np.float64), np.ascontiguousarray(xy[:, 1], np.float64))
    return out[:n].tobytes().decode("ascii") if ok else None


#: Rows the fast writer formats at a time (~1.5 MB of text).
WRITE_CHUNK_ROWS = 16_384


class _NotExact(Exception):
    """A value the exact fast formatter does not write (the general path will)."""


def write_tracks(path: str | Path, t_s: FloatArray, track: IntArray, xy: FloatArray,
                 extra: tuple[FloatArray, Sequence[str], FloatArray] | None,
                 replication: IntArray | None = None) -> None:
    """Write `format_tracks`'s text to ``path`` atomically (`write_atomic`).

    With ``replication`` ((k,) non-decreasing), each row also gets its replication, in
    a last column ``replication`` (as a run's ``tracks.csv``).

    The fast path formats and writes `WRITE_CHUNK_ROWS` rows at a time, so the text
    of a large file is never held whole (on 316,000 rows that whole text, its bytes
    and their copies touched ~120 MB of fresh memory, ~0.1 s of ``fuse``); the
    bytes are those of `format_tracks`. A value it cannot write exactly anywhere in
    the file sends the whole file through the general path instead.
    """
    if replication is not None:
        _write_atomic(path, lambda f: _write_replications(f, t_s, track, xy, extra,
                                                          replication))
        return
    kernels = _csv_kernels() if extra is None else None
    if kernels is not None:
        c = np.ascontiguousarray
        t, ids = c(t_s, np.float64), c(track, np.int64)
        x, y = c(xy[:, 0], np.float64), c(xy[:, 1], np.float64)

        def write(f: BinaryIO) -> None:
            f.write((",".join(TRACK_COLUMNS) + "\n").encode("ascii"))
            for s in range(0, len(t), WRITE_CHUNK_ROWS):
                e = s + WRITE_CHUNK_ROWS
                ok, out, n = kernels.format_fixed_rows(t[s:e], ids[s:e], x[s:e], y[s:e])
                if not ok:
                    raise _NotExact
                f.write(memoryview(out)[:n])

        try:
            _write_atomic(path, write)
            return
        except _NotExact:
            pass
    write_atomic(path, format_tracks(t_s, track, xy, extra))


def _write_replications(f: BinaryIO, t_s: FloatArray, track: IntArray, xy: FloatArray,
                        extra: tuple[FloatArray, Sequence[str], FloatArray] | None,
                        replication: IntArray) -> None:
    """`format_tracks`'s rows replication by replication, each ended by its number."""
    header = ",".join(TRACK_COLUMNS + (EXTRA_COLUMNS if extra is not None else ()))
    f.write(f"{header},{REPLICATION}\n".encode("ascii"))
    for s, e in runs_of(replication):
        part = None if extra is None else (extra[0][s:e], extra[1][s:e], extra[2][s:e])
        text = format_tracks(t_s[s:e], track[s:e], xy[s:e], part)
        rows = text[text.index("\n") + 1:]
        f.write(rows.replace("\n", f",{int(replication[s])}\n").encode("utf-8"))


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` (UTF-8, ``\\n`` line ends) through a temporary file
    and a rename.

    The temporary file lives beside the target, so the rename is atomic: a reader
    sees the old file or the complete new one, never a half-written one.
    """
    _write_atomic(path, lambda f: f.write(text.encode("utf-8")))


def _write_atomic(path: str | Path, write: Callable[[BinaryIO], object]) -> None:
    """`write_atomic` of whatever ``write`` writes to the binary file it is given;
    an exception it raises leaves nothing behind (and is raised again)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o644 & ~mask)  # mkstemp makes it private; an output is for sharing
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
