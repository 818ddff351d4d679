"""Batch screening on Spark against the local engine (issue 8).

    .venv/bin/python bench/spark.py [--rows 1000000] [--local-workers 1,2] [--masters local[1],local[2]]
                                    [--resume] [--quick]

In a scratch data folder (never ~/.local): the bundled lists loaded and
their index cache built; N synthetic parties (bench/speedmix.py: 15% listed
names, exact or varied, the rest innocent names of many cultures, seeded)
written as CSV; then the same file screened by

* the local engine, one process and two (``chokepoint screen --workers``),
* the Spark engine for each master (``chokepoint screen --engine spark``),

each in its own process (tree), timed from start to the output file
written, with the peak memory of the whole process tree sampled from
/proc. Every output must be the same file (sha256) as the local engine's.
Results: bench/out/spark.md and .json.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchenv import machine_info, machine_markdown, now_iso, write_results  # noqa: E402
from speedmix import iter_mix  # noqa: E402

WORK = Path(os.environ.get("CHOKEPOINT_BENCH_DIR", "/tmp/chokepoint-bench-spark"))


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = pages
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total * os.sysconf("SC_PAGE_SIZE") / 1e6


def timed(cmd: list[str], env: dict) -> dict:
    peak = [0.0]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], tree_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{output[-3000:]}")
    # the CLI's summary ("N rows: a alert, c clear, e error"); Spark logs may follow it
    summary = [line for line in output.splitlines() if " rows: " in line][-1:]
    return {"wall_s": wall, "peak_tree_rss_mb": peak[0], "output": summary or output.strip().splitlines()[-1:]}


def sha256(path: Path, lines: int | None = None) -> str:
    """sha256 of a file, or of its first ``lines`` lines."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        if lines is None:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        else:
            for _, line in zip(range(lines), fh):
                digest.update(line)
    return digest.hexdigest()


def prefix_check(table: Path, n: int, runs: list[dict], chokepoint: list[str], env: dict) -> dict:
    """Screen the first ``n`` rows with the local engine; compare with each run's first ``n`` output lines.

    Rows are numbered from the top of the input, so the local engine's output
    for the prefix must be the first ``n`` lines of any full run's output."""
    head = WORK / f"{table.stem}-first-{n}.csv"
    if not head.exists():
        with table.open("rb") as src, head.open("wb") as dst:
            for _, line in zip(range(n + 1), src):  # the header and n rows
                dst.write(line)
    out = WORK / f"out-first-{n}-local-2.jsonl"
    out.unlink(missing_ok=True)
    started = now_iso()
    result = timed([*chokepoint, "screen", str(head), "--out", str(out), "--workers", "2"], env)
    reference = sha256(out)
    same = {run["config"]: sha256(output_file(run["config"]), n) == reference for run in runs}
    print(f"first {n:,} rows, local engine 2 processes: {result['wall_s']:.1f} s, "
          f"{n / result['wall_s']:.0f} rows/s; same as: {same}", flush=True)
    return {"rows": n, "wall_s": result["wall_s"], "rows_per_s": n / result["wall_s"],
            "peak_tree_rss_mb": result["peak_tree_rss_mb"], "sha256": reference, "same": same,
            "started": started}


def same_text(same: bool | None) -> str:
    if same is None:
        return "not run in full (see the prefix check)"
    return "yes" if same else "**no**"


def output_file(label: str) -> Path:
    """Where the run of one configuration writes its output."""
    return WORK / ("out-" + "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-") + ".jsonl")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--masters", default="local[1],local[2]",
                        help="Spark masters to run, comma-separated ('' for none)")
    parser.add_argument("--local-workers", default="1,2",
                        help="local engine process counts to run, comma-separated ('' for none)")
    parser.add_argument("--prefix-check", type=int, default=0, metavar="N",
                        help="also screen the input's first N rows with the local engine (2 processes) and "
                             "compare with the first N lines of every run's output (for inputs too large to "
                             "screen in full with every engine)")
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--resume", action="store_true",
                        help="keep the runs already recorded for this input (runs-ROWS.json) instead of repeating them")
    args = parser.parse_args()
    rows = 100_000 if args.quick else args.rows
    started = now_iso()
    info = machine_info()

    WORK.mkdir(parents=True, exist_ok=True)
    home = WORK / "home"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    chokepoint = [sys.executable, "-c", "from chokepoint.cli import app; app()", "--home", str(home)]

    from chokepoint.lists.loader import load_bundled
    from chokepoint.lists.store import ListStore
    from chokepoint.matching.engine import load_screener
    from chokepoint.settings import Settings

    settings = Settings(home=home)
    store = ListStore.open(settings)
    load_bundled(store)
    screener = load_screener(store, settings)  # builds the index cache file once
    records = screener.index.records

    table = WORK / f"parties-{rows}.csv"
    if not table.exists():
        partial = table.with_suffix(".partial")
        with partial.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=["id", "name", "schema", "country", "birth_date"])
            writer.writeheader()
            for i, query in enumerate(iter_mix(records, rows, args.seed)):
                row = query.row(i)
                writer.writerow({k: row.get(k, "") for k in writer.fieldnames})
        partial.rename(table)
    done_file = WORK / f"runs-{rows}.json"
    # with --resume, earlier runs on this input whose output file is still there, unchanged
    recorded = json.loads(done_file.read_text()) if args.resume and done_file.exists() else []
    done = {r["config"]: r for r in recorded
            if output_file(r["config"]).exists() and sha256(output_file(r["config"])) == r["sha256"]}
    configs = [(f"local engine, {n} process{'es' if n != '1' else ''}", ["--workers", n])
               for n in filter(None, args.local_workers.split(","))]
    configs += [(f"Spark {m}", ["--engine", "spark", "--master", m]) for m in filter(None, args.masters.split(","))]
    runs = list(done.values())
    for label, extra in configs:
        if label in done:
            print(f"{label}: kept from {done[label].get('started', 'an earlier run')}", flush=True)
            continue
        out = output_file(label)
        out.unlink(missing_ok=True)
        run_started = now_iso()
        result = timed([*chokepoint, "screen", str(table), "--out", str(out), *extra], env)
        runs.append({"config": label, "args": extra, **result, "rows_per_s": rows / result["wall_s"],
                     "sha256": sha256(out), "started": run_started, "git": info["git"]})
        done_file.write_text(json.dumps(runs, indent=1))
        print(f"{label}: {result['wall_s']:.1f} s, {rows / result['wall_s']:.0f} rows/s, "
              f"peak {result['peak_tree_rss_mb']:.0f} MB", flush=True)
    prefix = prefix_check(table, args.prefix_check, runs, chokepoint, env) if args.prefix_check else None
    runs.sort(key=lambda r: (not r["config"].startswith("local"), r["config"]))
    # the local engine's output, when it ran on the whole input
    local = [run for run in runs if run["config"].startswith("local")]
    reference = local[0]["sha256"] if local else None
    for run in runs:
        run["same_as_local"] = None if reference is None else run["sha256"] == reference
    finished = now_iso()
    lines = [f"# Batch screening: local engine and Spark ({rows:,} rows)", ""]
    lines += machine_markdown(info, " ".join(sys.argv), started, finished)
    lines += ["", f"Input: {rows:,} synthetic parties (bench/speedmix.py, seed {args.seed}; 15% listed names, "
              "exact or varied), CSV; screened against the 13 bundled lists; output JSONL. Each run is a fresh "
              "process (tree): interpreter start, index load, screening, writing; peak memory is the sum over "
              "the process tree (JVM and Python workers included).", "",
              "| engine | wall s | rows/s | peak memory MB | output identical to the local engine | run started |",
              "|---|---:|---:|---:|---|---|"]
    for run in runs:
        lines.append(f"| {run['config']} | {run['wall_s']:.1f} | {run['rows_per_s']:,.0f} | "
                     f"{run['peak_tree_rss_mb']:,.0f} | {same_text(run['same_as_local'])} | {run.get('started', '')} |")
    if prefix:
        lines += ["", f"Prefix check: the input's first {prefix['rows']:,} rows screened by the local engine "
                  f"(2 processes) in {prefix['wall_s']:.1f} s ({prefix['rows_per_s']:,.0f} rows/s, peak "
                  f"{prefix['peak_tree_rss_mb']:,.0f} MB); the first {prefix['rows']:,} lines of each run's "
                  "output are " + "; ".join(f"{c}: {'identical' if ok else '**different**'}"
                                             for c, ok in prefix["same"].items()) + "."]
    name = "spark-quick" if args.quick else "spark" if rows == 1_000_000 else f"spark-{rows}"
    write_results(name, "\n".join(lines) + "\n",
                  {"rows": rows, "runs": runs, "prefix_check": prefix, "started": started, "finished": finished})


if __name__ == "__main__":
    main()
