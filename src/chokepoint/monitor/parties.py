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

import gc
import multiprocessing as mp
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TypeVar

import numpy as np
from sqlalchemy import Engine, Text, cast, delete, func, insert, select, update
from sqlalchemy.orm import Session

from chokepoint.matching.normalize import prepare_normalizer
from chokepoint.matching.records import PartyQuery, party_data, party_key, party_query
from chokepoint.monitor.keys import party_keys
from chokepoint.monitor.tables import PartyNameKeyRow, PartyRow

T = TypeVar("T")

#: Rows per INSERT batch.
_CHUNK = 5_000
#: Separator of party ids aggregated into one string (ASCII unit separator).
_SEP = "\x1f"
#: Bound parameters per IN (...) query (SQLite allows 32,766).
_IN_CHUNK = 900


class PartyError(ValueError):
    """A party cannot be kept or found as asked."""


def compute_keys(queries: list[PartyQuery]) -> list[set[str]]:
    """:func:`~chokepoint.monitor.keys.party_keys` of each query (the unit
    of work of :class:`KeyWorkers`)."""
    return [party_keys(q) for q in queries]


class KeyWorkers:
    """Retrieval keys of batches of parties computed in worker processes,
    handed back in the order the batches were given.

    Normalising a name (rigour) is most of the cost of keeping a party;
    for a large import the workers normalise the next batches while this
    process writes the current one. The workers are forked when the object
    is made (create it before starting threads such as progress bars), with
    the collector frozen meanwhile so that they share this process's memory
    (a loaded screener) copy-on-write; where fork is not available they are
    spawned. At most ``ahead`` batches are in flight, so memory stays bounded
    whatever the file size::

        with KeyWorkers(2) as workers:
            for pairs, extra, keys in workers.map((pairs, extra) for ...):  # pairs: [(id, query), ...]
                base.keep(pairs, source="import", keys=keys)
    """

    def __init__(self, workers: int = 2, ahead: int = 4) -> None:
        context = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        prepare_normalizer()
        gc.freeze()
        try:
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
            # the first task starts every worker (fork: all at once, now)
            self.pool.submit(int).result()
        finally:
            gc.unfreeze()
        self.ahead = max(1, ahead)

    def __enter__(self) -> "KeyWorkers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def map(self, items: Iterable[tuple[list[tuple[str, PartyQuery]], T]]
            ) -> Iterator[tuple[list[tuple[str, PartyQuery]], T, dict[str, set[str]]]]:
        """For each ``(pairs, extra)``: ``(pairs, extra, {party id: keys})``,
        in order; ``extra`` is passed through untouched."""
        pending: deque[tuple[list, T, Future]] = deque()
        for pairs, extra in items:
            pending.append((pairs, extra, self.pool.submit(compute_keys, [q for _, q in pairs])))
            while len(pending) > self.ahead:
                yield _done(*pending.popleft())
        while pending:
            yield _done(*pending.popleft())


def with_keys(items: Iterable[tuple[list[tuple[str, PartyQuery]], T]], workers: KeyWorkers | None = None
              ) -> Iterator[tuple[list[tuple[str, PartyQuery]], T, dict[str, set[str]]]]:
    """:meth:`KeyWorkers.map` on ``workers``, or the same computed in this
    process when there are none."""
    if workers is not None:
        yield from workers.map(items)
        return
    for pairs, extra in items:
        yield pairs, extra, {party_id: keys for (party_id, _q), keys in zip(pairs, compute_keys([q for _, q in pairs]))}


def _done(pairs: list[tuple[str, PartyQuery]], extra, future: Future) -> tuple:
    keys = future.result()
    return pairs, extra, {party_id: k for (party_id, _q), k in zip(pairs, keys)}


#: Core tables: bulk inserts skip the ORM's per-row bookkeeping
_PARTIES = PartyRow.__table__
_PARTY_KEYS = PartyNameKeyRow.__table__


def _insert_keys(session: Session, key_rows: list[tuple[str, str]]) -> None:
    """Insert (key, party id) rows, sorted so that they land in neighbouring
    pages of the (key, party) tree; on SQLite straight through the driver
    (the rows are plain strings: ~10x less work than a Core executemany)."""
    key_rows.sort()
    conn = session.connection()
    if conn.dialect.paramstyle == "qmark":
        conn.exec_driver_sql(f"INSERT INTO {_PARTY_KEYS.name} (key, party_id) VALUES (?, ?)", key_rows)
    else:
        session.execute(insert(_PARTY_KEYS), [{"key": k, "party_id": p} for k, p in key_rows])


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
             results: dict[str, dict] | None = None, keys: dict[str, set[str]] | None = None) -> KeepReport:
        """Keep (insert or replace) parties by id; one transaction per call,
        so a failing batch keeps nothing of itself. ``keys`` may hold the
        parties' retrieval keys computed beforehand (:class:`KeyWorkers`);
        the others are computed here."""
        report = KeepReport()
        batch: list[tuple[str, dict, str, set[str]]] = []
        precomputed = keys or {}
        for party_id, query in parties:
            if not party_id or len(party_id) > 200:
                raise PartyError(f"party id {party_id!r} must have 1 to 200 characters")
            if not query.names:
                raise PartyError(f"party {party_id}: no name")
            data = party_data(query)
            given = precomputed.get(party_id)
            batch.append((party_id, data, party_key(data), party_keys(query) if given is None else given))
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
            key_rows: list[tuple[str, str]] = []
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
                key_rows.extend((k, party_id) for k in keys)
                if len(rows) >= _CHUNK:
                    session.execute(insert(_PARTIES), rows)
                    rows = []
                if len(key_rows) >= _CHUNK * 10:
                    _insert_keys(session, key_rows)
                    key_rows = []
            if rows:
                session.execute(insert(_PARTIES), rows)
            if key_rows:
                _insert_keys(session, key_rows)
        return report

    def rekey(self, chunk: int = 2_000, workers: KeyWorkers | None = None,
              progress: Callable[[int], None] | None = None) -> int:
        """Compute every kept party's retrieval keys again (after a release
        that changes them) and replace the stored ones, one transaction per
        ``chunk`` parties so that a failure leaves every party with either
        its old or its new keys. Returns the number of parties re-keyed."""
        def batches() -> Iterator[tuple[list[tuple[str, PartyQuery]], None]]:
            batch: list[tuple[str, PartyQuery]] = []
            for party in self.iter_all():
                batch.append((party.id, party.query()))
                if len(batch) >= chunk:
                    yield batch, None
                    batch = []
            if batch:
                yield batch, None

        done = 0
        for pairs, _extra, keys in with_keys(batches(), workers):
            ids = [party_id for party_id, _ in pairs]
            with Session(self.engine) as session, session.begin():
                for start in range(0, len(ids), _IN_CHUNK):
                    session.execute(delete(PartyNameKeyRow).where(
                        PartyNameKeyRow.party_id.in_(ids[start:start + _IN_CHUNK])))
                _insert_keys(session, [(k, party_id) for party_id in ids for k in keys[party_id]])
            done += len(ids)
            if progress is not None:
                progress(done)
        return done

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
        with self.engine.connect() as conn:  # Core rows: no ORM identity map for thousands of parties
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start:start + _IN_CHUNK]
                for row in conn.execute(select(_PARTIES).where(_PARTIES.c.id.in_(chunk))):
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

    def postings_positions(self, keys: Iterable[str], positions: dict[str, int],
                           ids: list[str]) -> dict[str, np.ndarray]:
        """key → positions of the parties stored under it, as a sorted array;
        ``positions`` (party id → position) and ``ids`` (position → party
        id) are extended with parties not in them yet.

        On SQLite and PostgreSQL each key's party ids come back as one
        string (``group_concat`` / ``string_agg``): at a million parties a
        delta reads millions of postings, and one row per key instead of
        one per posting is several times faster."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, list[str]] = {}
        table = _PARTY_KEYS
        with self.engine.connect() as conn:
            dialect = conn.dialect.name
            agg = None
            if dialect == "sqlite":
                agg = func.group_concat(table.c.party_id, _SEP)
            elif dialect == "postgresql":
                agg = func.string_agg(table.c.party_id, _SEP)
            for start in range(0, len(keys), _IN_CHUNK):
                chunk = keys[start:start + _IN_CHUNK]
                if agg is None:
                    for key, party_id in conn.execute(select(table.c.key, table.c.party_id).where(
                            table.c.key.in_(chunk))):
                        found.setdefault(key, []).append(party_id)
                    continue
                redo = []
                for key, count, joined in conn.execute(select(table.c.key, func.count(), agg).where(
                        table.c.key.in_(chunk)).group_by(table.c.key)):
                    parts = joined.split(_SEP)
                    if len(parts) == count:
                        found[key] = parts
                    else:  # an id holds the separator
                        redo.append(key)
                for key in redo:
                    found[key] = list(conn.execute(select(table.c.party_id).where(table.c.key == key)).scalars())
        out: dict[str, np.ndarray] = {}
        for key, party_ids in found.items():
            arr = []
            for party_id in party_ids:
                p = positions.get(party_id)
                if p is None:
                    p = positions[party_id] = len(ids)
                    ids.append(party_id)
                arr.append(p)
            out[key] = np.unique(np.asarray(arr, dtype=np.int64))
        return out
