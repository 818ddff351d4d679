"""Batch screening of a table of parties (CSV, JSONL or XLSX).

Input rows have ``id, name, schema, country, birth_date, identifier,
address`` (only ``name`` is required; several countries or identifiers are
separated by ``;``). Output is one row per input row, in input order, in
the format the output file's extension names. The JSONL output is a fixed
contract (docs/screen-output.md)::

    {"id": …, "status": "alert"|"clear"|"error",
     "matches": [{"entity_id", "dataset", "source_id", "name", "schema",
                  "score", "explanation"}],
     "error": "…"  (error rows only)}

Bad rows never stop the run and are never dropped: they become ``error``
rows naming their line and what is wrong. Screening uses every core
(worker processes share the index copy-on-write).
"""

from __future__ import annotations

import csv
import gc
import io
import multiprocessing as mp
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from followthemoney import model

from chokepoint.lists.parsers.base import decode_text
from chokepoint.matching.normalize import prepare_normalizer
from chokepoint.matching.records import PartyQuery
from chokepoint.matching.screener import Screener

COLUMNS = ("id", "name", "schema", "country", "birth_date", "identifier", "address")
SCHEMATA = ("Person", "Company", "Organization", "LegalEntity", "Vessel", "Airplane")
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}


class InputError(ValueError):
    """The input file as a whole cannot be read."""


@dataclass(slots=True)
class InputRow:
    line: int
    data: dict[str, str]


@dataclass(slots=True)
class RowResult:
    id: str
    status: str
    matches: list[dict] = field(default_factory=list)
    error: str | None = None
    name: str = ""

    def to_json(self) -> dict:
        out = {"id": self.id, "status": self.status, "matches": self.matches}
        if self.error is not None:
            out["error"] = self.error
        return out


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown file type {path.suffix!r} (use .csv, .jsonl or .xlsx)")
    return fmt


def read_rows(path: Path) -> Iterator[InputRow]:
    """Rows of the input file with their line (or sheet row) numbers."""
    fmt = file_format(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if fmt == "xlsx":
        yield from _read_xlsx(path)
        return
    text = decode_text(path.read_bytes(), path)
    if fmt == "csv":
        yield from _read_csv(path, text)
    else:
        yield from _read_jsonl(text)


def _read_csv(path: Path, text: str) -> Iterator[InputRow]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "name" not in [f.strip().lower() for f in reader.fieldnames]:
        raise InputError(f"{path}: line 1: the header has no 'name' column (columns: {', '.join(COLUMNS)})")
    for row in reader:
        data = {str(k).strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        yield InputRow(reader.line_num, data)


def read_json_rows(text: str) -> Iterator[InputRow]:
    """Rows of a JSON array of objects (numbered from 1), or of JSONL."""
    if text.lstrip().startswith("["):
        try:
            values = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc}") from exc
        if not isinstance(values, list):
            raise InputError("the body must be a JSON array of objects, or JSON lines")
        for number, value in enumerate(values, 1):
            if not isinstance(value, dict):
                yield InputRow(number, {"__error__": "each item must be a JSON object"})
            else:
                yield InputRow(number, {str(k).lower(): _flat(v) for k, v in value.items()})
        return
    yield from _read_jsonl(text)


def _read_jsonl(text: str) -> Iterator[InputRow]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield InputRow(number, {"__error__": f"invalid JSON: {exc}"})
            continue
        if not isinstance(value, dict):
            yield InputRow(number, {"__error__": "each line must be a JSON object"})
            continue
        yield InputRow(number, {str(k).lower(): _flat(v) for k, v in value.items()})


def _flat(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value if v is not None)
    return str(value)


def _read_xlsx(path: Path) -> Iterator[InputRow]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise InputError(f"{path}: not a readable XLSX workbook ({exc})") from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(c or "").strip().lower() for c in next(rows, [])]
    if "name" not in header:
        raise InputError(f"{path}: row 1: the header has no 'name' column")
    for number, values in enumerate(rows, 2):
        if values is None or all(v is None for v in values):
            continue
        yield InputRow(number, {h: _flat(v).strip() for h, v in zip(header, values) if h})
    workbook.close()


def row_query(row: InputRow) -> PartyQuery:
    """The query for one row, or ValueError saying what is wrong."""
    data = row.data
    if "__error__" in data:
        raise ValueError(data["__error__"])
    name = data.get("name", "")
    if not name:
        raise ValueError("'name' is empty")
    schema = data.get("schema") or "LegalEntity"
    canonical = {s.lower(): s for s in SCHEMATA}.get(schema.lower())
    if canonical is None or model.get(canonical) is None:
        raise ValueError(f"unknown schema {schema!r} (one of {', '.join(SCHEMATA)})")
    return PartyQuery.build(
        name=name,
        schema=canonical,
        country=_split(data.get("country")),
        birth_date=_split(data.get("birth_date")),
        identifier=_split(data.get("identifier")),
        address=data.get("address") or None,
        id=data.get("id") or str(row.line),
    )


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(";") if v.strip()]


def screen_row(screener: Screener, row: InputRow, threshold: float | None, limit: int) -> RowResult:
    row_id = row.data.get("id") or str(row.line)
    try:
        query = row_query(row)
    except ValueError as exc:
        return RowResult(row_id, "error", error=f"line {row.line}: {exc}", name=row.data.get("name", ""))
    matches = screener.match(query, limit=limit, threshold=threshold)
    out = [
        {
            "entity_id": m.record.entity_id,
            "dataset": m.record.dataset,
            "source_id": m.record.source_id,
            "list_version": m.record.version_id,
            "name": m.record.caption,
            "schema": m.record.schema,
            "score": m.score,
            "explanation": m.explanation.to_json(),
        }
        for m in matches
    ]
    return RowResult(row_id, "alert" if out else "clear", out, name=query.names[0])


# --- parallel execution -------------------------------------------------------

_WORKER: tuple[Screener, float | None, int] | None = None


def _screen_chunk(rows: list[InputRow]) -> list[RowResult]:
    assert _WORKER is not None
    screener, threshold, limit = _WORKER
    return [screen_row(screener, row, threshold, limit) for row in rows]


def _chunks(rows: Iterable[InputRow], size: int) -> Iterator[list[InputRow]]:
    chunk: list[InputRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def screen_rows(
    screener: Screener,
    rows: Iterable[InputRow],
    threshold: float | None = None,
    limit: int = 10,
    workers: int | None = None,
    chunk_size: int = 256,
) -> Iterator[RowResult]:
    """Screen rows in input order, on ``workers`` processes (default: all
    cores; 1 = in this process)."""
    global _WORKER
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or "fork" not in mp.get_all_start_methods():
        for row in rows:
            yield screen_row(screener, row, threshold, limit)
        return
    _WORKER = (screener, threshold, limit)
    ctx = mp.get_context("fork")
    prepare_normalizer()
    # move everything alive (the index above all) out of the collector's
    # reach, so the workers' collections do not touch, and so copy, the
    # pages they share with this process
    gc.freeze()
    try:
        with ctx.Pool(workers) as pool:
            for results in pool.imap(_screen_chunk, _chunks(rows, chunk_size)):
                yield from results
    finally:
        _WORKER = None
        gc.unfreeze()


# --- output -------------------------------------------------------------------


class ResultWriter:
    """Writes results in the output file's format, one row per input row."""

    def __init__(self, path: Path, header: bool = True) -> None:
        """``header=False`` writes a CSV without its header line (one part
        of a file that is put together later)."""
        self.path = path
        self.format = file_format(path)
        self.rows: list[list[object]] = []
        self._fh = None
        self._csv = None
        if self.format in ("jsonl", "csv"):
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = path.open("w", encoding="utf-8", newline="")
        if self.format == "csv":
            self._csv = csv.writer(self._fh)
            if header:
                self._csv.writerow(TABLE_HEADER)

    def write(self, result: RowResult) -> None:
        if self.format == "jsonl":
            self._fh.write(orjson.dumps(result.to_json()).decode() + "\n")
        elif self.format == "csv":
            self._csv.writerow(table_row(result))
        else:
            self.rows.append(table_row(result))

    def append_part(self, part: Path) -> None:
        """Copy a part written by ``ResultWriter(…, header=False)`` in the
        same format, byte for byte (JSONL and CSV only)."""
        if self._fh is None:
            raise ValueError(f"{self.path}: parts can only be appended to JSONL and CSV files")
        self._fh.flush()
        with part.open("rb") as src:
            shutil.copyfileobj(src, self._fh.buffer, 16 * 1024 * 1024)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self.format == "xlsx":
            from openpyxl import Workbook

            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("screening")
            sheet.append(list(TABLE_HEADER))
            for row in self.rows:
                sheet.append(row)
            workbook.save(self.path)


TABLE_HEADER = ("id", "name", "status", "top_score", "match_count", "entity_ids", "listed_names",
                "datasets", "source_ids", "error")


def table_row(result: RowResult) -> list[object]:
    m = result.matches
    return [
        result.id,
        result.name,
        result.status,
        m[0]["score"] if m else "",
        len(m),
        ";".join(x["entity_id"] for x in m),
        ";".join(x["name"] for x in m),
        ";".join(x["dataset"] for x in m),
        ";".join(str(x["source_id"] or "") for x in m),
        result.error or "",
    ]


def screen_file(
    screener: Screener,
    source: Path,
    target: Path,
    threshold: float | None = None,
    limit: int = 10,
    workers: int | None = None,
    on_row: Callable[[RowResult], None] | None = None,
) -> dict[str, int]:
    """Screen ``source`` into ``target``; returns counts by status."""
    file_format(target)
    counts = {"alert": 0, "clear": 0, "error": 0}
    writer = ResultWriter(target)
    try:
        for result in screen_rows(screener, read_rows(source), threshold, limit, workers):
            counts[result.status] += 1
            writer.write(result)
            if on_row:
                on_row(result)
    finally:
        writer.close()
    return counts
