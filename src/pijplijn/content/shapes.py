"""Gemeente shapes for maps: derived from a boundaries file, simplified, and shipped in the
content pack as ``shapes.geojson`` (see docs/decisions/0004-own-simplified-shapes.md).

``derive_shapes`` keeps the gemeenten of a region set, simplifies every ring with
Douglas-Peucker, rounds coordinates to about 10 metres and orients rings the way Vega's map
projection (d3-geo) expects. ``pijplijn shapes`` writes the result; ``load_shapes`` reads it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pijplijn.errors import ContentError, PijplijnError

SHAPES_FILE = "shapes.geojson"
DEFAULT_TOLERANCE = 0.002
"""Douglas-Peucker tolerance in degrees (about 150 m): the map is a few hundred pixels wide."""
DECIMALS = 4
"""Coordinates in degrees rounded to 4 decimals: about 10 m, far below one pixel."""
ATTRIBUTION = "Gemeentegrenzen: CBS/Kadaster (CC BY 4.0), vereenvoudigd door pijplijn"

Point = tuple[float, float]
Ring = list[Point]


def derive_shapes(
    source: Path,
    codes: Iterable[str],
    tolerance: float = DEFAULT_TOLERANCE,
    attribution: str = ATTRIBUTION,
) -> dict[str, Any]:
    """Return a GeoJSON FeatureCollection with one simplified (Multi)Polygon per gemeente in
    ``codes``, properties ``code`` and ``name``, coordinates in degrees (lon, lat).

    Raises PijplijnError naming the file when it is no GeoJSON of gemeenten or lacks a code.
    """
    wanted = set(codes)
    features: list[dict[str, Any]] = []
    for number, feature in enumerate(_features(source), start=1):
        properties = feature.get("properties") or {}
        code = properties.get("gemeenteCode") or properties.get("code")
        if code not in wanted:
            continue
        name = properties.get("gemeenteNaam") or properties.get("name") or code
        geometry = _simplified(feature.get("geometry"), tolerance, source, number)
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": name},
                "geometry": geometry,
            }
        )
    missing = sorted(wanted - {f["properties"]["code"] for f in features})
    if missing:
        raise PijplijnError(
            f"{source}: geen grens voor {', '.join(missing)}; verwacht een GeoJSON met "
            "'gemeenteCode' (GM....) per feature"
        )
    features.sort(key=lambda f: str(f["properties"]["code"]))
    return {"type": "FeatureCollection", "attribution": attribution, "features": features}


def write_shapes(shapes: dict[str, Any], path: Path) -> None:
    """Write ``shapes`` as compact GeoJSON (one feature per line, for readable diffs)."""
    lines = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in shapes["features"]]
    head = json.dumps({k: v for k, v in shapes.items() if k != "features"}, ensure_ascii=False)
    path.write_text(head[:-1] + ',"features":[\n' + ",\n".join(lines) + "\n]}\n", "utf-8")


def point_count(shapes: dict[str, Any]) -> int:
    """Return the number of points in all rings of ``shapes``."""
    total = 0
    for feature in shapes["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        total += sum(len(ring) for polygon in polygons for ring in polygon)
    return total


def load_shapes(root: Path) -> dict[str, Any] | None:
    """Return the pack's shapes (a FeatureCollection), or None when the pack ships none."""
    path = root / SHAPES_FILE
    if not path.is_file():
        return None
    try:
        shapes = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ContentError(f"{path}: geen leesbare GeoJSON ({exc})") from None
    if shapes.get("type") != "FeatureCollection" or not isinstance(shapes.get("features"), list):
        raise ContentError(f"{path}: verwacht een GeoJSON FeatureCollection")
    return dict(shapes)


def _features(source: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(source.read_text("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PijplijnError(f"{source}: geen leesbare GeoJSON ({exc})") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise PijplijnError(f"{source}: verwacht een GeoJSON FeatureCollection met 'features'")
    return features


def _simplified(geometry: Any, tolerance: float, source: Path, number: int) -> dict[str, Any]:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise PijplijnError(f"{source}: feature {number}: verwacht een (Multi)Polygon")
    polygons = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else list(geometry["coordinates"])
    )
    simplified = []
    for polygon in polygons:
        rings = [_ring(ring, tolerance, exterior=i == 0) for i, ring in enumerate(polygon)]
        if len(rings[0]) >= 4:  # a sliver that simplifies away is dropped, holes with it
            simplified.append([r for r in rings if len(r) >= 4])
    if not simplified:
        raise PijplijnError(f"{source}: feature {number}: vlak verdwijnt bij vereenvoudigen")
    if len(simplified) == 1:
        return {"type": "Polygon", "coordinates": simplified[0]}
    return {"type": "MultiPolygon", "coordinates": simplified}


def _ring(coordinates: list[list[float]], tolerance: float, exterior: bool) -> list[list[float]]:
    points = [(float(c[0]), float(c[1])) for c in coordinates]
    kept = _douglas_peucker(points, tolerance)
    rounded: Ring = []
    for x, y in kept:
        point = (round(x, DECIMALS), round(y, DECIMALS))
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    if rounded and rounded[0] != rounded[-1]:
        rounded.append(rounded[0])
    # d3-geo (Vega) treats a ring as spherical: exteriors clockwise, holes anticlockwise;
    # the other way round it fills the whole globe except the gemeente.
    if (_signed_area(rounded) > 0) == exterior:
        rounded.reverse()
    return [[x, y] for x, y in rounded]


def _douglas_peucker(points: Ring, tolerance: float) -> Ring:
    """Return the points of ``points`` that keep the line within ``tolerance`` of itself."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, distance = first, 0.0
        for index in range(first + 1, last):
            d = _distance(points[index], points[first], points[last])
            if d > distance:
                farthest, distance = index, d
        if distance > tolerance:
            keep[farthest] = True
            stack.extend([(first, farthest), (farthest, last)])
    return [p for p, k in zip(points, keep, strict=True) if k]


def _distance(point: Point, start: Point, end: Point) -> float:
    """Return the distance from ``point`` to the segment ``start``–``end`` (degrees)."""
    (px, py), (ax, ay), (bx, by) = point, start, end
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def _signed_area(ring: Ring) -> float:
    """Return the ring's planar signed area (positive when anticlockwise)."""
    return 0.5 * sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False))
