"""The versioned list store.

Every load of a source becomes an immutable :class:`ListVersion`; its
entities are stored in full, so any version can be read, screened against
or diffed later. A version becomes *active* (what screening uses) in the
same transaction that stores it, so readers see either the old complete
version or the new complete version, never a mix. Loading byte-identical
files again is a no-op.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import orjson
from followthemoney import EntityProxy, model, registry
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from chokepoint.db import make_engine, migrate
from chokepoint.lists.parsers.base import TARGET_SCHEMATA, ParseResult
from chokepoint.lists.tables import DatasetRow, ListEntityRefRow, ListEntityRow, ListVersionRow
from chokepoint.settings import Settings

_CHUNK = 5000
#: Warning messages kept per version (all are counted).
_WARNINGS_KEPT = 200


@dataclass(frozen=True)
class ListVersion:
    """One immutable loaded version of one list."""

    id: str
    dataset: str
    format: str
    sha256: str
    published: date | None
    loaded_at: datetime
    entity_count: int
    target_count: int
    schemata: dict[str, int]
    files: dict[str, str]
    warnings: dict
    source: str
    active: bool = False

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "dataset": self.dataset,
            "format": self.format,
            "sha256": self.sha256,
            "published": self.published.isoformat() if self.published else None,
            "loaded_at": self.loaded_at.isoformat(),
            "entity_count": self.entity_count,
            "target_count": self.target_count,
            "schemata": self.schemata,
            "files": self.files,
            "warnings": self.warnings.get("counts", {}),
            "active": self.active,
        }


@dataclass(frozen=True)
class StoredEntity:
    """An entity as stored in one version, with its history dates."""

    version_id: str
    data: dict
    target: bool
    first_seen: datetime | None
    last_change: datetime | None

    @property
    def id(self) -> str:
        return self.data["id"]


@dataclass
class LoadOutcome:
    """What :meth:`ListStore.load` did."""

    version: ListVersion
    created: bool
    activated: bool
    note: str = ""


@dataclass
class EntityChange:
    entity_id: str
    caption: str
    schema: str
    #: property name -> {"added": [...], "removed": [...]}
    changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"id": self.entity_id, "caption": self.caption, "schema": self.schema, "changes": self.changes}


@dataclass
class ListDiff:
    dataset: str
    from_version: ListVersion
    to_version: ListVersion
    added: list[EntityChange]
    removed: list[EntityChange]
    changed: list[EntityChange]

    def to_json(self) -> dict:
        return {
            "dataset": self.dataset,
            "from_version": self.from_version.id,
            "to_version": self.to_version.id,
            "counts": {"added": len(self.added), "removed": len(self.removed), "changed": len(self.changed)},
            "added": [c.to_json() for c in self.added],
            "removed": [c.to_json() for c in self.removed],
            "changed": [c.to_json() for c in self.changed],
        }


class StoreError(ValueError):
    """A request the store cannot satisfy (unknown dataset or version)."""


def version_id(dataset: str, sha256: str) -> str:
    """Deterministic: the same files give the same version id anywhere."""
    return f"{dataset}@{sha256[:12]}"


def entity_content_hash(data: dict) -> str:
    """Hash of what an entity says (schema and properties), not of where
    it was loaded, so unchanged entities hash equal across versions."""
    props = {k: sorted(v) for k, v in (data.get("properties") or {}).items()}
    blob = orjson.dumps({"schema": data["schema"], "properties": props}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(blob).hexdigest()


def version_date(row: ListVersionRow) -> datetime:
    """The date a version stands for: its publication date, else its load time."""
    if row.published is not None:
        return datetime(row.published.year, row.published.month, row.published.day, tzinfo=timezone.utc)
    return _as_utc(row.loaded_at)


def entity_refs(vid: str, entity: EntityProxy) -> list[dict]:
    """Rows of ``list_entity_refs`` for the entity-typed properties of one entity."""
    out = []
    for prop in entity.schema.properties.values():
        if prop.type != registry.entity:
            continue
        for ref in set(entity.get(prop, quiet=True)):
            out.append({"version_id": vid, "entity_id": entity.id, "prop": prop.name, "ref_id": ref})
    return out


def _context_time(data: dict, key: str) -> datetime | None:
    """A ``first_seen``/``last_change`` a source gave itself (FtM exports)."""
    value = data.get(key)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return _as_utc(parsed)


def _maybe_utc(value: datetime | None) -> datetime | None:
    return None if value is None else _as_utc(value)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class ListStore:
    """Versioned storage of list entities on SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, settings: Settings) -> "ListStore":
        """Open (and migrate) the store the settings point at."""
        engine = make_engine(settings)
        migrate(engine)
        return cls(engine)

    # --- loading --------------------------------------------------------

    def load(self, result: ParseResult, source: str, activate: bool | None = None) -> LoadOutcome:
        """Store a completely parsed source as a new version.

        ``activate``: True/False forces; None (default) activates unless the
        active version has a later publication date than this one.
        """
        vid = version_id(result.dataset, result.sha256)
        with Session(self.engine) as session, session.begin():
            existing = session.get(ListVersionRow, vid)
            dataset_row = session.get(DatasetRow, result.dataset, with_for_update=True)
            if existing is not None:
                active = dataset_row is not None and dataset_row.active_version_id == vid
                return LoadOutcome(self._version(existing, active), created=False, activated=False,
                                   note="identical files already loaded")
            row = self._version_row(vid, result, source)
            session.add(row)
            session.flush()
            self._insert_entities(session, row, result.entities)
            if dataset_row is None:
                dataset_row = DatasetRow(name=result.dataset)
                session.add(dataset_row)
            should_activate, note = self._should_activate(session, dataset_row, result, activate)
            if should_activate:
                dataset_row.active_version_id = vid
                dataset_row.activated_at = _utcnow()
            session.flush()
            return LoadOutcome(self._version(row, should_activate), created=True,
                               activated=should_activate, note=note)

    def _should_activate(
        self, session: Session, dataset_row: DatasetRow, result: ParseResult, activate: bool | None
    ) -> tuple[bool, str]:
        if activate is not None:
            return activate, "" if activate else "stored, not activated"
        if dataset_row.active_version_id is None:
            return True, ""
        current = session.get(ListVersionRow, dataset_row.active_version_id)
        if current and current.published and result.published and result.published < current.published:
            return False, (f"published {result.published} is older than the active version "
                           f"({current.published}); stored but not activated")
        return True, ""

    def _version_row(self, vid: str, result: ParseResult, source: str) -> ListVersionRow:
        schemata = Counter(e.schema.name for e in result.entities)
        warnings = {
            "counts": result.warning_counts(),
            "messages": [str(w) for w in result.warnings[:_WARNINGS_KEPT]],
        }
        return ListVersionRow(
            id=vid,
            dataset=result.dataset,
            format=result.format,
            sha256=result.sha256,
            published=result.published,
            loaded_at=_utcnow(),
            entity_count=len(result.entities),
            target_count=sum(n for s, n in schemata.items() if s in TARGET_SCHEMATA),
            schemata=dict(sorted(schemata.items())),
            files=result.files,
            warnings=warnings,
            source=source,
        )

    def _insert_entities(self, session: Session, row: ListVersionRow, entities: Iterable[EntityProxy]) -> None:
        """Insert the version's entities, their links, and when each was
        first seen and last changed (carried over from the version before)."""
        vid = row.id
        dated = version_date(row)
        history = self._history_before(session, row)
        batch: list[dict] = []
        refs: list[dict] = []
        for entity in entities:
            data = entity.to_dict()
            content_hash = entity_content_hash(data)
            before = history.get(entity.id)
            first_seen = _context_time(data, "first_seen") or (before[1] if before else None) or dated
            if before is not None and before[0] == content_hash:
                last_change = before[2] or dated
            else:
                last_change = _context_time(data, "last_change") or dated
            batch.append(
                {
                    "version_id": vid,
                    "entity_id": entity.id,
                    "schema": entity.schema.name,
                    "target": entity.schema.name in TARGET_SCHEMATA,
                    "source_id": entity.context.get("source_id"),
                    "caption": entity.caption,
                    "content_hash": content_hash,
                    "data": data,
                    "first_seen": first_seen,
                    "last_change": last_change,
                }
            )
            refs.extend(entity_refs(vid, entity))
            if len(batch) >= _CHUNK:
                session.execute(insert(ListEntityRow), batch)
                batch = []
            if len(refs) >= _CHUNK:
                session.execute(insert(ListEntityRefRow), refs)
                refs = []
        if batch:
            session.execute(insert(ListEntityRow), batch)
        if refs:
            session.execute(insert(ListEntityRefRow), refs)

    def _history_before(self, session: Session, row: ListVersionRow) -> dict[str, tuple]:
        """entity id → (content hash, first seen, last change) in the
        dataset's version preceding ``row`` (by publication, then load)."""
        others = session.execute(
            select(ListVersionRow).where(ListVersionRow.dataset == row.dataset, ListVersionRow.id != row.id)
        ).scalars().all()
        key = (row.published or date.min, _as_utc(row.loaded_at))
        earlier = [v for v in others if (v.published or date.min, _as_utc(v.loaded_at)) <= key]
        if not earlier:
            return {}
        previous = max(earlier, key=lambda v: (v.published or date.min, _as_utc(v.loaded_at)))
        query = select(ListEntityRow.entity_id, ListEntityRow.content_hash, ListEntityRow.first_seen,
                       ListEntityRow.last_change).where(ListEntityRow.version_id == previous.id)
        return {eid: (h, _maybe_utc(f), _maybe_utc(c)) for eid, h, f, c in session.execute(query)}

    def activate(self, vid: str) -> ListVersion:
        """Make an already stored version the active one of its dataset."""
        with Session(self.engine) as session, session.begin():
            row = session.get(ListVersionRow, vid)
            if row is None:
                raise StoreError(f"no list version {vid!r}")
            session.execute(
                update(DatasetRow)
                .where(DatasetRow.name == row.dataset)
                .values(active_version_id=vid, activated_at=_utcnow())
            )
            return self._version(row, True)

    # --- reading ----------------------------------------------------------

    def _version(self, row: ListVersionRow, active: bool) -> ListVersion:
        return ListVersion(
            id=row.id,
            dataset=row.dataset,
            format=row.format,
            sha256=row.sha256,
            published=row.published,
            loaded_at=_as_utc(row.loaded_at),
            entity_count=row.entity_count,
            target_count=row.target_count,
            schemata=dict(row.schemata),
            files=dict(row.files),
            warnings=dict(row.warnings),
            source=row.source,
            active=active,
        )

    def _active_ids(self, session: Session) -> set[str]:
        rows = session.execute(select(DatasetRow.active_version_id)).scalars()
        return {r for r in rows if r}

    def versions(self, dataset: str | None = None) -> list[ListVersion]:
        """All versions, newest first (by publication date, then load time)."""
        with Session(self.engine) as session:
            active = self._active_ids(session)
            query = select(ListVersionRow)
            if dataset is not None:
                query = query.where(ListVersionRow.dataset == dataset)
            rows = session.execute(query).scalars().all()
            versions = [self._version(r, r.id in active) for r in rows]
        return sorted(versions, key=lambda v: (v.published or date.min, v.loaded_at), reverse=True)

    def active_version_ids(self) -> set[str]:
        """The active version id of every dataset (cheap: one small query)."""
        with Session(self.engine) as session:
            return self._active_ids(session)

    def active_versions(self) -> list[ListVersion]:
        return sorted((v for v in self.versions() if v.active), key=lambda v: v.dataset)

    def get_version(self, vid: str) -> ListVersion:
        with Session(self.engine) as session:
            row = session.get(ListVersionRow, vid)
            if row is None:
                raise StoreError(f"no list version {vid!r}")
            return self._version(row, row.id in self._active_ids(session))

    def datasets(self) -> list[str]:
        with Session(self.engine) as session:
            return sorted(session.execute(select(DatasetRow.name)).scalars())

    def entities(self, vid: str, targets_only: bool = False) -> Iterator[EntityProxy]:
        """The entities of one version as FollowTheMoney proxies."""
        query = select(ListEntityRow.data).where(ListEntityRow.version_id == vid)
        if targets_only:
            query = query.where(ListEntityRow.target.is_(True))
        with self.engine.connect() as conn:
            for (data,) in conn.execution_options(yield_per=_CHUNK).execute(query):
                yield model.get_proxy(data, cleaned=True)

    def entities_with_dates(self, vid: str, targets_only: bool = False) -> Iterator[tuple[EntityProxy, datetime | None]]:
        """Like :meth:`entities`, with each entity's last change date."""
        query = select(ListEntityRow.data, ListEntityRow.last_change).where(ListEntityRow.version_id == vid)
        if targets_only:
            query = query.where(ListEntityRow.target.is_(True))
        with self.engine.connect() as conn:
            for data, last_change in conn.execution_options(yield_per=_CHUNK).execute(query):
                yield model.get_proxy(data, cleaned=True), _maybe_utc(last_change)

    def get_entity(self, entity_id: str, vid: str | None = None) -> EntityProxy | None:
        """An entity from a given version, or from the active version of
        its dataset when no version is named."""
        with Session(self.engine) as session:
            query = select(ListEntityRow.data).where(ListEntityRow.entity_id == entity_id)
            if vid is None:
                query = query.where(ListEntityRow.version_id.in_(self._active_ids(session)))
            else:
                query = query.where(ListEntityRow.version_id == vid)
            data = session.execute(query.limit(1)).scalar_one_or_none()
        return None if data is None else model.get_proxy(data, cleaned=True)

    def stored_entity(self, entity_id: str, vid: str | None = None) -> StoredEntity | None:
        """Like :meth:`get_entity`, with the version and history dates."""
        found = self.stored_entities([entity_id], vid)
        return found.get(entity_id)

    def stored_entities(self, entity_ids: Iterable[str], vid: str | None = None) -> dict[str, StoredEntity]:
        """Entities by id from one version (or the active versions)."""
        ids = sorted(set(entity_ids))
        out: dict[str, StoredEntity] = {}
        if not ids:
            return out
        with Session(self.engine) as session:
            versions = [vid] if vid is not None else sorted(self._active_ids(session))
            for start in range(0, len(ids), 500):
                query = select(ListEntityRow.version_id, ListEntityRow.data, ListEntityRow.target,
                               ListEntityRow.first_seen, ListEntityRow.last_change).where(
                    ListEntityRow.entity_id.in_(ids[start : start + 500]), ListEntityRow.version_id.in_(versions))
                for version, data, target, first, last in session.execute(query):
                    out.setdefault(data["id"], StoredEntity(version, data, bool(target), _maybe_utc(first),
                                                            _maybe_utc(last)))
        return out

    def referencing(self, entity_id: str, vid: str) -> list[tuple[str, StoredEntity]]:
        """(property, entity) for every entity of version ``vid`` that points
        at ``entity_id`` through that property (sanctions, ownerships …)."""
        query = select(ListEntityRefRow.entity_id, ListEntityRefRow.prop).where(
            ListEntityRefRow.version_id == vid, ListEntityRefRow.ref_id == entity_id)
        with Session(self.engine) as session:
            pairs = session.execute(query.order_by(ListEntityRefRow.entity_id, ListEntityRefRow.prop)).all()
        found = self.stored_entities([e for e, _ in pairs], vid)
        return [(prop, found[e]) for e, prop in pairs if e in found]

    # --- comparing --------------------------------------------------------

    def diff(self, dataset: str, from_id: str | None = None, to_id: str | None = None) -> ListDiff:
        """Added, removed and changed listed entities between two versions
        (default: the two newest versions of the dataset)."""
        versions = self.versions(dataset)
        if not versions:
            raise StoreError(f"no versions of dataset {dataset!r} are loaded")
        to_version = self.get_version(to_id) if to_id else versions[0]
        if from_id:
            from_version = self.get_version(from_id)
        else:
            # the newest version before `to` (versions are newest first)
            position = next((i for i, v in enumerate(versions) if v.id == to_version.id), None)
            older = versions[position + 1:] if position is not None else []
            if len(versions) == 1:
                raise StoreError(f"dataset {dataset!r} has only one version; nothing to diff")
            if not older:
                raise StoreError(f"{to_version.id} is the oldest version of {dataset!r}; nothing to diff")
            from_version = older[0]
        for v in (from_version, to_version):
            if v.dataset != dataset:
                raise StoreError(f"version {v.id} belongs to {v.dataset}, not {dataset}")
        old = self._hashes(from_version.id)
        new = self._hashes(to_version.id)
        added_ids = sorted(new.keys() - old.keys())
        removed_ids = sorted(old.keys() - new.keys())
        changed_ids = sorted(k for k in new.keys() & old.keys() if new[k] != old[k])
        old_data = self._entity_data(from_version.id, removed_ids + changed_ids)
        new_data = self._entity_data(to_version.id, added_ids + changed_ids)
        return ListDiff(
            dataset=dataset,
            from_version=from_version,
            to_version=to_version,
            added=[_summary(new_data[i]) for i in added_ids],
            removed=[_summary(old_data[i]) for i in removed_ids],
            changed=[_change(old_data[i], new_data[i]) for i in changed_ids],
        )

    def _hashes(self, vid: str) -> dict[str, str]:
        query = select(ListEntityRow.entity_id, ListEntityRow.content_hash).where(
            ListEntityRow.version_id == vid, ListEntityRow.target.is_(True)
        )
        with self.engine.connect() as conn:
            return dict(conn.execute(query).all())

    def _entity_data(self, vid: str, ids: list[str]) -> dict[str, dict]:
        out: dict[str, dict] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                query = select(ListEntityRow.entity_id, ListEntityRow.data).where(
                    ListEntityRow.version_id == vid, ListEntityRow.entity_id.in_(chunk)
                )
                out.update(conn.execute(query).all())
        return out


def _caption(data: dict) -> str:
    proxy = model.get_proxy(data, cleaned=True)
    return proxy.caption


def _summary(data: dict) -> EntityChange:
    return EntityChange(data["id"], _caption(data), data["schema"])


def _change(old: dict, new: dict) -> EntityChange:
    change = _summary(new)
    old_props = old.get("properties") or {}
    new_props = new.get("properties") or {}
    for prop in sorted(old_props.keys() | new_props.keys()):
        before = set(old_props.get(prop, []))
        after = set(new_props.get(prop, []))
        if before != after:
            change.changes[prop] = {"added": sorted(after - before), "removed": sorted(before - after)}
    if old["schema"] != new["schema"]:
        change.changes["schema"] = {"added": [new["schema"]], "removed": [old["schema"]]}
    return change
