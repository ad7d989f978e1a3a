"""Line of sight over relief and canopy (`Terrain.sight`), on hand-computable maps."""

from __future__ import annotations

import numpy as np
import pytest

from sim.ground.specs import ElevationSpec, SegmentSpec, ZoneSpec
from sim.ground.terrain import Terrain


def _segment(**kw: object) -> SegmentSpec:
    base: dict[str, object] = {"border": [(0.0, 0.0), (20_000.0, 0.0)], "depth_m": 500.0,
                               "grid_m": 10.0}
    base.update(kw)
    return SegmentSpec.model_validate(base)


STRIP = ZoneSpec(kind="forest", polygon=[(100, -50), (200, -50), (200, 50), (100, 50)],
                 foliage=0.5, canopy_height_m=20.0)


@pytest.mark.parametrize(("mast_m", "expected"), [
    # the whole 100 m strip lies under the line's 20 m crossing: 0.5 × 100 m
    (10.0, 50.0),
    # z(x) = 40 − 38.3 x / 300 falls below 20 m at x = 156.7 m: 0.5 × (200 − 156.7)
    (40.0, 0.5 * (200.0 - 300.0 * 20.0 / 38.3)),
    # z(x) = 60 − 58.3 x / 300 stays above 20 m until x = 205.8 m, past the strip
    (60.0, 0.0),
])
def test_canopy_crossed_depends_on_the_mast(mast_m: float, expected: float) -> None:
    terrain = Terrain(_segment(zones=[STRIP]))
    masked, canopy = terrain.sight(np.array([0.0, 0.0]), mast_m, np.array([[300.0, 0.0]]))
    assert not masked[0]
    assert canopy[0] == pytest.approx(expected, abs=2.5)   # half a sample step × density


def test_a_ridge_masks_a_low_mast_not_a_high_one() -> None:
    """A 30 m ridge at x = 500 (heights 0, 30, 0 at x = 0, 500, 1000, bilinear). From
    a mast at x = 0 to a person (1.7 m) at x = 1000 the line at the ridge is
    (h + 1.7) / 2: a 58 m mast passes 29.85 m (masked), a 60 m mast 30.85 m (clear)."""
    ridge = ElevationSpec(origin_m=(0.0, -500.0), cell_m=500.0,
                          heights_m=[[0.0, 30.0, 0.0]] * 3)
    terrain = Terrain(_segment(elevation=ridge))
    target = np.array([[1000.0, 0.0]])
    assert terrain.sight(np.array([0.0, 0.0]), 58.0, target)[0][0]
    assert not terrain.sight(np.array([0.0, 0.0]), 60.0, target)[0][0]


def test_the_earth_curvature_sets_the_horizon() -> None:
    """Over flat ground, eye h₁ = 2 m and target h₂ = 1.7 m see each other up to
    √(2kRh₁) + √(2kRh₂) with kR = 4/3 × 6 371 km: 5.83 km + 5.37 km = 11.2 km."""
    terrain = Terrain(_segment())
    masked, _ = terrain.sight(np.array([0.0, 0.0]), 2.0,
                              np.array([[10_500.0, 0.0], [12_000.0, 0.0]]))
    assert masked.tolist() == [False, True]


def test_low_sensor_on_flat_ground_matches_the_vector_foliage() -> None:
    """Below the canopy the whole line is in foliage: `sight` agrees with `foliage_m`
    up to the raster's resolution."""
    forest = ZoneSpec(kind="forest", polygon=[(0, 0), (3000, 0), (3000, 400), (0, 400)])
    terrain = Terrain(_segment(zones=[forest]))
    targets = np.array([[1000.0, 300.0], [2500.0, 100.0], [4000.0, 200.0]])
    origin = np.array([3500.0, 200.0])
    _, canopy = terrain.sight(origin, 3.0, targets)
    np.testing.assert_allclose(canopy, terrain.foliage_m(origin, targets), atol=10.0)
