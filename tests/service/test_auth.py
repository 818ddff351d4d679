"""Keys and roles: no data without a key, each role only its own work,
keys stored hashed, failed authentication rate-limited."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from tests.service.conftest import client_for, start_server

OPEN = {"/healthz", "/readyz"}
MATCH_BODY = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Rosneft"]}}}}


def _routes(base_url: str) -> list[tuple[str, str]]:
    spec = httpx.get(f"{base_url}/openapi.json").json()
    out = []
    for path, ops in spec["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        for method in ops:
            out.append((method.upper(), concrete if "{" in path else path))
    return out


def test_every_endpoint_but_health_refuses_a_request_without_a_key(base_url, anonymous):
    routes = _routes(base_url)
    assert len(routes) >= 15
    for method, path in routes:
        response = anonymous.request(method, path, json=MATCH_BODY if method == "POST" else None)
        if path in OPEN:
            assert response.status_code == 200, path
        else:
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert "results" not in response.text and "properties" not in response.text


def test_a_wrong_key_is_refused(base_url):
    for key in ("ck_000000000000_nope", "not-a-key", "ck_", "x" * 500):
        with client_for(base_url, key) as client:
            assert client.post("/match/default", json=MATCH_BODY).status_code == 401


@pytest.mark.parametrize(("role", "method", "path", "allowed"), [
    ("viewer", "GET", "/search/default?q=rosneft", True),
    ("viewer", "GET", "/entities/us-ofac-sdn-16418", True),
    ("viewer", "GET", "/lists", True),
    ("viewer", "POST", "/match/default", False),
    ("viewer", "POST", "/screen", False),
    ("viewer", "GET", "/keys", False),
    ("analyst", "POST", "/match/default", True),
    ("analyst", "GET", "/keys", False),
    ("analyst", "GET", "/audit", False),
    ("analyst", "POST", "/lists/x/activate", False),
    ("admin", "GET", "/keys", True),
    ("admin", "GET", "/audit", True),
])
def test_roles(base_url, api_keys, role, method, path, allowed):
    with client_for(base_url, api_keys[role]) as client:
        response = client.request(method, path, json=MATCH_BODY if path.startswith("/match") else None)
    if allowed:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 403
        assert role in response.json()["detail"]


def test_keys_are_stored_hashed_and_revocation_takes_effect(service_state, admin, base_url):
    from chokepoint.service.tables import ApiKeyRow

    created = admin.post("/keys", json={"role": "analyst", "name": "to-revoke"})
    assert created.status_code == 201
    secret, key_id = created.json()["key"], created.json()["id"]
    with service_state.store.engine.connect() as conn:
        rows = conn.execute(select(ApiKeyRow.__table__)).all()
    assert all(secret not in " ".join(map(str, row)) for row in rows)
    assert any(row.id == key_id and len(row.secret_hash) == 64 for row in rows)
    with client_for(base_url, secret) as client:
        assert client.post("/match/default", json=MATCH_BODY).status_code == 200
        assert admin.delete(f"/keys/{key_id}").status_code == 200
        assert client.post("/match/default", json=MATCH_BODY).status_code == 401
    listed = {k["id"]: k for k in admin.get("/keys").json()["keys"]}
    assert listed[key_id]["revoked_at"] is not None
    assert "key" not in listed[key_id]


def test_failed_authentication_is_rate_limited_per_address(service_state, api_keys):
    from chokepoint.service.app import create_app
    from chokepoint.service.state import ServiceState

    settings = service_state.settings.model_copy(update={"auth_fail_limit": 3, "auth_fail_window": 60.0})
    state = ServiceState(settings, service_state.store)
    state.loaded = service_state.loaded  # same index, own limiter
    server = start_server(create_app(settings, state=state))
    try:
        with client_for(server.url, "ck_000000000000_guess") as guesser:
            codes = [guesser.get("/lists").status_code for _ in range(5)]
        assert codes[:3] == [401, 401, 401]
        assert codes[3:] == [429, 429]
        with client_for(server.url, api_keys["viewer"]) as good:
            blocked = good.get("/lists")  # same address: blocked until the window passes
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
    finally:
        server.stop()
        state.stop()
