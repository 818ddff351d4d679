"""OpenSanctions / FollowTheMoney entities, loaded as they are.

Three shapes of JSON lines, one JSON object per line:

* plain FtM (``entities.ftm.json``): ``{"id", "schema", "properties",
  "datasets", "referents", "first_seen", "last_seen", "last_change",
  "target", "caption"}``;
* nested FtM (``targets.nested.json``): property values may be whole
  entity dicts (adjacent entities, also under reverse "stub" properties such
  as ``Person.familyPerson``). They are flattened into separate entities and
  the property keeps the nested entity's id;
* deltas (``entities.delta.json``): ``{"op": "ADD"|"MOD"|"DEL", "entity":
  {...}}``. Ops are applied in order: ADD and MOD put the full entity, DEL
  removes it.

``path`` may also be a folder: one holding ``delta.json`` (the version
index: every version folder's ``entities.delta.json`` is applied in version
order), or one holding ``entities.ftm.json`` / ``targets.nested.json``.

Entities keep their own (already stable) ids. Everything besides ``id``,
``schema`` and ``properties`` goes into ``entity.context``, plus
``source_id`` (= the id) as every chokepoint parser records it.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import orjson
from followthemoney import EntityProxy, model

from chokepoint.lists.parsers.base import (
    sniff_text,
    ListFormatError,
    ParseResult,
    WarningLog,
    decode_text,
    read_bytes,
    read_text,
    sha256_bytes,
)

FORMAT = "ftm_json"
DEFAULT_DATASET = "opensanctions"

#: Record keys kept in ``entity.context``.
CONTEXT_KEYS = ("datasets", "referents", "first_seen", "last_seen", "last_change", "target", "caption")

_HEAD_BYTES = 65536
_ENTITY_HEAD_RE = re.compile(r'^\s*\{\s*"(?:id|caption|schema|properties)"\s*:')
_DELTA_HEAD_RE = re.compile(r'^\s*\{\s*"op"\s*:\s*"(?:ADD|MOD|DEL)"')
_INDEX_HEAD_RE = re.compile(r'^\s*\{\s*"versions"\s*:\s*\{')
_FOLDER_FILES = ("entities.ftm.json", "targets.nested.json")
_DELTA_FILE = "entities.delta.json"
_INDEX_FILE = "delta.json"


# --- sniffing ---------------------------------------------------------------




def _sniff_file(path: Path) -> bool:
    head = sniff_text(path, _HEAD_BYTES)
    if _DELTA_HEAD_RE.match(head):
        return True
    if _INDEX_HEAD_RE.match(head):
        return '"updated_at"' in head
    first_line = head.split("\n", 1)[0]
    return bool(_ENTITY_HEAD_RE.match(first_line)) and '"schema"' in first_line and '"properties"' in first_line


def _folder_source(path: Path) -> Path | None:
    """The file a folder load reads: the delta index or an entity file."""
    for name in (_INDEX_FILE, *_FOLDER_FILES):
        for candidate in (path / name, path / f"{name}.gz"):
            if candidate.is_file() and _sniff_file(candidate):
                return candidate
    return None


def sniff(path: Path) -> bool:
    """True for FtM entity lines, delta lines, a delta index or a folder of them."""
    try:
        if path.is_dir():
            return _folder_source(path) is not None
        return path.is_file() and _sniff_file(path)
    except OSError:
        return False


# --- reading lines ------------------------------------------------------------


def _lines(path: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line; bad JSON raises."""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise ListFormatError(path, f"invalid JSON: {exc}", line=number) from exc
        if not isinstance(data, dict):
            raise ListFormatError(path, f"expected a JSON object, got {type(data).__name__}", line=number)
        yield number, data


def flatten(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Split a nested entity dict into flat dicts: nested entities become
    separate dicts, the property keeps their id. Values under reverse
    (stub) properties are dropped from the parent, since the nested entity
    holds the forward reference itself."""
    schema = model.get(data.get("schema") or "")
    out: list[dict[str, Any]] = []
    properties: dict[str, list[Any]] = {}
    for prop_name, values in (data.get("properties") or {}).items():
        prop = schema.get(prop_name) if schema is not None else None
        kept: list[Any] = []
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, dict):
                out.extend(flatten(value))
                if prop is not None and prop.stub:
                    continue
                value = value.get("id")
            if value is not None:
                kept.append(value)
        if kept:
            properties[prop_name] = kept
    return [{**data, "properties": properties}, *out]


class _EntitySet:
    """The entity dicts of a load in order, with op semantics and warnings."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def put(self, data: dict[str, Any], log: WarningLog, line: int, replace: bool) -> None:
        """Add an entity dict (and its nested ones). ``replace`` (delta
        ADD/MOD) swaps an existing entity; otherwise fragments with the same
        id are merged, as FtM does."""
        for index, item in enumerate(flatten(data)):
            entity_id = item.get("id")
            if not isinstance(entity_id, str) or not entity_id:
                log.add("missing_id", "entity without id; skipped", line=line)
                continue
            old = self.items.get(entity_id)
            if old is None or (replace and index == 0):
                self.items[entity_id] = item
            else:
                self.items[entity_id] = _merge_dicts(old, item)

    def delete(self, entity_id: Any, log: WarningLog, line: int) -> None:
        if not isinstance(entity_id, str) or self.items.pop(entity_id, None) is None:
            log.add("delete_unknown", f"DEL of unknown entity {entity_id!r}", line=line)


def _merge_dicts(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Merge two fragments of one entity (property values unioned)."""
    merged = {**old, **{k: v for k, v in new.items() if k != "properties"}}
    properties = {k: list(v) for k, v in (old.get("properties") or {}).items()}
    for prop, values in (new.get("properties") or {}).items():
        current = properties.setdefault(prop, [])
        current.extend(v for v in values if v not in current)
    merged["properties"] = properties
    return merged


def _apply_line(entities: _EntitySet, data: dict[str, Any], log: WarningLog, line: int) -> None:
    """One line: a delta op or a plain (possibly nested) entity."""
    op = data.get("op")
    if op is None:
        entities.put(data, log, line, replace=False)
        return
    entity = data.get("entity")
    if not isinstance(entity, dict):
        raise ListFormatError(log.path, f"delta op {op!r} without an entity object", line=line)
    if op == "DEL":
        entities.delete(entity.get("id"), log, line)
    elif op in ("ADD", "MOD"):
        if op == "MOD" and entity.get("id") not in entities.items:
            log.add("modify_unknown", f"MOD of unknown entity {entity.get('id')!r}; added", line=line)
        entities.put(entity, log, line, replace=True)
    else:
        raise ListFormatError(log.path, f"unknown delta op {op!r}", line=line)


# --- building proxies -----------------------------------------------------------


def _to_proxy(
    data: dict[str, Any], dataset: str, issues: Counter[tuple[str, str]], log: WarningLog
) -> EntityProxy | None:
    """An EntityProxy with validated properties and the record's context.
    Returns None (and warns) for an unknown schema; property problems are
    counted in ``issues`` as ``(code, "Schema.prop")``, so a big file with
    one systematic defect gives one warning, not a million."""
    schema = model.get(data.get("schema") or "")
    if schema is None:
        log.add("unknown_schema", f"unknown schema {data.get('schema')!r}; entity skipped", record=data["id"])
        return None
    entity = model.make_entity(schema)
    entity.id = data["id"]
    context: dict[str, Any] = {k: data[k] for k in CONTEXT_KEYS if data.get(k) not in (None, "")}
    context["datasets"] = list(data.get("datasets") or [dataset])
    context["source_id"] = data["id"]
    entity.context = context
    for prop_name, values in (data.get("properties") or {}).items():
        prop = schema.get(prop_name)
        if prop is None or prop.stub:
            issues[("unknown_property" if prop is None else "stub_property", f"{schema.name}.{prop_name}")] += 1
            continue
        values = [v if isinstance(v, str) else str(v) for v in (values if isinstance(values, list) else [values])]
        for value in values:
            if prop.type.name == "entity":
                entity.add(prop, value, cleaned=True)  # ids are kept as given
            elif entity.unsafe_add(prop, value) is None and value.strip():
                issues[("invalid_value", f"{schema.name}.{prop_name}")] += 1
    return entity


def _build(entities: _EntitySet, dataset: str, log: WarningLog) -> tuple[list[EntityProxy], date | None]:
    proxies: list[EntityProxy] = []
    issues: Counter[tuple[str, str]] = Counter()
    latest = ""
    for data in entities.items.values():
        proxy = _to_proxy(data, dataset, issues, log)
        if proxy is None:
            continue
        proxies.append(proxy)
        change = data.get("last_change")
        if isinstance(change, str) and change > latest:
            latest = change
    for (code, what), count in sorted(issues.items()):
        log.add(code, f"{what}: {count} value(s) skipped")
    try:
        published = date.fromisoformat(latest[:10]) if latest else None
    except ValueError:
        published = None
    return proxies, published


# --- loading files ----------------------------------------------------------------


def _load_lines(path: Path, entities: _EntitySet, log: WarningLog, allow_empty: bool) -> str:
    """Apply every line of one file; returns the file's sha256."""
    if allow_empty:
        raw = read_bytes(path)
        if not raw.strip():
            return sha256_bytes(raw)
        text, sha = decode_text(raw, path, log), sha256_bytes(raw)
    else:
        text, sha = read_text(path, log)
    for number, data in _lines(path, text):
        _apply_line(entities, data, log, number)
    return sha


def _load_delta_index(index: Path, entities: _EntitySet, log: WarningLog) -> tuple[dict[str, str], date | None]:
    """Apply each version of a delta index (``delta.json``) in order."""
    text, sha = read_text(index, log)
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ListFormatError(index, f"invalid JSON: {exc}", line=exc.lineno) from exc
    versions = data.get("versions") if isinstance(data, dict) else None
    if not isinstance(versions, dict):
        raise ListFormatError(index, "delta index without a 'versions' object")
    files = {index.name: sha}
    for version in sorted(versions):
        folder = index.parent / version
        candidates = [folder / _DELTA_FILE, folder / f"{_DELTA_FILE}.gz"]
        delta = next((c for c in candidates if c.is_file()), None)
        if delta is None:
            raise ListFormatError(index, f"version {version!r} has no {_DELTA_FILE} beside the index")
        version_log = WarningLog(delta)
        files[f"{version}/{_DELTA_FILE}"] = _load_lines(delta, entities, version_log, allow_empty=True)
        log.items.extend(version_log.items)
    updated = str(data.get("updated_at") or "")[:10]
    try:
        return files, date.fromisoformat(updated) if updated else None
    except ValueError:
        return files, None


def parse(path: Path, dataset: str = DEFAULT_DATASET) -> ParseResult:
    """Load FtM entity lines, nested lines, delta lines or a delta folder."""
    source = _folder_source(path) if path.is_dir() else path
    if source is None:
        raise ListFormatError(path, f"folder holds none of {_INDEX_FILE}, {', '.join(_FOLDER_FILES)}")
    log = WarningLog(source)
    entities = _EntitySet()
    index_date: date | None = None
    if source.name.removesuffix(".gz") == _INDEX_FILE and _INDEX_HEAD_RE.match(sniff_text(source, _HEAD_BYTES)):
        files, index_date = _load_delta_index(source, entities, log)
    else:
        files = {source.name.removesuffix(".gz"): _load_lines(source, entities, log, allow_empty=False)}
    proxies, published = _build(entities, dataset, log)
    if not proxies:
        raise ListFormatError(source, "no FollowTheMoney entities in the source")
    return ParseResult(dataset, FORMAT, proxies, files, published or index_date, log.items)
