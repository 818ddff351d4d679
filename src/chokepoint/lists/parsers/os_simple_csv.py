"""OpenSanctions ``targets.simple.csv`` exports.

One row per target, multi-valued cells joined with ``;``::

    id, schema, name, aliases, birth_date, countries, addresses, identifiers,
    sanctions, phones, emails, [program_ids,] dataset, first_seen, last_seen,
    last_change

Rows keep their OpenSanctions id (stable across versions). The ``dataset``
column holds the dataset's *title* (``"Ukraine War and Sanctions"``), not
its name; known titles are checked against the requested dataset.

The export flattens typed values into strings, so some structure is
inferred back:

* ``identifiers`` mixes IMO numbers, Russian INN/OGRN, MMSI and call signs;
  :func:`identifier_property` sorts them by shape and schema;
* ``sanctions`` holds the Sanction's text (for ``ua_war_sanctions`` the
  listing reason), CSV-quoted a second time (``""`` = empty): it becomes the
  Sanction ``reason``;
* ``countries`` merges country, nationality and jurisdiction: it becomes
  ``country``.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from followthemoney import EntityProxy, model

from chokepoint.lists.parsers.base import (
    TARGET_SCHEMATA,
    ListFormatError,
    ParseResult,
    WarningLog,
    make_sanction,
    read_text,
    source_name,
)

FORMAT = "os_simple_csv"
DEFAULT_DATASET = "ua_war_sanctions"

REQUIRED_COLUMNS = ("id", "schema", "name", "aliases", "countries", "identifiers", "dataset", "last_change")


@dataclass(frozen=True)
class DatasetInfo:
    """What chokepoint knows of an OpenSanctions dataset exported this way."""

    name: str
    title: str
    authority: str | None
    topics: tuple[str, ...]
    source_url: str | None = None


#: Known datasets by their export title. Topics follow what OpenSanctions
#: tags these entities with; a dataset not listed here loads without topics
#: or Sanction entities.
KNOWN_DATASETS: dict[str, DatasetInfo] = {
    info.title: info
    for info in [
        DatasetInfo(
            "ua_war_sanctions", "Ukraine War and Sanctions",
            "ГУР МО України",  # Defence Intelligence of Ukraine (GUR), the portal's publisher
            ("poi",), "https://war-sanctions.gur.gov.ua/en",
        ),
        DatasetInfo("wd_persons", "Wikidata Politically Exposed Persons", None, ("role.pep",)),
    ]
}

_IMO_RE = re.compile(r"^IMO\d{7}$")
_QID_RE = re.compile(r"^Q\d+$")
_DIGITS_RE = re.compile(r"^\d+$")
_CALL_SIGN_RE = re.compile(r"^[A-Z0-9]{3,7}$")


def _first_line(path: Path, size: int = 2048) -> str:
    """The header line of a (possibly gzipped) file, decoded leniently."""
    with path.open("rb") as fh:
        raw = fh.read(size)
    if raw[:2] == b"\x1f\x8b":
        with gzip.open(path, "rb") as fh:
            raw = fh.read(size)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = raw.decode("utf-16", errors="ignore")
    else:
        text = raw.decode("utf-8", errors="ignore")
    return text.lstrip("\ufeff").split("\n", 1)[0]


def _source(path: Path) -> Path:
    """The CSV to read: ``path`` itself, or a folder's ``targets.simple.csv``."""
    if path.is_dir():
        for name in ("targets.simple.csv", "targets.simple.csv.gz"):
            if (path / name).is_file():
                return path / name
    return path


def sniff(path: Path) -> bool:
    """True for a CSV whose header starts ``id,schema,name,aliases`` and has
    ``last_change``, or a folder holding ``targets.simple.csv``."""
    try:
        path = _source(path)
        if not path.is_file():
            return False
        first = _first_line(path)
    except OSError:
        return False
    columns = [c.strip().strip('"') for c in first.strip().split(",")]
    return columns[:4] == ["id", "schema", "name", "aliases"] and "last_change" in columns


def split(cell: str | None) -> list[str]:
    """The values of a ``;``-joined cell."""
    return [v.strip() for v in (cell or "").split(";") if v.strip()]


def identifier_property(schema: str, value: str) -> str:
    """FtM property for one identifier of the ``identifiers`` column.

    By shape: ``IMO1234567`` -> imoNumber; ``Q123`` -> wikidataId; a 9-digit number on a vessel ->
    mmsi; letters-and-digits on a vessel -> callSign; on companies 13 or 15
    digits -> ogrnCode, 10 digits -> innCode; on people 12 digits ->
    innCode; anything else -> registrationNumber / idNumber."""
    if _IMO_RE.match(value):
        return "imoNumber"
    if _QID_RE.match(value):
        return "wikidataId"
    digits = bool(_DIGITS_RE.match(value))
    if schema == "Vessel":
        if digits and len(value) == 9:
            return "mmsi"
        if not digits and _CALL_SIGN_RE.match(value):
            return "callSign"
        return "registrationNumber"
    if schema == "Person":
        return "innCode" if digits and len(value) == 12 else "idNumber"
    if digits and len(value) in (13, 15):
        return "ogrnCode"
    if digits and len(value) == 10:
        return "innCode"
    return "registrationNumber"


def _unquote(text: str) -> str:
    """Undo the second CSV quoting of the ``sanctions`` cell."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].replace('""', '"')
    return text.strip()


def _dataset_info(path: Path, title: str, dataset: str) -> DatasetInfo | None:
    """The known dataset of a ``dataset`` cell; raises if it contradicts
    the requested dataset."""
    info = KNOWN_DATASETS.get(title)
    if info is None:  # some exports write the dataset name instead of its title
        info = next((i for i in KNOWN_DATASETS.values() if i.name == title), None)
    if info is not None and info.name != dataset:
        raise ListFormatError(path, f"file is the {info.title} dataset ({info.name}), not dataset {dataset!r}")
    return info


def _add(entity: EntityProxy, prop: str, values: list[str], log: WarningLog, line: int) -> None:
    """Add values to a property the schema may lack (phones on a vessel)."""
    if not values:
        return
    if entity.schema.get(prop) is None:
        log.add("property", f"{entity.schema.name} has no {prop!r}; {len(values)} value(s) ignored", line, entity.id)
        return
    entity.add(prop, values)


def _build(row: dict[str, str], dataset: str, info: DatasetInfo | None, log: WarningLog, line: int) -> list[EntityProxy]:
    """Target (and Sanction, for known sanction-like datasets) of one row."""
    schema = row["schema"]
    entity = model.make_entity(schema)
    entity.id = row["id"]
    entity.context = {"datasets": [dataset], "source_id": row["id"]}
    for key in ("first_seen", "last_seen", "last_change"):
        if row.get(key):
            entity.context[key] = row[key]
    entity.add("name", row["name"])
    entity.add("alias", split(row.get("aliases")))
    if schema == "Person":
        entity.add("birthDate", split(row.get("birth_date")))
    elif row.get("birth_date"):
        log.add("birth_date", f"birth date on a {schema}; ignored", line, row["id"])
    entity.add("country", split(row.get("countries")))
    entity.add("address", split(row.get("addresses")))
    _add(entity, "phone", split(row.get("phones")), log, line)
    _add(entity, "email", split(row.get("emails")), log, line)
    for value in split(row.get("identifiers")):
        _add(entity, identifier_property(schema, value), [value], log, line)
    programs = split(row.get("program_ids"))
    entity.add("programId", programs)
    entities = [entity]
    if info is not None:
        entity.add("topics", list(info.topics))
    if info is not None and info.authority:
        sanction = make_sanction(entity, dataset, info.authority, programs, source_url=info.source_url)
        if entity.id not in sanction.get("entity"):
            sanction.add("entity", entity.id, cleaned=True)
        sanction.add("reason", _unquote(row.get("sanctions") or ""))
        entities.append(sanction)
    return entities


def parse(path: Path, dataset: str = DEFAULT_DATASET) -> ParseResult:
    """Parse a ``targets.simple.csv`` export (or the folder holding it)."""
    path = _source(path)
    log = WarningLog(path)
    text, sha = read_text(path, log)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ListFormatError(path, f"not an OpenSanctions simple CSV: missing column(s) {', '.join(missing)}")
    entities: list[EntityProxy] = []
    seen: set[str] = set()
    info: DatasetInfo | None = None
    latest = ""
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                log.add("columns", "row has more cells than the header; extra cells ignored", line, row.get("id"))
            if info is None and row.get("dataset"):
                info = _dataset_info(path, row["dataset"], dataset)
            if not row.get("id") or not row.get("name"):
                log.add("missing_name", "row without id or name; skipped", line)
                continue
            if row.get("schema") not in TARGET_SCHEMATA:
                log.add("unknown_schema", f"schema {row.get('schema')!r} is not a target schema; skipped", line, row["id"])
                continue
            if row["id"] in seen:
                log.add("duplicate_row", "id repeats an earlier row; skipped", line, row["id"])
                continue
            seen.add(row["id"])
            entities.extend(_build(row, dataset, info, log, line))
            latest = max(latest, row.get("last_change") or "")
    except csv.Error as exc:
        raise ListFormatError(path, f"malformed CSV: {exc}", line=reader.line_num) from exc
    if not entities:
        raise ListFormatError(path, "no rows with a target entity")
    try:
        published = date.fromisoformat(latest[:10]) if latest else None
    except ValueError:
        published = None
    return ParseResult(dataset, FORMAT, entities, {source_name(path): sha}, published, log.items)
