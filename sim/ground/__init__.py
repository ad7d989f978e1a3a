"""The ground layer: the shared vocabulary every other layer speaks.

Scenario specs (`specs`), event records (`events`), trajectories (`trajectory`),
the clock of day and night (`daylight`), the terrain (`terrain`), measurement
conversions (`measurements`) and keyed random draws (`keyed`). Sensors, command and
the engine import these; these import nothing of `sim`, `sensors`, `command` or
`viz` (a test keeps it so). Importing this package does nothing but define things.
"""
