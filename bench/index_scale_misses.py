"""Which of bench/index_scale.py's listed queries find no match, and why.

    .venv/bin/python bench/index_scale_misses.py [--home /tmp/cp-index-scale] [--queries 2000]

Run after bench/index_scale.py (it keeps its scratch home): loads that
index, rebuilds the same queries (same seed) and, for each query taken
from the synthetic list that gets no match at the default threshold,
reports how the name was changed (a space or hyphen replaced by a letter,
so two words became one; a word's first letter changed; another letter
changed; unchanged) and where the listed entity ranks when every
candidate is scored. Results: bench/out/index_scale_misses.md and .json.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchenv import machine_info, machine_markdown, now_iso, write_results  # noqa: E402
from index_scale import DEFAULT_HOME, make_queries  # noqa: E402


def change_kind(query: str, listed: str) -> str:
    """How the query name differs from the listed name (one character at most)."""
    if query == listed:
        return "unchanged"
    i = next(i for i, (a, b) in enumerate(zip(query, listed)) if a != b)
    if not listed[i].isalnum():
        return "separator replaced by a letter (two words joined)"
    if i == 0 or not listed[i - 1].isalnum():
        return "first letter of a word changed"
    return "another letter changed"


def cell(value: object) -> str:
    return "–" if value is None else str(value)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    started, info = now_iso(), machine_info()

    from chokepoint.lists.store import ListStore
    from chokepoint.matching.engine import load_screener
    from chokepoint.settings import Settings

    settings = Settings(home=args.home / "home")
    screener = load_screener(ListStore.open(settings), settings)
    listed = [(name, q, r) for kind, name, q, r in make_queries(screener.index.records, args.queries, args.seed)
              if kind == "listed"]
    kinds_all: Counter[str] = Counter(change_kind(name, r.caption) for name, _, r in listed)
    misses = []
    for name, query, record in listed:
        if screener.match(query):
            continue
        scored = screener.match(query, threshold=0.0, limit=200)
        rank = next(((i + 1, m.score) for i, m in enumerate(scored) if m.record.entity_id == record.entity_id),
                    None)
        misses.append({"query": name, "listed": record.caption, "schema": record.schema,
                       "change": change_kind(name, record.caption),
                       "rank": rank[0] if rank else None, "score": round(rank[1], 3) if rank else None,
                       "best_score": round(scored[0].score, 3) if scored else None})
    kinds_missed = Counter(m["change"] for m in misses)
    lines = [f"# Listed queries without a match at {len(screener.index.records):,} listed entities", ""]
    lines += machine_markdown(info, " ".join(sys.argv), started, now_iso())
    lines += ["", f"{len(listed)} queries taken from the synthetic list; {len(misses)} without a match at the "
              "default threshold.", "", "| change to the listed name | queries | without a match |",
              "|---|---:|---:|"]
    for kind, count in kinds_all.most_common():
        lines.append(f"| {kind} | {count} | {kinds_missed.get(kind, 0)} |")
    lines += ["", "| query | listed name | change | rank of the listed entity (all candidates scored) | "
              "its score | best score |", "|---|---|---|---:|---:|---:|"]
    for m in misses:
        lines.append(f"| {m['query']} | {m['listed']} | {m['change']} | {cell(m['rank'])} | "
                     f"{cell(m['score'])} | {cell(m['best_score'])} |")
    write_results("index_scale_misses", "\n".join(lines) + "\n",
                  {"listed": len(listed), "by_change": dict(kinds_all), "missed_by_change": dict(kinds_missed),
                   "misses": misses})


if __name__ == "__main__":
    main()
