"""Sensor outages: windows of time in which a sensor is out of service.

A failed sensor makes no report at all — no detection, no nuisance alarm — from the
instant it fails until it is repaired; its looks outside the windows are unchanged
(draws are keyed per look, so cutting some reports shifts no other:
common random numbers). Windows come from the exercise script (`sim.injects`).

Simplification [G]: a failure is total and instantaneous (no degraded Pd, no
intermittent reports).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from sensors.base import FloatArray, Reports


class Outages:
    """Out-of-service windows per integer source id.

    ``windows[source]`` is a list of ``(start_s, end_s)``, end exclusive (``inf``: not
    repaired); a report measured at ``t`` with ``start_s <= t < end_s`` is not made.

    Examples
    --------
    >>> o = Outages({0: [(10.0, 20.0)]})
    >>> o.working(0, np.array([5.0, 10.0, 19.9, 20.0])).tolist()
    [True, False, False, True]
    >>> bool(o.working(1, np.array([15.0]))[0])
    True
    """

    def __init__(self, windows: Mapping[int, Sequence[tuple[float, float]]]) -> None:
        self.windows = {int(k): np.asarray(v, dtype=float).reshape(-1, 2)
                        for k, v in windows.items() if len(v)}

    def working(self, source: int, t_s: FloatArray) -> np.ndarray:
        """Whether ``source`` works at each of the times ``t_s`` (n,) → bool (n,)."""
        t = np.asarray(t_s, dtype=float)
        ok = np.ones(t.shape, dtype=bool)
        for start, end in self.windows.get(int(source), ()):
            ok &= ~((t >= start) & (t < end))
        return ok

    def screen(self, source: int, reports: Reports) -> Reports:
        """``reports`` without those made while ``source`` was out of service."""
        if int(source) not in self.windows or not len(reports):
            return reports
        keep = self.working(source, reports.t_s)
        if keep.all():
            return reports
        return Reports(reports.sensor, reports.t_s[keep], reports.xy[keep],
                       reports.cov[keep], reports.truth[keep], reports.class_lik[keep])
