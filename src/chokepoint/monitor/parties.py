"""The party base: the customers, suppliers and consignees a business keeps
under monitoring, each under the business's own id.

A party is kept with its canonical screening data (names, schema,
countries, birth dates, identifiers, addresses; see
:func:`chokepoint.matching.records.party_data`), the retrieval keys of its
names (:mod:`chokepoint.monitor.keys`) and its last screening result.
Keeping a party again with other data replaces it (new key, new ``seq``);
with the same data it is left alone. Removing a party deletes its data and
keys; the audit log keeps the record of what was screened.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Engine, Text, cast, delete, func, insert, select, update
from sqlalchemy.orm import Session

from chokepoint.matching.records import PartyQuery, party_data, party_key, party_query
from chokepoint.monitor.keys import party_keys
from chokepoint.monitor.tables import PartyNameKeyRow, PartyRow

#: Rows per INSERT batch.
_CHUNK = 5_000
#: Bound parameters per IN (...) query (SQLite allows 32,766).
_IN_CHUNK = 900


class PartyError(ValueError):
    """A party cannot be kept or found as asked."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Party:
    id: str
    data: dict
    party_key: str
    seq: int
    source: str
    created_at: datetime
    updated_at: datetime
    last_screened_at: datetime | None
    last_result: dict | None

    @property
    def name(self) -> str:
        names = self.data.get("names") or [""]
        return names[0]

    def query(self) -> PartyQuery:
        return party_query(self.data, id=self.id)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "data": self.data,
            "party_key": self.party_key,
            "source": self.source,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "last_screened_at": self.last_screened_at.isoformat() if self.last_screened_at else None,
            "last_result": self.last_result,
        }


def _party(row: PartyRow) -> Party:
    return Party(row.id, row.data, row.party_key, row.seq, row.source, _utc(row.created_at),
                 _utc(row.updated_at), _utc(row.last_screened_at), row.last_result)


@dataclass
class KeepReport:
    """What :meth:`PartyBase.keep` did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"added": len(self.added), "updated": len(self.updated), "unchanged": len(self.unchanged)}


def result_summary(matches: list, list_versions: Iterable[str]) -> dict:
    """A party's last result as kept with it: status, best score, the
    matched entities, and the list versions screened against."""
    return {
        "status": "alert" if any(m.is_match for m in matches) else "clear",
        "top_score": max((m.score for m in matches), default=0.0),
        "matches": [{"entity_id": m.record.entity_id, "dataset": m.record.dataset, "name": m.record.caption,
                     "score": m.score} for m in matches if m.is_match],
        "list_versions": sorted(list_versions),
    }


class PartyBase:
    """Kept parties on SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- keeping --------------------------------------------------------------

    def keep(self, parties: Iterable[tuple[str, PartyQuery]], source: str,
             results: dict[str, dict] | None = None) -> KeepReport:
        """Keep (insert or replace) parties by id; one transaction per call,
        so a failing batch keeps nothing of itself."""
        report = KeepReport()
        batch: list[tuple[str, dict, str, set[str]]] = []
        for party_id, query in parties:
            if not party_id or len(party_id) > 200:
                raise PartyError(f"party id {party_id!r} must have 1 to 200 characters")
            if not query.names:
                raise PartyError(f"party {party_id}: no name")
            data = party_data(query)
            batch.append((party_id, data, party_key(data), party_keys(query)))
        now = _now()
        results = results or {}
        with Session(self.engine) as session, session.begin():
            seq = (session.execute(select(func.max(PartyRow.seq))).scalar() or 0)
            existing: dict[str, str] = {}
            ids = [b[0] for b in batch]
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start:start + _IN_CHUNK]
                existing.update(session.execute(
                    select(PartyRow.id, PartyRow.party_key).where(PartyRow.id.in_(chunk))).all())
            rows: list[dict] = []
            key_rows: list[dict] = []
            seen: set[str] = set()
            for party_id, data, key, keys in batch:
                if party_id in seen:
                    raise PartyError(f"party {party_id} appears twice in one batch")
                seen.add(party_id)
                result = results.get(party_id)
                if existing.get(party_id) == key:
                    report.unchanged.append(party_id)
                    if result is not None:
                        session.execute(update(PartyRow).where(PartyRow.id == party_id).values(
                            last_result=result, last_screened_at=now))
                    continue
                seq += 1
                if party_id in existing:
                    report.updated.append(party_id)
                    session.execute(delete(PartyNameKeyRow).where(PartyNameKeyRow.party_id == party_id))
                    session.execute(update(PartyRow).where(PartyRow.id == party_id).values(
                        data=data, party_key=key, seq=seq, source=source, updated_at=now,
                        last_result=result, last_screened_at=now if result is not None else None))
                else:
                    report.added.append(party_id)
                    rows.append({"id": party_id, "data": data, "party_key": key, "seq": seq, "source": source,
                                 "created_at": now, "updated_at": now,
                                 "last_screened_at": now if result is not None else None, "last_result": result})
                key_rows.extend({"key": k, "party_id": party_id} for k in keys)
                if len(rows) >= _CHUNK:
                    session.execute(insert(PartyRow), rows)
                    rows = []
                if len(key_rows) >= _CHUNK * 10:
                    session.execute(insert(PartyNameKeyRow), key_rows)
                    key_rows = []
            if rows:
                session.execute(insert(PartyRow), rows)
            if key_rows:
                session.execute(insert(PartyNameKeyRow), key_rows)
        return report

    def record_result(self, party_id: str, result: dict) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(update(PartyRow).where(PartyRow.id == party_id).values(
                last_result=result, last_screened_at=_now()))

    def remove(self, party_ids: Iterable[str]) -> list[str]:
        """Delete parties (data and keys); returns the ids that existed."""
        ids = list(dict.fromkeys(party_ids))
        removed: list[str] = []
        with Session(self.engine) as session, session.begin():
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start:start + _IN_CHUNK]
                removed.extend(session.execute(select(PartyRow.id).where(PartyRow.id.in_(chunk))).scalars())
                session.execute(delete(PartyNameKeyRow).where(PartyNameKeyRow.party_id.in_(chunk)))
                session.execute(delete(PartyRow).where(PartyRow.id.in_(chunk)))
        return removed

    # --- reading --------------------------------------------------------------

    def get(self, party_id: str) -> Party | None:
        with Session(self.engine) as session:
            row = session.get(PartyRow, party_id)
            return None if row is None else _party(row)

    def get_many(self, party_ids: Iterable[str]) -> dict[str, Party]:
        ids = list(dict.fromkeys(party_ids))
        out: dict[str, Party] = {}
        with Session(self.engine) as session:
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start:start + _IN_CHUNK]
                for row in session.execute(select(PartyRow).where(PartyRow.id.in_(chunk))).scalars():
                    out[row.id] = _party(row)
        return out

    def list(self, limit: int = 100, offset: int = 0, search: str | None = None) -> list[Party]:
        query = select(PartyRow).order_by(PartyRow.id).limit(limit).offset(offset)
        if search:
            query = query.where(PartyRow.id.contains(search) | func.lower(cast(PartyRow.data, Text))
                                .contains(search.lower()))
        with Session(self.engine) as session:
            return [_party(r) for r in session.execute(query).scalars()]

    def count(self) -> int:
        with Session(self.engine) as session:
            return session.execute(select(func.count()).select_from(PartyRow)).scalar() or 0

    def iter_all(self, chunk: int = 10_000) -> Iterator[Party]:
        last = ""
        while True:
            with Session(self.engine) as session:
                rows = session.execute(select(PartyRow).where(PartyRow.id > last).order_by(PartyRow.id)
                                       .limit(chunk)).scalars().all()
                parties = [_party(r) for r in rows]
            if not parties:
                return
            yield from parties
            last = parties[-1].id

    # --- reverse lookup -------------------------------------------------------

    def key_counts(self, keys: Iterable[str]) -> dict[str, int]:
        """How many parties are stored under each key (absent: 0)."""
        keys = list(dict.fromkeys(keys))
        out: dict[str, int] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(keys), _IN_CHUNK):
                chunk = keys[start:start + _IN_CHUNK]
                out.update(conn.execute(select(PartyNameKeyRow.key, func.count()).where(
                    PartyNameKeyRow.key.in_(chunk)).group_by(PartyNameKeyRow.key)).all())
        return out

    def postings(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """key → ids of the parties stored under it."""
        keys = list(dict.fromkeys(keys))
        out: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(keys), _IN_CHUNK):
                chunk = keys[start:start + _IN_CHUNK]
                for key, party_id in conn.execute(select(PartyNameKeyRow.key, PartyNameKeyRow.party_id).where(
                        PartyNameKeyRow.key.in_(chunk))):
                    out.setdefault(key, []).append(party_id)
        return out

