"""trade.gov Consolidated Screening List (CSL), CSV export.

Two column sets are known, both with a header row:

* 2019: ``source, entity_number, type, programs, name, title, addresses,
  federal_register_notice, start_date, end_date, standard_order,
  license_requirement, license_policy, call_sign, vessel_type,
  gross_tonnage, gross_registered_tonnage, vessel_flag, vessel_owner,
  remarks, source_list_url, alt_names, citizenships, dates_of_birth,
  nationalities, places_of_birth, source_information_url, ids``;
* current (2025): the same preceded by ``_id``.

Multi-valued cells are ``; ``-joined. The ``ids`` cell holds entries of
``number, type`` or ``country, number, type`` (2019) and ``type, number``
or ``type, number, country`` (2025), with OFAC's id labels. ``source``
names the list a row comes from ("Entity List (EL) - Bureau of Industry
and Security"); its code in brackets becomes a ``programId``.
"""

from __future__ import annotations

import re
from pathlib import Path

from followthemoney import EntityProxy

from chokepoint.lists.parsers.base import (
    ListFormatError,
    ParseResult,
    WarningLog,
    add_country,
    clean_country,
    content_source_id,
    make_sanction,
    make_target,
    read_csv_table,
    read_text,
    source_name,
)
from chokepoint.lists.parsers.ofac_csv import (
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
    plain_number,
    put,
    split_programs,
)

FORMAT = "csl_csv"
DEFAULT_DATASET = "us_trade_csl"

_REQUIRED = ("source", "name")
_SCHEMATA = {"individual": "Person", "entity": "Organization", "vessel": "Vessel", "aircraft": "Airplane"}
_SOURCE_CODE_RE = re.compile(r"\(([A-Z][A-Z0-9-]{1,9})\)")
_CODE_RE = re.compile(r"^[A-Z]{2}$")
_SUCCESSOR_RE = re.compile(r"[;,]?\s*and any successor,? sub-unit,? or subsidiary thereof\.?\s*$", re.I)
_AND_RE = re.compile(r"^and\s+", re.I)

#: Topics by CSL source code; sources not listed are sanctions.
SOURCE_TOPICS = {
    "EL": "export.control",
    "MEU": "export.control",
    "UVL": "export.control",
    "DPL": "export.control",
    "DTC": "debarment",
}


def split_multi(value: str | None) -> list[str]:
    """A ``; ``-joined cell as a list (a leading "and " is dropped)."""
    if not value:
        return []
    items = (_AND_RE.sub("", v.strip()).strip() for v in value.split(";"))
    return [i for i in items if i]


def source_code(source: str) -> str | None:
    """``Entity List (EL) - Bureau of ...`` -> ``EL``."""
    m = _SOURCE_CODE_RE.search(source)
    return m.group(1) if m else None


def parse_csl_id(entry: str, type_first: bool) -> tuple[str, str, str | None]:
    """One ``ids`` entry as ``(label, value, country)``."""
    parts = [p.strip() for p in entry.split(", ")]
    if type_first:
        label, rest = parts[0], parts[1:]
        country = None
        if len(rest) >= 2 and _CODE_RE.match(rest[-1]):
            country, rest = rest[-1], rest[:-1]
    else:
        label, rest = parts[-1], parts[:-1]
        country = None
        if len(rest) >= 2 and _CODE_RE.match(rest[0]):
            country, rest = rest[0], rest[1:]
    return label, ", ".join(rest), country


def _read_table(path: Path, log: WarningLog) -> tuple[str, list[str], list[tuple[int, dict[str, str]]]]:
    """``(sha256, header, rows as dicts with their line numbers)``."""
    text, sha = read_text(path, log)
    header, table = read_csv_table(
        path, text, "Consolidated Screening List CSV", _REQUIRED,
        normalize_header=lambda c: c.strip().lower(), malformed="malformed CSV",
    )
    rows = [(line, {h: c.strip() for h, c in zip(header, row)}) for line, row in table]
    return sha, header, rows


def _source_id(cells: dict[str, str]) -> str:
    """entity_number (OFAC rows), else the CSL ``_id``, else a content hash."""
    if cells.get("entity_number"):
        return cells["entity_number"]
    if cells.get("_id"):
        return cells["_id"]
    return content_source_id(
        cells.get("source"), cells.get("name"), cells.get("addresses"), cells.get("start_date")
    )


def _add_names(target: EntityProxy, cells: dict[str, str]) -> None:
    name = cells.get("name", "")
    if _SUCCESSOR_RE.search(name):
        put(target, "notes", "Includes any successor, sub-unit, or subsidiary thereof")
        name = _SUCCESSOR_RE.sub("", name).strip()
    put(target, "name", name)
    if target.schema.name == "Person" and "," in name:
        last, first = name.split(",", 1)
        put(target, "lastName", last.strip())
        put(target, "firstName", first.strip())
    for alias in split_multi(cells.get("alt_names")):
        put(target, "alias", alias)


def _add_addresses(target: EntityProxy, value: str | None, log: WarningLog, line: int) -> None:
    for address in split_multi(value):
        parts = [p.strip() for p in address.split(",")]
        code = clean_country(parts[-1])
        if code:
            target.add("country", code, cleaned=True)
        if len(parts) > 1 or code is None:
            put(target, "address", address)


def _add_personal(target: EntityProxy, cells: dict[str, str], log: WarningLog, line: int) -> None:
    for value in split_multi(cells.get("dates_of_birth")):
        add_dates(target, "birthDate", value, log, line)
    for value in split_multi(cells.get("places_of_birth")):
        add_birth_place(target, value)
    for prop, column in (("nationality", "nationalities"), ("citizenship", "citizenships")):
        if prop in target.schema.properties:
            for value in split_multi(cells.get(column)):
                add_country(target, prop, value, log, line)
    title = cells.get("title")
    if title and not put(target, "position", title):
        put(target, "notes", f"Title: {title}")


def _add_vessel(target: EntityProxy, cells: dict[str, str], log: WarningLog, line: int) -> None:
    put(target, "callSign", cells.get("call_sign") or None)
    put(target, "type", cells.get("vessel_type") or None)
    put(target, "tonnage", plain_number(cells.get("gross_tonnage")))
    put(target, "grossRegisteredTonnage", plain_number(cells.get("gross_registered_tonnage")))
    if cells.get("vessel_flag") and "flag" in target.schema.properties:
        add_country(target, "flag", cells["vessel_flag"], log, line)
    if cells.get("vessel_owner"):
        put(target, "notes", f"Owner: {cells['vessel_owner']}")


def _add_ids(
    target: EntityProxy,
    sanction: EntityProxy,
    value: str | None,
    type_first: bool,
    log: WarningLog,
    line: int,
) -> None:
    for entry in split_multi(value):
        label, number, country = parse_csl_id(entry, type_first)
        text = f"{label} {number}".strip()
        if is_provision(label):
            sanction.add("provisions", text)
        elif apply_identifier(target, label, number, country, log, line):
            continue
        elif is_info_label(label) or id_property(label) is not None:
            put(target, "notes", text)
        else:
            put(target, "idNumber", number)
            put(target, "notes", f"{label.rstrip(':')}: {number}" + (f" ({country})" if country else ""))


def build_row(
    cells: dict[str, str], line: int, dataset: str, type_first: bool, log: WarningLog
) -> tuple[EntityProxy, EntityProxy, list[str]]:
    """Target, Sanction and "Linked To" names of one CSL row."""
    source = cells.get("source", "")
    code = source_code(source)
    schema = _SCHEMATA.get(cells.get("type", "").lower(), "LegalEntity")
    target = make_target(schema, dataset, _source_id(cells))
    _add_names(target, cells)
    program_ids = ([code] if code else []) + split_programs(cells.get("programs"))
    target.add("programId", program_ids, cleaned=True)
    target.add("topics", SOURCE_TOPICS.get(code or "", "sanction"), cleaned=True)
    _add_addresses(target, cells.get("addresses"), log, line)
    _add_personal(target, cells, log, line)
    _add_vessel(target, cells, log, line)
    sanction = make_sanction(
        target, dataset, source, program_ids, None, cells.get("source_list_url") or None
    )
    for prop, column in (("listingDate", "start_date"), ("endDate", "end_date")):
        if cells.get(column):
            add_dates(sanction, prop, cells[column], log, line)
    put(sanction, "programUrl", cells.get("source_information_url") or None)
    for column in ("federal_register_notice", "license_requirement", "license_policy"):
        put(sanction, "provisions", cells.get(column) or None)
    if cells.get("standard_order"):
        put(target, "notes", f"Standard order: {cells['standard_order']}")
    _add_ids(target, sanction, cells.get("ids"), type_first, log, line)
    remarks = cells.get("remarks")
    links = apply_remarks(target, sanction, remarks, log, line) if remarks else []
    return target, sanction, links


def parse(path: Path, dataset: str = DEFAULT_DATASET) -> ParseResult:
    """Parse a Consolidated Screening List CSV file (2019 or current
    columns), or the one in a folder."""
    path = locate(path)
    log = WarningLog(path)
    sha, header, rows = _read_table(path, log)
    type_first = "_id" in header
    targets: dict[str, EntityProxy] = {}
    sanctions: dict[str, EntityProxy] = {}
    first_line: dict[str, int] = {}
    pending: list[tuple[EntityProxy, list[str], int]] = []
    resolver = LinkResolver()
    for line, cells in rows:
        if not cells.get("name"):
            log.add("missing_name", "row has no name; skipped", line)
            continue
        target, sanction, links = build_row(cells, line, dataset, type_first, log)
        source_id = str(target.context["source_id"])
        if source_id in targets:
            log.add("duplicate_row", f"same record as line {first_line[source_id]}; merged", line, source_id)
            targets[source_id].merge(target)
            sanctions[source_id].merge(sanction)
        else:
            first_line[source_id] = line
            targets[source_id] = target
            sanctions[source_id] = sanction
        pending.append((targets[source_id], links, line))
        for name in target.get("name"):
            resolver.add(name, target.id or "")
    if not targets:
        raise ListFormatError(path, "no data rows")
    link_entities: dict[str, EntityProxy] = {}
    for target, names, line in pending:
        for link in resolver.link(target, names, dataset, log, line):
            link_entities[link.id or ""] = link
    entities = list(targets.values()) + list(sanctions.values()) + list(link_entities.values())
    return ParseResult(dataset, FORMAT, entities, {source_name(path): sha}, None, log.items)


def _looks_like_csl(path: Path) -> bool:
    first = head_text(path, 2048).lstrip().split("\n", 1)[0].lower()
    cells = [c.strip().strip('"') for c in first.split(",")]
    return cells[:2] == ["source", "entity_number"] or cells[:3] == ["_id", "source", "entity_number"]


def locate(path: Path) -> Path:
    """The file itself, or the one CSL CSV file in a folder."""
    return single_source(path, _looks_like_csl, "Consolidated Screening List CSV")


def sniff(path: Path) -> bool:
    """True for a CSV whose header starts ``source,entity_number`` or
    ``_id,source,entity_number`` (or a folder holding exactly one)."""
    try:
        if path.is_dir():
            return only_file(path, _looks_like_csl) is not None
        return path.is_file() and _looks_like_csl(path)
    except (OSError, ListFormatError):
        return False
