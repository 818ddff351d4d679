"""Batch screening on Spark (local mode) gives the same files, row by row
and score by score, as the local engine on the same input."""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

pyspark = pytest.importorskip("pyspark")

from chokepoint.cli import app  # noqa: E402
from chokepoint.matching.engine import index_path  # noqa: E402

runner = CliRunner()


def run(home: Path, *args: str):
    return runner.invoke(app, ["--home", str(home), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def sample(tmp_path_factory, screener) -> Path:
    """Listed names, variants of them, clean names and bad rows."""
    folder = tmp_path_factory.mktemp("spark")
    records = screener.index.records
    rows = []
    for i, record in enumerate(records[:: max(1, len(records) // 120)][:120]):
        schema = record.schema if record.schema in ("Person", "Company", "Organization", "Vessel") else "LegalEntity"
        name = record.caption if i % 3 else " ".join(reversed(record.caption.split())).lower()
        rows.append({"id": f"r{i}", "name": name, "schema": schema, "country": ";".join(sorted(record.countries)[:1]),
                     "birth_date": "", "identifier": "", "address": ""})
    for i, name in enumerate(["Harbourside Stationery Supplies Ltd", "Margit Oberholzer", 'AO "Orion", Moscow',
                              "Ольга Смирнова", "O'Brien \\ Sons"]):
        rows.append({"id": f"c{i}", "name": name, "schema": "LegalEntity", "country": "", "birth_date": "",
                     "identifier": "", "address": ""})
    rows.append({"id": "bad1", "name": "", "schema": "Company", "country": "", "birth_date": "", "identifier": "",
                 "address": ""})
    rows.append({"id": "bad2", "name": "Someone", "schema": "Spaceship", "country": "", "birth_date": "",
                 "identifier": "", "address": ""})
    path = folder / "parties.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (folder / "parties.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def test_spark_and_local_engines_write_the_same_files(sample, bundled_settings):
    home = bundled_settings.home
    folder = sample.parent
    assert run(home, "screen", str(sample), "--out", str(folder / "local.jsonl"), "--workers", "1").exit_code == 0
    result = run(home, "screen", str(sample), "--out", str(folder / "spark.jsonl"), "--engine", "spark",
                 "--master", "local[2]")
    assert result.exit_code == 0, result.output
    local = (folder / "local.jsonl").read_text("utf-8").splitlines()
    spark = (folder / "spark.jsonl").read_text("utf-8").splitlines()
    assert len(local) == len(spark) == 127
    for a, b in zip(local, spark):
        assert json.loads(a) == json.loads(b)
    assert local == spark  # byte for byte, scores included
    statuses = [json.loads(line)["status"] for line in spark]
    assert statuses.count("alert") >= 60 and statuses.count("error") == 2
    errors = [json.loads(line)["error"] for line in spark if json.loads(line)["status"] == "error"]
    assert "line 127" in errors[0] and "Spaceship" in errors[1]


def test_library_function_on_a_dataframe_csv_jsonl_and_parquet(sample, bundled_settings, bundled_store):
    import pandas as pd

    from chokepoint.spark import OUTPUT_COLUMNS, screen, screen_file, spark_session

    spark = spark_session("local[1]")
    index_file = index_path(bundled_settings, bundled_store.active_versions())
    # the CSV contract, from a JSONL input: the same bytes as the local engine's CSV from the CSV input
    folder = sample.parent
    assert run(bundled_settings.home, "screen", str(sample), "--out", str(folder / "local.csv"),
               "--workers", "1").exit_code == 0
    counts = screen_file(spark, folder / "parties.jsonl", folder / "spark.csv", index_file)
    assert counts["error"] == 2
    local_csv = (folder / "local.csv").read_text("utf-8").splitlines()
    spark_csv = (folder / "spark.csv").read_text("utf-8").splitlines()
    # JSONL numbers lines from 1, CSV from 2 (the header): only error texts differ
    assert [line for line in local_csv if "line " not in line] == [line for line in spark_csv if "line " not in line]
    assert len(local_csv) == len(spark_csv)
    frame = pd.read_csv(sample, dtype=str, keep_default_na=False)
    df = spark.createDataFrame(frame)
    out = screen(df, index_file, first_line=2)
    assert tuple(out.columns) == OUTPUT_COLUMNS
    rows = {r["id"]: r for r in out.collect()}
    assert len(rows) == len(frame)
    assert rows["c1"]["status"] == "clear" and rows["bad2"]["status"] == "error"
    alerts = [r for r in rows.values() if r["status"] == "alert"]
    assert all(r["top_score"] >= 0.8 and json.loads(r["matches"]) for r in alerts)
    # Parquet in and out
    parquet_in = sample.parent / "parties.parquet"
    frame.to_parquet(parquet_in)
    counts = screen_file(spark, parquet_in, sample.parent / "out.parquet", index_file)
    assert counts["error"] == 2 and sum(counts.values()) == len(frame)
    written = spark.read.parquet(str(sample.parent / "out.parquet")).orderBy("line").collect()
    assert [r["id"] for r in written] == list(frame["id"])
    with pytest.raises(ValueError, match="no 'name' column"):
        screen(spark.createDataFrame(pd.DataFrame({"id": ["1"]})), index_file)
    spark.stop()


def test_many_partitions_are_put_together_in_input_order(sample, bundled_settings, bundled_store):
    """Each Spark task writes its own part; small input slices make many
    parts, and the files still match the local engine's byte for byte (CSV,
    JSONL) and row for row (XLSX)."""
    from openpyxl import load_workbook

    from chokepoint.spark import screen_file, spark_session

    spark = spark_session("local[2]")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "1024")
    index_file = index_path(bundled_settings, bundled_store.active_versions())
    folder = sample.parent
    parts = spark.read.option("header", True).csv(str(sample)).rdd.getNumPartitions()
    assert parts >= 4
    for suffix in ("csv", "jsonl", "xlsx"):
        local = folder / f"many-local.{suffix}"
        assert run(bundled_settings.home, "screen", str(sample), "--out", str(local),
                   "--workers", "1").exit_code == 0
        counts = screen_file(spark, sample, folder / f"many-spark.{suffix}", index_file)
        assert sum(counts.values()) == 127 and counts["error"] == 2
        if suffix == "xlsx":
            sheets = [list(load_workbook(folder / f"many-{e}.xlsx").active.values) for e in ("local", "spark")]
            assert len(sheets[0]) == 128 and sheets[0] == sheets[1]
        else:
            assert local.read_bytes() == (folder / f"many-spark.{suffix}").read_bytes()
    # no parts are left behind
    assert not [p for p in folder.iterdir() if ".parts-" in p.name]
    spark.conf.unset("spark.sql.files.maxPartitionBytes")
    spark.stop()
