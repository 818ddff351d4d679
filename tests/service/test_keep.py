"""``keep=true`` on /match and /screen keeps the screened parties in the
party base under monitoring, with their last result."""

from __future__ import annotations

import orjson

from chokepoint.monitor.parties import PartyBase


def test_match_keep_stores_each_query_under_its_key(analyst, service_state):
    body = {"queries": {
        "cust-keep-1": {"schema": "Company", "properties": {"name": ["Qods Aviation Industries"], "country": ["ir"]}},
        "cust-keep-2": {"schema": "Person", "properties": {"name": ["Margit Oberholzer"]}},
    }}
    r = analyst.post("/match/default", params={"keep": "true"}, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["kept"]["added"] + r.json()["kept"]["unchanged"] == 2
    parties = PartyBase(service_state.store.engine)
    hit, clear = parties.get("cust-keep-1"), parties.get("cust-keep-2")
    assert hit.data["names"] == ["Qods Aviation Industries"] and hit.data["countries"] == ["ir"]
    assert hit.source == "api" and hit.last_result["status"] == "alert"
    assert hit.last_result["matches"][0]["score"] >= 0.7
    assert clear.last_result["status"] == "clear"
    # the same query again changes nothing
    again = analyst.post("/match/default", params={"keep": "true"}, json=body).json()["kept"]
    assert again == {"added": 0, "updated": 0, "unchanged": 2}
    # without keep nothing is stored
    r = analyst.post("/match/default", json={"queries": {"cust-not-kept": body["queries"]["cust-keep-2"]}})
    assert r.status_code == 200 and "kept" not in r.json()
    assert parties.get("cust-not-kept") is None


def test_match_keep_refuses_an_overlong_key(analyst):
    body = {"queries": {"k" * 201: {"schema": "Person", "properties": {"name": ["Anna Example"]}}}}
    r = analyst.post("/match/default", params={"keep": "true"}, json=body)
    assert r.status_code == 422 and "party id" in r.text


def test_screen_keep_stores_rows_with_ids(analyst, service_state):
    rows = [{"id": "scr-keep-1", "name": "Arkady Rotenberg", "schema": "Person", "birth_date": "1951"},
            {"name": "No Id Trading", "schema": "Company"},
            {"id": "scr-keep-3", "name": "", "schema": "Company"}]
    body = b"\n".join(orjson.dumps(r) for r in rows)
    r = analyst.post("/screen", params={"keep": "true"}, content=body,
                     headers={"content-type": "application/x-ndjson", "accept": "application/json"})
    assert r.status_code == 200, r.text
    parties = PartyBase(service_state.store.engine)
    kept = parties.get("scr-keep-1")
    assert kept is not None and kept.last_result["status"] == "alert" and kept.data["birth_dates"] == ["1951"]
    assert parties.get("scr-keep-3") is None  # an error row is not kept
    assert not [p for p in parties.list(search="No Id Trading")]
