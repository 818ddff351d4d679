"""Countries, ports and places against jurisdictions.yaml; the bundled
copies of the reference data and the world geometry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from followthemoney import registry

from chokepoint.trade.order import Stop, parse_order
from chokepoint.trade.reference import DATA, reference, world_geometry
from chokepoint.trade.routes import Geography, normalise_place

from .conftest import order_data

SHARED_CONTROLS = Path(__file__).resolve().parents[3] / "shared" / "data" / "controls"


@pytest.fixture(scope="module")
def geo() -> Geography:
    return Geography(reference())


@pytest.mark.parametrize("stop,port", [
    ({"unlocode": "IRAMD"}, "port-amirabad"),
    ({"unlocode": "IRAMP"}, "port-amirabad"),  # the related code is screened too
    ({"country": "IR", "port": "Bandar-e Anzali"}, "port-bandar-anzali"),
    ({"country": "IR", "place": "Enzeli"}, "port-bandar-anzali"),
    ({"country": "RU", "port": "Port of Makhachkala"}, "port-makhachkala"),
    ({"country": "RU", "port": "Махачкала"}, "port-makhachkala"),
    ({"country": "RU", "unlocode": "RUASF"}, "port-astrakhan"),
    ({"country": "RU", "port": "Olya Sea Port"}, "port-olya"),
])
def test_caspian_ports(geo, stop, port):
    found = geo.port_for(Stop(**stop))
    assert found is not None and found.id == port


@pytest.mark.parametrize("stop", [
    {"country": "IR", "place": "Amirabad", "unlocode": "IRBAM"},  # the other Amirabad, not on the Caspian
    {"country": "TR", "place": "Amirabad"},  # name in the wrong country
    {"country": "RU", "port": "Novorossiysk"},
    {"country": "IR"},
])
def test_not_caspian_ports(geo, stop):
    assert geo.port_for(Stop(**stop)) is None


def test_production_site(geo):
    assert geo.site_in("Alabuga Special Economic Zone, Yelabuga district").id == "site-alabuga-sez"
    assert geo.site_in("SEZ Alabuga") is not None
    assert geo.site_in("ul. Bauman 19, Kazan") is None and geo.site_in(None) is None


def test_jurisdictions(geo):
    assert "fincen-bis-alert-20220628" in geo.docs_for("AE")
    assert geo.docs_for("DE") == () and geo.docs_for(None) == ()
    assert geo.in_gecc("DE") and geo.in_gecc("JP") and not geo.in_gecc("AE") and not geo.in_gecc(None)


def test_stop_kinds_and_notes(geo):
    order = parse_order(order_data(route=[
        {"country": "DE", "port": "Hamburg"},
        {"country": "AE", "port": "Jebel Ali", "unlocode": "AEJEA"},
        {"country": "IR", "unlocode": "IRAMD", "kind": "transshipment"},
        {"country": "RU", "port": "Makhachkala"},
    ]))
    stops = geo.assess_route(order)
    assert [s.kind for s in stops] == ["origin", "transit", "transshipment", "destination"]
    assert stops[0].notes == []
    assert "transshipment risk" in stops[1].notes[0]
    assert stops[2].port.id == "port-amirabad" and (stops[2].lat, stops[2].lon) == (36.783, 53.35)
    assert stops[2].coordinates_from == "port-amirabad"
    assert stops[0].coordinates_from == "country label point" and stops[0].lat is not None
    one = geo.assess_route(parse_order(order_data(route=[{"country": "JP"}])))
    assert one[0].kind == "destination"


def test_every_country_has_a_label_point(geo):
    missing = [c for c in ("AE", "TR", "HK", "SG", "MT", "BH", "AM", "KG", "IR", "RU", "BY", "CN", "DE", "US",
                           "UA-CRI") if geo.centroid(c) is None]
    assert missing == []


def test_world_geometry_is_iso_coded():
    world = world_geometry()
    codes = [c["code"] for c in world["countries"] if c["code"]]
    assert len(codes) == len(set(codes)) > 170
    for code in codes + list(world["points"]):
        assert registry.country.clean(code) == code.lower(), code
    for country in world["countries"]:
        for ring in country["polygons"]:
            assert all(p[0] == round(p[0], 1) and -90 <= p[1] <= 90 for p in ring)
    assert "Natural Earth" in world["source"]["data"]


def test_normalise_place():
    assert normalise_place("Bandar-e Anzali") == "bandar e anzali"
    assert normalise_place("Махачкала") == normalise_place("Makhachkala")


@pytest.mark.parametrize("name", ["hs_codes.csv", "red_flags.yaml", "jurisdictions.yaml"])
def test_bundled_copies_equal_the_shared_data(name):
    if not SHARED_CONTROLS.is_dir():
        pytest.skip("../shared/data/controls is not beside the repository")
    assert (DATA / name).read_bytes() == (SHARED_CONTROLS / name).read_bytes()


def test_provenance_holds_the_shared_research_notes():
    text = (DATA / "PROVENANCE.md").read_text("utf-8")
    for name in ("hs_codes.csv", "red_flags.yaml", "jurisdictions.yaml", "world-110m.json", "goods_keywords.yaml",
                 "party_keywords.yaml", "hs_lists.yaml", "order.schema.json", "rulesets/"):
        assert name in text
    if SHARED_CONTROLS.is_dir():
        assert (SHARED_CONTROLS / "PROVENANCE.md").read_text("utf-8") in text


def test_no_runtime_reads_of_the_shared_folder():
    source = Path(__file__).resolve().parents[2] / "src" / "chokepoint" / "trade"
    for path in source.rglob("*.py"):
        assert not re.search(r"shared[/\\\"']", path.read_text("utf-8")), path
