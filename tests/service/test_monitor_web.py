"""Monitoring in the workspace: keeping parties from the Screen page, the
Parties pages, monitoring alerts with their reason and note in the alert
list and on the party page, removal (roles, CSRF, the party's data gone
from its alerts), escaping. The server is the live one of conftest.py."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timezone
from html import escape

import httpx
import pytest

from chokepoint.monitor.parties import PartyBase

PASSWORD = "Correct-Horse-42"
#: Names listed on the bundled DoD 1260H list (only these tests screen them).
MONITORED = "Origincell Technology Co., Ltd."
REMOVED = "Phenix Optical Company Limited"
KEPT_ALERTING = "Novogene Company Limited"
CLEAR = "Harbourside Stationery Supplies Ltd"


@pytest.fixture(scope="module")
def users(service_state):
    for name, role in (("mon-analyst", "analyst"), ("mon-viewer", "viewer")):
        if service_state.accounts.get(name) is None:
            service_state.accounts.create(name, role, PASSWORD)
    return {"analyst": "mon-analyst", "viewer": "mon-viewer"}


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@contextmanager
def login(base_url: str, username: str):
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=60) as client:
        form = client.get("/ui/login")
        response = client.post("/ui/login", data={"username": username, "password": PASSWORD,
                                                  "csrf_token": _csrf(form.text), "next": "/ui/"})
        assert response.status_code == 303, response.text
        yield client


def _row(html: str, marker: str) -> str:
    """The table row of ``html`` that contains ``marker``."""
    rows = [r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if marker in r]
    assert len(rows) == 1, (marker, len(rows))
    return rows[0]


def _alerts_section(html: str) -> str:
    """The Alerts section of a party page."""
    return html.split('id="alerts-h"', 1)[1]


def _keep_over_api(analyst, party_id: str, name: str) -> None:
    """Keep a party the way an API client does (``/match?keep=true``),
    which raises no alert by itself."""
    body = {"queries": {party_id: {"schema": "Company", "properties": {"name": [name]}}}}
    response = analyst.post("/match/default", params={"keep": "true"}, json=body)
    assert response.status_code == 200, response.text


def _monitor_alert(service_state, party_id: str):
    """A monitoring alert as a delta re-screen raises it: the kept party
    screened forward with the session's screener, its best match a
    :class:`DeltaHit` ("newly listed"), recorded by casework."""
    from chokepoint.monitor.delta import NEWLY_LISTED, DeltaHit

    party = PartyBase(service_state.store.engine).get(party_id)
    matches = service_state.loaded.screener.match(party.query(), 5)
    match = next(m for m in matches if m.is_match)
    new, suppressed = service_state.casework.record_monitor_hits([DeltaHit(party, match, NEWLY_LISTED)], None)
    assert len(new) == 1 and not suppressed
    return new[0]


def test_keep_from_the_screen_page_and_see_it_on_the_parties_page(base_url, users, service_state):
    parties = PartyBase(service_state.store.engine)
    with login(base_url, users["analyst"]) as client:
        form = client.get("/ui/screen")
        assert "Keep under monitoring" in form.text and 'name="party_id"' in form.text
        csrf = _csrf(form.text)
        missing = client.post("/ui/screen", data={"name": CLEAR, "schema": "Company", "keep": "on",
                                                  "csrf_token": csrf})
        assert missing.status_code == 422 and "give its party id" in missing.text
        assert 'name="keep" type="checkbox" value="on" checked' in missing.text  # the form keeps its input

        clear = client.post("/ui/screen", data={"name": CLEAR, "schema": "Company", "country": "gb", "keep": "on",
                                                "party_id": "MW-KEEP-1", "csrf_token": csrf})
        assert clear.status_code == 200, clear.text
        assert 'Kept as <a href="/ui/parties/MW-KEEP-1">MW-KEEP-1</a>' in clear.text
        alerting = client.post("/ui/screen", data={"name": KEPT_ALERTING, "schema": "Company", "keep": "on",
                                                   "party_id": "MW-KEEP-2", "csrf_token": csrf})
        assert "Kept as" in alerting.text
        alert_id = int(re.findall(r"/ui/alerts/(\d+)", alerting.text)[0])
        # screened without the box: nothing kept
        client.post("/ui/screen", data={"name": CLEAR, "schema": "Company", "party_id": "MW-NOT-KEPT",
                                        "csrf_token": csrf})

        kept = parties.get("MW-KEEP-1")
        assert kept.source == "ui" and kept.data["names"] == [CLEAR] and kept.data["countries"] == ["gb"]
        assert kept.last_result["status"] == "clear"
        assert parties.get("MW-KEEP-2").last_result["status"] == "alert"
        assert parties.get("MW-NOT-KEPT") is None
        # the alert of the kept screening belongs to the party
        assert service_state.casework.alert(alert_id).party_id == "MW-KEEP-2"
        record = service_state.audit.records(kind="screen.ui", actor=users["analyst"], limit=3)[1]
        assert record.summary["kept"] == "MW-KEEP-2" and record.request["keep"] == "MW-KEEP-2"

        listing = client.get("/ui/parties", params={"q": "MW-KEEP"})
        assert listing.status_code == 200
        assert "2 kept parties matching" in listing.text
        row = _row(listing.text, 'href="/ui/parties/MW-KEEP-1"')
        assert CLEAR in row and "Company" in row and "GB" in row and "clear" in row and "0." in row
        assert "alert" in _row(listing.text, 'href="/ui/parties/MW-KEEP-2"')
        by_name = client.get("/ui/parties", params={"q": "harbourside stationery"}).text
        assert 'href="/ui/parties/MW-KEEP-1"' in by_name
        # paging: one per page, a link to the next one
        first = client.get("/ui/parties", params={"q": "MW-KEEP", "limit": 1}).text
        assert "MW-KEEP-1" in first and 'href="/ui/parties/MW-KEEP-2"' not in first
        assert 'rel="next" href="/ui/parties?q=MW-KEEP&amp;offset=1&amp;limit=1"' in first
        second = client.get("/ui/parties", params={"q": "MW-KEEP", "limit": 1, "offset": 1}).text
        assert 'href="/ui/parties/MW-KEEP-2"' in second and 'rel="prev"' in second

        page = client.get("/ui/parties/MW-KEEP-2")
        assert page.status_code == 200 and KEPT_ALERTING in page.text
        assert f'<a href="/ui/alerts/{alert_id}">' in page.text and "Remove party" in page.text
        assert "Parties</a>" in page.text  # in the navigation
        assert client.get("/ui/parties/NO-SUCH-PARTY").status_code == 404

        # the upload form keeps the rows that have an id
        csv = f"id,name,schema\nMW-UP-1,{CLEAR},Company\n,Nameless Row Trading,Company\n".encode()
        upload = client.post("/ui/screen/upload", data={"keep": "on", "csrf_token": csrf},
                             files={"file": ("kept.csv", csv, "text/csv")})
        assert upload.status_code == 200, upload.text
        assert "Kept under monitoring: 1 new" in upload.text and "1 row(s) without an id" in upload.text
        assert 'href="/ui/parties/MW-UP-1"' in upload.text
        assert parties.get("MW-UP-1").source == "ui"
        assert not parties.list(search="Nameless Row Trading")
        dashboard = client.get("/ui/").text
        assert "Monitoring" in dashboard and f"<strong>{parties.count()}</strong> kept parties" in dashboard


def test_monitoring_alert_in_the_workspace_then_closed_when_delisted(base_url, users, analyst, service_state):
    _keep_over_api(analyst, "MW-MON-1", MONITORED)
    alert = _monitor_alert(service_state, "MW-MON-1")
    assert alert.reason == "newly listed" and alert.party_id == "MW-MON-1" and alert.status == "open"
    with login(base_url, users["viewer"]) as client:  # reading needs no more than a viewer
        row = _row(client.get("/ui/alerts").text, f'href="/ui/alerts/{alert.id}"')
        assert "newly listed" in row and MONITORED in row and 'href="/ui/parties/MW-MON-1"' in row
        detail = client.get(f"/ui/alerts/{alert.id}").text
        assert (f"Raised by monitoring: <strong>newly listed</strong> in <code>{alert.version_id}</code>"
                in detail)
        assert 'href="/ui/parties/MW-MON-1"' in detail
        party = client.get("/ui/parties/MW-MON-1").text
        assert f'<a href="/ui/alerts/{alert.id}">#{alert.id}</a> open' in party  # the matched entity's alert
        assert "newly listed" in _row(_alerts_section(party), f'href="/ui/alerts/{alert.id}"')
        assert "Remove party" not in party  # viewers do not remove
        dashboard = client.get("/ui/").text
        opened = service_state.casework.open_count("monitor")
        assert opened >= 1 and f"<strong>{opened}</strong> open monitoring alert" in dashboard

        closed = service_state.casework.close_delisted(alert.dataset, [alert.entity_id], "delisted on 2024-05-01")
        assert alert.id in [a.id for a in closed]
        assert f'href="/ui/alerts/{alert.id}"' not in client.get("/ui/alerts").text
        tab = client.get("/ui/alerts", params={"status": "closed"})
        assert 'href="/ui/alerts?status=closed" aria-current="page"' in tab.text
        row = _row(tab.text, f'href="/ui/alerts/{alert.id}"')
        assert "delisted on 2024-05-01" in row and "closed" in row and "newly listed" in row
        detail = client.get(f"/ui/alerts/{alert.id}").text
        assert "Note:</strong> delisted on 2024-05-01" in detail and "Closed: delisted on 2024-05-01." in detail
        party = _alerts_section(client.get("/ui/parties/MW-MON-1").text)
        assert "closed" in _row(party, f'href="/ui/alerts/{alert.id}"')
        assert client.get("/ui/alerts", params={"status": "bogus"}).status_code == 422


def test_markup_in_party_names_and_ids_is_escaped(base_url, users, service_state):
    name = "<script>alert(1)</script> Harbour Trading"
    party_id = "<i>MW-XSS</i>"
    with login(base_url, users["analyst"]) as client:
        csrf = _csrf(client.get("/ui/screen").text)
        screened = client.post("/ui/screen", data={"name": name, "schema": "Company", "keep": "on",
                                                   "party_id": party_id, "csrf_token": csrf})
        assert screened.status_code == 200
        assert PartyBase(service_state.store.engine).get(party_id).data["names"] == [name]
        pages = [screened.text, client.get("/ui/parties", params={"q": "MW-XSS"}).text,
                 client.get("/ui/parties", params={"q": "<script>alert(1)</script>"}).text,
                 client.get("/ui/parties/<i>MW-XSS</i>").text]
        for html in pages:
            assert "<script>alert(1)" not in html and "<i>MW-XSS" not in html
        for html in pages[1:]:
            assert escape(name, quote=False) in html
        assert escape(party_id, quote=False) in pages[3] and 'action="/ui/parties/%3Ci%3EMW-XSS%3C/i%3E/remove"' \
            in pages[3]
        # the id, with its slash, survives the round trip through the removal URL
        removed = client.post("/ui/parties/%3Ci%3EMW-XSS%3C/i%3E/remove", data={"csrf_token": csrf})
        assert removed.status_code == 303
        assert "&lt;i&gt;MW-XSS&lt;/i&gt; removed" in client.get(removed.headers["location"]).text
        assert PartyBase(service_state.store.engine).get(party_id) is None


def test_viewer_cannot_keep_or_remove(base_url, users, analyst, service_state):
    _keep_over_api(analyst, "MW-VIEW-1", CLEAR)
    with login(base_url, users["viewer"]) as client:
        csrf = _csrf(client.get("/ui/").text)
        keep = client.post("/ui/screen", data={"name": "Viewer Kept Ltd", "schema": "Company", "keep": "on",
                                               "party_id": "MW-VIEWER", "csrf_token": csrf})
        assert keep.status_code == 403
        upload = client.post("/ui/screen/upload", data={"keep": "on", "csrf_token": csrf},
                             files={"file": ("v.csv", b"id,name\nMW-VIEWER-2,Viewer Kept Ltd\n", "text/csv")})
        assert upload.status_code == 403
        assert client.get("/ui/parties").status_code == 200
        removal = client.post("/ui/parties/MW-VIEW-1/remove", data={"csrf_token": csrf})
        assert removal.status_code == 403 and "needs analyst" in removal.text
    parties = PartyBase(service_state.store.engine)
    assert parties.get("MW-VIEW-1") is not None
    assert parties.get("MW-VIEWER") is None and parties.get("MW-VIEWER-2") is None


def test_removal_needs_the_csrf_token_and_takes_the_party_out_of_its_alerts(base_url, users, analyst,
                                                                           service_state):
    _keep_over_api(analyst, "MW-RM-1", REMOVED)
    alert = _monitor_alert(service_state, "MW-RM-1")
    parties = PartyBase(service_state.store.engine)
    with login(base_url, users["analyst"]) as client:
        page = client.get("/ui/parties/MW-RM-1").text
        assert 'action="/ui/parties/MW-RM-1/remove"' in page
        for data in ({}, {"csrf_token": "forged"}):
            refused = client.post("/ui/parties/MW-RM-1/remove", data=data)
            assert refused.status_code == 403 and "security token" in refused.text
        assert parties.get("MW-RM-1") is not None

        done = client.post("/ui/parties/MW-RM-1/remove", data={"csrf_token": _csrf(page)})
        assert done.status_code == 303 and done.headers["location"] == "/ui/parties?removed=MW-RM-1"
        assert "Party MW-RM-1 removed" in client.get(done.headers["location"]).text
        assert parties.get("MW-RM-1") is None
        assert client.get("/ui/parties/MW-RM-1").status_code == 404
        again = client.post("/ui/parties/MW-RM-1/remove", data={"csrf_token": _csrf(page)})
        assert again.status_code == 404

        after = service_state.casework.alert(alert.id)
        today = datetime.now(timezone.utc).date().isoformat()
        assert after.status == "closed" and after.note == f"party removed on {today}"
        assert REMOVED not in str(after.party) and after.party["names"] == ["[removed party MW-RM-1]"]
        assert service_state.casework.alerts_for_party("MW-RM-1")[0].id == alert.id
        detail = client.get(f"/ui/alerts/{alert.id}")
        assert detail.status_code == 200 and "MW-RM-1 (removed)" in detail.text
        assert f"party removed on {today}" in detail.text
        row = _row(client.get("/ui/alerts", params={"status": "closed"}).text, f'href="/ui/alerts/{alert.id}"')
        assert "MW-RM-1 (removed)" in row and REMOVED not in row.split("</td>")[1]
    record = service_state.audit.records(kind="parties.remove", actor=users["analyst"], limit=1)[0]
    assert record.channel == "ui" and record.summary == {"removed": ["MW-RM-1"], "alerts": 1}
