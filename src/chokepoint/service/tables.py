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


class UserRow(Base):
    """A workspace account; the password is stored as an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: failed logins since the last success; the account locks at a limit
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SessionRow(Base):
    """A server-side login session; the cookie holds the token, the table
    only its SHA-256."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AlertRow(Base):
    """A (party, listed entity) pair that scored at or above the threshold
    in a screening, with what is needed to decide it."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_pair", "party_key", "entity_id"), Index("ix_alerts_status", "status"),
                      Index("ix_alerts_party_id", "party_id"), Index("ix_alerts_entity", "entity_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: sha256 of the party's canonical screening data (name, schema, country …)
    party_key: Mapped[str] = mapped_column(String(64))
    party: Mapped[dict] = mapped_column(JSON)
    entity_id: Mapped[str] = mapped_column(String(200))
    entity_caption: Mapped[str] = mapped_column(String(500))
    dataset: Mapped[str] = mapped_column(String(100))
    version_id: Mapped[str] = mapped_column(String(140))
    #: content hash of the listed entity in that version: a decision holds
    #: while it is unchanged
    entity_hash: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column()
    explanation: Mapped[dict] = mapped_column(JSON)
    #: open | decided | suppressed
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    call_id: Mapped[str | None] = mapped_column(String(40))
    decision_id: Mapped[int | None] = mapped_column(Integer)
    #: kind of screening (ui, api, order) and the order id, if any
    source: Mapped[str] = mapped_column(String(40))
    #: why it was raised when not by a screening of the party: "newly
    #: listed" or "listing changed" (monitoring)
    reason: Mapped[str | None] = mapped_column(String(40))
    #: the kept party it concerns (monitoring), if any
    party_id: Mapped[str | None] = mapped_column(String(200))
    #: annotation added later, such as "delisted on 2024-05-01"
    note: Mapped[str | None] = mapped_column(String(500))


class DecisionRow(Base):
    """An analyst's decision on a (party, listed entity) pair."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_pair", "party_key", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party_key: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(200))
    entity_hash: Mapped[str] = mapped_column(String(64))
    #: true_match | false_positive | escalate
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(2000))
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: final | pending (awaiting a second analyst under four-eyes)
    status: Mapped[str] = mapped_column(String(20))
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    alert_id: Mapped[int | None] = mapped_column(Integer)


class WorkspaceSettingRow(Base):
    """Settings an admin changes at run time (four-eyes)."""

    __tablename__ = "workspace_settings"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
