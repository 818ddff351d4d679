"""What one service process holds: the store, the screener, the keys, the
audit writer and the metrics. Built by the app factory from a
:class:`Settings`; nothing here is a module-level global."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from chokepoint.lists.store import ListStore, ListVersion, StoredEntity
from chokepoint.matching.algorithm import DEFAULT_ALGORITHM
from chokepoint.matching.engine import load_screener
from chokepoint.matching.screener import Screener
from chokepoint.service.accounts import Accounts
from chokepoint.service.audit import AuditLog, AuditWriter
from chokepoint.service.casework import Casework
from chokepoint.service.auth import FailedAuthLimiter, KeyStore
from chokepoint.service.metrics import ServiceMetrics
from chokepoint.settings import Settings

log = logging.getLogger(__name__)

#: Stored entities kept in memory for /match results (most recent first out).
ENTITY_CACHE_SIZE = 20_000


@dataclass(frozen=True)
class Loaded:
    """The screener and the list versions it was built from."""

    screener: Screener
    versions: dict[str, ListVersion]

    @property
    def list_versions(self) -> list[dict]:
        return [{"id": v.id, "dataset": v.dataset, "sha256": v.sha256} for v in self.versions.values()]

    @property
    def datasets(self) -> dict[str, ListVersion]:
        return {v.dataset: v for v in self.versions.values()}


def warm_up(screener: Screener) -> None:
    """Screen a few names before declaring ready: the first name analysis
    in a process sets up rigour's compiled tables (seconds, holding the
    GIL), which must not fall on a caller's request."""
    from chokepoint.matching.normalize import WARM_UP_NAMES
    from chokepoint.matching.records import PartyQuery

    for name, schema in WARM_UP_NAMES:
        screener.match(PartyQuery.build(name=name, schema=schema), limit=1)


def freeze_long_lived_objects() -> None:
    """Move the index (about a million container objects that live as long
    as the process) out of the cyclic garbage collector's view. Without this
    every full collection walks them all and stalls requests for most of a
    second (BENCHMARKS.md section 5); with it, p99 latency under load halves.
    On a reload the previous index is unfrozen first so that its cycles can
    still be collected once nothing refers to it."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class ServiceState:
    def __init__(self, settings: Settings, store: ListStore | None = None) -> None:
        self.settings = settings
        self.store = store or ListStore.open(settings)
        self.keys = KeyStore(self.store.engine)
        self.accounts = Accounts(self.store.engine)
        self.casework = Casework(self.store.engine)
        self.audit = AuditLog(self.store.engine)
        self.writer: AuditWriter | None = None
        self.limiter = FailedAuthLimiter(settings.auth_fail_limit, settings.auth_fail_window)
        self.metrics = ServiceMetrics()
        self.metrics.watch_lists(lambda: list(self.loaded.versions.values()) if self.loaded else [])
        self.loaded: Loaded | None = None
        self.load_error: str | None = None
        self._entities: OrderedDict[tuple[str, str], StoredEntity | None] = OrderedDict()
        self._entities_lock = threading.Lock()
        self._loader: threading.Thread | None = None
        self._load_lock = threading.Lock()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------

    def start(self, background: bool = True) -> None:
        self.writer = AuditWriter(self.audit)
        if background:
            self._loader = threading.Thread(target=self.load, name="index-loader", daemon=True)
            self._loader.start()
        else:
            self.load()
        if self.settings.version_check_seconds > 0:
            self._watcher = threading.Thread(target=self._watch_versions, name="version-watcher", daemon=True)
            self._watcher.start()

    def stop(self) -> None:
        self._stopping.set()
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def wait_ready(self, timeout: float | None = None) -> bool:
        if self._loader is not None:
            self._loader.join(timeout)
        return self.loaded is not None

    def load(self) -> None:
        """Load (or build) the index over the active list versions (one
        load at a time; a second request waits for the first)."""
        with self._load_lock:
            self._load()

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            versions = self.store.active_versions()
            screener = load_screener(self.store, self.settings, DEFAULT_ALGORITHM)
        except Exception as exc:  # reported by /readyz, never crashes the process
            log.exception("loading the index failed")
            self.load_error = f"{type(exc).__name__}: {exc}"
            self.metrics.ready.set(0)
            return
        warm_up(screener)
        loaded = Loaded(screener, {v.id: v for v in versions})
        with self._entities_lock:
            self._entities.clear()
        self.loaded = loaded
        self.load_error = None
        freeze_long_lived_objects()
        self.metrics.index_names.set(len(screener.index.names))
        self.metrics.index_entities.set(len(screener.index.records))
        self.metrics.index_load_seconds.set(time.perf_counter() - started)
        self.metrics.ready.set(1)

    def versions_changed(self) -> bool:
        """Whether the active list versions differ from the loaded ones
        (one small query: the active version id of each dataset)."""
        if self.loaded is None:
            return False
        return self.store.active_version_ids() != set(self.loaded.versions)

    def _watch_versions(self) -> None:
        """Pick up versions activated elsewhere (the CLI, another worker, a
        list update) without a restart."""
        while not self._stopping.wait(self.settings.version_check_seconds):
            try:
                if self.versions_changed() and not self._load_lock.locked():
                    log.info("active list versions changed: reloading the index")
                    self.load()
            except Exception:  # a database hiccup: try again at the next check
                log.exception("checking the active list versions failed")

    def reload_in_background(self) -> None:
        threading.Thread(target=self.load, name="index-reloader", daemon=True).start()

    # --- stored entities ----------------------------------------------------

    def stored_entities(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], StoredEntity | None]:
        """(version id, entity id) → stored entity, through a bounded cache."""
        out: dict[tuple[str, str], StoredEntity | None] = {}
        missing: dict[str, list[str]] = {}
        with self._entities_lock:
            for pair in pairs:
                if pair in self._entities:
                    self._entities.move_to_end(pair)
                    out[pair] = self._entities[pair]
                else:
                    missing.setdefault(pair[0], []).append(pair[1])
        for vid, ids in missing.items():
            found = self.store.stored_entities(ids, vid)
            for eid in ids:
                out[(vid, eid)] = found.get(eid)
        if missing:
            with self._entities_lock:
                for vid, ids in missing.items():
                    for eid in ids:
                        self._entities[(vid, eid)] = out[(vid, eid)]
                while len(self._entities) > ENTITY_CACHE_SIZE:
                    self._entities.popitem(last=False)
        return out
