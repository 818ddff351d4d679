"""Lists taken from the casslab-kaist restricted-parties compilation.

``restricted_parties.json`` is a JSON array of records::

    {"id": "rpl-…", "entity_type": "Unknown",
     "name": {"english", "native", "korean"}, "aliases": [...],
     "countries": ["이란"], "listing_rationale": "B,C,M,N", "remarks": "",
     "source": {"list_id", "list_name", "authority", "source_file", "source_row", …},
     "ingested_at": "2026-08-18T21:30:25+00:00"}

It compiles eight lists. chokepoint takes from it only the two it has no
better source for: the **Japan METI End User List** (``jp_meti_eul``) and
**Canada ISED Named Research Organizations** (``ca_ised_nrol``); the US
lists come from their own files (see :mod:`nsfreg_json`).

Quirks handled here:

* country names are Korean, sometimes several joined by ``/``
  (``"홍콩/중국"``); rigour's territory data resolves most Korean names and
  :data:`KOREAN_COUNTRIES` the rest;
* the ``id`` is a content hash made by the compiler (identical records share
  it), stable across re-compilations, so it is the source id;
* ``native`` names were added by the compiler, not published by METI: many
  are machine transliterations, some only half translated (Latin words left
  in Korean or Arabic script). Native names in a single script become
  ``alias``; mixed-script ones ``weakAlias``; the Korean translation is
  dropped (it is not a name the entity uses).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from followthemoney import EntityProxy

from chokepoint.lists.parsers.base import (
    sniff_text,
    ListFormatError,
    ParseResult,
    WarningLog,
    clean_country,
    make_sanction,
    make_target,
    parse_date,
    read_text,
    source_name,
)

FORMAT = "restricted_parties_json"
DEFAULT_DATASET = "jp_meti_eul"


@dataclass(frozen=True)
class ListInfo:
    """One list of the compilation that chokepoint loads."""

    list_id: str
    dataset: str
    program_id: str
    topic: str
    schema: str


#: Datasets this file provides, keyed by dataset name.
DATASETS: dict[str, ListInfo] = {
    "jp_meti_eul": ListInfo("jp-meti-end-user-list", "jp_meti_eul", "JP-METI-EUL", "export.control", "LegalEntity"),
    # Research-security list (funding of sensitive research), not an export control.
    "ca_ised_nrol": ListInfo(
        "ca-ised-named-research-organizations", "ca_ised_nrol", "CA-ISED-NRO", "export.risk", "Organization"
    ),
}

#: Korean country names of this file that rigour does not resolve, each
#: checked by hand (everything else resolves through FtM/rigour).
KOREAN_COUNTRIES: dict[str, str] = {
    "북한": "kp",  # North Korea
    "한국": "kr",  # (South) Korea
    "튀르키예": "tr",  # Türkiye
    "남아프리카공화국": "za",  # Republic of South Africa
    "북마케도니아": "mk",  # North Macedonia
    "호주": "au",  # Australia
}

#: METI's "type of WMD concern" codes in ``listing_rationale``.
METI_CONCERNS: dict[str, str] = {
    "B": "biological weapons",
    "C": "chemical weapons",
    "M": "missiles",
    "N": "nuclear weapons",
    "CW": "conventional weapons",
}

_SNIFF_RE = re.compile(r'^\s*\[\s*\{\s*"id"\s*:\s*"[^"]*"\s*,\s*"schema_version"\s*:')
_HEAD_BYTES = 2048




def sniff(path: Path) -> bool:
    """True for the compilation: an array of ``{"id", "schema_version", …}``
    records with ``entity_type`` and a ``name`` object."""
    try:
        if not path.is_file():
            return False
        head = sniff_text(path, _HEAD_BYTES)
    except OSError:
        return False
    return bool(_SNIFF_RE.match(head)) and '"entity_type"' in head and '"english"' in head


def korean_country(value: str) -> str | None:
    """ISO code for one Korean country name (``"이란"`` -> ``"ir"``)."""
    value = value.strip()
    return KOREAN_COUNTRIES.get(value) or clean_country(value)


def _scripts(text: str) -> set[str]:
    """Coarse scripts of the letters in ``text`` (LATIN, HANGUL, ARABIC…)."""
    found = set()
    for char in text:
        if char.isalpha():
            found.add(unicodedata.name(char, "UNKNOWN").split(" ")[0])
    return found


def _native_prop(native: str) -> str:
    """``alias`` for a single-script native name; ``weakAlias`` when Latin
    words are mixed with another script (a half-done machine translation)."""
    scripts = _scripts(native)
    return "weakAlias" if "LATIN" in scripts and len(scripts) > 1 else "alias"


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _load(path: Path, log: WarningLog) -> tuple[list[Any], str]:
    text, sha = read_text(path, log)
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ListFormatError(path, f"invalid JSON: {exc}", line=exc.lineno) from exc
    if not isinstance(data, list):
        raise ListFormatError(path, "not the restricted-parties compilation: top level is not an array")
    return data, sha


def _names(record: dict[str, Any]) -> dict[str, Any]:
    raw = record.get("name")
    return raw if isinstance(raw, dict) else {}


def _add_names(target: EntityProxy, record: dict[str, Any], log: WarningLog) -> None:
    names = _names(record)
    english = _text(names.get("english"))
    native = _text(names.get("native"))
    target.add("name", english or native)
    if english and native and native.casefold() != english.casefold():
        target.add(_native_prop(native), native)
    aliases = record.get("aliases") or []
    if isinstance(aliases, list):
        target.add("alias", [a for a in aliases if isinstance(a, str)])
    else:
        log.add("aliases", "'aliases' is not a list; ignored", record=record.get("id"))


def _add_countries(target: EntityProxy, record: dict[str, Any], log: WarningLog) -> None:
    for value in record.get("countries") or []:
        if not isinstance(value, str):
            continue
        for part in value.split("/"):
            if not part.strip():
                continue
            code = korean_country(part)
            if code is None:
                log.add("country", f"unknown country {part!r}", record=target.context.get("source_id"))
            else:
                target.add("country", code)


def _concerns(rationale: str | None) -> str | None:
    """``"B,C,M"`` -> ``"Concern: biological weapons, chemical weapons, missiles"``."""
    if not rationale:
        return None
    codes = [c.strip() for c in rationale.split(",") if c.strip()]
    labels = [METI_CONCERNS.get(c, c) for c in codes]
    return f"Concern: {', '.join(labels)} ({rationale})"


def _build(record: dict[str, Any], info: ListInfo, dataset: str, log: WarningLog) -> list[EntityProxy]:
    """Target and Sanction for one record."""
    source = record["source"]
    target = make_target(info.schema, dataset, record["id"])
    _add_names(target, record, log)
    _add_countries(target, record, log)
    concern = _concerns(_text(record.get("listing_rationale")))
    target.add("notes", [concern, _text(record.get("remarks"))])
    target.add("topics", info.topic)
    target.add("programId", info.program_id)
    authority = _text(source.get("authority")) or _text(source.get("list_name")) or info.list_id
    sanction = make_sanction(
        target, dataset, authority, [info.program_id],
        source_url=_text(source.get("official_source_url")),
        program=[_text(source.get("list_name")) or info.list_id],
    )
    if target.id and target.id not in sanction.get("entity"):
        sanction.add("entity", target.id, cleaned=True)  # FtM rejects "_" in ids
    sanction.add("reason", concern)
    sanction.add("country", korean_country(_text(source.get("jurisdiction")) or ""))
    row = source.get("source_row")
    if row is not None:
        sanction.add("recordId", f"{source.get('source_file', '')}:{row}")
    return [target, sanction]


def parse(path: Path, dataset: str = DEFAULT_DATASET) -> ParseResult:
    """Parse the records of ``dataset``'s list from the compilation."""
    info = DATASETS.get(dataset)
    if info is None:
        raise ListFormatError(
            path, f"dataset {dataset!r} is not loaded from this file (it provides: {', '.join(DATASETS)})"
        )
    log = WarningLog(path)
    data, sha = _load(path, log)
    built: dict[str, list[EntityProxy]] = {}
    published: str | None = None
    for index, record in enumerate(data):
        if not isinstance(record, dict) or not isinstance(record.get("source"), dict):
            raise ListFormatError(path, "not a restricted-parties record (no 'source' object)", record=f"#{index}")
        if record["source"].get("list_id") != info.list_id:
            continue
        record_id = _text(record.get("id"))
        if record_id is None:
            row = record["source"].get("source_row")
            if row is None:
                log.add("missing_id", "record without id or source_row; skipped", record=f"#{index}")
                continue
            record_id = f"row-{row}"
        if not (_text(_names(record).get("english")) or _text(_names(record).get("native"))):
            log.add("missing_name", "record without a name; skipped", record=record_id)
            continue
        if record_id in built:
            log.add("duplicate_row", "record id repeats; merged", record=record_id)
            record = {**record, "id": record_id}
            for old, new in zip(built[record_id], _build(record, info, dataset, log)):
                old.merge(new)
            continue
        built[record_id] = _build({**record, "id": record_id}, info, dataset, log)
        ingested = parse_date((_text(record.get("ingested_at")) or "")[:10])
        if ingested and (published is None or ingested > published):
            published = ingested
    if not built:
        raise ListFormatError(path, f"file holds no records of list {info.list_id!r} (dataset {dataset!r})")
    entities = [entity for pair in built.values() for entity in pair]
    return ParseResult(
        dataset, FORMAT, entities, {source_name(path): sha},
        date.fromisoformat(published) if published else None, log.items,
    )
