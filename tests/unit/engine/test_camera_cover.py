"""`CameraView.covers_point` answers as numpy's ``hypot`` and ``arctan2`` do, at the
range and bearing limits too (it asks numpy only near them)."""

from __future__ import annotations

import numpy as np
import pytest

from command.alerts import CameraView
from sim.ground.specs import CameraSpec


def _numpy_covers(view: CameraView, x: float, y: float) -> bool:
    """The reference: range by ``np.hypot``, bearing off the heading by ``np.arctan2``."""
    (px, py), spec = view.spec.position_m, view.spec
    r = spec.max_range_m
    if abs(x - px) > r or abs(y - py) > r:
        return False
    dx, dy = x - px, y - py
    if float(np.hypot(dx, dy)) > r:
        return False
    if spec.fov_deg >= 360:
        return True
    off = (np.degrees(np.arctan2(dy, dx)) - spec.heading_deg + 180) % 360 - 180
    return bool(abs(off) <= spec.fov_deg / 2)


@pytest.mark.parametrize("heading, fov", [(-90.0, 160.0), (90.0, 60.0), (179.5, 90.0),
                                          (0.0, 360.0), (-37.25, 1.0)])
def test_covers_point_is_the_numpy_answer(heading: float, fov: float) -> None:
    view = CameraView(0, CameraSpec(id="camera-01", position_m=(1250.0, 1200.0),
                                    heading_deg=heading, fov_deg=fov, max_range_m=3000.0))
    rng = np.random.default_rng(int(heading * 4 + fov + 1000))
    px, py, r = 1250.0, 1200.0, 3000.0
    pts = list(zip(*(px + rng.uniform(-1.2 * r, 1.2 * r, (2, 4000))), strict=True))
    # on the range circle and on both edges of the field of view, to an ulp or so
    for ang in rng.uniform(-np.pi, np.pi, 500):
        pts.append((px + r * np.cos(ang), py + r * np.sin(ang)))
    for edge in (heading - fov / 2, heading + fov / 2):
        for d in rng.uniform(1.0, r, 500):
            a = np.radians(edge)
            pts.append((px + d * np.cos(a), py + d * np.sin(a)))
            pts.append((np.nextafter(px + d * np.cos(a), np.inf), py + d * np.sin(a)))
    got = [view.covers_point(float(x), float(y)) for x, y in pts]
    ref = [_numpy_covers(view, float(x), float(y)) for x, y in pts]
    assert got == ref
    assert 0 < sum(got) < len(got)
