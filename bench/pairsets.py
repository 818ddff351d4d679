"""Loaders for the labelled name-pair sets and the small screening sets in
/work/shared/data/pairs (see shared/data/MANIFEST.md section 2).

A *pair set* is a list of (name1, name2) comparisons with a label (or a
graded score). A *screening set* is a list of query names with an
expected outcome against the lists (alert / no alert).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

PAIRS = Path("/work/shared/data/pairs")


@dataclass(slots=True)
class Pair:
    name1: str
    name2: str
    schema: str
    #: True / False, or None for graded-only rows
    label: bool | None
    category: str = ""
    #: graded relevance (OFAC SLS score) where the set has one
    grade: float | None = None
    #: Watchman's published similarity ("baseline" column) where present
    watchman: float | None = None


@dataclass(slots=True)
class PairSet:
    key: str
    title: str
    pairs: list[Pair]
    #: "labelled" (both classes), "positives" (positives only), "graded"
    kind: str = "labelled"
    note: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(slots=True)
class ScreenCase:
    text: str
    positive: bool
    category: str
    schema: str = "LegalEntity"
    note: str = ""


def _cascade(path: Path, key: str, title: str) -> PairSet:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    pairs = [
        Pair(
            name1=r["name1"], name2=r["name2"], schema=r["schema"] or "LegalEntity",
            label=r["is_match"].strip().lower() == "true", category=r["category"],
            watchman=float(r["baseline"]) if r.get("baseline") else None,
        )
        for r in rows
    ]
    return PairSet(key, title, pairs, note="Watchman's `baseline` column is its published name-only score.")


def _cross_script() -> PairSet:
    path = PAIRS / "watchman/cross_script_pairs.csv"
    lines = [ln for ln in path.read_text("utf-8").splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    pairs = []
    for row in csv.reader(io.StringIO("\n".join(lines))):
        if len(row) < 2:
            continue
        pairs.append(Pair(row[0].strip(), row[1].strip(), "Person", True,
                          category=row[3].strip() if len(row) > 3 else ""))
    return PairSet("cross_script", "Watchman cross-script pairs (positives only)", pairs, kind="positives",
                   note="Positives only: recall is reported, precision is undefined.")


def _ofac_fixtures() -> PairSet:
    path = PAIRS / "nomenklatura/ofac_fixtures.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    pairs = []
    for r in rows:
        grade = float(r["ofac_score"])
        # -1: OFAC's tool did not return the pair at all; ranked lowest
        pairs.append(Pair(r["query_name"], r["result_name"], "LegalEntity", None,
                          category=r["query_name"], grade=max(grade, 0.0)))
    return PairSet("ofac_fixtures", "nomenklatura OFAC SLS fixtures (graded)", pairs, kind="graded",
                   note="OFAC's own scores are graded relevance, not truth (e.g. KIM JONG UN ~ 'KIM, Jong Man' = 100): "
                        "reported as Spearman rank correlation with OFAC's score (-1 = not returned, ranked lowest).")


def _putin() -> PairSet:
    path = PAIRS / "nomenklatura/putin_names.txt"
    names = [ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()]
    pairs = [Pair(n, "Vladimir Putin", "Person", True, category="putin") for n in names]
    return PairSet("putin", "Putin in ~20 scripts vs 'Vladimir Putin' (positives only)", pairs, kind="positives",
                   note="Positives only: recall is reported.")


def _nk_pairs() -> PairSet:
    text = (PAIRS / "nomenklatura/pairs.json").read_text("utf-8")
    decoder = json.JSONDecoder()
    pos = 0
    pairs = []
    while pos < len(text):
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        obj, pos = decoder.raw_decode(text, pos)
        a, b = obj["original"], obj["changed"]
        for n1 in b["properties"].get("name", []):
            for n2 in a["properties"].get("name", []):
                pairs.append(Pair(n1, n2, a.get("schema", "Person"), True, category=obj.get("treatment") or ""))
    return PairSet("nk_pairs", "nomenklatura generated typo pairs (positives only)", pairs, kind="positives",
                   note="10 synthetic one-character typos; positives only.")


def _uk_eu() -> PairSet:
    path = PAIRS / "uk_eu_name_matching/matched_names_standard_method.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    pairs = []
    for r in rows:
        label = {"match": True, "not match": False}.get(r["Label"].strip())
        if label is None:
            continue
        pairs.append(Pair(r["UK Name"], r["EU Name Match"], "Person", label, category=r["UK Sanction Programme"]))
    return PairSet("uk_eu_heuristic", "UK↔EU best fuzzy matches (HEURISTIC labels)", pairs,
                   note="Labels are the source repository's score-threshold heuristics, NOT ground truth; "
                        "'preliminary match' rows skipped. Read as agreement with that heuristic only.")


def load_pair_sets(quick: bool = False) -> list[PairSet]:
    sets = [
        _cascade(PAIRS / "watchman/cascade-name-pairs.csv", "cascade", "Watchman/Cascade company & vessel pairs"),
        _cascade(PAIRS / "watchman/cascade-name-pairs-2.csv", "cascade2", "Watchman/Cascade pairs, lot 2"),
        _cross_script(),
        _ofac_fixtures(),
        _putin(),
        _nk_pairs(),
        _uk_eu(),
    ]
    if quick:
        for s in sets:
            if len(s.pairs) > 600:
                s.pairs = s.pairs[::6]
                s.note += " (--quick: every 6th pair)"
    return sets


def load_screen_sets() -> dict[str, list[ScreenCase]]:
    """The watchman-java screening test cases (queries against the lists)."""
    out: dict[str, list[ScreenCase]] = {}
    cases = []
    with (PAIRS / "watchman-java/ofac_test_cases.csv").open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            outcome = r["expected_outcome"].strip()
            if outcome in ("must_alert", "should_alert"):
                positive = True
            elif outcome == "must_not_alert":
                positive = False
            else:
                continue
            cases.append(ScreenCase(r["test_value"], positive, f"{r['category']}/{outcome}",
                                    note=f"{r['test_id']}: {r['test_name']}"))
    out["wj_ofac_cases"] = cases
    data = json.loads((PAIRS / "watchman-java/comparison-test-names.json").read_text("utf-8"))
    cases = []
    for t in data["test_names"]:
        expected = t["expected"]
        if expected in ("match", "likely_match"):
            positive = True
        elif expected == "no_match":
            positive = False
        else:
            continue
        cases.append(ScreenCase(t["name"], positive, f"{t['category']}/{expected}", note=str(t["id"])))
    out["wj_comparison_names"] = cases
    return out
