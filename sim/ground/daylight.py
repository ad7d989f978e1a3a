"""Day and night from the scenario's start time and its sunrise and sunset.

Simplification: sunrise and sunset are fixed local times for the whole run (no
seasonal drift, no twilight); good for runs of days to weeks [G].
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

from sim.ground.specs import parse_clock_h


class Daylight:
    """Local clock of a run: hour of day and night flag for simulation times."""

    def __init__(self, start: dt.datetime, sunrise: str, sunset: str) -> None:
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
        self.start_offset_s = (start - midnight).total_seconds()
        self.sunrise_h = parse_clock_h(sunrise)
        self.sunset_h = parse_clock_h(sunset)

    def hour_of_day(self, t_s: float | NDArray[np.float64]) -> NDArray[np.float64]:
        """Local hour in [0, 24) at simulation time(s) ``t_s``."""
        return ((np.asarray(t_s, dtype=float) + self.start_offset_s) / 3600.0) % 24.0

    def is_night(self, t_s: float | NDArray[np.float64]) -> NDArray[np.bool_]:
        """True between sunset and sunrise."""
        h = self.hour_of_day(t_s)
        if self.sunrise_h < self.sunset_h:
            return (h < self.sunrise_h) | (h >= self.sunset_h)
        return (h >= self.sunset_h) & (h < self.sunrise_h)
