"""The parties of an order: list screening, address co-location with
listed entities, and what their stated business says they are.

* Screening uses the real matcher (:class:`~chokepoint.matching.screener.
  Screener`); each party's result has the shape of a ``chokepoint screen``
  JSONL row (``id``, ``status``, ``matches``), with the party's details
  added.
* :class:`AddressIndex` finds listed entities registered at the same
  address as a party: candidates by shared rare address words, confirmed
  with rigour's address comparison.
* :class:`PartyClassifier` reads the business kind (freight forwarder,
  trading company, …), free-mail e-mail domains and Russian state-enterprise
  designators from ``party_keywords.yaml``.
"""

from __future__ import annotations

import math
import re
import weakref
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rigour.addresses import match_addresses, normalize_address
from rigour.text.translit import ascii_text

from chokepoint.matching.records import ListedRecord, PartyQuery
from chokepoint.matching.screener import Match, Screener
from chokepoint.trade.order import Party
from chokepoint.trade.reference import ReferenceData

#: Identifier schemes of an order → FollowTheMoney properties (others are
#: matched against every identifier kind).
IDENTIFIER_PROPS = {"registration": "registrationNumber", "tax": "taxNumber", "vat": "vatCode",
                    "lei": "leiCode", "swift": "swiftBic", "imo": "imoNumber", "passport": "passportNumber"}
#: rigour's address score at or above which two addresses are the same
#: place for this purpose (rigour's own accuracy-optimal cut is ~0.3; a
#: co-location red flag needs much more).
ADDRESS_MATCH_SCORE = 0.7
#: Aligned address words needed besides the score (so "Dubai, UAE" never
#: matches "Dubai, AE"), of which at least one number (house, office, PO
#: box): a district or city in common is not a shared address.
ADDRESS_MIN_ALIGNED = 3
ADDRESS_CANDIDATES = 20


def ascii_words(text: str | None) -> str:
    """Lower-case ASCII words separated by single spaces (padded)."""
    if not text:
        return " "
    return " " + " ".join(re.findall(r"[a-z0-9&/]+", ascii_text(text).lower())) + " "


def _phrases(words: list[str]) -> tuple[str, ...]:
    return tuple(sorted({ascii_words(str(w)).strip() for w in words if str(w).strip()}, key=len, reverse=True))


class PartyClassifier:
    """Business kinds, free-mail domains and state-enterprise designators."""

    def __init__(self, ref: ReferenceData) -> None:
        data = ref.party_keywords
        self.kinds = {kind: _phrases(item["words"]) for kind, item in data["business_kinds"].items()}
        self.labels = {kind: item.get("label", kind) for kind, item in data["business_kinds"].items()}
        self.generic_words = frozenset(_phrases(data["generic_end_use_words"]))
        self.free_mail = frozenset(d.lower() for d in data["free_mail_domains"])
        self.designators = frozenset(_phrases(data["state_enterprise_designators"]))

    def business_kinds(self, *texts: str | None) -> list[str]:
        """Kinds whose words appear in the stated business or the name."""
        text = "".join(ascii_words(t) for t in texts)
        return [kind for kind, phrases in self.kinds.items() if any(f" {p} " in text for p in phrases)]

    def generic_end_use(self, text: str | None) -> bool:
        """No end use, or one made only of generic words ("for resale")."""
        words = ascii_words(text).split()
        return not words or all(w in self.generic_words for w in words)

    def free_mail_domain(self, email: str | None) -> str | None:
        """The e-mail's domain when it is a free-mail service."""
        if not email or "@" not in email:
            return None
        domain = email.rsplit("@", 1)[1].strip().lower()
        return domain if domain in self.free_mail else None

    def state_enterprise(self, name: str) -> str | None:
        """A Russian state-enterprise designator in the name (RAO, FGUP, NPO…)."""
        for word in ascii_words(name).split():
            if word in self.designators:
                return word.upper()
        return None


# --- addresses of listed entities ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddressMatch:
    """A party's address matches the address of a listed entity."""

    record: ListedRecord
    listed_address: str
    score: float
    detail: str

    def to_json(self) -> dict:
        r = self.record
        return {"entity_id": r.entity_id, "dataset": r.dataset, "source_id": r.source_id, "name": r.caption,
                "schema": r.schema, "list_version": r.version_id, "listed_address": self.listed_address,
                "score": round(self.score, 3), "detail": self.detail}


def address_tokens(text: str) -> list[str]:
    """Comparison words of an address (rigour normalisation, latinised)."""
    return (normalize_address(text, latinize=True, min_length=2) or "").split()


class AddressIndex:
    """Listed entities' addresses, searchable by their rarer words."""

    def __init__(self, records: list[ListedRecord]) -> None:
        self.records = records
        self.addresses: list[tuple[int, str]] = []
        postings: dict[str, list[int]] = defaultdict(list)
        for rid, record in enumerate(records):
            for address in record.addresses:
                aid = len(self.addresses)
                self.addresses.append((rid, address))
                for token in set(address_tokens(address)):
                    postings[token].append(aid)
        n = max(1, len(self.addresses))
        cap = max(50, n // 100)
        self.postings = {t: ids for t, ids in postings.items() if len(ids) <= cap}
        self.idf = {t: math.log(n / len(ids)) for t, ids in self.postings.items()}
        match_addresses(["1 Main Street, Springfield"], ["1 Main St., Springfield"])  # loads rigour's data now

    @classmethod
    def for_screener(cls, screener: Screener) -> "AddressIndex":
        """The index over a screener's records, built once per name index."""
        index = _ADDRESS_INDEXES.get(screener.index)
        if index is None:
            index = cls(screener.index.records)
            _ADDRESS_INDEXES[screener.index] = index
        return index

    def match(self, address: str | None, limit: int = 5) -> list[AddressMatch]:
        """Listed addresses that are the same place as ``address``."""
        if not address:
            return []
        tokens = set(address_tokens(address))
        if len(tokens) < ADDRESS_MIN_ALIGNED:
            return []
        scores: defaultdict[int, float] = defaultdict(float)
        shared: Counter[int] = Counter()
        for token in tokens:
            for aid in self.postings.get(token, ()):
                scores[aid] += self.idf[token]
                shared[aid] += 1
        ranked_ids = sorted(scores, key=lambda aid: -scores[aid])[:ADDRESS_CANDIDATES]
        candidates = [aid for aid in ranked_ids if shared[aid] >= 2]
        found: dict[int, AddressMatch] = {}
        for aid in candidates:
            rid, listed = self.addresses[aid]
            result = match_addresses([address], [listed])
            if result is None or result.score < ADDRESS_MATCH_SCORE:
                continue
            aligned = [t for t in result.detail.split() if not t.startswith(("+", "-"))]
            if len(aligned) < ADDRESS_MIN_ALIGNED or not any(any(c.isdigit() for c in t) for t in aligned):
                continue
            best = found.get(rid)
            if best is None or result.score > best.score:
                found[rid] = AddressMatch(self.records[rid], listed, result.score, result.detail)
        ranked = sorted(found.values(), key=lambda m: (-m.score, m.record.entity_id))
        return ranked[:limit]


_ADDRESS_INDEXES: "weakref.WeakKeyDictionary[object, AddressIndex]" = weakref.WeakKeyDictionary()


# --- screening ---------------------------------------------------------------------------


@dataclass(slots=True)
class PartyScreening:
    """Screening result and classification of one party."""

    index: int
    party: Party
    matches: list[Match] = field(default_factory=list)
    address_matches: list[AddressMatch] = field(default_factory=list)
    business_kinds: list[str] = field(default_factory=list)
    free_mail: str | None = None
    state_enterprise: str | None = None
    error: str | None = None
    #: stored news articles naming the party or its listed matches
    #: (adverse media; given by the assessor's media lookup, never a list hit)
    adverse_media: list = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.party.id or f"parties[{self.index}]"

    @property
    def status(self) -> str:
        if self.error:
            return "error"
        return "alert" if self.matches else "clear"

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None

    def to_json(self) -> dict:
        """A ``chokepoint screen`` row (id, status, matches) plus the party."""
        p = self.party
        out: dict[str, object] = {"id": self.id, "status": self.status,
                                  "matches": [m.to_json() for m in self.matches]}
        if self.error:
            out["error"] = self.error
        out.update({
            "index": self.index, "role": p.role, "name": p.name, "type": p.type, "country": p.country,
            "address": p.address, "business": p.business, "business_kind": self.business_kinds,
            "address_matches": [m.to_json() for m in self.address_matches],
            "free_mail_domain": self.free_mail, "state_enterprise_designator": self.state_enterprise,
        })
        if self.adverse_media:
            out["adverse_media"] = [a.to_json() for a in self.adverse_media]
        return out


def party_query(party: Party, index: int) -> PartyQuery:
    """The matcher's query for a party."""
    typed: dict[str, list[str]] = defaultdict(list)
    loose = []
    for ident in party.identifiers:
        prop = IDENTIFIER_PROPS.get(ident.scheme)
        if prop:
            typed[prop].append(ident.value)
        else:
            loose.append(ident.value)
    return PartyQuery.build(party.name, party.type, party.country, None, loose, party.address,
                            id=party.id or f"parties[{index}]", identifiers=dict(typed))


def screen_party(screener: Screener, addresses: AddressIndex | None, classifier: PartyClassifier,
                 party: Party, index: int, limit: int = 5) -> PartyScreening:
    """Screen one party by name (and address, identifiers) and classify it."""
    result = PartyScreening(index, party)
    try:
        result.matches = screener.match(party_query(party, index), limit=limit)
    except ValueError as exc:  # e.g. a schema the matcher cannot use
        result.error = str(exc)
    if addresses is not None:
        result.address_matches = addresses.match(party.address)
    result.business_kinds = classifier.business_kinds(party.business, party.name)
    result.free_mail = classifier.free_mail_domain(party.email)
    result.state_enterprise = classifier.state_enterprise(party.name)
    return result
