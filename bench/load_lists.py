"""Benchmark: loading the bundled lists into a fresh store.

Each run is a fresh Python process loading every bundled list with
``load_bundled`` into an empty store (a new temporary SQLite home; one run
also into a fresh PostgreSQL schema). Per dataset it reports the time to
parse (format detection + parsing + FtM entity building) and to store (the
``ListStore.load`` transaction), the entity and target counts, and per run
the total and the process's peak RSS.

Goal (issue): all bundled lists load in under 60 s on a 2-core machine.

    /work/main/.venv/bin/python bench/load_lists.py [--runs 3] [--no-postgres]

Writes bench/out/load_lists.md and bench/out/load_lists.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchenv import (  # noqa: E402
    command_line,
    fmt,
    machine_info,
    machine_markdown,
    Phases,
    now_iso,
    peak_rss_mb,
    snapshot_source,
    source_changed_since,
    wait_idle,
    write_results,
)

GOAL_SECONDS = 60.0
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MARK = "@@RESULT@@"


# --- one run, in a fresh process ------------------------------------------------


def child_run(spec: dict) -> dict:
    """Load all bundled lists into the store ``spec`` describes."""
    t0 = time.perf_counter()
    from chokepoint.lists.catalog import bundled_datasets
    from chokepoint.lists.loader import load_bundled
    from chokepoint.lists.store import ListStore
    from chokepoint.settings import Settings

    t_import = time.perf_counter() - t0
    home = Path(spec["home"])
    settings = Settings(home=home, database_url=spec.get("database_url"))
    t = time.perf_counter()
    store = ListStore.open(settings)
    t_open = time.perf_counter() - t

    # time the store transaction inside load_bundled: wrap this instance's load
    store_times: list[float] = []
    original = store.load

    def timed_load(*args, **kwargs):
        ts = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            store_times.append(time.perf_counter() - ts)

    store.load = timed_load  # type: ignore[method-assign]

    datasets = []
    t_all = time.perf_counter()
    for info in bundled_datasets():
        store_times.clear()
        ts = time.perf_counter()
        reports = load_bundled(store, [info.name])
        wall = time.perf_counter() - ts
        stored = sum(store_times)
        row = {"dataset": info.name, "wall_s": wall, "store_s": stored, "parse_s": wall - stored}
        if reports and reports[0].ok and reports[0].outcome is not None:
            v = reports[0].outcome.version
            row.update(entities=v.entity_count, targets=v.target_count, created=reports[0].outcome.created,
                       warnings=len(reports[0].warnings), format=v.format)
        else:
            row.update(error=reports[0].error if reports else "not loaded")
        datasets.append(row)
    t_load = time.perf_counter() - t_all
    import chokepoint

    out = {
        "chokepoint_file": chokepoint.__file__,
        "backend": store.engine.dialect.name,
        "import_s": t_import,
        "open_migrate_s": t_open,
        "load_s": t_load,
        "total_s": t_open + t_load,
        "datasets": datasets,
        "peak_rss_mb": peak_rss_mb(),
    }
    if spec.get("reload"):
        # loading byte-identical files again: a no-op for the store, but
        # the files are parsed before their hash is known to be loaded
        store.load = original  # type: ignore[method-assign]
        ts = time.perf_counter()
        reports = load_bundled(store)
        out["identical_reload_s"] = time.perf_counter() - ts
        out["identical_reload_created"] = sum(1 for r in reports if r.outcome and r.outcome.created)
    if store.engine.dialect.name == "sqlite":
        db = home / "chokepoint.db"
        out["db_bytes"] = sum(p.stat().st_size for p in home.glob("chokepoint.db*") if p.is_file()) if db.exists() else None
    else:
        from sqlalchemy import text

        with store.engine.connect() as conn:
            out["db_bytes"] = conn.execute(text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r'")).scalar()
            out["db_bytes"] = int(out["db_bytes"] or 0)
    store.engine.dispose()
    return out


def run_child(spec: dict) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)],
                          capture_output=True, text=True)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    raise RuntimeError(f"child run failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")


# --- the benchmark ------------------------------------------------------------------


def sqlite_run(i: int, reload: bool) -> dict:
    home = Path(tempfile.mkdtemp(prefix=f"cp-loadbench-{i}-"))
    try:
        return run_child({"home": str(home), "reload": reload})
    finally:
        shutil.rmtree(home, ignore_errors=True)


def postgres_run(base_url: str) -> dict:
    from sqlalchemy import create_engine, text

    schema = f"cp_loadbench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    home = Path(tempfile.mkdtemp(prefix="cp-loadbench-pg-"))
    try:
        url = f"{base_url}?options=-csearch_path%3D{schema}"
        result = run_child({"home": str(home), "database_url": url})
        result["schema"] = schema
        return result
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
        shutil.rmtree(home, ignore_errors=True)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def render(info: dict, command: str, started: str, finished: str, runs: list[dict], pg: dict | None,
           pg_error: str | None, source: dict) -> str:
    names = [d["dataset"] for d in runs[0]["datasets"]]
    totals = [r["total_s"] for r in runs]
    med_total = median(totals)
    verdict = "met" if max(totals) < GOAL_SECONDS else "MISSED"
    lines = [
        "# Loading the bundled lists",
        "",
        "Every run is a fresh Python process that opens an empty store (migrations included) in a new "
        "temporary folder and calls `load_bundled(store, [dataset])` for each bundled dataset in catalogue "
        "order. *Parse* is everything `load_path` does before the store transaction (format detection, "
        "parsing, building the FtM entities); *store* is the `ListStore.load` transaction (version row, "
        "entity inserts, activation), timed by wrapping that method.",
        "",
        *machine_markdown(info, command, started, finished, source),
        "",
        "## Summary",
        "",
        f"Goal: all bundled lists in under {GOAL_SECONDS:.0f} s on this {info['nproc']}-core machine → "
        f"**{verdict}** (median total {med_total:.1f} s over {len(runs)} SQLite runs, slowest {max(totals):.1f} s).",
        "",
        "| run | backend | open + migrate (s) | load all lists (s) | total (s) | peak RSS (MB) | database size (MB) | other processes, cores busy |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    all_runs = [(f"{i + 1}", r) for i, r in enumerate(runs)] + ([("pg", pg)] if pg else [])
    for label, r in all_runs:
        db = r.get("db_bytes")
        lines.append(f"| {label} | {r['backend']} | {r['open_migrate_s']:.2f} | {r['load_s']:.2f} | "
                     f"**{r['total_s']:.2f}** | {r['peak_rss_mb']:.0f} | {fmt(db / 1e6 if db else None, 1)} | "
                     f"{r.get('other_cpu_cores', 0):.2f} |")
    lines += ["", "*Other processes, cores busy*: CPU time used by everything else on the machine during the "
              "run (from /proc/stat, minus this benchmark's processes) per second of wall time; near 0 means "
              "the run had the machine to itself. For the PostgreSQL run it includes the database server's own work."]
    if pg_error:
        lines += ["", f"PostgreSQL run failed: `{pg_error}`"]
    lines += [
        "",
        f"Python start-up plus importing chokepoint's loader costs another {median([r['import_s'] for r in runs]):.2f} s "
        "per process (not included above).",
    ]
    if "identical_reload_s" in runs[0]:
        lines += [
            f"Loading the same files again into the filled store (run 1; a no-op for the store: "
            f"{runs[0]['identical_reload_created']} new versions) took {runs[0]['identical_reload_s']:.2f} s, "
            "because each source is parsed completely before its hash is found to be loaded already.",
        ]
    lines += [
        "",
        "## Per dataset (SQLite: median of the runs; PostgreSQL: the one run)",
        "",
        "| dataset | format | entities | targets | parse (s) | store (s) | total (s) | min–max total (s) | PostgreSQL total (s) (store) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    sums = {"parse": 0.0, "store": 0.0, "wall": 0.0, "ent": 0, "tgt": 0, "pg": 0.0}
    for i, name in enumerate(names):
        rows = [r["datasets"][i] for r in runs]
        first = rows[0]
        parse = median([x["parse_s"] for x in rows])
        store = median([x["store_s"] for x in rows])
        wall = median([x["wall_s"] for x in rows])
        walls = [x["wall_s"] for x in rows]
        pgrow = pg["datasets"][i] if pg else None
        sums["parse"] += parse
        sums["store"] += store
        sums["wall"] += wall
        sums["ent"] += first.get("entities", 0)
        sums["tgt"] += first.get("targets", 0)
        pg_cell = "–"
        if pgrow:
            sums["pg"] += pgrow["wall_s"]
            pg_cell = f"{pgrow['wall_s']:.2f} ({pgrow['store_s']:.2f})"
        err = f" **error: {first['error']}**" if "error" in first else ""
        lines.append(
            f"| {name}{err} | {first.get('format', '')} | {first.get('entities', 0):,} | {first.get('targets', 0):,} | "
            f"{parse:.2f} | {store:.2f} | {wall:.2f} | {min(walls):.2f}–{max(walls):.2f} | {pg_cell} |"
        )
    lines.append(
        f"| **all** | | **{sums['ent']:,}** | **{sums['tgt']:,}** | **{sums['parse']:.2f}** | "
        f"**{sums['store']:.2f}** | **{sums['wall']:.2f}** | | {fmt(sums['pg'] if pg else None)} |"
    )
    lines += [
        "",
        "Entities include the non-target entities the parsers emit (addresses, identifications, "
        "sanctions, …); targets are the listed parties (Person, Organization, Company, LegalEntity, "
        "Vessel, Airplane) that screening uses.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="SQLite runs (default 3)")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL run")
    parser.add_argument("--pg-url", default=PG_URL, help=f"PostgreSQL server (default {PG_URL})")
    parser.add_argument("--name", default="load_lists", help="output file stem under bench/out/")
    parser.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                        help="first wait (at most this long) until other processes leave the CPUs idle for 15 s")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(MARK + json.dumps(child_run(json.loads(args.child))), flush=True)
        return

    waited = wait_idle(args.wait_idle) if args.wait_idle else None
    source = snapshot_source()
    started = now_iso()
    command = command_line()
    info = machine_info()
    runs = []
    phases = Phases()
    for i in range(args.runs):
        r = sqlite_run(i, reload=(i == 0))
        phases.end(f"sqlite run {i + 1}")
        r["other_cpu_cores"] = phases.rows[-1]["other_cpu_cores"]
        print(f"sqlite run {i + 1}: total {r['total_s']:.2f} s, peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
        runs.append(r)
    pg, pg_error = None, None
    if not args.no_postgres:
        try:
            pg = postgres_run(args.pg_url)
            phases.end("postgres run")
            # the PostgreSQL server's own CPU shows up here as "other" load
            pg["other_cpu_cores"] = phases.rows[-1]["other_cpu_cores"]
            print(f"postgres run: total {pg['total_s']:.2f} s, peak RSS {pg['peak_rss_mb']:.0f} MB", flush=True)
        except Exception as exc:  # report, do not lose the SQLite results
            pg_error = f"{type(exc).__name__}: {str(exc).strip()[-600:]}"
            print("postgres run failed:", pg_error, flush=True)
    finished = now_iso()
    source["changed_during_run"] = source_changed_since(source)
    info["loadavg_at_end"] = [round(x, 2) for x in __import__("os").getloadavg()]
    totals = [r["total_s"] for r in runs]
    data = {
        "benchmark": "load_lists",
        "started": started,
        "finished": finished,
        "command": command,
        "machine": info,
        "source": source,
        "waited_for_idle": waited,
        "goal_seconds": GOAL_SECONDS,
        "goal_met": max(totals) < GOAL_SECONDS,
        "median_total_s": median(totals),
        "sqlite_runs": runs,
        "postgres_run": pg,
        "postgres_error": pg_error,
    }
    md, js = write_results(args.name, render(info, command, started, finished, runs, pg, pg_error, source), data)
    print(f"wrote {md} and {js}")


if __name__ == "__main__":
    main()
