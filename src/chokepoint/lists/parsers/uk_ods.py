"""UK Sanctions List (FCDO), OpenDocument spreadsheet summary export.

File such as ``FCDO_SL_Mon_Aug 11 2025.ods``: one sheet with the header
``Unique ID, OFSI Group ID, Name, Regime Name, Type, Designation source,
Date Designated, Sanctions Imposed``, one row per designation, **primary
names only**. An ODS file is a zip; ``content.xml`` is streamed with
``iterparse`` (odfpy is far slower), expanding
``table:number-columns-repeated`` and skipping the empty padding rows
(``table:number-rows-repeated``, ~1M of them).

A few title rows above the header are tolerated; a "Report Date: …" one
gives the publication date, otherwise it is read from the file name.

The record id is the Unique ID, as in :mod:`uk_csv`, so the same
designation gets the same entity id from either format. Names are written
differently, though: the ODS gives "Surname Forenames" (``Al-HOUTHI Ali
Hussein Badr Al Din``), the CSV "Forenames Surname".
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from datetime import date
from pathlib import Path
from typing import Iterator

from followthemoney import EntityProxy

from chokepoint.lists.parsers.base import (
    ListFormatError,
    ParseResult,
    WarningLog,
    make_sanction,
    make_target,
    parse_date,
    read_bytes,
    sha256_bytes,
    source_name,
)
from chokepoint.lists.parsers.uk_csv import AUTHORITY, UK_REGIMES, regime_code, uk_schema
from chokepoint.lists.parsers.un_xml import clean, read_head, single_file

FORMAT = "uk_ods"
DEFAULT_DATASET = "gb_fcdo_sanctions"
SOURCE_URL = "https://www.gov.uk/government/publications/the-uk-sanctions-list"

_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"

#: Normalised header → our column key.
_COLUMNS = {
    "unique id": "unique_id",
    "ofsi group id": "group_id",
    "name": "name",
    "regime name": "regime",
    "type": "type",
    "designation source": "designation_source",
    "date designated": "date_designated",
    "sanctions imposed": "sanctions_imposed",
}
_REQUIRED = {"unique_id", "name", "type"}
_FILE_DATE = re.compile(r"([A-Z][a-z]{2})[a-z]*[ _-]+(\d{1,2})[ _-]+(\d{4})")


def _sniff_file(path: Path) -> bool:
    if not path.is_file():
        return False
    head = read_head(path, 128)
    if not head.startswith(b"PK\x03\x04"):
        return False
    if _MIMETYPE in head:  # conforming ODS: mimetype is the first member
        return True
    # Excel-made ODS files put META-INF/ first: read the zip directory.
    try:
        with zipfile.ZipFile(io.BytesIO(read_bytes(path))) as archive:
            return archive.read("mimetype").strip() == _MIMETYPE
    except (KeyError, ListFormatError, zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return False


def sniff(path: Path) -> bool:
    """True for an OpenDocument spreadsheet (a zip whose ``mimetype``
    member says spreadsheet), or a folder holding one."""
    if path.is_dir():
        return single_file(path, (".ods",), _sniff_file) is not None
    return _sniff_file(path)


def published_from_name(name: str) -> date | None:
    """Publication date written in the file name (``… Aug 11 2025.ods``)."""
    match = _FILE_DATE.search(name)
    if match is None:
        return None
    parsed = parse_date(f"{match.group(2)} {match.group(1)} {match.group(3)}")
    return date.fromisoformat(parsed) if parsed and len(parsed) == 10 else None


def parse(path: Path, dataset: str) -> ParseResult:
    """Parse the FCDO ODS export into Person/Organization/Vessel + Sanction."""
    source = single_file(path, (".ods",), _sniff_file)
    if source is None:
        raise ListFormatError(path, "no OpenDocument spreadsheet in this folder")
    data = read_bytes(source)
    if not data.strip():
        raise ListFormatError(source, "file is empty")
    log = WarningLog(source)
    entities: list[EntityProxy] = []
    seen: set[str] = set()
    sheet = _Sheet(data, source)
    for row_number, row in sheet:
        unique_id = (row.get("unique_id") or "").upper()
        if not unique_id:
            log.add("missing_id", "row without Unique ID skipped", line=row_number)
            continue
        if unique_id in seen:
            log.add("duplicate_id", "Unique ID repeated; later row skipped",
                    line=row_number, record=unique_id)
            continue
        seen.add(unique_id)
        target = _target(row, unique_id, dataset, log, row_number)
        entities.append(target)
        entities.append(_sanction(row, target, dataset, log, row_number))
    if not entities:
        raise ListFormatError(source, "the sheet has no designations")
    return ParseResult(
        dataset=dataset,
        format=FORMAT,
        entities=entities,
        files={source_name(source): sha256_bytes(data)},
        published=sheet.report_date or published_from_name(source_name(source)),
        warnings=log.items,
    )


# --- reading the spreadsheet -------------------------------------------------


#: Rows (e.g. a "Report Date: 11-Aug-2025" title) allowed before the header.
_MAX_PREAMBLE = 5


class _Sheet:
    """The data rows of the first sheet, found under its header row; a
    ``Report Date`` line above the header gives :attr:`report_date`."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data = data
        self.path = path
        self.report_date: date | None = None

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        """``(row number, {column: value})`` per data row (1-based rows)."""
        header: dict[int, str] | None = None
        preamble: list[tuple[int, list[str]]] = []
        for number, cells in _sheet_rows(self.data, self.path):
            if header is not None:
                yield number, {key: cells[i] if i < len(cells) else "" for i, key in header.items()}
                continue
            header = _header(cells)
            if header is None:
                preamble.append((number, cells))
                self._read_preamble(cells)
                if len(preamble) > _MAX_PREAMBLE:
                    break
        if header is None:
            if not preamble:
                raise ListFormatError(self.path, "the sheet is empty")
            number, cells = preamble[0]
            raise ListFormatError(
                self.path,
                "not a UK sanctions list sheet: no header row with "
                f"{', '.join(sorted(_REQUIRED))} (first row: {', '.join(c for c in cells if c)})",
                line=number,
            )

    def _read_preamble(self, cells: list[str]) -> None:
        text = " ".join(cells)
        match = re.search(r"report date\W*([\w .\-/]+\d{4})", text, re.I)
        if match:
            value = match.group(1).strip()
            parsed = parse_date(value) or parse_date(value.replace("-", " "))
            if parsed and len(parsed) == 10:
                self.report_date = date.fromisoformat(parsed)


def _header(cells: list[str]) -> dict[int, str] | None:
    """Column index → key if ``cells`` is the header row, else None."""
    header = {}
    for index, cell in enumerate(cells):
        key = _COLUMNS.get(" ".join(cell.lower().split()))
        if key is not None:
            header[index] = key
    return header if _REQUIRED <= set(header.values()) else None


def _sheet_rows(data: bytes, path: Path) -> Iterator[tuple[int, list[str]]]:
    """Stream the rows of the first table in the ODS ``content.xml``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        stream = archive.open("content.xml")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError) as exc:
        raise ListFormatError(path, f"not a readable OpenDocument (zip) file: {exc}") from exc
    except KeyError as exc:
        raise ListFormatError(path, "the OpenDocument file has no content.xml") from exc
    number = 0
    tables = 0
    try:
        with archive, stream:
            for event, element in ET.iterparse(stream, events=("start", "end")):
                if element.tag == _TABLE + "table":
                    if event == "start":
                        tables += 1
                    continue
                if event != "end" or element.tag != _TABLE + "table-row" or tables != 1:
                    continue
                repeat = int(element.get(_TABLE + "number-rows-repeated", "1"))
                cells = _row_cells(element)
                element.clear()
                if any(cells):  # a repeated data row would be the same record: once
                    yield number + 1, cells
                number += repeat
    except ET.ParseError as exc:
        raise ListFormatError(
            path, f"content.xml is malformed XML: {exc}", line=exc.position[0]
        ) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ListFormatError(path, f"the OpenDocument file is truncated or corrupt: {exc}") from exc


def _row_cells(row: ET.Element) -> list[str]:
    """Cell texts of a table row, repeated cells expanded; the trailing
    empty padding (``number-columns-repeated="16376"``) is dropped."""
    cells: list[str] = []
    for cell in row:
        if cell.tag not in (_TABLE + "table-cell", _TABLE + "covered-table-cell"):
            continue
        value = _cell_value(cell)
        repeat = int(cell.get(_TABLE + "number-columns-repeated", "1"))
        cells.extend([value] * (repeat if value else min(repeat, 64)))
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _cell_value(cell: ET.Element) -> str:
    """A cell's value: its date/number attribute, else its paragraphs' text."""
    kind = cell.get(_OFFICE + "value-type")
    if kind == "date":
        return (cell.get(_OFFICE + "date-value") or "")[:10]
    paragraphs = [_paragraph_text(p) for p in cell.iter(_TEXT + "p")]
    if not paragraphs and kind in ("float", "percentage", "currency"):
        return cell.get(_OFFICE + "value") or ""
    return "\n".join(paragraphs).strip()


def _paragraph_text(element: ET.Element) -> str:
    """Text of a ``text:p``, honouring ``text:s`` (spaces), tabs and breaks."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == _TEXT + "s":
            parts.append(" " * int(child.get(_TEXT + "c", "1")))
        elif child.tag == _TEXT + "tab":
            parts.append("\t")
        elif child.tag == _TEXT + "line-break":
            parts.append("\n")
        else:
            parts.append(_paragraph_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


# --- building entities ------------------------------------------------------


def _target(
    row: dict[str, str], unique_id: str, dataset: str, log: WarningLog, line: int
) -> EntityProxy:
    schema = uk_schema(row.get("type"))
    if schema is None:
        log.add("subject_type", f"unknown Type {row.get('type')!r}; loaded as LegalEntity",
                line=line, record=unique_id)
        schema = "LegalEntity"
    entity = make_target(schema, dataset, unique_id)
    name = clean(row.get("name"))
    if name is None:
        log.add("missing_name", "row without Name; Unique ID used as name", line=line, record=unique_id)
        name = unique_id
    entity.add("name", name, cleaned=True)
    code = regime_code(unique_id)
    entity.add("programId", code, cleaned=True)
    entity.add("program", clean(row.get("regime")) or UK_REGIMES.get(code or ""), cleaned=True)
    entity.add("topics", "sanction", cleaned=True)
    return entity


def _sanction(
    row: dict[str, str], target: EntityProxy, dataset: str, log: WarningLog, line: int
) -> EntityProxy:
    code = regime_code(target.context["source_id"])
    regime = clean(row.get("regime")) or UK_REGIMES.get(code or "")
    raw_date = clean(row.get("date_designated"))
    listed = parse_date(raw_date)
    if raw_date and listed is None:
        log.add("date", f"unparseable Date Designated {raw_date!r}", line=line,
                record=target.context["source_id"])
    sanction = make_sanction(
        target,
        dataset,
        AUTHORITY,
        program_ids=[code] if code else [],
        listing_date=listed,
        source_url=SOURCE_URL,
        program=[regime] if regime else [],
    )
    sanction.add("recordId", clean(row.get("group_id")), cleaned=True)
    sanction.add("provisions", clean(row.get("sanctions_imposed")), cleaned=True)
    source = clean(row.get("designation_source"))
    if source:
        sanction.add("description", f"Designation source: {source}", cleaned=True)
    return sanction
