"""A segment from GeoJSON, as QGIS exports it: border, zones, roads, destinations, sensors.

A scenario names the file in ``segment.geojson`` (relative to the scenario file); the
loader reads it, converts its coordinates to the scenario's local metric frame and
fills the scenario's fields before validation, so the resolved scenario (the run
folder's ``scenario.yaml``) holds plain metres and needs the file no more.

Features are told apart by their ``role`` property:

========== ======================= =================================================
role       geometry                what it gives
========== ======================= =================================================
border     LineString              ``segment.border``; ``protected: right`` reverses it
                                   (the protected side is the left of its direction)
zone       Polygon / MultiPolygon  ``segment.zones`` with ``kind`` and optional
                                   ``speed_factor``, ``foliage``, ``canopy_height_m``,
                                   ``passable``
road       LineString / Polygon    a zone of kind road, a line buffered to ``width_m``
                                   (default 10 m)
destination Point                  ``crossings.destinations``
sensor     Point / LineString      ``sensors``: ``position_m`` (point) or ``line``
                                   (fence) for the sensor ``id``; the other properties
                                   are its fields (those in the scenario file win)
team       Point                   ``response.teams``: ``base_m`` of the team ``id``
patrol     LineString              ``patrols``: ``route`` of the patrol ``id``
========== ======================= =================================================

Zones and roads keep the file's order (later ones win where they overlap).

Coordinates. GeoJSON is longitude/latitude on WGS 84 (RFC 7946) unless the file has
a ``crs`` member (QGIS writes one when exporting in a projected CRS, e.g.
``urn:ogc:def:crs:EPSG::2180``) or the scenario sets ``segment.geojson_crs``.
Longitude/latitude is projected with pyproj to an azimuthal equidistant frame centred
on the border's first point (x east, y north, metres; distances from that point are
exact, scale errors stay below 10⁻⁵ within 25 km); projected coordinates are shifted
so the border's first point is the origin.

Bad files stop with one line: ``FILE: features.3.geometry: expected a LineString for
role border, got Point``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Largest GeoJSON file read, bytes.
MAX_BYTES = 32 * 1024 * 1024
ROLES = ("border", "zone", "road", "destination", "sensor", "team", "patrol")
ZONE_KINDS = ("forest", "field", "marsh", "water", "road", "settlement")
ZONE_FIELDS = ("speed_factor", "foliage", "canopy_height_m", "passable")


class GeoJSONError(ValueError):
    """A GeoJSON file that cannot be used; ``str(error)`` is the one-line message."""


def _fail(source: str, where: str, expected: str) -> GeoJSONError:
    return GeoJSONError(f"{source}: {where}: {expected}")


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key if len(key) <= 40 else key[:37] + "..."


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads``'s object of ``pairs``, refusing a key given twice."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def read_geojson(path: Path) -> dict[str, Any]:
    """The parsed FeatureCollection at ``path`` (`GeoJSONError` for anything else)."""
    name = str(path)
    try:
        if path.is_dir():
            raise _fail(name, "segment.geojson", "is a folder, expected a GeoJSON file")
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise _fail(name, "segment.geojson", "no such file") from None
    except OSError as error:
        raise _fail(name, "segment.geojson",
                    f"cannot read: {error.strerror or error}") from None
    if len(raw) > MAX_BYTES:
        raise _fail(name, "file", f"larger than {MAX_BYTES // 2**20} MB")
    try:
        data = json.loads(raw.decode("utf-8-sig"), object_pairs_hook=_unique_keys)
    except _DuplicateKey as dup:
        raise _fail(name, "file", f"duplicate key {dup.key!r} in one object; expected "
                    "each key once (a JSON reader keeps the last silently)") from None
    except UnicodeDecodeError:
        raise _fail(name, "file", "expected UTF-8 text (GeoJSON)") from None
    except json.JSONDecodeError as error:
        raise _fail(name, f"line {error.lineno}",
                    f"expected JSON (GeoJSON): {error.msg}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise _fail(name, "type", "expected a GeoJSON FeatureCollection")
    if not isinstance(data.get("features"), list):
        raise _fail(name, "features", "expected a list of features")
    return data


def _crs_name(data: Mapping[str, Any], override: str | None, source: str) -> str | None:
    if override:
        return override
    crs = data.get("crs")
    if crs is None:
        return None
    try:
        return str(crs["properties"]["name"])
    except (KeyError, TypeError):
        raise _fail(source, "crs", "expected {\"type\": \"name\", \"properties\": "
                    "{\"name\": \"EPSG:...\"}}") from None


def _coords(value: Any, depth: int, where: str, source: str) -> list[Any]:
    """Nested coordinate lists of ``depth`` (0: a position) with finite numbers."""
    if depth == 0:
        if (not isinstance(value, list) or len(value) < 2
                or not all(isinstance(c, int | float) and not isinstance(c, bool)
                           and math.isfinite(c) for c in value[:2])):
            raise _fail(source, where, "expected a position [x, y] of finite numbers")
        return [float(value[0]), float(value[1])]
    if not isinstance(value, list) or not value:
        raise _fail(source, where, "expected a non-empty list of coordinates")
    return [_coords(v, depth - 1, f"{where}.{i}", source) for i, v in enumerate(value)]


_DEPTH = {"Point": 0, "LineString": 1, "Polygon": 2, "MultiLineString": 2,
          "MultiPolygon": 3}


class _Frame:
    """File coordinates → local metres (module docstring)."""

    def __init__(self, crs_name: str | None, origin: list[float], source: str) -> None:
        from pyproj import CRS, Transformer
        from pyproj.exceptions import CRSError

        try:
            crs = CRS.from_user_input(crs_name) if crs_name else CRS.from_epsg(4326)
        except CRSError:
            raise _fail(source, "crs", f"expected a coordinate reference system pyproj "
                        f"knows (e.g. EPSG:2180), got {crs_name!r}") from None
        self.geographic = crs.is_geographic
        self.crs = crs.to_string()
        self.transformer: Any = None
        if self.geographic:
            lon, lat = origin
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise _fail(source, "crs", "coordinates are not longitude/latitude: name "
                            "the file's projected CRS (a crs member, or segment.geojson_crs)")
            local = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 "
                                   "+units=m +no_defs")
            self.transformer = Transformer.from_crs(crs, local, always_xy=True)
            self.x0 = self.y0 = 0.0
        else:
            self.x0, self.y0 = origin
        self.origin = origin

    def __call__(self, pts: list[list[float]]) -> list[list[float]]:
        if self.transformer is not None:
            xs, ys = self.transformer.transform([p[0] for p in pts], [p[1] for p in pts])
            return [[round(float(x), 3), round(float(y), 3)] for x, y in zip(xs, ys,
                                                                              strict=True)]
        return [[round(p[0] - self.x0, 3), round(p[1] - self.y0, 3)] for p in pts]


def _features(data: Mapping[str, Any], source: str) -> list[tuple[int, str, str, Any,
                                                                  dict[str, Any]]]:
    """(index, role, geometry type, coordinates, properties) of every feature."""
    out = []
    for i, f in enumerate(data["features"]):
        where = f"features.{i}"
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise _fail(source, where, "expected a GeoJSON Feature")
        props = f.get("properties") or {}
        if not isinstance(props, dict):
            raise _fail(source, f"{where}.properties", "expected an object")
        role = props.get("role")
        if role not in ROLES:
            raise _fail(source, f"{where}.properties.role",
                        f"expected one of {', '.join(ROLES)}, got {role!r}")
        geom = f.get("geometry")
        if not isinstance(geom, dict) or geom.get("type") not in _DEPTH:
            got = geom.get("type") if isinstance(geom, dict) else geom
            raise _fail(source, f"{where}.geometry", "expected a Point, LineString, "
                        f"Polygon, MultiLineString or MultiPolygon, got {got!r}")
        coords = _coords(geom.get("coordinates"), _DEPTH[geom["type"]],
                         f"{where}.geometry.coordinates", source)
        out.append((i, role, geom["type"], coords, props))
    return out


def _need(source: str, i: int, role: str, gtype: str, allowed: tuple[str, ...]) -> None:
    if gtype not in allowed:
        raise _fail(source, f"features.{i}.geometry",
                    f"expected a {' or '.join(allowed)} for role {role}, got {gtype}")


def merge_geojson(data: dict[str, Any], base_dir: Path, source: str) -> dict[str, Any]:
    """``data`` (a parsed scenario) with its ``segment.geojson`` file merged in.

    Returns a new dict; raises `GeoJSONError` (one line) for a bad file or a field
    given both in the scenario and in the file.
    """
    segment = data.get("segment")
    if not isinstance(segment, dict) or not segment.get("geojson"):
        return data
    rel = segment["geojson"]
    if not isinstance(rel, str):
        raise _fail(source, "segment.geojson", "expected a file name")
    path = Path(rel) if Path(rel).is_absolute() else base_dir / rel
    name = str(path)
    gj = read_geojson(path)
    feats = _features(gj, name)
    borders = [f for f in feats if f[1] == "border"]
    if len(borders) != 1:
        raise _fail(name, "features", f"expected exactly one feature with role border, "
                    f"found {len(borders)}")
    bi, _, btype, bcoords, bprops = borders[0]
    _need(name, bi, "border", btype, ("LineString",))
    if bprops.get("protected", "left") not in ("left", "right"):
        raise _fail(name, f"features.{bi}.properties.protected",
                    f"expected left or right, got {bprops.get('protected')!r}")
    if bprops.get("protected") == "right":
        bcoords = bcoords[::-1]
    frame = _Frame(_crs_name(gj, segment.get("geojson_crs"), name), bcoords[0], name)

    out = json.loads(json.dumps(data))
    seg = out["segment"]
    crossings = out.setdefault("crossings", {})
    fills: dict[str, Any] = {"border": frame(bcoords)}
    zones: list[dict[str, Any]] = []
    destinations: list[list[float]] = []
    items: dict[str, dict[str, dict[str, Any]]] = {"sensor": {}, "team": {}, "patrol": {}}
    for i, role, gtype, coords, props in feats:
        where = f"features.{i}.properties"
        if role == "zone":
            _need(name, i, role, gtype, ("Polygon", "MultiPolygon"))
            kind = props.get("kind")
            if kind not in ZONE_KINDS:
                raise _fail(name, f"{where}.kind",
                            f"expected one of {', '.join(ZONE_KINDS)}, got {kind!r}")
            extra = {k: props[k] for k in ZONE_FIELDS if props.get(k) is not None}
            for poly in (coords if gtype == "MultiPolygon" else [coords]):
                zones.append({"kind": kind, "polygon": frame(poly[0][:-1]
                              if poly[0][0] == poly[0][-1] else poly[0]), **extra})
        elif role == "road":
            _need(name, i, role, gtype, ("LineString", "Polygon"))
            if gtype == "Polygon":
                ring = coords[0][:-1] if coords[0][0] == coords[0][-1] else coords[0]
                zones.append({"kind": "road", "polygon": frame(ring)})
                continue
            width = props.get("width_m", 10.0)
            if not isinstance(width, int | float) or isinstance(width, bool) or not (
                    0 < width <= 1000):
                raise _fail(name, f"{where}.width_m",
                            f"expected a road width in metres (0, 1000], got {width!r}")
            zones.append({"kind": "road", "polygon": _buffer(frame(coords), width)})
        elif role == "destination":
            _need(name, i, role, gtype, ("Point",))
            destinations.append(frame([coords])[0])
        elif role != "border":   # sensor, team, patrol: fields of the item with that id
            allowed = {"sensor": ("Point", "LineString"), "team": ("Point",),
                       "patrol": ("LineString",)}[role]
            _need(name, i, role, gtype, allowed)
            ident = props.get("id")
            if not isinstance(ident, str) or not ident:
                raise _fail(name, f"{where}.id", f"expected the {role}'s id (text)")
            table = items[role]
            if ident in table:
                raise _fail(name, f"{where}.id", f"{role} {ident!r} appears twice")
            fields = {k: v for k, v in props.items() if k != "role"}
            key = {"sensor": "position_m" if gtype == "Point" else "line",
                   "team": "base_m", "patrol": "route"}[role]
            fields[key] = frame([coords])[0] if gtype == "Point" else frame(coords)
            table[ident] = fields
    if zones:
        fills["zones"] = zones
    for key, value in fills.items():
        if seg.get(key):
            raise _fail(source, f"segment.{key}", f"given both here and in {name}; "
                        "keep one")
        seg[key] = value
    if destinations:
        if crossings.get("destinations"):
            raise _fail(source, "crossings.destinations",
                        f"given both here and in {name}; keep one")
        crossings["destinations"] = destinations
    response = out.setdefault("response", {})
    if not isinstance(response, dict):
        raise _fail(source, "response", "expected a mapping")
    for role, holder, key in (("sensor", out, "sensors"), ("team", response, "teams"),
                              ("patrol", out, "patrols")):
        if not items[role]:
            continue
        listed = holder.setdefault(key, [])
        if not isinstance(listed, list):
            raise _fail(source, key if role != "team" else "response.teams",
                        "expected a list")
        by_id = {s.get("id"): k for k, s in enumerate(listed) if isinstance(s, dict)}
        for ident, fields in items[role].items():
            if ident in by_id:
                listed[by_id[ident]] = {**fields, **listed[by_id[ident]]}
            else:
                listed.append(fields)
    seg.pop("geojson", None)
    seg.pop("geojson_crs", None)
    return out


def _buffer(line: list[list[float]], width_m: float) -> list[list[float]]:
    """A road polygon: the line buffered by half its width, flat ends."""
    import shapely

    poly = shapely.buffer(shapely.linestrings(line), width_m / 2, cap_style="flat",
                          join_style="mitre")
    ring = shapely.get_coordinates(poly.exterior)[:-1]
    return [[round(float(x), 3), round(float(y), 3)] for x, y in ring]
