"""Stored articles: adding one (in one transaction), reading, listing, and
the look-ups near-duplicate detection, related reports and adverse-media
evidence need."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chokepoint.media.mentions import Mention, mention_words
from chokepoint.media.tables import ArticleRow, BandRow, LinkRow, MentionRow, MentionWordRow

#: Bound parameters per IN (...) query.
_IN_CHUNK = 900
DUPLICATE, RELATED = "duplicate", "related"


@dataclass
class NewArticle:
    """Everything stored for one article."""

    content_hash: str
    title: str | None
    published: str | None
    source: str | None
    author: str | None
    url: str | None
    origin: str
    format: str
    body: str
    extraction: dict
    attributions: list[dict]
    signature: list[int]
    bands: list[str]
    mentions: list[Mention]
    list_versions: list[dict]
    ingested_at: datetime
    ingested_by: str
    duplicate_of: int | None = None
    similarity: float | None = None
    related: list[tuple[int, float, list[str]]] = field(default_factory=list)


@dataclass(frozen=True)
class Link:
    article_id: int
    title: str | None
    source: str | None
    kind: str
    score: float
    shared: list[str]

    def to_json(self) -> dict:
        return {"article_id": self.article_id, "title": self.title, "source": self.source, "kind": self.kind,
                "score": round(self.score, 4), "shared": self.shared}


@dataclass
class StoredArticle:
    id: int
    title: str | None
    published: str | None
    source: str | None
    author: str | None
    url: str | None
    origin: str
    format: str
    body: str
    extraction: dict
    attributions: list[dict]
    duplicate_of: int | None
    similarity: float | None
    list_versions: list[dict]
    ingested_at: datetime
    ingested_by: str
    content_hash: str
    mentions: list[dict] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    def summary(self) -> dict:
        return {"id": self.id, "title": self.title, "published": self.published, "source": self.source,
                "author": self.author, "url": self.url, "origin": self.origin, "duplicate_of": self.duplicate_of,
                "ingested_at": self.ingested_at.isoformat(), "content_hash": self.content_hash}

    def to_json(self) -> dict:
        return {**self.summary(), "format": self.format, "body": self.body, "extraction": self.extraction,
                "similarity": self.similarity, "ingested_by": self.ingested_by,
                "list_versions": self.list_versions, "attributions": self.attributions,
                "mentions": self.mentions, "links": [link.to_json() for link in self.links]}


def _article(row: ArticleRow) -> StoredArticle:
    return StoredArticle(row.id, row.title, row.published, row.source, row.author, row.url, row.origin, row.format,
                         row.body, row.extraction, row.attributions, row.duplicate_of, row.similarity,
                         row.list_versions, row.ingested_at, row.ingested_by, row.content_hash)


def mention_json(row: MentionRow) -> dict:
    return {"id": row.id, "kind": row.kind, "key": row.key, "label": row.label, "text": row.text,
            "start": row.start, "end": row.end, "speaker": row.speaker, "speaker_role": row.speaker_role,
            "score": row.score, "specific": row.specific, "detail": row.detail}


class MediaStore:
    """Articles in the database of an engine (migrated by the list store)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- writing ---------------------------------------------------------------

    def add(self, article: NewArticle) -> tuple[int, bool]:
        """Store an article with its mentions, words, bands and links in one
        transaction: ``(id, True)``, or ``(id of the stored copy, False)``
        when the same story is already there."""
        existing = self.find_hash(article.content_hash)
        if existing is not None:
            return existing, False
        try:
            with Session(self.engine) as session, session.begin():
                row = ArticleRow(
                    content_hash=article.content_hash, title=article.title, published=article.published,
                    source=article.source, author=article.author, url=article.url, origin=article.origin,
                    format=article.format, body=article.body, extraction=article.extraction,
                    attributions=article.attributions, signature=article.signature,
                    duplicate_of=article.duplicate_of, similarity=article.similarity,
                    list_versions=article.list_versions, ingested_at=article.ingested_at,
                    ingested_by=article.ingested_by)
                session.add(row)
                session.flush()
                self._add_mentions(session, row.id, article.mentions)
                if article.bands:
                    session.execute(insert(BandRow), [{"band": b, "article_id": row.id} for b in set(article.bands)])
                self._add_links(session, row.id, article)
                return row.id, True
        except IntegrityError:
            existing = self.find_hash(article.content_hash)
            if existing is None:
                raise
            return existing, False

    @staticmethod
    def _add_mentions(session: Session, article_id: int, mentions: list[Mention]) -> None:
        for mention in mentions:
            row = MentionRow(article_id=article_id, kind=mention.kind, key=mention.key[:300],
                             label=mention.label[:500], text=mention.text[:500], start=mention.start, end=mention.end,
                             speaker=(mention.speaker or None) and mention.speaker[:200],
                             speaker_role=(mention.speaker_role or None) and mention.speaker_role[:300],
                             score=mention.score, specific=mention.specific, detail=mention.detail)
            session.add(row)
            session.flush()
            words = [{"word": w[:100], "mention_id": row.id} for w in sorted(mention_words(mention))]
            if words:
                session.execute(insert(MentionWordRow), words)

    @staticmethod
    def _add_links(session: Session, article_id: int, article: NewArticle) -> None:
        links = []
        if article.duplicate_of is not None:
            links.append({"article_id": article_id, "other_id": article.duplicate_of, "kind": DUPLICATE,
                          "score": article.similarity or 0.0, "shared": []})
        for other, score, shared in article.related:
            links.append({"article_id": article_id, "other_id": other, "kind": RELATED, "score": score,
                          "shared": shared})
        if links:
            session.execute(insert(LinkRow), links)

    # --- look-ups for a new article -------------------------------------------

    def find_hash(self, content_hash: str) -> int | None:
        with Session(self.engine) as session:
            return session.scalar(select(ArticleRow.id).where(ArticleRow.content_hash == content_hash))

    def band_candidates(self, bands: list[str]) -> list[tuple[int, list[int]]]:
        """Earlier articles sharing a signature band, with their signatures."""
        if not bands:
            return []
        with Session(self.engine) as session:
            ids = session.scalars(select(BandRow.article_id).where(BandRow.band.in_(bands)).distinct()).all()
            if not ids:
                return []
            rows = session.execute(select(ArticleRow.id, ArticleRow.signature).where(ArticleRow.id.in_(ids))).all()
        return [(r.id, r.signature) for r in rows]

    def articles_with_keys(self, keys: Iterable[str]) -> dict[int, set[str]]:
        """Article id → which of these specific mention keys it has."""
        keys = sorted(set(keys))
        out: dict[int, set[str]] = defaultdict(set)
        with Session(self.engine) as session:
            for i in range(0, len(keys), _IN_CHUNK):
                rows = session.execute(select(MentionRow.article_id, MentionRow.key).where(
                    MentionRow.key.in_(keys[i:i + _IN_CHUNK]), MentionRow.specific.is_(True),
                    MentionRow.kind != "name")).all()
                for row in rows:
                    out[row.article_id].add(row.key)
        return dict(out)

    # --- reading -------------------------------------------------------------------

    def count(self) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(ArticleRow)) or 0

    def get(self, article_id: int) -> StoredArticle | None:
        with Session(self.engine) as session:
            row = session.get(ArticleRow, article_id)
            if row is None:
                return None
            article = _article(row)
            article.mentions = [mention_json(m) for m in session.scalars(
                select(MentionRow).where(MentionRow.article_id == article_id).order_by(MentionRow.start,
                                                                                      MentionRow.id))]
            article.links = self._links(session, article_id)
        return article

    @staticmethod
    def _links(session: Session, article_id: int) -> list[Link]:
        rows = session.execute(select(LinkRow).where(or_(LinkRow.article_id == article_id,
                                                         LinkRow.other_id == article_id))).scalars().all()
        others = {r.other_id if r.article_id == article_id else r.article_id for r in rows}
        titles = {a.id: a for a in session.scalars(select(ArticleRow).where(ArticleRow.id.in_(others)))} \
            if others else {}
        out = []
        for r in rows:
            other = r.other_id if r.article_id == article_id else r.article_id
            a = titles.get(other)
            out.append(Link(other, a.title if a else None, a.source if a else None, r.kind, r.score, r.shared))
        return sorted(out, key=lambda link: (link.kind, link.article_id))

    def list(self, limit: int = 50, offset: int = 0, ids: Iterable[int] | None = None) -> list[StoredArticle]:
        """Articles, newest ingested first (only ``ids`` when given)."""
        query = select(ArticleRow).order_by(ArticleRow.id.desc()).limit(limit).offset(offset)
        if ids is not None:
            query = query.where(ArticleRow.id.in_(list(ids)))
        with Session(self.engine) as session:
            return [_article(row) for row in session.scalars(query)]

    def mention_counts(self, ids: Iterable[int]) -> dict[int, dict[str, int]]:
        ids = list(ids)
        out: dict[int, dict[str, int]] = defaultdict(dict)
        if not ids:
            return {}
        with Session(self.engine) as session:
            rows = session.execute(select(MentionRow.article_id, MentionRow.kind, func.count()).where(
                MentionRow.article_id.in_(ids)).group_by(MentionRow.article_id, MentionRow.kind)).all()
        for article_id, kind, count in rows:
            out[article_id][kind] = count
        return dict(out)

    # --- look-ups for evidence ------------------------------------------------------

    def mentions_of_entities(self, entity_ids: Iterable[str]) -> list[MentionRow]:
        ids = sorted(set(entity_ids))
        out: list[MentionRow] = []
        with Session(self.engine) as session:
            for i in range(0, len(ids), _IN_CHUNK):
                out.extend(session.scalars(select(MentionRow).where(
                    MentionRow.kind == "entity", MentionRow.key.in_(ids[i:i + _IN_CHUNK]))))
        return out

    def mentions_with_words(self, words: Iterable[str], kinds: Iterable[str]) -> list[MentionRow]:
        """Mentions of these kinds holding any of these words."""
        words = sorted(set(words))
        if not words:
            return []
        with Session(self.engine) as session:
            ids: set[int] = set()
            for i in range(0, len(words), _IN_CHUNK):
                ids.update(session.scalars(select(MentionWordRow.mention_id).where(
                    MentionWordRow.word.in_(words[i:i + _IN_CHUNK]))))
            out: list[MentionRow] = []
            ordered = sorted(ids)
            for i in range(0, len(ordered), _IN_CHUNK):
                out.extend(session.scalars(select(MentionRow).where(
                    MentionRow.id.in_(ordered[i:i + _IN_CHUNK]), MentionRow.kind.in_(list(kinds)))))
        return out

    def headers(self, ids: Iterable[int]) -> dict[int, ArticleRow]:
        ids = sorted(set(ids))
        out = {}
        with Session(self.engine) as session:
            for i in range(0, len(ids), _IN_CHUNK):
                for row in session.scalars(select(ArticleRow).where(ArticleRow.id.in_(ids[i:i + _IN_CHUNK]))):
                    session.expunge(row)
                    out[row.id] = row
        return out
