"""UN Security Council consolidated list, official XML.

Source: https://scsanctions.un.org/resources/xml/en/consolidated.xml
(root ``CONSOLIDATED_LIST``, schema ``sc-sanctions.xsd``). ``INDIVIDUALS/
INDIVIDUAL`` records become ``Person`` s, ``ENTITIES/ENTITY`` records
``Organization`` s; the record id is ``REFERENCE_NUMBER`` (``CDi.001``,
``IRe.001``…), the UN's own permanent reference.

This module also holds the small XML and sniffing helpers that the EU XML
parser reuses (:func:`read_head`, :func:`head_text`, :func:`iter_xml_records`,
:func:`clean`).
"""

from __future__ import annotations

import codecs
import gzip
import itertools
import re
import xml.etree.ElementTree as ET
import zlib
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator
from xml.parsers.expat import ErrorString

from followthemoney import EntityProxy

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

FORMAT = "un_xml"
DEFAULT_DATASET = "un_sc_sanctions"
AUTHORITY = "United Nations Security Council"
SOURCE_URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"

_ROOT = "CONSOLIDATED_LIST"
_RECORDS = {"INDIVIDUAL": "Person", "ENTITY": "Organization"}

# --- helpers shared with other XML parsers ----------------------------------

_XML_DECL = re.compile(r"^<\?xml[^>]*\?>")
_SPACES = re.compile(r"\s+")
_CHUNK = 1 << 20


def read_head(path: Path, size: int = 4096) -> bytes:
    """The first ``size`` bytes of a file, decompressed if it is gzip.

    For sniffing only: any read error gives ``b""`` so a sniffer says no.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(size)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as fh:
                head = fh.read(size)
    except (OSError, EOFError, zlib.error):
        return b""
    return head


def head_text(head: bytes) -> str:
    """Decode the first bytes of a text file leniently (BOM aware)."""
    if head.startswith(codecs.BOM_UTF8):
        return head[3:].decode("utf-8", errors="ignore")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="ignore")
    return head.decode("utf-8", errors="ignore")


def clean(value: str | None) -> str | None:
    """Strip a value and collapse runs of whitespace; None if empty."""
    if value is None:
        return None
    value = _SPACES.sub(" ", value).strip()
    return value or None


def text_of(element: ET.Element | None, path: str | None = None) -> str | None:
    """Cleaned text of ``element`` (or of its child at ``path``)."""
    if element is not None and path is not None:
        element = element.find(path)
    if element is None:
        return None
    return clean(element.text)


def iter_xml_records(text: str, path: Path, record_tags: Iterable[str]) -> Iterator[ET.Element]:
    """Stream an XML document: yield the root element first (at its start
    tag, attributes set, children not yet read), then every element whose
    local name is in ``record_tags`` once it is complete. Each record is
    cleared after the consumer has handled it, so memory stays flat.

    ``text`` is already decoded, so the XML declaration (whose ``encoding``
    could contradict it, e.g. a UTF-16 re-save) is dropped before parsing;
    it never spans a line, so line numbers in errors stay those of the file.
    Malformed XML raises :class:`ListFormatError` with the line number.
    """
    tags = set(record_tags)
    text = _XML_DECL.sub("", text, count=1)
    parser: ET.XMLPullParser = ET.XMLPullParser(events=("start", "end"))
    seen_root = False
    chunks = (text[i : i + _CHUNK] for i in range(0, len(text), _CHUNK))
    try:
        for chunk in itertools.chain(chunks, [None]):
            if chunk is None:
                parser.close()
            else:
                parser.feed(chunk)
            for event, element in parser.read_events():  # type: ignore[misc]
                if not isinstance(element, ET.Element):
                    continue
                if event == "start":
                    if not seen_root:
                        seen_root = True
                        yield element
                elif local_name(element.tag) in tags:
                    yield element
                    element.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        raise ListFormatError(
            path, f"malformed XML ({ErrorString(exc.code)}, column {column + 1})", line=line
        ) from exc


def local_name(tag: str) -> str:
    """Tag name without its ``{namespace}``."""
    return tag.rsplit("}", 1)[-1]


def iso_date(value: str | None) -> date | None:
    """The date part of an ISO timestamp such as ``2026-02-27T00:00:09Z``."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def single_file(path: Path, suffixes: tuple[str, ...], sniffer) -> Path | None:
    """For single-file formats given a folder: the one file in it that
    ``sniffer`` accepts (names ending in ``suffixes``, with or without
    ``.gz``), or None."""
    if not path.is_dir():
        return path
    for child in sorted(path.iterdir()):
        name = child.name[:-3] if child.name.endswith(".gz") else child.name
        if child.is_file() and name.lower().endswith(suffixes) and sniffer(child):
            return child
    return None


# --- sniffing ---------------------------------------------------------------

_ROOT_RE = re.compile(r"<([A-Za-z_][\w.:-]*)[\s>/]")


def root_tag(head: bytes) -> str | None:
    """Name of the first element in an XML file's first bytes."""
    text = head_text(head)
    text = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", text, flags=re.S)
    match = _ROOT_RE.search(text)
    return match.group(1) if match else None


def _sniff_file(path: Path) -> bool:
    return path.is_file() and root_tag(read_head(path)) == _ROOT


def sniff(path: Path) -> bool:
    """True for a UN consolidated XML file (root ``CONSOLIDATED_LIST``),
    or a folder holding one."""
    if path.is_dir():
        return single_file(path, (".xml",), _sniff_file) is not None
    return _sniff_file(path)


# --- parsing ----------------------------------------------------------------


def parse(path: Path, dataset: str) -> ParseResult:
    """Parse the UN consolidated XML into Person/Organization + Sanction."""
    source = single_file(path, (".xml",), _sniff_file)
    if source is None:
        raise ListFormatError(path, "no UN consolidated XML file in this folder")
    log = WarningLog(source)
    text, sha = read_text(source, log)
    records = iter_xml_records(text, source, _RECORDS)
    root = next(records, None)
    if root is None:
        raise ListFormatError(source, "no XML element found")
    if root.tag != _ROOT:
        raise ListFormatError(
            source, f"root element is <{root.tag}>, not <{_ROOT}>: not a UN consolidated list"
        )
    published = iso_date(root.get("dateGenerated"))
    entities: list[EntityProxy] = []
    seen: dict[str, str] = {}
    for record in records:
        source_id = _record_id(record, source, log, seen)
        if source_id is None:
            continue
        target = _parse_record(record, _RECORDS[record.tag], dataset, source_id, log)
        entities.append(target)
        entities.append(_sanction(record, target, dataset))
    if not entities:
        raise ListFormatError(source, "no INDIVIDUAL or ENTITY records")
    return ParseResult(
        dataset=dataset,
        format=FORMAT,
        entities=entities,
        files={source_name(source): sha},
        published=published,
        warnings=log.items,
    )


def _describe(record: ET.Element) -> str:
    """Short human label of a record for error messages."""
    return f"DATAID {text_of(record, 'DATAID') or '?'} ({_full_name(record) or 'no name'})"


def _record_id(
    record: ET.Element, path: Path, log: WarningLog, seen: dict[str, str]
) -> str | None:
    """REFERENCE_NUMBER of a record; duplicates are a format error."""
    ref = text_of(record, "REFERENCE_NUMBER")
    if ref is None:
        dataid = text_of(record, "DATAID")
        if dataid is None:
            log.add("missing_id", f"{record.tag} without REFERENCE_NUMBER or DATAID skipped")
            return None
        log.add("missing_id", f"{record.tag} without REFERENCE_NUMBER; DATAID used", record=dataid)
        ref = f"DATAID-{dataid}"
    if ref in seen:
        raise ListFormatError(
            path,
            f"duplicate REFERENCE_NUMBER {ref}: {seen[ref]} and {_describe(record)}",
            record=ref,
        )
    seen[ref] = _describe(record)
    return ref


def _name_parts(record: ET.Element) -> list[str]:
    parts = [text_of(record, tag) for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    return [p for p in parts if p]


def _full_name(record: ET.Element) -> str | None:
    return " ".join(_name_parts(record)) or None


def _values(record: ET.Element, path: str) -> list[str]:
    """Cleaned, non-empty texts of all elements at ``path``."""
    return [v for v in (clean(e.text) for e in record.iterfind(path)) if v]


def _parse_record(
    record: ET.Element, schema: str, dataset: str, source_id: str, log: WarningLog
) -> EntityProxy:
    """One INDIVIDUAL or ENTITY as a target entity."""
    entity = make_target(schema, dataset, source_id)
    _add_names(entity, record, log)
    program = text_of(record, "UN_LIST_TYPE")
    if program:
        entity.add("programId", program, cleaned=True)
    entity.add("topics", "sanction", cleaned=True)
    entity.add("notes", text_of(record, "COMMENTS1"), cleaned=True)
    if schema == "Person":
        _add_person_facts(entity, record, log)
        address_tag = "INDIVIDUAL_ADDRESS"
    else:
        address_tag = "ENTITY_ADDRESS"
    for address in record.iterfind(address_tag):
        _add_address(entity, address, log)
    return entity


def _add_names(entity: EntityProxy, record: ET.Element, log: WarningLog) -> None:
    """Primary name (and its parts), original-script name and aliases."""
    parts = _name_parts(record)
    if parts:
        entity.add("name", " ".join(parts), cleaned=True)
        if entity.schema.is_a("Person") and len(parts) > 1:
            # The UN numbers the parts but does not say which is the family
            # name: the first is a given name, the last the final name part.
            entity.add("firstName", parts[0], cleaned=True)
            entity.add("lastName", parts[-1], cleaned=True)
            if len(parts) > 2:
                entity.add("secondName", parts[1], cleaned=True)
    entity.add("alias", text_of(record, "NAME_ORIGINAL_SCRIPT"), cleaned=True)
    alias_tag = "INDIVIDUAL_ALIAS" if record.tag == "INDIVIDUAL" else "ENTITY_ALIAS"
    for alias in record.iterfind(alias_tag):
        _add_alias(entity, alias, log)
    if not entity.has("name"):
        fallback = entity.first("alias") or entity.first("weakAlias")
        log.add("missing_name", "record has no FIRST_NAME; first alias used as name",
                record=entity.context["source_id"])
        entity.add("name", fallback or entity.context["source_id"], cleaned=True)


_ALIAS_PROPS = {"good": "alias", "a.k.a.": "alias", "": "alias", "low": "weakAlias", "f.k.a.": "previousName"}


def _add_alias(entity: EntityProxy, alias: ET.Element, log: WarningLog) -> None:
    """One INDIVIDUAL_ALIAS / ENTITY_ALIAS by its QUALITY."""
    name = text_of(alias, "ALIAS_NAME")
    if name is None:
        return
    quality = (text_of(alias, "QUALITY") or "").lower()
    prop = _ALIAS_PROPS.get(quality)
    if prop is None:
        log.add("alias_quality", f"unknown alias QUALITY {quality!r}; read as a.k.a.",
                record=entity.context["source_id"])
        prop = "alias"
    entity.add(prop, name, cleaned=True)
    note = text_of(alias, "NOTE")
    if note:
        entity.add("notes", f"Alias {name}: {note}", cleaned=True)
    if entity.schema.is_a("Person"):
        _add_birth_date(entity, text_of(alias, "DATE_OF_BIRTH"), log)
        parts = (text_of(alias, "CITY_OF_BIRTH"), text_of(alias, "COUNTRY_OF_BIRTH"))
        place = ", ".join(p for p in parts if p)
        entity.add("birthPlace", place or None, cleaned=True)
        add_country(entity, "birthCountry", text_of(alias, "COUNTRY_OF_BIRTH"), log)


def _add_person_facts(entity: EntityProxy, record: ET.Element, log: WarningLog) -> None:
    """Individual-only fields: title, position, gender, nationality, birth, documents."""
    for title in _values(record, "TITLE/VALUE"):
        entity.add("title", title, cleaned=True)
    for position in _values(record, "DESIGNATION/VALUE"):
        entity.add("position", position, cleaned=True)
    gender = (text_of(record, "GENDER") or "").lower()
    if gender in ("male", "female"):
        entity.add("gender", gender, cleaned=True)
    for nationality in _values(record, "NATIONALITY/VALUE"):
        add_country(entity, "nationality", nationality, log)
    for dob in record.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        _add_dob(entity, dob, log)
    for pob in record.iterfind("INDIVIDUAL_PLACE_OF_BIRTH"):
        parts = [text_of(pob, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY")]
        place = ", ".join(p for p in parts if p)
        entity.add("birthPlace", place or None, cleaned=True)
        add_country(entity, "birthCountry", text_of(pob, "COUNTRY"), log)
        note = text_of(pob, "NOTE")
        if note:
            entity.add("notes", f"Place of birth {place}: {note}", cleaned=True)
    for document in record.iterfind("INDIVIDUAL_DOCUMENT"):
        _add_document(entity, document, log)


def _add_birth_date(entity: EntityProxy, value: str | None, log: WarningLog) -> None:
    if value is None:
        return
    parsed = parse_date(value)
    if parsed is None:
        log.add("date", f"unparseable date of birth {value!r}", record=entity.context["source_id"])
        return
    entity.add("birthDate", parsed, cleaned=True)


def _add_dob(entity: EntityProxy, dob: ET.Element, log: WarningLog) -> None:
    """INDIVIDUAL_DATE_OF_BIRTH: EXACT / APPROXIMATELY (DATE or YEAR) or
    BETWEEN (FROM_YEAR..TO_YEAR: every year of the range is added)."""
    kind = (text_of(dob, "TYPE_OF_DATE") or "").upper()
    from_year, to_year = text_of(dob, "FROM_YEAR"), text_of(dob, "TO_YEAR")
    if kind == "BETWEEN" and from_year and to_year:
        if from_year.isdigit() and to_year.isdigit() and 0 <= int(to_year) - int(from_year) <= 30:
            for year in range(int(from_year), int(to_year) + 1):
                _add_birth_date(entity, str(year), log)
        else:
            _add_birth_date(entity, from_year, log)
            _add_birth_date(entity, to_year, log)
    for tag in ("DATE", "YEAR"):
        _add_birth_date(entity, text_of(dob, tag), log)
    note = text_of(dob, "NOTE")
    if note:
        entity.add("notes", f"Date of birth: {note}", cleaned=True)


_PASSPORT = re.compile(r"passport|pasaporte|passeport", re.I)


def _add_document(entity: EntityProxy, document: ET.Element, log: WarningLog) -> None:
    """INDIVIDUAL_DOCUMENT: passports → passportNumber, all other
    documents → idNumber; a note keeps the type and details of any document
    that is not a plain passport or national identification number."""
    kind = text_of(document, "TYPE_OF_DOCUMENT")
    kind2 = text_of(document, "TYPE_OF_DOCUMENT2")
    number = text_of(document, "NUMBER")
    label = " / ".join(k for k in (kind, kind2) if k) or "Document"
    details = [text_of(document, t) for t in ("ISSUING_COUNTRY", "COUNTRY_OF_ISSUE", "CITY_OF_ISSUE")]
    issued = text_of(document, "DATE_OF_ISSUE")
    if issued:
        details.append(f"issued {issued}")
    details.append(text_of(document, "NOTE"))
    detail = "; ".join(d for d in details if d)
    if number is None:
        if detail or kind:
            entity.add("notes", f"{label}: {detail}".rstrip(": "), cleaned=True)
        return
    if _PASSPORT.search(label):
        entity.add("passportNumber", number)
    else:
        entity.add("idNumber", number)
    plain = kind in ("Passport", "National Identification Number") and not kind2
    if detail or not plain:
        entity.add("notes", f"{label} {number}" + (f" ({detail})" if detail else ""), cleaned=True)


def _add_address(entity: EntityProxy, address: ET.Element, log: WarningLog) -> None:
    """INDIVIDUAL_ADDRESS / ENTITY_ADDRESS as a one-line address + country.
    An address that is only a country adds the country, not an address."""
    parts = [text_of(address, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")]
    country = text_of(address, "COUNTRY")
    line = ", ".join(p for p in parts if p)
    if line and line != country:
        entity.add("address", line, cleaned=True)
    add_country(entity, "country", country, log)
    note = text_of(address, "NOTE")
    if note:
        entity.add("notes", f"Address {line}: {note}" if line else f"Address: {note}", cleaned=True)


def _sanction(record: ET.Element, target: EntityProxy, dataset: str) -> EntityProxy:
    """The Sanction entity of one record."""
    program = text_of(record, "UN_LIST_TYPE")
    listed = parse_date(text_of(record, "LISTED_ON"))
    sanction = make_sanction(
        target,
        dataset,
        AUTHORITY,
        program_ids=[program] if program else [],
        listing_date=listed,
        source_url=SOURCE_URL,
    )
    sanction.add("unscId", target.context["source_id"], cleaned=True)
    sanction.add("recordId", text_of(record, "DATAID"), cleaned=True)
    updated = [d for d in (parse_date(v) for v in _values(record, "LAST_DAY_UPDATED/VALUE")) if d]
    if updated:
        sanction.add("modifiedAt", max(updated), cleaned=True)
    return sanction
