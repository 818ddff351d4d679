"""Benchmark: the list index at the size of the full OpenSanctions collection
(issue 8, deployment sizing): a synthetic list of ``--entities`` listed
entities (default 1,000,000), loaded, indexed and queried.

    .venv/bin/python bench/index_scale.py [--entities 1000000] [--queries 2000]

In a scratch home (never ~/.local), with nothing else loaded:

1. **The list.** Synthetic persons (55%), companies and organisations (44%)
   and vessels (1%), named by the monitoring benchmark's generator (17 name
   cultures, Zipf-weighted common names and a long tail, some Cyrillic and
   Arabic script); 40% get one to three aliases (another spelling, the
   words reordered, a Cyrillic rendering, or a second name), some a birth
   date, a country and an identifier. Written as FollowTheMoney JSON and
   loaded as the ``opensanctions`` dataset (``ftm_json``, as a real
   OpenSanctions export would be).
2. **Load** (``load_path`` in a child process): wall time, database size.
3. **Index build** (``load_index`` with no cache, in a child): wall time,
   peak RSS, names indexed, cache file size.
4. **Index load** from the cache file in a fresh child: wall time and RSS
   once loaded (what each service worker holds).
5. **Queries** in that child: ``--queries`` screenings (15% names of the
   synthetic list, exact or varied, the rest other names), latency p50/p99.

Results: bench/out/index_scale.md and .json. Compare with the bundled
lists' index (BENCHMARKS.md section 3: 75,814 entities, ~350 MB RSS, built
in ~20 s, loaded in ~3.6 s).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchenv import (  # noqa: E402
    command_line,
    latency_summary,
    machine_info,
    machine_markdown,
    now_iso,
    peak_rss_mb,
    rss_mb,
    write_results,
)

MARK = "@@RESULT@@"
DATASET = "opensanctions"
DEFAULT_HOME = Path("/tmp/cp-index-scale")


# --- the synthetic list ---------------------------------------------------------------


def entity(rng: random.Random, gen, n: int) -> dict:
    """One listed entity in FollowTheMoney JSON."""
    from variants import cyrillic_name

    row = gen.row(f"e{n}")
    schema = {"LegalEntity": "Company"}.get(row["schema"], row["schema"])
    props: dict[str, list[str]] = {"name": [row["name"]]}
    if rng.random() < 0.4:
        aliases = set()
        for _ in range(rng.randint(1, 3)):
            roll = rng.random()
            words = row["name"].split()
            if roll < 0.3 and len(words) > 1:
                aliases.add(" ".join(words[1:] + words[:1]))
            elif roll < 0.5 and schema == "Person":
                aliases.add(cyrillic_name(row["name"]))
            elif roll < 0.7:
                aliases.add(row["name"].upper().replace("A", "E", 1))
            else:
                other = gen.row("x")
                if other["schema"] == row["schema"]:
                    aliases.add(other["name"])
        aliases.discard(row["name"])
        if aliases:
            props["alias"] = sorted(aliases)
    if row.get("country"):
        props["country" if schema != "Person" else "nationality"] = [row["country"]]
    if row.get("birth_date") and schema == "Person":
        props["birthDate"] = [row["birth_date"]]
    if row.get("identifier"):
        props["imoNumber" if schema == "Vessel" else "registrationNumber"] = [row["identifier"]]
    props["topics"] = ["sanction"]
    return {"id": f"synth-{n}", "schema": schema, "properties": props, "datasets": [DATASET]}


def write_list(path: Path, n: int, seed: int) -> dict:
    import orjson
    from monitor import PartyGenerator

    rng = random.Random(seed)
    gen = PartyGenerator(rng)
    names = 0
    t = time.perf_counter()
    with path.open("wb") as fh:
        for i in range(n):
            data = entity(rng, gen, i)
            names += len(data["properties"]["name"]) + len(data["properties"].get("alias", []))
            fh.write(orjson.dumps(data) + b"\n")
    return {"entities": n, "names": names, "bytes": path.stat().st_size, "write_s": time.perf_counter() - t}


# --- children ---------------------------------------------------------------------------


def child_load(spec: dict) -> dict:
    from chokepoint.lists.loader import load_path
    from chokepoint.lists.store import ListStore
    from chokepoint.settings import Settings

    store = ListStore.open(Settings(home=Path(spec["home"])))
    t = time.perf_counter()
    report = load_path(store, Path(spec["file"]), DATASET)
    wall = time.perf_counter() - t
    assert report.ok, report.error
    db = Path(spec["home"]) / "chokepoint.db"
    return {"load_s": wall, "db_bytes": db.stat().st_size, "peak_rss_mb": peak_rss_mb(),
            "version": report.outcome.version.id}


def child_build(spec: dict) -> dict:
    from chokepoint.lists.store import ListStore
    from chokepoint.matching.engine import index_path, load_index
    from chokepoint.settings import Settings

    settings = Settings(home=Path(spec["home"]))
    store = ListStore.open(settings)
    path = index_path(settings, store.active_versions())
    path.unlink(missing_ok=True)
    t = time.perf_counter()
    index = load_index(store, settings)
    wall = time.perf_counter() - t
    return {"build_s": wall, "names": len(index.names), "records": len(index.records), "rss_mb": rss_mb(),
            "peak_rss_mb": peak_rss_mb(), "cache_bytes": path.stat().st_size}


def make_queries(records, n: int, seed: int) -> list[tuple[str, str, object, object]]:
    """(kind, name, query, listed record or None): 15% names of the synthetic
    list, half of them with one letter changed to a vowel, the rest other
    names (bench/speedmix.py)."""
    from chokepoint.matching.records import PartyQuery
    from speedmix import innocent_query

    rng = random.Random(seed)
    queries = []
    for _ in range(n):
        if rng.random() < 0.15:
            record = records[rng.randrange(len(records))]
            name = record.caption
            if rng.random() < 0.5 and len(name) > 6:  # one letter changed
                i = rng.randrange(1, len(name) - 1)
                name = name[:i] + rng.choice("aeiou") + name[i + 1:]
            queries.append(("listed", name, PartyQuery.build(name=name, schema=record.schema), record))
        else:
            q = innocent_query(rng)
            queries.append(("innocent", q.name, PartyQuery.build(name=q.name, schema=q.schema), None))
    return queries


def child_query(spec: dict) -> dict:
    import gc

    from chokepoint.lists.store import ListStore
    from chokepoint.matching.engine import load_screener
    from chokepoint.matching.normalize import prepare_normalizer
    from chokepoint.settings import Settings

    settings = Settings(home=Path(spec["home"]))
    store = ListStore.open(settings)
    rss0 = rss_mb()
    t = time.perf_counter()
    screener = load_screener(store, settings)
    load_s = time.perf_counter() - t
    gc.freeze()
    rss_loaded = rss_mb()
    prepare_normalizer()
    queries = [(kind, query) for kind, _, query, _ in make_queries(screener.index.records, spec["queries"], spec["seed"])]
    for _, q in queries[:100]:  # warm-up
        screener.match(q)
    seconds, alerts = [], {"listed": 0, "innocent": 0}
    for kind, q in queries:
        t = time.perf_counter()
        matches = screener.match(q)
        seconds.append(time.perf_counter() - t)
        alerts[kind] += bool(matches)
    counts = {k: sum(1 for kind, _ in queries if kind == k) for k in alerts}
    return {"rss_before_mb": rss0, "load_s": load_s, "rss_loaded_mb": rss_loaded, "rss_after_mb": rss_mb(),
            "latency": latency_summary(seconds), "alerts": alerts, "counts": counts}


def run_child(kind: str, spec: dict) -> dict:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", kind, json.dumps(spec)], capture_output=True,
                          text=True, timeout=7200)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{proc.stderr[-3000:]}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith(MARK))
    out = json.loads(line[len(MARK):])
    out["process_wall_s"] = time.perf_counter() - t
    return out


# --- report -----------------------------------------------------------------------------


def render(d: dict) -> str:
    lst, load, build, query = d["list"], d["load"], d["build"], d["query"]
    lat = query["latency"]
    lines = [f"# The list index at {lst['entities']:,} listed entities", "",
             *machine_markdown(d["machine"], d["command"], d["started"], d["finished"]), "",
             "Synthetic list (see bench/index_scale.py): "
             f"{lst['entities']:,} entities, {lst['names']:,} names and aliases, "
             f"{lst['bytes'] / 1e6:,.0f} MB of FollowTheMoney JSON (written in {lst['write_s']:.0f} s).", "",
             "| step | |", "|---|---:|",
             f"| load into the store (`load_path`) | {load['load_s']:,.0f} s, database {load['db_bytes'] / 2**20:,.0f} MiB, "
             f"peak RSS {load['peak_rss_mb']:,.0f} MB |",
             f"| index build, no cache | **{build['build_s']:,.0f} s**, {build['names']:,} names, "
             f"peak RSS {build['peak_rss_mb']:,.0f} MB |",
             f"| index cache file | {build['cache_bytes'] / 2**20:,.0f} MiB |",
             f"| index load from the cache (fresh process) | **{query['load_s']:,.1f} s** |",
             f"| process RSS with the index loaded | **{query['rss_loaded_mb']:,.0f} MB** "
             f"(interpreter and imports: {query['rss_before_mb']:,.0f} MB); after the queries "
             f"{query['rss_after_mb']:,.0f} MB |",
             f"| screening latency, {lat['n']:,} queries (one process) | p50 {lat['p50_ms']:.2f} ms, "
             f"p95 {lat['p95_ms']:.2f} ms, p99 {lat['p99_ms']:.2f} ms |",
             f"| queries with a match | listed names {query['alerts']['listed']:,} / {query['counts']['listed']:,}, "
             f"other names {query['alerts']['innocent']:,} / {query['counts']['innocent']:,} |", "",
             "The other names come from the same name generator as the list, so common names match "
             "synthetic listed people of the same name: the share says nothing about precision, only that "
             "the queries do real work.", ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    parser.add_argument("--name", default="index_scale")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, spec = args.child
        fn = {"load": child_load, "build": child_build, "query": child_query}[kind]
        print(MARK + json.dumps(fn(json.loads(spec))), flush=True)
        return
    started = now_iso()
    data: dict = {"benchmark": "index_scale", "started": started, "command": command_line(),
                  "machine": machine_info(), "params": vars(args) | {"home": str(args.home)}}
    shutil.rmtree(args.home, ignore_errors=True)
    (args.home / "home").mkdir(parents=True)
    spec = {"home": str(args.home / "home"), "file": str(args.home / "list.json"), "seed": args.seed,
            "queries": args.queries}

    def say(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    data["list"] = write_list(Path(spec["file"]), args.entities, args.seed)
    say(f"list written: {data['list']}")
    data["load"] = run_child("load", spec)
    say(f"loaded: {data['load']}")
    data["build"] = run_child("build", spec)
    say(f"index built: {data['build']}")
    data["query"] = run_child("query", spec)
    say(f"queried: {data['query']}")
    data["finished"] = now_iso()
    data["self_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    md, js = write_results(args.name, render(data), data)
    say(f"wrote {md} and {js}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
