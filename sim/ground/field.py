"""What passes between the true world and a team in the field.

A team is told of a group it sees (`Contact`: an opaque handle the world keeps, the
time, the position it sees, the number of persons) and learns how its chase ended
(`Pursuit`). Neither carries the group's identity. An operator launches a UAV with a
`UAVTask` and learns when it will be overhead (or that it cannot fly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.ground.trajectory import Trajectory

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Contact:
    """A group a team sees: the world's opaque ``handle``, when, where, how many."""

    handle: int
    t_s: float
    xy: FloatArray
    persons: int


@dataclass(frozen=True)
class Pursuit:
    """How a chase ends: ``apprehended`` persons (0: it got away), when it ends, s,
    and the pursuer's trajectory until then."""

    apprehended: int
    end_s: float
    trajectory: Trajectory


@dataclass(frozen=True)
class UAVTask:
    """The command's order to a UAV: fly to ``xy`` now, to look there. ``uav`` is the
    UAV's integer source id."""

    uav: int
    xy: FloatArray
    t_s: float
