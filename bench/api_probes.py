"""Probes inside the service's processes, for bench/load_api.py.

The benchmark starts ``chokepoint serve`` with a ``sitecustomize.py`` on
PYTHONPATH that calls :func:`install`, so every process of the server,
the spawned uvicorn workers included, writes one line to stderr (the
server log) for each

* ``GCPAUSE``: collection of the garbage collector's oldest generation,
  or any collection over 20 ms (``gc.callbacks``);
* ``LOOPSTALL``: stretch of over 100 ms in which the worker's event loop
  ran nothing else (a task that sleeps 10 ms at a time and measures how
  late it wakes);
* ``AUDITSLOW``: ``AuditLog.append`` call (one transaction of the audit
  writer) that took over 100 ms.

They observe; they change nothing the service does. With
``CP_BENCH_GC_FREEZE=1`` (an experiment, not the product) the workers
also call ``gc.collect(); gc.freeze()`` right after the service state has
loaded its index, so later collections no longer walk the index.
"""

from __future__ import annotations

import gc
import os
import sys
import time

_started: dict[str, float] = {}


def _say(kind: str, **fields) -> None:
    text = " ".join(f"{k}={v}" for k, v in fields.items())
    print(f"{kind} {text} pid={os.getpid()} t={time.time():.3f}", file=sys.stderr, flush=True)


def _gc_callback(phase: str, info: dict) -> None:
    if phase == "start":
        _started["t"] = time.perf_counter()
        return
    took = time.perf_counter() - _started.get("t", time.perf_counter())
    if info["generation"] == 2 or took > 0.02:
        _say("GCPAUSE", gen=info["generation"], ms=f"{took * 1000:.1f}", collected=info["collected"])


async def _loop_monitor() -> None:
    import asyncio

    while True:
        t = time.perf_counter()
        await asyncio.sleep(0.01)
        late = time.perf_counter() - t - 0.01
        if late > 0.1:
            _say("LOOPSTALL", ms=f"{late * 1000:.1f}")


def _watch_loop() -> None:
    from uvicorn import server

    startup = server.Server.startup

    async def startup_then_watch(self, *args, **kwargs):
        import asyncio

        result = await startup(self, *args, **kwargs)
        self._bench_loop_monitor = asyncio.get_running_loop().create_task(_loop_monitor())
        return result

    server.Server.startup = startup_then_watch


def _watch_audit() -> None:
    from chokepoint.service import audit

    append = audit.AuditLog.append

    def timed_append(self, entries, *args, **kwargs):
        t = time.perf_counter()
        try:
            return append(self, entries, *args, **kwargs)
        finally:
            took = time.perf_counter() - t
            if took > 0.1:
                _say("AUDITSLOW", ms=f"{took * 1000:.1f}", records=len(entries))

    audit.AuditLog.append = timed_append


def _freeze_after_load() -> None:
    from chokepoint.service import state

    load = state.ServiceState.load

    def load_then_freeze(self, *args, **kwargs):
        result = load(self, *args, **kwargs)
        gc.collect()
        gc.freeze()
        _say("GCFREEZE", frozen=gc.get_freeze_count())
        return result

    state.ServiceState.load = load_then_freeze


def install() -> None:
    if _gc_callback in gc.callbacks:
        return
    gc.callbacks.append(_gc_callback)
    _watch_loop()
    _watch_audit()
    if os.environ.get("CP_BENCH_GC_FREEZE") == "1":
        _freeze_after_load()


SITECUSTOMIZE = "import api_probes\napi_probes.install()\n"


def parse(text: str, since: float, until: float) -> list[dict]:
    """The probe lines of a server log written between two wall-clock times."""
    out = []
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        if kind not in ("GCPAUSE", "LOOPSTALL", "AUDITSLOW"):
            continue
        try:
            f = dict(kv.split("=", 1) for kv in rest.split())
            t = float(f["t"])
        except (ValueError, KeyError):
            continue
        if since <= t <= until:
            out.append({"kind": kind, "t": t, "ms": float(f["ms"]), "pid": int(f["pid"]),
                        **({"gen": int(f["gen"])} if "gen" in f else {}),
                        **({"records": int(f["records"])} if "records" in f else {})})
    return out
