"""Health, readiness, metrics, catalog, lists and entities."""

from __future__ import annotations

import httpx

from tests.service.conftest import client_for, start_server


def test_readyz_is_503_until_the_index_is_loaded(service_state, api_keys):
    from chokepoint.service.app import create_app
    from chokepoint.service.state import ServiceState

    state = ServiceState(service_state.settings, service_state.store)  # not loaded
    server = start_server(create_app(state.settings, state=state))
    try:
        state.writer = None
        assert httpx.get(f"{server.url}/healthz").status_code == 200
        assert httpx.get(f"{server.url}/readyz").status_code == 503
        with client_for(server.url, api_keys["analyst"]) as client:
            response = client.post("/match/default", json={"queries": {"q": {"schema": "Company",
                                                                            "properties": {"name": ["x"]}}}})
            assert response.status_code == 503 and response.headers["retry-after"]
        state.load()
        ready = httpx.get(f"{server.url}/readyz").json()
        assert ready["ready"] and ready["index"]["entities"] > 10_000
        assert {item["dataset"] for item in ready["lists"]} >= {"us_ofac_sdn", "un_sc_sanctions"}
    finally:
        server.stop()
        state.stop()


def test_metrics_count_requests_and_report_lists(viewer, analyst):
    analyst.post("/match/default", json={"queries": {"q": {"schema": "Company", "properties": {"name": ["Rosneft"]}}}})
    text = viewer.get("/metrics").text
    assert 'chokepoint_http_requests_total{method="POST",route="/match/{dataset}",status="200"}' in text
    assert 'chokepoint_http_request_duration_seconds_bucket{le="0.03",route="/match/{dataset}"}' in text
    assert "chokepoint_index_names " in text
    assert 'chokepoint_list_age_seconds{dataset="us_ofac_sdn"' in text
    assert "chokepoint_screened_parties_total" in text


def test_catalog_lists_and_diff(viewer, service_state):
    catalog = viewer.get("/catalog").json()
    names = [d["name"] for d in catalog["datasets"]]
    assert names[:3] == ["default", "sanctions", "export_controls"]
    assert "us_ofac_sdn" in catalog["current"] and catalog["index_stale"] is False
    versions = viewer.get("/lists").json()["versions"]
    assert all(v["served"] for v in versions if v["active"])
    assert viewer.get("/lists/us_ofac_sdn/diff").status_code == 404  # one version only
    assert viewer.get("/lists/nope/diff").status_code == 404


def test_entity_with_linked_entities(viewer):
    entity = viewer.get("/entities/us-ofac-sdn-16418").json()
    assert entity["caption"] == "QODS AVIATION INDUSTRIES" and entity["source_id"] == "16418"
    sanctions = entity["properties"]["sanctions"]
    assert sanctions[0]["schema"] == "Sanction" and "NPWMD" in sanctions[0]["properties"]["programId"]
    # OFAC's "Linked To:" becomes a link to the Ministry of Defence, expanded
    links = entity["properties"].get("unknownLinkFrom", []) + entity["properties"].get("unknownLinkTo", [])
    others = [e for link in links for values in link["properties"].values() for e in values if isinstance(e, dict)]
    assert any("MINISTRY OF DEFENSE" in e["caption"].upper() for e in others)
    assert viewer.get("/entities/no-such-entity").status_code == 404
