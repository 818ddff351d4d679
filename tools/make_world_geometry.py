"""Convert Natural Earth country outlines (world-atlas TopoJSON) into the
compact file the trade report draws its route maps from.

Run once by a developer when the geometry should change:

    npm install --prefix /tmp/wa world-atlas
    .venv/bin/python tools/make_world_geometry.py /tmp/wa/node_modules/world-atlas

Input: ``countries-110m.json`` (outlines) and ``countries-50m.json`` (only
for the label points of the small countries the 110m file leaves out,
such as Singapore, Malta, Bahrain or Hong Kong). Both are TopoJSON built
by the world-atlas package (ISC licence) from Natural Earth (public
domain).

Output: ``src/chokepoint/trade/data/world-110m.json``::

    {"source": {...}, "countries": [{"code": "IR", "name": "Iran",
      "centroid": [lon, lat], "polygons": [[[lon, lat], ...], ...]}],
     "points": {"SG": [lon, lat], ...}}

Coordinates are rounded to 0.1 degree and repeated points dropped; each
polygon keeps its outer ring only (holes are not drawn on a route map).
Country codes are ISO 3166-1 alpha-2 from FollowTheMoney's country type
(rigour territories), found by the Natural Earth name after expanding its
abbreviations ("Dem. Rep." → "Democratic Republic"); outlines whose name
no library knows (e.g. "N. Cyprus", "Somaliland") keep their name and no
code.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from followthemoney import registry

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "src" / "chokepoint" / "trade" / "data" / "world-110m.json"

#: Natural Earth's abbreviations in short names, expanded word by word.
ABBREVIATIONS = {
    "Rep.": "Republic", "Dem.": "Democratic", "Is.": "Islands", "I.": "Island",
    "Herz.": "Herzegovina", "S.": "South", "W.": "Western", "N.": "North",
    "Eq.": "Equatorial", "Fr.": "French", "St.": "Saint", "Br.": "British",
    "Ter.": "Territory", "Geo.": "Georgia", "Barb.": "Barbuda", "Gren.": "Grenadines",
    "Vin.": "Vincent", "Cent.": "Central",
}


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat points of every arc (TopoJSON delta encoding)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """Join a ring's arcs (a negative index ~i is arc i reversed)."""
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def outer_rings(geometry: dict, arcs: list) -> list[list[tuple[float, float]]]:
    """The outer ring of each polygon of a (Multi)Polygon geometry."""
    if geometry["type"] == "Polygon":
        return [unwrap(ring_points(geometry["arcs"][0], arcs))]
    if geometry["type"] == "MultiPolygon":
        return [unwrap(ring_points(polygon[0], arcs)) for polygon in geometry["arcs"]]
    return []


def simplify(points: list[tuple[float, float]]) -> list[list[float]]:
    """Round to 0.1 degree and drop consecutive repeats."""
    out: list[list[float]] = []
    for lon, lat in points:
        p = [round(lon, 1), round(lat, 1)]
        if not out or out[-1] != p:
            out.append(p)
    return out


def ring_area_centroid(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Planar area and centroid of a ring (shoelace formula)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-12:
        xs, ys = zip(*points)
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return abs(area / 2), cx / (3 * area), cy / (3 * area)


def label_point(rings: list[list[tuple[float, float]]]) -> list[float]:
    """Centroid of the largest polygon (so France is not placed at sea
    between Europe and French Guiana)."""
    best = max((ring_area_centroid(r) for r in rings if len(r) >= 3), key=lambda t: t[0])
    return normalise_point([best[1], round(best[2], 1)])


def name_variants(name: str) -> list[str]:
    """The name, its abbreviations expanded, and "Rep. X" read as
    "Republic of the X" ("Dem. Rep. Congo")."""
    words = name.split()
    expanded = " ".join(ABBREVIATIONS.get(word, word) for word in words)
    of_the = " ".join("Republic of the" if w == "Rep." and i < len(words) - 1 else ABBREVIATIONS.get(w, w)
                      for i, w in enumerate(words))
    return [name, expanded, of_the]


def country_code(name: str) -> str | None:
    """ISO alpha-2 (upper case) for a Natural Earth short name, or None."""
    for variant in name_variants(name):
        code = registry.country.clean(variant)
        if code and re.fullmatch(r"[a-z]{2}", code):
            return code.upper()
    return None


def unwrap(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Make longitudes continuous across the antimeridian (179.9 → 180.1
    rather than -179.9), so a ring never jumps across the whole map."""
    out: list[tuple[float, float]] = []
    for lon, lat in points:
        if out:
            while lon - out[-1][0] > 180:
                lon -= 360
            while lon - out[-1][0] < -180:
                lon += 360
        out.append((lon, lat))
    return out


def normalise_point(point: list[float]) -> list[float]:
    """A label point with its longitude back in [-180, 180)."""
    lon = (point[0] + 180) % 360 - 180
    return [round(lon, 1), point[1]]


def convert(folder: Path) -> dict:
    """Build the output document from the world-atlas folder."""
    topo = json.loads((folder / "countries-110m.json").read_text("utf-8"))
    arcs = decode_arcs(topo)
    countries = []
    geometries = topo["objects"]["countries"]["geometries"]
    #: a code found by the exact name wins over one found by an expansion
    #: ("N. Cyprus" would otherwise be read as Cyprus or Turkey)
    exact = {registry.country.clean(g["properties"]["name"]) for g in geometries} - {None}
    for geometry in geometries:
        name = geometry["properties"]["name"]
        rings = [r for r in outer_rings(geometry, arcs) if len(r) >= 4]
        polygons = [p for p in (simplify(r) for r in rings) if len(p) >= 4]
        if not polygons:
            continue
        code = country_code(name)
        if code and registry.country.clean(name) is None and code.lower() in exact:
            code = None
        countries.append({"code": code, "name": name, "centroid": label_point(rings), "polygons": polygons})
    detailed = json.loads((folder / "countries-50m.json").read_text("utf-8"))
    detailed_arcs = decode_arcs(detailed)
    drawn = {c["code"] for c in countries if c["code"]}
    points = {}
    for geometry in detailed["objects"]["countries"]["geometries"]:
        code = country_code(geometry["properties"]["name"])
        rings = [r for r in outer_rings(geometry, detailed_arcs) if len(r) >= 3]
        if code and code not in drawn and rings:
            points[code] = label_point(rings)
    package = json.loads((folder / "package.json").read_text("utf-8"))
    return {
        "source": {
            "package": f"world-atlas {package['version']} (npm), files countries-110m.json and countries-50m.json",
            "data": "Natural Earth 1:110m and 1:50m admin-0 countries (public domain)",
            "licence": "world-atlas: ISC; Natural Earth: public domain",
            "processing": "outer rings only, rounded to 0.1 degree; points = label points of countries "
                          "absent from the 1:110m outlines, from the 1:50m file",
        },
        "countries": sorted(countries, key=lambda c: (c["code"] or "~", c["name"])),
        "points": dict(sorted(points.items())),
    }


def main(argv: list[str]) -> None:
    folder = Path(argv[1]) if len(argv) > 1 else Path("/tmp/wa/node_modules/world-atlas")
    data = convert(folder)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n", "utf-8")
    unnamed = [c["name"] for c in data["countries"] if not c["code"]]
    print(f"{len(data['countries'])} outlines, {len(data['points'])} extra points → {TARGET}"
          f" ({TARGET.stat().st_size // 1024} KiB); without a code: {', '.join(unnamed) or 'none'}")


if __name__ == "__main__":
    main(sys.argv)
