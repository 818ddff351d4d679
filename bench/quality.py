#!/usr/bin/env python
"""chokepoint's matching-quality benchmark.

    .venv/bin/python bench/quality.py [--quick] [--workers N] [--home DIR]

1. A *variant set* generated reproducibly (fixed seed) from the bundled
   lists (``variants.py``): positives are variants of listed names that must
   find their listed entity; negatives are innocent names that must not
   alert. Each system screens every query; a positive counts as found when
   its expected entity scores at or above the system's threshold, a
   negative is a false alert when anything does.
2. The labelled *pair sets* in /work/shared/data/pairs (``pairsets.py``):
   every pair scored by every system; precision/recall/F1 at each system's
   default threshold and at its best-F1 threshold (oracle-tuned).
3. The watchman-java *screening sets*: query names with an expected
   alert / no-alert outcome against the lists.

Systems: chokepoint (``Screener.match`` / ``compare_names``), nomenklatura
``logic-v2`` / ``logic-v1`` / ``ofac`` scoring chokepoint's retrieved
candidates (see ``peers.py``), a brute-force rapidfuzz ``token_sort_ratio``
screener, and Watchman's published scores where a pair set carries them.

Writes bench/out/quality.md, bench/out/quality.json,
bench/out/quality-failures.md and docs/bench/quality-*.png (with --quick:
bench/out/quality-quick*, plots included, so that a fast check never
overwrites the full results).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import multiprocessing as mp
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from chokepoint.lists.loader import load_bundled  # noqa: E402
from chokepoint.lists.store import ListStore  # noqa: E402
from chokepoint.matching.algorithm import DEFAULT_ALGORITHM  # noqa: E402
from chokepoint.matching.compare import compare_names  # noqa: E402
from chokepoint.matching.engine import load_screener  # noqa: E402
from chokepoint.matching.records import PartyQuery  # noqa: E402
from chokepoint.matching.screener import schemata_match  # noqa: E402
from chokepoint.settings import Settings  # noqa: E402

from pairsets import PairSet, load_pair_sets, load_screen_sets  # noqa: E402
from peers import NOMENKLATURA, NomenklaturaPeer, RapidfuzzScreener  # noqa: E402
from variants import NEGATIVE_KINDS, POSITIVE_FAMILIES, NamePools, Query, VariantSet  # noqa: E402

ROOT = HERE.parent
OUT = HERE / "out"
DOCS = ROOT / "docs" / "bench"

SEED = 20240611
#: Lowest threshold of the sweeps; chokepoint is also run at this threshold.
SWEEP_FLOOR = 0.50
SWEEP = np.round(np.arange(SWEEP_FLOOR, 1.0001, 0.01), 2)
#: Candidate names retrieved from chokepoint's index for the peer scorers.
PEER_CANDIDATES = 60
#: Results kept per query (large, so that an expected entity is never cut
#: by the limit when several listed entities share its name).
MATCH_LIMIT = 50
EPS = 1e-9
#: Output file stem ("quality-quick" with --quick).
STEM = "quality"
#: How quality.md links the plots (relative to bench/out).
PLOT_LINK = "../../docs/bench/"

SYSTEMS = ("chokepoint", "logic-v2", "logic-v1", "ofac", "rapidfuzz")
THRESHOLDS = {
    "chokepoint": DEFAULT_ALGORITHM.threshold,
    "logic-v2": 0.70,  # yente's default match threshold
    "logic-v1": 0.70,
    "ofac": 0.70,
    "rapidfuzz": 0.85,
    # Watchman (Go) scores name-only queries at most ~0.855 (cascade-name-pairs.md);
    # watchman-java's default min-match is 0.88; 0.88 x 0.855 ~ 0.75.
    "watchman": 0.75,
}
COLOURS = {
    "chokepoint": "#d62728", "logic-v2": "#1f77b4", "logic-v1": "#17becf", "ofac": "#9467bd",
    "rapidfuzz": "#7f7f7f", "watchman": "#2ca02c",
}

# --- worker state (set in the parent before the pool forks) -------------------

_SCREENER = None
_PEERS: dict[str, NomenklaturaPeer] = {}
_RID_BY_ENTITY: dict[str, int] = {}


def explain(exp) -> str:
    """A one-line digest of a chokepoint explanation."""
    if exp is None:
        return ""
    name = exp.name
    if name is None:
        return f"score {exp.score:.3f}, no name evidence"
    words = "; ".join(
        f"{w.query or '∅'}→{w.candidate or '∅'} {w.how} {w.similarity:.2f}" for w in name.words
    )
    extra = [f"{f.name} {f.contribution:+.2f}" for f in exp.features
             if f.name != "name_similarity" and abs(f.contribution) > 1e-9]
    notes = f" | notes: {'; '.join(name.notes)}" if name.notes else ""
    feats = f" | {', '.join(extra)}" if extra else ""
    return (f"{name.query!r} ~ {name.candidate!r} [{name.candidate_kind}] name {name.score:.3f}; "
            f"words: {words}{notes}{feats}")


def _notes(exp) -> list[str]:
    return list(exp.name.notes) if exp is not None and exp.name is not None else []


def _hows(exp) -> list[str]:
    """How each matched word pair of the best name was matched."""
    if exp is None or exp.name is None:
        return []
    return [w.how for w in exp.name.words if w.query and w.candidate]


def screen_one(task: tuple) -> dict:
    """Screen one query with every system (runs in a worker)."""
    qid, text, schema, expected, run_v2 = task
    screener = _SCREENER
    records = screener.index.records
    query = PartyQuery.build(text, schema)
    out: dict = {"qid": qid, "time": {}}

    t0 = time.perf_counter()
    default = screener.match(query, limit=MATCH_LIMIT)
    t1 = time.perf_counter()
    low = screener.match(query, limit=200, threshold=SWEEP_FLOOR)
    t2 = time.perf_counter()
    out["time"]["chokepoint"] = t1 - t0
    out["time"]["chokepoint_sweep"] = t2 - t1
    cp = {
        "found": expected is not None and any(m.record.entity_id == expected for m in default),
        "alert": bool(default),
        "top": default[0].record.caption if default else None,
        "top_id": default[0].record.entity_id if default else None,
        "top_score": default[0].score if default else None,
        "top_explain": explain(default[0].explanation) if default else "",
        "top_notes": _notes(default[0].explanation) if default else [],
        "top_hows": _hows(default[0].explanation) if default else [],
        "low_top": low[0].score if low else 0.0,
        "low_top_name": low[0].record.caption if low else None,
        "low_top_id": low[0].record.entity_id if low else None,
        "expected_score": 0.0,
        "expected_explain": "",
    }
    if expected is not None:
        for m in low:
            if m.record.entity_id == expected:
                cp["expected_score"] = m.score
                cp["expected_explain"] = explain(m.explanation)
                cp["expected_notes"] = _notes(m.explanation)
                break
        if not cp["found"] and not cp["expected_explain"]:
            rid = _RID_BY_ENTITY.get(expected)
            if rid is not None:
                exp = screener.compare(query, records[rid])
                cp["expected_compare"] = exp.score
                cp["expected_explain"] = "(not in match results; Screener.compare) " + explain(exp)
                cp["expected_notes"] = _notes(exp)
    out["chokepoint"] = cp

    # the candidates the peers score: chokepoint's retrieval, schema-compatible
    t0 = time.perf_counter()
    forms = screener.query_forms(query)
    hits = screener.index.candidates(forms, limit=PEER_CANDIDATES) if forms else []
    rids = sorted({screener.index.names[nid].entity for nid, _s, _f in hits})
    rids = [rid for rid in rids if schemata_match(schema, records[rid].schema)]
    out["time"]["retrieval"] = time.perf_counter() - t0
    exp_rid = _RID_BY_ENTITY.get(expected) if expected else None
    out["retrieved"] = exp_rid in rids if exp_rid is not None else None
    out["n_candidates"] = len(rids)
    for name, peer in _PEERS.items():
        if name == "logic-v2" and not run_v2:
            continue
        t0 = time.perf_counter()
        qp = peer.query_proxy(f"{name}-{qid}", text, schema)
        best, best_rid, exp_score = 0.0, None, 0.0
        for rid in rids:
            s = peer.score(qp, rid)
            if s > best:
                best, best_rid = s, rid
            if rid == exp_rid:
                exp_score = s
        out["time"][name] = time.perf_counter() - t0
        out[name] = {
            "top_score": best,
            "top_id": records[best_rid].entity_id if best_rid is not None else None,
            "expected_score": exp_score,
        }
    return out


def pair_one(task: tuple) -> dict:
    """Score one name pair with every system (runs in a worker)."""
    key, name1, name2, schema = task
    out = {}
    try:
        out["chokepoint"] = compare_names(_SCREENER, name1, name2, schema).score
    except ValueError:
        out["chokepoint"] = 0.0
    for name, peer in _PEERS.items():
        out[name] = peer.compare_names(key, name1, name2, schema)
    out["rapidfuzz"] = RapidfuzzScreener.compare_names(name1, name2)
    return out


# --- metrics ------------------------------------------------------------------------

def rate(xs) -> float | None:
    xs = list(xs)
    return float(np.mean(xs)) if xs else None


def prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (2 * precision * recall / (precision + recall)) if precision and recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def pr_curve(scores: np.ndarray, labels: np.ndarray) -> dict:
    """Precision/recall at every distinct score threshold; best F1 (oracle)."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order].astype(bool)
    tp = np.cumsum(y)
    fp = np.cumsum(~y)
    # thresholds at the last position of each run of equal scores
    last = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1]
    tp, fp, thr = tp[last], fp[last], s[last]
    npos = int(y.sum())
    precision = tp / np.maximum(tp + fp, 1)
    recall = tp / max(npos, 1)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, EPS), 0.0)
    i = int(np.argmax(f1)) if len(f1) else 0
    return {
        "threshold": thr.tolist(), "precision": precision.tolist(), "recall": recall.tolist(),
        "best_f1": float(f1[i]) if len(f1) else 0.0, "best_threshold": float(thr[i]) if len(thr) else None,
        "best_precision": float(precision[i]) if len(f1) else None, "best_recall": float(recall[i]) if len(f1) else None,
    }


def at_threshold(scores: np.ndarray, labels: np.ndarray, t: float) -> dict:
    pred = scores >= t - EPS
    y = labels.astype(bool)
    return prf(int((pred & y).sum()), int((pred & ~y).sum()), int((~pred & y).sum()))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    def ranks(x):
        order = np.argsort(x, kind="stable")
        r = np.empty(len(x))
        r[order] = np.arange(len(x))
        # average ranks over ties
        for v in np.unique(x):
            idx = x == v
            r[idx] = r[idx].mean()
        return r
    ra, rb = ranks(a), ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return None
    return float(np.corrcoef(ra, rb)[0, 1])


# --- the run ----------------------------------------------------------------------

def machine_info() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        nproc = str(os.cpu_count())
    return {"nproc": nproc, "cpu": model}


def code_info() -> dict:
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""
    digest = hashlib.sha256()
    matching = ROOT / "src/chokepoint/matching"
    for path in sorted(matching.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml"):
            digest.update(path.relative_to(matching).as_posix().encode())
            digest.update(path.read_bytes())
    from importlib.metadata import version

    return {
        "git_head": git("rev-parse", "--short", "HEAD"),
        "src_uncommitted": bool(git("status", "--porcelain", "src")),
        "matcher_fingerprint": digest.hexdigest()[:12],
        "algorithm": f"{DEFAULT_ALGORITHM.name} {DEFAULT_ALGORITHM.version}",
        "nomenklatura": version("nomenklatura"),
        "rapidfuzz": version("rapidfuzz"),
        "rigour": version("rigour"),
        "followthemoney": version("followthemoney"),
    }


def build_screener(home: Path):
    settings = Settings(home=home)
    store = ListStore.open(settings)
    load_bundled(store)
    return load_screener(store, settings)


def main() -> None:
    global _SCREENER, _PEERS, _RID_BY_ENTITY, STEM, DOCS, PLOT_LINK
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small samples, for a fast check")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--home", type=Path, default=Path(os.environ.get("CHOKEPOINT_BENCH_HOME", "/tmp/cp-bench")),
                    help="chokepoint home for the list store and index cache")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--v2-fraction", type=float, default=None,
                    help="share of variant queries scored by logic-v2 (default: 1.0, --quick: 1.0)")
    args = ap.parse_args()
    started = time.time()
    if args.quick:
        # a fast check keeps its plots beside its report, out of docs/
        STEM, DOCS, PLOT_LINK = "quality-quick", OUT, ""
    command = "/work/main/.venv/bin/python bench/quality.py" + (" --quick" if args.quick else "")
    if args.seed != SEED:
        command += f" --seed {args.seed}"

    log(f"loading the screener (home {args.home})")
    t = time.time()
    screener = build_screener(args.home)
    records = screener.index.records
    log(f"  {len(records)} listed records, {len(screener.index.names)} indexed names ({time.time() - t:.0f} s)")

    rng = random.Random(args.seed)
    n_targets, min_family, n_neg = (300, 40, 700) if args.quick else (1500, 200, 3400)
    log("generating the variant set")
    vs = VariantSet(records, rng)
    positives = vs.positives(n_targets, min_family)
    pools = NamePools(rng)
    negatives, dropped = vs.negatives(n_neg, pools)
    queries: list[Query] = positives + negatives
    log(f"  {len(positives)} positives, {len(negatives)} negatives ({sum(dropped['listed'].values())} generated "
        f"negatives dropped as listed names, {sum(dropped['name_consistent'].values())} as name-consistent with one)")

    v2_fraction = 1.0 if args.v2_fraction is None else args.v2_fraction
    v2_pick = random.Random(args.seed + 1)
    run_v2 = [v2_pick.random() < v2_fraction for _ in queries]

    _SCREENER = screener
    _PEERS = {name: NomenklaturaPeer(name, records) for name in NOMENKLATURA}
    _RID_BY_ENTITY = {rec.entity_id: rid for rid, rec in enumerate(records)}

    screen_sets = load_screen_sets()
    screen_cases = [(key, c) for key, cases in screen_sets.items() for c in cases]
    pair_sets = load_pair_sets(args.quick)

    tasks = [(q.qid, q.text, q.schema, q.expected, run_v2[i]) for i, q in enumerate(queries)]
    tasks += [(f"s{i}", c.text, c.schema, None, True) for i, (_k, c) in enumerate(screen_cases)]
    pair_tasks = [(f"{ps.key}-{i}", p.name1, p.name2, p.schema) for ps in pair_sets for i, p in enumerate(ps.pairs)]

    ctx = mp.get_context("fork")
    log(f"screening {len(tasks)} queries with {args.workers} workers")
    t = time.time()
    results: list[dict] = []
    with ctx.Pool(args.workers) as pool:
        for i, res in enumerate(pool.imap(screen_one, tasks, chunksize=8)):
            results.append(res)
            if (i + 1) % 1000 == 0:
                log(f"  {i + 1}/{len(tasks)} ({time.time() - t:.0f} s)")
        screen_wall = time.time() - t
        log(f"  done in {screen_wall:.0f} s; scoring {len(pair_tasks)} pairs")
        t = time.time()
        pair_results = list(pool.imap(pair_one, pair_tasks, chunksize=16))
        pair_wall = time.time() - t
    log(f"  pairs done in {pair_wall:.0f} s; rapidfuzz brute force")

    t = time.time()
    rf = RapidfuzzScreener(records)
    texts = [task[1] for task in tasks]
    schemata = [task[2] for task in tasks]
    rf_best, rf_rid = rf.screen(texts, schemata, workers=args.workers)
    for i, task in enumerate(tasks):
        expected = task[3]
        exp_rid = _RID_BY_ENTITY.get(expected) if expected else None
        results[i]["rapidfuzz"] = {
            "top_score": float(rf_best[i]),
            "top_id": records[rf_rid[i]].entity_id if rf_rid[i] >= 0 else None,
            "expected_score": rf.entity_score(task[1], exp_rid) if exp_rid is not None else 0.0,
        }
    rf_wall = time.time() - t
    log(f"  rapidfuzz done in {rf_wall:.0f} s")

    n_var = len(queries)
    var_results = results[:n_var]
    scr_results = results[n_var:]
    timing = timing_summary(var_results, screen_wall, pair_wall, rf_wall, n_var)

    report = {
        "meta": {
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "command": command,
            "machine": machine_info(),
            "code": code_info(),
            "seed": args.seed,
            "quick": args.quick,
            "workers": args.workers,
            "thresholds": THRESHOLDS,
            "sweep_floor": SWEEP_FLOOR,
            "peer_candidates": PEER_CANDIDATES,
            "match_limit": MATCH_LIMIT,
            "v2_fraction": v2_fraction,
            "listed_records": len(records),
            "runtime_s": None,
        },
        "variant_set": variant_report(queries, var_results, run_v2, dropped, records),
        "pair_sets": pair_report(pair_sets, pair_results),
        "screen_sets": screen_report(screen_sets, screen_cases, scr_results),
        "timing": timing,
    }
    report["meta"]["runtime_s"] = round(time.time() - started, 1)

    OUT.mkdir(parents=True, exist_ok=True)
    DOCS.mkdir(parents=True, exist_ok=True)
    plots = make_plots(report, pair_sets, pair_results)
    report["plots"] = plots
    (OUT / f"{STEM}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False, default=float), "utf-8")
    (OUT / f"{STEM}.md").write_text(render_markdown(report), "utf-8")
    (OUT / f"{STEM}-failures.md").write_text(render_failures(queries, var_results, records, report), "utf-8")
    log(f"wrote {OUT / STEM}.md, .json, -failures.md and {len(plots)} plots "
        f"({time.time() - started:.0f} s in all)")


def log(msg: str) -> None:
    print(f"[quality] {msg}", flush=True)


def timing_summary(var_results: list[dict], screen_wall: float, pair_wall: float, rf_wall: float, n: int) -> dict:
    totals: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for r in var_results:
        for k, v in r["time"].items():
            totals[k] += v
            counts[k] += 1
    per_query = {k: round(1000 * totals[k] / counts[k], 2) for k in totals}
    return {
        "ms_per_query_cpu": per_query,
        "queries": {k: counts[k] for k in counts},
        "screening_wall_s": round(screen_wall, 1),
        "pairs_wall_s": round(pair_wall, 1),
        "rapidfuzz_wall_s": round(rf_wall, 1),
    }


def _system_scores(results: list[dict], system: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(expected score, top score, scored?) per query for a system."""
    exp = np.zeros(len(results))
    top = np.zeros(len(results))
    ok = np.zeros(len(results), dtype=bool)
    for i, r in enumerate(results):
        d = r.get(system)
        if d is None:
            continue
        ok[i] = True
        if system == "chokepoint":
            exp[i], top[i] = d["expected_score"], d["low_top"]
        else:
            exp[i], top[i] = d["expected_score"], d["top_score"]
    return exp, top, ok


def subtag(q: Query) -> str | None:
    """A finer group of a positive, read from how the variant was made."""
    d = q.detail
    if q.family == "translit_family":
        return "translit_family: " + ("pair in chokepoint's table" if "[in chokepoint" in d else "pair not in chokepoint's table")
    if q.family == "cyrillic":
        return "cyrillic: " + d.split("; ")[-1]
    if q.family == "original_script":
        script, _, how = d.partition(": ")
        return f"original_script: {script.lower()}, " + ("listed alias as is" if how == "exact-alias" else "orthographic variant")
    if q.family == "legal_form":
        return "legal_form: " + ("form appended" if d.startswith("appended") else "form swapped")
    if q.family == "typo":
        return "typo: " + d.split(":")[0]
    if q.family == "dropped_token":
        return "dropped_token: " + ("person" if q.schema == "Person" else "organisation")
    return None


def variant_report(queries: list[Query], results: list[dict], run_v2: list[bool], dropped: dict, records) -> dict:
    pos = np.array([q.positive for q in queries])
    fam = np.array([q.family for q in queries])
    entity_dataset = {rec.entity_id: rec.dataset for rec in records}
    datasets = np.array([entity_dataset.get(q.expected, "") if q.expected else "" for q in queries])
    out: dict = {
        "counts": dict(Counter(fam.tolist())),
        "positives": int(pos.sum()),
        "negatives": int((~pos).sum()),
        "negatives_dropped": dropped,
        "systems": {},
    }
    for system in SYSTEMS:
        exp, top, ok = _system_scores(results, system)
        thr = THRESHOLDS[system]
        if system == "chokepoint":
            found = np.array([r["chokepoint"]["found"] for r in results])
            alert = np.array([r["chokepoint"]["alert"] for r in results])
        else:
            found = exp >= thr - EPS
            alert = top >= thr - EPS
        p, n = pos & ok, ~pos & ok
        tp, fn, fp = int((found & p).sum()), int((~found & p).sum()), int((alert & n).sum())
        s = {
            "threshold": thr,
            # positives on which anything alerted (the expected entity or another record,
            # often the same party listed by another authority)
            "any_alert_on_positives": rate(alert[p]) if p.any() else None,
            "n_positives": int(p.sum()),
            "n_negatives": int(n.sum()),
            "recall": tp / max(int(p.sum()), 1),
            "false_alert_rate": fp / max(int(n.sum()), 1),
            **prf(tp, fp, fn),
            "families": {},
            "sweep": {"threshold": SWEEP.tolist(), "recall": [], "false_alert_rate": []},
        }
        for f in POSITIVE_FAMILIES:
            m = p & (fam == f)
            s["families"][f] = {"n": int(m.sum()), "recall": rate(found[m]) if m.any() else None}
        for k in NEGATIVE_KINDS:
            m = n & (fam == k)
            s["families"][k] = {"n": int(m.sum()), "false_alert_rate": rate(alert[m]) if m.any() else None}
        tags = np.array([subtag(q) or "" for q in queries])
        s["subgroups"] = {}
        for tag in sorted(set(tags[p].tolist()) - {""}):
            m = p & (tags == tag)
            s["subgroups"][tag] = {"n": int(m.sum()), "recall": rate(found[m])}
        for t in SWEEP:
            s["sweep"]["recall"].append(float(np.mean(exp[p] >= t - EPS)) if p.any() else None)
            s["sweep"]["false_alert_rate"].append(float(np.mean(top[n] >= t - EPS)) if n.any() else None)
        # oracle: the best recall with a false-alert rate of at most 0.5 %
        best = None
        for t, r, f in zip(SWEEP, s["sweep"]["recall"], s["sweep"]["false_alert_rate"]):
            if f is not None and f <= 0.005 and (best is None or r > best[1]):
                best = (float(t), r, f)
        s["oracle_far_0_5pct"] = {"threshold": best[0], "recall": best[1], "false_alert_rate": best[2]} if best else None
        if system == "chokepoint":
            s["datasets"] = {}
            for d in sorted(set(datasets[p].tolist())):
                m = p & (datasets == d)
                s["datasets"][d] = {"n": int(m.sum()), "recall": rate(found[m])}
            # the default-threshold run agrees with the sweep run at that threshold?
            s["sweep_consistency"] = {
                "found_differs": int(((exp >= thr - EPS) != found)[p].sum()),
                "alert_differs": int(((top >= thr - EPS) != alert)[n].sum()),
            }
            retrieved = np.array([bool(r["retrieved"]) for r in results])
            missed = p & ~found
            pruned = missed & (exp >= thr - EPS)
            s["misses"] = {
                "total": int(missed.sum()),
                "not_in_top60_retrieval": int((missed & ~retrieved & ~pruned).sum()),
                "scored_at_or_above_threshold_in_sweep_run_but_not_returned": int(pruned.sum()),
                "scored_below_threshold": int((missed & retrieved & ~pruned).sum()),
            }
        if system != "chokepoint":
            s["expected_not_retrieved"] = int(sum(1 for q, r in zip(queries, results) if q.positive and r["retrieved"] is False)) \
                if system in NOMENKLATURA else None
        out["systems"][system] = s
    # the goal stated in the issue
    cp = out["systems"]["chokepoint"]
    out["goal"] = {
        "statement": "recall >= 0.98 with false-alert rate <= 0.5% at chokepoint's default threshold",
        "recall": cp["recall"], "false_alert_rate": cp["false_alert_rate"],
        "met": cp["recall"] >= 0.98 and cp["false_alert_rate"] <= 0.005,
    }
    return out


def pair_report(pair_sets: list[PairSet], pair_results: list[dict]) -> dict:
    out = {}
    i = 0
    for ps in pair_sets:
        rows = pair_results[i:i + len(ps.pairs)]
        i += len(ps.pairs)
        systems = list(SYSTEMS)
        if any(p.watchman is not None for p in ps.pairs):
            systems.append("watchman")
        entry = {"title": ps.title, "kind": ps.kind, "n": len(ps.pairs), "note": ps.note, "systems": {}}
        if ps.kind != "graded":
            labels = np.array([bool(p.label) for p in ps.pairs])
            entry["positives"] = int(labels.sum())
            entry["negatives"] = int((~labels).sum())
        for system in systems:
            if system == "watchman":
                scores = np.array([p.watchman if p.watchman is not None else 0.0 for p in ps.pairs])
            else:
                scores = np.array([r[system] for r in rows], dtype=float)
            thr = THRESHOLDS[system]
            s: dict = {"threshold": thr, "mean_score": float(scores.mean()) if len(scores) else None}
            if ps.kind == "graded":
                grades = np.array([p.grade for p in ps.pairs])
                s["spearman_vs_ofac"] = spearman(scores, grades)
                top100 = grades >= 100
                s["alerts_on_ofac_100"] = float(np.mean(scores[top100] >= thr - EPS)) if top100.any() else None
                s["alerts_on_ofac_below_90"] = float(np.mean(scores[grades < 90] >= thr - EPS)) if (grades < 90).any() else None
            elif ps.kind == "positives":
                s["recall"] = float(np.mean(scores >= thr - EPS))
            else:
                s.update(at_threshold(scores, labels, thr))
                curve = pr_curve(scores, labels)
                s["oracle"] = {k: curve[k] for k in ("best_f1", "best_threshold", "best_precision", "best_recall")}
                # per category recall / error at the default threshold
                cats: dict[str, list] = defaultdict(list)
                for p, sc in zip(ps.pairs, scores):
                    cats[p.category].append((p.label, sc >= thr - EPS))
                s["categories"] = {
                    c: {"n": len(v), "label": bool(v[0][0]), "correct": sum(1 for lab, pred in v if lab == pred)}
                    for c, v in sorted(cats.items())
                }
            entry["systems"][system] = s
        out[ps.key] = entry
    return out


def screen_report(screen_sets: dict, screen_cases: list, results: list[dict]) -> dict:
    out = {}
    for key, cases in screen_sets.items():
        idx = [i for i, (k, _c) in enumerate(screen_cases) if k == key]
        labels = np.array([screen_cases[i][1].positive for i in idx])
        entry = {"n": len(idx), "positives": int(labels.sum()), "negatives": int((~labels).sum()), "systems": {},
                 "cases": []}
        for system in SYSTEMS:
            thr = THRESHOLDS[system]
            if system == "chokepoint":
                alerts = np.array([results[i]["chokepoint"]["alert"] for i in idx])
            else:
                alerts = np.array([results[i][system]["top_score"] >= thr - EPS for i in idx])
            tp, fp = int((alerts & labels).sum()), int((alerts & ~labels).sum())
            fn = int((~alerts & labels).sum())
            entry["systems"][system] = {
                "threshold": thr, "alert_rate_positives": rate(alerts[labels]),
                "false_alert_rate": rate(alerts[~labels]), **prf(tp, fp, fn),
            }
        for i in idx:
            key_, case = screen_cases[i]
            cp = results[i]["chokepoint"]
            entry["cases"].append({
                "query": case.text, "positive": case.positive, "category": case.category,
                "chokepoint_alert": cp["alert"], "chokepoint_top": cp["top"], "chokepoint_score": cp["top_score"],
                "best_below": cp["low_top_name"], "best_below_score": cp["low_top"],
            })
        out[key] = entry
    return out


# --- plots --------------------------------------------------------------------------

def make_plots(report: dict, pair_sets: list[PairSet], pair_results: list[dict]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    vr = report["variant_set"]
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for system, s in vr["systems"].items():
        far = np.array([x if x is not None else np.nan for x in s["sweep"]["false_alert_rate"]])
        rec = np.array([x if x is not None else np.nan for x in s["sweep"]["recall"]])
        ax.plot(100 * far, rec, "-", color=COLOURS[system], label=f"{system} (n={s['n_positives']}+{s['n_negatives']})")
        ax.plot(100 * s["false_alert_rate"], s["recall"], "o", color=COLOURS[system], ms=7, mec="black")
    ax.axvline(0.5, color="black", lw=0.6, ls=":")
    ax.axhline(0.98, color="black", lw=0.6, ls=":")
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(0, 100)
    ax.set_xlabel("false-alert rate on negatives (%, symlog)")
    ax.set_ylabel("recall on positives")
    ax.set_title("Variant set: recall vs false alerts (threshold sweep 0.50-1.00;\n"
                 "dots = each system's default threshold; dotted = goal)")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    paths.append(_save(fig, f"{STEM}-variants.png"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(10, 4.8))
    fams = [f for f in POSITIVE_FAMILIES if vr["counts"].get(f)]
    width = 0.8 / len(SYSTEMS)
    for j, system in enumerate(SYSTEMS):
        vals = [vr["systems"][system]["families"][f]["recall"] or 0 for f in fams]
        ax.bar(np.arange(len(fams)) + j * width, vals, width, color=COLOURS[system], label=system)
    ax.set_xticks(np.arange(len(fams)) + 0.4 - width / 2)
    ax.set_xticklabels(fams, rotation=25, ha="right")
    ax.set_ylim(0, 1.17)
    ax.set_yticks(np.arange(0, 1.01, 0.2))
    ax.axhline(0.98, color="black", lw=0.6, ls=":")
    ax.set_ylabel("recall at default threshold")
    ax.set_title("Variant set: recall per family at each system's default threshold")
    ax.legend(fontsize=8, ncol=5, loc="upper center")
    fig.tight_layout()
    paths.append(_save(fig, f"{STEM}-variants-families.png"))
    plt.close(fig)

    i = 0
    for ps in pair_sets:
        rows = pair_results[i:i + len(ps.pairs)]
        i += len(ps.pairs)
        entry = report["pair_sets"][ps.key]
        fig, ax = plt.subplots(figsize=(6.5, 4.8))
        for system in entry["systems"]:
            if system == "watchman":
                scores = np.array([p.watchman or 0.0 for p in ps.pairs])
            else:
                scores = np.array([r[system] for r in rows], dtype=float)
            colour = COLOURS[system]
            if ps.kind == "labelled":
                curve = pr_curve(scores, np.array([bool(p.label) for p in ps.pairs]))
                ax.plot(curve["recall"], curve["precision"], "-", color=colour, label=system, drawstyle="steps-post")
                d = entry["systems"][system]
                if d["precision"] is not None and d["recall"] is not None:
                    ax.plot(d["recall"], d["precision"], "o", color=colour, mec="black")
                ax.set_xlabel("recall")
                ax.set_ylabel("precision")
            elif ps.kind == "positives":
                ts = np.linspace(0, 1, 101)
                ax.plot(ts, [np.mean(scores >= t - EPS) for t in ts], "-", color=colour, label=system)
                ax.plot(THRESHOLDS[system], np.mean(scores >= THRESHOLDS[system] - EPS), "o", color=colour, mec="black")
                ax.set_xlabel("threshold")
                ax.set_ylabel("recall (share of positives at or above)")
            else:
                grades = np.array([p.grade for p in ps.pairs])
                rho = entry["systems"][system]["spearman_vs_ofac"]
                ax.plot(grades + np.random.default_rng(0).uniform(-0.6, 0.6, len(grades)), scores, ".",
                        color=colour, alpha=0.6, label=f"{system} (ρ={num(rho, 2)})")
                ax.set_xlabel("OFAC SLS score (0 = not returned)")
                ax.set_ylabel("system score")
        ax.set_title(f"{ps.title}\n(n={len(ps.pairs)}; dots = default thresholds)" if ps.kind != "graded"
                     else f"{ps.title}\n(n={len(ps.pairs)})", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        paths.append(_save(fig, f"{STEM}-{ps.key}.png"))
        plt.close(fig)
    return paths


def _save(fig, name: str) -> str:
    path = DOCS / name
    fig.savefig(path, dpi=110)
    return str(path.relative_to(ROOT))


# --- markdown -----------------------------------------------------------------------

def _counts(d: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(d.items(), key=lambda kv: -kv[1])) or "none"


def pct(x, digits=1) -> str:
    return "–" if x is None else f"{100 * x:.{digits}f}%"


def num(x, digits=3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def render_markdown(report: dict) -> str:
    meta, vr, timing = report["meta"], report["variant_set"], report["timing"]
    code = meta["code"]
    L: list[str] = []
    L.append("# Matching quality benchmark\n")
    L.append(f"- date: {meta['date']}")
    L.append(f"- machine: {meta['machine']['nproc']} CPUs, {meta['machine']['cpu']}")
    L.append(f"- command: `{meta['command']}` (from /work/main; seed {meta['seed']}, {meta['workers']} worker processes)")
    L.append(f"- chokepoint: {code['algorithm']}, git {code['git_head']}"
             f"{' + uncommitted changes under src/' if code['src_uncommitted'] else ''}, matcher fingerprint "
             f"`{code['matcher_fingerprint']}` (sha256 of matching/*.py + data/*.yaml); nomenklatura "
             f"{code['nomenklatura']}, rigour {code['rigour']}, rapidfuzz {code['rapidfuzz']}")
    L.append(f"- lists: the bundled lists, {meta['listed_records']} listed records")
    L.append(f"- runtime: {meta['runtime_s']:.0f} s{' (--quick: small samples, numbers are indicative only)' if meta['quick'] else ''}")
    L.append("")
    L.append("Thresholds (each system's default): " + ", ".join(f"{k} {v}" for k, v in meta["thresholds"].items()) + ".")
    L.append("chokepoint's is `DEFAULT_ALGORITHM.threshold`; 0.70 is yente's default for the nomenklatura "
             "algorithms; 85/100 for rapidfuzz; for Watchman, whose name-only scores top out near 0.855 "
             "(cascade-name-pairs.md), 0.75 ≈ watchman-java's default min-match 0.88 × 0.855.\n")

    # --- variant set
    goal = vr["goal"]
    L.append("## 1. Variant set (screening against all bundled lists)\n")
    L.append(f"{vr['positives']} positives (variants of listed names, each must find its listed entity) and "
             f"{vr['negatives']} negatives (innocent names that must not alert), generated with seed "
             f"{meta['seed']} by `bench/variants.py`. Generated negatives were dropped when their exact-normalised or "
             f"spelling-equivalent key equals a listed name ({_counts(vr['negatives_dropped']['listed'])}), or when "
             f"the positive families say they should match a listed name: all their words are in a listed name or "
             f"vice versa (a middle name fewer or more), or the same distinctive words plus generic words only "
             f"({_counts(vr['negatives_dropped']['name_consistent'])}).\n")
    L.append("A positive is *found* when its expected entity is returned at or above the system's threshold; a "
             "negative is a *false alert* when anything is. chokepoint runs `Screener.match` (limit "
             f"{meta['match_limit']}); nomenklatura's algorithms score the schema-compatible records among chokepoint's "
             f"top-{meta['peer_candidates']} retrieved names for the query (same candidates for all; an expected "
             "entity that is not retrieved counts as missed for them); rapidfuzz scans every listed name of a "
             "compatible schema. Precision = TP / (TP + false-alerting negatives), so it depends on the "
             "positive:negative mix. The nomenklatura columns measure *scoring* on chokepoint's candidates: "
             "with a retrieval of their own (yente's Elasticsearch query) they could find or alert on records "
             "chokepoint's index does not return, so their false-alert rates are lower bounds.\n")
    L.append(f"**Goal** ({goal['statement']}): recall {pct(goal['recall'], 2)}, false-alert rate "
             f"{pct(goal['false_alert_rate'], 2)} → **{'MET' if goal['met'] else 'NOT MET'}**.\n")
    L.append("| system | threshold | positives | negatives | recall | false-alert rate | precision | F1 | "
             "best recall at FAR ≤ 0.5% (oracle threshold) | positives with any alert |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for system, s in vr["systems"].items():
        o = s["oracle_far_0_5pct"]
        oracle = f"{pct(o['recall'])} at {o['threshold']:.2f} (FAR {pct(o['false_alert_rate'], 2)})" if o else "– (never ≤ 0.5%)"
        L.append(f"| {system} | {s['threshold']} | {s['n_positives']} | {s['n_negatives']} | {pct(s['recall'])} | "
                 f"{pct(s['false_alert_rate'], 2)} | {pct(s['precision'])} | {num(s['f1'])} | {oracle} | "
                 f"{pct(s['any_alert_on_positives'])} |")
    L.append("")
    L.append("*Positives with any alert* counts a positive when anything alerts, the expected entity or another "
             "record: many listed parties appear on several lists (e.g. an EU record and an OFAC record of the "
             "same person), so a strict miss can still be an alert on the same party. Recall is the strict "
             "measure.\n")
    L.append("The sweep columns and curves read scores from a second chokepoint run at threshold "
             f"{meta['sweep_floor']}; the default-threshold numbers come from the run at the default threshold, "
             "which prunes more candidates (see *chokepoint detail*), so chokepoint's curve is slightly optimistic "
             "at its own threshold.")
    if meta["v2_fraction"] < 1:
        L.append(f"logic-v2 scored a random {pct(meta['v2_fraction'], 0)} of the variant queries (time budget).\n")
    else:
        L.append("Every system scored every query (no subsampling; rapidfuzz included).\n")
    L.append("### Recall per positive family (default thresholds)\n")
    L.append("| family | n | " + " | ".join(SYSTEMS) + " |")
    L.append("|---|---:|" + "---:|" * len(SYSTEMS))
    for f in POSITIVE_FAMILIES:
        n = vr["systems"]["chokepoint"]["families"][f]["n"]
        L.append(f"| {f} | {n} | " + " | ".join(pct(vr["systems"][s]["families"][f]["recall"]) for s in SYSTEMS) + " |")
    L.append("")
    L.append("Finer groups (how the variant was made):\n")
    L.append("| group | n | " + " | ".join(SYSTEMS) + " |")
    L.append("|---|---:|" + "---:|" * len(SYSTEMS))
    for tag, v in vr["systems"]["chokepoint"]["subgroups"].items():
        L.append(f"| {tag} | {v['n']} | " + " | ".join(pct(vr["systems"][s]["subgroups"].get(tag, {}).get("recall")) for s in SYSTEMS) + " |")
    L.append("")
    L.append("### False-alert rate per negative kind (default thresholds)\n")
    L.append("| kind | n | " + " | ".join(SYSTEMS) + " |")
    L.append("|---|---:|" + "---:|" * len(SYSTEMS))
    for k in NEGATIVE_KINDS:
        n = vr["systems"]["chokepoint"]["families"][k]["n"]
        L.append(f"| {k} | {n} | " + " | ".join(pct(vr["systems"][s]["families"][k]["false_alert_rate"]) for s in SYSTEMS) + " |")
    L.append("")
    cp = vr["systems"]["chokepoint"]
    L.append("### chokepoint detail\n")
    ms = cp["misses"]
    L.append(f"- misses: {ms['total']}: expected entity not among the top-{meta['peer_candidates']} retrieved names "
             f"{ms['not_in_top60_retrieval']}; scored at or above the threshold when run at "
             f"{meta['sweep_floor']} but not returned at the default threshold (candidate pruning) "
             f"{ms['scored_at_or_above_threshold_in_sweep_run_but_not_returned']}; scored below the threshold "
             f"{ms['scored_below_threshold']}")
    L.append(f"- default-threshold run vs the sweep run (threshold {meta['sweep_floor']}) read at the default "
             f"threshold: found differs on {cp['sweep_consistency']['found_differs']} positives, alert differs on "
             f"{cp['sweep_consistency']['alert_differs']} negatives (non-zero means candidate pruning depends on "
             "the threshold)")
    for name in NOMENKLATURA:
        s = vr["systems"][name]
        if s.get("expected_not_retrieved") is not None:
            L.append(f"- {name}: {s['expected_not_retrieved']} positives' expected entity was not retrieved (a "
                     "miss for every candidate-based scorer)")
            break
    L.append("")
    L.append("| dataset of the expected entity | n | chokepoint recall |")
    L.append("|---|---:|---:|")
    for d, v in cp["datasets"].items():
        L.append(f"| {d} | {v['n']} | {pct(v['recall'])} |")
    L.append("")
    L.append(f"![variant set curve]({PLOT_LINK}{STEM}-variants.png)\n")
    L.append(f"![recall per family]({PLOT_LINK}{STEM}-variants-families.png)\n")

    # --- pair sets
    L.append("## 2. Labelled pair sets\n")
    L.append("Every pair scored by every system (chokepoint `compare_names`, nomenklatura algorithms on two "
             "name-only entities, rapidfuzz token_sort_ratio/100, Watchman's published `baseline`). "
             "*Default* = each system's default threshold; *oracle* = the threshold with the best F1 on the set "
             "itself (tuned on the test data, an upper bound, not a fair operating point).\n")
    for key, entry in report["pair_sets"].items():
        L.append(f"### {entry['title']} (`{key}`, n={entry['n']})\n")
        if entry["note"]:
            L.append(f"{entry['note']}\n")
        if entry["kind"] == "labelled":
            L.append(f"{entry['positives']} matches / {entry['negatives']} non-matches.\n")
            L.append("| system | threshold | precision | recall | F1 | oracle F1 | oracle threshold | oracle P / R |")
            L.append("|---|---:|---:|---:|---:|---:|---:|---|")
            for system, s in entry["systems"].items():
                o = s["oracle"]
                L.append(f"| {system} | {s['threshold']} | {pct(s['precision'])} | {pct(s['recall'])} | {num(s['f1'])} | "
                         f"{num(o['best_f1'])} | {num(o['best_threshold'])} | {pct(o['best_precision'])} / {pct(o['best_recall'])} |")
        elif entry["kind"] == "positives":
            L.append("| system | threshold | recall | mean score |")
            L.append("|---|---:|---:|---:|")
            for system, s in entry["systems"].items():
                L.append(f"| {system} | {s['threshold']} | {pct(s['recall'])} | {num(s['mean_score'])} |")
        else:
            L.append("| system | Spearman ρ vs OFAC score | alerts on OFAC-100 rows | alerts on OFAC < 90 rows |")
            L.append("|---|---:|---:|---:|")
            for system, s in entry["systems"].items():
                L.append(f"| {system} | {num(s['spearman_vs_ofac'])} | {pct(s['alerts_on_ofac_100'])} | "
                         f"{pct(s['alerts_on_ofac_below_90'])} |")
        L.append(f"\n![{key}]({PLOT_LINK}{STEM}-{key}.png)\n")
    cascade = [k for k in ("cascade", "cascade2") if k in report["pair_sets"]]
    for key in cascade:
        entry = report["pair_sets"][key]
        worst = []
        for cat, v in entry["systems"]["chokepoint"]["categories"].items():
            if v["correct"] < v["n"]:
                worst.append(f"{cat} ({'match' if v['label'] else 'non-match'}, {v['n'] - v['correct']}/{v['n']} wrong)")
        L.append(f"chokepoint's wrong categories on `{key}` at its default threshold: "
                 + ("; ".join(worst) if worst else "none") + ".\n")

    # --- screening sets
    L.append("## 3. watchman-java screening cases (queries against the bundled lists)\n")
    L.append("`ofac_test_cases.csv`: must_alert/should_alert → positive, must_not_alert → negative, others skipped. "
             "`comparison-test-names.json`: match/likely_match → positive, no_match → negative, possible_match/unknown "
             "skipped. A positive counts when *anything* alerts (the files name no entity). Some positives "
             "(e.g. `ABC INTERNATIONAL LIMITED`, `ACME CORPORATION`, `王小明`) are placeholders not on any "
             "bundled list, so no system should be expected to reach 100%.\n")
    for key, entry in report["screen_sets"].items():
        L.append(f"### `{key}` ({entry['positives']} positives, {entry['negatives']} negatives)\n")
        L.append("| system | threshold | alert rate on positives | false-alert rate | F1 |")
        L.append("|---|---:|---:|---:|---:|")
        for system, s in entry["systems"].items():
            L.append(f"| {system} | {s['threshold']} | {pct(s['alert_rate_positives'])} | {pct(s['false_alert_rate'])} | {num(s['f1'])} |")
        wrong = [c for c in entry["cases"] if c["chokepoint_alert"] != c["positive"]]
        if wrong:
            L.append("\nchokepoint's wrong outcomes: " + "; ".join(_case_outcome(c) for c in wrong))
        L.append("")

    # --- timing
    L.append("## 4. Run time\n")
    L.append("CPU milliseconds per variant query, per system (measured inside the worker processes):\n")
    L.append("| step | ms/query | queries |")
    L.append("|---|---:|---:|")
    for k, v in timing["ms_per_query_cpu"].items():
        L.append(f"| {k} | {v} | {timing['queries'][k]} |")
    L.append(f"\nWall clock: screening {timing['screening_wall_s']} s, pair sets {timing['pairs_wall_s']} s, "
             f"rapidfuzz brute force {timing['rapidfuzz_wall_s']} s.\n")
    L.append("Per-query failures of chokepoint (misses and false alerts, with its best candidate and "
             f"evidence) are in [{STEM}-failures.md]({STEM}-failures.md); all numbers in [{STEM}.json]({STEM}.json).\n")
    return "\n".join(L)


def _patterns(misses: dict, alerts: dict, thr: float) -> str:
    """Tallies over all misses and false alerts (not only the listed 50)."""
    reasons: Counter = Counter()
    miss_notes: Counter = Counter()
    other_alert = 0
    by_family: dict[str, Counter] = defaultdict(Counter)
    for family, group in misses.items():
        for q, r in group:
            cp = r["chokepoint"]
            other_alert += bool(cp["alert"])
            if cp["expected_score"] >= thr - EPS:
                reasons["scored >= threshold at the sweep floor, but not returned by the default-threshold run (pruned)"] += 1
                by_family[family]["pruned"] += 1
            elif not r["retrieved"]:
                reasons["not retrieved (not among the top-60 candidate names)"] += 1
                by_family[family]["not retrieved"] += 1
            else:
                reasons["retrieved, scored below the threshold"] += 1
                by_family[family]["below threshold"] += 1
                for note in cp.get("expected_notes") or ["(no penalty note)"]:
                    miss_notes[note.split(" (")[0]] += 1
    alert_notes: Counter = Counter()
    alert_hows: Counter = Counter()
    for group in alerts.values():
        for q, r in group:
            cp = r["chokepoint"]
            for note in cp.get("top_notes") or ["(no penalty note)"]:
                alert_notes[note.split(" (")[0]] += 1
            alert_hows[" + ".join(sorted(set(cp.get("top_hows") or ["none"])))] += 1
    lines = ["Misses by reason: " + "; ".join(f"{k}: {v}" for k, v in reasons.most_common()) + ".\n",
             "| family | pruned | not retrieved | below threshold |\n|---|---:|---:|---:|\n" + "\n".join(
                 f"| {f} | {c['pruned']} | {c['not retrieved']} | {c['below threshold']} |"
                 for f, c in sorted(by_family.items(), key=lambda kv: -sum(kv[1].values()))) + "\n",
             f"Misses on which another record alerted at the default threshold (often the same party on another "
             f"list): {other_alert} of {sum(len(g) for g in misses.values())}.\n",
             "Penalty notes on the expected entity's best name, for misses scored below the threshold: "
             + "; ".join(f"{k}: {v}" for k, v in miss_notes.most_common(8)) + ".\n",
             "False alerts, penalty notes on the alerting name: "
             + "; ".join(f"{k}: {v}" for k, v in alert_notes.most_common(8)) + ".\n",
             "False alerts, how the matched words were matched: "
             + "; ".join(f"{k}: {v}" for k, v in alert_hows.most_common(8)) + ".\n"]
    return "\n".join(lines)


def _case_outcome(c: dict) -> str:
    if c["positive"]:
        best = f", best {c['best_below']!r} {c['best_below_score']:.2f}" if c["best_below"] else ""
        return f"`{c['query']}` (missed{best})"
    return f"`{c['query']}` (alerted {c['chokepoint_top']!r} {c['chokepoint_score']:.2f})"


def render_failures(queries: list[Query], results: list[dict], records, report: dict) -> str:
    thr = THRESHOLDS["chokepoint"]
    caption = {rec.entity_id: rec.caption for rec in records}
    misses: dict[str, list] = defaultdict(list)
    alerts: dict[str, list] = defaultdict(list)
    for q, r in zip(queries, results):
        cp = r["chokepoint"]
        if q.positive and not cp["found"]:
            misses[q.family].append((q, r))
        elif not q.positive and cp["alert"]:
            alerts[q.family].append((q, r))

    def round_robin(groups: dict[str, list], n: int) -> list:
        out = []
        keys = sorted(groups, key=lambda k: -len(groups[k]))
        i = 0
        while len(out) < n and any(i < len(groups[k]) for k in keys):
            for k in keys:
                if i < len(groups[k]) and len(out) < n:
                    out.append(groups[k][i])
            i += 1
        return out

    L = ["# chokepoint quality failures\n",
         f"From `{report['meta']['command']}` on {report['meta']['date']} (matcher fingerprint "
         f"`{report['meta']['code']['matcher_fingerprint']}`), default threshold {thr}. At most 50 of each, "
         "spread across families. *expected* is the listed entity the variant was made from, with its "
         f"score from the sweep run (threshold {SWEEP_FLOOR}; 0 = not returned at all); *best* is chokepoint's "
         "top candidate at that floor.\n"]
    L.append("## Patterns\n")
    L.append(_patterns(misses, alerts, thr))
    L.append("## Missed positives\n")
    L.append("Counts by family: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(misses.items(), key=lambda kv: -len(kv[1]))) + "\n")
    for q, r in round_robin(misses, 50):
        cp = r["chokepoint"]
        L.append(f"- **{q.family}** `{q.text}` ({q.schema}) — from `{q.source}` ({q.detail})")
        L.append(f"  - expected `{q.expected}` {caption.get(q.expected, '')!r}: score {cp['expected_score']:.3f}"
                 + (f" (compare: {cp['expected_compare']:.3f})" if "expected_compare" in cp else "")
                 + ("" if r["retrieved"] else "; NOT in top-60 retrieval"))
        if cp["expected_explain"]:
            L.append(f"  - evidence: {cp['expected_explain']}")
        if cp["low_top_id"] and cp["low_top_id"] != q.expected:
            L.append(f"  - best: `{cp['low_top_id']}` {cp['low_top_name']!r} {cp['low_top']:.3f}")
    L.append("\n## False alerts on negatives\n")
    L.append("Counts by kind: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(alerts.items(), key=lambda kv: -len(kv[1]))) + "\n")
    for q, r in round_robin(alerts, 50):
        cp = r["chokepoint"]
        src = f" — made from `{q.source}`" if q.source else ""
        L.append(f"- **{q.family}** `{q.text}` ({q.schema}){src}")
        L.append(f"  - alerted `{cp['top_id']}` {cp['top']!r} {cp['top_score']:.3f}")
        L.append(f"  - evidence: {cp['top_explain']}")
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    main()
