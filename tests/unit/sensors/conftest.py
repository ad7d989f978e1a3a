"""Stubs shared by the sensor unit tests: open terrain, a fixed clock, simple movers."""

from __future__ import annotations

import datetime as dt

import pytest

from sim.ground.daylight import Daylight
from sim.ground.specs import SegmentSpec
from sim.ground.terrain import Terrain


@pytest.fixture
def daylight() -> Daylight:
    """Run starts at midnight; night is 21:00–05:00."""
    return Daylight(dt.datetime(2026, 6, 1, 0, 0), "05:00", "21:00")


@pytest.fixture
def forest_terrain() -> Terrain:
    """Border along y = 0; a forest strip (foliage 0.8) 1000 ≤ x ≤ 1100."""
    return Terrain(SegmentSpec(border=[(0, 0), (10_000, 0)], zones=[
        {"kind": "forest", "polygon": [(1000, -5000), (1100, -5000), (1100, 5000),
                                       (1000, 5000)], "foliage": 0.8}]))
