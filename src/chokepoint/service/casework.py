"""Alerts and decisions: what analysts decide, and how a decision
suppresses the same alert later.

An alert is one (party, listed entity) pair that scored at or above the
threshold. The party is identified by ``party_key``, the SHA-256 of its
canonical screening data; the listed entity by its id and the content
hash of its record in the list version screened against. A final
false-positive decision on a pair suppresses later alerts of that pair
while both stay the same: a changed party (other data, so another key) or
a changed listing (another content hash, in a new list version) alerts
again. With four-eyes on, a true-match or false-positive decision is
pending until a second analyst confirms it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

import orjson
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from chokepoint.lists.tables import ListEntityRow
from chokepoint.matching.records import PartyQuery, party_data, party_key
from chokepoint.matching.screener import Match
from chokepoint.service.tables import AlertRow, DecisionRow, WorkspaceSettingRow

OUTCOMES = {"true_match": "true match", "false_positive": "false positive", "escalate": "escalate"}
FOUR_EYES = "four_eyes"


class CaseworkError(ValueError):
    """A decision cannot be recorded as asked."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Decision:
    id: int
    party_key: str
    entity_id: str
    entity_hash: str
    outcome: str
    reason: str
    decided_by: str
    decided_at: datetime
    status: str
    confirmed_by: str | None
    confirmed_at: datetime | None
    alert_id: int | None

    @property
    def label(self) -> str:
        return OUTCOMES[self.outcome]

    def to_json(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Alert:
    id: int
    party_key: str
    party: dict
    entity_id: str
    entity_caption: str
    dataset: str
    version_id: str
    entity_hash: str
    score: float
    explanation: dict
    status: str
    created_at: datetime
    call_id: str | None
    decision_id: int | None
    source: str
    #: "newly listed" / "listing changed" for alerts raised by monitoring
    reason: str | None = None
    party_id: str | None = None
    note: str | None = None

    def to_json(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class ScreenedPair:
    """One match of a screening as the workspace shows it."""

    match: Match
    alert: Alert | None
    #: the decision that suppresses it, if any
    suppressed_by: Decision | None


def _decision(row: DecisionRow) -> Decision:
    return Decision(row.id, row.party_key, row.entity_id, row.entity_hash, row.outcome, row.reason, row.decided_by,
                    _utc(row.decided_at), row.status, row.confirmed_by, _utc(row.confirmed_at), row.alert_id)


def _alert(row: AlertRow) -> Alert:
    return Alert(row.id, row.party_key, row.party, row.entity_id, row.entity_caption, row.dataset, row.version_id,
                 row.entity_hash, row.score, row.explanation, row.status, _utc(row.created_at), row.call_id,
                 row.decision_id, row.source, row.reason, row.party_id, row.note)


class Casework:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- settings -------------------------------------------------------------

    def four_eyes(self) -> bool:
        with Session(self.engine) as session:
            row = session.get(WorkspaceSettingRow, FOUR_EYES)
            return row is not None and row.value == "on"

    def set_four_eyes(self, on: bool) -> None:
        with Session(self.engine) as session, session.begin():
            session.merge(WorkspaceSettingRow(name=FOUR_EYES, value="on" if on else "off"))

    # --- screening ------------------------------------------------------------

    def entity_hashes(self, matches: list[Match]) -> dict[tuple[str, str], str]:
        pairs = {(m.record.version_id, m.record.entity_id) for m in matches}
        out: dict[tuple[str, str], str] = {}
        with Session(self.engine) as session:
            for vid in {p[0] for p in pairs}:
                ids = [e for v, e in pairs if v == vid]
                rows = session.execute(select(ListEntityRow.entity_id, ListEntityRow.content_hash).where(
                    ListEntityRow.version_id == vid, ListEntityRow.entity_id.in_(ids)))
                out.update({(vid, eid): h for eid, h in rows})
        return out

    def record_screening(self, query: PartyQuery, matches: list[Match], call_id: str | None,
                         source: str = "ui", party_id: str | None = None) -> list[ScreenedPair]:
        """Alerts for the matches at or above the threshold: suppressed when
        a final false-positive decision holds for the same pair, else an
        open alert (the open alert of the same pair is reused)."""
        data = party_data(query)
        key = party_key(data)
        hashes = self.entity_hashes(matches)
        out: list[ScreenedPair] = []
        with Session(self.engine) as session, session.begin():
            for m in matches:
                if not m.is_match:
                    out.append(ScreenedPair(m, None, None))
                    continue
                entity_hash = hashes.get((m.record.version_id, m.record.entity_id), "")
                decision = self._holding_false_positive(session, key, m.record.entity_id, entity_hash)
                existing = session.execute(select(AlertRow).where(
                    AlertRow.party_key == key, AlertRow.entity_id == m.record.entity_id,
                    AlertRow.entity_hash == entity_hash, AlertRow.status == "open")).scalars().first()
                if decision is not None:
                    row = AlertRow(party_key=key, party=data, entity_id=m.record.entity_id,
                                   entity_caption=m.record.caption, dataset=m.record.dataset,
                                   version_id=m.record.version_id, entity_hash=entity_hash, score=m.score,
                                   explanation=m.explanation.to_json(), status="suppressed", created_at=_now(),
                                   call_id=call_id, decision_id=decision.id, source=source, party_id=party_id)
                    session.add(row)
                elif existing is not None:
                    row = existing
                    row.score, row.explanation, row.call_id = m.score, m.explanation.to_json(), call_id
                else:
                    row = AlertRow(party_key=key, party=data, entity_id=m.record.entity_id,
                                   entity_caption=m.record.caption, dataset=m.record.dataset,
                                   version_id=m.record.version_id, entity_hash=entity_hash, score=m.score,
                                   explanation=m.explanation.to_json(), status="open", created_at=_now(),
                                   call_id=call_id, decision_id=None, source=source, party_id=party_id)
                    session.add(row)
                session.flush()
                out.append(ScreenedPair(m, _alert(row), decision))
        return out

    def record_monitor_hits(self, hits: list, call_id: str | None) -> tuple[list[Alert], list[Alert]]:
        """Alerts for monitoring hits (:class:`chokepoint.monitor.delta.DeltaHit`):
        (new open alerts, alerts suppressed by a holding false-positive
        decision). A pair that already has an open alert on the same listing
        content is not raised twice."""
        hashes = self.entity_hashes([h.match for h in hits])
        new: list[Alert] = []
        suppressed: list[Alert] = []
        with Session(self.engine) as session, session.begin():
            for hit in hits:
                m = hit.match
                record = m.record
                entity_hash = hashes.get((record.version_id, record.entity_id), "")
                key = hit.party.party_key
                existing = session.execute(select(AlertRow.id).where(
                    AlertRow.party_key == key, AlertRow.entity_id == record.entity_id,
                    AlertRow.entity_hash == entity_hash, AlertRow.status == "open")).first()
                if existing is not None:
                    continue
                decision = self._holding_false_positive(session, key, record.entity_id, entity_hash)
                row = AlertRow(party_key=key, party=hit.party.data, entity_id=record.entity_id,
                               entity_caption=record.caption, dataset=record.dataset, version_id=record.version_id,
                               entity_hash=entity_hash, score=m.score, explanation=m.explanation.to_json(),
                               status="suppressed" if decision else "open", created_at=_now(), call_id=call_id,
                               decision_id=decision.id if decision else None, source="monitor",
                               reason=hit.reason, party_id=hit.party.id)
                session.add(row)
                session.flush()
                (suppressed if decision else new).append(_alert(row))
        return new, suppressed

    def close_delisted(self, dataset: str, entity_ids: list[str], note: str) -> list[Alert]:
        """Close the open alerts on entities a list version removed, with a
        note ("delisted on D"); decided alerts keep their decision and get
        the note too."""
        closed: list[Alert] = []
        if not entity_ids:
            return closed
        with Session(self.engine) as session, session.begin():
            for start in range(0, len(entity_ids), 900):
                chunk = entity_ids[start:start + 900]
                rows = session.execute(select(AlertRow).where(
                    AlertRow.dataset == dataset, AlertRow.entity_id.in_(chunk),
                    AlertRow.status.in_(("open", "decided")))).scalars().all()
                for row in rows:
                    row.note = note
                    if row.status == "open":
                        row.status = "closed"
                        closed.append(_alert(row))
        return closed

    def forget_party(self, party_id: str, removed_on: str) -> int:
        """Remove a removed party's data from its open monitoring alerts,
        which are closed; the audit log keeps what was screened."""
        with Session(self.engine) as session, session.begin():
            rows = session.execute(select(AlertRow).where(AlertRow.party_id == party_id)).scalars().all()
            for row in rows:
                row.party = {"names": [f"[removed party {party_id}]"], "removed": True}
                if row.status == "open":
                    row.status = "closed"
                    row.note = f"party removed on {removed_on}"
            return len(rows)

    def _holding_false_positive(self, session: Session, key: str, entity_id: str,
                                entity_hash: str) -> Decision | None:
        """The latest final decision on the pair, if it is a false positive
        made on the same listing content."""
        row = session.execute(select(DecisionRow).where(
            DecisionRow.party_key == key, DecisionRow.entity_id == entity_id, DecisionRow.status == "final",
        ).order_by(DecisionRow.decided_at.desc(), DecisionRow.id.desc()).limit(1)).scalar_one_or_none()
        if row is None or row.outcome != "false_positive" or row.entity_hash != entity_hash:
            return None
        return _decision(row)

    # --- deciding -------------------------------------------------------------

    def decide(self, alert_id: int, outcome: str, reason: str, user: str) -> Decision:
        if outcome not in OUTCOMES:
            raise CaseworkError(f"unknown outcome {outcome!r} (one of {', '.join(OUTCOMES)})")
        reason = (reason or "").strip()
        if len(reason) < 3:
            raise CaseworkError("a decision needs a reason")
        if len(reason) > 2000:
            raise CaseworkError("a reason has at most 2000 characters")
        pending = self.four_eyes() and outcome in ("true_match", "false_positive")
        with Session(self.engine) as session, session.begin():
            alert = session.get(AlertRow, alert_id)
            if alert is None:
                raise CaseworkError(f"no alert {alert_id}")
            if alert.status != "open":
                raise CaseworkError(f"alert {alert_id} is {alert.status}, not open")
            row = DecisionRow(party_key=alert.party_key, entity_id=alert.entity_id, entity_hash=alert.entity_hash,
                              outcome=outcome, reason=reason, decided_by=user, decided_at=_now(),
                              status="pending" if pending else "final", alert_id=alert.id)
            session.add(row)
            session.flush()
            alert.decision_id = row.id
            if not pending:
                alert.status = "decided"
            return _decision(row)

    def confirm(self, decision_id: int, user: str) -> Decision:
        with Session(self.engine) as session, session.begin():
            row = session.get(DecisionRow, decision_id)
            if row is None:
                raise CaseworkError(f"no decision {decision_id}")
            if row.status != "pending":
                raise CaseworkError(f"decision {decision_id} is already {row.status}")
            if row.decided_by == user:
                raise CaseworkError("a second analyst must confirm (four-eyes)")
            row.status, row.confirmed_by, row.confirmed_at = "final", user, _now()
            if row.alert_id is not None:
                alert = session.get(AlertRow, row.alert_id)
                if alert is not None:
                    alert.status = "decided"
            return _decision(row)

    # --- reading --------------------------------------------------------------

    def alert(self, alert_id: int) -> Alert | None:
        with Session(self.engine) as session:
            row = session.get(AlertRow, alert_id)
            return None if row is None else _alert(row)

    def alerts(self, status: str | None = None, limit: int = 200) -> list[Alert]:
        query = select(AlertRow).order_by(AlertRow.created_at.desc(), AlertRow.id.desc()).limit(limit)
        if status:
            query = query.where(AlertRow.status == status)
        with Session(self.engine) as session:
            return [_alert(r) for r in session.execute(query).scalars()]

    def alerts_for_party(self, party_id: str, limit: int = 500) -> list[Alert]:
        """A kept party's alerts (open and past), newest first."""
        query = (select(AlertRow).where(AlertRow.party_id == party_id)
                 .order_by(AlertRow.created_at.desc(), AlertRow.id.desc()).limit(limit))
        with Session(self.engine) as session:
            return [_alert(r) for r in session.execute(query).scalars()]

    def open_count(self, source: str | None = None) -> int:
        """Open alerts, of one source (``monitor``, ``ui``, …) or all."""
        query = select(func.count()).select_from(AlertRow).where(AlertRow.status == "open")
        if source:
            query = query.where(AlertRow.source == source)
        with Session(self.engine) as session:
            return session.execute(query).scalar() or 0

    def decision(self, decision_id: int | None) -> Decision | None:
        if decision_id is None:
            return None
        with Session(self.engine) as session:
            row = session.get(DecisionRow, decision_id)
            return None if row is None else _decision(row)

    def history(self, key: str, entity_id: str) -> list[Decision]:
        with Session(self.engine) as session:
            rows = session.execute(select(DecisionRow).where(
                DecisionRow.party_key == key, DecisionRow.entity_id == entity_id,
            ).order_by(DecisionRow.decided_at.desc(), DecisionRow.id.desc())).scalars()
            return [_decision(r) for r in rows]

    def pending(self) -> list[Decision]:
        with Session(self.engine) as session:
            rows = session.execute(select(DecisionRow).where(DecisionRow.status == "pending")
                                   .order_by(DecisionRow.decided_at)).scalars()
            return [_decision(r) for r in rows]

    def counts(self) -> dict:
        """Open alerts by dataset and by age, decisions by outcome."""
        now = _now()
        with Session(self.engine) as session:
            open_rows = session.execute(select(AlertRow.dataset, AlertRow.created_at)
                                        .where(AlertRow.status == "open")).all()
            outcomes = dict(session.execute(select(DecisionRow.outcome, func.count())
                                            .group_by(DecisionRow.outcome)).all())
            weekly = session.execute(select(AlertRow.dataset, AlertRow.created_at)).all()
        by_dataset: dict[str, int] = {}
        by_age = {"< 1 day": 0, "1–7 days": 0, "> 7 days": 0}
        for dataset, created in open_rows:
            by_dataset[dataset] = by_dataset.get(dataset, 0) + 1
            days = (now - _utc(created)).total_seconds() / 86400
            by_age["< 1 day" if days < 1 else "1–7 days" if days <= 7 else "> 7 days"] += 1
        per_week: dict[str, dict[str, int]] = {}
        for dataset, created in weekly:
            year, week, _ = _utc(created).isocalendar()
            label = f"{year}-W{week:02d}"
            per_week.setdefault(label, {}).setdefault(dataset, 0)
            per_week[label][dataset] += 1
        return {"open_by_dataset": by_dataset, "open_by_age": by_age, "decisions": outcomes,
                "alerts_per_week": dict(sorted(per_week.items())[-12:])}

    # --- orders ---------------------------------------------------------------

    def record_order(self, order_id: str, order: dict, assessment: dict, call_id: str | None) -> Alert | None:
        """An order assessed above ``clear`` is an alert to decide, keyed by
        the order's content and its assessment (level and fired rules)."""
        if assessment["level"] == "clear":
            return None
        key = party_key({"order": order})
        rules = sorted(r["rule_id"] for r in assessment["reasons"])
        entity_hash = hashlib.sha256(orjson.dumps([assessment["level"], rules])).hexdigest()
        entity_id = f"order:{order_id}"
        levels = {"review": 0.85, "escalate": 0.9, "block": 1.0}
        with Session(self.engine) as session, session.begin():
            decision = self._holding_false_positive(session, key, entity_id, entity_hash)
            existing = session.execute(select(AlertRow).where(
                AlertRow.party_key == key, AlertRow.entity_id == entity_id, AlertRow.entity_hash == entity_hash,
                AlertRow.status == "open")).scalars().first()
            if existing is not None and decision is None:
                existing.call_id = call_id
                session.flush()
                return _alert(existing)
            row = AlertRow(party_key=key, party={"order_id": order_id, "names": [f"order {order_id}"]},
                           entity_id=entity_id, entity_caption=f"Order {order_id}: {assessment['level']}",
                           dataset="order assessment", version_id="", entity_hash=entity_hash,
                           score=levels.get(assessment["level"], 0.8),
                           explanation={"level": assessment["level"],
                                        "reasons": [{"rule_id": r["rule_id"], "summary": r["summary"]}
                                                    for r in assessment["reasons"]]},
                           status="suppressed" if decision else "open", created_at=_now(), call_id=call_id,
                           decision_id=decision.id if decision else None, source="order")
            session.add(row)
            session.flush()
            return _alert(row)
