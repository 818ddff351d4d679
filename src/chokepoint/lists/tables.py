"""Database tables of the versioned list store (SQLAlchemy 2 declarative).

The schema is created and upgraded by Alembic (``chokepoint/migrations``);
these classes are the single description both use.

* ``datasets``: one row per list, pointing at its active version;
* ``list_versions``: one immutable row per loaded source (content hash,
  publication date, counts, warnings);
* ``list_entities``: every entity of every version as FollowTheMoney JSON,
  with a content hash so versions diff without reading the JSON, and when
  it was first seen and last changed across the dataset's versions;
* ``list_entity_refs``: which entity of a version points at which (a
  sanction at its target, an ownership at owner and asset), so an entity
  is shown with the entities linked to it without scanning the JSON.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chokepoint.db import Base

class DatasetRow(Base):
    __tablename__ = "datasets"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    active_version_id: Mapped[str | None] = mapped_column(
        String(140), ForeignKey("list_versions.id", use_alter=True, name="fk_active_version")
    )
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ListVersionRow(Base):
    __tablename__ = "list_versions"
    __table_args__ = (UniqueConstraint("dataset", "sha256", name="uq_version_content"),)

    id: Mapped[str] = mapped_column(String(140), primary_key=True)
    dataset: Mapped[str] = mapped_column(String(100), index=True)
    format: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(String(64))
    published: Mapped[date | None] = mapped_column(Date)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    entity_count: Mapped[int] = mapped_column(Integer)
    target_count: Mapped[int] = mapped_column(Integer)
    schemata: Mapped[dict] = mapped_column(JSON)
    files: Mapped[dict] = mapped_column(JSON)
    warnings: Mapped[dict] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)


class ListEntityRow(Base):
    __tablename__ = "list_entities"
    __table_args__ = (Index("ix_list_entities_entity", "entity_id"),)

    version_id: Mapped[str] = mapped_column(
        String(140), ForeignKey("list_versions.id", ondelete="CASCADE"), primary_key=True
    )
    entity_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    schema: Mapped[str] = mapped_column(String(40))
    target: Mapped[bool] = mapped_column(Boolean)
    source_id: Mapped[str | None] = mapped_column(String(200))
    caption: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON)
    #: first version date of the dataset that held this entity
    first_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: version date at which its content last changed
    last_change: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ListEntityRefRow(Base):
    __tablename__ = "list_entity_refs"
    __table_args__ = (Index("ix_list_entity_refs_ref", "version_id", "ref_id"),)

    version_id: Mapped[str] = mapped_column(
        String(140), ForeignKey("list_versions.id", ondelete="CASCADE"), primary_key=True
    )
    #: the entity holding the reference (a Sanction, an Ownership …)
    entity_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: the property that holds it (``entity``, ``owner``, ``asset`` …)
    prop: Mapped[str] = mapped_column(String(60), primary_key=True)
    #: the entity referred to
    ref_id: Mapped[str] = mapped_column(String(200), primary_key=True)


class ListSourceRow(Base):
    """The state of downloading one dataset from its official source: what
    the server last said (ETag, Last-Modified, for conditional requests) and
    how the last attempt went, so a failed update shows the list as stale."""

    __tablename__ = "list_sources"

    dataset: Mapped[str] = mapped_column(String(100), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    #: sha256 of the last file downloaded completely
    sha256: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    succeeded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: ok | unchanged | failed | refused (failed: download or parse; refused:
    #: parsed but suspicious, such as a large drop in entities)
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
