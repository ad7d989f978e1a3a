"""Sensors: one module per sensor class, all behind the interface in `sensors.base`."""
