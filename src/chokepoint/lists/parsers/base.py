"""Shared building blocks for list parsers.

Every parser turns the files of one published list into FollowTheMoney
entities and returns a :class:`ParseResult`. Parsers never write to the
store: the store only sees a result once the whole source parsed, so a
broken file can never leave a list half-loaded.

Conventions every parser follows (see ARCHITECTURE.md):

* one *target* entity per listed record (Person, Organization, Company,
  LegalEntity, Vessel, Airplane), made with :func:`make_target`; its id is
  derived from ``dataset`` + ``source_id`` so it is stable across versions;
* names: ``name`` (primary), ``alias`` (strong a.k.a., including
  original-script names), ``weakAlias`` (weak / low quality a.k.a.),
  ``previousName`` (f.k.a.);
* facts on the target: ``birthDate``, ``birthPlace``, ``nationality``,
  ``citizenship``, ``country``, ``gender``, ``address`` (full one-line
  strings), identifiers (``imoNumber``, ``mmsi``, ``registrationNumber``,
  ``taxNumber``, ``innCode``, ``ogrnCode``, ``leiCode``, ``swiftBic``,
  ``passportNumber``, ``idNumber``, ``callSign``), ``programId`` and
  ``program``, ``notes`` (remarks), ``topics``;
* one ``Sanction`` entity per listing (:func:`make_sanction`) with
  ``authority``, ``authorityId`` (= source id), ``program``/``programId``,
  ``listingDate``;
* relations such as OFAC "Linked To:" as ``UnknownLink`` entities
  (:func:`make_link`).

Recoverable defects (an unparseable date, an unknown country, an orphan
alias row) become :class:`ParseWarning` s with a code, so they are counted
and reported, never silently dropped. Defects that make the file unusable
raise :class:`ListFormatError` naming the file, the line or record, and
what is wrong.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from followthemoney import EntityProxy, model, registry

#: Byte-order marks we recognise, longest first (UTF-32 starts like UTF-16).
_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]

#: Schemata a target may have; everything else is a supporting entity.
TARGET_SCHEMATA = {
    "Person",
    "Organization",
    "Company",
    "LegalEntity",
    "Vessel",
    "Airplane",
    "PublicBody",
}


class ListFormatError(ValueError):
    """A source file cannot be loaded. The message names where and why."""

    def __init__(
        self,
        path: Path | str,
        message: str,
        line: int | None = None,
        record: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.record = record
        self.reason = message
        where = self.path
        if line is not None:
            where += f", line {line}"
        if record is not None:
            where += f", record {record}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ParseWarning:
    """A recoverable defect: the row was loaded (or skipped) and counted."""

    code: str
    message: str
    path: str
    line: int | None = None
    record: str | None = None

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
        if self.record is not None:
            where += f" [{self.record}]"
        return f"{where}: {self.code}: {self.message}"


@dataclass
class ParseResult:
    """Everything one parse of one source produced."""

    dataset: str
    format: str
    entities: list[EntityProxy]
    #: sha256 of each source file's decoded bytes, keyed by file name.
    files: dict[str, str]
    #: Publication date written in the file, when it carries one.
    published: date | None = None
    warnings: list[ParseWarning] = field(default_factory=list)

    @property
    def targets(self) -> list[EntityProxy]:
        return [e for e in self.entities if e.schema.name in TARGET_SCHEMATA]

    @property
    def sha256(self) -> str:
        """One hash over all source files (order independent)."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(f"{name}\0{self.files[name]}\n".encode())
        return digest.hexdigest()

    def warning_counts(self) -> dict[str, int]:
        return dict(Counter(w.code for w in self.warnings))


class WarningLog:
    """Collects warnings for one file; parsers call :meth:`add`."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.items: list[ParseWarning] = []

    def add(
        self, code: str, message: str, line: int | None = None, record: str | None = None
    ) -> None:
        self.items.append(ParseWarning(code, message, self.path, line, record))


# --- reading files ---------------------------------------------------------


def read_bytes(path: Path) -> bytes:
    """Raw bytes of a source file; ``.gz`` files are decompressed."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ListFormatError(path, f"cannot read file: {exc.strerror or exc}") from exc
    if path.suffix == ".gz" or raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ListFormatError(path, f"corrupt gzip data: {exc}") from exc
    return raw


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_text(data: bytes, path: Path, log: WarningLog | None = None) -> str:
    """Decode a text file whatever its encoding.

    UTF-8 (with or without BOM) and UTF-16 (with BOM) are decoded as such;
    anything else that is not valid UTF-8 is read as Windows-1252, the
    encoding US government CSVs use, and a warning records the fallback.
    A trailing DOS end-of-file byte (``\\x1a``) is removed.
    """
    if not data.strip(b"\x00\x1a \r\n\t"):
        raise ListFormatError(path, "file is empty")
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ListFormatError(path, f"invalid {encoding} data at byte {exc.start}") from exc
            break
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
            if log is not None:
                log.add("encoding", "file is not UTF-8; read as Windows-1252")
    if "\x00" in text:
        raise ListFormatError(path, "file contains NUL bytes (binary or mis-encoded file)")
    return text.lstrip("\ufeff").rstrip("\x1a")


def read_text(path: Path, log: WarningLog | None = None) -> tuple[str, str]:
    """Return ``(text, sha256)`` for a source file. The hash is of the
    decompressed bytes, so a bundled ``.gz`` copy and the original file
    hash the same."""
    data = read_bytes(path)
    return decode_text(data, path, log), sha256_bytes(data)


def sniff_text(path: Path, size: int = 8192) -> str:
    """The first ``size`` bytes of a (maybe gzipped) file, decoded leniently
    (BOM aware): enough for a sniffer to recognise a format, never to parse
    it. Any read error gives ``""`` so the sniffer says no."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(size)
        if raw[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as fh:
                raw = fh.read(size)
    except (OSError, EOFError):
        return ""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="ignore")
    return raw.decode("utf-8", errors="ignore").lstrip("\ufeff")


def read_csv_table(
    path: Path,
    text: str,
    kind: str,
    required: Iterable[str],
    delimiter: str = ",",
    normalize_header: Callable[[str], str] = str.strip,
    malformed: str = "malformed row",
    fields: str = "fields",
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """``(header, rows with their line numbers)`` of a delimited text file
    with a header row. Blank rows are skipped; a malformed row, a missing
    required column or a row of the wrong width is a ListFormatError naming
    the line; ``kind`` names the expected list in those messages."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            reason = f"{malformed} ({exc}); the file may be truncated"
            if header is None:
                reason = f"not a {kind}: {exc}"
            raise ListFormatError(path, reason, line=start) from exc
        if not "".join(row).strip(" \t\r\n\x1a"):
            continue
        if header is None:
            header = [normalize_header(c) for c in row]
            missing = [c for c in required if c not in header]
            if missing:
                raise ListFormatError(path, f"not a {kind}: header lacks {', '.join(missing)}", line=start)
            continue
        if len(row) != len(header):
            raise ListFormatError(path, f"expected {len(header)} {fields}, found {len(row)}", line=start)
        rows.append((start, row))
    if header is None:
        raise ListFormatError(path, "file has no header row")
    return header, rows


def source_name(path: Path) -> str:
    """File name used as key in :attr:`ParseResult.files` (no ``.gz``)."""
    name = path.name
    return name[:-3] if name.endswith(".gz") else name


# --- building entities ------------------------------------------------------

_SLUG_RE = re.compile(r"[^A-Za-z0-9.]+")


def entity_id(dataset: str, source_id: str) -> str:
    """Stable entity id from the dataset and the list's own record id.

    Ids only use letters, digits, ``.`` and ``-`` (``us_ofac_sdn`` +
    ``16418`` → ``us-ofac-sdn-16418``), the form FollowTheMoney accepts in
    entity references, so Sanction and link entities can point at them."""
    slug = _SLUG_RE.sub("-", str(source_id).strip()).strip("-.")
    if not slug or len(slug) > 80:
        slug = hashlib.sha1(str(source_id).encode("utf-8")).hexdigest()[:16]
    prefix = _SLUG_RE.sub("-", dataset).strip("-.")
    return f"{prefix}-{slug}"


def content_source_id(*parts: str | None) -> str:
    """A source id for lists that publish none (e.g. the BIS Entity List):
    a short hash of the record's identifying fields."""
    key = "\x1f".join((p or "").strip().lower() for p in parts)
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def make_target(schema: str, dataset: str, source_id: str) -> EntityProxy:
    """A listed entity with its stable id, dataset and source id recorded."""
    entity = model.make_entity(schema)
    entity.id = entity_id(dataset, source_id)
    entity.context = {"datasets": [dataset], "source_id": str(source_id)}
    return entity


def make_sanction(
    target: EntityProxy,
    dataset: str,
    authority: str,
    program_ids: Iterable[str] = (),
    listing_date: str | None = None,
    source_url: str | None = None,
    program: Iterable[str] = (),
) -> EntityProxy:
    """The listing of ``target`` on ``dataset`` as a Sanction entity."""
    sanction = model.make_entity("Sanction")
    sanction.id = f"{target.id}-sanction"
    sanction.context = {"datasets": [dataset]}
    sanction.add("entity", target.id)
    sanction.add("authority", authority)
    sanction.add("authorityId", target.context.get("source_id"))
    sanction.add("programId", list(program_ids))
    sanction.add("program", list(program))
    if listing_date:
        sanction.add("listingDate", listing_date)
        sanction.add("startDate", listing_date)
    if source_url:
        sanction.add("sourceUrl", source_url)
    return sanction


def make_link(subject: EntityProxy, object_id: str, role: str, dataset: str) -> EntityProxy:
    """An undirected relation between two listed entities (e.g. "Linked To")."""
    link = model.make_entity("UnknownLink")
    digest = hashlib.sha1(f"{subject.id}>{object_id}>{role}".encode()).hexdigest()[:12]
    link.id = f"{entity_id(dataset, 'link')}-{digest}"
    link.context = {"datasets": [dataset]}
    link.add("subject", subject.id)
    link.add("object", object_id)
    link.add("role", role)
    return link


def clean_country(value: str | None) -> str | None:
    """ISO code for a country name or code, through FtM/rigour territories."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    return registry.country.clean(value)


def add_country(
    entity: EntityProxy,
    prop: str,
    value: str | None,
    log: WarningLog | None = None,
    line: int | None = None,
) -> None:
    """Add a country; an unrecognised one is kept in ``notes`` and warned."""
    if value is None or not value.strip():
        return
    code = clean_country(value)
    if code is None:
        if log is not None:
            log.add("country", f"unknown country {value!r} in {prop}", line, entity.context.get("source_id"))
        return
    entity.add(prop, code)


_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_DMY_TEXT = re.compile(r"^(?:(\d{1,2})\s+)?([A-Za-z]{3})[a-z]*\.?\s+(\d{4})$")
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_date(value: str | None, order: str = "dmy") -> str | None:
    """Parse the date forms lists use into ISO prefixes (``1962``,
    ``1962-05``, ``1962-05-03``). ``order`` says how to read all-numeric
    dates: ``dmy`` (UK, EU) or ``mdy`` (US). Returns None if unparseable."""
    if value is None:
        return None
    text = value.strip().rstrip(".")
    if not text:
        return None
    m = _ISO.match(text)
    if m and (len(text) == 4 or text[4] == "-"):
        year, month, day = m.groups()
        return _iso(int(year), month and int(month), day and int(day))
    m = _NUMERIC.match(text)
    if m:
        a, b, year = (int(x) for x in m.groups())
        day, month = (a, b) if order == "dmy" else (b, a)
        return _iso(year, month, day)
    m = _DMY_TEXT.match(text)
    if m:
        day, mon, year = m.groups()
        month = _MONTHS.get(mon.lower()[:3])
        if month is None:
            return None
        return _iso(int(year), month, day and int(day))
    return None


def _iso(year: int, month: int | None, day: int | None) -> str | None:
    if not 1800 <= year <= 2100:
        return None
    if not month:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if not day:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None
