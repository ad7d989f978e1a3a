"""Sensors: one module per sensor class, all behind the interface in `sensors.base`.

``fence`` (line sensors), ``radar`` and ``camera`` (sector sensors, `sensors.sector`),
``seismic`` (ground sensors) and ``patrol`` (mobile sensors); exposure geometry in
closed form in `sensors.geometry`; `sensors.registry.build_sensor` builds any of them
from its spec.
"""

from sensors.base import CLASSES, Reports, Sensor
from sensors.registry import SENSOR_CLASSES, build_sensor

__all__ = ["CLASSES", "SENSOR_CLASSES", "Reports", "Sensor", "build_sensor"]
