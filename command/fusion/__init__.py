"""The fusion core: numpy arrays in, numpy arrays out (numpy and scipy only).

Reports of every kind become 2-D positions with covariances
(:mod:`sim.ground.measurements`); :func:`fuse_batch` fuses one batch of them into a
:class:`TrackTable` (predict, gate, assign, update, manage); :func:`fuse_file` replays a
detections CSV into a tracks CSV with the same function.
"""

from command.fusion.core import fuse_batch
from command.fusion.errors import FusionInputError
from command.fusion.params import FusionParams
from command.fusion.replay import ReplayStats, fuse_file
from command.fusion.tracks import CLASSES, FusionEvents, TrackTable

__all__ = ["CLASSES", "FusionEvents", "FusionInputError", "FusionParams", "ReplayStats",
           "TrackTable", "fuse_batch", "fuse_file"]
