"""The workspace over HTTP: sessions, CSRF, roles, escaping, lockout,
cookies, and the decision workflow (the browser flow is test_browser.py)."""

from __future__ import annotations

import re
from contextlib import contextmanager

import httpx
import pytest

PASSWORD = "Correct-Horse-42"


@pytest.fixture(scope="module")
def users(service_state):
    made = {}
    for name, role in (("web-analyst", "analyst"), ("web-analyst2", "analyst"), ("web-viewer", "viewer"),
                       ("web-admin", "admin"), ("web-locked", "analyst")):
        if service_state.accounts.get(name) is None:
            service_state.accounts.create(name, role, PASSWORD)
        made[role if name not in ("web-analyst2", "web-locked") else name] = name
    return made


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@contextmanager
def login(base_url: str, username: str, password: str = PASSWORD):
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=60) as client:
        form = client.get("/ui/login")
        response = client.post("/ui/login", data={"username": username, "password": password,
                                                  "csrf_token": _csrf(form.text), "next": "/ui/"})
        assert response.status_code == 303, response.text
        yield client


def test_logged_out_reaches_only_the_login_page(base_url):
    with httpx.Client(base_url=base_url, follow_redirects=False) as client:
        for path in ("/ui/", "/ui/screen", "/ui/alerts", "/ui/alerts/1", "/ui/orders", "/ui/lists", "/ui/audit",
                     "/ui/admin", "/ui/certificates/x", "/ui/audit/export"):
            response = client.get(path)
            assert response.status_code == 303 and response.headers["location"].startswith("/ui/login"), path
        response = client.post("/ui/screen", data={"name": "x"})
        assert response.status_code == 303
        assert client.get("/ui/login").status_code == 200
        assert client.get("/").headers["location"] == "/ui/"


def test_session_cookie_is_httponly_and_samesite(base_url, users):
    with httpx.Client(base_url=base_url, follow_redirects=False) as client:
        form = client.get("/ui/login")
        response = client.post("/ui/login", data={"username": users["analyst"], "password": PASSWORD,
                                                  "csrf_token": _csrf(form.text)})
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("cp_session="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        logout = client.post("/ui/logout", data={"csrf_token": _csrf(client.get("/ui/").text)})
        assert logout.status_code == 303
        assert client.get("/ui/").status_code == 303  # the session is gone server-side


def test_post_without_csrf_token_is_refused(base_url, users):
    with login(base_url, users["analyst"]) as client:
        for data in ({"name": "Rosneft", "schema": "Company"}, {"name": "Rosneft", "schema": "Company",
                                                                 "csrf_token": "forged"}):
            response = client.post("/ui/screen", data=data)
            assert response.status_code == 403 and "security token" in response.text
        # and the login form refuses a post without its token
    with httpx.Client(base_url=base_url) as anonymous:
        response = anonymous.post("/ui/login", data={"username": users["analyst"], "password": PASSWORD})
        assert response.status_code == 403


def test_party_names_with_markup_are_escaped_everywhere(base_url, users):
    alerting = "<b>Rosneft</b>"  # still alerts: markup is not a name
    script = '<script>alert("x")</script><img src=x onerror=alert(1)> Acme'
    with login(base_url, users["analyst"]) as client:
        csrf = _csrf(client.get("/ui/screen").text)
        first = client.post("/ui/screen", data={"name": alerting, "schema": "Company", "csrf_token": csrf})
        second = client.post("/ui/screen", data={"name": script, "schema": "Company", "csrf_token": csrf})
        assert first.status_code == second.status_code == 200
        alert_id = re.findall(r"/ui/alerts/(\d+)", first.text)[0]
        pages = [first.text, second.text, client.get(f"/ui/alerts/{alert_id}").text,
                 client.get("/ui/alerts").text, client.get("/ui/").text, client.get("/ui/audit").text]
        for response in (first, second):
            call_id = re.search(r"/ui/certificates/([0-9a-f-]{36})", response.text).group(1)
            pages.append(client.get(f"/ui/certificates/{call_id}").text)
        for html in pages:
            assert "<b>Rosneft" not in html and "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;b&gt;Rosneft&lt;/b&gt;" in pages[0] and "&lt;script&gt;" in pages[1]
        assert "&lt;b&gt;Rosneft&lt;/b&gt;" in pages[2] and "&lt;b&gt;Rosneft" in pages[3]


def test_viewer_cannot_decide_screen_or_administer(base_url, users, service_state):
    with login(base_url, users["analyst"]) as analyst:
        csrf = _csrf(analyst.get("/ui/screen").text)
        screened = analyst.post("/ui/screen", data={"name": "Rosneft", "schema": "Company", "csrf_token": csrf})
        alert_id = re.findall(r"/ui/alerts/(\d+)", screened.text)[0]
    with login(base_url, users["viewer"]) as viewer:
        html = viewer.get(f"/ui/alerts/{alert_id}").text
        assert "Reason (required)" not in html  # no decision form for a viewer
        csrf = _csrf(viewer.get("/ui/").text)
        response = viewer.post(f"/ui/alerts/{alert_id}/decide", data={"outcome": "false_positive",
                                                                     "reason": "viewer try", "csrf_token": csrf})
        assert response.status_code == 403
        assert viewer.get("/ui/screen").status_code == 403
        assert viewer.get("/ui/admin").status_code == 403
        assert viewer.post("/ui/admin/four-eyes", data={"enabled": "on", "csrf_token": csrf}).status_code == 403
    assert service_state.casework.alert(int(alert_id)).status == "open"


def test_repeated_failed_logins_lock_the_account(base_url, users, service_state):
    from chokepoint.service.accounts import LOCK_AFTER

    with httpx.Client(base_url=base_url, follow_redirects=False) as client:
        for _ in range(LOCK_AFTER):
            form = client.get("/ui/login")
            response = client.post("/ui/login", data={"username": users["web-locked"], "password": "wrong-password",
                                                      "csrf_token": _csrf(form.text)})
            assert response.status_code == 401
        form = client.get("/ui/login")
        response = client.post("/ui/login", data={"username": users["web-locked"], "password": PASSWORD,
                                                  "csrf_token": _csrf(form.text)})
        assert response.status_code == 401 and "locked" in response.text
    kinds = [r.kind for r in service_state.audit.records(actor=users["web-locked"], limit=20)]
    assert kinds.count("login.failed") >= LOCK_AFTER


def test_four_eyes_needs_a_second_analyst(base_url, users, service_state):
    with login(base_url, users["admin"]) as admin:
        admin.post("/ui/admin/four-eyes", data={"enabled": "on", "csrf_token": _csrf(admin.get("/ui/admin").text)})
    assert service_state.casework.four_eyes()
    try:
        with login(base_url, users["analyst"]) as first:
            csrf = _csrf(first.get("/ui/screen").text)
            screened = first.post("/ui/screen", data={"name": "Arkady Rotenberg", "schema": "Person",
                                                      "csrf_token": csrf})
            alert_id = int(re.findall(r"/ui/alerts/(\d+)", screened.text)[0])
            first.post(f"/ui/alerts/{alert_id}/decide", data={"outcome": "true_match", "reason": "same person, DOB",
                                                              "csrf_token": csrf})
            decision = service_state.casework.decision(service_state.casework.alert(alert_id).decision_id)
            assert decision.status == "pending"
            own = first.post(f"/ui/decisions/{decision.id}/confirm", data={"csrf_token": csrf})
            assert own.status_code == 422 and "second analyst" in own.text
        with login(base_url, users["web-analyst2"]) as second:
            csrf = _csrf(second.get("/ui/").text)
            assert second.post(f"/ui/decisions/{decision.id}/confirm", data={"csrf_token": csrf}).status_code == 303
        confirmed = service_state.casework.decision(decision.id)
        assert confirmed.status == "final" and confirmed.confirmed_by == users["web-analyst2"]
        assert service_state.casework.alert(alert_id).status == "decided"
    finally:
        service_state.casework.set_four_eyes(False)


def test_decision_needs_a_reason_and_is_audited(base_url, users, service_state):
    with login(base_url, users["analyst"]) as client:
        csrf = _csrf(client.get("/ui/screen").text)
        screened = client.post("/ui/screen", data={"name": "Stroygazmontazh", "schema": "Company",
                                                   "csrf_token": csrf})
        alert_id = re.findall(r"/ui/alerts/(\d+)", screened.text)[0]
        empty = client.post(f"/ui/alerts/{alert_id}/decide", data={"outcome": "escalate", "reason": "",
                                                                   "csrf_token": csrf})
        assert empty.status_code == 422 and "reason" in empty.text
        done = client.post(f"/ui/alerts/{alert_id}/decide", data={"outcome": "escalate", "reason": "check owners",
                                                                  "csrf_token": csrf})
        assert done.status_code == 303
    record = service_state.audit.records(kind="decision", limit=1)[0]
    assert record.actor == users["analyst"] and record.summary["outcome"] == "escalate"
    assert service_state.audit.verify().ok


def test_batch_upload_download_and_certificate(base_url, users, tmp_path):
    from pathlib import Path

    parties = (Path(__file__).resolve().parents[2] / "examples" / "parties.csv").read_bytes()
    with login(base_url, users["analyst"]) as client:
        csrf = _csrf(client.get("/ui/screen").text)
        response = client.post("/ui/screen/upload", data={"csrf_token": csrf},
                               files={"file": ("parties.csv", parties, "text/csv")})
        assert response.status_code == 200 and "alert" in response.text
        call_id = re.search(r"/ui/screenings/([0-9a-f-]{36})\.csv", response.text).group(1)
        csv_text = client.get(f"/ui/screenings/{call_id}.csv").text
        assert csv_text.splitlines()[0] == "id,status,top_score,entity_ids" and len(csv_text.splitlines()) > 5
        xlsx = client.get(f"/ui/screenings/{call_id}.xlsx")
        assert xlsx.content[:2] == b"PK"
        cert = client.get(f"/ui/certificates/{call_id}?format=json").json()
        assert cert["audit"]["hash_verified"] and cert["list_versions"] and cert["kind"] == "screen.batch"
        bad = client.post("/ui/screen/upload", data={"csrf_token": csrf},
                          files={"file": ("parties.txt", b"name\nx\n", "text/plain")})
        assert bad.status_code == 422
