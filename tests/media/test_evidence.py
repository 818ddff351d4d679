"""Stored articles as adverse-media evidence: by listed entity and by
name, in order assessment (a review reason, never a list alert), and the
media CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from chokepoint.cli import app
from chokepoint.matching.records import PartyQuery
from chokepoint.media.evidence import LISTED_ENTITY, NAME_MATCH, MediaLookup, media_evidence
from chokepoint.media.store import MediaStore
from chokepoint.trade.assess import assess_order
from chokepoint.trade.order import parse_order
from chokepoint.trade.rules import Level

from .test_ingest import ingest

ALABUGA_OFAC = "us-ofac-sdn-45708"


def order(name: str, type_: str = "Company", country: str = "RU") -> dict:
    return {"id": "AM-1", "date": "2024-01-15",
            "parties": [{"role": "seller", "name": "Hanseatic Components GmbH", "country": "DE",
                         "address": "Am Sandtorkai 50, 20457 Hamburg"},
                        {"role": "buyer", "type": type_, "name": name, "country": country}],
            "lines": [{"description": "Brushless DC motor 400 W", "hs_code": "8501.31.00", "quantity": 10,
                       "unit_value": 500}],
            "end_use": "production of pump motors", "end_use_statement": "provided"}


def test_evidence_by_listed_entity_and_by_name(ingestor, media_lists, raw_seed, clean_seed, screener):
    first, second = ingest(ingestor, media_lists, raw_seed, clean_seed)
    store = media_lists[1]
    by_entity = media_evidence(store, [], [ALABUGA_OFAC], screener=screener)
    assert {r.article_id for r in by_entity} == {first.article_id, second.article_id}
    assert all(m["basis"] == LISTED_ENTITY for r in by_entity for m in r.mentions)
    # the clean report's mention sits in Kirby's quotation
    clean = next(r for r in by_entity if r.article_id == second.article_id)
    assert clean.mentions[0]["speaker"] == "John Kirby" and clean.mentions[0]["text"] == "Alabuga Special Economic Zone"
    # a name in the news but on no list: Kirby himself
    kirby = media_evidence(store, ["John Kirby"], (), "Person", screener)
    assert {r.article_id for r in kirby} == {first.article_id, second.article_id}
    assert all(m["basis"] == NAME_MATCH and m["kind"] == "person" for r in kirby for m in r.mentions)
    assert media_evidence(store, ["John Kirby"], (), "Company", screener) == []  # a company is not a person
    assert media_evidence(store, ["Kirby Trading LLC"], (), "Company", screener) == []
    assert media_evidence(store, ["Hanseatic Components GmbH"], (), "Company", screener) == []


def test_adverse_media_raises_a_review_reason_not_a_list_alert(ingestor, media_lists, raw_seed, clean_seed,
                                                                 screener):
    first, second = ingest(ingestor, media_lists, raw_seed, clean_seed)
    media = MediaLookup(media_lists[1], screener)
    # a party the lists do not hold, named in both reports
    data = order("John Kirby", "Person", "US")
    assert screener.match(PartyQuery.build(name="John Kirby", schema="Person")) == []
    without = assess_order(parse_order(data), screener)
    assert "adverse-media-party" not in without.rule_ids
    with_media = assess_order(parse_order(data), screener, media=media)
    assert with_media.rule_ids == ["adverse-media-party"] and with_media.level is Level.REVIEW
    reason = with_media.reasons[0]
    assert reason.source["ref"] == "bis-kyc-guidance"
    party = reason.evidence["parties"][0]
    assert party["name"] == "John Kirby" and "best_match" not in party
    assert {a["article_id"] for a in party["adverse_media"]} == {first.article_id, second.article_id}
    facts = with_media.facts.values["parties"][1]
    assert facts["adverse_media"] and not facts["listed"]
    assert {r["id"] for r in with_media.to_json()["rulesets"]} == {"iran-uav-2023", "russia-evasion",
                                                                     "adverse-media"}


def test_listed_party_named_in_the_news(ingestor, media_lists, raw_seed, screener):
    first, = ingest(ingestor, media_lists, raw_seed)
    result = assess_order(parse_order(order("Joint Stock Company Special Economic Zone of Industrial Production "
                                            "Alabuga")), screener, media=MediaLookup(media_lists[1], screener))
    assert result.level is Level.BLOCK  # the list hit decides the level
    assert "adverse-media-party" in result.rule_ids
    reason = next(r for r in result.reasons if r.rule_id == "adverse-media-party")
    refs = reason.evidence["parties"][0]["adverse_media"]
    assert [r["article_id"] for r in refs] == [first.article_id]
    assert any(m["key"] == ALABUGA_OFAC and m["basis"] == LISTED_ENTITY for m in refs[0]["mentions"])


def test_media_cli_ingest_list_show_search(tmp_path, raw_seed, clean_seed):
    runner = CliRunner()
    home = ["--home", str(tmp_path / "home")]
    result = runner.invoke(app, [*home, "media", "ingest", "--no-entities", "--json", str(raw_seed),
                                 str(clean_seed), str(tmp_path / "missing.html")])
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert [r["status"] for r in out] == ["stored", "stored", "error"]
    assert out[1]["related"][0]["article_id"] == out[0]["article_id"]
    listed = json.loads(runner.invoke(app, [*home, "media", "list", "--json"]).stdout)
    assert [a["id"] for a in listed] == [out[1]["article_id"], out[0]["article_id"]]
    shown = json.loads(runner.invoke(app, [*home, "media", "show", str(out[0]["article_id"]), "--json"]).stdout)
    assert shown["title"].startswith("Iran helping Russia") and shown["list_versions"] == []
    assert not [m for m in shown["mentions"] if m["kind"] == "entity"]  # --no-entities
    found = json.loads(runner.invoke(app, [*home, "media", "search", "Kashan Airfield", "--json"]).stdout)
    assert [r["article_id"] for r in found] == [out[0]["article_id"]]
    text = runner.invoke(app, [*home, "media", "search", "Nobody Anywhere"]).stdout
    assert "No stored article mentions Nobody Anywhere" in text
    store = MediaStore(__import__("chokepoint.lists.store", fromlist=["ListStore"]).ListStore.open(
        __import__("chokepoint.settings", fromlist=["Settings"]).Settings(home=tmp_path / "home")).engine)
    assert store.count() == 2
