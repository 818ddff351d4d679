"""Facts about an order, the vocabulary rules are written in.

The engine never looks at the order itself: it evaluates conditions over
the plain values computed here (booleans, numbers, text, lists of text).
Every fact a rule may name is declared in :func:`fact_catalogue` with its
type, meaning and, where it is one of a few values, those values; rulesets
are checked against it when they load, and docs/rules.md lists it.

Four collections of facts: the order itself (with ``payment``), and one
record per party (``parties``), per goods line (``lines``) and per route
stop (``route``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import get_args

from chokepoint.trade.goods import LineGoods, tier_rank
from chokepoint.trade.order import (
    RECEIVING_ROLES, EndUseStatement, Order, PartyRole, PartyType, PaymentMethod, StopKind,
)
from chokepoint.trade.parties import PartyClassifier, PartyScreening
from chokepoint.trade.reference import ReferenceData, reference
from chokepoint.trade.routes import Geography, StopFinding

COLLECTIONS = ("parties", "lines", "route")


@dataclass(frozen=True, slots=True)
class FactSpec:
    """One fact a condition may test."""

    name: str
    type: str  # bool | number | text | country | date | list
    description: str
    choices: tuple[str, ...] | None = None
    #: other order facts a reason shows with this one (e.g. the payer's
    #: country with ``payment.third_country``)
    shown_with: tuple[str, ...] = ()


def _specs(*items: tuple) -> dict[str, FactSpec]:
    return {item[0]: FactSpec(*item) for item in items}


@cache
def fact_catalogue(ref: ReferenceData | None = None) -> dict[str, dict[str, FactSpec]]:
    """Every fact by context: ``order``, ``payment``, ``parties``, ``lines``, ``route``."""
    ref = ref or reference()
    kinds = tuple(ref.party_keywords["business_kinds"])
    categories = tuple(ref.goods_keywords["categories"])
    lists = tuple(ref.hs_lists)
    tiers = tuple(sorted({t for l in ref.hs_lists.values() for t in l.tiers}))
    docs = tuple(sorted(ref.documents))
    payer = ("payment.payer", "payment.payer_country", "buyer_country", "destination_country")
    return {
        "order": _specs(
            ("id", "text", "The order's id."),
            ("end_use", "text", "The stated end use, as written."),
            ("end_use_statement", "text", "Whether an end-use statement was provided, refused, requested or "
             "not requested (empty: not said).", get_args(EndUseStatement)),
            ("end_use_generic", "bool", "The stated end use is missing or made only of generic words "
             "(\"resale\", \"general use\"; party_keywords.yaml).", None, ("end_use",)),
            ("buyer_country", "country", "Country of the (first) buyer, else of the consignee."),
            ("destination_country", "country", "Country of the last route stop, else of the end user or "
             "consignee."),
            ("origin_country", "country", "Country of the first route stop when it is the origin."),
            ("total_value", "number", "Sum of quantity × unit value over the lines that give both."),
            ("line_count", "number", "Number of goods lines."),
            ("has_route", "bool", "The order gives at least one route stop."),
        ),
        "payment": _specs(
            ("given", "bool", "The order has a payment section."),
            ("payer", "text", "Name of the payer."),
            ("payer_country", "country", "Payer's country (payment section, else the party with role payer)."),
            ("method", "text", "Payment method.", get_args(PaymentMethod)),
            ("third_country", "bool", "The payer's country differs from the buyer's and from the destination's "
             "(false when neither is known).",
             None, payer),
            ("payer_has_other_role", "bool", "The payer is also the buyer, consignee or end user (same name).",
             None, ("payment.payer",)),
            ("payer_jurisdiction_docs", "list", "Documents naming the payer's country as a diversion / "
             "transshipment risk (jurisdictions.yaml country_index).", docs, payer),
            ("payer_diversion_risk", "bool", "payer_jurisdiction_docs is not empty.", None, payer),
            ("bank_country", "country", "Country of the paying bank."),
        ),
        "parties": _specs(
            ("index", "number", "Position in the order's parties (from 0)."),
            ("role", "text", "The party's role.", get_args(PartyRole)),
            ("receiving", "bool", f"The role is one of {', '.join(RECEIVING_ROLES)}."),
            ("type", "text", "FollowTheMoney schema of the party.", get_args(PartyType)),
            ("name", "text", "Name as given."),
            ("country", "country", "ISO code of the party's country."),
            ("listed", "bool", "Screening found a listed entity at or above the alert threshold."),
            ("match_score", "number", "Score of the best match (0 without one)."),
            ("match_datasets", "list", "Datasets of the matches (e.g. us_ofac_sdn)."),
            ("match_programs", "list", "Sanctions programmes of the matches."),
            ("address_listed", "bool", "The party's address matches a listed entity's address."),
            ("address_score", "number", "rigour's score of the best address match (0 without one)."),
            ("business_kind", "list", "Kinds read from the stated business and the name "
             "(party_keywords.yaml).", kinds),
            ("jurisdiction_docs", "list", "Documents naming the party's country as a diversion / "
             "transshipment risk.", docs),
            ("diversion_risk", "bool", "jurisdiction_docs is not empty."),
            ("gecc", "bool", "The country is a member of the Global Export Control Coalition."),
            ("production_site", "bool", "The address names a UAV production site (jurisdictions.yaml)."),
            ("state_enterprise", "bool", "The name carries a Russian state-enterprise designator (RAO, FGUP, NPO…)."),
            ("free_mail", "bool", "The e-mail address is on a free-mail domain."),
            ("incorporation_date", "date", "Date of incorporation (YYYY-MM-DD) when given."),
            ("adverse_media", "bool", "Stored news articles name the party or a listed entity it matches "
             "(adverse media, `chokepoint media`; only when the assessment is given the article store)."),
            ("adverse_media_articles", "list", "Ids of those articles."),
        ),
        "lines": _specs(
            ("index", "number", "Position in the order's lines (from 0)."),
            ("description", "text", "Goods description."),
            ("hs_code", "text", "HS code, digits only (empty when not given)."),
            ("has_hs_code", "bool", "The line gives an HS code."),
            ("lists", "list", "HS lists the code falls under (by prefix).", lists),
            ("listed", "bool", "The code falls under at least one HS list."),
            ("chpl_tier", "number", "Major CHPL tier of the code (1–4; empty when not on the CHPL)."),
            ("chpl_tier_label", "text", "CHPL tier as published (1, 2, 3.A, 3.B, 4.A, 4.B).", tiers),
            ("keyword_chpl_tier", "number", "Major CHPL tier the keyword hits point to (weaker evidence; "
             "only for lines without an HS code)."),
            ("keywords", "list", "Ids of the keyword and part-number hits (goods_keywords.yaml)."),
            ("categories", "list", "Goods categories from the HS code or the keywords.", categories),
            ("uav_commodity", "bool", "The line is in the UAV commodity set (hs_lists.yaml), by HS code or, "
             "weaker, by keyword."),
            ("evidence", "text", "What uav_commodity rests on.", ("hs_code", "keyword", "none")),
            ("eccn", "text", "The ECCN as given (EAR99, NLR, NOT LISTED or an ECCN)."),
            ("ear99", "bool", "The ECCN given is EAR99."),
            ("declared_uncontrolled", "bool", "The ECCN given is EAR99, NLR or 'not listed'."),
            ("value", "number", "Quantity × unit value (empty when either is missing)."),
        ),
        "route": _specs(
            ("index", "number", "Position in the route (from 0)."),
            ("kind", "text", "Origin, transit, transshipment or destination (as given, else by position).",
             get_args(StopKind)),
            ("origin", "bool", "The stop is the origin."),
            ("destination", "bool", "The stop is the destination."),
            ("transit", "bool", "The stop is neither origin nor destination."),
            ("country", "country", "ISO code of the stop's country."),
            ("place", "text", "Port or place name as given."),
            ("unlocode", "text", "UN/LOCODE as given."),
            ("caspian_port", "bool", "The stop is a Caspian route port of jurisdictions.yaml (by UN/LOCODE or name)."),
            ("port_id", "text", "Id of that port (e.g. port-amirabad)."),
            ("production_site", "bool", "The place names a UAV production site (e.g. the Alabuga SEZ)."),
            ("jurisdiction_docs", "list", "Documents naming the stop's country as a diversion / transshipment "
             "risk.", docs),
            ("diversion_risk", "bool", "jurisdiction_docs is not empty."),
            ("gecc", "bool", "The country is a member of the Global Export Control Coalition."),
        ),
    }


def order_fact_spec(path: str, ref: ReferenceData | None = None) -> FactSpec | None:
    """The spec of an order-level fact path (``end_use_generic``,
    ``payment.third_country``)."""
    catalogue = fact_catalogue(ref)
    head, _, tail = path.partition(".")
    if head == "payment" and tail:
        return catalogue["payment"].get(tail)
    return catalogue["order"].get(path) if not tail else None


def fact_value(values: dict, path: str) -> object:
    """The value of an order-level fact path."""
    value: object = values
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


@dataclass(slots=True)
class OrderFacts:
    """The facts of one order, and the findings they were computed from."""

    values: dict
    screenings: list[PartyScreening]
    goods: list[LineGoods]
    stops: list[StopFinding]


def party_facts(screening: PartyScreening, geography: Geography) -> dict:
    """Facts of one party."""
    p, best = screening.party, screening.best
    docs = geography.docs_for(p.country)
    return {
        "index": screening.index, "role": p.role, "receiving": p.role in RECEIVING_ROLES, "type": p.type,
        "name": p.name, "country": p.country, "listed": bool(screening.matches),
        "match_score": best.score if best else 0.0,
        "match_datasets": sorted({m.record.dataset for m in screening.matches}),
        "match_programs": sorted({prog for m in screening.matches for prog in m.record.programs}),
        "address_listed": bool(screening.address_matches),
        "address_score": screening.address_matches[0].score if screening.address_matches else 0.0,
        "business_kind": list(screening.business_kinds), "jurisdiction_docs": list(docs),
        "diversion_risk": bool(docs), "gecc": geography.in_gecc(p.country),
        "production_site": geography.site_in(p.address) is not None,
        "state_enterprise": screening.state_enterprise is not None, "free_mail": screening.free_mail is not None,
        "incorporation_date": p.incorporation_date.isoformat() if p.incorporation_date else None,
        "adverse_media": bool(screening.adverse_media),
        "adverse_media_articles": [a.article_id for a in screening.adverse_media],
    }


def line_facts(order: Order, goods: LineGoods) -> dict:
    """Facts of one goods line."""
    line = order.lines[goods.index]
    value = line.quantity * line.unit_value if line.quantity is not None and line.unit_value is not None else None
    return {
        "index": goods.index, "description": line.description, "hs_code": line.hs_code,
        "has_hs_code": line.hs_code is not None,
        "lists": sorted({h.list_id for h in goods.list_hits if h.match != "partial"}),
        "listed": any(h.match != "partial" for h in goods.list_hits),
        "chpl_tier": tier_rank(goods.chpl_tier), "chpl_tier_label": goods.chpl_tier,
        "keyword_chpl_tier": tier_rank(goods.keyword_chpl_tier),
        "keywords": sorted({h.keyword for h in goods.keyword_hits}), "categories": list(goods.categories),
        "uav_commodity": goods.uav_commodity, "evidence": goods.uav_basis or "none", "eccn": line.eccn,
        "ear99": line.eccn == "EAR99", "declared_uncontrolled": goods.declared_uncontrolled, "value": value,
    }


def stop_facts(stop: StopFinding) -> dict:
    """Facts of one route stop."""
    return {
        "index": stop.index, "kind": stop.kind, "origin": stop.origin, "destination": stop.destination,
        "transit": not stop.origin and not stop.destination, "country": stop.country, "place": stop.name,
        "unlocode": stop.unlocode, "caspian_port": stop.port is not None,
        "port_id": stop.port.id if stop.port else None, "production_site": stop.site is not None,
        "jurisdiction_docs": list(stop.jurisdiction_docs), "diversion_risk": bool(stop.jurisdiction_docs),
        "gecc": stop.gecc,
    }


def _same_name(a: str | None, b: str | None) -> bool:
    """Whether two names are the same apart from case and spacing."""
    if not a or not b:
        return False
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def payment_facts(order: Order, buyer_country: str | None, destination_country: str | None,
                  geography: Geography) -> dict:
    """Facts of the payment (all empty when the order has none)."""
    pay = order.payment
    payer_party = next(iter(order.parties_in("payer")), None)
    payer = (pay.payer if pay else None) or (payer_party.name if payer_party else None)
    payer_country = (pay.payer_country if pay else None) or (payer_party.country if payer_party else None)
    docs = geography.docs_for(payer_country)
    others = order.parties_in("buyer", "consignee", "end_user")
    return {
        "given": pay is not None or payer_party is not None, "payer": payer, "payer_country": payer_country,
        "method": pay.method if pay else None,
        "third_country": bool(payer_country and (buyer_country or destination_country))
        and payer_country not in {buyer_country, destination_country},
        "payer_has_other_role": any(_same_name(payer, p.name) for p in others),
        "payer_jurisdiction_docs": list(docs), "payer_diversion_risk": bool(docs),
        "bank_country": pay.bank_country if pay else None,
    }


def order_facts(order: Order, screenings: list[PartyScreening], goods: list[LineGoods],
                stops: list[StopFinding], geography: Geography, classifier: PartyClassifier) -> OrderFacts:
    """All facts of an order, ready for the rule engine."""
    buyer = next(iter(order.parties_in("buyer") or order.parties_in("consignee")), None)
    receiver = next(iter(order.parties_in("end_user") or order.parties_in("consignee")), None)
    buyer_country = buyer.country if buyer else None
    destination_country = stops[-1].country if stops else (receiver.country if receiver else None)
    lines = [line_facts(order, g) for g in goods]
    values = {
        "id": order.id, "end_use": order.end_use, "end_use_statement": order.end_use_statement,
        "end_use_generic": classifier.generic_end_use(order.end_use), "buyer_country": buyer_country,
        "destination_country": destination_country,
        "origin_country": stops[0].country if stops and stops[0].origin else None,
        "total_value": sum(f["value"] for f in lines if f["value"] is not None),
        "line_count": len(order.lines), "has_route": bool(stops),
        "payment": payment_facts(order, buyer_country, destination_country, geography),
        "parties": [party_facts(s, geography) for s in screenings],
        "lines": lines,
        "route": [stop_facts(s) for s in stops],
    }
    return OrderFacts(values, screenings, goods, stops)
