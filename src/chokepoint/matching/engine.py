"""Build the screener from the store, with an on-disk index cache.

The index is built from the active list versions and written to a cache
file whose name is derived from those versions, the index layout version
and the normalisation data, so a restart (or a second worker) with the
same lists loads it in seconds, and any list change builds a new one.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from chokepoint.lists.store import ListStore, ListVersion
from chokepoint.matching.algorithm import DEFAULT_ALGORITHM, Algorithm
from chokepoint.matching.index import INDEX_VERSION, NameIndex
from chokepoint.matching.normalize import DATA
from chokepoint.matching.records import ListedRecord
from chokepoint.matching.screener import Screener
from chokepoint.settings import Settings

log = logging.getLogger(__name__)


def index_key(versions: list[ListVersion]) -> str:
    """Cache key: the active versions and everything that shapes the index."""
    digest = hashlib.sha256(f"index:{INDEX_VERSION}\n".encode())
    for path in sorted(DATA.glob("*.yaml")):
        digest.update(path.read_bytes())
    for vid in sorted(v.id for v in versions):
        digest.update(vid.encode() + b"\n")
    return digest.hexdigest()[:20]


def index_path(settings: Settings, versions: list[ListVersion]) -> Path:
    return settings.cache_dir / f"index-{index_key(versions)}.pickle"


def listed_records(store: ListStore, versions: list[ListVersion]):
    for version in versions:
        for entity, last_change in store.entities_with_dates(version.id, targets_only=True):
            record = ListedRecord.from_entity(entity, version.id)
            record.last_change = last_change.isoformat() if last_change else None
            yield record


def load_index(
    store: ListStore,
    settings: Settings,
    progress: Callable[[str], None] | None = None,
    versions: list[ListVersion] | None = None,
) -> NameIndex:
    """The index over the active versions (or the ``versions`` given, to
    replay an old screening): from the cache, or built."""
    active = versions is None
    versions = store.active_versions() if versions is None else versions
    path = index_path(settings, versions)
    cached = _load_cached(path)
    if cached is not None:
        return cached
    path.parent.mkdir(parents=True, exist_ok=True)
    # several workers (or a worker and the CLI) that need the same new index
    # build it once: the first holds the lock, the others wait and load it
    with _build_lock(path):
        cached = _load_cached(path)
        if cached is not None:
            return cached
        return _build(store, path, versions, active, progress)


def _load_cached(path: Path) -> NameIndex | None:
    if not path.exists():
        return None
    try:
        return NameIndex.load(path)
    except Exception as exc:  # a damaged cache is rebuilt, never fatal
        log.warning("index cache %s unreadable (%s); rebuilding", path, exc)
        return None


@contextmanager
def _build_lock(path: Path) -> Iterator[None]:
    with path.with_suffix(".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(store: ListStore, path: Path, versions: list[ListVersion], active: bool,
           progress: Callable[[str], None] | None) -> NameIndex:
    if progress:
        progress(f"building the name index over {len(versions)} lists")
    index = NameIndex.build(listed_records(store, versions), [v.id for v in versions])
    index.save(path)
    if active:  # an index over other versions is rebuilt when needed
        for pattern in ("index-*.pickle", "index-*.lock"):
            for old in path.parent.glob(pattern):
                if old.stem != path.stem:
                    old.unlink(missing_ok=True)
    return index


def load_screener(
    store: ListStore,
    settings: Settings,
    algorithm: Algorithm = DEFAULT_ALGORITHM,
    progress: Callable[[str], None] | None = None,
    versions: list[ListVersion] | None = None,
) -> Screener:
    if settings.threshold is not None:
        algorithm = algorithm.with_threshold(settings.threshold)
    return Screener(load_index(store, settings, progress, versions), algorithm)
