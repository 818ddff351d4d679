"""Pairwise name comparison, for ``chokepoint compare`` and pair benchmarks."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from chokepoint.lists.parsers.base import decode_text
from chokepoint.matching.explain import Explanation
from chokepoint.matching.records import ListedRecord, PartyQuery
from chokepoint.matching.screener import Screener


def compare_names(screener: Screener, name1: str, name2: str, schema: str = "LegalEntity") -> Explanation:
    """Score ``name1`` (as the screened party) against ``name2`` (as if listed)."""
    record = ListedRecord(
        entity_id="compare", dataset="compare", version_id="", source_id=None,
        schema=schema, caption=name2, names=[("name", name2)],
    )
    return screener.compare(PartyQuery.build(name1, schema), record)


def compare_pairs_file(screener: Screener, source: Path, target: Path) -> dict[str, int]:
    """Score every ``name1,name2,schema`` row; adds ``score,match``."""
    text = decode_text(source.read_bytes(), source)
    reader = csv.DictReader(io.StringIO(text))
    missing = {"name1", "name2"} - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"{source}: line 1: missing columns {', '.join(sorted(missing))}")
    counts = {"pairs": 0, "errors": 0}
    with target.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*reader.fieldnames, "score", "match", "error"])
        for row in reader:
            counts["pairs"] += 1
            try:
                exp = compare_names(screener, row["name1"] or "", row["name2"] or "", row.get("schema") or "LegalEntity")
                writer.writerow([*row.values(), exp.score, str(exp.match).lower(), ""])
            except ValueError as exc:
                counts["errors"] += 1
                writer.writerow([*row.values(), "", "", f"line {reader.line_num}: {exc}"])
    return counts
