"""Light from the sun's elevation, against a published almanac.

Expected values: the U.S. Naval Observatory's "Complete Sun and Moon Data for One
Day" for Atlanta, Georgia (33.8° N, 84.4° W), Sunday 6 September 2009, Eastern
Daylight Time (UT − 4 h), as printed in PyEphem's documentation ("Rising,
Transit, Setting", rhodesmill.org/pyephem/rise-set.html):

    Begin civil twilight 6:50 a.m.   Sunrise 7:15 a.m.
    Sunset 7:56 p.m.                 End civil twilight 8:21 p.m.

The almanac rounds to the minute, so each time is checked within 1.5 min (half a
minute of rounding, and the low-precision formula's ≈ 2 s).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.ground.daylight import Daylight

ATLANTA = {"latitude_deg": 33.8, "longitude_deg": -84.4, "utc_offset_h": -4.0}
START = dt.datetime(2009, 9, 6, 0, 0)          # local midnight, EDT
USNO = {"begin civil twilight": (6, 50), "sunrise": (7, 15), "sunset": (19, 56),
        "end civil twilight": (20, 21)}
TOL_S = 90.0


def _s(hm: tuple[int, int]) -> float:
    return hm[0] * 3600.0 + hm[1] * 60.0


def test_light_changes_match_the_usno_almanac() -> None:
    light = Daylight(START, None, None, **ATLANTA)
    changes = light.light_changes(0.0, 86_400.0)
    assert len(changes) == 4
    for got, (name, hm) in zip(changes, USNO.items(), strict=True):
        assert abs(got - _s(hm)) <= TOL_S, (name, got / 3600.0)


def test_light_classes_between_the_changes() -> None:
    light = Daylight(START, None, None, **ATLANTA)
    probe = np.array([_s((5, 0)), _s((7, 0)), _s((12, 0)), _s((20, 5)), _s((23, 0))])
    assert light.light(probe).tolist() == [2, 1, 0, 1, 2]
    assert light.is_night(probe).tolist() == [True, False, False, False, True]


def test_night_intervals_run_from_end_to_begin_of_civil_twilight() -> None:
    light = Daylight(START, None, None, **ATLANTA)
    nights = light.night_intervals(0.0, 2 * 86_400.0)
    # night of the 6th: from 20:21 to 6:50 of the 7th (the next day's twilight begins a
    # minute later in September at this latitude: within the tolerance)
    evening = nights[1]
    assert abs(evening[0] - _s(USNO["end civil twilight"])) <= TOL_S
    assert abs(evening[1] - 86_400.0 - _s(USNO["begin civil twilight"])) <= TOL_S + 60


def test_midnight_sun_has_no_night() -> None:
    """Tromsø (69.65° N) lies north of the Arctic Circle: at the June solstice the sun
    does not set (midnight sun, about 20 May – 22 July)."""
    light = Daylight(dt.datetime(2026, 6, 21), None, None, latitude_deg=69.65,
                     longitude_deg=18.96, utc_offset_h=2.0)
    t = np.arange(0.0, 86_400.0, 600.0)
    assert (light.light(t) == 0).all()
    assert light.night_intervals(0.0, 86_400.0).shape == (0, 2)


@pytest.mark.parametrize("lat", [None, 52.0])
def test_light_of_a_longer_horizon_agrees(lat: float | None) -> None:
    """The light at a time does not depend on which times were asked before."""
    kw = {"latitude_deg": lat} if lat is not None else {}
    a = Daylight(dt.datetime(2026, 3, 1, 18), None, None, **kw)
    b = Daylight(dt.datetime(2026, 3, 1, 18), None, None, **kw)
    far = np.arange(0.0, 40 * 86_400.0, 997.0)
    b.light(far)                         # b covers 40 days first
    near = far[far < 3 * 86_400.0]
    assert (a.light(near) == b.light(near)).all()
