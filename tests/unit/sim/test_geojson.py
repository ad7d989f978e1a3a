"""GeoJSON segments (`sim.geojson`): coordinates, round trip with pyproj, bad files.

The independent check of the projection: the length of 0.1° of meridian at mean
latitude φ = 52.05° on WGS 84, from the standard series for one degree of latitude
(e.g. NGA / Wikipedia "Latitude", "Length of a degree"):

    111 132.954 − 559.822 cos 2φ + 1.175 cos 4φ  m per degree  →  11 126.8 m,

which the azimuthal equidistant frame (exact distances from its centre) must give
for a point 0.1° due north of the border's first point.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from pyproj import CRS, Transformer

from sim.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[3]
LON0, LAT0 = 23.5, 52.0


def _scenario(tmp: Path, features: list[dict], crs: dict | None = None,
              extra: str = "") -> Path:
    gj: dict = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        gj["crs"] = crs
    (tmp / "seg.geojson").write_text(json.dumps(gj), encoding="utf-8")
    path = tmp / "s.yaml"
    path.write_text(
        "schema: 1\nname: g\nduration: 1h\nstart: 2026-06-01T00:00:00\n"
        f"segment: {{geojson: seg.geojson, depth_m: 3000{extra}}}\n"
        "crossings: {groups_per_day: 1}\n", encoding="utf-8")
    return path


def _feature(role: str, gtype: str, coords: object, **props: object) -> dict:
    return {"type": "Feature", "properties": {"role": role, **props},
            "geometry": {"type": gtype, "coordinates": coords}}


def _to_lonlat(xy: np.ndarray) -> list[list[float]]:
    local = CRS.from_proj4(f"+proj=aeqd +lat_0={LAT0} +lon_0={LON0} +datum=WGS84 "
                           "+units=m +no_defs")
    t = Transformer.from_crs(local, CRS.from_epsg(4326), always_xy=True)
    lon, lat = t.transform(xy[:, 0], xy[:, 1])
    return [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]


def test_a_point_due_north_lies_one_meridian_arc_away(tmp_path: Path) -> None:
    phi = math.radians(52.05)
    arc = 0.1 * (111_132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi))
    assert arc == pytest.approx(11_126.8, abs=0.1)
    feats = [_feature("border", "LineString", [[LON0, LAT0], [LON0, LAT0 + 0.1]]),
             _feature("destination", "Point", [LON0 - 0.01, LAT0 + 0.05])]
    sc = load_scenario(_scenario(tmp_path, feats))
    (x0, y0), (x1, y1) = sc.segment.border
    assert (x0, y0) == (0.0, 0.0)
    assert x1 == pytest.approx(0.0, abs=0.01)
    assert y1 == pytest.approx(arc, abs=1.0)


def test_round_trip_through_longitude_latitude(tmp_path: Path) -> None:
    """Metric geometry written as lon/lat with pyproj's inverse comes back to the mm."""
    border = np.array([[0.0, 0.0], [8_000.0, 1_500.0], [15_000.0, 0.0]])
    forest = np.array([[1_000.0, 200.0], [6_000.0, 1_200.0], [6_000.0, 2_500.0],
                       [1_000.0, 2_500.0]])
    road = np.array([[0.0, 2_800.0], [15_000.0, 2_800.0]])
    dest = np.array([[7_000.0, 2_800.0]])
    camera = np.array([[8_000.0, 1_800.0]])
    fence = np.array([[2_000.0, 430.0], [7_000.0, 1_350.0]])
    ring = _to_lonlat(forest)
    feats = [_feature("border", "LineString", _to_lonlat(border)),
             _feature("zone", "Polygon", [ring + ring[:1]], kind="forest", foliage=0.7),
             _feature("road", "LineString", _to_lonlat(road), width_m=20),
             _feature("destination", "Point", _to_lonlat(dest)[0]),
             _feature("sensor", "Point", _to_lonlat(camera)[0], id="camera-01",
                      kind="camera", heading_deg=-90),
             _feature("sensor", "LineString", _to_lonlat(fence), id="fence-01",
                      kind="fence")]
    sc = load_scenario(_scenario(tmp_path, feats))
    np.testing.assert_allclose(sc.segment.border, border, atol=2e-3)
    np.testing.assert_allclose(sc.segment.zones[0].polygon, forest, atol=2e-3)
    assert sc.segment.zones[0].foliage == 0.7
    road_zone = np.asarray(sc.segment.zones[1].polygon)
    assert sc.segment.zones[1].kind == "road"
    np.testing.assert_allclose(sorted(set(np.round(road_zone[:, 1], 1))), [2790.0, 2810.0])
    np.testing.assert_allclose(sc.crossings.destinations, dest, atol=2e-3)
    cam = sc.sensors[0]
    assert cam.kind == "camera" and cam.heading_deg == -90
    np.testing.assert_allclose(cam.position_m, camera[0], atol=2e-3)
    np.testing.assert_allclose(sc.sensors[1].line, fence, atol=2e-3)
    assert sc.segment.geojson is None          # the resolved scenario holds the metres


def test_projected_coordinates_are_shifted_to_the_border_start(tmp_path: Path) -> None:
    e0, n0 = 745_000.0, 460_000.0          # PUWG 1992 (EPSG:2180) metres, eastern Poland
    feats = [_feature("border", "LineString", [[e0, n0], [e0 + 5_000, n0]]),
             _feature("destination", "Point", [e0 + 2_000, n0 + 1_500])]
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2180"}}
    sc = load_scenario(_scenario(tmp_path, feats, crs))
    assert sc.segment.border == [(0.0, 0.0), (5_000.0, 0.0)]
    assert sc.crossings.destinations == [(2_000.0, 1_500.0)]


def test_the_bug_bend_example_validates() -> None:
    sc = load_scenario(ROOT / "scenarios" / "bug_bend.yaml")
    assert len(sc.segment.border) == 3
    length = sum(math.dist(a, b) for a, b in zip(sc.segment.border, sc.segment.border[1:],
                                                  strict=False))
    assert length == pytest.approx(25_000.0, rel=1e-3)


BORDER = _feature("border", "LineString", [[LON0, LAT0], [LON0 + 0.1, LAT0]])
DEST = _feature("destination", "Point", [LON0 + 0.05, LAT0 + 0.01])


@pytest.mark.parametrize(("features", "crs", "fragments"), [
    ([BORDER, DEST, _feature("hill", "Point", [LON0, LAT0])], None,
     ["features.2.properties.role", "expected one of border"]),
    ([BORDER, DEST, _feature("zone", "LineString", [[LON0, LAT0], [LON0, LAT0 + 0.1]],
                             kind="forest")], None,
     ["features.2.geometry", "expected a Polygon or MultiPolygon for role zone"]),
    ([BORDER, DEST, _feature("zone", "Polygon", [[[LON0, LAT0], [LON0, 52.1],
                                                  [23.6, 52.1], [LON0, LAT0]]],
                             kind="jungle")], None,
     ["features.2.properties.kind", "expected one of forest"]),
    ([DEST], None, ["features", "exactly one feature with role border, found 0"]),
    ([BORDER, _feature("destination", "Point", ["23.5", 52.0])], None,
     ["features.1.geometry.coordinates", "finite numbers"]),
    ([_feature("border", "LineString", [[745_000, 460_000], [750_000, 460_000]]), DEST],
     None, ["crs", "not longitude/latitude"]),
    ([BORDER, DEST], {"type": "name", "properties": {"name": "EPSG:999999"}},
     ["crs", "pyproj knows"]),
])
def test_bad_files_are_refused_in_one_line(tmp_path: Path, features: list[dict],
                                           crs: dict | None, fragments: list[str]) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(_scenario(tmp_path, features, crs))
    text = str(err.value)
    assert "\n" not in text and text.startswith(str(tmp_path / "seg.geojson"))
    assert all(f in text for f in fragments), text


def test_a_field_in_both_places_is_refused(tmp_path: Path) -> None:
    path = _scenario(tmp_path, [BORDER, DEST], extra=", border: [[0, 0], [1, 0]]")
    with pytest.raises(ScenarioError, match="segment.border: given both here and in"):
        load_scenario(path)


def test_the_command_line_exits_2_with_one_line(tmp_path: Path, cli) -> None:
    (tmp_path / "seg.geojson").write_text("{not json", encoding="utf-8")
    path = _scenario(tmp_path, [BORDER])
    (tmp_path / "seg.geojson").write_text("{not json", encoding="utf-8")
    outcome = cli(["validate", str(path)])
    assert outcome.is_clean_refusal()
    assert "seg.geojson: line 1: expected JSON" in outcome.lines[0]
    missing = _scenario(tmp_path, [BORDER])
    (tmp_path / "seg.geojson").unlink()
    outcome = cli(["validate", str(missing)])
    assert outcome.is_clean_refusal() and "no such file" in outcome.lines[0]


def test_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    path = _scenario(tmp_path, [BORDER, DEST])
    text = (tmp_path / "seg.geojson").read_text(encoding="utf-8")
    # a second "role" in the destination's properties: json.loads would keep it silently
    twice = text.replace('"role": "destination"', '"role": "destination", "role": "border"')
    assert twice != text
    (tmp_path / "seg.geojson").write_text(twice, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "\n" not in text and text.startswith(str(tmp_path / "seg.geojson"))
    assert "duplicate key 'role'" in text, text
