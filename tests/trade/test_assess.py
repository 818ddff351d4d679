"""The assessment: level from the fired rules, reasons with source and
evidence, party results in the ``screen`` row shape, the JSON contract."""

from __future__ import annotations

import json

from chokepoint.matching.batch import InputRow, screen_row
from chokepoint.trade.assess import ASSESSMENT_SCHEMA_VERSION, assess_order
from chokepoint.trade.order import parse_order
from chokepoint.trade.rules import Level

from .conftest import MICROCONTROLLER, order_data, with_party

CONTRACT = {"order_id", "level", "reasons", "parties", "lines", "route", "rulesets", "lists"}


def test_json_contract(assess):
    data = order_data(lines=[MICROCONTROLLER, {"description": "GNSS module"}], end_use_statement="refused")
    result = assess(data).to_json()
    assert CONTRACT <= set(result) and result["schema_version"] == ASSESSMENT_SCHEMA_VERSION
    json.dumps(result)  # plain JSON, no custom types
    assert result["level"] == "escalate"
    assert {r["id"] for r in result["rulesets"]} == {"iran-uav-2023", "russia-evasion"}
    for reason in result["reasons"]:
        assert set(reason) >= {"rule_id", "level", "summary", "source", "evidence"}
        assert set(reason["source"]) == {"document", "date", "section", "ref"}
    line = result["lines"][0]
    assert {h["list"] for h in line["hits"]} == {"chpl", "us-ear-746-supp7"}
    assert line["hits"][0]["code"] == "854231" and line["chpl_tier"] == "1"
    keyword_line = result["lines"][1]
    assert keyword_line["hits"] == [] and keyword_line["keyword_hits"][0]["basis"] == "keyword"
    assert "weaker evidence" in keyword_line["keyword_hits"][0]["note"]
    assert [s["kind"] for s in result["route"]] == ["origin", "destination"]


def test_level_is_the_highest_reason(assess):
    data = with_party(order_data(lines=[MICROCONTROLLER], end_use="resale"), 2, country="RU")
    result = assess(data)
    assert result.level is Level.BLOCK
    assert result.level == max(r.level for r in result.reasons)
    assert [r.level for r in result.reasons] == sorted((r.level for r in result.reasons), reverse=True)


def test_party_results_have_the_screen_row_shape(assess, screener):
    name = "Islamic Republic of Iran Shipping Lines"
    data = order_data()
    data["parties"].append({"role": "freight_forwarder", "name": name})
    party = assess(data).to_json()["parties"][-1]
    row = screen_row(screener, InputRow(1, {"id": "x", "name": name}), None, 5).to_json()
    assert {"id", "status", "matches"} <= set(party)
    assert party["status"] == row["status"] == "alert"
    assert set(row["matches"][0]) <= set(party["matches"][0])
    assert [m["entity_id"] for m in party["matches"]] == [m["entity_id"] for m in row["matches"]]
    assert party["id"] == "parties[3]" and party["role"] == "freight_forwarder"


def test_listed_party_reason_names_the_match(assess):
    data = with_party(order_data(), 2, name="ООО «Оборонлогистика»", country="RU",
                      address="ул. Гончарная, д. 28, стр. 2, Москва 115172")
    result = assess(data)
    reason = next(r for r in result.reasons if r.rule_id == "russia-listed-party")
    party = reason.evidence["parties"][0]
    assert party["index"] == 2 and party["best_match"]["dataset"] in {"us_ofac_sdn", "us_bis_entity", "eu_fsf"}
    assert party["best_match"]["score"] >= 0.8
    sdn = [m for m in result.to_json()["parties"][2]["matches"] if m["dataset"] == "us_ofac_sdn"]
    assert sdn and sdn[0]["source_id"] == "22407"
    assert result.to_json()["parties"][2]["address_matches"]


def test_payment_reason_shows_the_payer(assess):
    data = order_data(payment={"payer": "Pacific Bright Trading Limited", "payer_country": "HK"})
    reason = next(r for r in assess(data).reasons if r.rule_id == "russia-third-country-payer")
    assert reason.evidence["facts"] == {"buyer_country": "JP", "destination_country": "JP",
                                        "payment.payer": "Pacific Bright Trading Limited", "payment.payer_country": "HK",
                                        "payment.payer_has_other_role": False, "payment.third_country": True}


def test_lists_used_are_recorded(screener, bundled_store):
    order = parse_order(order_data())
    lists = [v.to_json() for v in bundled_store.active_versions()]
    result = assess_order(order, screener, lists=lists).to_json()
    assert result["lists"] == lists and {v["dataset"] for v in lists} >= {"us_ofac_sdn", "us_bis_entity"}
    default = assess_order(order, screener).to_json()["lists"]
    assert {v["id"] for v in default} == set(screener.index.version_ids)


def test_orders_without_route_or_payment(assess):
    data = order_data(route=[], payment=None, end_use=None, end_use_statement=None)
    data["parties"] = [{"role": "consignee", "name": "Kansai Precision Motors Co., Ltd.", "type": "Person"}]
    result = assess(data).to_json()
    assert result["route"] == [] and result["payment"]["given"] is False
    assert "iran-uav-vague-end-use" in [r["rule_id"] for r in result["reasons"]]


def big_order() -> dict:
    """50 lines and 6 parties, like the benchmark."""
    data = order_data()
    data["parties"] += [
        {"role": "consignee", "name": "Crescent Bay Electronics FZE", "country": "AE",
         "address": "Citadel Tower, Office 504, Floor 5, Business Bay, Dubai"},
        {"role": "freight_forwarder", "name": "Gulf Horizon Shipping & Logistics LLC", "country": "AE"},
        {"role": "payer", "name": "Pacific Bright Trading Limited", "country": "HK"},
    ]
    codes = ["8542.31.0000", "8542.39.0001", "8532.24", "8501.31", "9030.20", "8482.10", "8471.50", None]
    data["lines"] = [{"description": f"part {i} microcontroller" if codes[i % 8] is None else f"part {i}",
                      **({"hs_code": codes[i % 8]} if codes[i % 8] else {}), "quantity": 10, "unit_value": 2.5}
                     for i in range(50)]
    return data


def test_fifty_lines_and_six_parties_assessed_alike_cold_and_warm(screener):
    """The caches a first assessment fills (address index, word scores)
    change no result; bench/assess.py measures the speed."""
    order = parse_order(big_order())
    assert len(order.lines) == 50 and len(order.parties) == 6
    first = assess_order(order, screener).to_json()
    again = assess_order(order, screener).to_json()
    for doc in (first, again):
        doc.pop("assessed_at")
    assert first == again
    assert len(first["lines"]) == 50 and len(first["parties"]) == 6
