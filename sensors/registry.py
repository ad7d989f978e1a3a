"""From a validated spec to the sensor that implements it: one dict, one function.

The scenario names kinds; pydantic's discriminated union turns each into its spec
class; `SENSOR_CLASSES` maps the spec class to the sensor class, and `build_sensor`
gives each the collaborators it needs (terrain for line of sight, daylight for night,
the run's duration for a patrol's shifts). No sensor registers itself.
"""

from __future__ import annotations

from sensors.base import Sensor
from sensors.camera import Camera
from sensors.fence import Fence
from sensors.patrol import Patrol
from sensors.radar import Radar
from sensors.seismic import Seismic
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws
from sim.ground.specs import CameraSpec, FenceSpec, PatrolSpec, RadarSpec, SeismicSpec, Spec
from sim.ground.terrain import Terrain

SENSOR_CLASSES: dict[type[Spec], type[Fence | Camera | Radar | Seismic | Patrol]] = {
    FenceSpec: Fence,
    CameraSpec: Camera,
    RadarSpec: Radar,
    SeismicSpec: Seismic,
    PatrolSpec: Patrol,
}


def build_sensor(spec: Spec, terrain: Terrain | None, daylight: Daylight | None, *,
                 duration_s: float | None = None, shift_draws: Draws | None = None) -> Sensor:
    """The sensor for ``spec``: a fence, camera, radar, seismic sensor or patrol.

    Parameters
    ----------
    spec : a `FenceSpec`, `CameraSpec`, `RadarSpec`, `SeismicSpec` or `PatrolSpec`
    terrain : the segment's terrain (line of sight through foliage); None: open ground
    daylight : the run's clock (night for cameras and patrols); None: always day
    duration_s : run length, s; required for a patrol (its shifts over the run)
    shift_draws : a patrol's keyed stream for where each shift starts on its route

    Raises
    ------
    TypeError : for a spec with no sensor class
    ValueError : for a patrol without ``duration_s``

    Each sensor class takes what it needs through its ``from_spec`` classmethod.
    """
    if isinstance(spec, PatrolSpec):
        return Patrol.from_spec(spec, terrain, daylight, duration_s, shift_draws)
    try:
        cls = SENSOR_CLASSES[type(spec)]
    except KeyError:
        raise TypeError(f"no sensor class for {type(spec).__name__}") from None
    # The dict pairs each spec class with its sensor class; mypy cannot see the pairing.
    return cls.from_spec(spec, terrain=terrain, daylight=daylight,  # type: ignore[arg-type]
                         duration_s=duration_s)
