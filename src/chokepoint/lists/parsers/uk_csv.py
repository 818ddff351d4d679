"""UK Sanctions List (FCDO), as the five-file CSV set of covyr/uk-sanctions-list.

A folder holding ``subjects.csv`` (one row per designation), and the
``subject_names``, ``subject_dobs``, ``subject_identifiers`` and
``subject_countries`` files keyed by ``unique_id`` (``RUS0001``), each
possibly gzip-compressed (``.csv.gz``). It is a third-party reshaping of the
FCDO's UK-Sanctions-List.csv; the record id is the FCDO Unique ID, exactly as
in the FCDO's ODS/XLSX export, so both formats give the same entity ids.

Quirks handled:

* the files have **no regime column**: the regime is the three-letter
  prefix of the Unique ID (``RUS`` Russia, ``INU`` Iran (Nuclear)…), used as
  ``programId``; :data:`UK_REGIMES` gives the regime names;
* the secondary files repeat rows many times over (a cross join upstream):
  values are de-duplicated;
* registration numbers are free text ("INN - 7801062273 OGRN -
  1027800509901"): labelled numbers are split into ``innCode``/``taxNumber``,
  ``ogrnCode`` and ``registrationNumber``;
* identifiers may start with an Excel text-marker quote (``'00073994``).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator

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
    read_text,
    sha256_bytes,
    source_name,
)
from chokepoint.lists.parsers.un_xml import clean, head_text, read_head

FORMAT = "uk_csv"
DEFAULT_DATASET = "gb_fcdo_sanctions"
AUTHORITY = "UK Foreign, Commonwealth and Development Office"
SOURCE_URL = "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.csv"

#: UK regime code (the Unique ID prefix) → regime name, as in the FCDO list.
UK_REGIMES = {
    "AFG": "Afghanistan",
    "AQD": "ISIL (Da'esh) and Al-Qaida",
    "BEL": "Belarus",
    "BIH": "Bosnia and Herzegovina",
    "CAF": "Central African Republic",
    "CHW": "Chemical Weapons",
    "CTD": "Counter-Terrorism (Domestic)",
    "CTI": "Counter-Terrorism (International)",
    "CYB": "Cyber",
    "DPR": "Democratic People's Republic of Korea",
    "DRC": "Democratic Republic of the Congo",
    "GAC": "Global Anti-Corruption",
    "GHR": "Global Human Rights",
    "GIM": "Global Irregular Migration",
    "GUB": "Guinea-Bissau",
    "GUC": "Guinea",
    "HAI": "Haiti",
    "INU": "Iran (Nuclear)",
    "IRN": "Iran",
    "IRQ": "Iraq",
    "LIB": "Libya",
    "MAL": "Mali",
    "MYA": "Myanmar",
    "NIC": "Nicaragua",
    "RUS": "Russia",
    "SOM": "Somalia",
    "SSU": "South Sudan",
    "SUD": "Sudan",
    "SYR": "Syria",
    "VEN": "Venezuela",
    "YEM": "Yemen",
}

#: FCDO subject type → FtM schema.
UK_SCHEMATA = {"individual": "Person", "entity": "Organization", "ship": "Vessel"}

_FILES = {
    "subjects": ("subjects.csv", {"unique_id", "subject_type"}),
    "names": ("subject_names.csv", {"unique_id", "name_type", "full_name"}),
    "dobs": ("subject_dobs.csv", {"unique_id", "year"}),
    "identifiers": ("subject_identifiers.csv", {"unique_id", "raw_value", "identifier_type"}),
    "countries": ("subject_countries.csv", {"unique_id", "country_type", "raw_value"}),
}
_REQUIRED = ("subjects", "names")
#: More distinct dates of birth than this for one person is flagged: the
#: derived dobs file gives a few people (CAF0010 Joseph Kony: 202) dozens.
MAX_PLAUSIBLE_DOBS = 12


def regime_code(unique_id: str) -> str | None:
    """The regime code of a UK Unique ID (``RUS0001`` → ``RUS``)."""
    match = re.match(r"([A-Z]{3})\d", unique_id.strip().upper())
    return match.group(1) if match else None


def uk_schema(subject_type: str | None) -> str | None:
    """FtM schema of an FCDO subject type (Individual, Entity, Ship)."""
    return UK_SCHEMATA.get((subject_type or "").strip().lower())


def find_file(folder: Path, name: str) -> Path | None:
    """``folder/name`` or its bundled ``.gz`` copy, if either exists."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _folder(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def sniff(path: Path) -> bool:
    """True for a folder (or a file in a folder) holding ``subjects.csv``
    and ``subject_names.csv`` whose header starts with ``unique_id``."""
    if not path.exists():
        return False
    folder = _folder(path)
    subjects = find_file(folder, "subjects.csv")
    if subjects is None or find_file(folder, "subject_names.csv") is None:
        return False
    header = head_text(read_head(subjects, 512)).splitlines()[:1]
    return bool(header) and header[0].strip().startswith("unique_id")


# --- reading ----------------------------------------------------------------


def _rows(path: Path, required: set[str], log: WarningLog) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, row)`` for each data row of a CSV file, header checked."""
    text, _ = read_text(path, log)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ListFormatError(path, "file is empty") from None
    except csv.Error as exc:
        raise ListFormatError(path, f"bad CSV header: {exc}", line=1) from exc
    missing = required - set(header)
    if missing:
        raise ListFormatError(
            path, f"missing column(s) {', '.join(sorted(missing))}; header is {', '.join(header)}", line=1
        )
    width = len(header)
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(values) != width:
                log.add("row_width", f"{len(values)} fields, header has {width}", line=reader.line_num)
            yield reader.line_num, dict(zip(header, (v.strip() for v in values)))
    except csv.Error as exc:
        raise ListFormatError(path, f"bad CSV: {exc}", line=reader.line_num) from exc


@dataclass
class _Subject:
    """Everything collected for one Unique ID before entities are made."""

    row: dict[str, str]
    names: list[dict[str, str]] = field(default_factory=list)
    dobs: set[str] = field(default_factory=set)
    identifiers: dict[tuple[str, str], str] = field(default_factory=dict)
    countries: set[tuple[str, str, str]] = field(default_factory=set)


def parse(path: Path, dataset: str) -> ParseResult:
    """Parse the UK CSV set into Person/Organization/Vessel + Sanction."""
    folder = _folder(path)
    files: dict[str, Path] = {}
    for key, (name, _) in _FILES.items():
        found = find_file(folder, name)
        if found is not None:
            files[key] = found
        elif key in _REQUIRED:
            raise ListFormatError(folder, f"{name} is missing: not a UK sanctions CSV set")
    log = WarningLog(folder)
    hashes = {source_name(p): sha256_bytes(read_bytes(p)) for p in files.values()}
    for key in _FILES:
        if key not in files:
            log.add("missing_file", f"{_FILES[key][0]} not found; its data is absent")
    subjects = _read_subjects(files["subjects"], log)
    _read_names(files["names"], subjects, log)
    if "dobs" in files:
        _read_dobs(files["dobs"], subjects, log)
    if "identifiers" in files:
        _read_identifiers(files["identifiers"], subjects, log)
    if "countries" in files:
        _read_countries(files["countries"], subjects, log)
    entities: list[EntityProxy] = []
    updated: list[str] = []
    for unique_id, subject in subjects.items():
        target = _build(unique_id, subject, dataset, log)
        entities.append(target)
        entities.append(_sanction(target, subject.row, dataset))
        last = parse_date(subject.row.get("last_updated"))
        if last:
            updated.append(last)
    published = date.fromisoformat(max(updated)) if updated and len(max(updated)) == 10 else None
    return ParseResult(
        dataset=dataset,
        format=FORMAT,
        entities=entities,
        files=hashes,
        published=published,
        warnings=log.items,
    )


def _read_subjects(path: Path, log: WarningLog) -> dict[str, _Subject]:
    wlog = WarningLog(path)
    subjects: dict[str, _Subject] = {}
    for line, row in _rows(path, _FILES["subjects"][1], wlog):
        unique_id = row["unique_id"].upper()
        if not unique_id:
            wlog.add("missing_id", "row without unique_id skipped", line=line)
        elif unique_id in subjects:
            wlog.add("duplicate_id", "unique_id repeated; later row skipped", line=line, record=unique_id)
        else:
            subjects[unique_id] = _Subject(row)
    log.items.extend(wlog.items)
    if not subjects:
        raise ListFormatError(path, "no subjects")
    return subjects


def _owned_rows(
    path: Path, key: str, subjects: dict[str, _Subject], log: WarningLog
) -> Iterator[tuple[int, dict[str, str], _Subject, WarningLog]]:
    """Rows of a secondary file with their subject; orphans are warned."""
    wlog = WarningLog(path)
    for line, row in _rows(path, _FILES[key][1], wlog):
        subject = subjects.get(row["unique_id"].upper())
        if subject is None:
            wlog.add("orphan_row", f"unique_id {row['unique_id']!r} is not in subjects.csv; row skipped",
                     line=line, record=row["unique_id"])
            continue
        yield line, row, subject, wlog
    log.items.extend(wlog.items)


def _read_names(path: Path, subjects: dict[str, _Subject], log: WarningLog) -> None:
    seen: set[tuple[str, ...]] = set()
    for _, row, subject, _ in _owned_rows(path, "names", subjects, log):
        key = (row["unique_id"], row.get("name_type", ""), row.get("alias_strength", ""), row["full_name"])
        if key not in seen:
            seen.add(key)
            subject.names.append(row)


def _read_dobs(path: Path, subjects: dict[str, _Subject], log: WarningLog) -> None:
    for line, row, subject, wlog in _owned_rows(path, "dobs", subjects, log):
        value = _dob(row)
        if value is None:
            wlog.add("date", f"unusable date of birth {row.get('year')!r}-{row.get('month')!r}-"
                     f"{row.get('day')!r}", line=line, record=row["unique_id"])
        else:
            subject.dobs.add(value)


def _dob(row: dict[str, str]) -> str | None:
    """ISO date (prefix) of a subject_dobs row, as precise as it says."""
    year, month, day = row.get("year", ""), row.get("month", ""), row.get("day", "")
    precision = row.get("precision", "").lower()
    if not year.isdigit():
        return None
    if precision == "year_only" or not month.isdigit():
        return parse_date(year)
    if precision == "month_year" or not day.isdigit():
        return parse_date(f"{year}-{int(month):02d}")
    return parse_date(f"{year}-{int(month):02d}-{int(day):02d}")


def _read_identifiers(path: Path, subjects: dict[str, _Subject], log: WarningLog) -> None:
    for _, row, subject, _ in _owned_rows(path, "identifiers", subjects, log):
        value = clean(row["raw_value"])
        if value:
            subject.identifiers.setdefault((row["identifier_type"].lower(), value),
                                           clean(row.get("additional_info")) or "")


def _read_countries(path: Path, subjects: dict[str, _Subject], log: WarningLog) -> None:
    for _, row, subject, _ in _owned_rows(path, "countries", subjects, log):
        subject.countries.add((row["country_type"].lower(), row.get("iso", ""), row["raw_value"]))


# --- building entities ------------------------------------------------------


def _build(unique_id: str, subject: _Subject, dataset: str, log: WarningLog) -> EntityProxy:
    """The target entity of one subject."""
    schema = uk_schema(subject.row.get("subject_type"))
    if schema is None:
        log.add("subject_type", f"unknown subject_type {subject.row.get('subject_type')!r}; "
                "loaded as LegalEntity", record=unique_id)
        schema = "LegalEntity"
    entity = make_target(schema, dataset, unique_id)
    _add_names(entity, subject.names, log)
    code = regime_code(unique_id)
    if code:
        entity.add("programId", code, cleaned=True)
        entity.add("program", UK_REGIMES.get(code), cleaned=True)
    entity.add("topics", "sanction", cleaned=True)
    if len(subject.dobs) > MAX_PLAUSIBLE_DOBS:
        log.add("dob_count", f"{len(subject.dobs)} dates of birth (upstream join error?); all kept",
                record=unique_id)
    if subject.dobs:
        if entity.schema.is_a("Person"):
            entity.add("birthDate", sorted(subject.dobs), cleaned=True)
        else:
            log.add("dob", "date of birth on a non-person ignored", record=unique_id)
    for (kind, value), info in sorted(subject.identifiers.items()):
        add_identifier(entity, kind, value, info, log)
    for role, iso, raw in sorted(subject.countries):
        _add_country(entity, role, iso, raw, log)
    return entity


_WEAK = {"low_quality_aka", "low", "weak"}


def _add_names(entity: EntityProxy, names: list[dict[str, str]], log: WarningLog) -> None:
    """First primary name → name (+ parts for people); everything else
    → alias, or weakAlias when the alias strength is low."""
    primary = next((n for n in names if n.get("name_type", "").lower() == "primary"), None)
    if primary is None and names:
        primary = names[0]
        log.add("missing_name", "no primary name; first name used", record=entity.context["source_id"])
    for row in names:
        name = clean(row["full_name"])
        if name is None:
            continue
        if row is primary:
            entity.add("name", name, cleaned=True)
            if entity.schema.is_a("Person"):
                _add_name_parts(entity, row)
        elif row.get("alias_strength", "").lower() in _WEAK:
            entity.add("weakAlias", name, cleaned=True)
        else:
            entity.add("alias", name, cleaned=True)
    if not entity.has("name"):
        log.add("missing_name", "subject without any name; Unique ID used as name",
                record=entity.context["source_id"])
        entity.add("name", entity.context["source_id"], cleaned=True)


def _add_name_parts(entity: EntityProxy, row: dict[str, str]) -> None:
    """name_1 is the forename, name_2..name_5 further names, name_6 the surname."""
    entity.add("firstName", clean(row.get("name_1")), cleaned=True)
    middle = " ".join(p for p in (clean(row.get(f"name_{i}")) for i in range(2, 6)) if p)
    entity.add("middleName", middle or None, cleaned=True)
    entity.add("lastName", clean(row.get("name_6")), cleaned=True)


_LABELS = [
    ("ogrn", re.compile(r"\b(ogrn\w*|p?srn|огрн\w*)\b", re.I)),
    ("tax", re.compile(r"\b(inn|tin|tax|itn|инн|унн)\b", re.I)),
    ("registration", re.compile(r"\b(uscc|registration|reg|company|business)\b", re.I)),
]
_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]*[0-9][A-Z0-9-]*(?:/[A-Z0-9-]+)*")
_GLUED = re.compile(r"(?<=\d)(?=[A-Z]{3,}\b)")
_SINGLE = re.compile(r"[\w./-]+")


def labelled_numbers(value: str) -> list[tuple[str, str]]:
    """``(kind, number)`` pairs in a free-text identifier field: each number
    (5+ characters with a digit) takes the label written before it, or the
    previous number's label; kinds are ``ogrn``, ``tax``, ``registration``."""
    value = _GLUED.sub(" ", value.replace("'", " ").upper())
    pairs: list[tuple[str, str]] = []
    kind, end = "registration", 0
    for match in _NUMBER.finditer(value):
        label = value[end : match.start()]
        end = match.end()
        for name, pattern in _LABELS:
            if pattern.search(label):
                kind = name
                break
        for number in match.group(0).split("/"):
            number = number.strip("-")
            if len(number) >= 5:
                pairs.append((kind, number))
    return pairs


def _valid(entity: EntityProxy, prop: str, value: str) -> bool:
    """True if ``value`` is valid for ``prop`` (checksums for INN/OGRN/IMO…)."""
    prop_ = entity.schema.properties.get(prop)
    return prop_ is not None and prop_.type.clean(value, format=prop_.format, proxy=entity) is not None


def add_identifier(entity: EntityProxy, kind: str, value: str, info: str, log: WarningLog) -> None:
    """One UK identifier (passport, national, business_registration_numbers,
    imo) on the target; the additional information becomes a note."""
    value = value.strip("' ")
    source_id = entity.context["source_id"]
    if kind == "imo":
        if _valid(entity, "imoNumber", value):
            entity.add("imoNumber", value)
        else:
            log.add("identifier", f"invalid IMO number {value!r} kept as registrationNumber",
                    record=source_id)
            entity.add("registrationNumber", value)
        return
    if kind == "business_registration_numbers" or ("INN" in info.upper() and kind == "national"):
        pairs = labelled_numbers(value)
        if "INN" in info.upper():
            pairs = [("tax", n) for _, n in pairs]
        for sub_kind, number in pairs:
            _add_labelled(entity, sub_kind, number)
        if not pairs:
            entity.add("registrationNumber" if kind != "national" else "idNumber", value)
        elif len(pairs) > 1 or pairs[0][1] != value:
            entity.add("notes", f"Registration numbers: {value}", cleaned=True)
        return
    prop = "passportNumber" if kind == "passport" else "idNumber"
    if kind not in ("passport", "national"):
        log.add("identifier_type", f"unknown identifier type {kind!r} read as idNumber", record=source_id)
    if _SINGLE.fullmatch(value):
        entity.add(prop, value)
    else:  # "Indonesia, number T710219 (issued in …)": keep the numbers
        numbers = [n for _, n in labelled_numbers(value)]
        entity.add(prop, numbers or value)
        info = "; ".join(p for p in (value, info) if p) if numbers else info
    if info:
        label = "Passport" if kind == "passport" else "ID"
        entity.add("notes", f"{label} {value}: {info}", cleaned=True)


def _add_labelled(entity: EntityProxy, kind: str, number: str) -> None:
    """A labelled company number: INN/OGRN when they validate as such."""
    if kind == "ogrn" and _valid(entity, "ogrnCode", number):
        entity.add("ogrnCode", number)
    elif kind == "tax" and _valid(entity, "innCode", number):
        entity.add("innCode", number)
    elif kind == "tax":
        entity.add("taxNumber", number)
    else:
        entity.add("registrationNumber", number)


def _add_country(entity: EntityProxy, role: str, iso: str, raw: str, log: WarningLog) -> None:
    """A country mention by role: nationality, birth (people) or address."""
    if role == "nationality":
        prop = "nationality" if entity.schema.is_a("Person") else "country"
    elif role == "birth":
        if not entity.schema.is_a("Person"):
            return
        prop = "birthCountry"
    else:
        prop = "country"
    add_country(entity, prop, iso or raw, log)


def _sanction(target: EntityProxy, row: dict[str, str], dataset: str) -> EntityProxy:
    """The Sanction of one subject: regime, designation date, references."""
    unique_id = target.context["source_id"]
    code = regime_code(unique_id)
    regime = UK_REGIMES.get(code or "")
    sanction = make_sanction(
        target,
        dataset,
        AUTHORITY,
        program_ids=[code] if code else [],
        listing_date=parse_date(row.get("date_designated")),
        source_url=SOURCE_URL,
        program=[regime] if regime else [],
    )
    sanction.add("modifiedAt", parse_date(row.get("last_updated")), cleaned=True)
    sanction.add("unscId", clean(row.get("un_reference_number")), cleaned=True)
    sanction.add("recordId", clean(row.get("ofsi_group_id")), cleaned=True)
    return sanction
