"""Which fixed sensors may report a group's plan: their reach, tested all at once.

A sensor that knows a bound of what it can report (`Sensor.reach_box`: a box;
`Sensor.reach_disc`: a disc, tighter) lets the world skip asking it about a group
whose plan never comes near (`sim.world.observations`). With hundreds of sensors a
plan is tested against every bound in one array operation, not sensor by sensor:
the boxes first, then, for the sensors left, the distance from each disc's centre
to the plan's path.

The test only ever skips a sensor that would report nothing: a plan must stay more
than `REACH_MARGIN_M` beyond a bound to be skipped (a margin for rounding; the exact
test is the sensor's own), so where the filter's arithmetic rounds differently the
sensor is asked, and answers nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

from sensors.base import Sensor

FloatArray = NDArray[np.float64]

#: How far beyond a sensor's `reach_box` or `reach_disc` a group must stay to be
#: skipped, m.
REACH_MARGIN_M = 0.01


class FixedSensors(Sequence[tuple[int, Sensor]]):
    """The fixed sensors ``(source position, sensor)``, in source order, with their
    reach bounds as arrays per group size (computed on first use of a size)."""

    def __init__(self, fixed: Sequence[tuple[int, Sensor]]) -> None:
        self._fixed = list(fixed)
        self._bounds: dict[int, tuple[FloatArray, FloatArray]] = {}

    def __len__(self) -> int:
        return len(self._fixed)

    def __getitem__(self, k):  # noqa: ANN001, ANN204 - Sequence's overloads
        return self._fixed[k]

    def __iter__(self) -> Iterator[tuple[int, Sensor]]:
        return iter(self._fixed)

    def _bounds_of(self, size: int) -> tuple[FloatArray, FloatArray]:
        """Boxes (n, 4) and discs (n, 3) of a group of ``size``, NaN where unknown."""
        got = self._bounds.get(size)
        if got is None:
            nan4, nan3 = (np.nan,) * 4, (np.nan,) * 3
            boxes = np.array([s.reach_box(size) or nan4 for _, s in self._fixed],
                             float).reshape(-1, 4)
            discs = np.array([s.reach_disc(size) or nan3 for _, s in self._fixed],
                             float).reshape(-1, 3)
            got = self._bounds[size] = (boxes, discs)
        return got

    def in_reach(self, xy: FloatArray, size: int) -> list[tuple[int, Sensor]]:
        """The sensors, in source order, that may report a group of ``size`` walking
        the path through the vertices ``xy`` (k, 2), m: the others stay beyond their
        box or their disc (module docstring). The whole plan's path counts (a sensor
        may look back before a revision: a seismic alarm latched stays on)."""
        if not self._fixed:
            return []
        boxes, discs = self._bounds_of(size)
        (gx0, gy0), (gx1, gy1) = xy.min(axis=0), xy.max(axis=0)
        m = REACH_MARGIN_M
        # NaN (no box) compares False: kept
        far = ((boxes[:, 0] - gx1 > m) | (gx0 - boxes[:, 2] > m)
               | (boxes[:, 1] - gy1 > m) | (gy0 - boxes[:, 3] > m))
        test = np.flatnonzero(~far & ~np.isnan(discs[:, 2]))
        if len(test):
            far[test] = paths_stay_outside(xy, discs[test])
        return [self._fixed[k] for k in np.flatnonzero(~far).tolist()]


def paths_stay_outside(xy: FloatArray, discs: FloatArray) -> NDArray[np.bool_]:
    """Whether the path through the vertices ``xy`` (k, 2), m, stays farther than
    each disc's radius plus `REACH_MARGIN_M` from its centre, for ``discs`` (n, 3) of
    ``(x, y, radius)``: the distance to each leg at the leg's nearest point (n,)."""
    c = discs[:, None, :2]                               # (n, 1, 2)
    limit = (discs[:, 2] + REACH_MARGIN_M) ** 2
    start = xy[None, :-1] - c                            # (n, legs, 2)
    if start.shape[1] == 0:                              # a group standing still
        d = xy[None, 0] - c[:, 0]
        return (d[:, 0] ** 2 + d[:, 1] ** 2) > limit
    leg = np.diff(xy, axis=0)[None]                      # (1, legs, 2)
    length2 = leg[..., 0] ** 2 + leg[..., 1] ** 2
    along = -(start[..., 0] * leg[..., 0] + start[..., 1] * leg[..., 1])
    along = np.clip(along / np.maximum(length2, 1e-300), 0.0, 1.0)
    near = start + along[..., None] * leg
    return (near[..., 0] ** 2 + near[..., 1] ** 2).min(axis=1) > limit
