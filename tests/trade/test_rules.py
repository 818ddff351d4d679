"""The condition language and engine, and every bundled rule shown firing
and not firing on an order."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from chokepoint.trade.facts import fact_catalogue
from chokepoint.trade.rules import (
    Level, RuleSetError, apply_operator, bundled_rulesets, compile_ruleset, evaluate, load_ruleset, order_level,
)

from .conftest import MICROCONTROLLER, order_data, with_party

REPO = Path(__file__).resolve().parents[2]

SOURCE = {"ref": "bis-red-flags", "document": "BIS Red Flag Indicators", "date": "undated", "section": "1"}


def ruleset(*whens, level: str = "review") -> dict:
    return {"id": "test", "version": "0", "title": "test",
            "rules": [{"id": f"r{i}", "summary": "s", "level": level, "source": SOURCE, "when": w}
                      for i, w in enumerate(whens)]}


FACTS = {
    "end_use_generic": False, "end_use_statement": "refused", "destination_country": "RU", "total_value": 1500.0,
    "payment": {"third_country": True, "payer_country": "HK", "payer_jurisdiction_docs": []},
    "parties": [{"index": 0, "role": "buyer", "country": "AE", "business_kind": ["trading_company"], "listed": False,
                 "match_score": 0.0, "incorporation_date": "2023-01-02"},
                {"index": 1, "role": "consignee", "country": "RU", "business_kind": [], "listed": True,
                 "match_score": 0.93, "incorporation_date": None}],
    "lines": [{"index": 0, "chpl_tier": 1, "lists": ["chpl", "us-ear-746-supp7"], "uav_commodity": True,
               "description": "MCU"},
              {"index": 1, "chpl_tier": None, "lists": [], "uav_commodity": False, "description": "Motor"}],
    "route": [],
}


def fired(when, facts=FACTS) -> tuple[bool, dict]:
    rs = compile_ruleset(ruleset(when))
    result = evaluate([rs], facts)
    return bool(result), ({k: sorted(v) for k, v in result[0].evidence.items.items()} | result[0].evidence.facts
                          if result else {})


# --- the language ---------------------------------------------------------------------


def test_quantifier_returns_the_items_as_evidence():
    ok, evidence = fired({"some": "parties", "where": {"listed": True}})
    assert ok and evidence == {"parties": [1]}
    ok, evidence = fired({"some": "lines", "where": {"chpl_tier": {"lte": 2}}})
    assert ok and evidence == {"lines": [0]}


def test_list_tests_mean_one_of_and_shared_value():
    assert fired({"some": "parties", "where": {"role": ["consignee", "end_user"]}})[0]
    assert fired({"some": "parties", "where": {"business_kind": ["freight_forwarder", "trading_company"]}})[0]
    assert not fired({"some": "parties", "where": {"business_kind": ["freight_forwarder", "bank"]}})[0]
    assert fired({"some": "lines", "where": {"lists": "us-ear-746-supp7"}})[0]


def test_combinators():
    listed = {"some": "parties", "where": {"listed": True}}
    refused = {"end_use_statement": "refused"}
    assert fired({"all": [listed, refused]}) == (True, {"parties": [1], "end_use_statement": "refused"})
    assert fired({"any": [{"end_use_generic": True}, refused]})[0]
    assert not fired({"not": listed})[0]
    assert fired({"not": {"end_use_generic": True}})[0]
    assert not fired({"all": [listed, {"end_use_generic": True}]})[0]


def test_every_none_and_at_least():
    assert fired({"every": "parties", "where": {"country": {"empty": False}}})[0]
    assert not fired({"every": "lines", "where": {"uav_commodity": True}})[0]
    assert not fired({"every": "route", "where": {"caspian_port": True}})[0]  # empty: never "every"
    assert fired({"none": "route"})[0]
    assert not fired({"none": "parties", "where": {"role": "buyer"}})[0]
    assert fired({"some": "parties", "at_least": 2})[0]
    assert not fired({"some": "parties", "where": {"listed": True}, "at_least": 2})[0]


def test_field_form_and_dotted_paths():
    assert fired({"field": "payment.third_country", "eq": True}) == (True, {"payment.third_country": True})
    assert fired({"payment.payer_country": ["HK", "MO"]})[0]
    assert not fired({"field": "payment.payer_jurisdiction_docs", "contains": "fincen-bis-alert-20220628"})[0]
    assert fired({"total_value": {"gte": 1000, "lt": 2000}})[0]


def test_dates_compare_as_iso_text():
    import datetime

    when = {"some": "parties", "where": {"incorporation_date": {"gt": datetime.date(2022, 2, 24)}}}
    assert fired(when) == (True, {"parties": [0]})


@pytest.mark.parametrize("op,actual,expected,result", [
    ("eq", "a", "a", True), ("eq", ["a", "b"], "b", True), ("ne", "a", "b", True), ("in", "a", ["a", "b"], True),
    ("in", ["x"], ["a"], False), ("not_in", "c", ["a", "b"], True), ("contains", ["a"], "a", True),
    ("contains", "a", "a", False), ("lt", 1, 2, True), ("lte", None, 2, False), ("gt", "2023", "2022", True),
    ("gte", "x", 1, False), ("gt", True, 0, False), ("empty", [], True, True), ("empty", None, True, True),
    ("empty", "x", False, True), ("empty", 0, True, False),
])
def test_operators(op, actual, expected, result):
    assert apply_operator(op, actual, expected) is result


@pytest.mark.parametrize("when,message", [
    ({"some": "vessels", "where": {}}, "not one of parties, lines, route"),
    ({"some": "parties", "where": {"colour": "red"}}, "unknown fact 'colour' for parties"),
    ({"some": "parties", "where": {"role": "enduser"}}, "'enduser' is not one of"),
    ({"some": "parties", "where": {"listed": {"like": True}}}, "operators must be among"),
    ({"all": {"listed": True}}, "all needs a non-empty list"),
    ({"all": [{"end_use_generic": True}], "any": []}, "must be the only key"),
    ({"some": "parties", "where": {"some": "lines"}}, "only be used at the order level"),
    ({"field": "payment.third_country"}, "exactly one operator"),
    ({"payment.colour": True}, "unknown fact 'payment.colour'"),
    ({"some": "lines", "at_least": 0}, "at_least must be"),
    ({"end_use": {"matches": "("}}, "bad regular expression"),
    ({"end_use_generic": {"empty": "yes"}}, "empty takes true or false"),
    ([], "non-empty mapping"),
])
def test_compile_errors_name_the_rule_and_place(when, message):
    with pytest.raises(RuleSetError) as info:
        compile_ruleset(ruleset(when))
    assert "rule r0" in str(info.value) and message in str(info.value)


def test_ruleset_file_errors():
    data = ruleset({"end_use_generic": True})
    bad = copy.deepcopy(data)
    bad["rules"][0]["source"]["ref"] = "made-up-document"
    with pytest.raises(RuleSetError, match="source.ref 'made-up-document'"):
        compile_ruleset(bad)
    bad = copy.deepcopy(data)
    bad["rules"][0]["red_flag"] = "no-such-flag"
    with pytest.raises(RuleSetError, match="red_flag 'no-such-flag'"):
        compile_ruleset(bad)
    bad = copy.deepcopy(data)
    bad["rules"][0]["level"] = "panic"
    with pytest.raises(RuleSetError, match="level"):
        compile_ruleset(bad)
    bad = copy.deepcopy(data)
    bad["rules"].append(copy.deepcopy(bad["rules"][0]))
    with pytest.raises(RuleSetError, match="used twice"):
        compile_ruleset(bad)
    bad = copy.deepcopy(data)
    bad["rules"][0]["colour"] = "red"
    with pytest.raises(RuleSetError, match="colour"):
        compile_ruleset(bad)


def test_levels_and_order_level():
    assert Level.CLEAR < Level.REVIEW < Level.ESCALATE < Level.BLOCK
    assert order_level([]) is Level.CLEAR
    rs = compile_ruleset(ruleset({"end_use_statement": "refused"}, {"destination_country": "RU"}, level="escalate"))
    result = evaluate([rs], FACTS)
    assert order_level(result) is Level.ESCALATE and [f.rule.id for f in result] == ["r0", "r1"]


def test_bundled_rulesets_load_and_cite_known_sources(tmp_path):
    sets = bundled_rulesets()
    assert [s.id for s in sets] == ["iran-uav-2023", "russia-evasion"]
    for rs in sets:
        for rule in rs.rules:
            assert rule.source.document and rule.source.date and rule.source.section
    path = tmp_path / "mine.yaml"
    path.write_text("id: mine\nversion: '1'\ntitle: Mine\nrules:\n  - id: mine-refused\n    summary: refused\n"
                    "    level: block\n    source: {ref: bis-red-flags, document: BIS, date: undated, section: '2'}\n"
                    "    when: {end_use_statement: refused}\n", "utf-8")
    mine = load_ruleset(path)
    assert mine.rules[0].level is Level.BLOCK and mine.path == str(path)


def test_the_engine_has_no_per_rule_code():
    source = (REPO / "src" / "chokepoint" / "trade").rglob("*.py")
    rule_ids = [r.id for s in bundled_rulesets() for r in s.rules]
    for path in source:
        text = path.read_text("utf-8")
        assert not [i for i in rule_ids if i in text], path


def test_docs_describe_every_fact_and_rule():
    text = (REPO / "docs" / "rules.md").read_text("utf-8")
    for context, specs in fact_catalogue().items():
        for name in specs:
            assert f"`{name}`" in text, f"docs/rules.md does not describe the {context} fact {name}"
    for rs in bundled_rulesets():
        for rule in rs.rules:
            assert f"`{rule.id}`" in text, f"docs/rules.md does not list rule {rule.id}"


# --- every bundled rule, firing and not firing ---------------------------------------------


def lines(*items) -> list:
    return [copy.deepcopy(i) for i in items]


def _stops(*countries_or_stops) -> list:
    return [c if isinstance(c, dict) else {"country": c} for c in countries_or_stops]


def _add_party(data: dict, **party) -> dict:
    data["parties"].append(party)
    return data


def _without_end_user(data: dict) -> dict:
    data["parties"] = [p for p in data["parties"] if p["role"] != "end_user"]
    return data


GNSS = {"description": "GNSS receiver module", "hs_code": "8526.91"}
OSCILLOSCOPE = {"description": "Oscilloscope 1 GHz", "hs_code": "9030.20"}
DIODES = {"description": "Schottky diodes", "hs_code": "8541.10"}

#: rule id → (orders on which it fires, orders on which it does not)
CASES: dict[str, tuple[list[dict], list[dict]]] = {
    "iran-uav-listed-party": (
        [_add_party(order_data(), role="freight_forwarder", name="Islamic Republic of Iran Shipping Lines"),
         _add_party(order_data(), role="bank", name="Oboronlogistika", country="RU")],
        [order_data(), _add_party(order_data(), role="freight_forwarder", name="Iran Air Cargo Consultants GmbH",
                                  country="DE")]),
    "iran-uav-key-commodity-to-iran": (
        [order_data(lines=[MICROCONTROLLER], route=_stops("DE", "AE", "IR")),
         with_party(order_data(lines=[MICROCONTROLLER]), 2, country="IR")],
        [order_data(lines=[MICROCONTROLLER], route=_stops("DE", "TR")),
         order_data(route=_stops("DE", "IR"))]),
    "iran-uav-caspian-route": (
        [order_data(route=_stops("DE", {"country": "RU", "unlocode": "RUOYA"})),
         order_data(route=_stops("DE", {"country": "IR", "port": "Bandar-e Anzali"}, "JP"))],
        [order_data(route=_stops("DE", {"country": "IR", "place": "Amirabad", "unlocode": "IRBAM"})),
         order_data(route=_stops("DE", {"country": "RU", "port": "Novorossiysk"}))]),
    "iran-uav-production-site": (
        [with_party(order_data(), 2, country="RU", address="Alabuga SEZ, Yelabuga, Tatarstan"),
         order_data(route=_stops("DE", {"country": "RU", "place": "Alabuga Special Economic Zone"}))],
        [with_party(order_data(), 2, country="RU", address="ul. Bauman 19, Kazan, Tatarstan")]),
    "iran-uav-key-commodity-to-named-country": (
        [with_party(order_data(lines=[MICROCONTROLLER]), 2, country="TJ"),
         order_data(lines=[GNSS], route=_stops("DE", "YE"))],
        [order_data(lines=[MICROCONTROLLER]), order_data(route=_stops("DE", "RU"))]),
    "iran-uav-key-commodity-via-reseller": (
        [with_party(order_data(lines=[MICROCONTROLLER]), 1, country="AE", business="general trading"),
         with_party(order_data(lines=[GNSS]), 2, country="TR", business="electronic components distributor")],
        [with_party(order_data(lines=[MICROCONTROLLER]), 1, country="JP", business="general trading"),
         with_party(order_data(), 1, country="AE", business="general trading")]),
    "iran-uav-ear99-key-commodity": (
        [order_data(lines=[{**MICROCONTROLLER, "eccn": "EAR99"}]),
         order_data(lines=[{"description": "FPGA", "eccn": "not listed"}])],
        [order_data(lines=[{**MICROCONTROLLER, "eccn": "3A991.a"}]),
         order_data(lines=[{"description": "Brushless DC motor", "hs_code": "850131", "eccn": "EAR99"}])]),
    "iran-uav-key-commodity-no-end-user": (
        [_without_end_user(order_data(lines=[MICROCONTROLLER]))],
        [order_data(lines=[MICROCONTROLLER]), _without_end_user(order_data())]),
    "iran-uav-vague-end-use": (
        [order_data(end_use="For resale"), order_data(end_use=None)],
        [order_data()]),
    "iran-uav-end-use-refused": (
        [order_data(end_use_statement="refused")],
        [order_data(end_use_statement="requested"), order_data(end_use_statement=None)]),
    "russia-listed-party": (
        [with_party(order_data(), 2, name="ООО «Оборонлогистика»", country="RU")],
        [order_data()]),
    "russia-colocated-with-listed-party": (
        [with_party(order_data(), 2, name="Crescent Bay Electronics FZE", country="AE",
                    address="Citadel Tower, Office 504, Floor 5, Business Bay, Dubai")],
        [with_party(order_data(), 2, name="Crescent Bay Electronics FZE", country="AE",
                    address="Citadel Tower, Office 1201, Business Bay, Dubai"),
         with_party(order_data(), 2, name="Crescent Bay Electronics FZE", country="AE", address="Business Bay, Dubai")]),
    "russia-controlled-goods-to-russia-belarus": (
        [order_data(lines=[OSCILLOSCOPE], route=_stops("DE", "BY")),
         with_party(order_data(lines=[OSCILLOSCOPE]), 2, country="Crimea")],
        [order_data(lines=[OSCILLOSCOPE], route=_stops("DE", "KZ")), order_data(route=_stops("DE", "RU"))]),
    "russia-likely-controlled-goods-to-russia-belarus": (
        [order_data(lines=[{"description": "STM32F405 microcontroller"}], route=_stops("DE", "RU"))],
        [order_data(lines=[{"description": "STM32F405 microcontroller"}]),
         order_data(lines=[{"description": "Servo motor"}], route=_stops("DE", "RU"))]),
    "russia-priority-goods-via-transshipment-point": (
        [order_data(lines=[MICROCONTROLLER], route=_stops("DE", {"country": "AE", "kind": "transit"}, "JP")),
         with_party(order_data(lines=[{"description": "GNSS module"}]), 2, country="KG")],
        [order_data(lines=[DIODES], route=_stops("DE", "AE", "JP")),
         order_data(lines=[MICROCONTROLLER], route=_stops("DE", "NL", "JP"))]),
    "russia-third-country-payer": (
        [order_data(payment={"payer": "Pacific Bright Trading Limited", "payer_country": "HK"})],
        [order_data(), order_data(payment={"payer": "Kansai Precision Motors Co., Ltd.", "payer_country": "SG"})]),
    "russia-third-country-payer-transshipment-point": (
        [order_data(payment={"payer": "Gulf Horizon General Trading LLC", "payer_country": "AE"})],
        [order_data(payment={"payer": "Pacific Bright Trading Limited", "payer_country": "HK"})]),
    "russia-consignee-not-a-user": (
        [_add_party(order_data(), role="consignee", name="Baltic Freight Forwarding OU", country="EE"),
         with_party(order_data(), 2, business="international cargo and logistics")],
        [_add_party(order_data(), role="freight_forwarder", name="Baltic Freight Forwarding OU", country="EE")]),
    "russia-trading-company-buys-electronics": (
        [with_party(order_data(lines=[DIODES]), 2, business="general trading")],
        [with_party(order_data(), 2, business="general trading"), order_data(lines=[DIODES])]),
    "russia-end-use-withheld": (
        [order_data(end_use_statement="refused")],
        [order_data(end_use_statement="provided")]),
    "russia-state-enterprise-designator": (
        [with_party(order_data(), 1, name="NPO Vostok Pribor LLP", country="KZ"),
         with_party(order_data(), 1, name="ФГУП Восток", country="RU")],
        [with_party(order_data(), 1, name="Nordic Pribor LLP", country="KZ")]),
    "russia-new-non-gecc-customer-priority-goods": (
        [with_party(order_data(lines=[GNSS]), 1, country="KZ", incorporation_date="2023-01-10")],
        [with_party(order_data(lines=[GNSS]), 1, country="KZ", incorporation_date="2019-05-01"),
         with_party(order_data(lines=[GNSS]), 1, country="JP", incorporation_date="2023-01-10"),
         with_party(order_data(lines=[DIODES]), 1, country="KZ", incorporation_date="2023-01-10")]),
    "russia-free-mail-counterparty": (
        [with_party(order_data(), 1, email="kansai.motors@gmail.com")],
        [order_data(), _add_party(order_data(), role="payer", type="Person", name="Taro Yamada",
                                  email="taro@gmail.com")]),
}


def test_every_rule_has_cases():
    rule_ids = {r.id for s in bundled_rulesets() for r in s.rules}
    assert set(CASES) == rule_ids


def test_the_base_order_is_clear(assess):
    result = assess(order_data())
    assert result.level is Level.CLEAR and result.reasons == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires(assess, rule_id):
    for data in CASES[rule_id][0]:
        result = assess(data)
        assert rule_id in result.rule_ids, (rule_id, data)
        reason = next(r for r in result.reasons if r.rule_id == rule_id)
        assert reason.evidence, rule_id
        assert result.level >= reason.level


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_does_not_fire(assess, rule_id):
    for data in CASES[rule_id][1]:
        assert rule_id not in assess(data).rule_ids, (rule_id, data)
