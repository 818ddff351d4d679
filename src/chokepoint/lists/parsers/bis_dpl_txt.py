"""BIS Denied Persons List, tab-separated text (``dpl.txt``).

Header: ``Name, Street_Address, City, State, Country, Postal_Code,
Effective_Date, Expiration_Date, Standard_Order, Last_Update, Action,
FR_Citation`` (every cell in double quotes). Effective and expiration dates
are MM/DD/YYYY, ``Last_Update`` is ISO. The list has no record ids, so a
row's source id is a hash of its name, address and effective date: the
same row keeps its id across versions. One denied party often has several
rows (one per address); each row is one target, as the list publishes it.
"""

from __future__ import annotations

from datetime import date
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
    parse_date,
    read_csv_table,
    read_text,
    source_name,
)
from chokepoint.lists.parsers.ofac_csv import head_text, only_file, put, single_source

FORMAT = "bis_dpl_txt"
DEFAULT_DATASET = "us_bis_denied"
AUTHORITY = "US Commerce BIS"
PROGRAM_ID = "DPL"
TOPIC = "export.control"

COLUMNS = (
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
)
_REQUIRED = ("Name", "Street_Address", "City", "Country", "Effective_Date")

#: US state and territory codes: a row with one of these in ``State`` and
#: no ``Country`` is in the United States (the list leaves it blank).
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split()
)


def _read_table(path: Path, log: WarningLog) -> tuple[str, list[str], list[tuple[int, list[str]]]]:
    """``(sha256, header, rows with their line numbers)``."""
    text, sha = read_text(path, log)
    header, rows = read_csv_table(
        path, text, "BIS Denied Persons List", _REQUIRED, delimiter="\t",
        normalize_header=lambda c: c.strip().strip('"').strip(), fields="tab-separated fields",
    )
    if not rows:
        raise ListFormatError(path, "no data rows")
    return sha, header, rows


def _date(value: str | None, field: str, log: WarningLog, line: int, record: str) -> str | None:
    """A US (month-first) or ISO date; unreadable ones are warned."""
    if not value:
        return None
    parsed = parse_date(value, order="mdy")
    if parsed is None:
        log.add("date", f"unreadable {field} {value!r}", line, record)
    return parsed


def _address(cells: dict[str, str]) -> str:
    parts = (cells.get(k) for k in ("Street_Address", "City", "State", "Postal_Code", "Country"))
    return ", ".join(p for p in parts if p)


def build_row(
    cells: dict[str, str], line: int, dataset: str, log: WarningLog
) -> tuple[EntityProxy, EntityProxy, list[str]]:
    """Target and Sanction of one row, and the dates it carries."""
    name = cells.get("Name", "")
    source_id = content_source_id(
        name, cells.get("Street_Address"), cells.get("City"), cells.get("Country"), cells.get("Effective_Date")
    )
    target = make_target("LegalEntity", dataset, source_id)
    put(target, "name", name)
    target.add("topics", TOPIC, cleaned=True)
    target.add("programId", PROGRAM_ID, cleaned=True)
    address = _address(cells)
    if address:
        put(target, "address", address)
    country = cells.get("Country")
    if not country and cells.get("State", "").upper() in US_STATES:
        country = "US"
    elif country and clean_country(country) is None and country.upper() in US_STATES:
        country = "US"  # a state code in the Country column
    add_country(target, "country", country, log, line)
    effective = _date(cells.get("Effective_Date"), "Effective_Date", log, line, source_id)
    expiration = _date(cells.get("Expiration_Date"), "Expiration_Date", log, line, source_id)
    updated = _date(cells.get("Last_Update"), "Last_Update", log, line, source_id)
    sanction = make_sanction(target, dataset, AUTHORITY, [PROGRAM_ID], effective)
    if expiration:
        sanction.add("endDate", expiration, cleaned=True)
    put(sanction, "provisions", cells.get("FR_Citation") or None)
    put(sanction, "description", cells.get("Action") or None)
    if updated:
        sanction.add("modifiedAt", updated, cleaned=True)
    if cells.get("Standard_Order"):
        put(target, "notes", f"Standard order: {cells['Standard_Order']}")
    return target, sanction, [d for d in (effective, updated) if d]


def parse(path: Path, dataset: str = DEFAULT_DATASET) -> ParseResult:
    """Parse a BIS Denied Persons List ``dpl.txt`` file (or the one in a folder)."""
    path = locate(path)
    log = WarningLog(path)
    sha, header, rows = _read_table(path, log)
    targets: dict[str, EntityProxy] = {}
    sanctions: dict[str, EntityProxy] = {}
    first_line: dict[str, int] = {}
    dates: list[str] = []
    for line, row in rows:
        cells = {h: c.strip() for h, c in zip(header, row)}
        if not cells.get("Name"):
            log.add("missing_name", "row has no name; skipped", line)
            continue
        target, sanction, row_dates = build_row(cells, line, dataset, log)
        dates.extend(row_dates)
        source_id = str(target.context["source_id"])
        if source_id in targets:
            log.add(
                "duplicate_row",
                f"same party, address and date as line {first_line[source_id]}; merged",
                line,
                source_id,
            )
            targets[source_id].merge(target)
            sanctions[source_id].merge(sanction)
            continue
        first_line[source_id] = line
        targets[source_id] = target
        sanctions[source_id] = sanction
    published = _published(dates)
    entities = list(targets.values()) + list(sanctions.values())
    return ParseResult(dataset, FORMAT, entities, {source_name(path): sha}, published, log.items)


def _published(dates: list[str]) -> date | None:
    """The list's date: its latest effective or update date."""
    full = [d for d in dates if len(d) == 10]
    return date.fromisoformat(max(full)) if full else None


def _looks_like_dpl(path: Path) -> bool:
    first = head_text(path, 1024).lstrip().split("\n", 1)[0]
    cells = [c.strip().strip('"').lower() for c in first.split("\t")]
    return cells[:2] == ["name", "street_address"]


def locate(path: Path) -> Path:
    """The file itself, or the one Denied Persons List file in a folder."""
    return single_source(path, _looks_like_dpl, "BIS Denied Persons List file")


def sniff(path: Path) -> bool:
    """True for a tab-separated file whose header starts Name,
    Street_Address (or a folder holding exactly one)."""
    try:
        if path.is_dir():
            return only_file(path, _looks_like_dpl) is not None
        return path.is_file() and _looks_like_dpl(path)
    except (OSError, ListFormatError):
        return False
