"""Batch screening on Apache Spark: the same matcher, run by the executors.

``screen(df, index_file)`` screens a DataFrame of parties (columns ``id,
name, schema, country, birth_date, identifier, address``; only ``name`` is
required) and returns a DataFrame with one row per input row: ``row``
(position in the input), ``line`` (what the local engine calls the line),
``id``, ``name``, ``status`` (alert / clear / error), ``top_score``,
``error`` and ``matches`` (the JSON list of matches of the batch contract,
docs/screen-output.md). The list index is not rebuilt on the executors:
its cache file (``chokepoint.matching.engine.index_path``) is shipped with
``SparkContext.addFile`` and each Python worker loads it once.

``screen_file`` is what ``chokepoint screen --engine spark`` runs: read a
Parquet, CSV or JSONL table with Spark, screen it, and write the results in
the same formats (and byte for byte the same JSONL/CSV) as the local engine.
"""

from __future__ import annotations

from chokepoint.spark.engine import OUTPUT_COLUMNS, screen, screen_file, spark_session

__all__ = ["OUTPUT_COLUMNS", "screen", "screen_file", "spark_session"]
