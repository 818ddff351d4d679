"""Goods lines against the controlled-goods lists.

* An HS/HTS/Schedule B code matches a listed entry by prefix at the
  entry's level: a 10-digit code under a listed 6-digit subheading
  matches it, a listed heading (4 digits) covers all its subheadings. A
  line code shorter than a listed entry is a ``partial`` hit (the line may
  fall under it).
* Lines without an HS code are matched on their description and part
  number (``goods_keywords.yaml``): weaker evidence, labelled ``keyword``.
* A line is in the UAV commodity set (``hs_lists.yaml``) when its HS hits
  or keyword hits say so; an ECCN of EAR99 (or "not listed") never takes a
  line out of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rigour.text.translit import ascii_text

from chokepoint.trade.order import Line
from chokepoint.trade.reference import HsEntry, ReferenceData

#: Name of each HS code length.
HS_LEVELS = {2: "chapter", 4: "heading", 6: "subheading", 8: "tariff line (8 digits)",
             10: "tariff line (10 digits)"}
UNCONTROLLED_ECCNS = ("EAR99", "NLR", "NOT LISTED")
KEYWORD_CAVEAT = "weaker evidence: matched on the line's words, not on its HS code"
_PART_TOKEN = re.compile(r"[A-Z0-9][A-Z0-9\-/.]{4,}")


def format_hs(code: str) -> str:
    """``854231`` → ``8542.31``; ``8542310001`` → ``8542.31.00.01``."""
    if len(code) <= 4:
        return code
    parts = [code[:4]] + [code[i:i + 2] for i in range(4, len(code), 2)]
    return ".".join(parts)


def tier_rank(tier: str | None) -> int | None:
    """The major tier number: ``"3.A"`` → 3."""
    if not tier:
        return None
    head = tier.split(".")[0]
    return int(head) if head.isdigit() else None


@dataclass(frozen=True, slots=True)
class ListHit:
    """A line's HS code falls under a listed entry."""

    list_id: str
    list_title: str
    listed_code: str
    level: str
    description: str
    tier: str | None
    tier_meaning: str | None
    meaning: str
    line_code: str
    match: str  # exact | prefix | partial
    source_ref: str

    def explain(self) -> str:
        """One sentence an analyst reads."""
        how = {"exact": "is", "prefix": "falls under", "partial": "may fall under (less specific than)"}[self.match]
        text = (f"HS {format_hs(self.line_code)} {how} {self.list_title} {self.level} "
                f"{format_hs(self.listed_code)} ({self.description})")
        if self.tier:
            text += f", tier {self.tier}: {self.tier_meaning}"
        return text

    def to_json(self) -> dict:
        return {"list": self.list_id, "list_title": self.list_title, "code": self.listed_code,
                "level": self.level, "description": self.description, "tier": self.tier,
                "tier_meaning": self.tier_meaning, "list_meaning": self.meaning, "line_code": self.line_code,
                "match": self.match, "basis": "hs_code", "source_ref": self.source_ref,
                "explanation": self.explain()}


@dataclass(frozen=True, slots=True)
class KeywordHit:
    """A line's words or part number look like a commodity of concern."""

    keyword: str
    kind: str  # keyword | part_number
    field: str  # description | part_number | manufacturer
    text: str
    category: str
    hs: tuple[str, ...]
    chpl_tier: str | None
    what: str | None
    source: str

    def explain(self) -> str:
        """One sentence an analyst reads (always says it is weaker)."""
        what = f" ({self.what})" if self.what else ""
        hs = f"; usually HS {', '.join(format_hs(c) for c in self.hs)}" if self.hs else ""
        tier = f", CHPL tier {self.chpl_tier}" if self.chpl_tier else ""
        return f"{self.field} {self.text!r} looks like {self.category}{what}{hs}{tier} ({KEYWORD_CAVEAT})"

    def to_json(self) -> dict:
        return {"keyword": self.keyword, "kind": self.kind, "field": self.field, "text": self.text,
                "category": self.category, "hs": list(self.hs), "chpl_tier": self.chpl_tier, "what": self.what,
                "source": self.source, "basis": "keyword", "note": KEYWORD_CAVEAT, "explanation": self.explain()}


@dataclass(slots=True)
class LineGoods:
    """What the goods lists say about one line."""

    index: int
    hs_code: str | None
    list_hits: list[ListHit] = field(default_factory=list)
    keyword_hits: list[KeywordHit] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    uav_commodity: bool = False
    uav_basis: str | None = None  # hs_code | keyword
    chpl_tier: str | None = None
    keyword_chpl_tier: str | None = None
    eccn: str | None = None

    @property
    def declared_uncontrolled(self) -> bool:
        """EAR99, NLR or "not listed": never a reason to clear the line."""
        return self.eccn in UNCONTROLLED_ECCNS

    def to_json(self) -> dict:
        return {"hits": [h.to_json() for h in self.list_hits],
                "keyword_hits": [h.to_json() for h in self.keyword_hits],
                "categories": self.categories, "uav_commodity": self.uav_commodity, "uav_basis": self.uav_basis,
                "chpl_tier": self.chpl_tier, "keyword_chpl_tier": self.keyword_chpl_tier,
                "declared_uncontrolled": self.declared_uncontrolled}


def _phrase_pattern(words: list[str]) -> str:
    """Alternation of whole-word phrases (spaces and hyphens interchangeable)."""
    parts = []
    for word in sorted(words, key=len, reverse=True):
        tokens = re.split(r"[\s\-]+", ascii_text(str(word)).lower().strip())
        parts.append(r"[\s\-]+".join(re.escape(t) for t in tokens if t))
    return r"(?<![a-z0-9])(?:" + "|".join(parts) + r")(?![a-z0-9])"


class GoodsMatcher:
    """HS prefix matching and keyword matching over the reference data."""

    def __init__(self, ref: ReferenceData) -> None:
        self.ref = ref
        self.by_code: dict[str, list[HsEntry]] = {}
        self.longer: dict[str, list[HsEntry]] = {}
        for entry in ref.hs_entries:
            self.by_code.setdefault(entry.code, []).append(entry)
            for n in range(2, len(entry.code), 2):
                self.longer.setdefault(entry.code[:n], []).append(entry)
        self.chpl_tier_of = {e.code: e.tier for e in ref.hs_entries if e.list_id == "chpl"}
        gk = ref.goods_keywords
        self.keywords = {f"k{i}": item for i, item in enumerate(gk["keywords"])}
        self.keyword_regex = re.compile("|".join(f"(?P<{key}>{_phrase_pattern(item['words'])})"
                                                 for key, item in self.keywords.items()))
        self.parts = {f"p{i}": item for i, item in enumerate(gk["part_numbers"])}
        self.part_regex = re.compile("|".join(f"(?P<{key}>{item['pattern']})" for key, item in self.parts.items()),
                                     re.I)
        self.hs_categories = sorted(((str(k), v) for k, v in gk["hs_categories"].items()), key=lambda kv: -len(kv[0]))
        uav = ref.uav_commodity
        self.uav_tiers = {(r["list"], str(t)) for r in uav["hs"] for t in r.get("tiers", [])}
        self.uav_codes = {(r["list"], str(c)) for r in uav["hs"] for c in r.get("codes", [])}
        self.uav_categories = set(uav["keyword_categories"])

    # --- HS codes ---------------------------------------------------------------

    def list_hits(self, code: str) -> list[ListHit]:
        """Listed entries a line's HS code falls under (or may fall under)."""
        hits = []
        for n in range(2, len(code) + 1, 2):
            for entry in self.by_code.get(code[:n], ()):
                hits.append(self._hit(entry, code, "exact" if n == len(code) else "prefix"))
        for entry in self.longer.get(code, ()):
            hits.append(self._hit(entry, code, "partial"))
        return hits

    def _hit(self, entry: HsEntry, code: str, match: str) -> ListHit:
        hs_list = self.ref.hs_lists.get(entry.list_id)
        tier_meaning = hs_list.tiers.get(entry.tier) if hs_list and entry.tier else None
        return ListHit(entry.list_id, hs_list.short if hs_list else entry.list_id, entry.code,
                       HS_LEVELS.get(len(entry.code), entry.level), entry.description, entry.tier, tier_meaning,
                       hs_list.meaning if hs_list else "", code, match, entry.source_ref)

    def category_of(self, code: str) -> str | None:
        """The broad goods category of an HS code (longest prefix)."""
        for prefix, category in self.hs_categories:
            if code.startswith(prefix):
                return category
        return None

    # --- keywords ---------------------------------------------------------------

    def keyword_hits(self, line: Line) -> list[KeywordHit]:
        """Keyword and part-number hits on a line's description and part number."""
        hits: dict[tuple[str, str], KeywordHit] = {}
        text = ascii_text(line.description).lower()
        for found in self.keyword_regex.finditer(text):
            item = self.keywords[found.lastgroup or ""]
            self._add(hits, item, "keyword", "description", found.group(0), item.get("note"))
        candidates = []
        if line.part_number:
            candidates.append(("part_number", re.sub(r"\s+", "", line.part_number.upper())))
        candidates.extend(("description", t) for t in _PART_TOKEN.findall(line.description.upper())
                          if re.search(r"\d", t) and re.search(r"[A-Z]", t))
        for where, token in candidates:
            part = self.part_regex.match(token)
            if part:
                item = self.parts[part.lastgroup or ""]
                self._add(hits, item, "part_number", where, token, f"{item['maker']}: {item['what']}")
        return list(hits.values())

    def _add(self, hits: dict, item: dict, kind: str, where: str, text: str, what: str | None) -> None:
        key = (item["id"], text.lower())  # a part number in the description and the part field: once
        if key in hits:
            return
        codes = tuple(str(c) for c in item.get("hs", []))
        tiers = [self.chpl_tier_of[c] for c in codes if c in self.chpl_tier_of]
        tier = min(tiers, key=lambda t: (tier_rank(t) or 99, t)) if tiers else None
        hits[key] = KeywordHit(item["id"], kind, where, text, item["category"], codes, tier, what, item["source"])

    # --- one line ---------------------------------------------------------------

    def assess_line(self, line: Line, index: int) -> LineGoods:
        """HS hits, keyword hits (only without an HS code) and the UAV commodity verdict."""
        goods = LineGoods(index, line.hs_code, eccn=line.eccn)
        categories: list[str] = []
        if line.hs_code:
            goods.list_hits = self.list_hits(line.hs_code)
            category = self.category_of(line.hs_code)
            if category:
                categories.append(category)
            firm = [h for h in goods.list_hits if h.match != "partial"]
            if any((h.list_id, h.tier or "") in self.uav_tiers or (h.list_id, h.listed_code) in self.uav_codes
                   for h in firm):
                goods.uav_commodity, goods.uav_basis = True, "hs_code"
            goods.chpl_tier = _best_tier(h.tier for h in firm if h.list_id == "chpl")
        else:
            goods.keyword_hits = self.keyword_hits(line)
            for hit in goods.keyword_hits:
                if hit.category not in categories:
                    categories.append(hit.category)
            if any(h.category in self.uav_categories for h in goods.keyword_hits):
                goods.uav_commodity, goods.uav_basis = True, "keyword"
            goods.keyword_chpl_tier = _best_tier(h.chpl_tier for h in goods.keyword_hits)
        goods.categories = categories
        return goods


def _best_tier(tiers) -> str | None:
    """The highest-priority tier (lowest number) among ``tiers``."""
    present = [t for t in tiers if t]
    return min(present, key=lambda t: (tier_rank(t) or 99, t)) if present else None
