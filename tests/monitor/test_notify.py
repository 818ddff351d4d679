"""Notifications of new monitoring alerts, against a real local webhook
receiver (http.server) and a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
import socket
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chokepoint.monitor.notify import (
    ATTACHMENT_NAME,
    EVENT_NEW_ALERTS,
    Notification,
    new_alerts_notification,
    notify,
    sign,
    verify_signature,
)
from chokepoint.settings import Settings

SECRET = "whsec-test-0123456789"

ALERTS = [
    {"id": 41, "party_id": "CUST-0042", "entity_id": "us-ofac-sdn-16418",
     "entity_caption": "QUDS AVIATION INDUSTRY", "dataset": "us_ofac_sdn", "score": 0.9312,
     "reason": "newly listed", "status": "open"},
    {"id": 42, "party_id": "SUP-7", "entity_id": "gb-fcdo-RUS1234",
     "entity_caption": "OOO Alabuga Optima", "dataset": "gb_fcdo_sanctions", "score": 0.87,
     "reason": "listing changed", "status": "open"},
]
RUNS = [
    {"id": 7, "dataset": "us_ofac_sdn", "from_version": "us_ofac_sdn@aaaaaaaaaaaa",
     "to_version": "us_ofac_sdn@bbbbbbbbbbbb", "new_alerts": 1, "closed_alerts": 1},
    {"id": 8, "dataset": "gb_fcdo_sanctions", "from_version": "gb_fcdo_sanctions@cccccccccccc",
     "to_version": "gb_fcdo_sanctions@dddddddddddd", "new_alerts": 1, "closed_alerts": 0},
]


def _notification(**overrides) -> Notification:
    n = new_alerts_notification(RUNS, ALERTS, [{"id": 3, "party_id": "CUST-0001", "status": "closed"}],
                                now=datetime(2026, 5, 1, 12, 0, tzinfo=UTC))
    return Notification(**{**n.__dict__, **overrides})


def _settings(tmp_path, **values) -> Settings:
    base = {"home": tmp_path, "update_backoff": 0.01, "update_timeout": 3.0, "update_attempts": 3}
    return Settings(**{**base, **values})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- a real webhook receiver -------------------------------------------------------------------


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers
    with the scripted statuses (then 200)."""

    def __init__(self, statuses: list[int] | None = None):
        self.statuses = list(statuses or [])
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body,
                                          "at": time.time()})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = b'{"ok": true}' if status < 300 else b'{"error": "no"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/chokepoint"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(statuses: list[int] | None = None) -> Receiver:
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.close()


def test_webhook_delivers_signed_json(tmp_path, receivers):
    hook = receivers()
    notification = _notification()
    before = int(time.time())
    results = notify(_settings(tmp_path, webhook_urls=(hook.url,), webhook_secret=SECRET), notification)

    assert [(r.channel, r.target, r.ok, r.status, r.attempts) for r in results] == [
        ("webhook", hook.url, True, 200, 1)]
    [request] = hook.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert request["path"] == "/hooks/chokepoint"
    assert headers["content-type"] == "application/json"
    assert headers["x-chokepoint-event"] == EVENT_NEW_ALERTS
    assert uuid.UUID(headers["x-chokepoint-delivery"]) and headers["x-chokepoint-delivery"] == results[0].delivery_id
    assert before <= int(headers["x-chokepoint-timestamp"]) <= time.time()

    payload = json.loads(request["body"])
    assert payload == json.loads(json.dumps(notification.payload))
    assert payload["event"] == "monitor.new_alerts" and payload["sent_at"] == "2026-05-01T12:00:00+00:00"
    assert [a["entity_id"] for a in payload["new_alerts"]] == ["us-ofac-sdn-16418", "gb-fcdo-RUS1234"]
    assert len(payload["runs"]) == 2 and len(payload["closed_alerts"]) == 1

    assert headers["x-chokepoint-signature"].startswith("sha256=")
    assert verify_signature(SECRET, headers["x-chokepoint-timestamp"], request["body"],
                            headers["x-chokepoint-signature"])


def test_signature_rejects_tampering_wrong_secret_and_old_timestamps(tmp_path, receivers):
    hook = receivers()
    notify(_settings(tmp_path, webhook_urls=(hook.url,), webhook_secret=SECRET), _notification())
    [request] = hook.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    ts, sig, body = headers["x-chokepoint-timestamp"], headers["x-chokepoint-signature"], request["body"]
    assert verify_signature(SECRET, ts, body, sig)
    assert verify_signature(SECRET, int(ts), body.decode("utf-8"), sig)

    tampered = body.replace(b"QUDS AVIATION INDUSTRY", b"SOMEONE ELSE")
    assert tampered != body and not verify_signature(SECRET, ts, tampered, sig)
    assert not verify_signature("another-secret", ts, body, sig)
    # the timestamp is signed: moving it breaks the signature …
    assert not verify_signature(SECRET, str(int(ts) + 1), body, sig)
    # … and a replay of the genuine request later than max_age is refused
    assert not verify_signature(SECRET, ts, body, sig, now=int(ts) + 301)
    assert verify_signature(SECRET, ts, body, sig, now=int(ts) + 299)
    assert not verify_signature(SECRET, ts, body, sig, max_age=60, now=int(ts) + 61)
    # an old request signed correctly at its own time is refused too
    old = int(time.time()) - 3600
    assert not verify_signature(SECRET, old, body, sign(SECRET, old, body))
    # far-future timestamps and malformed input are refused, never raised
    future = int(time.time()) + 3600
    assert not verify_signature(SECRET, future, body, sign(SECRET, future, body))
    for bad_ts, bad_sig in [(None, sig), ("", sig), ("12.5", sig), ("-1", sig), (ts, None), (ts, ""),
                            (ts, sig[len("sha256="):]), (ts, "sha256=zz"), (ts, "sha256=é")]:
        assert not verify_signature(SECRET, bad_ts, body, bad_sig)
    assert not verify_signature("", ts, body, sig)


def test_webhook_without_secret_has_no_signature(tmp_path, receivers):
    hook = receivers()
    [result] = notify(_settings(tmp_path, webhook_urls=(hook.url,)), _notification())
    assert result.ok
    headers = {k.lower() for k in hook.requests[0]["headers"]}
    assert "x-chokepoint-signature" not in headers
    assert {"x-chokepoint-event", "x-chokepoint-delivery", "x-chokepoint-timestamp"} <= headers


def test_webhook_5xx_is_retried_with_backoff(tmp_path, receivers):
    hook = receivers([500, 503])
    sleeps: list[float] = []
    [result] = notify(_settings(tmp_path, webhook_urls=(hook.url,), webhook_secret=SECRET), _notification(),
                      sleep=sleeps.append)
    assert (result.ok, result.status, result.attempts, result.error) == (True, 200, 3, None)
    assert len(hook.requests) == 3
    assert sleeps == [0.01, 0.02]
    # one delivery id across the retries; every attempt signed on its own
    assert len({r["headers"]["X-Chokepoint-Delivery"] for r in hook.requests}) == 1
    assert len({r["body"] for r in hook.requests}) == 1
    for r in hook.requests:
        assert verify_signature(SECRET, r["headers"]["X-Chokepoint-Timestamp"], r["body"],
                                r["headers"]["X-Chokepoint-Signature"])


def test_webhook_real_backoff_sleeps(tmp_path, receivers):
    hook = receivers([500, 500])
    started = time.monotonic()
    [result] = notify(_settings(tmp_path, webhook_urls=(hook.url,), update_backoff=0.05), _notification())
    assert result.ok and result.attempts == 3
    assert time.monotonic() - started >= 0.05 + 0.1
    assert hook.requests[1]["at"] - hook.requests[0]["at"] >= 0.04


def test_webhook_persistent_5xx_gives_up(tmp_path, receivers):
    hook = receivers([500, 502, 500, 500])
    [result] = notify(_settings(tmp_path, webhook_urls=(hook.url,)), _notification())
    assert (result.ok, result.status, result.attempts) == (False, 500, 3)
    assert result.error == "HTTP 500"
    assert len(hook.requests) == 3


def test_webhook_4xx_is_not_retried(tmp_path, receivers):
    hook = receivers([400])
    [result] = notify(_settings(tmp_path, webhook_urls=(hook.url,)), _notification())
    assert (result.ok, result.status, result.attempts, result.error) == (False, 400, 1, "HTTP 400")
    assert len(hook.requests) == 1


def test_webhook_unreachable_is_a_result_not_an_exception(tmp_path, receivers):
    hook = receivers()
    dead = f"http://127.0.0.1:{_free_port()}/hook"
    results = notify(_settings(tmp_path, webhook_urls=(dead, "not a url", hook.url)), _notification(),
                     sleep=lambda s: None)
    assert [r.ok for r in results] == [False, False, True]
    assert results[0].attempts == 3 and results[0].status is None and "Connect" in results[0].error
    assert results[1].error and results[1].attempts == 1
    assert len(hook.requests) == 1  # the failing URLs do not stop the others


def test_every_webhook_gets_the_same_bytes_and_targets_hide_credentials(tmp_path, receivers):
    a, b = receivers(), receivers()
    secret_url = a.url.replace("http://", "http://user:pw@") + "?token=abc"
    results = notify(_settings(tmp_path, webhook_urls=(secret_url, b.url)), _notification())
    assert all(r.ok for r in results)
    assert a.requests[0]["body"] == b.requests[0]["body"]
    assert a.requests[0]["path"] == "/hooks/chokepoint?token=abc"
    assert results[0].target == a.url and "pw" not in results[0].target and "token" not in results[0].target
    assert results[0].delivery_id != results[1].delivery_id


def test_nothing_configured_sends_nothing(tmp_path):
    assert notify(_settings(tmp_path), _notification()) == []
    assert notify(_settings(tmp_path, smtp_to=("a@example.com",)), _notification()) == []  # no host


def test_unserialisable_payload_is_reported(tmp_path, receivers):
    hook = receivers()
    loop: dict = {}
    loop["self"] = loop
    [result] = notify(_settings(tmp_path, webhook_urls=(hook.url,)), _notification(payload=loop))
    assert not result.ok and "serialisable" in result.error
    assert hook.requests == []


# --- a real SMTP server ------------------------------------------------------------------------

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402


class Mailbox:
    def __init__(self):
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    started = []

    def start(**kwargs):
        box = Mailbox()
        controller = aiosmtpd_controller.Controller(box, hostname="127.0.0.1", port=_free_port(), **kwargs)
        controller.start()
        started.append(controller)
        return box, controller.port

    yield start
    for c in started:
        c.stop()


def _received(box: Mailbox):
    [envelope] = box.envelopes
    return envelope, email.message_from_bytes(envelope.content, policy=email.policy.default)


def test_email_arrives_with_subject_recipients_body_and_json(tmp_path, smtp_server):
    box, port = smtp_server()
    notification = _notification()
    settings = _settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_from="alerts@chokepoint.test",
                         smtp_to=("compliance@example.com", "mlro@example.com"))
    [result] = notify(settings, notification)
    assert (result.channel, result.ok, result.attempts, result.status) == ("email", True, 1, 250)
    assert result.target == "compliance@example.com, mlro@example.com"

    envelope, msg = _received(box)
    assert envelope.mail_from == "alerts@chokepoint.test"
    assert envelope.rcpt_tos == ["compliance@example.com", "mlro@example.com"]
    assert msg["Subject"] == notification.title
    assert msg["Subject"] == "chokepoint: 2 new monitoring alerts (gb_fcdo_sanctions, us_ofac_sdn)"
    assert msg["To"] == "compliance@example.com, mlro@example.com"
    assert msg["From"] == "alerts@chokepoint.test"

    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert notification.summary in text
    assert ("- party CUST-0042: QUDS AVIATION INDUSTRY [us-ofac-sdn-16418], us_ofac_sdn, score 0.93, "
            "newly listed") in text.splitlines()
    assert ("- party SUP-7: OOO Alabuga Optima [gb-fcdo-RUS1234], gb_fcdo_sanctions, score 0.87, "
            "listing changed") in text.splitlines()
    assert "Closed alerts: 1" in text

    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content_type() == "application/json"
    assert attachment.get_filename() == ATTACHMENT_NAME
    assert json.loads(attachment.get_content()) == json.loads(json.dumps(notification.payload))


def test_email_headers_cannot_be_injected(tmp_path, smtp_server):
    box, port = smtp_server()
    evil = dict(ALERTS[0], entity_caption="ACME\r\nBcc: evil@example.net", party_id="P1\nX-Evil: 1")
    notification = _notification(title="3 new alerts\r\nBcc: evil@example.net\nX-Injected: yes",
                                 payload={"event": EVENT_NEW_ALERTS, "new_alerts": [evil]})
    settings = _settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_to=("compliance@example.com",))
    [result] = notify(settings, notification)
    assert result.ok
    envelope, msg = _received(box)
    assert envelope.rcpt_tos == ["compliance@example.com"]
    assert msg["Bcc"] is None and msg["X-Injected"] is None and msg["X-Evil"] is None
    assert msg["Subject"] == "3 new alerts Bcc: evil@example.net X-Injected: yes"
    head = envelope.content.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in head and b"\nX-Injected" not in head
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "- party P1 X-Evil: 1: ACME Bcc: evil@example.net [us-ofac-sdn-16418], us_ofac_sdn, score 0.93, " \
           "newly listed" in text.splitlines()


def test_email_long_subject_is_cut(tmp_path, smtp_server):
    box, port = smtp_server()
    settings = _settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_to=("c@example.com",))
    assert notify(settings, _notification(title="x" * 1000))[0].ok
    _, msg = _received(box)
    assert len(msg["Subject"]) == 200 and msg["Subject"].endswith("…")


def test_email_smtp_down_is_a_result_not_an_exception(tmp_path):
    settings = _settings(tmp_path, smtp_host="127.0.0.1", smtp_port=_free_port(), smtp_to=("c@example.com",))
    sleeps: list[float] = []
    [result] = notify(settings, _notification(), sleep=sleeps.append)
    assert (result.channel, result.ok, result.attempts) == ("email", False, 3)
    assert "Connection" in result.error or "refused" in result.error.lower()
    assert sleeps == [0.01, 0.02]


def test_email_and_webhook_together_one_failing(tmp_path, receivers):
    hook = receivers()
    settings = _settings(tmp_path, webhook_urls=(hook.url,), smtp_host="127.0.0.1", smtp_port=_free_port(),
                         smtp_to=("c@example.com",), update_attempts=1)
    results = notify(settings, _notification())
    assert [(r.channel, r.ok) for r in results] == [("webhook", True), ("email", False)]


def _authenticator(logins: list):
    def authenticate(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)
    return authenticate


def test_email_login_only_when_configured(tmp_path, smtp_server):
    logins: list = []
    box, port = smtp_server(authenticator=_authenticator(logins), auth_require_tls=False)
    base = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_to": ("c@example.com",)}
    assert notify(_settings(tmp_path, **base), _notification())[0].ok
    assert logins == []
    assert notify(_settings(tmp_path, **base, smtp_user="chokepoint", smtp_password="s3cret"), _notification())[0].ok
    assert [(m, u, p) for m, u, p in logins] == [(logins[0][0], b"chokepoint", b"s3cret")]
    assert len(box.envelopes) == 2
    # a wrong password is a 5xx: reported at once, not retried
    [bad] = notify(_settings(tmp_path, **base, smtp_user="chokepoint", smtp_password="nope"), _notification())
    assert (bad.ok, bad.status, bad.attempts) == (False, 535, 1)
    assert len(box.envelopes) == 2


def test_email_starttls_required_when_configured(tmp_path, smtp_server):
    box, port = smtp_server()  # no TLS offered
    settings = _settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_to=("c@example.com",),
                         smtp_starttls=True)
    [result] = notify(settings, _notification())
    assert not result.ok and result.attempts == 1 and "STARTTLS" in result.error
    assert box.envelopes == []  # never sent in the clear


@pytest.fixture
def tls_cert(tmp_path, monkeypatch):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client's default context trusts it
    return key, cert


def test_email_starttls_and_login(tmp_path, smtp_server, tls_cert):
    import ssl

    key, cert = tls_cert
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    logins: list = []
    box, port = smtp_server(tls_context=server_ctx, require_starttls=True, authenticator=_authenticator(logins))
    settings = _settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_to=("c@example.com",),
                         smtp_starttls=True, smtp_user="chokepoint", smtp_password="s3cret")
    [result] = notify(settings, _notification())
    assert result.ok, result.error
    assert [(u, p) for _, u, p in logins] == [(b"chokepoint", b"s3cret")]
    _, msg = _received(box)
    assert msg["Subject"] == _notification().title


def test_new_alerts_notification_accepts_objects_with_to_json():
    class Obj:
        def __init__(self, data):
            self.data = data

        def to_json(self):
            return self.data

    n = new_alerts_notification([Obj(RUNS[0])], [Obj(ALERTS[0])], now=datetime(2026, 1, 2, tzinfo=UTC))
    assert n.payload == {"event": "monitor.new_alerts", "sent_at": "2026-01-02T00:00:00+00:00",
                         "runs": [RUNS[0]], "new_alerts": [ALERTS[0]], "closed_alerts": []}
    assert n.title == "chokepoint: 1 new monitoring alert (us_ofac_sdn)"
    assert n.event == "monitor.new_alerts"


def test_readme_verification_example_verifies_a_real_delivery(tmp_path, receivers):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    section = readme.split("## Notifications", 1)[1].split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, re.S)
    code = "\n".join(line[2:] if line.startswith("  ") else line for line in code.splitlines())
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - the documented snippet itself
    verify = namespace["verify"]

    hook = receivers()
    notify(_settings(tmp_path, webhook_urls=(hook.url,), webhook_secret=SECRET), _notification())
    [request] = hook.requests
    assert verify(SECRET, request["headers"], request["body"])
    assert not verify(SECRET, request["headers"], request["body"] + b" ")
    assert not verify("wrong", request["headers"], request["body"])
    old = str(int(time.time()) - 3600)
    stale = dict(request["headers"], **{"X-Chokepoint-Timestamp": old,
                                        "X-Chokepoint-Signature": sign(SECRET, old, request["body"])})
    assert not verify(SECRET, stale, request["body"])
