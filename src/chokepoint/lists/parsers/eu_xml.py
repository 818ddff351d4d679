"""EU consolidated financial sanctions list (FSF), XML format 1.1.

Source: https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content
Root ``export`` in namespace ``http://eu.europa.ec/fpi/fsd/export``, one
``sanctionEntity`` per listing. The record id is the ``logicalId`` of the
sanctionEntity; the EU reference number (``EU.3953.70``) goes to the
Sanction's ``recordId`` and the UN reference, if any, to its ``unscId``.

Quirks handled:

* values carry irregular whitespace (double spaces, line breaks): every value
  is whitespace-collapsed;
* every ``nameAlias`` is an equal, language-tagged variant and the first one
  is often not English (the Parchin entry starts with its Irish name), so the
  display ``name`` is the first strong, Latin-script name in English or with
  no language; all other variants, original scripts included, are aliases;
* ``strong="true"`` names whose remark says "low quality alias" are weak;
* ``ISLAMIC`` calendar birth dates are kept as a note, not converted.
"""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterable

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
from chokepoint.lists.parsers.un_xml import (
    clean,
    head_text,
    iso_date,
    iter_xml_records,
    local_name,
    read_head,
    root_tag,
    single_file,
)

FORMAT = "eu_xml"
DEFAULT_DATASET = "eu_fsf"
AUTHORITY = "European Union (Council of the EU)"
SOURCE_URL = "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content"
NS = "http://eu.europa.ec/fpi/fsd/export"
_Q = "{" + NS + "}"

_SCHEMATA = {"person": "Person", "enterprise": "Organization"}
#: identificationTypeCode → target property (if the schema has it).
_ID_PROPS = {
    "passport": "passportNumber",
    "id": "idNumber",
    "regnumber": "registrationNumber",
    "fiscalcode": "taxNumber",
    "taxid": "taxNumber",
    "euvat": "vatCode",
    "imo": "imoNumber",
    "swiftbic": "swiftBic",
    "ssn": "socialSecurityNumber",
}
_CONTACT_PROPS = {"PHONE": "phone", "EMAIL": "email", "WEB": "website"}
_UNKNOWN_COUNTRY = {"", "00"}


def _sniff_file(path: Path) -> bool:
    if not path.is_file():
        return False
    head = read_head(path)
    tag = root_tag(head)
    return tag is not None and local_name(tag) == "export" and NS in head_text(head)


def sniff(path: Path) -> bool:
    """True for an EU FSF XML 1.1 file (root ``export`` in the FSD
    namespace), or a folder holding one."""
    if path.is_dir():
        return single_file(path, (".xml",), _sniff_file) is not None
    return _sniff_file(path)


def parse(path: Path, dataset: str) -> ParseResult:
    """Parse the EU FSF XML into Person/Organization + Sanction entities."""
    source = single_file(path, (".xml",), _sniff_file)
    if source is None:
        raise ListFormatError(path, "no EU FSF XML file in this folder")
    log = WarningLog(source)
    text, sha = read_text(source, log)
    records = iter_xml_records(text, source, ["sanctionEntity"])
    root = next(records, None)
    if root is None:
        raise ListFormatError(source, "no XML element found")
    if root.tag != _Q + "export":
        raise ListFormatError(
            source, f"root element is <{root.tag}>, not <export> in {NS}: not an EU FSF XML file"
        )
    published = iso_date(root.get("generationDate"))
    entities: list[EntityProxy] = []
    seen: dict[str, str] = {}
    for record in records:
        source_id = clean(record.get("logicalId"))
        label = clean(record.get("euReferenceNumber")) or "?"
        if source_id is None:
            log.add("missing_id", "sanctionEntity without logicalId skipped", record=label)
            continue
        if source_id in seen:
            raise ListFormatError(
                source,
                f"duplicate sanctionEntity logicalId {source_id}: {seen[source_id]} and {label}",
                record=source_id,
            )
        seen[source_id] = label
        target = _parse_entity(record, dataset, source_id, log)
        entities.append(target)
        entities.append(_sanction(record, target, dataset))
    if not entities:
        raise ListFormatError(source, "no sanctionEntity records")
    return ParseResult(
        dataset=dataset,
        format=FORMAT,
        entities=entities,
        files={source_name(source): sha},
        published=published,
        warnings=log.items,
    )


def _children(element: ET.Element, tag: str) -> list[ET.Element]:
    return element.findall(_Q + tag)


def _attr(element: ET.Element, name: str) -> str | None:
    """A cleaned attribute value; "-" counts as empty."""
    value = clean(element.get(name))
    return None if value == "-" else value


def _remarks(element: ET.Element) -> list[str]:
    return [r for r in (clean(e.text) for e in _children(element, "remark")) if r]


def _schema(record: ET.Element, source_id: str, log: WarningLog) -> str:
    subject = record.find(_Q + "subjectType")
    code = (subject.get("code") if subject is not None else None) or ""
    schema = _SCHEMATA.get(code.strip().lower())
    if schema is None:
        log.add("subject_type", f"unknown subjectType {code!r}; loaded as LegalEntity", record=source_id)
        return "LegalEntity"
    return schema


def _parse_entity(record: ET.Element, dataset: str, source_id: str, log: WarningLog) -> EntityProxy:
    """One sanctionEntity as a target entity."""
    entity = make_target(_schema(record, source_id, log), dataset, source_id)
    _add_names(entity, record)
    for regulation in _children(record, "regulation"):
        entity.add("programId", _attr(regulation, "programme"), cleaned=True)
    entity.add("topics", "sanction", cleaned=True)
    for remark in _remarks(record):
        entity.add("notes", remark, cleaned=True)
    for citizenship in _children(record, "citizenship"):
        _add_country_code(entity, "nationality" if entity.schema.is_a("Person") else "country",
                          citizenship, log)
    if entity.schema.is_a("Person"):
        for birth in _children(record, "birthdate"):
            _add_birth(entity, birth, log)
    for address in _children(record, "address"):
        _add_address(entity, address, log)
    for identification in _children(record, "identification"):
        _add_identification(entity, identification, log)
    return entity


def _add_country_code(entity: EntityProxy, prop: str, element: ET.Element, log: WarningLog) -> None:
    """Country of an element by ISO code, else by its description."""
    code = _attr(element, "countryIso2Code") or ""
    if code not in _UNKNOWN_COUNTRY:
        add_country(entity, prop, code, log)
    elif (_attr(element, "countryDescription") or "UNKNOWN") != "UNKNOWN":
        add_country(entity, prop, _attr(element, "countryDescription"), log)


def _join(parts: Iterable[str | None]) -> str:
    """Comma-join the non-empty parts, without doubled punctuation."""
    return ", ".join(p.strip(" ,;") for p in parts if p and p.strip(" ,;"))


def _is_latin(text: str) -> bool:
    """True if every letter of ``text`` is in the Latin script."""
    return all(
        "LATIN" in unicodedata.name(ch, "") for ch in text if ch.isalpha()
    )


def _alias_name(alias: ET.Element) -> str | None:
    whole = _attr(alias, "wholeName")
    if whole:
        return whole
    parts = [_attr(alias, k) for k in ("firstName", "middleName", "lastName")]
    return " ".join(p for p in parts if p) or None


def _is_weak(alias: ET.Element) -> bool:
    if (alias.get("strong") or "true").strip().lower() == "false":
        return True
    return any("low quality" in r.lower() for r in _remarks(alias))


def _pick_primary(aliases: list[ET.Element], is_person: bool) -> ET.Element | None:
    """The nameAlias to use as display name (see module docstring): the
    first strong, Latin-script name in English or with no language, a
    structured one (with a lastName) first for people."""
    strong = [a for a in aliases if not _is_weak(a)] or aliases

    def plain(alias: ET.Element) -> bool:
        language = (alias.get("nameLanguage") or "").strip().upper()
        return language in ("", "EN") and _is_latin(_alias_name(alias) or "")

    tests = [plain, lambda a: _is_latin(_alias_name(a) or "")]
    if is_person:
        tests.insert(0, lambda a: plain(a) and _attr(a, "lastName") is not None)
    for test in tests:
        for alias in strong:
            if test(alias):
                return alias
    return strong[0] if strong else None


def _add_names(entity: EntityProxy, record: ET.Element) -> None:
    """name / alias / weakAlias and, for people, name parts, title, function."""
    aliases = [a for a in _children(record, "nameAlias") if _alias_name(a)]
    is_person = entity.schema.is_a("Person")
    primary = _pick_primary(aliases, is_person)
    if primary is not None:
        entity.add("name", _alias_name(primary), cleaned=True)
        if is_person:
            entity.add("firstName", _attr(primary, "firstName"), cleaned=True)
            entity.add("middleName", _attr(primary, "middleName"), cleaned=True)
            entity.add("lastName", _attr(primary, "lastName"), cleaned=True)
    else:
        entity.add("name", entity.context["source_id"], cleaned=True)
    for alias in aliases:
        name = _alias_name(alias)
        if alias is not primary:
            entity.add("weakAlias" if _is_weak(alias) else "alias", name, cleaned=True)
        function = _attr(alias, "function")
        if function:
            entity.add("position" if is_person else "notes", function, cleaned=True)
        if is_person:
            entity.add("title", _attr(alias, "title"), cleaned=True)
            gender = {"M": "male", "F": "female"}.get((alias.get("gender") or "").upper())
            entity.add("gender", gender, cleaned=True)
        for remark in _remarks(alias):
            if "quality ali" not in remark.lower():
                entity.add("notes", f"{name}: {remark}", cleaned=True)


def _add_birth(entity: EntityProxy, birth: ET.Element, log: WarningLog) -> None:
    """A birthdate element: date (or year, or year range), place, country."""
    place = _join(_attr(birth, k) for k in ("place", "city", "region", "zipCode"))
    country = _attr(birth, "countryDescription")
    if place and country and country != "UNKNOWN":
        place = f"{place}, {country}"
    entity.add("birthPlace", place or None, cleaned=True)
    code = _attr(birth, "countryIso2Code") or ""
    if code not in _UNKNOWN_COUNTRY:
        add_country(entity, "birthCountry", code, log)
    remarks = _remarks(birth)
    calendar = (_attr(birth, "calendarType") or "GREGORIAN").upper()
    if calendar != "GREGORIAN":
        given = "-".join(p for p in (_attr(birth, k) for k in ("year", "monthOfYear", "dayOfMonth")) if p)
        gregorian = _attr(birth, "birthdate")
        note = f"Date of birth ({calendar.lower()} calendar): {given}"
        if gregorian:
            note += f" (given as {gregorian})"
        entity.add("notes", "; ".join([note, *remarks]), cleaned=True)
        return
    for remark in remarks:
        entity.add("notes", f"Date of birth: {remark}", cleaned=True)
    for value in _birth_dates(birth):
        parsed = parse_date(value)
        if parsed is None:
            log.add("date", f"unparseable birth date {value!r}", record=entity.context["source_id"])
        else:
            entity.add("birthDate", parsed, cleaned=True)


def _birth_dates(birth: ET.Element) -> list[str]:
    """Date strings of a Gregorian birthdate element."""
    full = _attr(birth, "birthdate")
    if full:
        return [full]
    year = _attr(birth, "year")
    if year:
        month, day = _attr(birth, "monthOfYear"), _attr(birth, "dayOfMonth")
        if month and month.isdigit():
            if day and day.isdigit():
                return [f"{year}-{int(month):02d}-{int(day):02d}"]
            return [f"{year}-{int(month):02d}"]
        return [year]
    low, high = _attr(birth, "yearRangeFrom"), _attr(birth, "yearRangeTo")
    if low and high and low.isdigit() and high.isdigit() and 0 <= int(high) - int(low) <= 30:
        return [str(y) for y in range(int(low), int(high) + 1)]
    return [y for y in (low, high) if y]


def _add_address(entity: EntityProxy, address: ET.Element, log: WarningLog) -> None:
    """An address as one line, its country, contact details and remarks."""
    line = _join(_attr(address, k) for k in ("street", "poBox", "city", "zipCode", "region", "place"))
    country = _attr(address, "countryDescription")
    if line:
        if country and country != "UNKNOWN":
            line = f"{line}, {country}"
        entity.add("address", line, cleaned=True)
    _add_country_code(entity, "country", address, log)
    for remark in _remarks(address):
        entity.add("notes", f"Address {line}: {remark}" if line else f"Address: {remark}", cleaned=True)
    for contact in _children(address, "contactInfo"):
        key = (contact.get("key") or "").strip().upper()
        value = _attr(contact, "value")
        prop = _CONTACT_PROPS.get(key)
        if value is None:
            continue
        if prop is None or prop not in entity.schema.properties:
            entity.add("notes", f"{key.title() or 'Contact'}: {value}", cleaned=True)
            continue
        for item in (i.strip() for i in value.split(";")):
            if item and entity.schema.properties[prop].type.clean(item) is not None:
                entity.add(prop, item)
            elif item:
                entity.add("notes", f"{key.title()}: {item}", cleaned=True)


def _add_identification(entity: EntityProxy, ident: ET.Element, log: WarningLog) -> None:
    """An identification: number to the property of its type code; the
    description, country, validity and remarks to a note."""
    number = _attr(ident, "number") or _attr(ident, "latinNumber")
    code = (_attr(ident, "identificationTypeCode") or "").lower()
    label = _attr(ident, "identificationTypeDescription") or code or "Identification"
    details = []
    country = _attr(ident, "countryDescription")
    if country and country != "UNKNOWN":
        details.append(country)
    for flag in ("diplomatic", "knownExpired", "knownFalse", "reportedLost", "revokedByIssuer"):
        if (ident.get(flag) or "").lower() == "true":
            details.append(flag)
    for key, text in (("issueDate", "issued"), ("validTo", "valid to"), ("issuedBy", "issued by")):
        if _attr(ident, key):
            details.append(f"{text} {_attr(ident, key)}")
    details.extend(_remarks(ident))
    if number is None:
        if details:
            entity.add("notes", f"{label}: {'; '.join(details)}", cleaned=True)
        return
    prop = _ID_PROPS.get(code, "idNumber")
    if not _valid(entity, prop, number):
        if prop in entity.schema.properties:
            log.add("identifier", f"invalid {prop} {number!r} kept as idNumber",
                    record=entity.context["source_id"])
        prop = "idNumber" if "idNumber" in entity.schema.properties else "registrationNumber"
    entity.add(prop, number)
    if details or prop == "idNumber":
        suffix = f" ({'; '.join(details)})" if details else ""
        entity.add("notes", f"{label} {number}{suffix}", cleaned=True)


def _valid(entity: EntityProxy, prop: str, value: str) -> bool:
    """True if ``value`` is valid for ``prop`` (checksums for IMO, BIC…)."""
    prop_ = entity.schema.properties.get(prop)
    return prop_ is not None and prop_.type.clean(value, format=prop_.format, proxy=entity) is not None


def _sanction(record: ET.Element, target: EntityProxy, dataset: str) -> EntityProxy:
    """The Sanction of one sanctionEntity: programmes, designation date
    (else the earliest regulation's publication date), references."""
    regulations = _children(record, "regulation")
    programmes = [p for p in (_attr(r, "programme") for r in regulations) if p]
    listed = parse_date(_attr(record, "designationDate"))
    if listed is None:
        dates = [d for d in (parse_date(_attr(r, "publicationDate")) for r in regulations) if d]
        listed = min(dates) if dates else None
    sanction = make_sanction(
        target,
        dataset,
        AUTHORITY,
        program_ids=list(dict.fromkeys(programmes)),
        listing_date=listed,
        source_url=SOURCE_URL,
    )
    sanction.add("recordId", _attr(record, "euReferenceNumber"), cleaned=True)
    sanction.add("unscId", _attr(record, "unitedNationId"), cleaned=True)
    sanction.add("reason", _attr(record, "designationDetails"), cleaned=True)
    for regulation in regulations:
        title = _attr(regulation, "numberTitle")
        if title:
            sanction.add("description", f"Regulation {title}", cleaned=True)
        url = clean(regulation.findtext(_Q + "publicationUrl"))
        sanction.add("programUrl", url)
    return sanction
