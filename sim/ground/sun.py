"""The sun's elevation over a place at given times: the low-precision almanac formula.

Formula (Astronomical Almanac, "Low-precision formulas for the Sun", section C;
also Meeus, *Astronomical Algorithms*, 2nd ed., ch. 25 in its simpler form), with
n = JD(UT) − 2 451 545.0 the days from J2000.0:

    L = 280.460° + 0.9856474° n            mean longitude
    g = 357.528° + 0.9856003° n            mean anomaly
    λ = L + 1.915° sin g + 0.020° sin 2g   ecliptic longitude
    ε = 23.439° − 0.0000004° n             obliquity
    α = atan2(cos ε sin λ, cos λ),  δ = asin(sin ε sin λ)
    GMST = 18.697374558 h + 24.06570982441908 h · n
    H = GMST·15° + longitude − α           local hour angle
    sin h = sin φ sin δ + cos φ cos δ cos H

The almanac states a precision of 0.01° in α and δ between 1950 and 2050, about
2 s of time; the elevation is geometric (no refraction: the thresholds below carry
it). Light is classed by the elevation of the sun's centre:

- **day** above −0.833° (sunrise and sunset: upper limb on the horizon with 34′ of
  refraction and a 16′ semi-diameter, the U.S. Naval Observatory's convention);
- **civil twilight** from −6° to −0.833°;
- **night** below −6°.

`tests/unit/sim/test_sun.py` checks the times against the U.S. Naval Observatory's
published table for one date and place.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Elevation of the sun's centre at sunrise and sunset, degrees (USNO convention).
SUNRISE_DEG = -0.833
#: Elevation at the start of morning and the end of evening civil twilight, degrees.
CIVIL_TWILIGHT_DEG = -6.0

_J2000 = dt.datetime(2000, 1, 1, 12, 0, 0)


def days_from_j2000(utc: dt.datetime) -> float:
    """n = JD(UT) − 2 451 545.0 for a naive UTC datetime."""
    return (utc - _J2000).total_seconds() / 86_400.0


def solar_elevation_deg(n_days: FloatArray, latitude_deg: float,
                        longitude_deg: float) -> FloatArray:
    """Geometric elevation of the sun's centre, degrees, at days ``n_days`` from J2000
    (UT) over the place at ``latitude_deg`` north, ``longitude_deg`` east."""
    n = np.asarray(n_days, dtype=float)
    rad = np.pi / 180.0
    g = (357.528 + 0.9856003 * n) * rad
    lam = (280.460 + 0.9856474 * n + 1.915 * np.sin(g) + 0.020 * np.sin(2 * g)) * rad
    eps = (23.439 - 0.0000004 * n) * rad
    alpha = np.arctan2(np.cos(eps) * np.sin(lam), np.cos(lam))
    delta = np.arcsin(np.sin(eps) * np.sin(lam))
    gmst_h = 18.697374558 + 24.06570982441908 * n
    hour_angle = (gmst_h * 15.0 + longitude_deg) * rad - alpha
    phi = latitude_deg * rad
    sin_h = np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.cos(hour_angle)
    return np.degrees(np.arcsin(np.clip(sin_h, -1.0, 1.0)))


def light_class(elevation_deg: FloatArray) -> NDArray[np.int64]:
    """0 day, 1 civil twilight, 2 night from the sun's elevation (degrees)."""
    e = np.asarray(elevation_deg, float)
    return np.where(e > SUNRISE_DEG, 0, np.where(e > CIVIL_TWILIGHT_DEG, 1, 2)).astype(np.int64)


def light_changes(n0_days: float, latitude_deg: float, longitude_deg: float, start_s: float,
                  end_s: float, step_s: float = 300.0) -> tuple[FloatArray, NDArray[np.int64],
                                                                int]:
    """When the light class changes in [start_s, end_s), seconds after the instant
    ``n0_days`` (days from J2000, UT).

    Returns
    -------
    times_s : (k,) change times, sorted
    classes : (k,) the class from each change on
    first : the class at ``start_s``

    The elevation is sampled every ``step_s`` and each threshold crossing refined by
    two secant steps on the exact formula (error well under a second: the elevation
    changes by at most 0.25° a minute and is smooth).
    """
    t = np.arange(start_s, end_s + step_s, step_s)

    def elev(ts: FloatArray) -> FloatArray:
        return solar_elevation_deg(n0_days + np.asarray(ts) / 86_400.0, latitude_deg,
                                   longitude_deg)

    e = elev(t)
    cls = light_class(e)
    first = int(cls[0])
    times, classes = [], []
    for k in np.nonzero(np.diff(cls))[0]:
        lo, hi = float(t[k]), float(t[k + 1])
        threshold = SUNRISE_DEG if {int(cls[k]), int(cls[k + 1])} == {0, 1} \
            else CIVIL_TWILIGHT_DEG
        if abs(int(cls[k]) - int(cls[k + 1])) == 2:   # both thresholds within one step
            threshold = float("nan")
        if np.isnan(threshold):
            times.append((lo + hi) / 2)
            classes.append(int(cls[k + 1]))
            continue
        e_lo, e_hi = float(e[k]) - threshold, float(e[k + 1]) - threshold
        for _ in range(2):
            mid = lo + e_lo * (hi - lo) / (e_lo - e_hi)
            e_mid = float(elev(np.array([mid]))[0]) - threshold
            if e_mid == 0.0:
                lo = hi = mid
                break
            if (e_mid > 0) == (e_lo > 0):
                lo, e_lo = mid, e_mid
            else:
                hi, e_hi = mid, e_mid
        times.append(lo + e_lo * (hi - lo) / (e_lo - e_hi) if hi > lo else lo)
        classes.append(int(cls[k + 1]))
    keep = [i for i, x in enumerate(times) if start_s <= x < end_s]
    return (np.asarray(times, float)[keep], np.asarray(classes, np.int64)[keep], first)
