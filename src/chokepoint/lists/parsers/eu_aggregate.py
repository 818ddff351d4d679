"""EU/UN/OFAC aggregate JSON (``all.json`` of haverisenosku/pakote_data).

A third party's merge of the EU FSF, UN and OFAC consolidated XML files::

    {"metadata": {"generated": "2026-01-28T06:31:48Z", "total": 6814,
                  "by_source": {"EU": 5795, "UN": 998, "OFAC": 442}},
     "entities": [{"name", "type": "individual"|"entity", "aliases": [],
                   "birthdates": [], "identifiers": [{"type", "number",
                   "country"}], "source": ["EU", "UN"], "source_id"}]}

It is the only full-coverage EU name data we have. One parse loads one list:
the records whose ``source`` holds the wanted list (``EU`` for ``eu_fsf``,
``UN`` for ``un_sc_sanctions``, ``OFAC`` for ``us_ofac_cons``). Records
merged across lists keep the EU ``logicalId`` as ``source_id``, so a UN
record here does not get the id the UN XML parser gives it (that one uses
the UN reference number).

Quirks: for EU rows ``name`` is the first EU name variant, often not
English (a Latin-script alias is then used as display name); there are no
programmes or listing dates; OFAC rows carry remarks ("Secondary sanctions
risk:", directive texts, "Target Type") as identifiers, each also repeated
with ``type: null``, and some birthdates are junk (``"true"``, year 4696).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import orjson
from followthemoney import EntityProxy
from followthemoney.exc import InvalidData

from chokepoint.lists.parsers.base import (
    ListFormatError,
    ParseResult,
    WarningLog,
    add_country,
    make_sanction,
    make_target,
    parse_date,
    read_text,
    source_name,
)
from chokepoint.lists.parsers.un_xml import clean, head_text, iso_date, read_head, single_file

FORMAT = "eu_aggregate"
DEFAULT_DATASET = "eu_fsf"

#: dataset → the list code in the records' ``source``.
SOURCES = {"eu_fsf": "EU", "un_sc_sanctions": "UN", "us_ofac_cons": "OFAC"}
AUTHORITIES = {
    "EU": "European Union (Council of the EU)",
    "UN": "United Nations Security Council",
    "OFAC": "US Treasury, Office of Foreign Assets Control",
}
_SCHEMATA = {"individual": "Person", "entity": "Organization"}

#: Normalised identifier type → target property.
_ID_PROPS = {
    "passport": "passportNumber",
    "national passport": "passportNumber",
    "numéro de passeport": "passportNumber",
    "número de pasaporte": "passportNumber",
    "id": "idNumber",
    "national identification number": "idNumber",
    "regnumber": "registrationNumber",
    "registration id": "registrationNumber",
    "registration number": "registrationNumber",
    "business registration number": "registrationNumber",
    "public registration number": "registrationNumber",
    "unified social credit code (uscc)": "registrationNumber",
    "government gazette number": "okpoCode",
    "fiscalcode": "taxNumber",
    "taxid": "taxNumber",
    "tax id no.": "taxNumber",
    "euvat": "vatCode",
    "imo": "imoNumber",
    "swiftbic": "swiftBic",
    "swift/bic": "swiftBic",
    "legal entity number": "leiCode",
    "ssn": "socialSecurityNumber",
    "unssn": "socialSecurityNumber",
    "email address": "email",
    "website": "website",
}
#: Identifier types that are kinds of ID documents (numbers → idNumber + note).
_DOCUMENT_TYPES = {
    "other", "birthcert", "drivinglicence", "nationcert", "travelcardid",
    "residentperm", "tradelic", "electionid",
}


def _sniff_file(path: Path) -> bool:
    if not path.is_file():
        return False
    head = head_text(read_head(path, 1024))
    return re.match(r'\s*\{\s*"metadata"\s*:', head) is not None and '"by_source"' in head


def sniff(path: Path) -> bool:
    """True for the aggregate ``all.json`` (it opens with a ``metadata``
    object holding ``by_source`` counts), or a folder holding it."""
    if path.is_dir():
        return single_file(path, (".json",), _sniff_file) is not None
    return _sniff_file(path)


def source_code(dataset: str, path: Path) -> str:
    """The list code (EU/UN/OFAC) to select for ``dataset``."""
    if dataset in SOURCES:
        return SOURCES[dataset]
    for prefix, code in (("eu", "EU"), ("un", "UN"), ("us_ofac", "OFAC"), ("ofac", "OFAC")):
        if dataset.lower().startswith(prefix):
            return code
    raise ListFormatError(
        path, f"the aggregate file holds EU, UN and OFAC records; dataset {dataset!r} is none of "
        + ", ".join(sorted(SOURCES))
    )


def parse(path: Path, dataset: str) -> ParseResult:
    """Parse the records of one list (chosen by ``dataset``) from all.json."""
    source = single_file(path, (".json",), _sniff_file)
    if source is None:
        raise ListFormatError(path, "no EU/UN/OFAC aggregate JSON file in this folder")
    code = source_code(dataset, source)
    log = WarningLog(source)
    text, sha = read_text(source, log)
    data = _load(text, source)
    metadata: dict[str, Any] = data["metadata"] if isinstance(data.get("metadata"), dict) else {}
    by_id: dict[str, EntityProxy] = {}
    for index, record in enumerate(data["entities"]):
        if not isinstance(record, dict):
            log.add("record", f"entities[{index}] is not an object; skipped")
            continue
        sources = record.get("source") or []
        if code not in sources:
            continue
        entity = _parse_record(record, index, dataset, code, log)
        if entity is None:
            continue
        _merge_into(by_id, entity, log)
    expected = (metadata.get("by_source") or {}).get(code)
    if isinstance(expected, int) and expected != len(by_id):
        log.add("count", f"metadata says {expected} {code} records, {len(by_id)} loaded")
    entities: list[EntityProxy] = []
    for entity in by_id.values():
        entities.append(entity)
        entities.append(make_sanction(entity, dataset, AUTHORITIES[code]))
    return ParseResult(
        dataset=dataset,
        format=FORMAT,
        entities=entities,
        files={source_name(source): sha},
        published=iso_date(metadata.get("generated")),
        warnings=log.items,
    )


def _load(text: str, path: Path) -> dict[str, Any]:
    """The decoded JSON document, checked for its ``entities`` list."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ListFormatError(path, f"invalid JSON: {exc.msg}", line=exc.lineno) from exc
    if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
        raise ListFormatError(path, "not an aggregate list: no top-level 'entities' array")
    return data


def _merge_into(by_id: dict[str, EntityProxy], entity: EntityProxy, log: WarningLog) -> None:
    """Add ``entity``, merging it into an earlier record with the same id."""
    source_id = entity.context["source_id"]
    existing = by_id.get(source_id)
    if existing is None:
        by_id[source_id] = entity
        return
    log.add("duplicate_id", "source_id appears twice; records merged", record=source_id)
    try:
        existing.merge(entity)
    except InvalidData:
        log.add("duplicate_id", f"cannot merge a {entity.schema.name} into a "
                f"{existing.schema.name}; second record dropped", record=source_id)


def _is_latin(text: str) -> bool:
    return all("LATIN" in unicodedata.name(ch, "") for ch in text if ch.isalpha())


def _parse_record(
    record: dict[str, Any], index: int, dataset: str, code: str, log: WarningLog
) -> EntityProxy | None:
    """One aggregate record as a target entity, or None (warned)."""
    source_id = clean(str(record.get("source_id") or ""))
    if source_id is None:
        log.add("missing_id", f"entities[{index}] has no source_id; skipped")
        return None
    kind = str(record.get("type") or "").strip().lower()
    schema = _SCHEMATA.get(kind)
    if schema is None:
        log.add("type", f"unknown type {kind!r}; loaded as LegalEntity", record=source_id)
        schema = "LegalEntity"
    entity = make_target(schema, dataset, source_id)
    _add_names(entity, record, log)
    entity.add("topics", "sanction", cleaned=True)
    sources = record.get("source") or []
    if len(sources) > 1:
        entity.add("notes", "Also on: " + ", ".join(s for s in sources if s != code), cleaned=True)
    for value in record.get("birthdates") or []:
        _add_birthdate(entity, str(value), log)
    seen: set[str] = set()
    for identifier in record.get("identifiers") or []:
        if isinstance(identifier, dict):
            _add_identifier(entity, identifier, seen, log)
    return entity


def _add_names(entity: EntityProxy, record: dict[str, Any], log: WarningLog) -> None:
    """name, and aliases; a non-Latin name yields to the first Latin alias
    as display name and is kept as alias."""
    name = clean(str(record.get("name") or ""))
    aliases = [a for a in (clean(str(x)) for x in record.get("aliases") or [] if x) if a]
    if name and not _is_latin(name):
        latin = next((a for a in aliases if _is_latin(a)), None)
        if latin is not None:
            aliases.insert(0, name)
            name = latin
    if name is None:
        if not aliases:
            log.add("missing_name", "record without any name; source_id used as name",
                    record=entity.context["source_id"])
        name = aliases[0] if aliases else entity.context["source_id"]
    entity.add("name", name, cleaned=True)
    for alias in aliases:
        if alias != name:
            entity.add("alias", alias, cleaned=True)


def _add_birthdate(entity: EntityProxy, value: str, log: WarningLog) -> None:
    parsed = parse_date(value)
    if parsed is None:
        log.add("date", f"unparseable birth date {value!r}", record=entity.context["source_id"])
        return
    prop = "birthDate" if entity.schema.is_a("Person") else "incorporationDate"
    entity.add(prop, parsed, cleaned=True)


def _add_identifier(
    entity: EntityProxy, identifier: dict[str, Any], seen: set[str], log: WarningLog
) -> None:
    """An identifier by its type; remark-like OFAC "identifiers" become
    notes, and the untyped repeats of a typed value are skipped."""
    number = clean(str(identifier.get("number") or ""))
    if number is None:
        return
    raw_type = clean(str(identifier.get("type") or ""))
    kind = (raw_type or "").lower()
    if not kind:
        if number in seen:
            return
        kind = "id"
    seen.add(number)
    country = clean(str(identifier.get("country") or ""))
    source_id = entity.context["source_id"]
    if kind == "gender" and entity.schema.is_a("Person"):
        entity.add("gender", number.lower() if number.lower() in ("male", "female") else None, cleaned=True)
        return
    if kind == "nationality of registration":
        add_country(entity, "country", number, log)
        return
    if kind == "organization established date":
        parsed = parse_date(number)
        if parsed and "incorporationDate" in entity.schema.properties:
            entity.add("incorporationDate", parsed, cleaned=True)
            return
    prop = _ID_PROPS.get(kind)
    if prop is None and (kind in _DOCUMENT_TYPES or "passport" in kind or "identification" in kind):
        prop = "passportNumber" if "passport" in kind else "idNumber"
    if prop is None:
        # a remark carried as an identifier (directives, risks, tickers…)
        entity.add("notes", f"{(raw_type or '').rstrip(':- ')}: {number}", cleaned=True)
        return
    if prop not in entity.schema.properties:
        prop = "idNumber" if "idNumber" in entity.schema.properties else "registrationNumber"
    prop_ = entity.schema.properties[prop]
    if prop_.type.clean(number, format=prop_.format, proxy=entity) is None:
        log.add("identifier", f"invalid {prop} {number!r} kept as a note", record=source_id)
        entity.add("notes", f"{raw_type or 'Identifier'}: {number}", cleaned=True)
        return
    entity.add(prop, number)
    where = f", {country}" if country and country != "00" else ""
    if kind in _DOCUMENT_TYPES or where:
        entity.add("notes", f"{raw_type or 'Identifier'} {number}{where}", cleaned=True)
