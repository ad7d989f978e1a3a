"""Piecewise-linear trajectories in time: how every mover is described.

A mover (crossing group, patrol) is a sequence of timed points; between two points
it moves in a straight line at constant speed. Sensors compute exposure intervals
from these legs in closed form instead of polling positions every second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.ground import prebuilt

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Trajectory:
    """Timed waypoints of one mover.

    Attributes
    ----------
    t_s : (k,) strictly increasing times, s (k >= 1; a single point is a mover
        standing still for an instant)
    xy : (k, 2) positions, m
    """

    t_s: FloatArray
    xy: FloatArray

    def __post_init__(self) -> None:
        t = np.asarray(self.t_s, dtype=np.float64)
        xy = np.asarray(self.xy, dtype=np.float64).reshape(-1, 2)
        if t.ndim != 1 or len(t) != len(xy) or len(t) == 0:
            raise ValueError("a trajectory needs k >= 1 times and k points")
        if np.any(np.diff(t) <= 0):
            raise ValueError("trajectory times must be strictly increasing")
        object.__setattr__(self, "t_s", t)
        object.__setattr__(self, "xy", xy)

    @classmethod
    def _of(cls, t_s: FloatArray, xy: FloatArray) -> Trajectory:
        """A trajectory of arrays known valid (float64, ``t_s`` (k,) strictly
        increasing, ``xy`` (k, 2)): the pieces this class cuts from valid ones."""
        traj = object.__new__(cls)
        object.__setattr__(traj, "t_s", t_s)
        object.__setattr__(traj, "xy", xy)
        return traj

    def _columns(self) -> tuple[FloatArray, FloatArray]:
        """x (k,) and y (k,) as contiguous arrays, made once (what `np.interp` reads)."""
        cols = self.__dict__.get("_cols")
        if cols is None:
            cols = (np.ascontiguousarray(self.xy[:, 0]), np.ascontiguousarray(self.xy[:, 1]))
            object.__setattr__(self, "_cols", cols)
        return cols

    def knots(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """t (k,), x (k,) and y (k,) as contiguous arrays, made once (what the C
        kernels read)."""
        knots = self.__dict__.get("_knots_c")
        if knots is None:
            knots = (np.ascontiguousarray(self.t_s), *self._columns())
            object.__setattr__(self, "_knots_c", knots)
        return knots

    @property
    def start_s(self) -> float:
        return float(self.t_s[0])

    @property
    def end_s(self) -> float:
        return float(self.t_s[-1])

    @property
    def legs(self) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Start time (l,), end time (l,), start point (l, 2) and velocity (l, 2) of each leg."""
        t0, t1 = self.t_s[:-1], self.t_s[1:]
        p0 = self.xy[:-1]
        v = (self.xy[1:] - p0) / (t1 - t0)[:, None]
        return t0, t1, p0, v

    def position_at(self, t_s: float | FloatArray) -> FloatArray:
        """Position at time(s) ``t_s``; clamped to the first and last point.

        Returns (2,) for a scalar time, ``shape + (2,)`` for an array of times of any
        shape. Computed by the C port (``csrc/trajectory.c``) when it is built,
        bit for bit `_position_at_numpy`'s.
        """
        kernels = prebuilt.load()
        if kernels is None:
            return self._position_at_numpy(t_s)
        if isinstance(t_s, float | int):
            return kernels.position_at(*self.knots(), t_s)
        t = np.asarray(t_s, dtype=np.float64)
        out = kernels.position_at(*self.knots(), t.ravel())
        return out.reshape(t.shape + (2,))

    def _position_at_numpy(self, t_s: float | FloatArray) -> FloatArray:
        """`position_at` in numpy: the reference (two `np.interp`, one per column)."""
        x, y = self._columns()
        if isinstance(t_s, float | int):
            return np.array((np.interp(t_s, self.t_s, x), np.interp(t_s, self.t_s, y)))
        t = np.asarray(t_s, dtype=np.float64)
        out = np.empty(t.shape + (2,))          # filled in place: cheaper than a stack
        out[..., 0] = np.interp(t, self.t_s, x)
        out[..., 1] = np.interp(t, self.t_s, y)
        return out

    def until(self, t_end_s: float) -> Trajectory:
        """The part of the trajectory up to ``t_end_s`` (the mover stops existing then)."""
        if t_end_s >= self.end_s:
            return self
        if t_end_s <= self.start_s:
            return Trajectory._of(self.t_s[:1], self.xy[:1])
        k = int(self.t_s.searchsorted(t_end_s, "left"))     # the times before t_end_s
        t, xy = np.empty(k + 1), np.empty((k + 1, 2))
        t[:k], t[k] = self.t_s[:k], t_end_s
        xy[:k], xy[k] = self.xy[:k], self.position_at(t_end_s)
        return Trajectory._of(t, xy)

    def after(self, t_start_s: float) -> Trajectory:
        """The part of the trajectory from ``t_start_s`` on (at least an instant)."""
        if t_start_s <= self.start_s:
            return self
        if t_start_s >= self.end_s:
            return Trajectory(np.array([t_start_s, t_start_s + 1e-6]),
                              np.vstack([self.xy[-1:], self.xy[-1:]]))
        k = int(self.t_s.searchsorted(t_start_s, "right"))  # the first time after it
        n = len(self.t_s) - k
        t, xy = np.empty(n + 1), np.empty((n + 1, 2))
        t[0], t[1:] = t_start_s, self.t_s[k:]
        xy[0], xy[1:] = self.position_at(t_start_s), self.xy[k:]
        return Trajectory._of(t, xy)

    def box(self, start_s: float, end_s: float) -> FloatArray:
        """Bounding box ``[xmin, ymin, xmax, ymax]`` of the positions held over
        ``[start_s, end_s]`` (clamped to the trajectory like `position_at`). Computed
        by the C port when it is built, bit for bit `_box_numpy`'s."""
        kernels = prebuilt.load()
        if kernels is None:
            return self._box_numpy(start_s, end_s)
        return kernels.box(*self.knots(), start_s, end_s)

    def _box_numpy(self, start_s: float, end_s: float) -> FloatArray:
        """`box` in numpy and Python floats: the reference."""
        t = self.t_s
        x, y = self._columns()
        # the points strictly inside (t is increasing), as plain floats: boxes are
        # taken of short plans many times, where numpy's reductions cost most
        i, j = int(t.searchsorted(start_s, "right")), int(t.searchsorted(end_s, "left"))
        ends = np.array([start_s, end_s])
        xs = np.interp(ends, t, x).tolist() + x[i:j].tolist()
        ys = np.interp(ends, t, y).tolist() + y[i:j].tolist()
        return np.array([min(xs), min(ys), max(xs), max(ys)])

    def shifted(self, dt_s: float) -> Trajectory:
        """The same path ``dt_s`` later."""
        return Trajectory(self.t_s + dt_s, self.xy)

    def speed_at(self, t_s: FloatArray) -> FloatArray:
        """Speed (n,), m/s, at times ``t_s`` (n,): that of the leg holding each time
        (legs are half-open ``[start, end)``; 0 outside the trajectory)."""
        t = np.asarray(t_s, dtype=np.float64)
        if len(self.t_s) < 2:
            return np.zeros(t.shape)
        t0, t1, _, v = self.legs
        leg = np.clip(np.searchsorted(self.t_s, t, side="right") - 1, 0, len(t0) - 1)
        speed = np.hypot(v[leg, 0], v[leg, 1])
        return np.where((t >= self.start_s) & (t < self.end_s), speed, 0.0)

    def splice(self, t_s: float, rest: Trajectory) -> Trajectory:
        """This trajectory up to ``t_s``, then ``rest`` (which starts at ``t_s`` where
        this one is then: a revised plan)."""
        head = self.until(t_s)
        k = int(rest.t_s.searchsorted(head.end_s, "right"))  # rest's times after head's
        if k == len(rest.t_s):
            return head
        return Trajectory._of(np.concatenate([head.t_s, rest.t_s[k:]]),
                              np.vstack([head.xy, rest.xy[k:]]))

    def along(self, t_s: FloatArray, value_at: Callable[[FloatArray], FloatArray],
              step_m: float) -> FloatArray:
        """``value_at`` (points (k, 2) → (k,)) of the positions at times ``t_s`` (n,),
        evaluated exactly every ``step_m`` of the path walked and linearly interpolated
        in between, so the cost grows with the path's length, not with n.

        Simplification: between two evaluations the value is taken as linear in the
        distance walked (sight lines through foliage, `sensors.common.LOS_STEP_M`)."""
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(self.xy, axis=0).T))])
        s = np.interp(t_s, self.t_s, cum)
        k = np.floor(s / step_m)
        knots = np.unique(np.concatenate([k, k + 1])) * step_m
        knot_xy = np.column_stack([np.interp(knots, cum, self.xy[:, 0]),
                                   np.interp(knots, cum, self.xy[:, 1])])
        return np.interp(s, knots, value_at(knot_xy))

    @property
    def length_m(self) -> float:
        return float(np.hypot(*np.diff(self.xy, axis=0).T).sum())
