"""Write scenarios/geo/bug_bend.geojson: a 25 km piece of the Poland–Belarus border.

The border's shape is real: the vertices of the Poland–Belarus boundary near
Czeremcha–Białowieża (52.49° N, 23.20° E, where it turns from north-west to
north-east) in Natural Earth's 1:110m Admin 0 countries (public domain), listed south
to north so that Poland, the protected side, lies on the left. The piece runs 12 km
before the bend and 13 km after it. Zones, road, sensors, teams and the patrol are
illustrative [G], drawn in a local metric frame and written, as QGIS writes GeoJSON
by default, in longitude/latitude (WGS 84, RFC 7946).

Run:  python scenarios/geo/make_bug_bend.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely
import shapely.ops
from pyproj import CRS, Geod, Transformer
from shapely.geometry import LineString, Polygon

#: Natural Earth 110m Admin 0, Belarus polygon: three vertices of its western edge.
NE_SOUTH, NE_BEND, NE_NORTH = (23.508002, 52.023647), (23.199494, 52.486977), \
    (23.799199, 52.691099)
BEFORE_M, AFTER_M = 12_000.0, 13_000.0

geod = Geod(ellps="WGS84")


def toward(a: tuple[float, float], b: tuple[float, float], dist_m: float) -> tuple[float,
                                                                                    float]:
    az, _, _ = geod.inv(a[0], a[1], b[0], b[1])
    lon, lat, _ = geod.fwd(a[0], a[1], az, dist_m)
    return (float(lon), float(lat))


def main() -> None:
    start = toward(NE_BEND, NE_SOUTH, BEFORE_M)
    end = toward(NE_BEND, NE_NORTH, AFTER_M)
    border_ll = [(round(x, 7), round(y, 7)) for x, y in (start, NE_BEND, end)]
    local = CRS.from_proj4(f"+proj=aeqd +lat_0={start[1]} +lon_0={start[0]} +datum=WGS84 "
                           "+units=m +no_defs")
    to_xy = Transformer.from_crs(CRS.from_epsg(4326), local, always_xy=True)
    to_ll = Transformer.from_crs(local, CRS.from_epsg(4326), always_xy=True)
    bx, by = to_xy.transform([p[0] for p in border_ll], [p[1] for p in border_ll])
    border = LineString(np.column_stack([bx, by]))

    def inland(d: float) -> LineString:
        return border.offset_curve(d, join_style="mitre")      # left: Poland

    def band(d0: float, d1: float, a0: float, a1: float) -> Polygon:
        """The rectangle d0 to d1 m inland of the border from arc a0 to a1 m (on one
        straight leg: the bend is at 12 km)."""
        return Polygon([at(a0, d0), at(a1, d0), at(a1, d1), at(a0, d1)])

    def ll(coords: np.ndarray) -> list[list[float]]:
        lon, lat = to_ll.transform(coords[:, 0], coords[:, 1])
        return [[round(float(x), 7), round(float(y), 7)] for x, y in zip(lon, lat,
                                                                           strict=True)]

    def point(xy: tuple[float, float] | np.ndarray) -> list[float]:
        return ll(np.asarray([xy], float))[0]

    def at(arc: float, depth: float) -> np.ndarray:
        """The point ``depth`` m inland of the border point at ``arc`` (left normal)."""
        # the direction of the leg holding the arc (a leg's end: the leg before it)
        side = -1.0 if arc >= border.length or abs(arc - BEFORE_M) < 1e-6 else 1.0
        ref = arc + side * 1.0 if side > 0 else arc - 1.0
        a = np.asarray(border.interpolate(min(arc, ref)).coords[0])
        b = np.asarray(border.interpolate(max(arc, ref)).coords[0])
        d = (b - a) / np.hypot(*(b - a))
        return np.asarray(border.interpolate(arc).coords[0]) + depth * np.array([-d[1], d[0]])

    feats: list[dict] = []

    def add(role: str, gtype: str, coords: object, **props: object) -> None:
        feats.append({"type": "Feature", "properties": {"role": role, **props},
                      "geometry": {"type": gtype, "coordinates": coords}})

    add("border", "LineString", [list(p) for p in border_ll], name="PL-BY, Natural Earth")
    # zones: open fields and a marshy river meadow south of the bend, Białowieża-type
    # forest north of it, a village on the road
    for poly, kind, extra in [
        (band(0, 4_500, 0, 12_000), "field", {}),
        (band(0, 600, 2_000, 9_000), "marsh", {"foliage": 0.05}),
        (band(0, 4_500, 12_000, 25_000), "forest", {"canopy_height_m": 25}),
        (band(4_780, 5_300, 8_000, 10_000), "settlement", {}),
    ]:
        ring = np.asarray(poly.exterior.coords)
        add("zone", "Polygon", [ll(ring)], kind=kind, **extra)
    # a forest stream: water with one ford
    stream = band(0, 4_500, 17_900, 18_000)
    ford = band(2_200, 2_300, 17_880, 18_020)
    add("zone", "Polygon", [ll(np.asarray(stream.exterior.coords))], kind="water")
    add("zone", "Polygon", [ll(np.asarray(ford.exterior.coords))], kind="field")
    # the road behind the zone (pick-ups) and the border guards' track along the fence
    add("road", "LineString", ll(np.asarray(inland(4_750).coords)), width_m=8)
    add("road", "LineString", ll(np.asarray(inland(120).coords)), width_m=6)
    for arc in (3_000, 9_000, 15_000, 21_000):
        add("destination", "Point", point(at(arc, 4_750)))
    fence = shapely.ops.substring(inland(30), 1_000, 24_000)
    add("sensor", "LineString", ll(np.asarray(fence.coords)), id="fence-01")
    add("sensor", "Point", point(at(6_000, 400)), id="radar-01")
    add("sensor", "Point", point(at(12_000, 300)), id="camera-01")
    add("sensor", "Point", point(at(6_500, 1_200)), id="camera-02")
    for k, arc in enumerate((15_000, 21_000), start=1):
        add("sensor", "Point", point(at(arc, 4_300)), id=f"seismic-0{k}")
    add("team", "Point", point(at(9_000, 4_900)), id="team-01")
    add("team", "Point", point(at(19_000, 4_900)), id="team-02")
    add("patrol", "LineString", ll(np.asarray(shapely.ops.substring(
        inland(900), 1_000, 24_000).coords)), id="patrol-01")
    out = Path(__file__).with_name("bug_bend.geojson")
    text = ('{"type": "FeatureCollection", "name": "bug_bend", "features": [\n'
            + ",\n".join(json.dumps(f) for f in feats) + "\n]}\n")
    out.write_text(text, encoding="utf-8")
    print(f"{out}: {len(feats)} features")


if __name__ == "__main__":
    main()
