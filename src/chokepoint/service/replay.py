"""Replay a recorded ``/match`` call: the same request against the same
list versions, and a comparison with what was answered then.

This is how a screening is proven later: the audit record names the
list versions (content-addressed) and the algorithm version; the store
keeps every version; so the answer can be recomputed and compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chokepoint.lists.store import ListStore
from chokepoint.matching.engine import load_screener
from chokepoint.service.answer import MatchParams, answer_match
from chokepoint.service.audit import AuditRecord
from chokepoint.service.models import EntityMatchQuery
from chokepoint.settings import Settings


@dataclass
class ReplayReport:
    call_id: str
    same: bool
    algorithm_then: str
    algorithm_now: str
    differences: list[str] = field(default_factory=list)
    replayed: dict = field(default_factory=dict)


def _ranked(responses: dict) -> dict[str, list[tuple[str, float]]]:
    return {key: [(r["id"], round(r["score"], 4)) for r in resp["results"]] for key, resp in responses.items()}


def replay_match(record: AuditRecord, store: ListStore, settings: Settings) -> ReplayReport:
    if record.kind != "match":
        raise ValueError(f"only match calls can be replayed; {record.call_id} is a {record.kind} record")
    versions = [store.get_version(v["id"]) for v in record.list_versions]
    screener = load_screener(store, settings, versions=versions)
    body = EntityMatchQuery.model_validate(record.request["body"])
    screener = screener.with_algorithm(screener.algorithm.with_overrides(body.weights, body.config))
    params = MatchParams.from_json(record.request["params"])
    by_id = {v.id: v for v in versions}
    replayed = answer_match(screener, body, params, lambda pairs: _lookup(store, pairs), by_id)
    then, now = _ranked(record.response["responses"]), _ranked(replayed)
    differences = []
    for key in sorted(then.keys() | now.keys()):
        if then.get(key) != now.get(key):
            differences.append(f"{key}: recorded {then.get(key)} replayed {now.get(key)}")
    return ReplayReport(record.call_id, not differences,
                        f"{record.algorithm} {record.algorithm_version}",
                        f"{screener.algorithm.name} {screener.algorithm.version}", differences, replayed)


def _lookup(store: ListStore, pairs: list[tuple[str, str]]) -> dict:
    out = {}
    by_version: dict[str, list[str]] = {}
    for vid, eid in pairs:
        by_version.setdefault(vid, []).append(eid)
    for vid, ids in by_version.items():
        found = store.stored_entities(ids, vid)
        for eid in ids:
            out[(vid, eid)] = found.get(eid)
    return out
