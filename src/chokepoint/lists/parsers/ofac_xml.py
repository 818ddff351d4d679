"""OFAC "classic" XML (``sdnList``): SDN.XML and CONSOLIDATED.XML.

Root ``<sdnList>`` in a namespace ending in ``/exports/XML`` (older files
use ``http://tempuri.org/sdnList.xsd``); a ``<publshInformation>`` element
(OFAC's spelling) carries ``Publish_Date`` (MM/DD/YYYY) and
``Record_Count``; then one ``<sdnEntry>`` per listed entity. Identifiers are
typed ``<id>`` elements using the same labels as the CSV remarks, so they
are mapped with :func:`chokepoint.lists.parsers.ofac_csv.apply_identifier`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

from followthemoney import EntityProxy

from chokepoint.lists.parsers.base import (
    ListFormatError,
    ParseResult,
    WarningLog,
    add_country,
    make_sanction,
    make_target,
    parse_date,
    read_bytes,
    sha256_bytes,
    source_name,
)
from chokepoint.lists.parsers.ofac_csv import (
    AUTHORITY,
    TOPIC,
    LinkResolver,
    add_birth_place,
    add_dates,
    apply_identifier,
    apply_remarks,
    head_text,
    id_property,
    is_info_label,
    is_provision,
    only_file,
    single_source,
    parse_ofac_dates,
    plain_number,
    put,
)

FORMAT = "ofac_xml"
DEFAULT_DATASET = "us_ofac_cons"

_SCHEMATA = {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane", "entity": "Organization"}
_AKA_PROPS = {"f.k.a.": "previousName", "n.k.a.": "alias"}
_ADDRESS_PARTS = ("address1", "address2", "address3", "city", "stateOrProvince", "postalCode", "country")
_VESSEL_PROPS = {
    "callSign": "callSign",
    "vesselType": "type",
    "tonnage": "tonnage",
    "grossRegisteredTonnage": "grossRegisteredTonnage",
}


def _local(tag: str) -> str:
    """Tag name without its ``{namespace}``."""
    return tag.rsplit("}", 1)[-1]


def _strip_namespaces(root: ET.Element) -> None:
    for element in root.iter():
        element.tag = _local(element.tag)


def _text(element: ET.Element | None, path: str) -> str | None:
    """Stripped text of the child at ``path``, or None when empty."""
    if element is None:
        return None
    child = element.find(path)
    if child is None or child.text is None:
        return None
    text = child.text.strip()
    return text or None


def load_root(path: Path) -> tuple[ET.Element, str]:
    """Parsed ``<sdnList>`` root (namespaces stripped) and the file's hash."""
    data = read_bytes(path)
    if not data.strip(b"\x00\x1a \r\n\t"):
        raise ListFormatError(path, "file is empty")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise ListFormatError(path, f"malformed XML: {exc}", line=line) from exc
    if _local(root.tag) != "sdnList":
        raise ListFormatError(path, f"not an OFAC sdnList XML file (root element <{_local(root.tag)}>)")
    _strip_namespaces(root)
    return root, sha256_bytes(data)


def read_published(root: ET.Element, log: WarningLog) -> tuple[date | None, int | None]:
    """``Publish_Date`` and ``Record_Count`` of the publication header."""
    info = root.find("publshInformation")
    if info is None:
        info = root.find("publishInformation")
    raw = _text(info, "Publish_Date")
    published = None
    if raw:
        iso = parse_date(raw, order="mdy")
        if iso is not None and len(iso) == 10:
            published = date.fromisoformat(iso)
        else:
            log.add("date", f"unreadable Publish_Date {raw!r}")
    count = _text(info, "Record_Count")
    return published, int(count) if count and count.isdigit() else None


def _full_name(element: ET.Element) -> str | None:
    """OFAC's own name form: ``LAST, First`` (or the last name alone)."""
    last = _text(element, "lastName")
    first = _text(element, "firstName")
    if last and first:
        return f"{last}, {first}"
    return last or first


def _add_names(entity: EntityProxy, entry: ET.Element) -> None:
    name = _full_name(entry)
    put(entity, "name", name)
    if entity.schema.name == "Person":
        put(entity, "firstName", _text(entry, "firstName"))
        put(entity, "lastName", _text(entry, "lastName"))
    for aka in entry.iterfind("akaList/aka"):
        aka_name = _full_name(aka)
        kind = (_text(aka, "type") or "a.k.a.").lower()
        weak = (_text(aka, "category") or "").lower() == "weak"
        prop = _AKA_PROPS.get(kind, "weakAlias" if weak else "alias")
        put(entity, prop, aka_name)


def _add_addresses(entity: EntityProxy, entry: ET.Element, log: WarningLog, line: int | None) -> None:
    for address in entry.iterfind("addressList/address"):
        parts = [_text(address, p) for p in _ADDRESS_PARTS]
        full = ", ".join(p for p in parts if p)
        if any(parts[:-1]):
            put(entity, "address", full)
        add_country(entity, "country", parts[-1], log, line)


def _add_ids(
    entity: EntityProxy, sanction: EntityProxy, entry: ET.Element, log: WarningLog, line: int | None
) -> None:
    for item in entry.iterfind("idList/id"):
        label = _text(item, "idType") or ""
        number = _text(item, "idNumber") or ""
        country = _text(item, "idCountry")
        text = f"{label} {number}".strip()
        if is_provision(label):
            sanction.add("provisions", text)
            if label.startswith("Listing Date"):
                for value in parse_ofac_dates(number) or []:
                    sanction.add("listingDate", value, cleaned=True)
            continue
        number, country = split_id_country(number, country)
        if apply_identifier(entity, label, number, country, log, line):
            continue
        if is_info_label(label) or id_property(label) is not None:
            put(entity, "notes", text)
            continue
        put(entity, "idNumber", number)
        suffix = f" ({country})" if country else ""
        put(entity, "notes", f"{label.rstrip(':')}: {number}{suffix}")


def split_id_country(number: str, country: str | None) -> tuple[str, str | None]:
    """``"1026303117642 (Russia)"`` -> ``("1026303117642", "Russia")``."""
    m = re.match(r"^(?P<n>.*?\S)\s*\((?P<c>[^()]+)\)$", number)
    if m is None:
        return number, country
    return m.group("n"), country or m.group("c").strip()


def _add_personal(entity: EntityProxy, entry: ET.Element, log: WarningLog, line: int | None) -> None:
    for value in entry.iterfind("dateOfBirthList/dateOfBirthItem/dateOfBirth"):
        if value.text and value.text.strip():
            add_dates(entity, "birthDate", value.text, log, line)
    for value in entry.iterfind("placeOfBirthList/placeOfBirthItem/placeOfBirth"):
        if value.text and value.text.strip():
            add_birth_place(entity, value.text)
    for prop, path in (
        ("nationality", "nationalityList/nationality/country"),
        ("citizenship", "citizenshipList/citizenship/country"),
    ):
        for value in entry.iterfind(path):
            if prop in entity.schema.properties:
                add_country(entity, prop, value.text, log, line)


def _add_vessel(entity: EntityProxy, entry: ET.Element, log: WarningLog, line: int | None) -> None:
    info = entry.find("vesselInfo")
    if info is None:
        return
    for tag, prop in _VESSEL_PROPS.items():
        value = _text(info, tag)
        put(entity, prop, plain_number(value) if "onnage" in tag else value)
    flag = _text(info, "vesselFlag")
    if flag and "flag" in entity.schema.properties:
        add_country(entity, "flag", flag, log, line)
    owner = _text(info, "vesselOwner")
    if owner:
        put(entity, "notes", f"Owner: {owner}")


def build_entry(
    entry: ET.Element, index: int, dataset: str, log: WarningLog
) -> tuple[EntityProxy, EntityProxy, list[str]]:
    """Target, Sanction and "Linked To" names of one ``<sdnEntry>``."""
    uid = _text(entry, "uid")
    if uid is None:
        raise ListFormatError(log.path, "sdnEntry without <uid>", record=f"entry {index}")
    schema = _SCHEMATA.get((_text(entry, "sdnType") or "entity").lower(), "Organization")
    target = make_target(schema, dataset, uid)
    _add_names(target, entry)
    if not target.get("name"):
        log.add("missing_name", "entry has no name", None, uid)
    programs = [p.text.strip() for p in entry.iterfind("programList/program") if p.text and p.text.strip()]
    target.add("programId", programs, cleaned=True)
    target.add("topics", TOPIC, cleaned=True)
    title = _text(entry, "title")
    if title and not put(target, "position", title):
        put(target, "notes", f"Title: {title}")
    sanction = make_sanction(target, dataset, AUTHORITY, programs)
    _add_addresses(target, entry, log, None)
    _add_ids(target, sanction, entry, log, None)
    _add_personal(target, entry, log, None)
    _add_vessel(target, entry, log, None)
    remarks = _text(entry, "remarks")
    links = apply_remarks(target, sanction, remarks, log, None) if remarks else []
    return target, sanction, links


def parse(path: Path, dataset: str | None = None) -> ParseResult:
    """Parse an OFAC ``sdnList`` XML file (or the one in a folder)."""
    path = locate(path)
    dataset = dataset or default_dataset(path)
    log = WarningLog(path)
    root, sha = load_root(path)
    published, count = read_published(root, log)
    targets: list[EntityProxy] = []
    sanctions: list[EntityProxy] = []
    pending: list[tuple[EntityProxy, list[str]]] = []
    seen: dict[str, int] = {}
    resolver = LinkResolver()
    for index, entry in enumerate(root.iterfind("sdnEntry"), 1):
        target, sanction, links = build_entry(entry, index, dataset, log)
        source_id = str(target.context["source_id"])
        if source_id in seen:
            raise ListFormatError(
                path, f"uid {source_id} appears twice (entries {seen[source_id]} and {index})", record=source_id
            )
        seen[source_id] = index
        targets.append(target)
        sanctions.append(sanction)
        pending.append((target, links))
        for name in target.get("name"):
            resolver.add(name, target.id or "")
    if not targets:
        raise ListFormatError(path, "no <sdnEntry> records")
    if count is not None and count != len(targets):
        log.add("record_count", f"Record_Count says {count} entries, file has {len(targets)}")
    link_entities: dict[str, EntityProxy] = {}
    for target, names in pending:
        for link in resolver.link(target, names, dataset, log):
            link_entities[link.id or ""] = link
    entities = targets + sanctions + list(link_entities.values())
    return ParseResult(dataset, FORMAT, entities, {source_name(path): sha}, published, log.items)


def default_dataset(path: Path) -> str:
    """``us_ofac_sdn`` for a file called ``sdn.xml``, else ``us_ofac_cons``."""
    return "us_ofac_sdn" if re.match(r"^sdn", source_name(path).lower()) else DEFAULT_DATASET


def _looks_like_sdn_xml(path: Path) -> bool:
    head = head_text(path, 4096).lstrip()
    return head.startswith("<") and re.search(r"<(?:\w+:)?sdnList[\s>]", head) is not None


def locate(path: Path) -> Path:
    """The XML file itself, or the one sdnList XML file in a folder."""
    return single_source(path, _looks_like_sdn_xml, "OFAC sdnList XML file")


def sniff(path: Path) -> bool:
    """True for an XML file whose root element is ``<sdnList>`` (or a
    folder holding exactly one)."""
    try:
        if path.is_dir():
            return only_file(path, _looks_like_sdn_xml) is not None
        return path.is_file() and _looks_like_sdn_xml(path)
    except (OSError, ListFormatError):
        return False
