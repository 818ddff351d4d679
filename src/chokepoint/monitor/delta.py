"""Delta re-screening: when a list version adds or changes entities, find
the kept parties they may be, without screening the whole party base.

1. the entities a new version added or changed (``ListStore.diff``);
2. their names as weighted key probes (:mod:`chokepoint.monitor.keys`;
   the names' forms are the screener index's own, normalised when the
   index was built), looked up in the party base's key table; keys so
   common that they say nothing (more than :data:`MAX_KEY_SHARE` of all
   parties) are skipped, as the list index skips them;
3. a party whose keys cover enough of a name to be able to reach the
   threshold (:func:`~chokepoint.monitor.keys.coverage_needed`; or that
   shares an identifier) is screened forward with the
   same screener and threshold as any screening, restricted to the new
   entities: a monitoring alert is exactly the alert a manual re-screen
   of that party would raise on that entity. Many candidates are screened
   in worker processes (:data:`SCREEN_WORKERS`, forked as ``screen_rows``
   forks them).

Step 2 works on arrays (numpy), one listed name at a time: a word many
parties share costs one array operation per name, not a loop over them.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from chokepoint.lists.store import ListDiff, ListStore
from chokepoint.matching.normalize import NameForm, normalize_name, prepare_normalizer
from chokepoint.matching.records import ListedRecord, party_query
from chokepoint.matching.screener import Match, Screener
from chokepoint.monitor.keys import NameProbe, _probe, coverage_needed, identifier_keys
from chokepoint.monitor.parties import Party, PartyBase

#: Keys held by more than this share of parties do not find candidates.
MAX_KEY_SHARE = 0.02
#: Worker processes screening the candidates when there are at least
#: :data:`PARALLEL_FROM` of them (None: one per core; 1: in this process).
SCREEN_WORKERS: int | None = None
PARALLEL_FROM = 2_000
NEWLY_LISTED = "newly listed"
LISTING_CHANGED = "listing changed"


@dataclass(frozen=True)
class DeltaHit:
    """A kept party that now matches a new or changed listed entity."""

    party: Party
    match: Match
    reason: str

    def to_json(self) -> dict:
        r = self.match.record
        return {"party_id": self.party.id, "entity_id": r.entity_id, "dataset": r.dataset,
                "source_id": r.source_id, "score": self.match.score, "reason": self.reason}


@dataclass
class DeltaResult:
    dataset: str
    from_version: str
    to_version: str
    added: int
    changed: int
    removed: list[str]
    #: parties screened forward (the candidates of step 3)
    parties_checked: int
    hits: list[DeltaHit] = field(default_factory=list)
    #: seconds per step ("candidates.*": its parts)
    timings: dict[str, float] = field(default_factory=dict)
    #: sizes: key postings read, (party, listed name) pairs looked at
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"dataset": self.dataset, "from_version": self.from_version, "to_version": self.to_version,
                "added": self.added, "changed": self.changed, "removed": len(self.removed),
                "parties_checked": self.parties_checked}


def delta_records(screener: Screener, store: ListStore, diff: ListDiff) -> dict[str, tuple[ListedRecord, str]]:
    """entity id → (record in the new version, reason) for the added and
    changed entities, taken from the screener's index (which holds the
    active versions) or, failing that, from the store."""
    wanted = {c.entity_id: NEWLY_LISTED for c in diff.added}
    wanted.update({c.entity_id: LISTING_CHANGED for c in diff.changed})
    vid = diff.to_version.id
    out: dict[str, tuple[ListedRecord, str]] = {}
    for record in screener.index.records:
        if record.version_id == vid and record.entity_id in wanted:
            out[record.entity_id] = (record, wanted[record.entity_id])
    for entity_id in wanted.keys() - out.keys():
        entity = store.get_entity(entity_id, vid)
        if entity is not None:
            out[entity_id] = (ListedRecord.from_entity(entity, vid), wanted[entity_id])
    return out


def _record_forms(screener: Screener, records: list[ListedRecord]) -> Iterator[tuple[int, NameForm]]:
    """(position in ``records``, name form) for every name of every record:
    the index's own forms for records it holds (the same forms
    ``normalize_name`` gives, computed when the index was built), else
    normalised now."""
    index = screener.index
    rid_of = {id(r): rid for rid, r in enumerate(index.records)}
    wanted = {rid_of[id(r)]: pos for pos, r in enumerate(records) if id(r) in rid_of}
    for indexed in index.names:
        pos = wanted.get(indexed.entity)
        if pos is not None:
            yield pos, indexed.form
    for pos, record in enumerate(records):
        if id(record) not in rid_of:
            for _kind, text in record.names:
                for form in normalize_name(text, record.schema):
                    yield pos, form


def listed_probes(screener: Screener, records: list[ListedRecord]) -> list[NameProbe]:
    """The key probes of every name of ``records``, each with the coverage
    a party needs to be able to reach the screener's threshold."""
    weight = screener.index.weight
    algorithm = screener.algorithm
    needed = {person: coverage_needed(algorithm.threshold,
                                      algorithm.config["extra_listed_person" if person else "extra_listed_word"])
              for person in (True, False)}
    return [p for pos, form in _record_forms(screener, records)
            if (p := _probe(pos, form, weight, needed[records[pos].schema == "Person"])) is not None]


def candidate_parties(parties: PartyBase, screener: Screener, records: list[ListedRecord],
                      party_count: int, stats: dict | None = None) -> dict[str, set[int]]:
    """party id → positions (in ``records``) of the entities it may be."""
    stats = stats if stats is not None else {}
    mark = time.perf_counter()
    probes = listed_probes(screener, records)
    id_keys = {i: identifier_keys(r) for i, r in enumerate(records)}
    all_keys = {k for p in probes for k in p.keys} | {k for ks in id_keys.values() for k in ks}
    stats["probes"] = time.perf_counter() - mark
    mark = time.perf_counter()
    counts = parties.key_counts(all_keys)
    cap = max(50, int(MAX_KEY_SHARE * party_count))
    usable = {k for k, n in counts.items() if n <= cap or k.startswith("i:")}
    stats["key_counts"] = time.perf_counter() - mark
    mark = time.perf_counter()
    positions: dict[str, int] = {}
    ids: list[str] = []
    postings = parties.postings_positions(usable, positions, ids)
    stats["postings"] = time.perf_counter() - mark
    stats["postings_rows"] = int(sum(len(a) for a in postings.values()))
    mark = time.perf_counter()
    found: dict[int, set[int]] = {}
    pairs = 0
    for probe in probes:
        lists = [(postings[k], slots) for k, slots in probe.keys.items() if k in postings]
        if not lists:
            continue
        who = np.unique(np.concatenate([a for a, _ in lists])) if len(lists) > 1 else lists[0][0]
        pairs += len(who)
        hit = np.zeros((len(who), len(probe.slots)), dtype=bool)
        for arr, slots in lists:
            rows = np.searchsorted(who, arr)
            for slot in slots:
                hit[rows, slot] = True
        covered = hit @ np.asarray(probe.slots) >= probe.min_share - 1e-9
        for p in who[covered].tolist():
            found.setdefault(p, set()).add(probe.entity)
    for i, keys in id_keys.items():
        for key in keys:
            for p in postings.get(key, ()):
                found.setdefault(int(p), set()).add(i)
    stats["coverage"] = time.perf_counter() - mark
    stats["pairs_looked_at"] = pairs
    return {ids[p]: entities for p, entities in found.items()}


# --- forward screening of the candidates ------------------------------------------------

_WORKER: tuple[Screener, str] | None = None


def _screen(screener: Screener, dataset: str, party_id: str, data: dict, wanted: set[str]) -> list[Match]:
    return screener.match(party_query(data, id=party_id), datasets={dataset}, entity_ids=wanted, limit=len(wanted))


def _screen_chunk(chunk: list[tuple[str, dict, set[str]]]) -> list[tuple[str, list[Match]]]:
    assert _WORKER is not None
    screener, dataset = _WORKER
    return [(party_id, _screen(screener, dataset, party_id, data, wanted)) for party_id, data, wanted in chunk]


def screen_candidates(screener: Screener, dataset: str, jobs: list[tuple[str, dict, set[str]]],
                      workers: int | None = None, chunk_size: int = 200) -> Iterator[tuple[str, list[Match]]]:
    """(party id, matches) for each (party id, party data, wanted entity
    ids), in order; on ``workers`` forked processes that share the index
    copy-on-write when there are many (the collector is frozen first, as
    ``screen_rows`` does)."""
    global _WORKER
    workers = workers or SCREEN_WORKERS or os.cpu_count() or 1
    if workers <= 1 or len(jobs) < PARALLEL_FROM or "fork" not in mp.get_all_start_methods():
        for party_id, data, wanted in jobs:
            yield party_id, _screen(screener, dataset, party_id, data, wanted)
        return
    _WORKER = (screener, dataset)
    prepare_normalizer()
    gc.freeze()
    try:
        with mp.get_context("fork").Pool(workers) as pool:
            chunks = [jobs[i:i + chunk_size] for i in range(0, len(jobs), chunk_size)]
            for results in pool.imap(_screen_chunk, chunks):
                yield from results
    finally:
        _WORKER = None
        gc.unfreeze()


def rescreen_delta(parties: PartyBase, screener: Screener, store: ListStore, diff: ListDiff,
                   progress: Callable[[int, int], None] | None = None) -> DeltaResult:
    """New alerts of the party base for one list change (see module doc)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    by_id = delta_records(screener, store, diff)
    entity_ids = list(by_id)
    records = [by_id[e][0] for e in entity_ids]
    timings["delta_records"] = time.perf_counter() - started
    mark = time.perf_counter()
    party_count = parties.count()
    stats: dict = {}
    found = candidate_parties(parties, screener, records, party_count, stats) if records and party_count else {}
    timings["candidates"] = time.perf_counter() - mark
    timings.update({f"candidates.{k}": v for k, v in stats.items() if isinstance(v, float)})
    counts = {k: v for k, v in stats.items() if isinstance(v, int)}
    mark = time.perf_counter()
    kept = parties.get_many(found)
    jobs = [(party_id, kept[party_id].data, {records[i].entity_id for i in positions})
            for party_id, positions in sorted(found.items()) if party_id in kept]  # else removed meanwhile
    hits: list[DeltaHit] = []
    for n, (party_id, matches) in enumerate(screen_candidates(screener, diff.dataset, jobs)):
        party = kept[party_id]
        for match in matches:
            hits.append(DeltaHit(party, match, by_id[match.record.entity_id][1]))
        if progress is not None:
            progress(n + 1, len(jobs))
    timings["screen"] = time.perf_counter() - mark
    return DeltaResult(
        dataset=diff.dataset,
        from_version=diff.from_version.id,
        to_version=diff.to_version.id,
        added=len(diff.added),
        changed=len(diff.changed),
        removed=[c.entity_id for c in diff.removed],
        parties_checked=len(found),
        hits=hits,
        timings=timings,
        counts=counts,
    )
