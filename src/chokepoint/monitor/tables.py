"""Database tables of monitoring.

* ``parties``: the party base, one row per kept party under the caller's
  own id, with its screening data and last result; ``seq`` increases on
  every insert or change, so the party index knows what is new since it
  was built;
* ``party_name_keys``: the retrieval keys of every kept party's names and
  identifiers (the same keys the list index uses), so the parties a newly
  listed name may be are found by key lookups, not by screening them all;
* ``monitor_cursors``: per dataset, the list version the party base was
  last checked against;
* ``monitor_runs``: one row per delta re-screen of one dataset.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chokepoint.db import Base


class PartyRow(Base):
    __tablename__ = "parties"
    __table_args__ = (Index("ix_parties_seq", "seq"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: screening data as given (name, schema, country, birth_date, identifier, address)
    data: Mapped[dict] = mapped_column(JSON)
    #: sha256 of the canonical screening data (the alerts' party key)
    party_key: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_screened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: {"status": "clear" | "alert", "top_score", "matches": [...], "list_versions": [...]}
    last_result: Mapped[dict | None] = mapped_column(JSON)


class PartyNameKeyRow(Base):
    __tablename__ = "party_name_keys"
    __table_args__ = (Index("ix_party_name_keys_party", "party_id"), {"sqlite_with_rowid": False})

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    party_id: Mapped[str] = mapped_column(String(200), primary_key=True)


class MonitorCursorRow(Base):
    __tablename__ = "monitor_cursors"

    dataset: Mapped[str] = mapped_column(String(100), primary_key=True)
    version_id: Mapped[str] = mapped_column(String(140))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MonitorRunRow(Base):
    __tablename__ = "monitor_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(100), index=True)
    from_version: Mapped[str] = mapped_column(String(140))
    to_version: Mapped[str] = mapped_column(String(140))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    added: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    removed: Mapped[int] = mapped_column(Integer)
    parties_checked: Mapped[int] = mapped_column(Integer)
    new_alerts: Mapped[int] = mapped_column(Integer)
    closed_alerts: Mapped[int] = mapped_column(Integer)
