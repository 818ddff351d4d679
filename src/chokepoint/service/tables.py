"""Database tables of the service: API keys and the audit log.

* ``api_keys``: one row per key; the secret itself is never stored, only
  its SHA-256 (see :mod:`chokepoint.service.auth`);
* ``audit_log``: one append-only record per screening call or admin
  action, chained by hash (``hash = sha256(prev_hash + canonical JSON of
  the record)``), numbered by ``seq`` without gaps, so an edited, deleted
  or reordered row breaks the chain (see :mod:`chokepoint.service.audit`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chokepoint.db import Base


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    #: public part of the key (``ck_<id>_<secret>``)
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_kind", "kind"))

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    call_id: Mapped[str] = mapped_column(String(40), unique=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: match | screen | assess | key.create | key.revoke | list.activate …
    kind: Mapped[str] = mapped_column(String(40))
    #: api | cli | ui
    channel: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(100))
    actor_id: Mapped[str | None] = mapped_column(String(40))
    client: Mapped[str | None] = mapped_column(String(64))
    #: small facts for listing and searching (counts, top score, status)
    summary: Mapped[dict] = mapped_column(JSON)
    request: Mapped[dict] = mapped_column(JSON)
    response: Mapped[dict] = mapped_column(JSON)
    algorithm: Mapped[str | None] = mapped_column(String(60))
    algorithm_version: Mapped[str | None] = mapped_column(String(20))
    #: [{"id", "sha256"}] of the list versions screened against
    list_versions: Mapped[list] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
