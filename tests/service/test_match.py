"""``POST /match/{dataset}``: yente's documented requests, answered in
yente's shape, with chokepoint's additions (source_id, list_version)."""

from __future__ import annotations

import pytest

from tests.service.conftest import client_for

# The request examples of yente's documentation and OpenSanctions' API
# examples: a person with names in two scripts and a birth year, and a
# company with a name and a jurisdiction, sent as one batch.
YENTE_EXAMPLE_1 = {
    "schema": "Person",
    "properties": {"name": ["Arkadiii Romanovich Rotenberg", "Ротенберг Аркадий"], "birthDate": ["1951"]},
}
YENTE_EXAMPLE_2 = {"schema": "Company", "properties": {"name": ["Stroygazmontazh"], "jurisdiction": ["Russia"]}}
YENTE_BATCH = {"queries": {"q1": YENTE_EXAMPLE_1, "q2": YENTE_EXAMPLE_2}}

RESULT_FIELDS = {"id", "caption", "schema", "properties", "datasets", "referents", "target", "first_seen",
                 "last_seen", "last_change", "score", "match", "explanations", "source_id", "list_version"}
FEATURE_FIELDS = {"score", "weight", "detail", "query", "candidate"}


@pytest.mark.parametrize("dataset", ["default", "sanctions"])
def test_yente_documentation_batch_is_answered_in_yentes_shape(analyst, dataset):
    response = analyst.post(f"/match/{dataset}", json=YENTE_BATCH)
    assert response.status_code == 200, response.text
    assert response.headers["x-batch-size"] == "2"
    body = response.json()
    assert set(body) == {"responses", "limit", "call_id"}
    assert body["limit"] == 5
    assert set(body["responses"]) == {"q1", "q2"}
    for key, example in (("q1", YENTE_EXAMPLE_1), ("q2", YENTE_EXAMPLE_2)):
        answer = body["responses"][key]
        assert set(answer) == {"status", "results", "total", "query", "adverse_media"}  # + chokepoint's articles
        assert answer["status"] == 200
        assert answer["query"]["schema"] == example["schema"]
        assert answer["query"]["properties"] == example["properties"]
        assert answer["total"]["relation"] == "eq"
        assert answer["total"]["value"] == sum(1 for r in answer["results"] if r["match"])
        assert answer["results"], f"{key}: a listed party must come back"
        scores = [r["score"] for r in answer["results"]]
        assert scores == sorted(scores, reverse=True)
        for result in answer["results"]:
            assert set(result) == RESULT_FIELDS | {"adverse_media"}
            assert isinstance(result["properties"], dict) and result["properties"]["name"]
            assert result["datasets"] and result["list_version"].startswith(result["datasets"][0] + "@")
            assert result["target"] is True
            assert 0.0 <= result["score"] <= 1.0
            assert result["match"] == (result["score"] >= 0.8)
            assert "name_similarity" in result["explanations"]
            for feature in result["explanations"].values():
                assert set(feature) == FEATURE_FIELDS
    rotenberg = body["responses"]["q1"]["results"][0]
    assert rotenberg["match"] and "Rotenberg" in rotenberg["caption"].title()
    assert "birth_date_year" in rotenberg["explanations"] or "birth_date_match" in rotenberg["explanations"]
    stroy = body["responses"]["q2"]["results"][0]
    assert stroy["match"] and "stroygazmontazh" in stroy["caption"].lower()
    assert stroy["explanations"]["country_match"]["score"] == 1.0


def test_yente_client_scheme_and_bare_key_work(base_url, api_keys):
    """yente-client sends `ApiKey <key>`; some scripts send the bare key."""
    for headers in ({"Authorization": f"ApiKey {api_keys['analyst']}"}, {"Authorization": api_keys["analyst"]}):
        with client_for(base_url, None) as client:
            response = client.post("/match/default", json=YENTE_BATCH, headers=headers)
            assert response.status_code == 200, response.text


def test_source_id_and_list_version_name_the_record_in_the_list(analyst, service_state):
    response = analyst.post("/match/us_ofac_sdn", json={
        "queries": {"q": {"schema": "Organization", "properties": {"name": ["Qods Aviation Industries"]}}}})
    top = response.json()["responses"]["q"]["results"][0]
    assert top["id"] == "us-ofac-sdn-16418"
    assert top["source_id"] == "16418"
    active = {v.dataset: v.id for v in service_state.store.active_versions()}
    assert top["list_version"] == active["us_ofac_sdn"]
    assert top["datasets"] == ["us_ofac_sdn"]


def test_dataset_scope_and_exclusions(analyst):
    query = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Rosneft"]}}}}
    everywhere = analyst.post("/match/default?limit=20", json=query).json()["responses"]["q"]["results"]
    datasets = {r["datasets"][0] for r in everywhere}
    assert len(datasets) >= 2
    one = sorted(datasets)[0]
    only = analyst.post(f"/match/{one}?limit=20", json=query).json()["responses"]["q"]["results"]
    assert only and {r["datasets"][0] for r in only} == {one}
    without = analyst.post(f"/match/default?limit=20&exclude_dataset={one}", json=query).json()
    assert one not in {r["datasets"][0] for r in without["responses"]["q"]["results"]}
    first = everywhere[0]["id"]
    skipped = analyst.post(f"/match/default?limit=20&exclude_entity_ids={first}", json=query).json()
    assert first not in [r["id"] for r in skipped["responses"]["q"]["results"]]
    export = analyst.post("/match/export_controls?limit=20", json=query).json()["responses"]["q"]["results"]
    assert export and all(r["datasets"][0].startswith(("us_bis", "us_state", "us_ddtc", "us_dod", "jp_"))
                          for r in export)


def test_threshold_and_cutoff_set_match_and_what_is_returned(analyst):
    query = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Rosneft Trading"]}}}}
    strict = analyst.post("/match/default?threshold=0.99&cutoff=0.3&limit=10", json=query).json()
    results = strict["responses"]["q"]["results"]
    assert results and all(r["match"] == (r["score"] >= 0.99) for r in results)
    assert all(r["score"] >= 0.3 for r in results)
    narrow = analyst.post("/match/default?cutoff=0.95&threshold=0.95&limit=10", json=query).json()
    assert all(r["score"] >= 0.95 for r in narrow["responses"]["q"]["results"])


def test_identifier_only_query_finds_the_vessel(analyst, service_state):
    # a vessel by its IMO number alone
    index = service_state.loaded.screener.index
    vessel = next(r for r in index.records if r.schema == "Vessel" and r.identifiers.get("imo"))
    imo = sorted(vessel.identifiers["imo"])[0]
    response = analyst.post("/match/default", json={
        "queries": {"v": {"schema": "Vessel", "properties": {"imoNumber": [f"IMO {imo}"]}}}})
    assert response.status_code == 200, response.text
    results = response.json()["responses"]["v"]["results"]
    assert results[0]["id"] == vessel.entity_id
    assert results[0]["explanations"]["identifier_match"]["score"] == 1.0


def test_weights_and_config_override_and_unknown_ones_are_refused(analyst):
    base = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Arkady Rotenberg"],
                                                                  "birthDate": ["1951-12-15"]}}}}
    plain = analyst.post("/match/default", json=base).json()["responses"]["q"]["results"][0]
    tuned = analyst.post("/match/default", json={**base, "weights": {"birth_date_match": 0.0}}).json()
    tuned_top = tuned["responses"]["q"]["results"][0]
    assert tuned_top["id"] == plain["id"]
    if "birth_date_match" in plain["explanations"]:
        assert tuned_top["score"] <= plain["score"]
    bad = analyst.post("/match/default", json={**base, "weights": {"no_such_feature": 1.0}})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "weights"]
    bad = analyst.post("/match/default", json={**base, "config": {"nm_number_mismatch": 0.4}})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "config"]


def test_explain_adds_the_full_explanation(analyst):
    response = analyst.post("/match/default?explain=true", json={
        "queries": {"q": {"schema": "Company", "properties": {"name": ["Rosneft"]}}}}).json()
    result = response["responses"]["q"]["results"][0]
    assert result["explanation"]["schema_version"] == "1.0"
    assert result["explanation"]["name"]["words"]


def test_name_parts_are_composed_when_no_full_name_is_given(analyst):
    response = analyst.post("/match/default", json={"queries": {"q": {"schema": "Person", "properties": {
        "firstName": ["Arkady"], "lastName": ["Rotenberg"]}}}})
    assert response.status_code == 200
    assert "rotenberg" in response.json()["responses"]["q"]["results"][0]["caption"].lower()


def test_changed_since_in_the_future_returns_nothing(analyst):
    query = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Rosneft"]}}}}
    response = analyst.post("/match/default?changed_since=2999-01-01", json=query)
    assert response.status_code == 200
    assert response.json()["responses"]["q"]["results"] == []
    response = analyst.post("/match/default?changed_since=2000-01-01", json=query)
    assert response.json()["responses"]["q"]["results"]


def test_search_and_algorithms(viewer):
    found = viewer.get("/search/default", params={"q": "qods aviation"}).json()
    assert "us-ofac-sdn-16418" in [r["id"] for r in found["results"] if r["score"] == found["results"][0]["score"]]
    assert found["total"]["value"] >= 1
    algos = viewer.get("/algorithms").json()
    assert algos["best"] == algos["default"] == "chokepoint-v1"
    algo = algos["algorithms"][0]
    assert algo["threshold"] == 0.8 and "name_similarity" in algo["features"]
    assert algo["docs"]["features"]["name_similarity"]["coefficient"] == 1.0
