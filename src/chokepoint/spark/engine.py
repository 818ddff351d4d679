"""The Spark engine of batch screening (see the package docstring)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from chokepoint.matching.algorithm import DEFAULT_ALGORITHM
from chokepoint.matching.batch import COLUMNS, InputRow, ResultWriter, RowResult, file_format, screen_row

if TYPE_CHECKING:  # pyspark is an optional dependency (`pip install chokepoint[spark]`)
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

#: Columns of the DataFrame ``screen`` returns.
OUTPUT_COLUMNS = ("row", "line", "id", "name", "status", "top_score", "error", "matches")
OUTPUT_SCHEMA = ("row long, line long, id string, name string, status string, top_score double, "
                 "error string, matches string")
#: Input formats by file suffix (a folder of Parquet files is Parquet).
INPUT_FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "json", ".json": "json", ".ndjson": "json"}

#: per Python worker: index file name → screener (loaded once, reused by every batch)
_SCREENERS: dict = {}
#: Largest input slice a Spark task reads (bytes).
PARTITION_BYTES = 4 * 1024 * 1024


def spark_session(master: str = "local[2]", app_name: str = "chokepoint-screen",
                  memory: str | None = None) -> "SparkSession":
    """A Spark session whose Python workers run this interpreter (so they
    import the same chokepoint); ``memory`` sets the driver's memory."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (SparkSession.builder.master(master).appName(app_name)
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "8")
               # input files are read in slices of at most this size (about
               # 80,000 rows of a party CSV): enough tasks for every core,
               # and bounded memory per task
               .config("spark.sql.files.maxPartitionBytes", str(PARTITION_BYTES)))
    if memory:
        builder = builder.config("spark.driver.memory", memory)
    return builder.getOrCreate()


def _screener(index_name: str, threshold: float | None):
    """The screener of this Python worker, loaded from the shipped file."""
    key = (index_name, threshold)
    if key not in _SCREENERS:
        from pyspark import SparkFiles

        from chokepoint.matching.index import NameIndex
        from chokepoint.matching.screener import Screener

        algorithm = DEFAULT_ALGORITHM if threshold is None else DEFAULT_ALGORITHM.with_threshold(threshold)
        _SCREENERS[key] = Screener(NameIndex.load(Path(SparkFiles.get(index_name))), algorithm)
    return _SCREENERS[key]


def _text(value: object) -> str:
    """A cell as the local engine reads it: lists joined by ';', None as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN from pandas
        return ""
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else value
        return ";".join(str(v) for v in items if v is not None)
    return str(value)


def result_columns(result: RowResult, row: int, line: int) -> dict:
    m = result.matches
    return {"row": row, "line": line, "id": result.id, "name": result.name, "status": result.status,
            "top_score": m[0]["score"] if m else None, "error": result.error,
            "matches": orjson.dumps(m).decode()}


def _screen_batches(index_name: str, threshold: float | None, limit: int, first_line: int):
    def run(batches: Iterator["pd.DataFrame"]) -> Iterator["pd.DataFrame"]:
        import pandas as pd

        screener = _screener(index_name, threshold)
        for frame in batches:
            columns = [c for c in frame.columns if c != "_row"]
            out = []
            for record in frame.to_dict("records"):
                row = int(record["_row"])
                data = {str(c).strip().lower(): _text(record.get(c)).strip() for c in columns}
                line = row + first_line
                result = screen_row(screener, InputRow(line, data), threshold, limit)
                out.append(result_columns(result, row, line))
            yield pd.DataFrame(out, columns=list(OUTPUT_COLUMNS))
    return run


def screen(df: "DataFrame", index_file: str | Path, threshold: float | None = None, limit: int = 10,
           first_line: int = 1) -> "DataFrame":
    """Screen every row of ``df`` (see the package docstring). ``index_file``
    is the list index cache file (``chokepoint.matching.engine.load_index``
    writes it); ``first_line`` is the line number of the first row in error
    messages (2 for a CSV file with a header, as the local engine counts)."""
    from pyspark.sql.types import LongType, StructField, StructType

    index_file = Path(index_file)
    if not index_file.is_file():
        raise FileNotFoundError(f"{index_file}: no such index file (build it with `chokepoint lists load`)")
    if "name" not in [c.strip().lower() for c in df.columns]:
        raise ValueError(f"the table has no 'name' column (columns: {', '.join(COLUMNS)})")
    spark = df.sparkSession
    spark.sparkContext.addFile(str(index_file))
    # number the rows in input order, as the local engine numbers lines
    schema = StructType([*df.schema.fields, StructField("_row", LongType(), False)])
    numbered = spark.createDataFrame(df.rdd.zipWithIndex().map(lambda pair: (*pair[0], pair[1])), schema)
    return numbered.mapInPandas(_screen_batches(index_file.name, threshold, limit, first_line), OUTPUT_SCHEMA)


def read_table(spark: "SparkSession", path: Path) -> tuple["DataFrame", int]:
    """A Parquet, CSV or JSONL table as strings, and its first line number."""
    fmt = "parquet" if path.is_dir() else INPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: unknown table type {path.suffix!r} (use .parquet, .csv or .jsonl)")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if fmt == "csv":
        # quotes inside values are doubled, as Python's csv module and
        # spreadsheets write them (Spark's default escape is a backslash);
        # values with line breaks need Parquet or JSONL (multiLine would
        # read the whole file in one partition)
        df = (spark.read.option("header", True).option("encoding", "UTF-8").option("escape", '"')
              .option("mode", "PERMISSIVE").csv(str(path)))
        return df, 2
    if fmt == "json":
        return spark.read.option("mode", "PERMISSIVE").json(str(path)), 1
    return spark.read.parquet(str(path)), 1


def row_result(record) -> RowResult:
    return RowResult(record["id"], record["status"], orjson.loads(record["matches"]), record["error"],
                     record["name"] or "")


#: Columns of the summary each Spark task returns after writing its part.
PART_SCHEMA = "first_row long, rows long, alert long, clear long, error long"
#: Suffix of parts that hold whole results (for outputs the driver re-writes, XLSX).
RESULT_PART = ".results"


def part_name(first_row: int, suffix: str) -> str:
    """Parts are named by their first row: sorting names sorts rows."""
    return f"part-{first_row:012d}{suffix}"


class _ResultsPart:
    """A part holding whole results, one JSON array per line (for outputs
    the driver writes itself, XLSX)."""

    def __init__(self, path: Path) -> None:
        self._fh = path.open("wb")

    def write(self, result: RowResult) -> None:
        self._fh.write(orjson.dumps([result.id, result.status, result.matches, result.error, result.name]) + b"\n")

    def close(self) -> None:
        self._fh.close()


def read_results_part(path: Path) -> Iterator[RowResult]:
    with path.open("rb") as fh:
        for line in fh:
            yield RowResult(*orjson.loads(line))


def _write_parts(parts_dir: str, suffix: str):
    """A Spark task's writer: the task's results (consecutive rows, in
    order) go to one part file named by its first row, written under a
    temporary name and renamed when complete (a retried task replaces it)."""
    def run(batches: Iterator["pd.DataFrame"]) -> Iterator["pd.DataFrame"]:
        import pandas as pd

        tmp = Path(parts_dir) / f".tmp-{uuid.uuid4().hex}{suffix}"
        writer = _ResultsPart(tmp) if suffix == RESULT_PART else ResultWriter(tmp, header=False)
        counts = {"alert": 0, "clear": 0, "error": 0}
        first, rows = None, 0
        try:
            for frame in batches:
                for record in frame.to_dict("records"):
                    first = int(record["row"]) if first is None else first
                    if record["row"] != first + rows:
                        raise RuntimeError(f"row {record['row']} came where row {first + rows} was expected")
                    result = row_result(record)
                    counts[result.status] += 1
                    rows += 1
                    writer.write(result)
        finally:
            writer.close()
        if first is None:  # an empty slice
            tmp.unlink()
            return
        os.replace(tmp, Path(parts_dir) / part_name(first, suffix))
        # mapInPandas matches the frame's columns to PART_SCHEMA by name
        yield pd.DataFrame([{"first_row": first, "rows": rows, **counts}])
    return run


def check_parts(parts: list) -> list:
    """The parts' summaries in row order, checked to cover rows 0…n-1 once."""
    parts = sorted(parts, key=lambda p: p["first_row"])
    expected = 0
    for part in parts:
        if part["first_row"] != expected:
            raise RuntimeError(f"Spark wrote a part starting at row {part['first_row']} "
                               f"where row {expected} was expected")
        expected += part["rows"]
    return parts


def screen_file(spark: "SparkSession", source: Path, target: Path, index_file: Path,
                threshold: float | None = None, limit: int = 10) -> dict[str, int]:
    """``chokepoint screen --engine spark``: results in input order, written
    by the local engine's writer (JSONL, CSV, XLSX) or as a Parquet folder."""
    df, first_line = read_table(spark, source)
    # mapInPandas keeps the partitions and their order, and zipWithIndex
    # numbered the rows partition by partition: each task's rows are
    # consecutive, so parts named by their first row put the output in input
    # order without a sort (which would screen everything twice, once to
    # sample the sort keys)
    results = screen(df, index_file, threshold, limit, first_line)
    counts = {"alert": 0, "clear": 0, "error": 0}
    if target.suffix.lower() == ".parquet":
        results.drop("row").write.mode("overwrite").parquet(str(target))
        for row in spark.read.parquet(str(target)).groupBy("status").count().collect():
            counts[row["status"]] = row["count"]
        return counts
    # every task writes its results to a part file beside the target (the
    # target's folder must be shared with the executors on a cluster, as for
    # any Spark output), and the driver puts the parts together: results
    # never pass through the driver's memory or Spark's block manager (10M
    # rows read back through toLocalIterator lost a result block)
    fmt = file_format(target)
    suffix = target.suffix if fmt in ("jsonl", "csv") else RESULT_PART
    target.parent.mkdir(parents=True, exist_ok=True)
    parts_dir = Path(tempfile.mkdtemp(prefix=f".{target.name}.parts-", dir=target.parent))
    try:
        summaries = results.mapInPandas(_write_parts(str(parts_dir), suffix), PART_SCHEMA).collect()
        parts = check_parts([s.asDict() for s in summaries])
        writer = ResultWriter(target)
        try:
            for part in parts:
                for status in counts:
                    counts[status] += part[status]
                path = parts_dir / part_name(part["first_row"], suffix)
                if suffix == RESULT_PART:
                    for result in read_results_part(path):
                        writer.write(result)
                else:
                    writer.append_part(path)
        finally:
            writer.close()
    finally:
        shutil.rmtree(parts_dir, ignore_errors=True)
    return counts
