"""Bad input gets a 4xx naming what is wrong, never a 500, and never
stops the service."""

from __future__ import annotations

import pytest

GOOD = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Rosneft"]}}}}


def _detail_locs(response) -> list[list]:
    return [e["loc"] for e in response.json()["detail"]]


@pytest.mark.parametrize(("body", "loc"), [
    ({"queries": {"q": {"schema": "Compny", "properties": {"name": ["x"]}}}}, ["body", "queries", "q", "schema"]),
    ({"queries": {"q": {"schema": "Sanction", "properties": {"name": ["x"]}}}}, ["body", "queries", "q", "schema"]),
    ({"queries": {"q": {"schema": "Company", "properties": {"nam": ["x"]}}}}, ["body", "queries", "q"]),
    ({"queries": {"q": {"schema": "Company", "properties": {"name": [{"a": 1}]}}}}, ["body", "queries", "q", "properties"]),
    ({"queries": {"q": {"schema": 5, "properties": {"name": ["x"]}}}}, ["body", "queries", "q", "schema"]),
    ({"queries": {"q": {"schema": "Company", "properties": {"name": ["x" * 5000]}}}}, ["body", "queries", "q"]),
    ({"queries": {"q": {"schema": "Company", "properties": {}}}}, ["body", "queries", "q", "properties"]),
    ({"queries": {}}, ["body", "queries"]),
    ({"queries": "Rosneft"}, ["body", "queries"]),
    ({}, ["body", "queries"]),
    ([1, 2], ["body"]),
])
def test_invalid_match_bodies_name_the_field(analyst, body, loc):
    response = analyst.post("/match/default", json=body)
    assert response.status_code == 422, response.text
    assert any(found[: len(loc)] == loc for found in _detail_locs(response)), _detail_locs(response)


def test_too_many_queries(analyst, service_state):
    n = service_state.settings.max_queries + 1
    body = {"queries": {f"q{i}": {"schema": "Company", "properties": {"name": [f"Company {i}"]}} for i in range(n)}}
    response = analyst.post("/match/default", json=body)
    assert response.status_code == 422
    assert "at most" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize(("query", "loc"), [
    ("limit=0", ["query", "limit"]),
    ("limit=100000", ["query", "limit"]),
    ("limit=abc", ["query", "limit"]),
    ("threshold=1.5", ["query", "threshold"]),
    ("threshold=nan", ["query", "threshold"]),
    ("changed_since=yesterday", ["query", "changed_since"]),
    ("algorithm=logic-v2", ["query", "algorithm"]),
    ("include_dataset=nope", ["query", "include_dataset", 0]),
    ("&".join(f"exclude_entity_ids=e{i}" for i in range(51)), ["query", "exclude_entity_ids"]),
])
def test_invalid_parameters_name_the_parameter(analyst, query, loc):
    response = analyst.post(f"/match/default?{query}", json=GOOD)
    assert response.status_code == 422, response.text
    assert loc in _detail_locs(response)


def test_unknown_dataset_is_404(analyst):
    response = analyst.post("/match/no_such_list", json=GOOD)
    assert response.status_code == 404
    assert "no_such_list" in response.json()["detail"] and "default" in response.json()["detail"]


@pytest.mark.parametrize("raw", [
    b"{not json",
    b'{"queries": {"q": {"schema": "Company", "properties": {"name": ["\\ud800"]}}}}',  # lone surrogate
    b'{"queries": {"q": {"schema": "Company", "properties": {"name": ["\xff\xfe"]}}}}',  # invalid UTF-8
    b"",
    b"null",
])
def test_broken_json_and_unicode_are_422(analyst, raw):
    response = analyst.post("/match/default", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_oversized_bodies_are_413_whether_announced_or_chunked(analyst, service_state):
    limit = service_state.settings.max_body_bytes
    big = b'{"queries": {"q": {"schema": "Company", "properties": {"name": ["' + b"a" * limit + b'"]}}}}'
    response = analyst.post("/match/default", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert str(limit) in response.json()["detail"]

    def chunks():
        for start in range(0, len(big), 65536):
            yield big[start: start + 65536]

    response = analyst.post("/match/default", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    # and the service still answers
    assert analyst.post("/match/default", json=GOOD).status_code == 200


def test_screen_bad_bodies(analyst, service_state):
    assert analyst.post("/screen", content=b"\xff\xfe\x00garbage").status_code == 422
    assert analyst.post("/screen", content=b"[1, 2").status_code == 422
    assert analyst.post("/screen", content=b"").status_code == 422
    too_many = "\n".join('{"name": "x"}' for _ in range(service_state.settings.max_screen_rows + 1))
    response = analyst.post("/screen", content=too_many.encode())
    assert response.status_code == 422 and "at most" in response.json()["detail"][0]["msg"]


def test_assess_invalid_order_names_the_fields(analyst):
    response = analyst.post("/assess", json={"id": "o1", "parties": [{"role": "buyer"}], "lines": "x"})
    assert response.status_code == 422
    locs = _detail_locs(response)
    assert ["body", "lines"] in locs
