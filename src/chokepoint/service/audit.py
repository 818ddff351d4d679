"""The audit log: one append-only, hash-chained record per screening call
and admin action.

Each record is numbered (``seq``, no gaps) and carries
``hash = sha256(prev_hash || canonical JSON of the record)``, where the
canonical JSON holds every column but ``hash`` (keys sorted, UTC times).
Editing a row changes its hash; deleting or reordering rows breaks the
``seq``/``prev_hash`` links; :meth:`AuditLog.verify` finds the first such
record.

Appends are serialised: on PostgreSQL by a transaction-scoped advisory
lock, on SQLite by its single-writer lock; in both, ``seq`` is the primary
key, so two writers can never both extend the chain from the same record.
In the service, :class:`AuditWriter` groups concurrent calls into one
transaction (group commit), and a call is answered only once its record
is committed.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timezone

import orjson
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from chokepoint.service.tables import AuditRow

GENESIS = "0" * 64
#: Arbitrary constant naming the PostgreSQL advisory lock of the chain.
_PG_LOCK = 0x63686F6B


@dataclass
class AuditEntry:
    """A record to append (``seq``, hashes and time are assigned on append)."""

    kind: str
    actor: str
    channel: str = "api"
    actor_id: str | None = None
    client: str | None = None
    summary: dict = field(default_factory=dict)
    request: dict = field(default_factory=dict)
    response: dict = field(default_factory=dict)
    algorithm: str | None = None
    algorithm_version: str | None = None
    list_versions: list = field(default_factory=list)
    call_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    call_id: str
    at: datetime
    kind: str
    channel: str
    actor: str
    actor_id: str | None
    client: str | None
    summary: dict
    request: dict
    response: dict
    algorithm: str | None
    algorithm_version: str | None
    list_versions: list
    prev_hash: str
    hash: str

    def to_json(self) -> dict:
        return {**record_body(self.__dict__), "hash": self.hash}


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    call_id: str | None
    problem: str


@dataclass(frozen=True)
class VerifyReport:
    records: int
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


_BODY_FIELDS = ("seq", "call_id", "at", "kind", "channel", "actor", "actor_id", "client", "summary",
                "request", "response", "algorithm", "algorithm_version", "list_versions", "prev_hash")


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def record_body(values: dict) -> dict:
    body = {k: values[k] for k in _BODY_FIELDS}
    body["at"] = _iso(body["at"])
    return body


def canonical(values: dict) -> bytes:
    return orjson.dumps(record_body(values), option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def chain_hash(prev_hash: str, values: dict) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(values)).hexdigest()


def _record(row: AuditRow) -> AuditRecord:
    return AuditRecord(**{k: getattr(row, k) for k in _BODY_FIELDS}, hash=row.hash)


class AuditLog:
    """Append to, read and verify the audit chain."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def append(self, entries: list[AuditEntry], attempts: int = 20) -> list[AuditRecord]:
        """Append entries in order, in one transaction; retried when another
        writer extended the chain first."""
        for attempt in range(attempts):
            try:
                return self._append_once(entries)
            except (IntegrityError, OperationalError):
                if attempt == attempts - 1:
                    raise
                time.sleep(0.005 * (attempt + 1))
        raise AssertionError("unreachable")

    def _append_once(self, entries: list[AuditEntry]) -> list[AuditRecord]:
        records: list[AuditRecord] = []
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "sqlite":
                # take the write lock before reading the head, so a second
                # process waits (busy timeout) instead of failing its upgrade
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            elif self.engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
            last = conn.execute(select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)).first()
            seq, prev = (last[0], last[1]) if last else (0, GENESIS)
            rows = []
            for entry in entries:
                seq += 1
                values = {**entry.__dict__, "seq": seq, "prev_hash": prev,
                          "at": entry.at.astimezone(timezone.utc)}
                # what is stored is what was hashed: JSON round-trip now
                for key in ("summary", "request", "response", "list_versions"):
                    values[key] = orjson.loads(orjson.dumps(values[key], option=orjson.OPT_NON_STR_KEYS))
                digest = chain_hash(prev, values)
                row = {k: values[k] for k in _BODY_FIELDS}
                row["hash"] = digest
                rows.append(row)
                records.append(AuditRecord(**row))
                prev = digest
            # Core executemany: the ORM unit of work costs more than the
            # whole rest of an append for these wide rows
            conn.execute(insert(AuditRow.__table__), rows)
            conn.commit()
        return records

    def get(self, call_id: str) -> AuditRecord | None:
        with Session(self.engine) as session:
            row = session.execute(select(AuditRow).where(AuditRow.call_id == call_id)).scalar_one_or_none()
            return None if row is None else _record(row)

    def count(self) -> int:
        with Session(self.engine) as session:
            return session.execute(select(func.count()).select_from(AuditRow)).scalar_one()

    def records(self, kind: str | None = None, since: datetime | None = None, until: datetime | None = None,
                actor: str | None = None, limit: int | None = None, newest_first: bool = True) -> list[AuditRecord]:
        query = select(AuditRow)
        if kind:
            query = query.where(AuditRow.kind == kind)
        if since:
            query = query.where(AuditRow.at >= since)
        if until:
            query = query.where(AuditRow.at < until)
        if actor:
            query = query.where(AuditRow.actor == actor)
        query = query.order_by(AuditRow.seq.desc() if newest_first else AuditRow.seq)
        if limit:
            query = query.limit(limit)
        with Session(self.engine) as session:
            return [_record(r) for r in session.execute(query).scalars()]

    def iter_chain(self, batch: int = 1000) -> Iterator[AuditRecord]:
        last = 0
        while True:
            with Session(self.engine) as session:
                rows = session.execute(
                    select(AuditRow).where(AuditRow.seq > last).order_by(AuditRow.seq).limit(batch)
                ).scalars().all()
                records = [_record(r) for r in rows]
            if not records:
                return
            yield from records
            last = records[-1].seq

    def verify(self) -> VerifyReport:
        """Walk the chain from the start; report the first broken record."""
        expected_seq, prev, count = 1, GENESIS, 0
        for record in self.iter_chain():
            count += 1
            if record.seq != expected_seq:
                return VerifyReport(count, ChainBreak(expected_seq, None,
                                                      f"record {expected_seq} is missing (next is {record.seq})"))
            if record.prev_hash != prev:
                return VerifyReport(count, ChainBreak(record.seq, record.call_id,
                                                      "prev_hash does not match the previous record's hash"))
            if chain_hash(prev, record.__dict__) != record.hash:
                return VerifyReport(count, ChainBreak(record.seq, record.call_id,
                                                      "content does not match its hash (edited)"))
            prev, expected_seq = record.hash, expected_seq + 1
        return VerifyReport(count, None)


class AuditWriter:
    """Appends from many request handlers through one thread, many
    records per transaction; each caller waits on its own future."""

    def __init__(self, log: AuditLog, max_batch: int = 200) -> None:
        self.log = log
        self.max_batch = max_batch
        self._queue: queue.Queue[tuple[AuditEntry, Future] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    def submit(self, entry: AuditEntry) -> Future:
        future: Future = Future()
        self._queue.put((entry, future))
        return future

    def close(self, timeout: float = 10.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            try:
                records = self.log.append([entry for entry, _ in batch])
            except Exception as exc:  # every waiting call learns of it
                for _, future in batch:
                    future.set_exception(exc)
            else:
                for (_, future), record in zip(batch, records):
                    future.set_result(record)
            if stop:
                return


EXPORT_COLUMNS = ("seq", "call_id", "at", "kind", "channel", "actor", "actor_id", "client", "algorithm",
                  "algorithm_version", "list_versions", "summary", "prev_hash", "hash")


def export_records(records: list[AuditRecord], fmt: str) -> str:
    """Records as CSV (summary columns; JSON for nested values) or JSON
    lines (whole records, each verifiable against its hash)."""
    import csv
    import io

    if fmt == "jsonl":
        return "".join(orjson.dumps(r.to_json()).decode() + "\n" for r in records)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for r in records:
        data = r.to_json()
        writer.writerow([data[c] if not isinstance(data[c], (dict, list)) else orjson.dumps(data[c]).decode()
                         for c in EXPORT_COLUMNS])
    return buffer.getvalue()
