"""Day and night from the scenario's start time and its sunrise and sunset.

Simplification: sunrise and sunset are fixed local times for the whole run (no
seasonal drift, no twilight); good for runs of days to weeks [G].
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

from sim.ground.specs import parse_clock_h

#: Light levels, in the order `Daylight.light` returns their index.
LIGHT_KINDS = ("day", "twilight", "night")
#: Weather kinds, in the order `Daylight.weather` returns their index.
WEATHER_KINDS = ("clear", "rain", "fog", "snow")


class Daylight:
    """Local clock of a run: hour of day, light and weather at simulation times.

    `light`, `weather`, `visibility_m` and `wind_mps` are the one interface through which
    sensors and observers read conditions (vectorised over times).
    """

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

    # --- Conditions interface (light and weather) -------------------------------
    # Sensors read light and weather only through these methods, so the weather model
    # can change without touching them. Until a weather model is configured the sky is
    # clear, visibility unlimited and the air still.

    def light(self, t_s: float | NDArray[np.float64]) -> NDArray[np.int64]:
        """Light at times ``t_s``: index into `LIGHT_KINDS` (0 day, 1 twilight, 2 night)."""
        return np.where(self.is_night(t_s), LIGHT_KINDS.index("night"),
                        LIGHT_KINDS.index("day")).astype(np.int64)

    def weather(self, t_s: float | NDArray[np.float64]) -> NDArray[np.int64]:
        """Weather at times ``t_s``: index into `WEATHER_KINDS` (0 clear)."""
        return np.zeros(np.shape(np.asarray(t_s, dtype=float)), dtype=np.int64)

    def visibility_m(self, t_s: float | NDArray[np.float64]) -> NDArray[np.float64]:
        """Meteorological visibility at times ``t_s``, m (inf: unlimited)."""
        return np.full(np.shape(np.asarray(t_s, dtype=float)), np.inf)

    def wind_mps(self, t_s: float | NDArray[np.float64]) -> NDArray[np.float64]:
        """Wind speed at times ``t_s``, m/s."""
        return np.zeros(np.shape(np.asarray(t_s, dtype=float)))
