"""Benchmark: assessing one order of 50 lines and 6 parties (issue 4 goal:
under 50 ms after start-up).

Measured on the bundled lists, in one process:

* start-up: loading the screener (index cache) and the first assessment
  (reference data, keyword patterns, listed-address index);
* the steady state: 200 assessments of the same order after 10 warm-up
  runs, median / p95 / max, and the share of each phase (validation,
  party screening, goods, route and rules) measured separately.

    /work/main/.venv/bin/python bench/assess.py [--home DIR] [--runs N]

Writes bench/out/assess.md and bench/out/assess.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
GOAL_MS = 50.0

PARTIES = [
    {"role": "seller", "name": "Arcadia Semiconductor Distribution Inc.", "country": "US",
     "address": "2200 Mission College Blvd, Santa Clara, CA 95054"},
    {"role": "buyer", "name": "Al Noor Star General Trading LLC", "country": "AE",
     "address": "Office 1412, Al Moosa Tower 2, Sheikh Zayed Road, Dubai", "business": "general trading",
     "email": "alnoorstar.trading@gmail.com"},
    {"role": "consignee", "name": "Crescent Bay Electronics FZE", "country": "AE",
     "address": "Citadel Tower, Office 504, Floor 5, Business Bay, Dubai", "business": "electronic components supplier"},
    {"role": "end_user", "name": "ООО «Оборонлогистика»", "country": "RU",
     "address": "ул. Гончарная, д. 28, стр. 2, Москва 115172"},
    {"role": "freight_forwarder", "name": "Gulf Horizon Shipping & Logistics LLC", "country": "AE",
     "business": "sea freight forwarding"},
    {"role": "payer", "name": "Pacific Bright Trading Limited", "country": "HK",
     "address": "Unit 1803, 18/F, Tower 2, Lippo Centre, 89 Queensway, Admiralty, Hong Kong"},
]

LINE_KINDS = [
    {"description": "32-bit microcontroller", "hs_code": "8542.31.0000", "part_number": "STM32F405RGT6", "eccn": "EAR99"},
    {"description": "FPGA Artix-7", "hs_code": "8542.39.0001", "part_number": "XC7A35T-1CPG236C", "eccn": "3A991.a"},
    {"description": "MLCC 10uF 0805", "hs_code": "8532.24", "part_number": "GRM21BR61E106KA73L"},
    {"description": "GNSS receiver module", "hs_code": "8526.91.0040", "part_number": "ZED-F9P-04B"},
    {"description": "Brushless DC motor 400 W", "hs_code": "8501.31.00"},
    {"description": "Ball bearing 6204-2RS", "hs_code": "8482.10.10"},
    {"description": "IMU module, 6-axis, industrial grade", "part_number": "ADIS16470AMLZ"},
    {"description": "Servo actuator for control surfaces"},
    {"description": "Power supply 24 V DIN rail", "hs_code": "8504.40.9500"},
    {"description": "Printed circuit board, 6 layers", "hs_code": "8534.00.0000"},
]


def benchmark_order() -> dict:
    """The 50-line, 6-party order: CHPL and Supp. 7 lines, keyword-only
    lines, unlisted lines; a listed end user, a consignee at a listed
    address, a third-country payer and a Caspian route."""
    lines = []
    for i in range(50):
        line = dict(LINE_KINDS[i % len(LINE_KINDS)])
        line["description"] = f"{line['description']} (item {i + 1})"
        line.update(quantity=100 + i, unit_value=round(1.5 + i * 0.37, 2), currency="USD")
        lines.append(line)
    return {
        "id": "BENCH-50x6", "date": "2024-06-01", "currency": "USD", "parties": PARTIES, "lines": lines,
        "route": [{"country": "US", "port": "Los Angeles", "unlocode": "USLAX"},
                  {"country": "AE", "port": "Jebel Ali", "unlocode": "AEJEA"},
                  {"country": "IR", "port": "Amirabad", "unlocode": "IRAMD"},
                  {"country": "RU", "port": "Makhachkala", "unlocode": "RUMCX"}],
        "payment": {"payer": "Pacific Bright Trading Limited", "payer_country": "HK", "method": "wire"},
        "end_use": "resale", "end_use_statement": "refused",
    }


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between ranks."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"runs": len(ms), "median": statistics.median(ms), "p95": percentile(ms, 95), "max": max(ms),
            "min": min(ms), "mean": statistics.fmean(ms)}


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "load_average": list(os.getloadavg())}


def run(home: Path, runs: int) -> dict:
    from chokepoint.lists.loader import load_bundled
    from chokepoint.lists.store import ListStore
    from chokepoint.matching.engine import load_screener
    from chokepoint.settings import Settings
    from chokepoint.trade.assess import Assessor
    from chokepoint.trade.order import parse_order
    from chokepoint.trade.parties import party_query

    settings = Settings(home=home)
    store = ListStore.open(settings)
    start = time.perf_counter()
    load_bundled(store)
    loaded_s = time.perf_counter() - start
    start = time.perf_counter()
    screener = load_screener(store, settings)
    screener_s = time.perf_counter() - start
    data = benchmark_order()
    lists = [v.to_json() for v in store.active_versions()]

    start = time.perf_counter()
    assessor = Assessor(screener, lists=lists)
    first = assessor.assess(parse_order(data))
    first_s = time.perf_counter() - start
    for _ in range(10):
        assessor.assess(parse_order(data))

    total = timed(lambda: assessor.assess(parse_order(data)), runs)
    order = parse_order(data)
    phases = {
        "validation (parse_order)": timed(lambda: parse_order(data), runs),
        "assessment of a parsed order": timed(lambda: assessor.assess(order), runs),
        "name screening (6 parties)": timed(
            lambda: [assessor.screener.match(party_query(p, i), limit=5) for i, p in enumerate(order.parties)], runs),
        "listed-address look-ups (6 parties)": timed(
            lambda: [assessor.addresses.match(p.address) for p in order.parties], runs),
        "goods (50 lines)": timed(lambda: [assessor.goods.assess_line(l, i) for i, l in enumerate(order.lines)], runs),
        "JSON output (to_json)": timed(lambda: json.dumps(first.to_json()), runs),
    }
    return {
        "order": {"lines": len(order.lines), "parties": len(order.parties), "stops": len(order.route),
                  "level": first.level.label, "reasons": len(first.reasons)},
        "startup_s": {"load_bundled (no-op when loaded)": loaded_s, "load_screener": screener_s,
                      "first assessment (builds caches)": first_s},
        "total_ms": summary_ms(total),
        "phases_ms": {name: summary_ms(values) for name, values in phases.items()},
        "goal_ms": GOAL_MS,
        "machine": machine(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).as_posix(), *sys.argv]),
        "lists": [v["id"] for v in lists],
    }


def markdown(result: dict) -> str:
    t = result["total_ms"]
    verdict = "meets" if t["p95"] < GOAL_MS else ("median meets" if t["median"] < GOAL_MS else "misses")
    out = [
        "# chokepoint: assessing an order", "",
        f"One order of {result['order']['lines']} lines, {result['order']['parties']} parties and "
        f"{result['order']['stops']} route stops (level `{result['order']['level']}`, "
        f"{result['order']['reasons']} reasons), assessed {t['runs']} times after 10 warm-up runs, on the bundled "
        f"lists ({len(result['lists'])} list versions). Wall-clock `time.perf_counter`, one process.", "",
        "| | |", "|---|---|",
        f"| Date | {result['date']} |", f"| Command | `{result['command']}` |",
        f"| CPU | {result['machine']['cpu']}, {result['machine']['cores']} cores |",
        f"| Python | {result['machine']['python']} ({result['machine']['platform']}) |",
        f"| Load average at start | {' / '.join(f'{x:.2f}' for x in result['machine']['load_average'])} |", "",
        f"**Validation + assessment: median {t['median']:.1f} ms, p95 {t['p95']:.1f} ms, max {t['max']:.1f} ms** "
        f"(goal < {GOAL_MS:.0f} ms: {verdict}).", "",
        "| phase (measured separately) | median ms | p95 ms | max ms |", "|---|---:|---:|---:|",
        f"| validation + assessment | {t['median']:.2f} | {t['p95']:.2f} | {t['max']:.2f} |",
    ]
    for name, s in result["phases_ms"].items():
        out.append(f"| {name} | {s['median']:.2f} | {s['p95']:.2f} | {s['max']:.2f} |")
    out += ["", "Start-up (once per process):", "", "| step | s |", "|---|---:|"]
    out += [f"| {name} | {value:.2f} |" for name, value in result["startup_s"].items()]
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="data folder (default: $CHOKEPOINT_HOME or a temp dir)")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    home = args.home or (Path(os.environ["CHOKEPOINT_HOME"]) if os.environ.get("CHOKEPOINT_HOME")
                         else Path(tempfile.mkdtemp(prefix="cp-bench-assess-")))
    result = run(home, args.runs)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "assess.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")
    (OUT_DIR / "assess.md").write_text(markdown(result), "utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()
