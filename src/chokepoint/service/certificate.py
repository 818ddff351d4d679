"""Screening certificates: proof that a party was screened at time T
against list versions V (with their content hashes) with result R, and
where the record sits in the audit chain, so a "no hit" can be shown
later. The certificate is built from the audit record alone; anyone
holding the chain can check its hash."""

from __future__ import annotations

from chokepoint.lists.store import ListStore, StoreError
from chokepoint.service.audit import AuditLog, chain_hash

SCREENING_KINDS = ("match", "screen", "screen.ui", "screen.batch", "assess", "assess.ui")


def certificate_for(audit: AuditLog, store: ListStore, call_id: str) -> dict | None:
    record = audit.get(call_id)
    if record is None or record.kind not in SCREENING_KINDS:
        return None
    versions = []
    for v in record.list_versions:
        try:
            version = store.get_version(v["id"])
            versions.append({"id": v["id"], "dataset": version.dataset, "sha256": v["sha256"],
                             "published": version.published.isoformat() if version.published else None,
                             "loaded_at": version.loaded_at.isoformat()})
        except StoreError:
            versions.append({"id": v["id"], "dataset": v.get("dataset"), "sha256": v["sha256"]})
    return {
        "certificate": "chokepoint screening certificate",
        "call_id": record.call_id,
        "screened_at": record.at.isoformat(),
        "kind": record.kind,
        "screened_by": record.actor,
        "channel": record.channel,
        "party": record.request.get("party") or record.request.get("body") or record.request,
        "result": record.summary,
        "answer": record.response,
        "algorithm": {"name": record.algorithm, "version": record.algorithm_version},
        "list_versions": versions,
        "audit": {"seq": record.seq, "prev_hash": record.prev_hash, "hash": record.hash,
                  "hash_verified": chain_hash(record.prev_hash, record.__dict__) == record.hash},
    }
