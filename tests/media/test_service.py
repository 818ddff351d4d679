"""Adverse media over HTTP: POST /media, GET /media, GET /media/{id},
adverse_media on /match (beside yente's fields, never an alert), the
review reason of /assess, and the workspace pages. Runs on the shared
service over the bundled lists; the articles are removed afterwards."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from chokepoint.media.tables import ArticleRow, BandRow, LinkRow, MentionRow, MentionWordRow

from tests.service.test_web import PASSWORD, _csrf, login

from .conftest import syndicated_html

ALABUGA = "JOINT STOCK COMPANY SPECIAL ECONOMIC ZONE OF INDUSTRIAL PRODUCTION ALABUGA"


def _clear(engine) -> None:
    with Session(engine) as session, session.begin():
        for table in (MentionWordRow, BandRow, LinkRow, MentionRow):
            session.execute(delete(table))
        session.execute(delete(ArticleRow).where(ArticleRow.duplicate_of.is_not(None)))
        session.execute(delete(ArticleRow))


@pytest.fixture(scope="module")
def articles(service_state, base_url, api_keys, raw_seed, clean_seed):
    """The two seed reports posted once; removed after the module."""
    from tests.service.conftest import client_for

    _clear(service_state.store.engine)
    with client_for(base_url, api_keys["analyst"]) as client:
        raw = client.post("/media", content=raw_seed.read_bytes(), params={"name": raw_seed.name},
                          headers={"Content-Type": "text/plain"})
        clean = client.post("/media", content=clean_seed.read_bytes(), params={"name": clean_seed.name},
                            headers={"Content-Type": "text/plain"})
    assert raw.status_code == 201, raw.text
    assert clean.status_code == 201, clean.text
    yield raw.json(), clean.json()
    _clear(service_state.store.engine)


def test_post_media_stores_and_links(articles, analyst, raw_seed):
    raw, clean = articles
    assert raw["status"] == "stored" and raw["call_id"]
    assert clean["related"][0]["article_id"] == raw["article_id"]
    again = analyst.post("/media", content=raw_seed.read_bytes(), headers={"Content-Type": "text/plain"})
    assert again.status_code == 200 and again.json()["status"] == "exists"
    assert again.json()["article_id"] == raw["article_id"]


def test_get_media_and_one_article(articles, viewer):
    raw, clean = articles
    listed = viewer.get("/media").json()
    assert [a["id"] for a in listed["articles"]] == [clean["article_id"], raw["article_id"]]
    assert listed["articles"][1]["mentions"]["place"] >= 7
    article = viewer.get(f"/media/{raw['article_id']}").json()
    body = article["body"]
    for m in article["mentions"]:
        assert body[m["start"]:m["end"]] == m["text"]
    amirabad = next(m for m in article["mentions"] if m["key"] == "port-amirabad")
    assert amirabad["speaker"] == "John Kirby"
    assert viewer.get("/media/999999").status_code == 404
    found = viewer.get("/media", params={"q": "John Kirby", "schema": "Person"}).json()["articles"]
    assert {a["article_id"] for a in found} == {raw["article_id"], clean["article_id"]}


def test_bad_articles_are_refused(articles, analyst, viewer):
    before = viewer.get("/media").json()["total"]
    empty = analyst.post("/media", content=b"   \n", headers={"Content-Type": "text/plain"})
    assert empty.status_code == 422 and empty.json()["detail"][0]["msg"] == "the file is empty"
    binary = analyst.post("/media", content=b"%PDF-1.7\n" + bytes(range(256)), params={"name": "report.pdf"},
                          headers={"Content-Type": "application/pdf"})
    assert binary.status_code == 422 and "a PDF document" in binary.json()["detail"][0]["msg"]
    page = analyst.post("/media", content=b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
                        headers={"Content-Type": "text/html"})
    assert page.status_code == 422 and "no article found" in page.json()["detail"][0]["msg"]
    huge = analyst.post("/media", content=b"a" * 5_000_001, headers={"Content-Type": "text/plain"})
    assert huge.status_code == 413
    assert viewer.post("/media", content=b"x").status_code == 403
    assert viewer.get("/media").json()["total"] == before


def test_match_carries_adverse_media_beside_list_hits(articles, analyst):
    raw, clean = articles
    answer = analyst.post("/match/default", json={"queries": {
        "sez": {"schema": "Company", "properties": {"name": [ALABUGA]}},
        "kirby": {"schema": "Person", "properties": {"name": ["John Kirby"]}},
        "plain": {"schema": "Company", "properties": {"name": ["Hanseatic Components GmbH"]}}}}).json()
    sez = answer["responses"]["sez"]
    assert sez["results"][0]["match"] and sez["results"][0]["id"] == "us-ofac-sdn-45708"
    assert {a["article_id"] for a in sez["results"][0]["adverse_media"]} == {raw["article_id"], clean["article_id"]}
    assert {a["article_id"] for a in sez["adverse_media"]} == {raw["article_id"], clean["article_id"]}
    kirby = answer["responses"]["kirby"]
    assert kirby["results"] == [] and kirby["total"]["value"] == 0  # adverse media never makes a match
    assert {a["article_id"] for a in kirby["adverse_media"]} == {raw["article_id"], clean["article_id"]}
    assert answer["responses"]["plain"]["adverse_media"] == []


def test_assess_raises_a_review_reason(articles, analyst):
    order = {"id": "AM-2", "parties": [
        {"role": "seller", "name": "Hanseatic Components GmbH", "country": "DE"},
        {"role": "buyer", "type": "Person", "name": "John Kirby", "country": "US"}],
        "lines": [{"description": "Brushless DC motor 400 W", "hs_code": "8501.31.00"}],
        "end_use": "production of pump motors", "end_use_statement": "provided"}
    result = analyst.post("/assess", json=order).json()
    assert result["level"] == "review"
    reason = next(r for r in result["reasons"] if r["rule_id"] == "adverse-media-party")
    assert reason["level"] == "review" and reason["evidence"]["parties"][0]["adverse_media"]


def test_workspace_pages(articles, base_url, service_state, raw_seed):
    raw, _ = articles
    if service_state.accounts.get("media-analyst") is None:
        service_state.accounts.create("media-analyst", "analyst", PASSWORD)
    with login(base_url, "media-analyst") as client:
        listing = client.get("/ui/media")
        assert listing.status_code == 200 and 'href="/ui/media"' in listing.text
        page = client.get(f"/ui/media/{raw['article_id']}").text
        assert '<mark class="m m-place" title="place: Amirabad, said by John Kirby"' in page
        assert re.search(r'<mark class="m m-entity"[^>]*><a href="#mention-\d+">Alabuga Special Economic Zone</a>',
                         page)
        assert "Penguins land" not in page
        found = client.get("/ui/media", params={"q": "Kashan Airfield"}).text
        assert f'href="/ui/media/{raw["article_id"]}"' in found
        csrf = _csrf(client.get("/ui/screen").text)
        screened = client.post("/ui/screen", data={"name": ALABUGA, "schema": "Company", "csrf_token": csrf}).text
        assert "Adverse media (2)" in screened
        copy = syndicated_html(raw_seed).replace("</article>", "<p>Shipping agents in Baku could not be reached "
                                                               "for comment on the cargo.</p></article>")
        upload = client.post("/ui/media", data={"csrf_token": csrf, "url": "https://wire.example/story"},
                             files={"file": ("copy.html", copy.encode(), "text/html")})
        assert upload.status_code == 200 and f"a copy of <a href=\"/ui/media/{raw['article_id']}\"" in upload.text
        bad = client.post("/ui/media", data={"csrf_token": csrf}, files={"file": ("empty.txt", b"", "text/plain")})
        assert bad.status_code == 422 and "the file is empty" in bad.text
