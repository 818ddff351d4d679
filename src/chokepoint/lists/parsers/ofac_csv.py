"""OFAC legacy CSV files (SDN list and the consolidated non-SDN list).

A source is a folder holding ``sdn.csv`` (with optional ``alt.csv``,
``add.csv``, ``sdn_comments.csv``) or the consolidated set ``cons_prim.csv``,
``cons_alt.csv``, ``cons_add.csv``, ``cons_comments.csv``; or the primary
file itself, in which case its siblings in the same folder are used.

Layout of the primary file (no header in OFAC's own files; third-party
re-exports add one): ``ent_num, SDN_Name, SDN_Type, Program, Title,
Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks``.
``-0-`` (usually followed by a space) is OFAC's empty value. Files are CRLF,
Windows-1252 or UTF-8, and end with a DOS ``\\x1a`` byte.

Most facts (dates of birth, identifiers, "Linked To:" relations) are only
written in the free-text Remarks column, as ``;``-separated items. The
helpers that read those items (:func:`apply_identifier`,
:func:`parse_ofac_dates`, :class:`LinkResolver`) are also used by the OFAC
XML and trade.gov CSL parsers, which share OFAC's vocabulary.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from followthemoney import EntityProxy, registry

from chokepoint.lists.parsers.base import (
    ListFormatError,
    ParseResult,
    WarningLog,
    add_country,
    clean_country,
    make_link,
    make_sanction,
    make_target,
    parse_date,
    read_text,
    source_name,
)

FORMAT = "ofac_csv"
DEFAULT_DATASET = "us_ofac_sdn"
AUTHORITY = "US Treasury OFAC"
TOPIC = "sanction"
LINK_ROLE = "Linked To"

#: Number of columns in the primary file.
PRIMARY_FIELDS = 12


@dataclass(frozen=True)
class FileSet:
    """File names of one OFAC CSV publication and its default dataset."""

    primary: str
    alt: str
    add: str
    comments: str
    dataset: str


FILE_SETS = (
    FileSet("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv", "us_ofac_sdn"),
    FileSet("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv", "us_ofac_cons"),
)

_SCHEMATA = {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane"}
_HEADER_FIRST = {"id", "ent_num", "entnum", "ent num", "uid"}


# --- small shared helpers ---------------------------------------------------


def clean_cell(value: str | None) -> str | None:
    """A stripped cell value; OFAC's ``-0-`` null and blanks become None."""
    if value is None:
        return None
    value = value.strip().strip("\x1a").strip()
    if not value or value == "-0-":
        return None
    return value


def put(entity: EntityProxy, prop: str, value: str | None, cleaned: bool = False) -> bool:
    """Add ``value`` if the entity's schema has ``prop``; say whether it did.

    FtM drops values its type cannot clean (an invalid e-mail, say); those
    stay readable in ``notes``, where every parser keeps the remarks."""
    if value is None or prop not in entity.schema.properties:
        return False
    entity.add(prop, value, cleaned=cleaned, quiet=True)
    return True


def split_programs(value: str | None) -> list[str]:
    """``"NPWMD] [IFSR"`` (legacy CSV) or ``"NPWMD; IFSR"`` (CSL) -> ids."""
    if value is None:
        return []
    parts = re.split(r"\]\s*\[|;", value)
    return [p.strip(" []") for p in parts if p.strip(" []")]


def plain_number(value: str | None) -> str | None:
    """``"99,144"`` -> ``"99144"`` (thousands separators off)."""
    if value is None:
        return None
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", value.strip()) or None


def add_phone(entity: EntityProxy, value: str) -> None:
    """OFAC writes international numbers without the ``+``; add it back
    when the number does not parse as written."""
    if "phone" not in entity.schema.properties:
        return
    if registry.phone.clean(value) is None:
        digits = re.sub(r"[^\d]", "", value)
        if digits and registry.phone.clean(f"+{digits}") is not None:
            value = f"+{digits}"
    entity.add("phone", value, quiet=True)


# --- dates ------------------------------------------------------------------

_CIRCA = re.compile(r"^(?:circa|approximately|approx\.?|about)\s+", re.I)
#: Longest span of years written as "1962 to 1964" that is expanded.
_MAX_YEAR_SPAN = 15


def parse_ofac_dates(text: str, order: str = "dmy") -> list[str] | None:
    """Dates as OFAC writes them: ``27 Sep 1964``, ``Sep 1964``, ``1962``,
    ``circa 1962``, ``1962 to 1964`` (every year of the range) or
    ``01 Jan 1960 to 31 Dec 1962`` (both ends). None if unreadable."""
    text = _CIRCA.sub("", text.strip().rstrip(".").strip())
    parts = [p.strip() for p in re.split(r"\s+to\s+|\s+-\s+|(?<=\d{4})-(?=\d{4}$)", text) if p.strip()]
    if not parts or len(parts) > 2:
        return None
    dates = [parse_date(_CIRCA.sub("", p), order=order) for p in parts]
    if any(d is None for d in dates):
        return None
    values = [d for d in dates if d is not None]
    if len(values) == 2 and all(len(v) == 4 for v in values):
        start, end = int(values[0]), int(values[1])
        if 0 < end - start <= _MAX_YEAR_SPAN:
            return [str(y) for y in range(start, end + 1)]
    return values


def add_dates(
    entity: EntityProxy, prop: str, text: str, log: WarningLog, line: int | None = None
) -> None:
    """Add OFAC-style dates to ``prop``; an unreadable one is warned."""
    if prop not in entity.schema.properties:
        return
    dates = parse_ofac_dates(text)
    if dates is None:
        log.add("date", f"unreadable date {text!r} for {prop}", line, entity.context.get("source_id"))
        return
    for value in dates:
        entity.add(prop, value, cleaned=True)


# --- identifiers ------------------------------------------------------------

#: OFAC identifier labels (remarks item prefixes, XML ``idType``, CSL ids)
#: and the target property each one goes to. Special values: ``@date:P``
#: (a date into P), ``@country:P`` (a country into P), ``@gender``,
#: ``@phone``, ``@lei`` (LEI-shaped -> leiCode, else registrationNumber).
ID_PROPERTIES: dict[str, str] = {
    "Passport": "passportNumber",
    "Diplomatic Passport": "passportNumber",
    "National ID No.": "idNumber",
    "Identification Number": "idNumber",
    "Cedula No.": "idNumber",
    "D.N.I.": "idNumber",
    "Personal ID Card": "idNumber",
    "National Foreign ID Number": "idNumber",
    "Electoral Registry No.": "idNumber",
    "Credencial electoral": "idNumber",
    "Driver's License No.": "idNumber",
    "Birth Certificate Number": "idNumber",
    "Residency Number": "idNumber",
    "Refugee ID Card": "idNumber",
    "Kenyan ID No.": "idNumber",
    "C.U.R.P.": "idNumber",
    "C.U.I.P.": "idNumber",
    "SSN": "socialSecurityNumber",
    "Tax ID No.": "taxNumber",
    "NIT #": "taxNumber",
    "RUC #": "taxNumber",
    "RIF #": "taxNumber",
    "R.F.C.": "taxNumber",
    "C.U.I.T.": "taxNumber",
    "Tax Registration": "taxNumber",
    "V.A.T. Number": "vatCode",
    "Registration Number": "registrationNumber",
    "Business Registration Number": "registrationNumber",
    "Business Registration Document #": "registrationNumber",
    "Registration ID": "registrationNumber",
    "Public Registration Number": "registrationNumber",
    "Commercial Registry Number": "registrationNumber",
    "Company Number": "registrationNumber",
    "UK Company Number": "registrationNumber",
    "Chamber of Commerce Number": "registrationNumber",
    "Trade License No.": "registrationNumber",
    "C.R. No.": "registrationNumber",
    "Folio Mercantil No.": "registrationNumber",
    "Matricula Mercantil No": "registrationNumber",
    "Certificate of Incorporation Number": "registrationNumber",
    "Economic Register Number (CBLS)": "registrationNumber",
    "Enterprise Number": "registrationNumber",
    "Registered Charity No.": "registrationNumber",
    "Unified Social Credit Code (USCC)": "registrationNumber",
    "Government Gazette Number": "registrationNumber",
    "Istanbul Chamber of Comm. No.": "registrationNumber",
    "License": "registrationNumber",
    "Legal Entity Number": "@lei",
    "D-U-N-S Number": "dunsCode",
    "BIK (RU)": "bikCode",
    "Vessel Registration Identification": "imoNumber",
    "MMSI": "mmsi",
    "SWIFT/BIC": "swiftBic",
    "Website": "website",
    "Email Address": "email",
    "Phone Number": "@phone",
    "Telephone": "@phone",
    "Telephone Number": "@phone",
    "Gender": "@gender",
    "Organization Established Date": "@date:incorporationDate",
    "Former Vessel Flag": "@country:pastFlags",
    "Nationality of Registration": "@country:jurisdiction",
    "Aircraft Tail Number": "registrationNumber",
    "Aircraft Manufacturer's Serial Number (MSN)": "serialNumber",
    "Aircraft Model": "model",
    "Aircraft Manufacture Date": "@date:buildDate",
    "Vessel Year of Build": "@date:buildDate",
    "Italian Fiscal Code": "taxNumber",
    "Central Registration System Number": "registrationNumber",
    "Branch Unit Number": "registrationNumber",
    "Dubai Chamber of Commerce Membership No.": "registrationNumber",
    "United Social Credit Code Certificate (USCCC)": "registrationNumber",
    "Cartilla de Servicio Militar Nacional": "idNumber",
    "Turkish Identification Number": "idNumber",
    "Numero de Identidad": "idNumber",
    "Citizen's Card Number": "idNumber",
    "Travel Document Number": "idNumber",
    "Tazkira National ID Card": "idNumber",
    "Moroccan Personal ID No.": "idNumber",
    "Bosnian Personal ID No.": "idNumber",
    "LE Number": "idNumber",
    "N.I.E.": "idNumber",
    "Immigration No.": "idNumber",
    "SRE Permit No.": "idNumber",
    "Pilot License Number": "idNumber",
    "British National Overseas Passport": "passportNumber",
    "US FEIN": "taxNumber",
    "C.I.F.": "taxNumber",
    "RFC": "taxNumber",
    "Numero Unico de Identificacao Tributaria (NUIT)": "taxNumber",
    "Paraguayan tax identification number": "taxNumber",
    "Aircraft Serial Identification": "serialNumber",
    "Serial No.": "serialNumber",
}

#: Labels that carry sanction terms, not identifiers (kept in notes and in
#: the Sanction's ``provisions``).
_PROVISION_RE = re.compile(
    r"^(Additional Sanctions Information|Secondary sanctions risk|Transactions Prohibited"
    r"|Executive Order \d+|CAATSA|IFCA|Effective Date|Listing Date|Purchase/Sales"
    r"|Sanctions Information|For more information on directives)",
    re.I,
)
#: Other non-identifier labels seen in the XML ``idType``: notes only.
_INFO_RE = re.compile(
    r"(Date|Directive|Information|sanctions risk|Ticker|ISIN|Issuer Name|Target Type"
    r"|Organization Type|Digital Currency|Aircraft Operator|Other Vessel|Prohibited)",
    re.I,
)
_ALT_PREFIX_RE = re.compile(r"^alt\.\s+")
_LEI_RE = re.compile(r"^[A-Z0-9]{18}\d{2}$")
_RUSSIA = {"ru"}

_ID_LABEL_RE = re.compile(
    r"^(?:alt\.\s+)?(?P<label>"
    + "|".join(re.escape(k) for k in sorted(ID_PROPERTIES, key=len, reverse=True))
    + r")(?=$|[\s#:,])[\s#:,]*(?P<rest>.*)$"
)
_ID_TAIL_RE = re.compile(
    r"^(?P<value>.*?)(?:\s*\((?P<country>[^()]*)\))?(?P<tail>\s+(?:issued|expires)\b.*)?$"
)


def is_provision(label: str) -> bool:
    """Whether an id label / remark item is a sanction term, not a fact."""
    return bool(_PROVISION_RE.match(_ALT_PREFIX_RE.sub("", label.strip())))


def is_info_label(label: str) -> bool:
    """Whether an OFAC id label is descriptive text rather than an id."""
    return is_provision(label) or bool(_INFO_RE.search(label))


def id_property(label: str) -> str | None:
    """The property (or ``@`` rule) for an OFAC id label, if known."""
    label = label.strip().rstrip(":").strip()
    return (
        ID_PROPERTIES.get(label)
        or ID_PROPERTIES.get(label.rstrip(".") + ".")
        or ID_PROPERTIES.get(label.rstrip("."))
    )


def apply_identifier(
    entity: EntityProxy,
    label: str,
    value: str,
    country: str | None,
    log: WarningLog,
    line: int | None = None,
) -> bool:
    """Put an OFAC identifier (``label`` as OFAC names it, e.g.
    ``Tax ID No.``) on ``entity`` in the best-matching property.

    Returns False if the label is unknown or the schema has no suitable
    property; the caller keeps the text in ``notes`` then."""
    label = label.strip().rstrip(":").strip()
    value = value.strip().strip(".,;").strip()
    if not value:
        return False
    prop = id_property(label)
    if prop is None:
        return False
    if value.upper().startswith("IMO") and re.search(r"\d{7}", value):
        return put(entity, "imoNumber", value)
    if prop == "@gender":
        return put(entity, "gender", value.lower())
    if prop == "@phone":
        add_phone(entity, value)
        return "phone" in entity.schema.properties
    if prop.startswith("@date:"):
        add_dates(entity, prop[6:], value, log, line)
        return True
    if prop.startswith("@country:"):
        target = prop[9:]
        if target not in entity.schema.properties:
            return False
        add_country(entity, target, value, log, line)
        return True
    if prop == "@lei":
        prop = "leiCode" if _LEI_RE.match(value) else "registrationNumber"
    if not put(entity, prop, value):
        # No such property on this schema (a BIK code on an Organization):
        # keep the number matchable and its type readable.
        put(entity, "notes", f"{label}: {value}" + (f" ({country})" if country else ""))
        return put(entity, "idNumber", value)
    _add_russian_codes(entity, prop, value, country)
    return True


def _add_russian_codes(entity: EntityProxy, prop: str, value: str, country: str | None) -> None:
    """Russian tax (INN) and registration (OGRN) numbers also go into the
    dedicated FtM properties, which matchers compare exactly."""
    if prop == "taxNumber" and len(value) in (10, 12):
        code_prop = "innCode"
    elif prop == "registrationNumber" and len(value) in (13, 15):
        code_prop = "ogrnCode"
    else:
        return
    if value.isdigit() and country is not None and clean_country(country) in _RUSSIA:
        put(entity, code_prop, value)


def parse_id_item(item: str) -> tuple[str, str, str | None] | None:
    """``Passport D10003923 (Iran) expires 15 Aug 2023`` ->
    ``("Passport", "D10003923", "Iran")``; None if no known label."""
    m = _ID_LABEL_RE.match(item)
    if m is None:
        return None
    tail = _ID_TAIL_RE.match(m.group("rest").strip())
    if tail is None:  # pragma: no cover - the pattern matches any text
        return None
    value = tail.group("value").strip()
    country = tail.group("country")
    if not value and country:  # "Passport (Iran)": no number given
        return None
    return m.group("label"), value, country and country.strip()


# --- remarks ----------------------------------------------------------------

_AKA_RE = re.compile(r"^(?P<kind>[afn])\.k\.a\.,?\s*(?P<name>.+)$", re.I)
_AKA_PROPS = {"a": "weakAlias", "f": "previousName", "n": "alias"}
_DOB_RE = re.compile(r"^(?:alt\.\s+)?DOB\s+(?P<v>.+)$")
_POB_RE = re.compile(r"^(?:alt\.\s+)?POB\s+(?P<v>.+)$")
_COUNTRY_ITEM_RE = re.compile(r"^(?:alt\.\s+)?(?P<k>[Nn]ationality|[Cc]itizen)\s+(?!of\s)(?P<v>.+)$")
_LINK_RE = re.compile(r"^(?P<open>\()?Linked To:\s*(?P<v>.+)$")
_LISTING_RE = re.compile(r"^Listing Date \([^)]*\):?\s*(?P<v>.+)$")


def unquote(text: str) -> str:
    """``'LLC 'DSD''`` -> ``LLC 'DSD'``: one pair of enclosing quotes off."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    return text


def split_remarks(remarks: str) -> list[str]:
    """Remarks items: ``;``-separated, without the closing full stop."""
    items = []
    for part in remarks.split(";"):
        part = part.strip()
        if part.endswith(".") and not part.endswith(".."):
            part = part[:-1].strip()
        if part:
            items.append(part)
    return items


def apply_remarks(
    target: EntityProxy,
    sanction: EntityProxy,
    remarks: str,
    log: WarningLog,
    line: int | None = None,
) -> list[str]:
    """Read the facts in an OFAC remarks text onto ``target`` (and sanction
    terms onto ``sanction``). The whole text goes into ``notes``. Returns
    the names of the "Linked To:" entities, for the caller to resolve."""
    put(target, "notes", remarks)
    links: list[str] = []
    for item in split_remarks(remarks):
        link = _apply_remark_item(target, sanction, item, log, line)
        if link:
            links.append(link)
    return links


def _apply_remark_item(
    target: EntityProxy, sanction: EntityProxy, item: str, log: WarningLog, line: int | None
) -> str | None:
    """Apply one remarks item; return a "Linked To" name if it is one."""
    if m := _LINK_RE.match(item):
        name = m.group("v").strip()
        if m.group("open") and name.endswith(")"):  # "(Linked To: HAMAS)"
            name = name[:-1].strip()
        return name
    if m := _AKA_RE.match(item):
        put(target, _AKA_PROPS[m.group("kind").lower()], unquote(m.group("name")))
    elif m := _DOB_RE.match(item):
        add_dates(target, "birthDate", m.group("v"), log, line)
    elif m := _POB_RE.match(item):
        add_birth_place(target, m.group("v"))
    elif m := _COUNTRY_ITEM_RE.match(item):
        prop = "nationality" if m.group("k").lower() == "nationality" else "citizenship"
        if prop in target.schema.properties:
            add_country(target, prop, m.group("v"), log, line)
    elif is_provision(item):
        sanction.add("provisions", item)
        if m := _LISTING_RE.match(item):
            dates = parse_ofac_dates(m.group("v"))
            for value in dates or []:
                sanction.add("listingDate", value, cleaned=True)
    elif parsed := parse_id_item(item):
        label, value, country = parsed
        apply_identifier(target, label, value, country, log, line)
    return None


def add_birth_place(entity: EntityProxy, place: str) -> None:
    """``birthPlace`` as written, and ``birthCountry`` when the last part
    of the place names a country."""
    place = place.strip()
    if not put(entity, "birthPlace", place):
        return
    code = clean_country(place.rsplit(",", 1)[-1])
    if code is not None:
        put(entity, "birthCountry", code, cleaned=True)


# --- "Linked To" relations --------------------------------------------------


def _norm_name(name: str) -> str:
    return " ".join(name.casefold().split())


@dataclass
class LinkResolver:
    """Resolves "Linked To: NAME" against the primary names of one file."""

    exact: dict[str, list[str]] = field(default_factory=dict)
    loose: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, entity_id: str) -> None:
        self.exact.setdefault(name.strip(), []).append(entity_id)
        self.loose.setdefault(_norm_name(name), []).append(entity_id)

    def resolve(self, name: str) -> list[str]:
        """Ids of the entities called ``name`` (exactly, else ignoring
        case, spacing and a closing full stop); empty if none."""
        base = name.strip().rstrip(".").strip()
        variants = [name.strip(), base, base + "."]
        for index, key in ((self.exact, lambda v: v), (self.loose, _norm_name)):
            for variant in variants:
                found = index.get(key(variant))
                if found:
                    return found
        return []

    def link(
        self,
        subject: EntityProxy,
        names: list[str],
        dataset: str,
        log: WarningLog,
        line: int | None = None,
    ) -> list[EntityProxy]:
        """UnknownLink entities for ``names``; unresolved ones are warned
        (their text stays in the subject's ``notes``)."""
        links: list[EntityProxy] = []
        source_id = subject.context.get("source_id")
        for name in names:
            found = [i for i in self.resolve(name) if i != subject.id]
            if not found:
                log.add("link_unresolved", f"Linked To: {name!r} names no entity in this list", line, source_id)
                continue
            if len(found) > 1:
                log.add(
                    "link_ambiguous",
                    f"Linked To: {name!r} matches {len(found)} entities; linked to all",
                    line,
                    source_id,
                )
            links.extend(make_link(subject, other, LINK_ROLE, dataset) for other in found)
        return links


# --- reading the CSV files --------------------------------------------------


def find_file(folder: Path, name: str) -> Path | None:
    """``folder/name`` or its bundled ``.gz`` copy, if either exists."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def locate(path: Path) -> tuple[Path, FileSet]:
    """The primary file of the source at ``path`` and its file set."""
    if path.is_dir():
        for file_set in FILE_SETS:
            primary = find_file(path, file_set.primary)
            if primary is not None:
                return primary, file_set
        names = ", ".join(fs.primary for fs in FILE_SETS)
        raise ListFormatError(path, f"no OFAC primary file ({names}) in this folder")
    if not path.exists():
        raise ListFormatError(path, "no such file or folder")
    name = source_name(path).lower()
    for file_set in FILE_SETS:
        if name == file_set.primary or name.startswith(file_set.primary[:-4]):
            return path, file_set
    return path, FILE_SETS[0]


def only_file(folder: Path, looks_mine: Callable[[Path], bool]) -> Path | None:
    """The one file in ``folder`` that ``looks_mine``, if exactly one does
    (for single-file formats handed a folder, as bundled copies are)."""
    try:
        matches = [p for p in sorted(folder.iterdir()) if p.is_file() and looks_mine(p)]
    except OSError:
        return None
    return matches[0] if len(matches) == 1 else None


def single_source(path: Path, looks_mine: Callable[[Path], bool], what: str) -> Path:
    """``path`` itself, or the one file of a folder that ``looks_mine``;
    ``what`` names the expected file in the error."""
    if not path.is_dir():
        return path
    found = only_file(path, looks_mine)
    if found is None:
        raise ListFormatError(path, f"no single {what} in this folder")
    return found


def default_dataset(path: Path) -> str:
    """``us_ofac_cons`` for the consolidated file set, else ``us_ofac_sdn``."""
    try:
        return locate(path)[1].dataset
    except ListFormatError:
        return DEFAULT_DATASET


def _is_blank(row: list[str]) -> bool:
    return not "".join(row).strip(" \t\r\n\x1a")


def _looks_like_header(row: list[str]) -> bool:
    return bool(row) and not row[0].strip().isdigit() and row[0].strip().lower() in _HEADER_FIRST


def read_rows(
    path: Path, min_fields: int, log: WarningLog
) -> tuple[str, Iterator[tuple[int, list[str]]]]:
    """``(sha256, rows)`` of an OFAC CSV file. Rows come with the line
    they start on; blank rows (and the ``\\x1a`` EOF row) and a header row
    are skipped. A malformed row raises :class:`ListFormatError`."""
    text, sha = read_text(path, log)
    return sha, _iter_rows(path, text, min_fields)


def _iter_rows(path: Path, text: str, min_fields: int) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text), strict=True)
    first = True
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = f"malformed CSV ({exc}); the file may be truncated"
            if first:
                reason = f"not an OFAC CSV file: {exc}"
            raise ListFormatError(path, reason, line=start) from exc
        if _is_blank(row):
            continue
        if first:
            first = False
            if _looks_like_header(row):
                continue
            if not row[0].strip().isdigit() or len(row) < min_fields:
                raise ListFormatError(
                    path,
                    f"not an OFAC CSV file: first row has {len(row)} fields starting {row[0][:40]!r}",
                    line=start,
                )
        if len(row) < min_fields:
            raise ListFormatError(
                path, f"expected {min_fields} fields, found {len(row)} (truncated row?)", line=start
            )
        if not row[0].strip().isdigit():
            raise ListFormatError(path, f"entity number {row[0][:40]!r} is not a number", line=start)
        yield start, row


# --- building entities ------------------------------------------------------


@dataclass
class Record:
    """One primary row while the source is being read."""

    line: int
    target: EntityProxy
    sanction: EntityProxy
    remarks: str = ""


def _schema_for(sdn_type: str | None) -> str:
    return _SCHEMATA.get((sdn_type or "").strip().lower(), "Organization")


def build_record(row: list[str], line: int, dataset: str, log: WarningLog) -> Record:
    """Target and Sanction for one primary row (remarks are applied later,
    once the comments file has completed them)."""
    cells = [clean_cell(c) for c in row[:PRIMARY_FIELDS]]
    ent_num, name, sdn_type, program, title = cells[0:5]
    call_sign, vess_type, tonnage, grt, flag, owner, remarks = cells[5:12]
    assert ent_num is not None
    target = make_target(_schema_for(sdn_type), dataset, ent_num)
    if name is None:
        log.add("missing_name", "row has no name", line, ent_num)
    else:
        put(target, "name", name)
        if target.schema.name == "Person" and "," in name:
            last, first = name.split(",", 1)
            put(target, "lastName", last.strip())
            put(target, "firstName", first.strip())
    programs = split_programs(program)
    target.add("programId", programs, cleaned=True)
    target.add("topics", TOPIC, cleaned=True)
    if title and not put(target, "position", title):
        put(target, "notes", f"Title: {title}")
    put(target, "callSign", call_sign)
    put(target, "type", vess_type)
    put(target, "tonnage", plain_number(tonnage))
    put(target, "grossRegisteredTonnage", plain_number(grt))
    if flag and "flag" in target.schema.properties:
        add_country(target, "flag", flag, log, line)
    if owner:
        put(target, "notes", f"Owner: {owner}")
    sanction = make_sanction(target, dataset, AUTHORITY, programs)
    return Record(line, target, sanction, remarks or "")


def _read_primary(
    path: Path, dataset: str, log: WarningLog
) -> tuple[str, dict[str, Record]]:
    sha, rows = read_rows(path, PRIMARY_FIELDS, log)
    records: dict[str, Record] = {}
    for line, row in rows:
        if len(row) > PRIMARY_FIELDS and any(c.strip() for c in row[PRIMARY_FIELDS:]):
            raise ListFormatError(
                path, f"expected {PRIMARY_FIELDS} fields, found {len(row)}", line=line
            )
        ent_num = row[0].strip()
        if ent_num in records:
            raise ListFormatError(
                path,
                f"entity number {ent_num} appears twice (lines {records[ent_num].line} and {line})",
                line=line,
            )
        records[ent_num] = build_record(row, line, dataset, log)
    if not records:
        raise ListFormatError(path, "no entity rows")
    return sha, records


def _orphan_warnings(log: WarningLog, file_name: str, primary: str, orphans: list[tuple[int, str]]) -> None:
    total = len(orphans)
    for index, (line, ent_num) in enumerate(orphans, 1):
        log.add(
            "orphan_row",
            f"{file_name} row for entity {ent_num} skipped: not in {primary} "
            f"(orphan {index} of {total} in {file_name})",
            line,
            ent_num,
        )


_REGION_RE = re.compile(r"^region:\s*", re.I)
_ALT_PROPS = {"aka": "alias", "fka": "previousName", "nka": "alias"}


def _apply_alt(path: Path, records: dict[str, Record], primary: str, log: WarningLog) -> str:
    sha, rows = read_rows(path, 4, log)
    orphans: list[tuple[int, str]] = []
    for line, row in rows:
        record = records.get(row[0].strip())
        if record is None:
            orphans.append((line, row[0].strip()))
            continue
        name = clean_cell(row[3])
        if name is None:
            continue
        kind = re.sub(r"[^a-z]", "", (row[2] or "").lower())
        prop = _ALT_PROPS.get(kind)
        if prop is None:
            log.add("alt_type", f"unknown alias type {row[2]!r}; kept as alias", line, row[0].strip())
            prop = "alias"
        put(record.target, prop, name)
    _orphan_warnings(log, source_name(path), primary, orphans)
    return sha


def _apply_add(path: Path, records: dict[str, Record], primary: str, log: WarningLog) -> str:
    sha, rows = read_rows(path, 5, log)
    orphans: list[tuple[int, str]] = []
    for line, row in rows:
        record = records.get(row[0].strip())
        if record is None:
            orphans.append((line, row[0].strip()))
            continue
        street, city, country = (clean_cell(c) for c in row[2:5])
        remark = clean_cell(row[5]) if len(row) > 5 else None
        full = ", ".join(p for p in (street, city, country) if p)
        if street or city:
            put(record.target, "address", full)
        if country:
            add_country(record.target, "country", _REGION_RE.sub("", country), log, line)
        if remark:
            put(record.target, "notes", f"Address {full}: {remark}")
    _orphan_warnings(log, source_name(path), primary, orphans)
    return sha


def _apply_comments(path: Path, records: dict[str, Record], primary: str, log: WarningLog) -> str:
    """``sdn_comments.csv`` continues remarks cut off in the primary file:
    the text is appended exactly, without a separator."""
    sha, rows = read_rows(path, 2, log)
    orphans: list[tuple[int, str]] = []
    for line, row in rows:
        record = records.get(row[0].strip())
        if record is None:
            orphans.append((line, row[0].strip()))
            continue
        record.remarks += ",".join(row[1:]).rstrip()
    _orphan_warnings(log, source_name(path), primary, orphans)
    return sha


def parse(path: Path, dataset: str | None = None) -> ParseResult:
    """Parse an OFAC legacy CSV source (folder or primary file)."""
    primary, file_set = locate(path)
    dataset = dataset or file_set.dataset
    log = WarningLog(primary)
    files: dict[str, str] = {}
    sha, records = _read_primary(primary, dataset, log)
    files[source_name(primary)] = sha
    appliers = ((file_set.alt, _apply_alt), (file_set.add, _apply_add), (file_set.comments, _apply_comments))
    for name, apply in appliers:
        sibling = find_file(primary.parent, name)
        if sibling is not None:
            sibling_log = WarningLog(sibling)
            files[source_name(sibling)] = apply(sibling, records, file_set.primary, sibling_log)
            log.items.extend(sibling_log.items)
    return _finish(records, dataset, files, log)


def _finish(
    records: dict[str, Record], dataset: str, files: dict[str, str], log: WarningLog
) -> ParseResult:
    """Apply the (completed) remarks and resolve "Linked To" relations."""
    resolver = LinkResolver()
    for record in records.values():
        for name in record.target.get("name"):
            resolver.add(name, record.target.id or "")
    links: dict[str, EntityProxy] = {}
    for record in records.values():
        if not record.remarks:
            continue
        names = apply_remarks(record.target, record.sanction, record.remarks, log, record.line)
        for link in resolver.link(record.target, names, dataset, log, record.line):
            links[link.id or ""] = link
    entities: list[EntityProxy] = [r.target for r in records.values()]
    entities.extend(r.sanction for r in records.values())
    entities.extend(links.values())
    return ParseResult(dataset, FORMAT, entities, files, None, log.items)


# --- sniffing ---------------------------------------------------------------

_SNIFF_BYTES = 8192


def head_text(path: Path, size: int = _SNIFF_BYTES) -> str:
    """The first ``size`` bytes of a (maybe gzipped) file, decoded
    leniently: enough for a sniffer to look at."""
    with path.open("rb") as handle:
        data = handle.read(size)
    if data[:2] == b"\x1f\x8b":
        with gzip.open(path, "rb") as handle:
            try:
                data = handle.read(size)
            except (OSError, EOFError):
                return ""
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return data.decode("utf-16", errors="ignore")
    text = data.decode("utf-8", errors="ignore")
    if not text.strip() and data:
        text = data.decode("cp1252", errors="ignore")
    return text.lstrip("\ufeff")


def _looks_like_primary(path: Path) -> bool:
    """The first data row has 12 fields, a number first and an OFAC
    SDN_Type (``-0-``, individual, vessel, aircraft) third."""
    try:
        rows = [r for r in csv.reader(io.StringIO(head_text(path))) if not _is_blank(r)][:2]
    except csv.Error:
        return False
    if rows and _looks_like_header(rows[0]):
        rows = rows[1:]
    if not rows:
        return False
    row = rows[0]
    return (
        len(row) == PRIMARY_FIELDS
        and row[0].strip().isdigit()
        and (clean_cell(row[2]) is None or row[2].strip().lower() in _SCHEMATA)
    )


def sniff(path: Path) -> bool:
    """True for a folder holding an OFAC primary CSV, or such a file."""
    try:
        if path.is_dir():
            for file_set in FILE_SETS:
                primary = find_file(path, file_set.primary)
                if primary is not None:
                    return _looks_like_primary(primary)
            return False
        return path.is_file() and _looks_like_primary(path)
    except (OSError, ListFormatError):
        return False
