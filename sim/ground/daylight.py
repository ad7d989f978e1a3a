"""Light and weather over a run: the one interface sensors and observers read.

Light (`light`, `is_night`, `light_intervals`)
    With the segment's ``latitude_deg`` the light follows the sun
    (`sim.ground.sun`): day while the sun's centre is above −0.833° (sunrise and
    sunset as the U.S. Naval Observatory defines them), civil twilight down to −6°,
    night below. The scenario's ``start`` is local clock time; ``utc_offset_h`` and
    ``longitude_deg`` place it in UT (without them the clock is local mean solar time:
    noon is when the sun is highest). Seasons, polar days and polar nights follow.
    Without a latitude the run keeps fixed local ``sunrise`` and ``sunset`` times for
    every day and has no twilight (simplification, good for runs of days [G]).

Weather (`weather`, `visibility_m`, `wind_mps`)
    `sim.ground.weather.Weather`: clear, unlimited visibility and still air unless the
    scenario has a ``weather`` section (a timeline or a Markov chain).

`changes` gives every time in an interval at which light or weather changes, so a
sensor can cut its exposure intervals where its conditions change.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

from sim.ground.keyed import Draws
from sim.ground.specs import SegmentSpec, WeatherSpec, parse_clock_h
from sim.ground.sun import days_from_j2000, light_changes
from sim.ground.weather import WEATHER_KINDS, Weather

FloatArray = NDArray[np.float64]

#: Light levels, in the order `Daylight.light` returns their index.
LIGHT_KINDS = ("day", "twilight", "night")
__all__ = ["LIGHT_KINDS", "WEATHER_KINDS", "Daylight", "weather_from_spec"]

_NIGHT = LIGHT_KINDS.index("night")
#: Light changes are computed in blocks of this many seconds, then cached.
_BLOCK_S = 8 * 86_400.0


def weather_from_spec(spec: WeatherSpec | None, draws: Draws | None) -> Weather:
    """The run's `Weather` from its spec (None: always clear) and keyed stream."""
    if spec is None:
        return Weather.clear()
    vis = np.array([spec.state(k).visibility_m for k in WEATHER_KINDS])
    wind = np.array([spec.state(k).wind_mps for k in WEATHER_KINDS])
    if spec.timeline:
        return Weather(vis, wind, timeline=tuple(
            (float(e.at), WEATHER_KINDS.index(e.weather)) for e in spec.timeline))
    return Weather(vis, wind, transition=np.asarray(spec.transition_matrix()), step_s=spec.step_s,
                   draws=draws or Draws(0))


class Daylight:
    """Local clock of a run: hour of day, light and weather at simulation times.

    Parameters
    ----------
    start : local date and time at t = 0
    sunrise, sunset : fixed local times ``HH:MM`` (used without a latitude)
    latitude_deg : north positive; light from the sun's elevation when given
    longitude_deg : east positive; default: the clock's meridian, 15° × ``utc_offset_h``
    utc_offset_h : local clock − UT, hours; default: local mean solar time
    weather : the run's weather (default: always clear)
    """

    def __init__(self, start: dt.datetime, sunrise: str | None = "05:00",
                 sunset: str | None = "21:00", *, latitude_deg: float | None = None,
                 longitude_deg: float | None = None, utc_offset_h: float | None = None,
                 weather: Weather | None = None) -> None:
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
        self.start_offset_s = (start - midnight).total_seconds()
        self.sunrise_h = parse_clock_h(sunrise or "05:00")
        self.sunset_h = parse_clock_h(sunset or "21:00")
        self.latitude_deg = latitude_deg
        self.weather_model = weather or Weather.clear()
        self.override_weather([])
        if latitude_deg is not None:
            offset = (utc_offset_h if utc_offset_h is not None
                      else (longitude_deg or 0.0) / 15.0)
            self.longitude_deg = (longitude_deg if longitude_deg is not None
                                  else 15.0 * offset)
            utc = start.replace(tzinfo=None) - dt.timedelta(hours=offset)
            self._n0 = days_from_j2000(utc)
            self._lo = self._hi = 0.0
            self._ct = np.zeros(0)
            self._cc = np.zeros(0, dtype=np.int64)
            self._first = 0
            self._cover(-86_400.0, _BLOCK_S)

    @classmethod
    def from_spec(cls, start: dt.datetime, segment: SegmentSpec,
                  weather: WeatherSpec | None = None, draws: Draws | None = None) -> Daylight:
        """The run's daylight from the scenario's start, segment and weather section."""
        return cls(start, segment.sunrise, segment.sunset, latitude_deg=segment.latitude_deg,
                   longitude_deg=segment.longitude_deg, utc_offset_h=segment.utc_offset_h,
                   weather=weather_from_spec(weather, draws))

    @property
    def solar(self) -> bool:
        """True when light follows the sun (a latitude is given)."""
        return self.latitude_deg is not None

    def hour_of_day(self, t_s: float | NDArray[np.float64]) -> NDArray[np.float64]:
        """Local hour in [0, 24) at simulation time(s) ``t_s``."""
        return ((np.asarray(t_s, dtype=float) + self.start_offset_s) / 3600.0) % 24.0

    # --- light -------------------------------------------------------------------
    def _cover(self, lo: float, hi: float) -> None:
        """Extend the cached light changes to cover [lo, hi]."""
        assert self.latitude_deg is not None
        if self._hi > self._lo and lo >= self._lo and hi <= self._hi:
            return
        new_lo = min(lo, self._lo) if self._hi > self._lo else lo
        new_hi = max(hi, self._hi)
        new_lo = np.floor(new_lo / _BLOCK_S) * _BLOCK_S
        new_hi = np.ceil(new_hi / _BLOCK_S) * _BLOCK_S
        self._ct, self._cc, self._first = light_changes(
            self._n0, self.latitude_deg, self.longitude_deg, float(new_lo), float(new_hi))
        self._lo, self._hi = float(new_lo), float(new_hi)

    def light(self, t_s: float | NDArray[np.float64]) -> NDArray[np.int64]:
        """Light at times ``t_s``: index into `LIGHT_KINDS` (0 day, 1 twilight, 2 night)."""
        t = np.asarray(t_s, dtype=float)
        if not self.solar:
            h = self.hour_of_day(t)
            if self.sunrise_h < self.sunset_h:
                night = (h < self.sunrise_h) | (h >= self.sunset_h)
            else:
                night = (h >= self.sunset_h) & (h < self.sunrise_h)
            return np.where(night, _NIGHT, 0).astype(np.int64)
        if t.size:
            finite = t[np.isfinite(t)]
            if finite.size:
                self._cover(float(finite.min()), float(finite.max()))
        i = np.searchsorted(self._ct, t, side="right") - 1
        classes = np.concatenate([[self._first], self._cc])
        return classes[i + 1].astype(np.int64)

    def is_night(self, t_s: float | NDArray[np.float64]) -> NDArray[np.bool_]:
        """True at night (sun below −6°, or between the fixed sunset and sunrise)."""
        return self.light(t_s) == _NIGHT

    def light_intervals(self, kind: str, start_s: float, end_s: float) -> FloatArray:
        """Periods (n, 2), s, of light ``kind`` (`LIGHT_KINDS`) within [start_s, end_s)."""
        if end_s <= start_s:
            return np.zeros((0, 2))
        want = LIGHT_KINDS.index(kind)
        if not self.solar:
            if want == 1:
                return np.zeros((0, 2))
            cuts = self._fixed_changes(start_s, end_s)
        else:
            self._cover(start_s, end_s)
            inside = (self._ct > start_s) & (self._ct < end_s)
            cuts = self._ct[inside]
        edges = np.concatenate([[start_s], cuts, [end_s]])
        mids = (edges[:-1] + edges[1:]) / 2
        keep = self.light(mids) == want
        return np.column_stack([edges[:-1][keep], edges[1:][keep]]).reshape(-1, 2)

    def night_intervals(self, start_s: float, end_s: float) -> FloatArray:
        """Night periods (n, 2), s, within [start_s, end_s), sorted."""
        iv = self.light_intervals("night", start_s, end_s)
        if len(iv) < 2:
            return iv
        # join pieces that touch (a weather or block cut inside one night)
        gap = iv[1:, 0] > iv[:-1, 1]
        starts = iv[np.concatenate([[True], gap]), 0]
        ends = iv[np.concatenate([gap, [True]]), 1]
        return np.column_stack([starts, ends])

    def _fixed_changes(self, start_s: float, end_s: float) -> FloatArray:
        off, day = self.start_offset_s, 86_400.0
        first = np.floor((start_s + off) / day) - 1
        last = np.ceil((end_s + off) / day) + 1
        days = np.arange(first, last + 1) * day - off
        t = np.sort(np.concatenate([days + self.sunrise_h * 3600.0,
                                    days + self.sunset_h * 3600.0]))
        return t[(t > start_s) & (t < end_s)]

    def light_changes(self, start_s: float, end_s: float) -> FloatArray:
        """Times in (start_s, end_s) at which the light changes, sorted."""
        if end_s <= start_s:
            return np.zeros(0)
        if not self.solar:
            return self._fixed_changes(start_s, end_s)
        self._cover(start_s, end_s)
        return self._ct[(self._ct > start_s) & (self._ct < end_s)]

    # --- weather -----------------------------------------------------------------
    def override_weather(self, changes: list[tuple[float, int, float, float]]) -> None:
        """From each ``(at_s, state index, visibility_m, wind_mps)`` on, the weather
        is that state with that visibility and wind, whatever the run's weather model
        says: the exercise's weather injects (`sim.injects`)."""
        changes = sorted(changes, key=lambda c: c[0])
        self._over_at = np.array([c[0] for c in changes], dtype=float)
        self._over_state = np.array([c[1] for c in changes], dtype=np.int64)
        self._over_vis = np.array([c[2] for c in changes], dtype=float)
        self._over_wind = np.array([c[3] for c in changes], dtype=float)

    def _override(self, t: NDArray[np.float64]) -> NDArray[np.int64] | None:
        """Per time, the index of the weather override in force (-1: none), or None
        without overrides."""
        if not len(self._over_at):
            return None
        return np.searchsorted(self._over_at, t, side="right") - 1

    def weather(self, t_s: float | NDArray[np.float64]) -> NDArray[np.int64]:
        """Weather at times ``t_s``: index into `WEATHER_KINDS` (0 clear)."""
        base = self.weather_model.state(t_s)
        i = self._override(np.asarray(t_s, dtype=float))
        if i is None:
            return base
        return np.where(i >= 0, self._over_state[np.maximum(i, 0)], base)

    def visibility_m(self, t_s: float | NDArray[np.float64]) -> NDArray[np.float64]:
        """Meteorological visibility at times ``t_s``, m (inf: unlimited)."""
        vis = self.weather_model.visibility[self.weather_model.state(t_s)]
        i = self._override(np.asarray(t_s, dtype=float))
        if i is None:
            return vis
        return np.where(i >= 0, self._over_vis[np.maximum(i, 0)], vis)

    def wind_mps(self, t_s: float | NDArray[np.float64]) -> NDArray[np.float64]:
        """Wind speed at times ``t_s``, m/s."""
        wind = self.weather_model.wind[self.weather_model.state(t_s)]
        i = self._override(np.asarray(t_s, dtype=float))
        if i is None:
            return wind
        return np.where(i >= 0, self._over_wind[np.maximum(i, 0)], wind)

    def changes(self, start_s: float, end_s: float) -> FloatArray:
        """Every time in (start_s, end_s) at which light or weather changes, sorted:
        conditions are constant between consecutive ones (for exposure intervals)."""
        w, _ = self.weather_model.changes(start_s, end_s)
        over = self._over_at
        over = over[(over > start_s) & (over < end_s)]
        return np.unique(np.concatenate([self.light_changes(start_s, end_s), w, over]))
