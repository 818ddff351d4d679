"""Assess an order: facts, rules, one level and the reasons for it.

    assessment = assess_order(order, screener)          # bundled rulesets
    assessment.level                                     # Level.ESCALATE
    assessment.to_json()                                 # docs/assess-output.md

The level is the highest level of the rules that fired (``clear`` when
none did). Each reason names its rule, its source document and the
parties, lines, stops and order facts that satisfied it.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from typing import Protocol

from chokepoint.matching.screener import Screener
from chokepoint.trade.facts import OrderFacts, fact_value, order_fact_spec, order_facts
from chokepoint.trade.goods import GoodsMatcher, LineGoods
from chokepoint.trade.order import Order
from chokepoint.trade.parties import AddressIndex, PartyClassifier, PartyScreening, screen_party
from chokepoint.trade.reference import ReferenceData, reference
from chokepoint.trade.routes import Geography, StopFinding
from chokepoint.trade.rules import FiredRule, Level, RuleSet, bundled_rulesets, evaluate, order_level

#: Version of the assessment JSON contract (docs/assess-output.md).
ASSESSMENT_SCHEMA_VERSION = "1.0"
#: Matches kept per party.
PARTY_MATCH_LIMIT = 5


@dataclass(slots=True)
class Reason:
    """One fired rule, with its source and the evidence in the order."""

    rule_id: str
    ruleset: str
    level: Level
    summary: str
    source: dict
    red_flag: dict | None
    evidence: dict
    note: str | None = None

    def to_json(self) -> dict:
        out = {"rule_id": self.rule_id, "ruleset": self.ruleset, "level": self.level.label,
               "summary": self.summary, "source": self.source, "red_flag": self.red_flag,
               "evidence": self.evidence}
        if self.note:
            out["note"] = self.note
        return out


@dataclass(slots=True)
class Assessment:
    """The result of assessing one order."""

    order: Order
    level: Level
    reasons: list[Reason]
    facts: OrderFacts
    rulesets: list[RuleSet]
    lists: list[dict]
    screening: dict
    assessed_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def rule_ids(self) -> list[str]:
        """Ids of the fired rules, in reason order."""
        return [r.rule_id for r in self.reasons]

    @property
    def risky_stops(self) -> set[int]:
        """Route stops that are evidence of a reason or carry risk notes."""
        stops = {i for r in self.reasons for i in (s["index"] for s in r.evidence.get("route", []))}
        return stops | {s.index for s in self.facts.stops if s.notes}

    def to_json(self) -> dict:
        """The assessment as the documented JSON contract."""
        risky = self.risky_stops
        return {
            "schema_version": ASSESSMENT_SCHEMA_VERSION,
            "order_id": self.order.id,
            "level": self.level.label,
            "reasons": [r.to_json() for r in self.reasons],
            "parties": [s.to_json() for s in self.facts.screenings],
            "lines": [line_json(self.order, g) for g in self.facts.goods],
            "route": [{**s.to_json(), "risky": s.index in risky} for s in self.facts.stops],
            "payment": self.facts.values["payment"],
            "rulesets": [{"id": r.id, "version": r.version} for r in self.rulesets],
            "lists": self.lists,
            "screening": self.screening,
            "assessed_at": self.assessed_at,
        }


def line_json(order: Order, goods: LineGoods) -> dict:
    """One line of the assessment: the line as ordered, and its list hits."""
    line = order.lines[goods.index]
    return {"index": goods.index, "description": line.description, "hs_code": line.hs_code,
            "part_number": line.part_number, "manufacturer": line.manufacturer, "eccn": line.eccn,
            "quantity": line.quantity, "unit_value": line.unit_value, "currency": line.currency or order.currency,
            **goods.to_json()}


class PartyMedia(Protocol):
    """Adverse-media evidence for the parties of an order (provided by
    :mod:`chokepoint.media.evidence`): the stored articles naming a party or
    the listed entities it matches, and the rulesets that read them."""

    rulesets: Sequence[RuleSet]

    def articles(self, names: Sequence[str], entity_ids: Sequence[str], schema: str) -> list: ...


# --- evidence of a reason -------------------------------------------------------


def party_evidence(s: PartyScreening) -> dict:
    """What an analyst needs to see of a party in a reason."""
    p = s.party
    out: dict[str, object] = {"index": s.index, "role": p.role, "name": p.name, "country": p.country,
           "business_kind": s.business_kinds}
    if s.best:
        m = s.best
        out["best_match"] = {"entity_id": m.record.entity_id, "name": m.record.caption, "dataset": m.record.dataset,
                             "source_id": m.record.source_id, "score": round(m.score, 3),
                             "programs": list(m.record.programs)}
    if s.address_matches:
        a = s.address_matches[0]
        out["address_match"] = {"address": p.address, **a.to_json()}
    if s.state_enterprise:
        out["state_enterprise_designator"] = s.state_enterprise
    if s.free_mail:
        out["free_mail_domain"] = s.free_mail
    if s.adverse_media:
        out["adverse_media"] = [a.to_json() for a in s.adverse_media]
    return out


def line_evidence(order: Order, g: LineGoods) -> dict:
    """What an analyst needs to see of a line in a reason."""
    return {"index": g.index, "description": order.lines[g.index].description, "hs_code": g.hs_code,
            "eccn": g.eccn, "evidence": g.uav_basis or ("hs_code" if g.list_hits else "none"),
            "hits": [{"list": h.list_id, "code": h.listed_code, "tier": h.tier, "match": h.match}
                     for h in g.list_hits],
            "keyword_hits": [{"keyword": h.keyword, "text": h.text, "field": h.field, "chpl_tier": h.chpl_tier,
                              "basis": "keyword"} for h in g.keyword_hits]}


def stop_evidence(s: StopFinding) -> dict:
    """What an analyst needs to see of a stop in a reason."""
    return {"index": s.index, "kind": s.kind, "country": s.country, "place": s.name, "unlocode": s.unlocode,
            "notes": s.notes}


def reason_for(fired: FiredRule, facts: OrderFacts, order: Order, ref: ReferenceData) -> Reason:
    """A fired rule as a reason with readable evidence."""
    items = fired.evidence.items
    evidence: dict = {}
    if items.get("parties"):
        evidence["parties"] = [party_evidence(facts.screenings[i]) for i in sorted(items["parties"])]
    if items.get("lines"):
        evidence["lines"] = [line_evidence(order, facts.goods[i]) for i in sorted(items["lines"])]
    if items.get("route"):
        evidence["route"] = [stop_evidence(facts.stops[i]) for i in sorted(items["route"])]
    if fired.evidence.facts:
        shown = dict(fired.evidence.facts)
        for path in fired.evidence.facts:
            spec = order_fact_spec(path, ref)
            for other in spec.shown_with if spec else ():
                shown.setdefault(other, fact_value(facts.values, other))
        evidence["facts"] = dict(sorted(shown.items()))
    rule = fired.rule
    flag = ref.red_flags.get(rule.red_flag) if rule.red_flag else None
    red_flag = {"id": flag.id, "summary": flag.summary, "source_ref": flag.source["ref"]} if flag else None
    return Reason(rule.id, rule.ruleset, rule.level, rule.summary, rule.source.to_json(), red_flag, evidence,
                  rule.note)


# --- the assessor ------------------------------------------------------------------


@cache
def _tools(ref: ReferenceData) -> tuple[GoodsMatcher, Geography, PartyClassifier]:
    return GoodsMatcher(ref), Geography(ref), PartyClassifier(ref)


class Assessor:
    """Assesses orders against one screener and a set of rulesets. Built
    once (address index, keyword patterns), then fast per order."""

    def __init__(self, screener: Screener, rulesets: Sequence[RuleSet] | None = None,
                 lists: list[dict] | None = None, ref: ReferenceData | None = None) -> None:
        self.screener = screener
        self.ref = ref or reference()
        self.rulesets = list(rulesets) if rulesets is not None else list(bundled_rulesets())
        self.lists = lists if lists is not None else [{"id": v} for v in screener.index.version_ids]
        self.goods, self.geography, self.classifier = _tools(self.ref)
        self.addresses = AddressIndex.for_screener(screener)

    def assess(self, order: Order, media: PartyMedia | None = None) -> Assessment:
        """Screen, match, evaluate and explain one order (with ``media``:
        and look up the stored articles naming its parties)."""
        screenings = [screen_party(self.screener, self.addresses, self.classifier, party, i, PARTY_MATCH_LIMIT)
                      for i, party in enumerate(order.parties)]
        rulesets = list(self.rulesets)
        if media is not None:
            for s in screenings:
                s.adverse_media = media.articles([s.party.name], [m.record.entity_id for m in s.matches],
                                                 s.party.type)
            rulesets.extend(media.rulesets)
        goods = [self.goods.assess_line(line, i) for i, line in enumerate(order.lines)]
        stops = self.geography.assess_route(order)
        facts = order_facts(order, screenings, goods, stops, self.geography, self.classifier)
        fired = evaluate(rulesets, facts.values)
        reasons = [reason_for(f, facts, order, self.ref) for f in fired]
        algorithm = self.screener.algorithm
        screening = {"algorithm": algorithm.name, "version": algorithm.version, "threshold": algorithm.threshold}
        return Assessment(order, order_level(fired), reasons, facts, rulesets, self.lists, screening)


_ASSESSORS: "weakref.WeakKeyDictionary[Screener, dict]" = weakref.WeakKeyDictionary()


def assess_order(order: Order, screener: Screener, rulesets: Sequence[RuleSet] | None = None,
                 lists: list[dict] | None = None, media: PartyMedia | None = None) -> Assessment:
    """Assess one order (the assessor is reused per screener and rulesets);
    ``media`` adds adverse-media evidence and its rulesets."""
    key = (tuple(id(r) for r in rulesets) if rulesets is not None else None,
           tuple(v.get("id") for v in lists) if lists is not None else None)
    per_screener = _ASSESSORS.setdefault(screener, {})
    assessor = per_screener.get(key)
    if assessor is None:
        assessor = per_screener[key] = Assessor(screener, rulesets, lists)
    elif lists is not None:
        assessor.lists = lists
    return assessor.assess(order, media)
