"""From a validated spec to the sensor that implements it: one dict, one function.

The scenario names kinds; pydantic's discriminated union turns each into its spec
class; `SENSOR_CLASSES` maps the spec class to the sensor class, and `build_sensor`
gives each the collaborators it needs (terrain for line of sight, daylight for light
and weather, the run's duration for a patrol's shifts and for failures, a keyed stream
for the replication's fixed fields: sight lines, failures). No sensor registers itself.
"""

from __future__ import annotations

from sensors.acoustic import Acoustic
from sensors.base import Sensor
from sensors.camera import Camera
from sensors.dragroad import DragRoad
from sensors.fence import Fence
from sensors.fibre import Fibre
from sensors.microwave import Microwave
from sensors.patrol import Patrol
from sensors.pir import Pir
from sensors.radar import Radar
from sensors.seismic import Seismic
from sim.ground.daylight import Daylight
from sim.ground.keyed import Draws
from sim.ground.specs import (
    AcousticSpec,
    CameraSpec,
    DragRoadSpec,
    FenceSpec,
    FibreSpec,
    MicrowaveSpec,
    PatrolSpec,
    PirSpec,
    RadarSpec,
    SeismicSpec,
    Spec,
)
from sim.ground.terrain import Terrain

SensorClass = (type[Fence] | type[Fibre] | type[Camera] | type[Radar] | type[Seismic]
               | type[Microwave] | type[Pir] | type[Acoustic] | type[DragRoad])

SENSOR_CLASSES: dict[type[Spec], SensorClass] = {
    FenceSpec: Fence,
    FibreSpec: Fibre,
    CameraSpec: Camera,
    RadarSpec: Radar,
    SeismicSpec: Seismic,
    MicrowaveSpec: Microwave,
    PirSpec: Pir,
    AcousticSpec: Acoustic,
    DragRoadSpec: DragRoad,
}


def build_sensor(spec: Spec, terrain: Terrain | None, daylight: Daylight | None, *,
                 duration_s: float | None = None, shift_draws: Draws | None = None,
                 draws: Draws | None = None) -> Sensor:
    """The sensor (or patrol) for ``spec``.

    Parameters
    ----------
    spec : a spec of `SENSOR_CLASSES` or a `PatrolSpec`
    terrain : the segment's terrain (line of sight through foliage); None: open ground
    daylight : the run's clock (light and weather); None: always day, clear and calm
    duration_s : run length, s; required for a patrol (its shifts over the run)
    shift_draws : a patrol's keyed stream for where each shift starts and searches
    draws : a fixed sensor's keyed stream ``sensor/<id>/field`` for its sight lines and
        failures, drawn once per replication (None: derived from the id alone)

    Raises
    ------
    TypeError : for a spec with no sensor class
    ValueError : for a patrol without ``duration_s``
    """
    if isinstance(spec, PatrolSpec):
        return Patrol.from_spec(spec, terrain, daylight, duration_s, shift_draws)
    try:
        cls = SENSOR_CLASSES[type(spec)]
    except KeyError:
        raise TypeError(f"no sensor class for {type(spec).__name__}") from None
    # The dict pairs each spec class with its sensor class; mypy cannot see the pairing.
    return cls.from_spec(spec, terrain=terrain, daylight=daylight,  # type: ignore[arg-type]
                         duration_s=duration_s, draws=draws)
