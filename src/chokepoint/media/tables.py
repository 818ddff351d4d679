"""Database tables of adverse media.

* ``media_articles``: one row per distinct story (``content_hash`` is the
  sha256 of the story text, unique), with its metadata, how it was
  extracted, its MinHash signature, the earlier article it is a copy of
  (``duplicate_of``), the attributions found in it and the list versions
  its entity mentions were found against;
* ``media_mentions``: what the story mentions, with character spans into
  ``body`` and the speaker of the sentence;
* ``media_mention_words``: the words of each mention, so that a screened
  name finds the mentions that may be it by index lookups;
* ``media_bands``: the signature's band hashes (near-duplicate lookup);
* ``media_links``: duplicate and related-report links between articles.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chokepoint.db import Base


class ArticleRow(Base):
    __tablename__ = "media_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    #: ISO date or date and time, as the page gives it
    published: Mapped[str | None] = mapped_column(String(40))
    #: the site or publisher
    source: Mapped[str | None] = mapped_column(String(300))
    author: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(Text)
    #: the file path or URL it was ingested from
    origin: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    #: {"method", "paragraphs", "dropped": {class: lines}, "bytes"}
    extraction: Mapped[dict] = mapped_column(JSON)
    attributions: Mapped[list] = mapped_column(JSON)
    signature: Mapped[list] = mapped_column(JSON)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("media_articles.id"))
    similarity: Mapped[float | None] = mapped_column(Float)
    #: [{"id", "sha256"}] of the list versions entity mentions were found in
    list_versions: Mapped[list] = mapped_column(JSON)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ingested_by: Mapped[str] = mapped_column(String(100))


class MentionRow(Base):
    __tablename__ = "media_mentions"
    __table_args__ = (Index("ix_media_mentions_key", "kind", "key"), Index("ix_media_mentions_article", "article_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("media_articles.id"))
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(300))
    label: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(String(500))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str | None] = mapped_column(String(200))
    speaker_role: Mapped[str | None] = mapped_column(String(300))
    score: Mapped[float | None] = mapped_column(Float)
    specific: Mapped[bool] = mapped_column(default=True)
    detail: Mapped[dict] = mapped_column(JSON)


class MentionWordRow(Base):
    __tablename__ = "media_mention_words"
    __table_args__ = ({"sqlite_with_rowid": False},)

    word: Mapped[str] = mapped_column(String(100), primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("media_mentions.id"), primary_key=True)


class BandRow(Base):
    __tablename__ = "media_bands"
    __table_args__ = ({"sqlite_with_rowid": False},)

    band: Mapped[str] = mapped_column(String(40), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("media_articles.id"), primary_key=True)


class LinkRow(Base):
    __tablename__ = "media_links"
    __table_args__ = (Index("ix_media_links_other", "other_id"),)

    #: the later article
    article_id: Mapped[int] = mapped_column(ForeignKey("media_articles.id"), primary_key=True)
    #: the earlier one
    other_id: Mapped[int] = mapped_column(ForeignKey("media_articles.id"), primary_key=True)
    #: duplicate | related
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    #: related: the mention keys both share
    shared: Mapped[list] = mapped_column(JSON)
