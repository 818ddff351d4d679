"""An inline SVG map of an order's route, drawn offline.

Countries come from the bundled Natural Earth outlines
(``world-110m.json``), drawn in an equirectangular projection (longitude
scaled by the cosine of the middle latitude) cropped to the route's
bounding box with a margin. Stops are circles (risky stops red), the
route a dashed polyline, the Caspian route ports of
``jurisdictions.yaml`` inside the view small squares, with a legend.

The SVG has no external references (no fonts, images or namespaces by
URL), so the HTML report that embeds it is one self-contained file. Every
text from the order is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from html import escape

from chokepoint.trade.reference import world_geometry
from chokepoint.trade.routes import Place, StopFinding

WIDTH = 760
MAX_HEIGHT = 520
MIN_SPAN_LON = 24.0
MIN_SPAN_LAT = 14.0
RISKY = "#c62828"
SAFE = "#1565c0"
PORT = "#6d4c41"


@dataclass(frozen=True, slots=True)
class View:
    """The map window and its projection onto the SVG canvas."""

    lon0: float
    lon1: float
    lat0: float
    lat1: float
    scale: float
    cos: float
    width: int
    height: int

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        """Canvas position of a point."""
        return (lon - self.lon0) * self.cos * self.scale, (self.lat1 - lat) * self.scale

    def overlaps(self, box: tuple[float, float, float, float]) -> bool:
        """Whether a (lon0, lat0, lon1, lat1) box meets the window."""
        return not (box[2] < self.lon0 or box[0] > self.lon1 or box[3] < self.lat0 or box[1] > self.lat1)


def make_view(points: Iterable[tuple[float, float]]) -> View:
    """A window around (lon, lat) points, with a margin and a sane shape."""
    pts = list(points)
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    lon0, lon1, lat0, lat1 = min(lons), max(lons), min(lats), max(lats)
    margin_lon = max(4.0, (lon1 - lon0) * 0.15)
    margin_lat = max(3.0, (lat1 - lat0) * 0.15)
    lon0, lon1, lat0, lat1 = lon0 - margin_lon, lon1 + margin_lon, lat0 - margin_lat, lat1 + margin_lat
    lon0, lon1 = _widen(lon0, lon1, MIN_SPAN_LON)
    lat0, lat1 = _widen(lat0, lat1, MIN_SPAN_LAT)
    lat0, lat1 = max(lat0, -85.0), min(lat1, 85.0)
    cos = max(0.2, math.cos(math.radians((lat0 + lat1) / 2)))
    scale = WIDTH / ((lon1 - lon0) * cos)
    height = (lat1 - lat0) * scale
    if height > MAX_HEIGHT:  # too tall: widen the longitudes instead
        needed = (lat1 - lat0) * (WIDTH / MAX_HEIGHT) / cos
        lon0, lon1 = _widen(lon0, lon1, needed)
        scale = WIDTH / ((lon1 - lon0) * cos)
        height = (lat1 - lat0) * scale
    return View(lon0, lon1, lat0, lat1, scale, cos, WIDTH, max(1, round(height)))


def _widen(low: float, high: float, span: float) -> tuple[float, float]:
    if high - low >= span:
        return low, high
    middle = (low + high) / 2
    return middle - span / 2, middle + span / 2


@cache
def _outlines() -> tuple[tuple[str | None, str, tuple[float, float, float, float], tuple], ...]:
    """(code, name, bbox, polygons) of every country outline."""
    out = []
    for country in world_geometry()["countries"]:
        polygons = tuple(tuple((p[0], p[1]) for p in ring) for ring in country["polygons"])
        lons = [p[0] for ring in polygons for p in ring]
        lats = [p[1] for ring in polygons for p in ring]
        out.append((country["code"], country["name"], (min(lons), min(lats), max(lons), max(lats)), polygons))
    return tuple(out)


def _path(view: View, ring: tuple) -> str:
    points = [view.xy(lon, lat) for lon, lat in ring]
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z"


def _countries_svg(view: View, highlight: set[str]) -> list[str]:
    parts = []
    for code, name, box, polygons in _outlines():
        if not view.overlaps(box):
            continue
        d = "".join(_path(view, ring) for ring in polygons)
        css = "c on" if code and code in highlight else "c"
        parts.append(f'<path class="{css}" d="{d}"><title>{escape(name)}</title></path>')
    return parts


def _ports_svg(view: View, ports: Iterable[Place], on_route: set[str]) -> list[str]:
    """Caspian route ports in the view; those on the route keep the stop's
    label only."""
    parts = []
    for port in ports:
        if port.lat is None or port.lon is None or not view.overlaps((port.lon, port.lat, port.lon, port.lat)):
            continue
        x, y = view.xy(port.lon, port.lat)
        parts.append(f'<rect class="port" x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7">'
                     f'<title>{escape(port.name)} (Caspian route port)</title></rect>')
        if port.id not in on_route:
            parts.append(f'<text class="plabel" x="{x + 6:.1f}" y="{y + 12:.1f}">{escape(port.name)}</text>')
    return parts


def route_map_svg(stops: list[StopFinding], risky: set[int], ports: Iterable[Place] = ()) -> str:
    """The route as an inline SVG element (a short note when no stop can
    be placed)."""
    placed = [(s, s.lon, s.lat) for s in stops if s.lat is not None and s.lon is not None]
    if not placed:
        return ('<svg class="map" viewBox="0 0 760 40" role="img" aria-label="no route">'
                '<text x="10" y="25">No route stop could be placed on the map.</text></svg>')
    view = make_view((lon, lat) for _, lon, lat in placed)
    highlight = {s.country[:2] for s in stops if s.country}
    parts = [f'<svg class="map" viewBox="0 0 {view.width} {view.height + 56}" role="img" '
             f'aria-label="route map">',
             f'<defs><clipPath id="mapclip"><rect width="{view.width}" height="{view.height}"/></clipPath></defs>',
             f'<rect class="sea" width="{view.width}" height="{view.height}"/>',
             '<g clip-path="url(#mapclip)">', *_countries_svg(view, highlight),
             *_ports_svg(view, ports, {s.port.id for s in stops if s.port})]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in (view.xy(lon, lat) for _, lon, lat in placed))
    parts.append(f'<polyline class="route" points="{line}"/>')
    for s, lon, lat in placed:
        x, y = view.xy(lon, lat)
        colour = RISKY if s.index in risky else SAFE
        label = f"{s.index + 1}. {s.name or s.country}"
        tip = f"{label} ({s.country}, {s.kind})" + "".join(f"; {n}" for n in s.notes)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6.5" fill="{colour}" class="stop">'
                     f'<title>{escape(tip)}</title></circle>'
                     f'<text class="slabel" x="{x + 9:.1f}" y="{y - 7:.1f}">{escape(label)}</text>')
    parts.append("</g>")
    parts.append(_legend(view))
    parts.append("</svg>")
    return "".join(parts)


def _legend(view: View) -> str:
    y = view.height + 22
    return (f'<g class="legend">'
            f'<circle cx="14" cy="{y}" r="6" fill="{RISKY}"/><text x="26" y="{y + 4}">risky stop</text>'
            f'<circle cx="124" cy="{y}" r="6" fill="{SAFE}"/><text x="136" y="{y + 4}">other stop</text>'
            f'<rect x="230" y="{y - 4}" width="8" height="8" fill="{PORT}"/>'
            f'<text x="244" y="{y + 4}">Caspian route port (jurisdictions.yaml)</text>'
            f'<line x1="500" y1="{y}" x2="540" y2="{y}" class="route"/><text x="548" y="{y + 4}">route</text>'
            f'<text x="10" y="{y + 26}" class="src">Outlines: Natural Earth 1:110m (public domain) via world-atlas; '
            f'equirectangular projection.</text></g>')


MAP_CSS = """
svg.map{width:100%;max-width:760px;height:auto;border:1px solid #b0bec5;background:#fff}
svg.map .sea{fill:#e3f2fd}
svg.map .c{fill:#eceff1;stroke:#90a4ae;stroke-width:.6}
svg.map .c.on{fill:#fff3e0}
svg.map .route{fill:none;stroke:#37474f;stroke-width:2;stroke-dasharray:6 4}
svg.map .stop{stroke:#fff;stroke-width:1.5}
svg.map .port{fill:#6d4c41}
svg.map text{font:12px sans-serif;fill:#263238}
svg.map .slabel{font-weight:bold;paint-order:stroke;stroke:#fff;stroke-width:3px}
svg.map .plabel{font-size:10px;fill:#6d4c41;paint-order:stroke;stroke:#fff;stroke-width:2px}
svg.map .src{font-size:10px;fill:#607d8b}
"""
