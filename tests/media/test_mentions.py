"""Mentions in the seed reports: places from the route and jurisdiction
data, programme terms, listed entities through the real screener over the
bundled lists, and who said what."""

from __future__ import annotations


import pytest

from chokepoint.media.attribution import PERSON, SOURCE, attributions
from chokepoint.media.boilerplate import extract_story
from chokepoint.media.entities import EntityFinder
from chokepoint.media.mentions import ENTITY, NAME, PERSON_KIND, PLACE, TERM, find_mentions

ALABUGA_OFAC = "us-ofac-sdn-45708"


@pytest.fixture(scope="module")
def finder(screener):
    return EntityFinder(screener)


@pytest.fixture(scope="module")
def raw_mentions(raw_seed, finder):
    body = extract_story(raw_seed.read_text("utf-8")).body
    return body, find_mentions(body, finder)


@pytest.fixture(scope="module")
def clean_mentions(clean_seed, finder):
    body = extract_story(clean_seed.read_text("utf-8")).body
    return body, find_mentions(body, finder)


def keys(found, kind: str) -> set[str]:
    return {m.key for m in found.mentions if m.kind == kind}


def test_raw_report_places_terms_and_spans(raw_mentions):
    body, found = raw_mentions
    assert {"site-alabuga-sez", "port-amirabad", "port-makhachkala", "site-kashan-airfield", "sea-caspian",
            "country-ir", "country-ru"} <= keys(found, PLACE)
    assert "uav" in keys(found, TERM)
    assert {m.text for m in found.mentions if m.key == "uav"} >= {"drones", "drone", "attack drones"}
    for m in found.mentions:
        assert body[m.start:m.end] == m.text, m
    # nothing from the unrelated headlines around the story
    assert "Novorossiysk" not in body and not [m for m in found.mentions if "Black Sea" in m.text]


def test_kirby_is_the_speaker_of_the_quoted_claims(raw_mentions):
    _, found = raw_mentions
    by_key = {}
    for m in found.mentions:
        by_key.setdefault(m.key, []).append(m)
    for key in ("sea-caspian", "port-amirabad", "port-makhachkala"):
        assert [m.speaker for m in by_key[key]] == ["John Kirby"], key
    assert by_key["port-amirabad"][0].speaker_role == "National Security Council spokesman"
    kirby = [m for m in found.mentions if m.kind == PERSON_KIND and m.key == "person:john-kirby"]
    assert {m.text for m in kirby} == {"John Kirby", "Kirby"}
    # the plant's location is the White House's claim (no speaker named in its sentence)
    assert by_key["site-alabuga-sez"][0].speaker is None
    assert "person:william-burns" in keys(found, PERSON_KIND)


def test_listed_entities_in_the_raw_report(raw_mentions):
    _, found = raw_mentions
    entities = {m.key: m for m in found.mentions if m.kind == ENTITY}
    assert ALABUGA_OFAC in entities  # the SEZ's operator, on the OFAC SDN list
    alabuga = entities[ALABUGA_OFAC]
    assert alabuga.text == "Alabuga Special Economic Zone" and alabuga.score >= 0.8
    assert alabuga.detail["dataset"] == "us_ofac_sdn" and alabuga.detail["list_version"]
    putin = [m for m in found.mentions if m.kind == ENTITY and m.text == "Vladimir Putin"]
    assert putin and all(m.detail["schema"] == "Person" for m in putin)
    # capitalised words that open a sentence or sit inside other names are not listed parties
    assert not [m for m in found.mentions if m.kind == ENTITY and m.text in ("It", "Soon", "Both", "Forum", "At")]


def test_clean_report_mentions(clean_mentions):
    _, found = clean_mentions
    assert {"site-alabuga-sez", "sea-caspian", "country-ir", "country-ru", "country-us"} <= keys(found, PLACE)
    alabuga = [m for m in found.mentions if m.key == "site-alabuga-sez"]
    assert alabuga[0].speaker == "John Kirby"  # "Kirby continued: “… Alabuga Special Economic Zone.”"
    uav = [m for m in found.mentions if m.key == "uav"]
    assert {m.text for m in uav} >= {"UAVs", "UAV", "Uncrewed Aerial Vehicles", "attack drones"}
    assert {m.speaker for m in uav if m.text == "UAVs"} >= {"John Kirby"}
    assert ALABUGA_OFAC in keys(found, ENTITY)


def test_attribution_forms():
    text = ('"Prices are rising," said Trade Ministry spokeswoman Jane Roe, adding more. Roe warned that '
            'exports would fall.\n\n"We will act," she said.\n\n“This is only the start.”\n\n'
            'The Trade Ministry said on Monday that it agreed.\n\nShips left Olya, according to Reuters.\n\n'
            '“A quotation after a report is nobody’s.”')
    found = attributions(text)
    speakers = [(a.speaker, a.kind) for a in found]
    assert speakers == [("Jane Roe", PERSON), ("Jane Roe", PERSON), ("Jane Roe", PERSON), ("Jane Roe", PERSON),
                        ("Trade Ministry", "organisation"), ("Reuters", SOURCE)]
    assert found[0].role == "Trade Ministry spokeswoman" and found[1].written == "Roe"
    assert found[2].written == "she" and found[3].verb == "continued quotation"
    assert text[found[3].start:found[3].end] == "“This is only the start.”"


def test_windows_and_vessels(finder):
    text = ("The vessel Port Olya-3 left Amirabad for Astrakhan. It carried parts for Qods Aviation Industries, "
            "officials at the Aspen Security Forum said.")
    found = find_mentions(text, finder)
    entities = {(m.text, m.detail["schema"]) for m in found.mentions if m.kind == ENTITY}
    assert ("Port Olya-3", "Vessel") in entities
    assert any(text == "Qods Aviation Industries" for text, _ in entities)
    assert not any(text in ("It", "Forum", "Aspen Security Forum") for text, _ in entities)
    assert {m.key for m in found.mentions if m.kind == PLACE} >= {"port-amirabad", "port-astrakhan"}
    assert [m.text for m in found.mentions if m.kind == NAME] == ["Aspen Security Forum"]


def test_mentions_do_not_depend_on_what_was_read_before(raw_seed, clean_seed, finder):
    """Warm tables and caches change no mention: each report read first and
    read after the other gives the same mentions."""
    bodies = [extract_story(p.read_text("utf-8")).body for p in (raw_seed, clean_seed)]
    forward = [find_mentions(body, finder).mentions for body in bodies]
    backward = [find_mentions(body, finder).mentions for body in reversed(bodies)][::-1]
    assert forward == backward
    assert all(forward)
