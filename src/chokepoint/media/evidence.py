"""Stored articles as adverse-media evidence for a screened party.

An article is evidence about a party when it mentions

* a listed entity the party matches (by entity id), or
* a name the party's names match: a mentioned listed entity, person,
  place or other name, compared with the matching scorer (the screener's
  word weights when one is given) at the screening threshold.

Adverse media is reported beside list hits, never as one: it does not
make a screening an alert. In order assessment it feeds the party facts
``adverse_media`` and the ``adverse-media`` ruleset (a ``review`` reason).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from chokepoint.lists.store import ListStore
from chokepoint.matching.algorithm import DEFAULT_ALGORITHM, Algorithm
from chokepoint.matching.index import NameIndex
from chokepoint.matching.normalize import NAME, NUM, normalize_name
from chokepoint.matching.score import score_names
from chokepoint.matching.screener import Screener, schemata_match
from chokepoint.media.mentions import ENTITY, NAME as NAME_KIND, PERSON_KIND, PLACE
from chokepoint.media.store import MediaStore
from chokepoint.media.tables import MentionRow
from chokepoint.trade.rules import RuleSet, load_ruleset

DATA = Path(__file__).resolve().parent / "data"
#: Articles returned per party, newest first.
ARTICLE_LIMIT = 20
#: What a mention of each kind may be, as a FollowTheMoney schema.
_KIND_SCHEMA = {PERSON_KIND: "Person", PLACE: "Organization", NAME_KIND: "LegalEntity"}
LISTED_ENTITY, NAME_MATCH = "listed entity", "name"


@dataclass(frozen=True)
class ArticleRef:
    """One article as evidence, with the mentions that make it so."""

    article_id: int
    title: str | None
    published: str | None
    source: str | None
    url: str | None
    duplicate_of: int | None
    mentions: tuple[dict, ...]

    def to_json(self) -> dict:
        return {"article_id": self.article_id, "title": self.title, "published": self.published,
                "source": self.source, "url": self.url, "duplicate_of": self.duplicate_of,
                "mentions": list(self.mentions), "evidence": "adverse media"}

    def mentions_entity(self, entity_id: str) -> bool:
        return any(m["kind"] == ENTITY and m["key"] == entity_id for m in self.mentions)


def _mention(row: MentionRow, basis: str, score: float | None) -> dict:
    return {"kind": row.kind, "key": row.key, "label": row.label, "text": row.text, "start": row.start,
            "end": row.end, "speaker": row.speaker, "basis": basis,
            "score": round(score, 4) if score is not None else None}


class NameComparer:
    """Compares a party's names with mentioned names, with the matching
    scorer (the screener's rarity weights when given, else role weights
    only) and the algorithm's threshold."""

    def __init__(self, screener: Screener | None = None, threshold: float | None = None) -> None:
        self.index = screener.index if screener is not None else NameIndex()
        self.algorithm: Algorithm = screener.algorithm if screener is not None else DEFAULT_ALGORITHM
        self.threshold = self.algorithm.threshold if threshold is None else threshold

    def query(self, names: Sequence[str], schema: str) -> tuple[list, set[str]]:
        """Name forms of the party and its distinctive words (for look-up)."""
        forms = [form for name in names for form in normalize_name(name, schema)]
        words = {t.ascii for f in forms for t in f.tokens if t.role in (NAME, NUM) and len(t.ascii) >= 2}
        return forms, words

    def score(self, forms: list, schema: str, row: MentionRow) -> float:
        listed_schema = row.detail.get("schema") if row.kind == ENTITY else _KIND_SCHEMA.get(row.kind)
        if not listed_schema or not (schemata_match(schema, listed_schema) or schemata_match(listed_schema, schema)):
            return 0.0
        person = schema == "Person" or listed_schema == "Person"
        best = 0.0
        for text in {row.text, row.label}:
            for other in normalize_name(text, listed_schema):
                for form in forms:
                    evidence = score_names(form, other, "name", self.index, self.algorithm, person=person,
                                           listed_person=listed_schema == "Person")
                    best = max(best, evidence.score)
        return best


def media_evidence(store: ListStore | MediaStore, names: Sequence[str], entity_ids: Sequence[str] = (),
                   schema: str = "LegalEntity", screener: Screener | None = None, threshold: float | None = None,
                   limit: int = ARTICLE_LIMIT) -> list[ArticleRef]:
    """The stored articles that are adverse-media evidence about a party
    with these ``names`` (and these matched listed ``entity_ids``)."""
    media = store if isinstance(store, MediaStore) else MediaStore(store.engine)
    if not media.count():
        return []
    found: dict[int, list[dict]] = defaultdict(list)
    for row in media.mentions_of_entities(entity_ids):
        found[row.article_id].append(_mention(row, LISTED_ENTITY, row.score))
    comparer = NameComparer(screener, threshold)
    forms, words = comparer.query([n for n in names if n and n.strip()], schema)
    if forms:
        for row in media.mentions_with_words(words, (ENTITY, PERSON_KIND, PLACE, NAME_KIND)):
            score = comparer.score(forms, schema, row)
            if score >= comparer.threshold:
                found[row.article_id].append(_mention(row, NAME_MATCH, score))
    return _refs(media, found, limit)


def _refs(media: MediaStore, found: dict[int, list[dict]], limit: int) -> list[ArticleRef]:
    headers = media.headers(found)
    refs = []
    for article_id, mentions in found.items():
        row = headers.get(article_id)
        if row is None:
            continue
        unique: dict[tuple, dict] = {}
        for m in mentions:  # a listed-entity basis (found first) wins over a name match
            unique.setdefault((m["start"], m["end"], m["key"]), m)
        refs.append(ArticleRef(article_id, row.title, row.published, row.source, row.url, row.duplicate_of,
                               tuple(sorted(unique.values(), key=lambda m: (m["start"], m["key"])))))
    refs.sort(key=lambda r: (r.published or "", r.article_id), reverse=True)
    return refs[:limit]


@cache
def media_ruleset() -> RuleSet:
    """The ``adverse-media`` ruleset (``data/adverse-media.yaml``)."""
    return load_ruleset(DATA / "adverse-media.yaml")


class MediaLookup:
    """Adverse media for order assessment (``trade.assess.PartyMedia``)."""

    def __init__(self, store: ListStore | MediaStore, screener: Screener | None = None) -> None:
        self.store = store if isinstance(store, MediaStore) else MediaStore(store.engine)
        self.screener = screener
        self.rulesets = (media_ruleset(),)

    def articles(self, names: Sequence[str], entity_ids: Sequence[str], schema: str) -> list[ArticleRef]:
        return media_evidence(self.store, names, entity_ids, schema or "LegalEntity", self.screener)


def match_names(properties: dict) -> list[str]:
    """The names of a yente query's properties."""
    out = []
    for prop in ("name", "alias", "weakAlias", "previousName", "firstName", "lastName"):
        values = properties.get(prop) or []
        out.extend(v for v in (values if isinstance(values, list) else [values]) if isinstance(v, str))
    return out


def annotate_match(store: ListStore | MediaStore, responses: dict[str, dict], screener: Screener | None) -> None:
    """Add ``adverse_media`` to each ``/match`` response (articles naming
    the query's party or its matches) and to each result (articles naming
    that listed entity). yente's fields and the match flags are unchanged."""
    for response in responses.values():
        query = response.get("query") or {}
        results = response.get("results") or []
        matched = [r["id"] for r in results if r.get("match")]
        refs = media_evidence(store, match_names(query.get("properties") or {}), matched,
                              query.get("schema") or "LegalEntity", screener)
        response["adverse_media"] = [ref.to_json() for ref in refs]
        by_entity = media_evidence(store, (), [r["id"] for r in results], screener=screener) if results else []
        for result in results:
            result["adverse_media"] = [ref.to_json() for ref in by_entity if ref.mentions_entity(result["id"])]
