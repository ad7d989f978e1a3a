"""The compiled foliage of sight lines (``sim/ground/csrc/foliage.c``) is the numpy and
GEOS reference's bit for bit: `Terrain.foliage_m` against `Terrain._foliage_m_numpy`,
`Terrain.foliage_along` against `Trajectory.along` over that reference, on random
polygons (convex and not, 3 to 200 edges: every branch of numpy's pairwise sum), lines
through their vertices and along their edges, and paths that stand still."""

from __future__ import annotations

import numpy as np
import pytest

from sim.ground.specs import SegmentSpec, ZoneSpec
from sim.ground.terrain import Terrain
from sim.ground.trajectory import Trajectory


def _star(rng: np.random.Generator, centre: tuple[float, float], edges: int,
          radius_m: float) -> list[tuple[float, float]]:
    """A simple polygon of ``edges`` vertices at sorted random angles and radii (concave
    wherever the radii vary)."""
    angle = np.sort(rng.uniform(0, 2 * np.pi, edges))
    r = radius_m * rng.uniform(0.3, 1.0, edges)
    return [(centre[0] + a, centre[1] + b)
            for a, b in zip((r * np.cos(angle)).tolist(), (r * np.sin(angle)).tolist(),
                            strict=True)]


def _terrain(zones: list[list[tuple[float, float]]], densities: list[float]) -> Terrain:
    specs = [ZoneSpec(kind="forest", polygon=p, foliage=f)
             for p, f in zip(zones, densities, strict=True)]
    return Terrain(SegmentSpec.model_validate({"border": [(0.0, 0.0), (5_000.0, 0.0)],
                                               "depth_m": 3_000.0, "zones": specs}))


@pytest.fixture(scope="module")
def forests() -> list[Terrain]:
    rng = np.random.default_rng(4)
    out = [_terrain([[(0, 0), (1000, 0), (1000, 800), (0, 800)],      # a square, a field-
                     [(1000, 0), (2000, 0), (2000, 800), (1000, 800)]],  # sharing neighbour
                    [0.8, 0.3])]
    for edges in (3, 5, 7, 8, 9, 17, 40, 129, 200):
        zones = [_star(rng, (float(rng.uniform(500, 4500)), float(rng.uniform(500, 2500))),
                       edges, float(rng.uniform(200, 900))) for _ in range(3)]
        out.append(_terrain(zones, rng.uniform(0.05, 1.0, 3).tolist()))
    return out


def _compiled(terrain: Terrain) -> None:
    if terrain._kernels is None:
        pytest.skip("no C kernels built from these sources (pip install -e .)")


def test_foliage_m_is_the_numpy_references(forests: list[Terrain]) -> None:
    rng = np.random.default_rng(5)
    for terrain in forests:
        _compiled(terrain)
        vertices = np.vstack([np.hstack(terrain._edges[k])[:, :2] for k in terrain._wooded])
        for _ in range(40):
            origin = rng.uniform(-200, 5200, 2)
            targets = rng.uniform(-200, 5200, (30, 2))
            got = terrain._kernels.foliage(origin, targets.reshape(-1), *terrain._wooded_arrays)
            assert got is not None                      # nothing left to GEOS: generic lines
            assert got.tobytes() == terrain._foliage_m_numpy(origin, targets).tobytes()
            # lines to a vertex may graze the boundary: the kernel may leave them to GEOS
            corners = vertices[rng.integers(0, len(vertices), 5)]
            assert terrain.foliage_m(origin, corners).tobytes() == \
                terrain._foliage_m_numpy(origin, corners).tobytes()
    assert (forests[0].foliage_m(np.array([-500.0, 400.0]), np.array([[2500.0, 400.0]]))[0]
            == pytest.approx(0.8 * 1000 + 0.3 * 1000))


def test_lines_on_an_edge_are_left_to_geos_and_still_agree(forests: list[Terrain]) -> None:
    """A line along the squares' shared edge x = 1000 has midpoints on the boundary: the
    kernel declines (None) and GEOS, which counts the boundary as outside, decides."""
    square = forests[0]
    _compiled(square)
    origin, targets = np.array([1000.0, -100.0]), np.array([[1000.0, 900.0], [1000.0, 500.0]])
    assert square._kernels.foliage(origin, targets.reshape(-1), *square._wooded_arrays) is None
    assert square.foliage_m(origin, targets).tobytes() == \
        square._foliage_m_numpy(origin, targets).tobytes()


def _walk(rng: np.random.Generator) -> Trajectory:
    """A path of a few legs, some standing still (repeated points: a flat distance)."""
    k = int(rng.integers(1, 12))
    xy = np.cumsum(rng.normal(0, 400, (k, 2)), axis=0) + rng.uniform(1000, 4000, 2)
    still = rng.random(k) < 0.3
    xy[1:][still[1:]] = xy[:-1][still[1:]]
    return Trajectory(np.cumsum(rng.uniform(10, 600, k)), xy)


def test_foliage_along_is_the_numpy_references(forests: list[Terrain]) -> None:
    rng = np.random.default_rng(6)
    for terrain in forests:
        _compiled(terrain)
        for trial in range(40):
            walk = _walk(rng)
            t = np.sort(rng.uniform(walk.start_s - 50, walk.end_s + 50, int(rng.integers(0, 300))))
            if trial % 4 == 0:
                t = rng.permutation(t)                  # out of order: the sort, not the merge
            if trial % 5 == 0 and len(t):
                t[: len(t) // 2] = walk.t_s[rng.integers(0, len(walk.t_s), len(t) // 2)]
                t = np.sort(t)                           # looks at the path's own times
            origin = rng.uniform(0, 5000, 2)
            step = float(rng.choice([7.5, 20.0, 55.0]))
            got = terrain._kernels.foliage_along(origin, walk.t_s, walk.xy.reshape(-1), t,
                                                 step, *terrain._wooded_arrays)
            assert got is not None
            want = walk.along(t, lambda xy, o=origin, tr=terrain: tr._foliage_m_numpy(o, xy), step)
            assert got.tobytes() == want.tobytes()
            assert terrain.foliage_along(origin, walk, t, step).tobytes() == want.tobytes()


def test_an_invalid_zone_keeps_the_reference() -> None:
    """A bow-tie zone is not a valid polygon: GEOS and the even-odd rule may disagree on
    it, so the terrain does not hand its zones to the kernel."""
    bow = _terrain([[(0, 0), (1000, 1000), (1000, 0), (0, 1000)]], [0.5])
    assert bow._wooded_arrays is None and bow._kernels is None
    targets = np.array([[1200.0, 300.0], [1200.0, 500.0]])
    assert bow.foliage_m(np.array([-100.0, 500.0]), targets).tobytes() == \
        bow._foliage_m_numpy(np.array([-100.0, 500.0]), targets).tobytes()


def test_the_kernel_refuses_arrays_that_disagree(forests: list[Terrain]) -> None:
    square = forests[0]
    _compiled(square)
    box, density, first, edge = square._wooded_arrays
    with pytest.raises(ValueError, match="disagree"):
        square._kernels.foliage(np.zeros(2), np.zeros(2), box, density, first, edge[:-4])
    with pytest.raises(TypeError):
        square._kernels.foliage(np.zeros(2), np.zeros(2, np.float32), box, density, first,
                                edge)
