"""Ingest articles: read → extract → hash → near duplicates → mentions →
related reports → store, one transaction per article.

The same story ingested again (equal content hash) is the stored article,
not a new one. A story whose signature is close enough to an earlier one
(``MediaSettings.duplicate_threshold``) is stored as a duplicate of the
first article of its kind (a syndicated copy on another site). An article
sharing ``related_min_shared`` specific mentions with an earlier one is
linked to it as a related report of one event. Any error leaves nothing
stored for that input.
"""

from __future__ import annotations

import hashlib
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from chokepoint.lists.store import ListStore
from chokepoint.matching.screener import Screener
from chokepoint.media.config import MediaSettings
from chokepoint.media.entities import EntityFinder
from chokepoint.media.extract import extract
from chokepoint.media.mentions import StoryMentions, find_mentions
from chokepoint.media.read import MediaInputError, RawInput
from chokepoint.media.similarity import band_keys, shared_mentions, signature, similarity
from chokepoint.media.store import MediaStore, NewArticle

STORED, EXISTS, ERROR = "stored", "exists", "error"


@dataclass
class IngestResult:
    """What became of one input."""

    source: str
    status: str
    article_id: int | None = None
    title: str | None = None
    published: str | None = None
    site: str | None = None
    duplicate_of: int | None = None
    similarity: float | None = None
    related: list[dict] = field(default_factory=list)
    mentions: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != ERROR

    def to_json(self) -> dict:
        return {"source": self.source, "status": self.status, "article_id": self.article_id, "title": self.title,
                "published": self.published, "site": self.site, "duplicate_of": self.duplicate_of,
                "similarity": self.similarity, "related": self.related, "mentions": self.mentions,
                "seconds": round(self.seconds, 3), "error": self.error}


def content_hash(body: str) -> str:
    """sha256 of the story with spacing and Unicode forms normalised."""
    text = " ".join(unicodedata.normalize("NFC", body).split())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Ingestor:
    """Ingests articles into one store with one screener (or none: then
    no entity mentions are looked for)."""

    def __init__(self, store: MediaStore, media: MediaSettings, screener: Screener | None = None,
                 list_versions: list[dict] | None = None, actor: str = "chokepoint") -> None:
        self.store = store
        self.media = media
        self.finder = EntityFinder(screener) if screener is not None else None
        self.list_versions = list_versions or []
        self.actor = actor

    @classmethod
    def for_lists(cls, lists: ListStore, media: MediaSettings, screener: Screener | None,
                  actor: str = "chokepoint") -> "Ingestor":
        versions = [{"id": v.id, "sha256": v.sha256} for v in lists.active_versions()] if screener else []
        return cls(MediaStore(lists.engine), media, screener, versions, actor)

    def ingest(self, raw: RawInput) -> IngestResult:
        """Ingest one input; raises :class:`MediaInputError` for bad input."""
        started = time.perf_counter()
        extracted = extract(raw, self.media)
        body = extracted.body
        digest = content_hash(body)
        existing = self.store.find_hash(digest)
        if existing is not None:
            return IngestResult(raw.source, EXISTS, existing, extracted.title, extracted.published, extracted.source,
                                seconds=time.perf_counter() - started)
        sig = signature(body, self.media)
        bands = band_keys(sig, self.media)
        duplicate_of, score = self.duplicate(sig, bands)
        found = find_mentions(body, self.finder)
        related = self.related(found, duplicate_of)
        article = NewArticle(
            content_hash=digest, title=extracted.title, published=extracted.published, source=extracted.source,
            author=extracted.author, url=extracted.url, origin=raw.source, format=raw.format, body=body,
            extraction={**extracted.info(), "bytes": raw.size, "windows_screened": found.windows_screened,
                        "entities_checked": found.entities_checked},
            attributions=[a.to_json() for a in found.attributions], signature=sig, bands=bands,
            mentions=found.mentions, list_versions=self.list_versions if found.entities_checked else [],
            ingested_at=datetime.now(timezone.utc), ingested_by=self.actor, duplicate_of=duplicate_of,
            similarity=score, related=related)
        article_id, created = self.store.add(article)
        return IngestResult(raw.source, STORED if created else EXISTS, article_id, extracted.title,
                            extracted.published, extracted.source, duplicate_of, score,
                            [{"article_id": a, "score": round(s, 4), "shared": sh} for a, s, sh in related],
                            found.counts(), time.perf_counter() - started)

    def duplicate(self, sig: list[int], bands: list[str]) -> tuple[int | None, float | None]:
        """The first stored article this story is a copy of, if any."""
        best: tuple[int, float] | None = None
        for article_id, other in self.store.band_candidates(bands):
            score = similarity(sig, other)
            if score >= self.media.duplicate_threshold and (best is None or score > best[1]):
                best = (article_id, score)
        if best is None:
            return None, None
        original = self.store.headers([best[0]])[best[0]].duplicate_of
        return (original or best[0]), best[1]

    def related(self, found: StoryMentions, duplicate_of: int | None) -> list[tuple[int, float, list[str]]]:
        """Earlier articles sharing enough specific mentions (copies of the
        same article are duplicates, not related reports)."""
        mine = found.related_keys()
        if not mine:
            return []
        out = []
        for article_id, theirs in self.store.articles_with_keys(mine).items():
            if article_id == duplicate_of:
                continue
            shared = shared_mentions(mine, theirs)
            if len(shared) >= self.media.related_min_shared:
                out.append((article_id, len(shared) / len(mine), shared))
        headers = self.store.headers([a for a, _, _ in out])
        return sorted(((a, s, sh) for a, s, sh in out
                       if duplicate_of is None or headers[a].duplicate_of != duplicate_of),
                      key=lambda item: item[0])

    def ingest_all(self, items: Iterable[RawInput | MediaInputError]) -> list[IngestResult]:
        """Every input in turn; a bad one is an error result, the others go on."""
        out = []
        for item in items:
            if isinstance(item, MediaInputError):
                out.append(IngestResult(item.source, ERROR, error=item.message))
                continue
            try:
                out.append(self.ingest(item))
            except MediaInputError as exc:
                out.append(IngestResult(exc.source, ERROR, error=exc.message))
        return out
