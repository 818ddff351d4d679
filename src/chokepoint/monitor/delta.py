"""Delta re-screening: when a list version adds or changes entities, find
the kept parties they may be, without screening the whole party base.

1. the entities a new version added or changed (``ListStore.diff``);
2. their names as weighted key probes (:mod:`chokepoint.monitor.keys`),
   looked up in the party base's key table; keys so common that they say
   nothing (more than :data:`MAX_KEY_SHARE` of all parties) are skipped,
   as the list index skips them;
3. a party whose keys cover :data:`~chokepoint.monitor.keys.MIN_SHARE` of
   a name (or that shares an identifier) is screened forward with the
   same screener and threshold as any screening, restricted to the new
   entities: a monitoring alert is exactly the alert a manual re-screen
   of that party would raise on that entity.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from chokepoint.lists.store import ListDiff, ListStore
from chokepoint.matching.records import ListedRecord
from chokepoint.matching.screener import Match, Screener
from chokepoint.monitor.keys import MIN_SHARE, identifier_keys, name_probes
from chokepoint.monitor.parties import Party, PartyBase

#: Keys held by more than this share of parties do not find candidates.
MAX_KEY_SHARE = 0.02
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
    #: seconds per step
    timings: dict[str, float] = field(default_factory=dict)

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


def candidate_parties(parties: PartyBase, screener: Screener, records: list[ListedRecord],
                      party_count: int) -> dict[str, set[int]]:
    """party id → positions (in ``records``) of the entities it may be."""
    probes = [p for i, record in enumerate(records) for p in name_probes(i, record, screener.index.weight)]
    id_keys = {i: identifier_keys(r) for i, r in enumerate(records)}
    all_keys = {k for p in probes for k in p.keys} | {k for ks in id_keys.values() for k in ks}
    counts = parties.key_counts(all_keys)
    cap = max(50, int(MAX_KEY_SHARE * party_count))
    usable = {k for k, n in counts.items() if n <= cap or k.startswith("i:")}
    postings = parties.postings(usable)
    found: dict[str, set[int]] = {}
    for probe in probes:
        hit_slots: dict[str, set[int]] = {}
        for key, slots in probe.keys.items():
            for party_id in postings.get(key, ()):
                hit_slots.setdefault(party_id, set()).update(slots)
        for party_id, slots in hit_slots.items():
            if sum(probe.slots[i] for i in slots) >= MIN_SHARE - 1e-9:
                found.setdefault(party_id, set()).add(probe.entity)
    for i, keys in id_keys.items():
        for key in keys:
            for party_id in postings.get(key, ()):
                found.setdefault(party_id, set()).add(i)
    return found


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
    found = candidate_parties(parties, screener, records, party_count) if records and party_count else {}
    timings["candidates"] = time.perf_counter() - mark
    mark = time.perf_counter()
    kept = parties.get_many(found)
    hits: list[DeltaHit] = []
    for n, (party_id, positions) in enumerate(sorted(found.items())):
        party = kept.get(party_id)
        if party is None:  # removed meanwhile
            continue
        wanted = {records[i].entity_id for i in positions}
        for match in screener.match(party.query(), datasets={diff.dataset}, entity_ids=wanted, limit=len(wanted)):
            hits.append(DeltaHit(party, match, by_id[match.record.entity_id][1]))
        if progress is not None:
            progress(n + 1, len(found))
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
    )
