"""One monitoring run: for every list whose active version changed since
the last run, re-screen the party base against what changed, raise the
new alerts, close the alerts of delisted entities, record the run, audit
it and notify.

The per-dataset cursor (``monitor_cursors``) is the list version the party
base was last checked against. A dataset without a cursor gets one at the
first run (or when a party is first kept): parties are screened in full
when they are kept, so only later versions need a delta.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from chokepoint.lists.store import ListStore, ListVersion, StoreError
from chokepoint.lists.tables import ListEntityRow
from chokepoint.matching.engine import load_screener
from chokepoint.matching.records import PartyQuery
from chokepoint.matching.screener import Screener
from chokepoint.monitor.delta import DeltaResult, rescreen_delta
from chokepoint.monitor.notify import DeliveryResult, new_alerts_notification, notify
from chokepoint.monitor.parties import PartyBase
from chokepoint.monitor.tables import MonitorCursorRow, MonitorRunRow
from chokepoint.service.audit import AuditEntry, AuditLog
from chokepoint.service.casework import Alert, Casework
from chokepoint.settings import Settings

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def cursors(store: ListStore) -> dict[str, str]:
    with Session(store.engine) as session:
        return dict(session.execute(select(MonitorCursorRow.dataset, MonitorCursorRow.version_id)).all())


def set_cursor(store: ListStore, dataset: str, version_id: str) -> None:
    with Session(store.engine) as session, session.begin():
        session.merge(MonitorCursorRow(dataset=dataset, version_id=version_id, updated_at=_now()))


def ensure_baselines(store: ListStore) -> list[str]:
    """Give every active dataset without a cursor one at its active
    version (called when parties are kept, which screens them in full)."""
    have = cursors(store)
    started = []
    for version in store.active_versions():
        if version.dataset not in have:
            set_cursor(store, version.dataset, version.id)
            started.append(version.dataset)
    return started


def keep_parties(store: ListStore, parties: list[tuple[str, PartyQuery]], source: str,
                 results: dict[str, dict] | None = None) -> dict:
    """Keep screened parties under monitoring (API ``keep=true``, UI, CLI
    ``--keep``); returns the counts of added, updated and unchanged."""
    ensure_baselines(store)
    return PartyBase(store.engine).keep(parties, source=source, results=results).to_json()


@dataclass
class MonitorRun:
    result: DeltaResult
    new_alerts: list[Alert]
    suppressed: list[Alert]
    closed_alerts: list[Alert]

    def to_json(self) -> dict:
        return {**self.result.to_json(), "new_alerts": len(self.new_alerts),
                "suppressed": len(self.suppressed), "closed_alerts": len(self.closed_alerts)}


@dataclass
class MonitorReport:
    runs: list[MonitorRun] = field(default_factory=list)
    #: datasets given their first cursor in this run (nothing to compare yet)
    baselines: list[str] = field(default_factory=list)
    notifications: list[DeliveryResult] = field(default_factory=list)
    call_id: str | None = None
    #: (list version, entity id) → the list's own record id
    source_ids: dict[tuple[str, str], str | None] = field(default_factory=dict)

    @property
    def new_alerts(self) -> list[Alert]:
        return [a for r in self.runs for a in r.new_alerts]

    @property
    def closed_alerts(self) -> list[Alert]:
        return [a for r in self.runs for a in r.closed_alerts]

    def to_json(self) -> dict:
        return {
            "runs": [r.to_json() for r in self.runs],
            "new_alerts": [alert_json(a, self.source_ids) for a in self.new_alerts],
            "closed_alerts": [alert_json(a, self.source_ids) for a in self.closed_alerts],
            "baselines": self.baselines,
            "notifications": [{"channel": n.channel, "target": n.target, "ok": n.ok, "error": n.error}
                              for n in self.notifications],
            "call_id": self.call_id,
        }


def alert_json(alert: Alert, source_ids: dict[tuple[str, str], str | None] | None = None) -> dict:
    source_id = (source_ids or {}).get((alert.version_id, alert.entity_id))
    return {"alert_id": alert.id, "party_id": alert.party_id, "entity_id": alert.entity_id,
            "entity_caption": alert.entity_caption, "dataset": alert.dataset, "source_id": source_id,
            "list_version": alert.version_id, "score": round(alert.score, 4), "reason": alert.reason,
            "note": alert.note}


def pending_changes(store: ListStore) -> tuple[list[tuple[str, ListVersion]], list[str]]:
    """(cursor version id, active version) per dataset whose active version
    moved since the last run; and datasets that have no cursor yet."""
    have = cursors(store)
    changes, fresh = [], []
    for version in store.active_versions():
        cursor = have.get(version.dataset)
        if cursor is None:
            fresh.append(version.dataset)
        elif cursor != version.id:
            changes.append((cursor, version))
    return changes, fresh


def run_monitor(settings: Settings, store: ListStore, actor: str = "monitor", channel: str = "cli",
                screener: Screener | None = None, send: bool = True) -> MonitorReport:
    """Delta re-screen every dataset whose active version changed."""
    parties = PartyBase(store.engine)
    casework = Casework(store.engine)
    report = MonitorReport()
    changes, fresh = pending_changes(store)
    for dataset in fresh:
        active = next(v for v in store.active_versions() if v.dataset == dataset)
        set_cursor(store, dataset, active.id)
        report.baselines.append(dataset)
    if changes and screener is None:
        screener = load_screener(store, settings)
    audit = AuditLog(store.engine)
    entry = AuditEntry(kind="monitor.run", actor=actor, channel=channel)
    report.call_id = entry.call_id
    for cursor, version in changes:
        started = _now()
        try:
            diff = store.diff(version.dataset, cursor, version.id)
        except StoreError as exc:  # the cursor's version was deleted: start again from the active one
            log.warning("monitor: %s; restarting %s at %s", exc, version.dataset, version.id)
            set_cursor(store, version.dataset, version.id)
            report.baselines.append(version.dataset)
            continue
        result = rescreen_delta(parties, screener, store, diff)
        new, suppressed = casework.record_monitor_hits(result.hits, entry.call_id)
        when = (version.published or version.loaded_at.date()).isoformat()
        closed = casework.close_delisted(version.dataset, result.removed, f"delisted on {when}")
        run = MonitorRun(result, new, suppressed, closed)
        report.runs.append(run)
        with Session(store.engine) as session, session.begin():
            session.add(MonitorRunRow(dataset=version.dataset, from_version=cursor, to_version=version.id,
                                      started_at=started, finished_at=_now(), added=result.added,
                                      changed=result.changed, removed=len(result.removed),
                                      parties_checked=result.parties_checked, new_alerts=len(new),
                                      closed_alerts=len(closed)))
            session.merge(MonitorCursorRow(dataset=version.dataset, version_id=version.id, updated_at=_now()))
    report.source_ids = source_ids(store, [(a.version_id, a.entity_id)
                                           for a in report.new_alerts + report.closed_alerts])
    if report.runs or report.baselines:
        entry.summary = {"runs": [r.to_json() for r in report.runs], "baselines": report.baselines,
                         "new_alerts": len(report.new_alerts), "closed_alerts": len(report.closed_alerts)}
        entry.response = {k: report.to_json()[k] for k in ("new_alerts", "closed_alerts")}
        entry.list_versions = [{"id": v.id, "dataset": v.dataset, "sha256": v.sha256}
                               for v in store.active_versions()]
        audit.append([entry])
    if send and (report.new_alerts or report.closed_alerts):
        notification = new_alerts_notification([r.to_json() for r in report.runs],
                                               report.to_json()["new_alerts"], report.to_json()["closed_alerts"])
        report.notifications = notify(settings, notification)
    return report


def source_ids(store: ListStore, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    out: dict[tuple[str, str], str | None] = {}
    with Session(store.engine) as session:
        for vid in {v for v, _ in pairs}:
            ids = sorted({e for v, e in pairs if v == vid})
            for start in range(0, len(ids), 900):
                rows = session.execute(select(ListEntityRow.entity_id, ListEntityRow.source_id).where(
                    ListEntityRow.version_id == vid, ListEntityRow.entity_id.in_(ids[start:start + 900])))
                out.update({(vid, e): sid for e, sid in rows})
    return out


def recent_runs(store: ListStore, limit: int = 20) -> list[dict]:
    with Session(store.engine) as session:
        rows = session.execute(select(MonitorRunRow).order_by(MonitorRunRow.id.desc()).limit(limit)).scalars()
        return [{"id": r.id, "dataset": r.dataset, "from_version": r.from_version, "to_version": r.to_version,
                 "started_at": r.started_at.isoformat(), "added": r.added, "changed": r.changed,
                 "removed": r.removed, "parties_checked": r.parties_checked, "new_alerts": r.new_alerts,
                 "closed_alerts": r.closed_alerts} for r in rows]
