"""The UAV (`sensors.uav`): sortie timing, weather limits, canopy occlusion, tasks."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from sensors.uav import UAV
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws
from sim.ground.specs import SegmentSpec, UAVSpec, ZoneSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory
from sim.ground.weather import Weather

H = 3600.0


def _daylight(timeline: tuple[tuple[float, int], ...] = ((0.0, 0),),
              wind: float = 3.0) -> Daylight:
    weather = Weather(np.array([2e4, 5e3, 300.0, 1e3]), np.array([wind, 7.0, 1.0, 5.0]),
                      timeline=timeline)
    return Daylight(dt.datetime(2026, 6, 1), "05:00", "21:00", weather=weather)


def _uav(**kw: object) -> UAVSpec:
    base: dict[str, object] = {"id": "uav-01", "base_m": (0.0, 0.0), "speed_mps": 15.0,
                               "endurance_s": 2400.0, "turnaround_s": 1200.0}
    base.update(kw)
    return UAVSpec.model_validate(base)


def test_orbit_sorties_follow_transit_endurance_and_turnaround() -> None:
    """Orbit centre 3 km from the base at 15 m/s: 200 s out, on station 200 s → 2200 s,
    landed at 2400 s, next launch after 1200 s on the ground at 3600 s."""
    uav = UAV(_uav(mode="orbit", orbit_centre_m=(3000.0, 0.0)), None, _daylight(), 3 * H)
    assert uav.sorties[0] == pytest.approx((0.0, 200.0, 2200.0, 2400.0, 3000.0, 0.0))
    assert uav.sorties[1][0] == pytest.approx(3600.0)
    xy, on = uav.position(np.array([100.0, 200.0, 1000.0, 2300.0]))
    assert on.tolist() == [False, True, True, False]
    assert np.hypot(*(xy[2] - [3000.0, 0.0])) == pytest.approx(500.0)   # on the orbit


def test_fog_and_wind_ground_it() -> None:
    fog_then_clear = _daylight(((0.0, 2), (2 * H, 0)))
    uav = UAV(_uav(mode="orbit", orbit_centre_m=(3000.0, 0.0)), None, fog_then_clear, 4 * H)
    assert uav.sorties[0][0] == pytest.approx(2 * H)          # takes off when fog lifts
    windy = UAV(_uav(mode="orbit", orbit_centre_m=(3000.0, 0.0)), None,
                _daylight(wind=15.0), 4 * H)
    assert windy.sorties == []
    # fog coming in during a sortie: it turns home at the next weather check
    fog_later = _daylight(((0.0, 0), (900.0, 2)))
    uav = UAV(_uav(mode="orbit", orbit_centre_m=(3000.0, 0.0)), None, fog_later, 2 * H)
    assert uav.sorties[0][2] == pytest.approx(900.0)


def test_an_alert_task_launches_it_once_until_it_is_ready_again() -> None:
    """4.5 km at 15 m/s: overhead after 300 s, 600 s there, home 300 s later (t = 1300),
    ready again after the 1200 s turnaround (t = 2500)."""
    uav = UAV(_uav(loiter_s=600.0), None, _daylight(), 10 * H)
    assert uav.task(np.array([0.0, 4500.0]), 100.0) == pytest.approx(100.0 + 300.0)
    assert uav.sorties[0] == pytest.approx((100.0, 400.0, 1000.0, 1300.0, 0.0, 4500.0))
    assert uav.task(np.array([0.0, 1000.0]), 500.0) is None      # in the air
    assert uav.task(np.array([0.0, 1000.0]), 2499.0) is None     # turning round
    assert uav.task(np.array([0.0, 1000.0]), 2500.0) is not None
    far = UAV(_uav(), None, _daylight(), 10 * H)
    assert far.task(np.array([0.0, 20_000.0]), 0.0) is None      # 2 × 1333 s > endurance
    foggy = UAV(_uav(), None, _daylight(((0.0, 2),)), 10 * H)
    assert foggy.task(np.array([0.0, 1000.0]), 0.0) is None


def test_canopy_occludes_the_look_from_overhead() -> None:
    """Directly over a person under 20 m of canopy (foliage 0.8) from 120 m: the line
    runs (20 − 1.7) / (120 − 1.7) of its 120 m under the canopy, 18.56 m, weighted 0.8:
    P_LOS = exp(−0.8 × 18.56 / 10) = 0.2265."""
    forest = ZoneSpec(kind="forest", polygon=[(0, 0), (1000, 0), (1000, 1000), (0, 1000)],
                      foliage=0.8, canopy_height_m=20.0)
    terrain = Terrain(SegmentSpec(border=[(0.0, 0.0), (1000.0, 0.0)], depth_m=1000.0,
                                  grid_m=10.0, zones=[forest]))
    uav = UAV(_uav(), terrain, _daylight(), H)
    expected = math.exp(-0.8 * 120.0 * (20 - 1.7) / (120 - 1.7) / 10.0)
    assert expected == pytest.approx(0.2265, abs=1e-4)
    p = uav.p_los(np.array([[500.0, 500.0], [500.0, -500.0]]), np.array([120.0, 120.0]))
    assert p == pytest.approx([expected, 1.0])


def test_recognition_needs_it_overhead() -> None:
    uav = UAV(_uav(recognition_r50_m=250.0), None, _daylight(), 10 * H)
    target = np.array([[0.0, 3000.0]])
    assert uav.recognition_p(target, 10.0)[0] == 0.0              # on the ground
    over = uav.task(np.array([0.0, 3000.0]), 0.0)
    assert over is not None
    # TTPF of 250 / 120 (the slant range straight down): x = 2.083, E = 2.7 + 0.7 x
    x = 250.0 / 120.0
    e = 2.7 + 0.7 * x
    assert uav.recognition_p(target, over + 1.0)[0] == pytest.approx(x**e / (1 + x**e))


def test_orbit_looks_only_on_station() -> None:
    uav = UAV(_uav(mode="orbit", orbit_centre_m=(3000.0, 0.0), r50_m=2000.0), None,
              _daylight(), 2 * H)
    walker = Trajectory(np.array([0.0, 2 * H]), np.array([[3000.0, 0.0], [3001.0, 0.0]]))
    seen = uav.observe(walker, 7, Draws(5))
    assert len(seen) > 100
    _, on = uav.position(seen.t_s)
    assert on.all() and (seen.truth == 7).all()
