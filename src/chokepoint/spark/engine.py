"""The Spark engine of batch screening (see the package docstring)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from chokepoint.matching.algorithm import DEFAULT_ALGORITHM
from chokepoint.matching.batch import COLUMNS, InputRow, ResultWriter, RowResult, screen_row

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
    import the same chokepoint); the driver memory may be raised for big
    collects."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (SparkSession.builder.master(master).appName(app_name)
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "8")
               # input files are read in slices of at most this size (about
               # 80,000 rows of a party CSV): enough tasks for every core,
               # and results that come back to the driver a slice at a
               # time (one 1M-row slice exhausted the driver's memory)
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


def screen_file(spark: "SparkSession", source: Path, target: Path, index_file: Path,
                threshold: float | None = None, limit: int = 10) -> dict[str, int]:
    """``chokepoint screen --engine spark``: results in input order, written
    by the local engine's writer (JSONL, CSV, XLSX) or as a Parquet folder."""
    df, first_line = read_table(spark, source)
    # mapInPandas keeps the partitions and their order, and zipWithIndex
    # numbered the rows partition by partition: the results come back in
    # input order without a sort (which would screen everything twice, once
    # to sample the sort keys)
    results = screen(df, index_file, threshold, limit, first_line)
    counts = {"alert": 0, "clear": 0, "error": 0}
    if target.suffix.lower() == ".parquet":
        results.drop("row").write.mode("overwrite").parquet(str(target))
        for row in spark.read.parquet(str(target)).groupBy("status").count().collect():
            counts[row["status"]] = row["count"]
        return counts
    # screened on every executor at once and kept on local disk, then read
    # back in order: toLocalIterator alone would compute one partition at a
    # time, as the driver asks for it
    from pyspark import StorageLevel

    results = results.persist(StorageLevel.DISK_ONLY)
    results.count()
    writer = ResultWriter(target)
    expected = 0
    try:
        for record in results.toLocalIterator():
            if record["row"] != expected:
                raise RuntimeError(f"Spark returned row {record['row']} where row {expected} was expected")
            expected += 1
            result = row_result(record)
            counts[result.status] += 1
            writer.write(result)
    finally:
        writer.close()
        results.unpersist()
    return counts
