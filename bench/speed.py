"""Benchmark: chokepoint's speed and memory on the bundled lists, with peers
run on the same queries.

Measured side by side in one run:

* the name index: cold build from the store, load from the cache file, the
  cache file's size and the index's memory (RSS delta in a fresh process;
  tracemalloc with a per-part breakdown in another);
* single-query latency (p50/p95/p99/max) of ``Screener.match`` over a mix of
  listed names (exact and varied, ~15%) and innocent names of many cultures
  (bench/speedmix.py, fixed seed), after a warm-up;
* batch throughput of ``screen_rows`` with 1 and 2 worker processes;
* peers on the same queries: a rapidfuzz brute-force screener, and
  nomenklatura's logic-v2 (yente's default) scoring the same candidates
  chokepoint retrieves.

    /work/main/.venv/bin/python bench/speed.py [--quick] [--profile]

Writes bench/out/speed.md and bench/out/speed.json (speed-quick.* with --quick).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pickle
import pstats
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchenv import (  # noqa: E402
    command_line,
    latency_summary,
    machine_info,
    machine_markdown,
    now_iso,
    Phases,
    cpu_s,
    wait_idle,
    peak_rss_mb,
    snapshot_source,
    source_changed_since,
    rss_mb,
    write_results,
)

DEFAULT_HOME = Path("/tmp/cp-speed")
MARK = "@@RESULT@@"
SEED = 20251122

GOALS = {"p50_ms": 1.0, "p99_ms": 5.0, "index_mb": 300.0, "names_per_s": 10_000.0}

#: quoted, not measured
PEER_QUOTES = [
    ("yente, logic-v2, `YENTE_MATCH_CANDIDATES=10` (default)", "~4 requests/s per vCPU (GCE N4), i.e. ~250 ms of CPU per /match query",
     "opensanctions/yente `docs/deploy/scaling.md`, \"Rough throughput numbers\""),
    ("yente, logic-v1, candidates 10 / 3", "~15 / ~30 requests/s per vCPU", "same page"),
    ("Watchman (Go, in-memory index)", "0.85 ms per search on 4 cores",
     "figure as given in the benchmark brief (Watchman's Go benchmark suite, 4 procs); it is not in "
     "/work/shared/reference/peers.md, which lists the source as [W-perf]/[W-bench] without the number"),
]


# --- children: cold build and memory, each in a fresh process ----------------------------------


def child_build(spec: dict) -> dict:
    from chokepoint.lists.store import ListStore
    from chokepoint.matching.engine import index_path, listed_records
    from chokepoint.matching.index import NameIndex
    from chokepoint.settings import Settings

    settings = Settings(home=Path(spec["home"]))
    store = ListStore.open(settings)
    rss0 = rss_mb()
    t = time.perf_counter()
    versions = store.active_versions()
    records = list(listed_records(store, versions))
    t_records = time.perf_counter() - t
    t = time.perf_counter()
    index = NameIndex.build(records, [v.id for v in versions])
    t_build = time.perf_counter() - t
    path = index_path(settings, versions)
    t = time.perf_counter()
    index.save(path)
    t_save = time.perf_counter() - t
    import chokepoint

    return {
        "chokepoint_file": chokepoint.__file__,
        "records_s": t_records,
        "build_s": t_build,
        "save_s": t_save,
        "total_s": t_records + t_build + t_save,
        "path": str(path),
        "records": len(index.records),
        "names": len(index.names),
        **posting_stats(index),
        "lists": len(versions),
        "rss_before_mb": rss0,
        "peak_rss_mb": peak_rss_mb(),
    }


def posting_stats(index) -> dict:
    """Key and entry counts, whatever the postings layout (dict of arrays,
    or key rows into one offsets/data pair)."""
    postings = getattr(index, "postings", None)
    if isinstance(postings, dict):
        keys, entries = len(postings), int(sum(len(v) for v in postings.values()))
    elif hasattr(index, "key_rows") and hasattr(index, "data"):
        keys, entries = len(index.key_rows), int(len(index.data))
    else:
        keys = entries = None
    delete_map = getattr(index, "delete_map", None)
    return {"postings_keys": keys, "postings_entries": entries,
            "delete_map_keys": len(delete_map) if delete_map is not None else None}


def index_parts(index) -> list[str]:
    """The index's data attributes, the big shared ones (names, records) last."""
    attrs = [a for a, v in vars(index).items() if not isinstance(v, (int, float, str, type(None)))]
    return sorted(attrs, key=lambda a: (a in ("names", "records"), a == "records", a))


def _import_matcher() -> None:
    import numpy  # noqa: F401
    from followthemoney import model  # noqa: F401

    import chokepoint.matching.engine  # noqa: F401
    import chokepoint.matching.index  # noqa: F401
    import chokepoint.matching.normalize  # noqa: F401
    import chokepoint.matching.records  # noqa: F401
    import chokepoint.matching.screener  # noqa: F401


def child_memory(spec: dict) -> dict:
    import tracemalloc

    _import_matcher()
    from chokepoint.matching.index import NameIndex

    path = Path(spec["path"])
    gc.collect()
    rss0 = rss_mb()
    if spec.get("tracemalloc"):
        tracemalloc.start()
        index = NameIndex.load(path)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        parts = {}
        prev = current
        # drop the parts one by one; what is freed is that part's share
        # (objects shared between parts count for the part dropped last)
        for attr in index_parts(index):
            setattr(index, attr, None)
            gc.collect()
            now, _ = tracemalloc.get_traced_memory()
            parts[attr] = (prev - now) / 2**20
            prev = now
        tracemalloc.stop()
        return {"traced_mb": current / 2**20, "traced_peak_mb": peak / 2**20, "parts_mb": parts}
    t = time.perf_counter()
    index = NameIndex.load(path)
    t_load = time.perf_counter() - t
    gc.collect()
    rss1 = rss_mb()
    out = {
        "rss_after_imports_mb": rss0,
        "rss_after_load_mb": rss1,
        "index_rss_mb": rss1 - rss0,
        "load_s": t_load,
        "peak_rss_mb": peak_rss_mb(),
        "names": len(index.names),
    }
    del index
    gc.collect()
    # a ready screener the way the CLI / service get it: open the store,
    # find the active versions, hash the cache key, load the cache
    from chokepoint.lists.store import ListStore
    from chokepoint.matching.engine import load_screener
    from chokepoint.settings import Settings

    settings = Settings(home=Path(spec["home"]))
    t = time.perf_counter()
    screener = load_screener(ListStore.open(settings), settings)
    out["load_screener_s"] = time.perf_counter() - t
    out["screener_names"] = len(screener.index.names)
    return out


def child_parts(spec: dict) -> dict:
    """Pickled size and unpickling time of each part of the index."""
    _import_matcher()
    from chokepoint.matching.index import NameIndex

    index = NameIndex.load(Path(spec["path"]))
    out = {}
    for attr in index_parts(index):
        blob = pickle.dumps(getattr(index, attr), protocol=pickle.HIGHEST_PROTOCOL)
        gc.collect()
        t = time.perf_counter()
        value = pickle.loads(blob)
        out[attr] = {"bytes": len(blob), "load_s": time.perf_counter() - t}
        del value, blob
    return out


def run_child(kind: str, spec: dict) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, json.dumps(spec)],
                          capture_output=True, text=True)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    raise RuntimeError(f"child {kind} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")


# --- helpers ------------------------------------------------------------------------------------


def build_queries(mix):
    from chokepoint.matching.records import PartyQuery

    return [PartyQuery.build(q.name, q.schema, country=q.country, birth_date=q.birth_date) for q in mix]


def group_of(schema: str) -> str:
    return {"Person": "person", "Vessel": "vessel", "Airplane": "vessel"}.get(schema, "organisation")


def summarize_by(keys: list[str], seconds: list[float]) -> dict:
    groups: dict[str, list[float]] = defaultdict(list)
    for k, s in zip(keys, seconds):
        groups[k].append(s)
    return {k: latency_summary(v) for k, v in sorted(groups.items())}


# --- the measurements ---------------------------------------------------------------------------


def measure_latency(screener, mix, queries, warm_queries) -> dict:
    from chokepoint.matching.records import PartyQuery

    for q in warm_queries:
        screener.match(q, limit=10)
    match_s: list[float] = []
    build_s: list[float] = []
    hits: list[int] = []
    perf = time.perf_counter
    for q, m in zip(queries, mix):
        t0 = perf()
        PartyQuery.build(m.name, m.schema, country=m.country, birth_date=m.birth_date)
        t1 = perf()
        res = screener.match(q, limit=10)
        t2 = perf()
        build_s.append(t1 - t0)
        match_s.append(t2 - t1)
        hits.append(len(res))
    e2e = [a + b for a, b in zip(build_s, match_s)]
    alerts: dict[str, list[int]] = defaultdict(list)
    for m, h in zip(mix, hits):
        alerts[m.category].append(1 if h else 0)
        if m.category == "listed":
            alerts[f"listed/{m.variant}"].append(1 if h else 0)
    slowest = sorted(range(len(mix)), key=lambda i: -match_s[i])[:10]
    return {
        "match": latency_summary(match_s),
        "build_plus_match": latency_summary(e2e),
        "query_build": latency_summary(build_s),
        "by_category": summarize_by([m.category for m in mix], match_s),
        "by_group": summarize_by([group_of(m.schema) for m in mix], match_s),
        "alert_rate": {k: sum(v) / len(v) for k, v in sorted(alerts.items())},
        "slowest": [{"name": mix[i].name, "schema": mix[i].schema, "category": mix[i].category,
                     "ms": match_s[i] * 1000, "results": hits[i]} for i in slowest],
        "per_query_ms": [round(s * 1000, 4) for s in match_s],
        "hits": hits,
    }


def measure_batch(screener, mix, workers: int, freeze: bool = False) -> dict:
    from chokepoint.matching.batch import InputRow, screen_rows

    rows = [InputRow(i + 2, m.row(i)) for i, m in enumerate(mix)]
    gc.collect()
    if freeze:
        gc.freeze()
    me0, kids0 = cpu_s(resource.RUSAGE_SELF), cpu_s(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    statuses = Counter(r.status for r in screen_rows(screener, rows, workers=workers))
    elapsed = time.perf_counter() - t
    if freeze:
        gc.unfreeze()
    return {"workers": workers, "gc_freeze": freeze, "rows": len(rows), "seconds": elapsed, "names_per_s": len(rows) / elapsed,
            "statuses": dict(statuses), "parent_cpu_s": cpu_s(resource.RUSAGE_SELF) - me0,
            "worker_cpu_s": cpu_s(resource.RUSAGE_CHILDREN) - kids0}


def measure_rapidfuzz(screener, mix, n: int) -> dict:
    from rapidfuzz import fuzz, process
    from rigour.text.translit import ascii_text

    t = time.perf_counter()
    choices = []
    owners = []
    for rid, record in enumerate(screener.index.records):
        for _kind, text in record.names:
            choices.append(ascii_text(text).lower())
            owners.append(rid)
    prep_s = time.perf_counter() - t
    sub = mix[:n]
    qtexts = [ascii_text(m.name).lower() for m in sub]
    for q in qtexts[:5]:  # warm-up
        process.extract(q, choices, scorer=fuzz.token_sort_ratio, score_cutoff=85, limit=10, processor=None)
    lat, hits = [], []
    for q in qtexts:
        t0 = time.perf_counter()
        res = process.extract(q, choices, scorer=fuzz.token_sort_ratio, score_cutoff=85, limit=10, processor=None)
        lat.append(time.perf_counter() - t0)
        hits.append(len(res))
    alerts = defaultdict(list)
    for m, h in zip(sub, hits):
        alerts[m.category].append(1 if h else 0)
    return {
        "queries": len(sub),
        "names": len(choices),
        "prepare_s": prep_s,
        "latency": latency_summary(lat),
        "names_per_s": len(lat) / sum(lat),
        "alert_rate": {k: sum(v) / len(v) for k, v in sorted(alerts.items())},
    }


def _proxy(schema: str, pid: str, names: list[tuple[str, str]], countries=(), birth_dates=()):
    from followthemoney import model

    entity = model.make_entity(schema)
    entity.id = pid
    props = {"name": "name", "alias": "alias", "previous": "previousName", "weak": "weakAlias"}
    for kind, text in names:
        prop = props.get(kind, "alias")
        if prop not in entity.schema.properties:
            prop = "alias"
        entity.add(prop, text, quiet=True)
    for c in countries:
        entity.add("country", c, quiet=True)
    if "birthDate" in entity.schema.properties:
        for d in birth_dates:
            entity.add("birthDate", d, quiet=True)
    return entity


def measure_logic_v2(screener, mix, queries, latency: dict, n: int) -> dict:
    from nomenklatura.matching import get_algorithm

    algo = get_algorithm("logic-v2")
    assert algo is not None
    config = algo.default_config()
    index = screener.index
    cand_cache: dict[int, object] = {}

    def candidates_of(q):
        forms = screener.query_forms(q)
        found = index.candidates(forms, limit=40)
        return list(dict.fromkeys(index.names[nid].entity for nid, _, _ in found))

    def cand_proxy(rid: int):
        proxy = cand_cache.get(rid)
        if proxy is None:
            r = index.records[rid]
            proxy = _proxy(r.schema, f"cp-{rid}", r.names, sorted(r.countries), r.birth_dates)
            cand_cache[rid] = proxy
        return proxy

    def query_proxy(i: int, q):
        return _proxy(q.schema, f"q-{i}", [("name", n) for n in q.names], sorted(q.countries), q.birth_dates)

    # warm-up: first-use cost (rigour name tagging data, caches) on other queries
    for i, q in enumerate(queries[-10:]):
        qp = query_proxy(-i, q)
        for rid in candidates_of(q)[:10]:
            algo.compare(qp, cand_proxy(rid), config)

    sub = list(range(min(n, len(queries))))
    score_s, retr_s, pairs, alerts = [], [], [], defaultdict(list)
    for i in sub:
        q = queries[i]
        t = time.perf_counter()
        rids = candidates_of(q)
        retr_s.append(time.perf_counter() - t)
        qp = query_proxy(i, q)
        cands = [cand_proxy(rid) for rid in rids]  # built outside the timing (yente gets them from ES)
        t = time.perf_counter()
        best = 0.0
        for cp in cands:
            res = algo.compare(qp, cp, config)
            best = max(best, res.score)
        score_s.append(time.perf_counter() - t)
        pairs.append(len(cands))
        alerts[mix[i].category].append(1 if best >= 0.7 else 0)
    chokepoint_s = [latency["per_query_ms"][i] / 1000 for i in sub]
    cp_alerts = defaultdict(list)
    for i in sub:
        cp_alerts[mix[i].category].append(1 if latency["hits"][i] else 0)
    total_pairs = sum(pairs)
    return {
        "queries": len(sub),
        "pairs": total_pairs,
        "mean_candidates": total_pairs / len(sub) if sub else 0,
        "scoring": latency_summary(score_s),
        "retrieval": latency_summary(retr_s),
        "retrieval_plus_scoring": latency_summary([a + b for a, b in zip(retr_s, score_s)]),
        "pairs_per_s": total_pairs / sum(score_s) if score_s else 0,
        "queries_per_s": len(sub) / sum(score_s) if score_s else 0,
        "chokepoint_same_queries": latency_summary(chokepoint_s),
        "alert_rate_threshold_0_7": {k: sum(v) / len(v) for k, v in sorted(alerts.items())},
        "chokepoint_alert_rate": {k: sum(v) / len(v) for k, v in sorted(cp_alerts.items())},
    }


def profile_queries(screener, queries, n: int) -> dict:
    prof = cProfile.Profile()
    sub = queries[:n]
    prof.enable()
    for q in sub:
        screener.match(q, limit=10)
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, _callers) in stats.stats.items():
        rows.append({"function": func, "where": f"{_short(filename)}:{line}", "calls": nc,
                     "tottime_s": tt, "cumtime_s": ct, "share": tt / total if total else 0})
    by_tt = sorted(rows, key=lambda r: -r["tottime_s"])[:15]
    by_ct = sorted((r for r in rows if "speed.py" not in r["where"]), key=lambda r: -r["cumtime_s"])[:12]
    return {"queries": len(sub), "total_s": total, "top_tottime": by_tt, "top_cumtime": by_ct}


def _short(filename: str) -> str:
    if "/cp-bench-src-" in filename:
        return "src/" + filename.split("/cp-bench-src-", 1)[1].split("/", 1)[1]
    for marker in ("/site-packages/", "/src/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# --- report ------------------------------------------------------------------------------------


def lat_row(label: str, s: dict, extra: str = "") -> str:
    return (f"| {label} | {s['n']:,} | {s['p50_ms']:.3f} | {s['p95_ms']:.3f} | {s['p99_ms']:.3f} | "
            f"{s['max_ms']:.2f} | {s['mean_ms']:.3f} |{extra}")


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(d: dict) -> str:
    info = d["machine"]
    b, mem, tm, lat = d["build"], d["memory"], d["tracemalloc"], d["latency"]
    goals = d["goals"]
    L = [
        "# chokepoint speed and memory",
        "",
        f"On the {d['setup']['lists']} bundled lists ({b['records']:,} listed parties, {b['names']:,} indexed "
        "name forms). Times are `time.perf_counter` wall clock, single process unless stated.",
        "",
        *machine_markdown(info, d["command"], d["started"], d["finished"], d["source"]),
        f"| Load average at end | {' / '.join(str(x) for x in d['loadavg_at_end'])} |",
        "",
        "Other sessions share this machine. Each phase below shows how many of the "
        f"{info['nproc']} cores *other* processes kept busy meanwhile (all CPU time from /proc/stat minus this "
        "benchmark's and its children's); near 0 means the phase had the machine to itself.",
        "",
        (f"Before starting, the run waited {d['waited_for_idle_s']['seconds']:.0f} s for 15 quiet seconds "
         f"({'found' if d['waited_for_idle_s']['idle'] else 'not found'})." if d.get("waited_for_idle_s") else ""),
        "",
        "| phase | wall s | other processes, cores busy |",
        "|---|---:|---:|",
        *[f"| {p['phase']} | {p['wall_s']:.1f} | {p['other_cpu_cores']:.2f} |" for p in d["phases"]],
        "",
        "## Goals",
        "",
        "| goal | target | measured | |",
        "|---|---|---|---|",
        f"| single-query p50 | ≤ {GOALS['p50_ms']} ms | {lat['match']['p50_ms']:.3f} ms | {verdict(goals['p50'])} |",
        f"| single-query p99 | ≤ {GOALS['p99_ms']} ms | {lat['match']['p99_ms']:.3f} ms | {verdict(goals['p99'])} |",
        f"| index memory | ≤ {GOALS['index_mb']:.0f} MB | {mem['index_rss_mb']:.0f} MB RSS delta "
        f"({tm['traced_mb']:.0f} MB traced) | {verdict(goals['index'])} |",
        f"| batch throughput, 2 workers | ≥ {GOALS['names_per_s']:,.0f} names/s | "
        f"{d['batch'][1]['names_per_s']:,.0f} names/s | {verdict(goals['throughput'])} |",
        "",
        "## Index",
        "",
        "| | |",
        "|---|---:|",
        f"| cold build from the store, total | {b['total_s']:.1f} s |",
        f"| — read + decode the listed entities (`listed_records`) | {b['records_s']:.1f} s |",
        f"| — `NameIndex.build` | {b['build_s']:.1f} s |",
        f"| — write the cache file | {b['save_s']:.1f} s |",
        f"| peak RSS of the building process | {b['peak_rss_mb']:,.0f} MB |",
        f"| cache file size | {d['cache_bytes'] / 2**20:,.1f} MiB ({d['cache_bytes']:,} bytes) |",
        f"| load from the cache file, fresh process (`NameIndex.load`) | {mem['load_s']:.2f} s |",
        f"| ready screener in a fresh process (`load_screener`: open store + cache key + load) | {mem['load_screener_s']:.2f} s |",
        f"| `load_screener` in the benchmark process (cache file warm) | {d['setup']['load_screener_s']:.2f} s |",
        f"| index memory: RSS after load − RSS after imports (fresh process) | **{mem['index_rss_mb']:,.0f} MB** "
        f"({mem['rss_after_imports_mb']:.0f} → {mem['rss_after_load_mb']:.0f} MB) |",
        f"| index memory: tracemalloc, current after load (peak during load) | {tm['traced_mb']:,.0f} MB ({tm['traced_peak_mb']:,.0f} MB) |",
        f"| peak RSS of that process (it loads the index, frees it, then runs `load_screener`) | {mem['peak_rss_mb']:,.0f} MB |",
        f"| postings keys / entries; deletion-map keys | {b['postings_keys'] or 0:,} / {b['postings_entries'] or 0:,}; "
        f"{b['delete_map_keys'] or 0:,} |",
        "",
        "By part of the index: traced memory freed when each part is dropped in turn (an object reachable "
        "from two parts counts for the one dropped last), and each part pickled on its own: size and "
        "unpickling time.",
        "",
        "| part | traced MB | pickled MiB (alone) | unpickling s (alone) |",
        "|---|---:|---:|---:|",
        *[f"| `{k}` | {v:,.1f} | {d['parts'][k]['bytes'] / 2**20:,.1f} | {d['parts'][k]['load_s']:.2f} |"
          for k, v in tm["parts_mb"].items()],
        "",
        "## Single-query latency",
        "",
        f"`Screener.match(query, limit=10)` at the default threshold, {lat['match']['n']:,} queries after "
        f"{d['warmup_queries']} warm-up queries (a different draw). Queries are prebuilt `PartyQuery`s; the "
        "second row adds `PartyQuery.build`. Mix (seed "
        f"{SEED}): {d['mix']['listed']:,} listed names exact or varied ({d['mix']['listed_share']:.0%}), "
        f"{d['mix']['innocent']:,} innocent names; {d['mix']['person']:,} persons, "
        f"{d['mix']['organisation']:,} companies/organisations, {d['mix']['vessel']:,} vessels; "
        f"{d['mix']['with_country']:,} with a country, {d['mix']['with_birth_date']:,} with a birth date.",
        "",
        "| | n | p50 ms | p95 ms | p99 ms | max ms | mean ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
        lat_row("**match**", lat["match"]),
        lat_row("build query + match", lat["build_plus_match"]),
        *[lat_row(f"category: {k}", v) for k, v in lat["by_category"].items()],
        *[lat_row(f"schema: {k}", v) for k, v in lat["by_group"].items()],
        "",
        "Alert rate (≥ 1 match at the default threshold), as a sanity check, not a quality measure: "
        + ", ".join(f"{k} {v:.0%}" for k, v in lat["alert_rate"].items()) + ".",
        "",
        "Slowest queries:",
        "",
        "| ms | schema | category | results | name |",
        "|---:|---|---|---:|---|",
        *[f"| {s['ms']:.1f} | {s['schema']} | {s['category']} | {s['results']} | {s['name']} |" for s in lat["slowest"]],
        "",
        "## Batch throughput",
        "",
        f"`screen_rows(screener, rows, workers=N)` over {d['batch'][0]['rows']:,} rows of the same mix "
        "(a different draw), results consumed in order in the parent process; fork workers share the index copy-on-write.",
        "",
        "| workers | rows | seconds | names/s | CPU s: parent / workers | names per CPU-second | alert / clear / error |",
        "|---|---:|---:|---:|---|---:|---|",
        *[f"| {r['workers']}{' + `gc.freeze()` (experiment)' if r['gc_freeze'] else ''} | {r['rows']:,} | {r['seconds']:.1f} | **{r['names_per_s']:,.0f}** | "
          f"{r['parent_cpu_s']:.1f} / {r['worker_cpu_s']:.1f} | "
          f"{r['rows'] / (r['parent_cpu_s'] + r['worker_cpu_s']):,.0f} | "
          f"{r['statuses'].get('alert', 0):,} / {r['statuses'].get('clear', 0):,} / {r['statuses'].get('error', 0):,} |"
          for r in d["batch"]],
        "",
        "*Names per CPU-second* divides the rows by all CPU time the parent and the workers spent; it does not "
        "depend on other load on the machine, and times the core count it bounds what the cores could do "
        "(2 cores × that rate). "
        "The third row is an experiment, not the product: the benchmark calls `gc.freeze()` before "
        "`screen_rows` forks, so the workers' garbage collector does not walk (and so copy-on-write "
        "duplicate) the index objects inherited from the parent. The goal is judged on the second row.",
        "",
        "## Peers on the same queries",
        "",
    ]
    rf, lv = d["rapidfuzz"], d["logic_v2"]
    cp_rf = latency_summary([x / 1000 for x in lat["per_query_ms"][: rf["queries"]]])
    L += [
        "| screener | queries | p50 ms | p99 ms | mean ms | names/s (1 core) | notes |",
        "|---|---:|---:|---:|---:|---:|---|",
        f"| **chokepoint** `Screener.match` (all {lat['match']['n']:,} queries) | {lat['match']['n']:,} | "
        f"{lat['match']['p50_ms']:.3f} | {lat['match']['p99_ms']:.3f} | {lat['match']['mean_ms']:.3f} | "
        f"{1000 / lat['match']['mean_ms']:,.0f} | retrieval + scoring + explanation |",
        f"| rapidfuzz brute force | {rf['queries']} | {rf['latency']['p50_ms']:.1f} | {rf['latency']['p99_ms']:.1f} | "
        f"{rf['latency']['mean_ms']:.1f} | {rf['names_per_s']:,.1f} | `process.extract(q, {rf['names']:,} names, "
        "scorer=fuzz.token_sort_ratio, score_cutoff=85, limit=10)`; names ASCII-lowercased once "
        f"({rf['prepare_s']:.1f} s); first {rf['queries']} queries of the mix |",
        f"| chokepoint on those {rf['queries']} queries | {rf['queries']} | {cp_rf['p50_ms']:.3f} | {cp_rf['p99_ms']:.3f} | "
        f"{cp_rf['mean_ms']:.3f} | {1000 / cp_rf['mean_ms']:,.0f} | same measurements as above |",
        f"| nomenklatura logic-v2, scoring chokepoint's candidates | {lv['queries']} | {lv['scoring']['p50_ms']:.1f} | "
        f"{lv['scoring']['p99_ms']:.1f} | {lv['scoring']['mean_ms']:.1f} | {lv['queries_per_s']:,.1f} | "
        f"scoring only: {lv['mean_candidates']:.1f} candidates/query, {lv['pairs_per_s']:,.0f} pairs/s; "
        "first " f"{lv['queries']} queries of the mix |",
        f"| logic-v2 + chokepoint retrieval | {lv['queries']} | {lv['retrieval_plus_scoring']['p50_ms']:.1f} | "
        f"{lv['retrieval_plus_scoring']['p99_ms']:.1f} | {lv['retrieval_plus_scoring']['mean_ms']:.1f} | "
        f"{1000 / lv['retrieval_plus_scoring']['mean_ms']:,.1f} | retrieval alone p50 {lv['retrieval']['p50_ms']:.3f} ms |",
        f"| chokepoint on those {lv['queries']} queries | {lv['queries']} | {lv['chokepoint_same_queries']['p50_ms']:.3f} | "
        f"{lv['chokepoint_same_queries']['p99_ms']:.3f} | {lv['chokepoint_same_queries']['mean_ms']:.3f} | "
        f"{1000 / lv['chokepoint_same_queries']['mean_ms']:,.0f} | same measurements as above |",
        "",
        "For logic-v2 each distinct listed entity among the ≤ 40 names `screener.index.candidates(screener.query_forms(q), "
        "limit=40)` returns becomes a FollowTheMoney proxy (schema, `name`/`alias`/`previousName`/`weakAlias` from the "
        "record's names, `country`, `birthDate`), built once and outside the timing, as yente receives them from "
        "Elasticsearch; the query proxy carries the query's name, country and birth date. Each pair is scored with "
        "`LogicV2.compare(query, candidate, LogicV2.default_config())` after a warm-up. These candidate "
        "entities are thin (names, countries, birth dates only), so this is logic-v2's name-scoring cost, a lower "
        "bound on what a yente /match query spends scoring (yente's ~250 ms per query also covers Elasticsearch, "
        "full entities, up to 50 candidates and the HTTP/JSON layer).",
        "",
        "Alert rates on these subsamples (sanity only): rapidfuzz ≥ 1 hit at 85: "
        + ", ".join(f"{k} {v:.0%}" for k, v in rf["alert_rate"].items())
        + "; logic-v2 best ≥ 0.70: " + ", ".join(f"{k} {v:.0%}" for k, v in lv["alert_rate_threshold_0_7"].items())
        + "; chokepoint: " + ", ".join(f"{k} {v:.0%}" for k, v in lv["chokepoint_alert_rate"].items()) + ".",
        "",
        "Published figures (quoted, not measured here):",
        "",
        "| peer | figure | source |",
        "|---|---|---|",
        *[f"| {a} | {b_} | {c} |" for a, b_, c in PEER_QUOTES],
        "",
    ]
    if d.get("profile"):
        p = d["profile"]
        L += [
            "## Profile",
            "",
            f"cProfile over {p['queries']} queries of the mix ({p['total_s']:.2f} s inside the profiler, which "
            "inflates small-function costs). Top functions by own time (tottime):",
            "",
            "| function | where | calls | tottime s | share | cumtime s |",
            "|---|---|---:|---:|---:|---:|",
            *[f"| `{r['function']}` | {r['where']} | {r['calls']:,} | {r['tottime_s']:.3f} | {r['share']:.1%} | "
              f"{r['cumtime_s']:.3f} |" for r in p["top_tottime"]],
            "",
            "By cumulative time:",
            "",
            "| function | where | calls | cumtime s |",
            "|---|---|---:|---:|",
            *[f"| `{r['function']}` | {r['where']} | {r['calls']:,} | {r['cumtime_s']:.3f} |" for r in p["top_cumtime"]],
            "",
        ]
    L += [f"Whole benchmark run: {d['elapsed_s']:.0f} s.", ""]
    return "\n".join(L)


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples, for a quick look")
    parser.add_argument("--profile", action="store_true", help="profile even if every goal is met")
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME, help=f"chokepoint home (default {DEFAULT_HOME})")
    parser.add_argument("--name", help="output file stem under bench/out/ (default speed / speed-quick)")
    parser.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                        help="first wait (at most this long) until other processes leave the CPUs idle for 15 s")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, spec = args.child
        fn = {"build": child_build, "memory": child_memory, "parts": child_parts}[kind]
        print(MARK + json.dumps(fn(json.loads(spec))), flush=True)
        return

    n_queries, n_warm, n_batch, n_rf, n_lv, n_prof = (
        (500, 100, 4000, 100, 50, 200) if args.quick else (2000, 300, 20000, 300, 200, 400)
    )
    name = args.name or ("speed-quick" if args.quick else "speed")
    waited = wait_idle(args.wait_idle) if args.wait_idle else None
    start = time.perf_counter()
    source = snapshot_source()
    d: dict = {"benchmark": "speed", "source": source, "started": now_iso(), "command": command_line(), "machine": machine_info(),
               "quick": args.quick, "seed": SEED, "goals_target": GOALS,
               "waited_for_idle_s": waited}

    phases = Phases()

    def say(msg: str, phase: str | None = None) -> None:
        if phase:
            phases.end(phase)
        print(f"[{time.perf_counter() - start:6.1f} s] {msg}", flush=True)

    from chokepoint.lists.loader import load_bundled
    from chokepoint.lists.store import ListStore
    from chokepoint.matching.engine import index_path, load_screener
    from chokepoint.settings import Settings

    settings = Settings(home=args.home)
    store = ListStore.open(settings)
    t = time.perf_counter()
    reports = load_bundled(store)
    versions = store.active_versions()
    d["setup"] = {"home": str(args.home), "load_bundled_s": time.perf_counter() - t, "lists": len(versions),
                  "new_versions": sum(1 for r in reports if r.outcome and r.outcome.created),
                  "errors": [r.error for r in reports if not r.ok]}
    say(f"lists ready ({d['setup']['load_bundled_s']:.1f} s, {d['setup']['new_versions']} new versions)", "setup (load_bundled)")

    d["build"] = run_child("build", {"home": str(args.home)})
    assert os.environ["PYTHONPATH"].split(os.pathsep)[0] in d["build"]["chokepoint_file"], d["build"]["chokepoint_file"]
    cache = Path(d["build"]["path"])
    assert cache == index_path(settings, versions), "cache path mismatch"
    d["cache_bytes"] = cache.stat().st_size
    say(f"cold build {d['build']['total_s']:.1f} s, peak RSS {d['build']['peak_rss_mb']:.0f} MB", "index cold build (child)")

    t = time.perf_counter()
    screener = load_screener(store, settings)
    d["setup"]["load_screener_s"] = time.perf_counter() - t
    records = screener.index.records

    from speedmix import make_mix

    mix = make_mix(records, n_queries, SEED)
    warm = make_mix(records, n_warm, SEED + 1)
    queries = build_queries(mix)
    d["warmup_queries"] = n_warm
    d["mix"] = {
        "listed": sum(m.category == "listed" for m in mix),
        "innocent": sum(m.category == "innocent" for m in mix),
        "listed_share": sum(m.category == "listed" for m in mix) / len(mix),
        "person": sum(group_of(m.schema) == "person" for m in mix),
        "organisation": sum(group_of(m.schema) == "organisation" for m in mix),
        "vessel": sum(group_of(m.schema) == "vessel" for m in mix),
        "with_country": sum(bool(m.country) for m in mix),
        "with_birth_date": sum(bool(m.birth_date) for m in mix),
        "variants": dict(Counter(m.variant for m in mix)),
    }
    gc.collect()
    d["latency"] = measure_latency(screener, mix, queries, build_queries(warm))
    lm = d["latency"]["match"]
    say(f"latency p50 {lm['p50_ms']:.3f} ms p95 {lm['p95_ms']:.3f} p99 {lm['p99_ms']:.3f} max {lm['max_ms']:.1f}", "load screener + single-query latency")

    batch_mix = make_mix(records, n_batch, SEED + 2)
    d["batch"] = []
    for workers, freeze in ((1, False), (2, False), (2, True)):
        r = measure_batch(screener, batch_mix, workers, freeze)
        d["batch"].append(r)
        say(f"batch workers={workers} freeze={freeze}: {r['names_per_s']:,.0f} names/s ({r['seconds']:.1f} s)", f"batch workers={workers}{' + gc.freeze' if freeze else ''}")

    d["memory"] = run_child("memory", {"home": str(args.home), "path": str(cache)})
    say(f"index RSS {d['memory']['index_rss_mb']:.0f} MB, load {d['memory']['load_s']:.2f} s", "index memory (child)")
    d["tracemalloc"] = run_child("memory", {"home": str(args.home), "path": str(cache), "tracemalloc": True})
    say(f"traced {d['tracemalloc']['traced_mb']:.0f} MB", "index tracemalloc (child)")
    d["parts"] = run_child("parts", {"path": str(cache)})
    say("index parts timed", "index parts (child)")

    d["rapidfuzz"] = measure_rapidfuzz(screener, mix, n_rf)
    say(f"rapidfuzz p50 {d['rapidfuzz']['latency']['p50_ms']:.1f} ms", "rapidfuzz")
    d["logic_v2"] = measure_logic_v2(screener, mix, queries, d["latency"], n_lv)
    say(f"logic-v2 p50 {d['logic_v2']['scoring']['p50_ms']:.1f} ms, {d['logic_v2']['pairs_per_s']:,.0f} pairs/s", "logic-v2")

    d["goals"] = {
        "p50": lm["p50_ms"] <= GOALS["p50_ms"],
        "p99": lm["p99_ms"] <= GOALS["p99_ms"],
        "index": d["memory"]["index_rss_mb"] <= GOALS["index_mb"],
        "throughput": d["batch"][1]["names_per_s"] >= GOALS["names_per_s"],
    }
    if args.profile or not all(d["goals"].values()):
        d["profile"] = profile_queries(screener, queries, n_prof)
        say("profiled", "profile")
    d["phases"] = phases.rows
    d["finished"] = now_iso()
    source["changed_during_run"] = source_changed_since(source)
    d["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    d["elapsed_s"] = time.perf_counter() - start
    d["mix_queries"] = [{"name": m.name, "schema": m.schema, "category": m.category, "variant": m.variant,
                         "country": m.country, "birth_date": m.birth_date} for m in mix]
    md, js = write_results(name, render(d), d)
    say(f"wrote {md} and {js}")


if __name__ == "__main__":
    main()
