"""Notifications of new monitoring alerts: signed webhooks and e-mail.

A monitoring run that raised (or closed) alerts builds one
:class:`Notification` and calls :func:`notify`, which delivers it to every
configured channel and never raises: each channel's outcome is a
:class:`DeliveryResult` (the caller logs or records them).

Channels (all from :class:`~chokepoint.settings.Settings`):

* **webhooks** (``webhook_urls``): one ``POST`` per URL with the payload as
  JSON (``Content-Type: application/json``; the body is serialised once and
  the same bytes go to every URL) and the headers

  ``X-Chokepoint-Event``
      the event name (``payload["event"]``, e.g. ``monitor.new_alerts``);
  ``X-Chokepoint-Delivery``
      a UUID per notification and URL, the same on every retry of that
      delivery (receivers deduplicate on it);
  ``X-Chokepoint-Timestamp``
      unix seconds when this attempt was sent;
  ``X-Chokepoint-Signature``
      only when ``webhook_secret`` is set:
      ``sha256=`` + hex HMAC-SHA256, keyed with the secret (UTF-8), over
      the bytes ``<timestamp>.<body>`` (the timestamp header exactly as
      sent, an ASCII dot, then the raw request body).

  A receiver verifies by recomputing the HMAC over the raw body it
  received (before any JSON parsing), comparing in constant time, and
  rejecting a timestamp more than a few minutes from its own clock (a
  replayed request carries an old, signed timestamp that cannot be
  changed without breaking the signature). :func:`verify_signature` does
  exactly that. Connection errors, timeouts and 5xx answers are retried
  (``update_attempts`` attempts, ``update_backoff`` × 2^n seconds apart,
  ``update_timeout`` per attempt), each attempt with a fresh timestamp and
  signature; 2xx is success; any other answer (3xx, 4xx) is final.

* **e-mail** (``smtp_host`` and ``smtp_to``): one plain-text message to all
  recipients with the subject from the title (CR/LF and other control
  characters removed), a body listing the new alerts, and the same JSON as
  an attachment ``chokepoint-alerts.json``. STARTTLS only when
  ``smtp_starttls`` is set (and then required: no fallback to plain text),
  login only when ``smtp_user`` is set. Connection errors and temporary
  (4xx) SMTP replies are retried like webhooks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import smtplib
import ssl
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import partial
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from chokepoint.settings import Settings

log = logging.getLogger(__name__)

EVENT_NEW_ALERTS = "monitor.new_alerts"
HEADER_EVENT = "X-Chokepoint-Event"
HEADER_DELIVERY = "X-Chokepoint-Delivery"
HEADER_TIMESTAMP = "X-Chokepoint-Timestamp"
HEADER_SIGNATURE = "X-Chokepoint-Signature"
ATTACHMENT_NAME = "chokepoint-alerts.json"
USER_AGENT = "chokepoint-notify/1"
#: longest subject line kept (the rest is cut with an ellipsis)
MAX_SUBJECT = 200

@dataclass(frozen=True)
class Notification:
    """One message to every channel: ``title`` (e-mail subject), ``summary``
    (first paragraph of the e-mail) and ``payload``, the JSON sent to
    webhooks and attached to the e-mail."""

    title: str
    summary: str
    payload: dict

    @property
    def event(self) -> str:
        return _one_line(self.payload.get("event") or EVENT_NEW_ALERTS, 100)


@dataclass
class DeliveryResult:
    """The outcome of one channel: ``channel`` is ``"webhook"`` or
    ``"email"``, ``target`` the URL (without credentials or query) or the
    recipients; ``status`` the last HTTP status or SMTP reply code,
    ``error`` why it failed; ``attempts`` how many tries were made."""

    channel: str
    target: str
    ok: bool
    status: int | None = None
    error: str | None = None
    attempts: int = 0
    delivery_id: str | None = None


def _json_default(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return to_json()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready data (objects with ``to_json`` converted)."""
    if isinstance(value, Mapping):
        return dict(value)
    to_json = getattr(value, "to_json", None)
    return to_json() if callable(to_json) else value


def new_alerts_notification(runs: Iterable[Any], new_alerts: Iterable[Any], closed_alerts: Iterable[Any] = (),
                            *, now: datetime | None = None) -> Notification:
    """The notification of one or more monitoring runs.

    ``runs``, ``new_alerts`` and ``closed_alerts`` are dicts or objects with
    ``to_json()`` (e.g. ``casework.Alert``); alerts are expected to carry
    ``party_id``, ``entity_caption``, ``entity_id``, ``dataset``, ``score``
    and ``reason``.
    """
    runs_, new_, closed_ = ([_plain(x) for x in xs] for xs in (runs, new_alerts, closed_alerts))
    sent_at = (now or datetime.now(UTC)).isoformat()
    datasets = sorted({str(r.get("dataset")) for r in runs_ if isinstance(r, Mapping) and r.get("dataset")})
    where = f" ({', '.join(datasets)})" if datasets else ""
    title = f"chokepoint: {len(new_)} new monitoring alert{'' if len(new_) == 1 else 's'}{where}"
    summary = (f"Monitoring re-screened the party base against {len(runs_)} new list "
               f"version{'' if len(runs_) == 1 else 's'}{where}: {len(new_)} new "
               f"alert{'' if len(new_) == 1 else 's'}, {len(closed_)} closed.")
    payload = {"event": EVENT_NEW_ALERTS, "sent_at": sent_at, "runs": runs_, "new_alerts": new_,
               "closed_alerts": closed_}
    return Notification(title=title, summary=summary, payload=payload)


# --- signatures --------------------------------------------------------------------------------

_TIMESTAMP = re.compile(r"[0-9]{1,15}")


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature header value: ``sha256=<hex HMAC-SHA256 over "<timestamp>.<body>">``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_signature(secret: str, timestamp: int | str | None, body: bytes | str, header: str | None,
                     max_age: float = 300, *, now: float | None = None) -> bool:
    """True when ``header`` is the signature of ``body`` at ``timestamp``
    under ``secret`` and ``timestamp`` is within ``max_age`` seconds of
    ``now`` (either way). Pass the raw body and the
    ``X-Chokepoint-Timestamp`` and ``X-Chokepoint-Signature`` header values
    as received; anything malformed is simply ``False``."""
    if not secret or timestamp is None or not isinstance(header, str):
        return False
    ts = str(timestamp)
    if not _TIMESTAMP.fullmatch(ts):
        return False
    current = time.time() if now is None else now
    if abs(current - int(ts)) > max_age:
        return False
    if isinstance(body, str):
        body = body.encode("utf-8")
    expected = sign(secret, ts, body).encode("ascii")
    return hmac.compare_digest(expected, header.strip().encode("utf-8", "replace"))


# --- delivery ----------------------------------------------------------------------------------


def notify(settings: Settings, notification: Notification, *,
           sleep: Callable[[float], None] = time.sleep) -> list[DeliveryResult]:
    """Deliver ``notification`` to every configured webhook and to the
    e-mail recipients; one result per webhook URL and one for the e-mail.
    Never raises."""
    results: list[DeliveryResult] = []
    try:
        body = json.dumps(notification.payload, ensure_ascii=False, separators=(",", ":"),
                          default=_json_default).encode("utf-8")
    except Exception as exc:  # circular data and the like: nothing can be sent
        error = f"payload is not serialisable: {exc}"
        log.error("notification not sent: %s", error)
        results += [DeliveryResult("webhook", _redact(u), False, error=error) for u in settings.webhook_urls]
        if _email_configured(settings):
            results.append(DeliveryResult("email", ", ".join(settings.smtp_to), False, error=error))
        return results
    if settings.webhook_urls:
        results += _send_webhooks(settings, notification, body, sleep)
    if _email_configured(settings):
        results.append(_guard("email", ", ".join(settings.smtp_to),
                              lambda: _send_email(settings, notification, body, sleep)))
    for r in results:
        if r.ok:
            log.info("notification %s to %s delivered (%d attempt(s))", r.channel, r.target, r.attempts)
        else:
            log.warning("notification %s to %s failed after %d attempt(s): %s", r.channel, r.target,
                        r.attempts, r.error or r.status)
    return results


def _guard(channel: str, target: str, send: Callable[[], DeliveryResult]) -> DeliveryResult:
    try:
        return send()
    except Exception as exc:  # never raise from a notification
        log.exception("notification %s to %s: unexpected error", channel, target)
        return DeliveryResult(channel, target, False, error=f"{type(exc).__name__}: {exc}")


def _email_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.smtp_to)


def _backoff(settings: Settings, attempt: int) -> float:
    return max(0.0, settings.update_backoff) * (2 ** (attempt - 1))


def _redact(url: str) -> str:
    """The URL without user info, query or fragment (they may hold tokens)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = host + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:
        return "<invalid URL>"


def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        return str(exc)
    if parts.scheme not in ("http", "https"):
        return "the scheme must be http or https"
    if not parts.hostname:
        return "no host"
    return None


def _send_webhooks(settings: Settings, notification: Notification, body: bytes,
                   sleep: Callable[[float], None]) -> list[DeliveryResult]:
    try:
        client = httpx.Client(timeout=settings.update_timeout, follow_redirects=False,
                              headers={"User-Agent": USER_AGENT})
    except Exception as exc:
        return [DeliveryResult("webhook", _redact(u), False, error=f"{type(exc).__name__}: {exc}")
                for u in settings.webhook_urls]
    with client:
        return [_guard("webhook", _redact(url), partial(_post, client, settings, notification, body, url, sleep))
                for url in settings.webhook_urls]


def _post(client: httpx.Client, settings: Settings, notification: Notification, body: bytes, url: str,
          sleep: Callable[[float], None]) -> DeliveryResult:
    delivery_id = str(uuid.uuid4())
    result = DeliveryResult("webhook", _redact(url), False, delivery_id=delivery_id)
    problem = _url_problem(url)
    if problem:  # a bad URL does not get better by retrying
        result.attempts, result.error = 1, f"invalid URL: {problem}"
        return result
    attempts = max(1, settings.update_attempts)
    for attempt in range(1, attempts + 1):
        result.attempts = attempt
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", HEADER_EVENT: notification.event,
                   HEADER_DELIVERY: delivery_id, HEADER_TIMESTAMP: timestamp}
        if settings.webhook_secret:
            headers[HEADER_SIGNATURE] = sign(settings.webhook_secret, timestamp, body)
        try:
            with client.stream("POST", url, content=body, headers=headers) as response:
                status = response.status_code  # the answer's body is never read
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:  # a bad URL does not get better
            result.status, result.error = None, f"invalid URL: {exc}"
            return result
        except httpx.TransportError as exc:  # connection refused, DNS, timeout, protocol error
            result.status, result.error = None, f"{type(exc).__name__}: {exc}"
            retry = True
        else:
            result.status = status
            if 200 <= status < 300:
                result.ok, result.error = True, None
                return result
            result.error = f"HTTP {status}"
            retry = status >= 500
        if not retry:
            return result
        if attempt < attempts:
            sleep(_backoff(settings, attempt))
    return result


# --- e-mail ------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def _one_line(value: object, limit: int | None = None) -> str:
    """``value`` as one line: control characters (CR, LF, tab…) become spaces."""
    text = " ".join(_CONTROL.sub(" ", "" if value is None else str(value)).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _score(value: object) -> str:
    try:
        return f"{float(value):.2f}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return _one_line(value) or "?"


def _alert_line(alert: object) -> str:
    a = alert if isinstance(alert, Mapping) else {}
    party = a.get("party_id") or a.get("party_key") or "?"
    caption = a.get("entity_caption") or a.get("caption") or "?"
    return (f"- party {_one_line(party)}: {_one_line(caption)} [{_one_line(a.get('entity_id') or '?')}]"
            f", {_one_line(a.get('dataset') or '?')}, score {_score(a.get('score'))}"
            f", {_one_line(a.get('reason') or 'new match')}")


def email_body(notification: Notification) -> str:
    """The plain-text body: the summary, then one line per new alert."""
    payload = notification.payload
    new_alerts = payload.get("new_alerts") or []
    closed = payload.get("closed_alerts") or []
    lines = [notification.summary.strip(), ""]
    if new_alerts:
        lines.append(f"New alerts ({len(new_alerts)}):")
        lines += [_alert_line(a) for a in new_alerts]
    else:
        lines.append("No new alerts.")
    if closed:
        lines += ["", f"Closed alerts: {len(closed)}"]
    runs = payload.get("runs") or []
    if runs:
        lines += ["", "Runs:"]
        for run in runs:
            r = run if isinstance(run, Mapping) else {}
            lines.append(f"- {_one_line(r.get('dataset') or '?')}: {_one_line(r.get('from_version') or '?')}"
                         f" -> {_one_line(r.get('to_version') or '?')}")
    lines += ["", f"The full data is attached as {ATTACHMENT_NAME}."]
    return "\n".join(lines) + "\n"


def build_email(settings: Settings, notification: Notification, body: bytes) -> EmailMessage:
    """The message: sanitised subject, plain-text body, JSON attachment."""
    msg = EmailMessage()
    msg["Subject"] = _one_line(notification.title, MAX_SUBJECT) or "chokepoint notification"
    msg["From"] = _one_line(settings.smtp_from)
    msg["To"] = ", ".join(_one_line(t) for t in settings.smtp_to)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=_one_line(settings.smtp_from).rpartition("@")[2] or None)
    msg[HEADER_EVENT] = notification.event
    msg.set_content(email_body(notification))
    msg.add_attachment(body, maintype="application", subtype="json", filename=ATTACHMENT_NAME)
    return msg


def _send_email(settings: Settings, notification: Notification, body: bytes,
                sleep: Callable[[float], None]) -> DeliveryResult:
    recipients = [_one_line(t) for t in settings.smtp_to]
    result = DeliveryResult("email", ", ".join(recipients), False)
    msg = build_email(settings, notification, body)
    attempts = max(1, settings.update_attempts)
    for attempt in range(1, attempts + 1):
        result.attempts = attempt
        try:
            with smtplib.SMTP(settings.smtp_host or "", settings.smtp_port, timeout=settings.update_timeout) as smtp:
                smtp.ehlo()
                if settings.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())  # raises if the server lacks it
                    smtp.ehlo()
                if settings.smtp_user:
                    smtp.login(settings.smtp_user, settings.smtp_password or "")
                refused = smtp.send_message(msg, from_addr=_one_line(settings.smtp_from), to_addrs=recipients)
            result.status = 250
            if refused:
                result.error = "refused: " + ", ".join(f"{r} ({code})" for r, (code, _) in refused.items())
                return result
            result.ok, result.error = True, None
            return result
        except smtplib.SMTPRecipientsRefused as exc:
            result.error = "refused: " + ", ".join(f"{r} ({code})" for r, (code, _) in exc.recipients.items())
            codes = [code for code, _ in exc.recipients.values()]
            result.status = codes[0] if codes else None
            retry = bool(codes) and all(400 <= c < 500 for c in codes)
        except smtplib.SMTPResponseException as exc:  # includes auth and sender errors
            result.status, result.error = exc.smtp_code, f"SMTP {exc.smtp_code}: {_smtp_text(exc.smtp_error)}"
            retry = 400 <= exc.smtp_code < 500
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPNotSupportedError) as exc:
            result.status, result.error = None, f"{type(exc).__name__}: {exc}"
            retry = isinstance(exc, smtplib.SMTPServerDisconnected)
        except smtplib.SMTPException as exc:  # e.g. no usable AUTH method: configuration, not transient
            result.status, result.error = None, f"{type(exc).__name__}: {exc}"
            retry = False
        except ssl.SSLError as exc:  # certificate or handshake: not transient
            result.status, result.error = None, f"TLS: {exc}"
            retry = False
        except OSError as exc:  # refused, unreachable, timeout, DNS
            result.status, result.error = None, f"{type(exc).__name__}: {exc}"
            retry = True
        if not retry:
            return result
        if attempt < attempts:
            sleep(_backoff(settings, attempt))
    return result


def _smtp_text(value: bytes | str) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return _one_line(value, 200)


__all__ = ["DeliveryResult", "EVENT_NEW_ALERTS", "Notification", "build_email", "email_body",
           "new_alerts_notification", "notify", "sign", "verify_signature"]
