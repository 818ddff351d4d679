"""US restricted-party lists in the derived ``nsfreg`` JSON shape.

The phagehunter/nsfreg project re-shaped thirteen US government lists (BIS
Entity List, MEU, Denied Persons, State ISN and DDTC debarments, OFAC
NS-CMIC and the EO 14032 annex, DoD 1260H and 1286, DHS UFLPA, CBP
withhold-release orders, the FCC covered list) into one JSON shape::

    {"list_id": "bis-entity-list", "source_file": "...", "extracted": "2026-07-09",
     "count": 3409, "entities": [{"name", "aliases", "country", "address",
     "status", "effective_date", "federal_register", "notes"}, ...]}

The files carry no record ids, so a record's source id is a hash of its
name, country and address. The BIS Entity List repeats one entity under
several country headings: those are separate records (the country
differs). Rows that repeat name, country and address are merged into one
target and reported as ``duplicate_row``.

``path`` may be one file, or the folder holding the files: a folder load
takes every file of the requested dataset (the two DDTC debarment files
both belong to ``us_ddtc_debarred``).
"""

from __future__ import annotations

import re
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
    add_country,
    content_source_id,
    make_link,
    make_sanction,
    make_target,
    parse_date,
    read_text,
    source_name,
)

FORMAT = "nsfreg_json"
DEFAULT_DATASET = "us_bis_entity"


@dataclass(frozen=True)
class ListInfo:
    """What chokepoint knows about one list the nsfreg files carry."""

    list_id: str
    dataset: str
    title: str
    authority: str
    #: chokepoint's programme code (``US-BIS-EL`` is OpenSanctions' code too).
    program_id: str
    topic: str
    source_url: str
    schema: str = "LegalEntity"


_BIS = "U.S. Department of Commerce, Bureau of Industry and Security"
_DDTC = "U.S. Department of State, Directorate of Defense Trade Controls"
_OFAC = "U.S. Department of the Treasury, Office of Foreign Assets Control"
_DOW = "U.S. Department of War (Defense)"
_DDTC_URL = (
    "https://deccspmddtc.servicenowservices.com/ddtc_public?id=ddtc_kb_article_page"
    "&sys_id=c22d1833dbb8d300d0a370131f9619f0"
)

#: Every list the nsfreg files carry, by the file's ``list_id``. Authorities
#: and URLs come from the project's ``lists.json``; they are hard-coded so a
#: single file loads on its own.
LISTS: dict[str, ListInfo] = {
    info.list_id: info
    for info in [
        ListInfo(
            "bis-entity-list", "us_bis_entity", "Entity List (15 CFR Part 744, Supplement No. 4)",
            _BIS, "US-BIS-EL", "export.control",
            "https://www.ecfr.gov/current/title-15/subtitle-B/chapter-VII/subchapter-C/part-744"
            "#Supplement-No.-4-to-Part-744",
        ),
        ListInfo(
            "bis-meu", "us_bis_meu", "Military End-User List (15 CFR Part 744, Supplement No. 7)",
            _BIS, "US-BIS-MEU", "export.control",
            "https://www.ecfr.gov/current/title-15/subtitle-B/chapter-VII/subchapter-C/part-744"
            "/appendix-Supplement%20No.%207%20to%20Part%20744",
        ),
        ListInfo(
            "bis-dpl", "us_bis_denied", "Denied Persons List", _BIS, "US-BIS-DPL", "export.control",
            "https://www.bis.gov/licensing/end-user-guidance/denied-persons-list-dpl",
        ),
        ListInfo(
            "state-nonproliferation", "us_state_isn", "Nonproliferation Sanctions (State/ISN)",
            "U.S. Department of State, Bureau of International Security and Nonproliferation",
            "US-ISN", "sanction",
            "https://www.state.gov/bureau-of-arms-control-and-nonproliferation/nonproliferation-sanctions",
        ),
        ListInfo(
            "state-debarred-statutory", "us_ddtc_debarred", "AECA/ITAR Statutorily Debarred Parties",
            _DDTC, "US-DDTC-STAT", "debarment", _DDTC_URL,
        ),
        ListInfo(
            "state-debarred-admin", "us_ddtc_debarred", "AECA/ITAR Administratively Debarred Parties",
            _DDTC, "US-DDTC-ADMIN", "debarment", _DDTC_URL,
        ),
        ListInfo(
            "ofac-nscmic", "us_ofac_nscmic", "Non-SDN Chinese Military-Industrial Complex Companies List",
            _OFAC, "US-NS-CMIC", "sanction", "https://www.treasury.gov/ofac/downloads/ccmc/nscmiclist.pdf",
            "Company",
        ),
        ListInfo(
            "ofac-eo14032", "us_ofac_eo14032", "Annex to Executive Order 14032", _OFAC, "US-EO14032",
            "sanction", "https://ofac.treasury.gov/media/99111/download?inline", "Company",
        ),
        ListInfo(
            "dow-1260h", "us_dod_1260h", "Section 1260H List (Chinese Military Companies)", _DOW,
            "US-DOD-1260H", "export.risk",
            "https://www.federalregister.gov/documents/search?conditions%5Bsearch_type_id%5D=3"
            "&conditions%5Bterm%5D=1260H",
            "Company",
        ),
        ListInfo(
            "dow-1286", "us_dod_1286", "Section 1286 List (Foreign Talent Programs and Institutions)",
            _DOW, "US-DOD-1286", "export.risk",
            "https://basicresearch.defense.gov/Programs/Academic-Research-Security/", "Organization",
        ),
        ListInfo(
            "dhs-uflpa", "us_dhs_uflpa", "UFLPA Entity List", "U.S. Department of Homeland Security",
            "US-UFLPA", "export.risk", "https://www.dhs.gov/uflpa-entity-list",
        ),
        ListInfo(
            "cbp-wro", "us_cbp_wro", "Withhold Release Orders and Findings",
            "U.S. Customs and Border Protection", "US-CBP-WRO", "export.risk",
            "https://www.cbp.gov/document/stats/withhold-release-orders-findings",
        ),
        ListInfo(
            "fcc-covered", "us_fcc_covered", "FCC Covered List (Secure Networks Act, Sec. 2)",
            "U.S. Federal Communications Commission", "US-FCC-COVERED", "export.risk",
            "https://www.fcc.gov/supplychain/coveredlist", "Company",
        ),
    ]
}

#: Dataset name -> the list ids that feed it.
DATASETS: dict[str, tuple[str, ...]] = {}
for _info in LISTS.values():
    DATASETS[_info.dataset] = DATASETS.get(_info.dataset, ()) + (_info.list_id,)

#: Country strings of these files that FtM does not resolve, checked by hand.
#: An empty tuple means "not a country, ignore" (CBP files fishing vessels
#: under a pseudo-country).
_COUNTRY_FIXES: dict[str, tuple[str, ...]] = {
    "crimea region of ukraine": ("ua-cri",),
    "north korea (dprk)": ("kp",),
    "north korean entity in china": ("kp", "cn"),
    "turkey (turkiye)": ("tr",),
    "turkish individual": ("tr",),
    "fishing vessels": (),
}

_HEAD_BYTES = 4096
_SNIFF_RE = re.compile(r'^\s*\{\s*"list_id"\s*:\s*"[^"]*"\s*,\s*"source_file"\s*:')
# "(a.k.a. X)", "(f.k.a., X" (often truncated), "; a.k.a X" inside a name.
_EMBEDDED_RE = re.compile(
    r"\s*[(;]\s*(?P<kind>a\.\s?k\.\s?a\b\.?|aka\b|f\.\s?k\.\s?a\b\.?|fka\b),?\s*(?P<other>[^()]*?)\s*\)?\s*$",
    re.IGNORECASE,
)
# "(DPRK individual)", "(individual in China)", "(Russian individual)".
_INDIVIDUAL_RE = re.compile(r"\s*\((?:[A-Za-z]+\s+)*individual(?:\s+in\s+[A-Za-z ]+)?\)", re.IGNORECASE)
_VESSEL_RE = re.compile(r"^Fishing Vessel:\s*(?P<name>.+)$")
_SEE_ALSO_RE = re.compile(r"\s*\((See alternate address[^)]*)\)\.?", re.IGNORECASE)
_ADDRESS_SPLIT_RE = re.compile(r";\s*and\s+")
_DOB_RE = re.compile(r"Date of birth:\s*(?P<date>[A-Za-z]+,?\s+\d{4})")
_EXPIRES_RE = re.compile(r"Expires:\s*(?P<date>\d{4}-\d{2}-\d{2})")
_USCC_RE = re.compile(r"USCC:\s*(?P<code>[0-9A-Z]{18})")
_PROGRAM_RE = re.compile(r"Program:\s*(?P<program>[A-Z0-9-]+)")
_LINKED_RE = re.compile(r"Linked To:\s*(?P<name>[^;|]+)")
_ISN_SEGMENT_RE = re.compile(r"Authority:\s*(?P<authority>[^;|]+?)\s*;.*?status:\s*(?P<status>[^;|]+)")
_FR_NUMERIC_DATE_RE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\b")
_FR_TEXT_DATE_RE = re.compile(r"\b([A-Z][a-z]+)\.?\s+(\d{1,2}),\s*(\d{4})\b")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"],
        1,
    )
}


# --- sniffing ---------------------------------------------------------------




def _sniff_file(path: Path) -> bool:
    return path.is_file() and bool(_SNIFF_RE.match(sniff_text(path, _HEAD_BYTES)))


def _folder_files(path: Path) -> list[Path]:
    """The nsfreg list files in a folder (``lists.json`` is metadata)."""
    candidates = sorted(path.glob("*.json")) + sorted(path.glob("*.json.gz"))
    return [p for p in candidates if _sniff_file(p)]


def sniff(path: Path) -> bool:
    """True for an nsfreg list file (``{"list_id": ..., "source_file": ...``)
    or a folder of them."""
    try:
        if path.is_dir():
            return bool(_folder_files(path))
        return _sniff_file(path)
    except OSError:
        return False


# --- parsing ----------------------------------------------------------------


def _load(path: Path, log: WarningLog) -> tuple[dict[str, Any], str]:
    """Decode one file into its top-level object, checking the shape."""
    text, sha = read_text(path, log)
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ListFormatError(path, f"invalid JSON: {exc}", line=exc.lineno) from exc
    if not isinstance(data, dict) or "list_id" not in data:
        raise ListFormatError(path, "not an nsfreg list file: no top-level 'list_id'")
    if not isinstance(data.get("entities"), list):
        raise ListFormatError(path, "not an nsfreg list file: 'entities' is not a list")
    return data, sha


def _list_info(path: Path, data: dict[str, Any]) -> ListInfo:
    list_id = data.get("list_id")
    info = LISTS.get(list_id) if isinstance(list_id, str) else None
    if info is None:
        raise ListFormatError(path, f"unknown list_id {list_id!r} (known: {', '.join(sorted(LISTS))})")
    return info


def _text(value: Any) -> str | None:
    """A stripped string, or None for empty / non-string values."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def split_name(raw: str) -> tuple[str, list[str], list[str], bool]:
    """Split a listed name into ``(name, aliases, previous_names, is_person)``.

    The derived files sometimes keep the list's own annotations inside the
    name: ``"Gazprom Flot, OOO (f.k.a., Obshchestvo ...)"``, ``"Ri Sung Chol
    (DPRK individual)"``, ``"Man, Cho Yan Nathan; a.k.a Nathan Man"``. The
    "individual" note marks a person; a.k.a./f.k.a. parts become aliases /
    previous names (a truncated ``"(a.k.a."`` yields nothing)."""
    name = raw.strip()
    is_person = bool(_INDIVIDUAL_RE.search(name))
    name = _INDIVIDUAL_RE.sub("", name).strip()
    aliases: list[str] = []
    previous: list[str] = []
    match = _EMBEDDED_RE.search(name)
    if match and match.start() > 0:
        other = match.group("other").strip(" \t,.\"'“”‘’")
        if other:
            kind = match.group("kind").lower().replace(".", "").replace(" ", "")
            (previous if kind == "fka" else aliases).append(other)
        name = name[: match.start()].strip()
    return name, aliases, previous, is_person


def _month_year(text: str) -> str | None:
    """``"November, 1975"`` -> ``"1975-11"``."""
    parts = text.replace(",", " ").split()
    if len(parts) == 2 and parts[0].lower() in _MONTHS and parts[1].isdigit():
        return f"{int(parts[1]):04d}-{_MONTHS[parts[0].lower()]:02d}"
    return None


def _date(value: str | None) -> str | None:
    """ISO, MM/DD/YYYY or ``"June 21, 2022"`` dates."""
    if not value:
        return None
    iso = parse_date(value, order="mdy")
    if iso:
        return iso
    match = _FR_TEXT_DATE_RE.fullmatch(value.strip())
    if match:
        month = _MONTHS.get(match.group(1).lower())
        if month:
            return parse_date(f"{match.group(3)}-{month:02d}-{int(match.group(2)):02d}")
    return None


def federal_register_dates(citation: str | None) -> list[str]:
    """Dates in a Federal Register citation string (``"76 FR 71869,
    11/21/11."`` or ``"Vol. 89, No. 230, November 29, 2024 Federal
    Register"``), as ISO dates."""
    if not citation:
        return []
    found: list[str] = []
    for month, day, year in _FR_NUMERIC_DATE_RE.findall(citation):
        yy = int(year)
        if len(year) == 2:
            yy += 1900 if yy >= 50 else 2000
        iso = parse_date(f"{yy:04d}-{int(month):02d}-{int(day):02d}")
        if iso:
            found.append(iso)
    for match in _FR_TEXT_DATE_RE.finditer(citation):
        iso = _date(match.group(0))
        if iso:
            found.append(iso)
    return found


def _add_country(entity: EntityProxy, value: str | None, log: WarningLog) -> None:
    """Add a country, resolving the few spellings FtM does not know."""
    if not value:
        return
    fixed = _COUNTRY_FIXES.get(value.strip().lower())
    if fixed is not None:
        entity.add("country", list(fixed))
        return
    add_country(entity, "country", value, log)


def _schema_for(info: ListInfo, name: str, is_person: bool, notes: str | None) -> str:
    if _VESSEL_RE.match(name):
        return "Vessel"
    if is_person or (notes and _DOB_RE.search(notes)):
        return "Person"
    return info.schema


def _fill(
    target: EntityProxy,
    sanction: EntityProxy,
    record: dict[str, Any],
    info: ListInfo,
    log: WarningLog,
) -> None:
    """Add one record's facts to its target and Sanction (called again for
    a duplicate row, so merging is just adding)."""
    source_id = target.context["source_id"]
    name, aliases, previous, _ = split_name(_text(record.get("name")) or "")
    vessel = _VESSEL_RE.match(name)
    if vessel and target.schema.name == "Vessel":
        aliases.append(name)
        name = vessel.group("name")
    target.add("name", name)
    target.add("alias", aliases)
    target.add("previousName", previous)
    raw_aliases = record.get("aliases") or []
    if not isinstance(raw_aliases, list):
        log.add("aliases", "'aliases' is not a list; ignored", record=source_id)
        raw_aliases = []
    for alias in raw_aliases:
        alias_name, more, prev, _ = split_name(_text(alias) or "")
        target.add("alias", [alias_name, *more])
        target.add("previousName", prev)

    _add_country(target, _text(record.get("country")), log)
    address = _text(record.get("address"))
    notes = _text(record.get("notes"))
    if address:
        see_also = _SEE_ALSO_RE.search(address)
        if see_also:
            target.add("notes", see_also.group(1))
            address = _SEE_ALSO_RE.sub("", address)
        target.add("address", [a.strip(" ;.") for a in _ADDRESS_SPLIT_RE.split(address)])
    target.add("notes", notes)
    target.add("topics", info.topic)
    target.add("programId", info.program_id)
    sanction.add("programId", info.program_id)
    _add_note_facts(target, sanction, notes, info)

    effective = _text(record.get("effective_date"))
    citation = _text(record.get("federal_register"))
    listed = _date(effective)
    if effective and not listed:
        log.add("date", f"unparseable effective_date {effective!r}", record=source_id)
    if listed is None:
        fr_dates = federal_register_dates(citation)
        listed = min(fr_dates) if fr_dates else None
    if listed:
        sanction.add("listingDate", listed)
        sanction.add("startDate", listed)
    if citation:
        sanction.add("description", f"Federal Register: {citation}")
    sanction.add("status", _text(record.get("status")))


def _add_note_facts(target: EntityProxy, sanction: EntityProxy, notes: str | None, info: ListInfo) -> None:
    """Structured facts hidden in the ``notes`` text of some lists."""
    if not notes:
        return
    if info.list_id in ("bis-entity-list", "bis-meu") and "EAR" in notes:
        sanction.add("provisions", notes)  # the licence requirement
    dob = _DOB_RE.search(notes)
    if dob and target.schema.name == "Person":
        target.add("birthDate", _month_year(dob.group("date")))
    expires = _EXPIRES_RE.search(notes)
    if expires:
        sanction.add("endDate", expires.group("date"))
    for code in _USCC_RE.findall(notes):
        target.add("registrationNumber", code)
    for program in _PROGRAM_RE.findall(notes):
        target.add("programId", program)
        sanction.add("programId", program)
    isn = _ISN_SEGMENT_RE.findall(notes)
    if isn:
        sanction.add("program", [authority for authority, _ in isn])
        statuses = [status.strip() for _, status in isn]
        active = [s for s in statuses if s.lower().startswith("active")]
        sanction.add("status", active[0] if active else statuses[-1])


def ensure_reference(entity: EntityProxy, prop: str, entity_id: str | None) -> None:
    """Make sure ``entity.prop`` references ``entity_id``.

    FtM's entity type rejects ids with ``_`` (``us_bis_entity-…``), so the
    cleaning ``add`` in :func:`make_sanction` / :func:`make_link` drops the
    reference; add it again without cleaning (the id is ours)."""
    if entity_id and entity_id not in entity.get(prop):
        entity.add(prop, entity_id, cleaned=True)


def _resolve_links(
    targets: dict[str, EntityProxy], pending: list[tuple[EntityProxy, str]], dataset: str, log: WarningLog
) -> list[EntityProxy]:
    """``Linked To: NAME`` notes (NS-CMIC) as UnknownLinks to the named
    record of the same file, when one has that name or alias."""
    by_name: dict[str, str] = {}
    for target in targets.values():
        for value in target.get("name") + target.get("alias"):
            by_name.setdefault(value.casefold(), target.id or "")
    links: list[EntityProxy] = []
    for subject, name in pending:
        other = by_name.get(name.strip().casefold())
        if other and other != subject.id:
            link = make_link(subject, other, "Linked To", dataset)
            ensure_reference(link, "subject", subject.id)
            ensure_reference(link, "object", other)
            links.append(link)
        else:
            log.add("link", f"'Linked To: {name.strip()}' names no record of this file", record=subject.context["source_id"])
    return links


def _parse_file(
    path: Path,
    data: dict[str, Any],
    info: ListInfo,
    dataset: str,
    targets: dict[str, EntityProxy],
    sanctions: dict[str, EntityProxy],
    log: WarningLog,
) -> list[EntityProxy]:
    """Parse the records of one file into ``targets``/``sanctions`` (shared
    across the files of a folder load); returns the link entities."""
    records = data["entities"]
    count = data.get("count")
    if isinstance(count, int) and count != len(records):
        log.add("count", f"file says count={count} but holds {len(records)} entities")
    pending: list[tuple[EntityProxy, str]] = []
    for index, record in enumerate(records):
        where = f"#{index}"
        name = _text(record.get("name")) if isinstance(record, dict) else None
        if not name:
            log.add("missing_name", "record without a name; skipped", record=where)
            continue
        clean_name, _, _, is_person = split_name(name)
        if not clean_name:
            log.add("missing_name", f"name {name!r} is only an annotation; skipped", record=where)
            continue
        country, address = _text(record.get("country")), _text(record.get("address"))
        source_id = content_source_id(name, country, address)
        target = targets.get(source_id)
        if target is None:
            schema = _schema_for(info, clean_name, is_person, _text(record.get("notes")))
            target = make_target(schema, dataset, source_id)
            targets[source_id] = target
            sanction = make_sanction(
                target, dataset, info.authority, [info.program_id],
                source_url=info.source_url, program=[info.title],
            )
            ensure_reference(sanction, "entity", target.id)
            sanctions[source_id] = sanction
        else:
            log.add("duplicate_row", f"{name!r} repeats an earlier row; merged", record=where)
        _fill(target, sanctions[source_id], record, info, log)
        for linked in _LINKED_RE.findall(_text(record.get("notes")) or ""):
            pending.append((target, linked))
    return _resolve_links(targets, pending, dataset, log) if pending else []


def parse(path: Path, dataset: str = DEFAULT_DATASET) -> ParseResult:
    """Parse one nsfreg file (which must be a list of ``dataset``) or every
    file of ``dataset`` in a folder."""
    if dataset not in DATASETS:
        raise ListFormatError(path, f"dataset {dataset!r} is not an nsfreg list (known: {', '.join(sorted(DATASETS))})")
    files = _folder_files(path) if path.is_dir() else [path]
    if path.is_dir() and not files:
        raise ListFormatError(path, "folder holds no nsfreg list files")
    targets: dict[str, EntityProxy] = {}
    sanctions: dict[str, EntityProxy] = {}
    links: list[EntityProxy] = []
    hashes: dict[str, str] = {}
    warnings = []
    published: date | None = None
    for file in files:
        log = WarningLog(file)
        data, sha = _load(file, log)
        info = _list_info(file, data)
        if info.dataset != dataset:
            if path.is_dir():
                continue
            raise ListFormatError(file, f"file is the {info.title} list ({info.list_id}), not dataset {dataset!r}")
        hashes[source_name(file)] = sha
        links.extend(_parse_file(file, data, info, dataset, targets, sanctions, log))
        extracted = _date(_text(data.get("extracted")))
        if extracted and (published is None or extracted > published.isoformat()):
            published = date.fromisoformat(extracted)
        warnings.extend(log.items)
    if not hashes:
        raise ListFormatError(path, f"folder holds no file of dataset {dataset!r}")
    entities: list[EntityProxy] = []
    for source_id, target in targets.items():
        entities.append(target)
        entities.append(sanctions[source_id])
    entities.extend(links)
    return ParseResult(dataset, FORMAT, entities, hashes, published, warnings)
