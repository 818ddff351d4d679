"""Text and HTML reports; the offline SVG route map."""

from __future__ import annotations

import json
import re

import pytest

from chokepoint.trade.report import render
from chokepoint.trade.routemap import make_view, route_map_svg
from chokepoint.trade.routes import StopFinding

from .conftest import MICROCONTROLLER, order_data, with_party

CASPIAN = [{"country": "DE", "port": "Hamburg", "unlocode": "DEHAM"},
           {"country": "AE", "port": "Jebel Ali", "unlocode": "AEJEA"},
           {"country": "IR", "port": "Amirabad", "unlocode": "IRAMD"},
           {"country": "RU", "port": "Makhachkala", "unlocode": "RUMCX"}]


@pytest.fixture(scope="module")
def risky(assess):
    data = with_party(order_data(lines=[MICROCONTROLLER], route=CASPIAN), 2,
                      name="<script>alert('x')</script> Trading & Co", address="<b>Deira</b>, Dubai", country="AE")
    return assess(data)


def test_html_is_self_contained_and_escaped(risky):
    html = render(risky, "html")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "</svg>" in html
    assert "Amirabad" in html and "Makhachkala" in html and "Jebel Ali" in html
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Trading &amp; Co" in html
    assert "<b>Deira</b>" not in html
    assert not re.search(r"https?://", html)  # no CDN, fonts, images or namespaces by URL
    assert not re.search(r"<(link|img|iframe|object)\b", html)
    assert "block" in html and "iran-uav-caspian-route" in html


def test_html_marks_risky_stops_and_ports(risky):
    html = render(risky, "html")
    svg = re.search(r"<svg class=\"map\".*?</svg>", html, re.S).group(0)
    assert svg.count('fill="#c62828"') >= 3  # Jebel Ali, Amirabad, Makhachkala (+ legend)
    assert 'class="port"' in svg and "route" in svg and "<path" in svg
    assert "risky stop" in svg  # the legend


def test_text_report(risky):
    text = render(risky, "text")
    assert "LEVEL: BLOCK" in text
    for rule_id in risky.rule_ids:
        assert rule_id in text
    assert "source: " in text and "ROUTE" in text and "Caspian route port Amirabad" in text


def test_json_report(risky):
    data = json.loads(render(risky, "json"))
    assert data["level"] == "block" and data["order_id"] == "T-1"
    with pytest.raises(ValueError):
        render(risky, "pdf")


def test_clear_order_report(assess):
    result = assess(order_data())
    assert "No rule fired." in render(result, "html")
    assert "none: no rule fired." in render(result, "text")


def test_map_without_coordinates():
    stop = StopFinding(0, "destination", "XX", None, None)
    assert "No route stop" in route_map_svg([stop], set())


def test_map_view_keeps_a_sane_shape():
    view = make_view([(10.0, 53.5), (11.0, 53.6)])
    assert view.lon1 - view.lon0 >= 24 and view.height <= 520
    wide = make_view([(-118.2, 33.7), (47.5, 43.0)])
    assert wide.lon0 < -118.2 and wide.lon1 > 47.5 and wide.height <= 520
    tall = make_view([(30.0, -30.0), (31.0, 60.0)])
    assert tall.height <= 521 and tall.lat0 < -30 and tall.lat1 > 60
