"""The discrete-event core and the world of greenborder.

`sim.scenario` turns a YAML file into validated specs, `sim.engine` runs one
replication of a scenario with one seed, `sim.experiment` runs many. Importing
this package does nothing but define things.
"""

__version__ = "0.1.0"
