"""Shared plumbing of the performance benchmarks (load_lists.py, speed.py):
machine facts, the exact command, percentiles, RSS readings and writing
the results as markdown and JSON under bench/out/."""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def mem_total_mb() -> float | None:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024
    return None


def nproc() -> int:
    try:
        return int(subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout)
    except (OSError, ValueError, subprocess.CalledProcessError):
        return len(os.sched_getaffinity(0))


def git_revision() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return rev + (" (src/ has uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def source_digest(package_dir: Path) -> str:
    """sha256 over the package's files (paths and contents), caches excluded."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package_dir)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def dirty_source_files() -> list[str]:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [line[3:] for line in out.splitlines() if line.strip()]


def snapshot_source() -> dict:
    """Run the benchmark on a private copy of src/chokepoint.

    Others edit the working tree while benchmarks run; a copy taken at the
    start keeps every measurement (and every child process, through
    PYTHONPATH) on the same code. Call before importing chokepoint."""
    if "chokepoint" in sys.modules:
        raise RuntimeError("snapshot_source() must run before chokepoint is imported")
    live = ROOT / "src" / "chokepoint"
    tmp = Path(tempfile.mkdtemp(prefix="cp-bench-src-"))
    shutil.copytree(live, tmp / "chokepoint", ignore=shutil.ignore_patterns("__pycache__"))
    atexit.register(shutil.rmtree, tmp, True)
    sys.path.insert(0, str(tmp))
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(tmp) + (os.pathsep + old if old else "")
    import chokepoint

    assert Path(chokepoint.__file__).resolve().is_relative_to(tmp.resolve()), chokepoint.__file__
    return {"snapshot_of": str(live), "digest": source_digest(tmp / "chokepoint"),
            "uncommitted": dirty_source_files()}


def source_changed_since(snapshot: dict) -> bool:
    return source_digest(Path(snapshot["snapshot_of"])) != snapshot["digest"]


def package_versions(names: list[str]) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def machine_info() -> dict:
    return {
        "nproc": nproc(),
        "cpu_model": cpu_model(),
        "mem_total_mb": round(mem_total_mb() or 0),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "git": git_revision(),
        "packages": package_versions(["chokepoint", "nomenklatura", "followthemoney", "rigour",
                                      "rapidfuzz", "numpy", "SQLAlchemy", "psycopg"]),
    }


def command_line() -> str:
    """The command as typed (interpreter, script relative to the cwd, args)."""
    return shlex.join([sys.executable, *sys.argv])


def now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def rss_mb() -> float:
    """Current resident set size of this process."""
    for line in _read("/proc/self/status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """Peak RSS of this process (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def _system_busy_s() -> float:
    """CPU seconds all processes have used since boot (/proc/stat)."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    return cpu_s(resource.RUSAGE_SELF) + cpu_s(resource.RUSAGE_CHILDREN)


class Phases:
    """Wall time of each phase and how busy *other* processes kept the CPUs
    meanwhile (all CPU used minus this benchmark's own and its children's)."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self._mark()

    def _mark(self) -> None:
        self._t, self._busy, self._own = time.perf_counter(), _system_busy_s(), _own_cpu_s()

    def end(self, name: str) -> None:
        wall = time.perf_counter() - self._t
        other = max(0.0, (_system_busy_s() - self._busy) - (_own_cpu_s() - self._own))
        self.rows.append({"phase": name, "wall_s": wall, "other_cpu_cores": other / wall if wall else 0.0})
        self._mark()


def wait_idle(limit: float, quiet: float = 15.0, step: float = 5.0) -> dict:
    """Wait until other processes have used < 0.08 cores for ``quiet`` seconds."""
    t0 = time.perf_counter()
    calm = 0.0
    while time.perf_counter() - t0 < limit:
        p = Phases()
        time.sleep(step)
        p.end("probe")
        calm = calm + step if p.rows[0]["other_cpu_cores"] < 0.08 else 0.0
        if calm >= quiet:
            return {"seconds": time.perf_counter() - t0, "idle": True}
    return {"seconds": time.perf_counter() - t0, "idle": False}


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile, q in 0..100."""
    if not values:
        return float("nan")
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    pos = (len(data) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def latency_summary(seconds: list[float]) -> dict:
    """p50/p95/p99/max/mean in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms) if ms else float("nan"),
        "mean_ms": sum(ms) / len(ms) if ms else float("nan"),
    }


def machine_markdown(info: dict, command: str, started: str, finished: str, source: dict | None = None) -> list[str]:
    pk = ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    src = []
    if source:
        dirty = ", ".join(f"`{f}`" for f in source["uncommitted"]) or "none"
        changed = " (the working tree changed during the run; the copy did not)" if source.get("changed_during_run") else ""
        src = [f"| Code measured | copy of `{source['snapshot_of']}` taken at the start, digest `{source['digest']}`; "
               f"uncommitted files in src/ at the start: {dirty}{changed} |"]
    return [
        "| | |",
        "|---|---|",
        f"| Date | {started} (finished {finished}) |",
        f"| Command | `{command}` (cwd `{os.getcwd()}`) |",
        f"| Git | {info['git']} |",
        *src,
        f"| CPU | {info['cpu_model']}, `nproc` = {info['nproc']} |",
        f"| Memory | {info['mem_total_mb']:,} MB total |",
        f"| Python | {info['python']} ({info['platform']}) |",
        f"| Load average at start | {' / '.join(str(x) for x in info['loadavg_at_start'])} (1 / 5 / 15 min) |",
        f"| Packages | {pk} |",
    ]


def write_results(name: str, markdown: str, data: dict) -> tuple[Path, Path]:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    md_path = OUT_DIR / f"{name}.md"
    json_path = OUT_DIR / f"{name}.json"
    md_path.write_text(markdown, encoding="utf-8")
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return md_path, json_path


def fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"
