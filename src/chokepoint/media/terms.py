"""Programme terms a story uses: the UAV programme, the Iranian UAV
families and their Russian names (``programme_terms.yaml``), and the goods
keywords of the advisory's commodity categories from the trade reference
data (``goods_keywords.yaml``, the categories named by ``hs_lists.yaml``
``uav_commodity``), so the words that mark an order line as a UAV
commodity also mark a story."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from chokepoint.media.phrases import Found, PhraseMatcher
from chokepoint.trade.reference import reference

DATA = Path(__file__).resolve().parent / "data"
#: class of the terms taken from the trade goods keywords
COMMODITY = "commodity"


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    #: programme | family | commodity
    cls: str
    label: str
    source: str

    @property
    def specific(self) -> bool:
        """A programme or a UAV family (a commodity word alone is common)."""
        return self.cls != COMMODITY

    def to_json(self) -> dict:
        return {"id": self.id, "class": self.cls, "label": self.label, "source": self.source}


def own_terms() -> list[tuple[Term, list[str], bool]]:
    raw = yaml.safe_load((DATA / "programme_terms.yaml").read_text("utf-8"))
    return [(Term(t["id"], t["class"], t["label"], t["source"]), [str(w) for w in t["words"]],
             bool(t.get("numbered"))) for t in raw["terms"]]


def goods_terms(own_words: set[str]) -> list[tuple[Term, list[str], bool]]:
    """Goods keywords of the UAV commodity categories (words this file
    already has are left to it)."""
    ref = reference()
    categories = set(ref.uav_commodity["keyword_categories"])
    out = []
    for item in ref.goods_keywords["keywords"]:
        if item["category"] not in categories:
            continue
        words = [str(w) for w in item["words"] if str(w).lower() not in own_words]
        if words:
            label = f"{item['id']} ({ref.goods_keywords['categories'][item['category']]})"
            out.append((Term(f"goods-{item['id']}", COMMODITY, label, f"goods_keywords.yaml: {item['source']}"),
                        words, False))
    return out


class TermFinder:
    def __init__(self) -> None:
        own = own_terms()
        own_words = {w.lower() for _, words, _ in own for w in words}
        entries = [*own, *goods_terms(own_words)]
        self.terms = {term.id: term for term, _, _ in entries}
        self.matcher = PhraseMatcher(((w, term) for term, words, _ in entries for w in words),
                                     numbered=[w for _, words, numbered in entries if numbered for w in words])

    def find(self, text: str) -> list[Found[Term]]:
        return self.matcher.find(text)


@cache
def term_finder() -> TermFinder:
    return TermFinder()
