"""The order (or shipment) to assess, and how it is read.

An :class:`Order` has parties by role, goods lines, an ordered route,
payment and the stated end use. The models forbid unknown fields, and
every way an order can be wrong is reported at once: :func:`parse_order`
raises one :class:`OrderError` whose ``problems`` each name a JSON path
(``lines[2].hs_code``) and say what is wrong there.

Order lines can also come from a CSV or XLSX file (:func:`read_lines_file`),
one line per row, with the columns of :class:`Line`.

``order.schema.json`` in the data folder is generated from these models
(:func:`order_json_schema`); a test keeps it current.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date as Date
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from followthemoney import registry
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema, model_validator
from rigour.territories import get_territory

PartyRole = Literal[
    "buyer", "consignee", "end_user", "intermediate_consignee", "freight_forwarder",
    "payer", "bank", "seller", "notify_party",
]
#: Roles that say where the goods go and who uses them.
RECEIVING_ROLES: tuple[str, ...] = ("buyer", "consignee", "end_user", "intermediate_consignee")
PartyType = Literal["Company", "Organization", "LegalEntity", "PublicBody", "Person"]
IdentifierScheme = Literal["registration", "tax", "vat", "lei", "swift", "imo", "duns", "eori", "passport", "other"]
PaymentMethod = Literal[
    "wire", "letter_of_credit", "documentary_collection", "open_account", "cash", "card", "cheque",
    "crypto", "other",
]
EndUseStatement = Literal["provided", "refused", "requested", "not_requested"]
StopKind = Literal["origin", "transit", "transshipment", "destination"]
TransportMode = Literal["sea", "air", "road", "rail", "post", "multimodal"]

_HS_SHAPE = re.compile(r"^[0-9][0-9.\s]*[0-9]$")
_ECCN = re.compile(r"^[0-9][A-E][0-9]{3}([.a-z0-9]*)$", re.I)
_UNLOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


# --- value types ------------------------------------------------------------------


def clean_country(value: object) -> str:
    """An ISO 3166 code (upper case) for a country name or code, from
    FollowTheMoney's country type (rigour territories). Occupied regions
    keep their sub-code (``UA-CRI``); "Global", "EU" and historical states
    are refused."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("give a country as an ISO code or an English name")
    code = registry.country.clean(value.strip())
    territory = get_territory(code) if code else None
    if territory is None or territory.is_historical or not (territory.alpha3 or "-" in territory.code):
        raise ValueError(f"unknown country {value!r} (give an ISO 3166 code or an English name)")
    return territory.code.upper()


def clean_hs_code(value: object) -> str:
    """HS/HTS/Schedule B code as digits: ``8542.31.0001`` → ``8542310001``."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _HS_SHAPE.match(value.strip()):
        raise ValueError(f"HS code must be 6 to 10 digits (dots and spaces allowed), got {value!r}")
    digits = re.sub(r"[.\s]", "", value)
    if not 6 <= len(digits) <= 10:
        raise ValueError(f"HS code must be 6 to 10 digits (dots and spaces allowed), got {value!r} "
                         f"({len(digits)} digits)")
    return digits


def clean_eccn(value: object) -> str:
    """``EAR99``, ``NLR``, ``NOT LISTED`` or an ECCN such as ``5A992.c``."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("ECCN must be text such as EAR99 or 3A001.a")
    text = value.strip()
    upper = re.sub(r"\s+", " ", text.upper())
    if upper in ("EAR99", "NLR", "NOT LISTED"):
        return upper
    if _ECCN.match(text):
        return text[:5].upper() + text[5:]
    raise ValueError(f"ECCN must be EAR99, NLR, 'not listed' or like 3A001.a, got {value!r}")


def clean_unlocode(value: object) -> str:
    """UN/LOCODE without its space: ``IR AMD`` → ``IRAMD``."""
    text = re.sub(r"\s+", "", value.upper()) if isinstance(value, str) else ""
    if not _UNLOCODE.match(text):
        raise ValueError(f"UN/LOCODE must be 2 letters of country and 3 of place (e.g. IRAMD), got {value!r}")
    return text


def clean_currency(value: object) -> str:
    """ISO 4217 currency code, upper case."""
    text = value.strip().upper() if isinstance(value, str) else ""
    if not _CURRENCY.match(text):
        raise ValueError(f"currency must be a 3-letter ISO 4217 code (e.g. USD), got {value!r}")
    return text


Country = Annotated[
    str, BeforeValidator(clean_country),
    WithJsonSchema({"type": "string", "description": "ISO 3166 code or English country name (normalised to the "
                    "upper-case code)", "examples": ["AE", "Turkey"]}),
]
HsCode = Annotated[
    str, BeforeValidator(clean_hs_code),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9][0-9.\s]*[0-9]$",
                    "description": "HS, HTS or Schedule B code: 6 to 10 digits, dots and spaces allowed",
                    "examples": ["8542.31", "8542.31.0001"]}),
]
Eccn = Annotated[
    str, BeforeValidator(clean_eccn),
    WithJsonSchema({"type": "string", "description": "Export Control Classification Number, EAR99, NLR or "
                    "'not listed'", "examples": ["EAR99", "5A992.c"]}),
]
UnLocode = Annotated[
    str, BeforeValidator(clean_unlocode),
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{2} ?[A-Za-z2-9]{3}$", "examples": ["IRAMD"]}),
]
Currency = Annotated[
    str, BeforeValidator(clean_currency),
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{3}$", "examples": ["USD"]}),
]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


# --- models -----------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Identifier(_Model):
    """An identifier of a party (registration number, LEI, IMO, …)."""

    scheme: IdentifierScheme = Field("other", description="What kind of identifier this is.")
    value: Text


class Party(_Model):
    """A party to the order, in one role (a company in two roles is listed twice)."""

    id: str | None = Field(None, description="Your reference for the party (optional).")
    role: PartyRole = Field(description="The party's role in this order.")
    name: Text
    type: PartyType = Field("Company", description="FollowTheMoney schema used for screening.")
    country: Country | None = None
    address: Text | None = None
    identifiers: list[Identifier] = Field(default_factory=list)
    business: Text | None = Field(None, description="Stated line of business.")
    email: Text | None = None
    website: Text | None = None
    incorporation_date: Date | None = None


class Line(_Model):
    """One line of goods."""

    description: Text
    hs_code: HsCode | None = None
    part_number: Text | None = None
    manufacturer: Text | None = None
    eccn: Eccn | None = None
    quantity: float | None = Field(None, gt=0)
    unit_value: float | None = Field(None, ge=0)
    currency: Currency | None = None
    country_of_origin: Country | None = None


class Stop(_Model):
    """One stop of the route, in travel order (first: origin, last: destination)."""

    country: Country | None = Field(None, description="Country of the stop; taken from the UN/LOCODE when absent.")
    port: Text | None = None
    place: Text | None = None
    unlocode: UnLocode | None = None
    kind: StopKind | None = Field(None, description="Origin, transit, transshipment or destination (default: "
                                  "by position).")
    mode: TransportMode | None = None

    @model_validator(mode="after")
    def _country_and_unlocode_agree(self) -> "Stop":
        if self.country is None and self.unlocode is None:
            raise ValueError("a stop needs a country or a UN/LOCODE")
        if self.country is None and self.unlocode is not None:
            self.country = clean_country(self.unlocode[:2])
        elif self.unlocode is not None and self.country is not None and self.unlocode[:2] != self.country[:2]:
            raise ValueError(f"UN/LOCODE {self.unlocode} is not in country {self.country}")
        return self

    @property
    def name(self) -> str | None:
        """Port or place name, whichever is given."""
        return self.port or self.place


class Payment(_Model):
    """Who pays, from where, and how."""

    payer: Text | None = None
    payer_country: Country | None = None
    method: PaymentMethod | None = None
    currency: Currency | None = None
    amount: float | None = Field(None, ge=0)
    bank: Text | None = None
    bank_country: Country | None = None


class Order(_Model):
    """An exporter's order or shipment."""

    schema_url: str | None = Field(None, alias="$schema", description="Optional pointer to this schema.")
    id: Text
    date: Date | None = None
    currency: Currency | None = Field(None, description="Default currency of the lines.")
    incoterms: Text | None = None
    parties: list[Party] = Field(min_length=1)
    lines: list[Line] = Field(min_length=1)
    route: list[Stop] = Field(default_factory=list)
    payment: Payment | None = None
    end_use: Text | None = Field(None, description="Stated end use, in the customer's words.")
    end_use_statement: EndUseStatement | None = Field(
        None, description="Whether an end-use / end-user statement was provided, refused, requested (pending) "
        "or not requested.")
    notes: Text | None = None

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    def parties_in(self, *roles: str) -> list[Party]:
        """The parties holding any of ``roles``."""
        return [p for p in self.parties if p.role in roles]


# --- validation errors ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an order, at a JSON path."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(order)'}: {self.message}"

    def to_json(self) -> dict:
        return {"path": self.path, "message": self.message}


class OrderError(ValueError):
    """The order is not valid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(f"{head}{len(problems)} problem(s) in the order:\n" + "\n".join(f"  {p}" for p in problems))


def json_path(loc: tuple[int | str, ...]) -> str:
    """``('lines', 2, 'hs_code')`` → ``lines[2].hs_code``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class whose field list applies at ``loc``."""
    model: type[BaseModel] | None = Order
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``list[Party]`` or ``Payment | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _message(error: Any) -> str:
    """A readable message for one pydantic error."""
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        known = ", ".join(f.alias or n for n, f in model.model_fields.items()) if model else ""
        return f"unknown field {loc[-1]!r}" + (f" (known fields: {known})" if known else "")
    if kind == "missing":
        hint = " (give the lines in the order, or in a CSV/XLSX file with --lines)" if loc == ("lines",) else ""
        return "required field is missing" + hint
    message = error["msg"]
    return message.removeprefix("Value error, ")


def problems_from(exc: ValidationError, offset: dict[int, str] | None = None) -> list[Problem]:
    """Every problem of a pydantic validation error, with its path."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        message = _message(error)
        if offset and len(loc) >= 2 and loc[0] == "lines" and isinstance(loc[1], int) and loc[1] in offset:
            message += f" ({offset[loc[1]]})"
        problems.append(Problem(json_path(loc), message))
    return problems


def order_level_problems(data: dict) -> list[Problem]:
    """Checks across fields that pydantic cannot make per field."""
    problems = []
    parties = data.get("parties")
    if isinstance(parties, list) and parties:
        roles = {p.get("role") for p in parties if isinstance(p, dict)}
        if not roles & {"buyer", "consignee", "end_user"}:
            problems.append(Problem("parties", "the order needs a buyer, a consignee or an end user"))
        ids = [str(p["id"]) for p in parties if isinstance(p, dict) and p.get("id")]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append(Problem("parties", f"party id {dup!r} is used more than once"))
    return problems


def parse_order(data: object, source: str | None = None, line_sources: dict[int, str] | None = None) -> Order:
    """Validate order data; raises :class:`OrderError` listing every problem."""
    if not isinstance(data, dict):
        raise OrderError([Problem("", "an order must be a JSON object")], source)
    problems: list[Problem] = []
    order: Order | None = None
    try:
        order = Order.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, line_sources))
    problems.extend(order_level_problems(data))
    if problems or order is None:
        raise OrderError(problems, source)
    return order


def read_order_data(path: Path) -> dict:
    """The JSON object in ``path``, or :class:`OrderError` saying why not."""
    if not path.is_file():
        raise OrderError([Problem("", "no such file")], str(path))
    try:
        data = json.loads(path.read_text("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise OrderError([Problem("", f"not UTF-8 text (byte {exc.start})")], str(path)) from exc
    except json.JSONDecodeError as exc:
        raise OrderError([Problem("", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")],
                         str(path)) from exc
    if not isinstance(data, dict):
        raise OrderError([Problem("", "an order must be a JSON object")], str(path))
    return data


def load_order(path: Path, lines_path: Path | None = None) -> Order:
    """Read and validate an order file; lines from ``lines_path`` (CSV or
    XLSX) are added after the order's own lines."""
    data = read_order_data(path)
    line_sources: dict[int, str] = {}
    if lines_path is not None:
        rows = read_lines_file(lines_path)
        own = data.get("lines", [])
        if not isinstance(own, list):  # let validation report the order's own lines
            return parse_order(data, str(path))
        data = {**data, "lines": [*own, *(row for _, row in rows)]}
        line_sources = {len(own) + i: f"{lines_path.name} row {number}" for i, (number, _) in enumerate(rows)}
    return parse_order(data, str(path), line_sources)


# --- order lines from CSV / XLSX --------------------------------------------------

#: Column names accepted for each line field (case and spacing ignored).
LINE_COLUMNS: dict[str, tuple[str, ...]] = {
    "description": ("description", "goods", "item", "goods description"),
    "hs_code": ("hs_code", "hs", "hts", "hts_code", "schedule_b", "commodity_code", "tariff_code"),
    "part_number": ("part_number", "part_no", "pn", "mpn", "part"),
    "manufacturer": ("manufacturer", "mfr", "maker", "brand"),
    "eccn": ("eccn", "classification"),
    "quantity": ("quantity", "qty"),
    "unit_value": ("unit_value", "unit_price", "price"),
    "currency": ("currency", "ccy"),
    "country_of_origin": ("country_of_origin", "origin", "coo"),
}
_COLUMN_INDEX = {alias: field for field, aliases in LINE_COLUMNS.items() for alias in aliases}


def _column(name: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(name or "").strip().lower())


def read_lines_file(path: Path) -> list[tuple[int, dict]]:
    """(row number, raw line dict) for each non-empty row of a CSV or XLSX
    file; the dicts are validated with the order. Unknown columns, a
    missing description column or an unreadable file raise
    :class:`OrderError`."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise OrderError([Problem("lines", f"unknown file type {suffix!r} (use .csv or .xlsx)")], str(path))
    if not path.is_file():
        raise OrderError([Problem("lines", "no such file")], str(path))
    header, rows = _csv_rows(path) if suffix == ".csv" else _xlsx_rows(path)
    problems = [Problem("lines", f"unknown column {h!r} in {path.name} (known: {', '.join(LINE_COLUMNS)})")
                for h in header if h and h not in _COLUMN_INDEX]
    if "description" not in {_COLUMN_INDEX.get(h) for h in header}:
        problems.append(Problem("lines", f"the header of {path.name} has no 'description' column"))
    if problems:
        raise OrderError(problems, str(path))
    out = []
    for number, values in rows:
        line = {}
        for name, value in zip(header, values):
            field = _COLUMN_INDEX.get(name)
            if field and value not in (None, ""):
                line[field] = value
        if line:
            out.append((number, line))
    return out


def _csv_rows(path: Path) -> tuple[list[str], list[tuple[int, list[object]]]]:
    from chokepoint.lists.parsers.base import ListFormatError, decode_text

    try:
        text = decode_text(path.read_bytes(), path)
    except ListFormatError as exc:
        raise OrderError([Problem("lines", str(exc))], str(path)) from exc
    reader = csv.reader(io.StringIO(text))
    header = [_column(h) for h in next(reader, [])]
    rows: list[tuple[int, list[object]]] = []
    for values in reader:
        rows.append((reader.line_num, [v.strip() for v in values]))
    return header, rows


def _xlsx_rows(path: Path) -> tuple[list[str], list[tuple[int, list[object]]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise OrderError([Problem("lines", f"not a readable XLSX workbook ({exc})")], str(path)) from exc
    sheet = workbook.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    header = [_column(h) for h in next(rows_iter, ())]
    rows = []
    for number, values in enumerate(rows_iter, 2):
        if values and any(v not in (None, "") for v in values):
            rows.append((number, [_xlsx_value(header[i] if i < len(header) else "", v)
                                  for i, v in enumerate(values)]))
    workbook.close()
    return header, rows


def _xlsx_value(column: str, value: object) -> object:
    """Spreadsheet cells as order values. An HS code typed as a number
    loses its leading zero (chapters 01–09): an odd digit count is padded."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if _COLUMN_INDEX.get(column) == "hs_code" and isinstance(value, int):
        text = str(value)
        return "0" + text if len(text) in (5, 7, 9) else text
    if isinstance(value, str):
        return value.strip()
    return value


# --- JSON Schema ------------------------------------------------------------------


def order_json_schema() -> dict:
    """The JSON Schema of an order (what ``order.schema.json`` holds)."""
    schema = Order.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "order.schema.json",
        **schema,
    }


def schema_text() -> str:
    """``order.schema.json`` as written to the data folder."""
    return json.dumps(order_json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # python -m chokepoint.trade.order > src/chokepoint/trade/data/order.schema.json
    import sys

    sys.stdout.write(schema_text())
