"""Decisions suppress the same alert until the party or the listing
changes: on real OFAC SDN vintages, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from chokepoint.lists.store import ListStore
from chokepoint.matching.engine import load_screener
from chokepoint.matching.records import PartyQuery
from chokepoint.service.casework import Casework, CaseworkError
from tests.lists.test_store import sdn_results  # noqa: F401  (module fixture)


def _screen(store, settings, casework, query):
    screener = load_screener(store, settings)
    matches = screener.match(query, limit=5)
    return casework.record_screening(query, matches, call_id=None)


def test_false_positive_suppresses_until_the_listing_changes(settings, sdn_results):  # noqa: F811
    store = ListStore.open(settings)
    v2023 = store.load(sdn_results[2023], source="sdn 2023").version
    # an entity whose listing changed between the two versions
    later = store.load(sdn_results[2024], source="sdn 2024", activate=False).version
    changed = store.diff("us_ofac_sdn", v2023.id, later.id).changed
    target = next(c for c in changed if c.schema in ("Organization", "Company", "LegalEntity"))
    casework = Casework(store.engine)
    query = PartyQuery.build(name=target.caption, schema="LegalEntity")

    first = [p for p in _screen(store, settings, casework, query) if p.match.record.entity_id == target.entity_id][0]
    assert first.alert.status == "open" and first.suppressed_by is None
    again = [p for p in _screen(store, settings, casework, query) if p.match.record.entity_id == target.entity_id][0]
    assert again.alert.id == first.alert.id  # the same open alert, not a duplicate

    with pytest.raises(CaseworkError):
        casework.decide(first.alert.id, "false_positive", "", "alice")
    decision = casework.decide(first.alert.id, "false_positive", "different company, other country", "alice")
    assert decision.status == "final" and casework.alert(first.alert.id).status == "decided"

    suppressed = [p for p in _screen(store, settings, casework, query)
                  if p.match.record.entity_id == target.entity_id][0]
    assert suppressed.suppressed_by.id == decision.id and suppressed.alert.status == "suppressed"

    # the party's data changes: it alerts again
    other = PartyQuery.build(name=target.caption, schema="LegalEntity", country="de")
    changed_party = [p for p in _screen(store, settings, casework, other)
                     if p.match.record.entity_id == target.entity_id]
    if changed_party:
        assert changed_party[0].alert.status == "open"

    # the listing changes in a new version: it alerts again
    store.activate(later.id)
    realert = [p for p in _screen(store, settings, casework, query) if p.match.record.entity_id == target.entity_id][0]
    assert realert.suppressed_by is None and realert.alert.status == "open"
    assert realert.alert.entity_hash != first.alert.entity_hash
    history = casework.history(first.alert.party_key, target.entity_id)
    assert [d.id for d in history] == [decision.id]


def test_escalation_does_not_suppress(settings, sdn_results):  # noqa: F811
    store = ListStore.open(settings)
    store.load(sdn_results[2024], source="sdn 2024")
    casework = Casework(store.engine)
    query = PartyQuery.build(name="Qods Aviation Industries", schema="Company")
    pair = [p for p in _screen(store, settings, casework, query) if p.alert][0]
    casework.decide(pair.alert.id, "escalate", "ownership unclear", "alice")
    with pytest.raises(CaseworkError):
        casework.decide(pair.alert.id, "true_match", "again", "bob")  # no longer open
    again = [p for p in _screen(store, settings, casework, query) if p.alert][0]
    assert again.alert.status == "open" and again.suppressed_by is None
