"""API keys and roles.

A key reads ``ck_<id>_<secret>``: ``id`` is public (it names the key in
lists and in the audit log), ``secret`` is 256 random bits. Only the
SHA-256 of the whole key is stored. A slow password hash (argon2) buys
nothing for a 256-bit random secret and would cost milliseconds on every
call; the same reasoning applies to the tokens of the large code hosts.

Roles are ordered: ``viewer`` < ``analyst`` < ``admin``; a role can do
everything the roles below it can.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from chokepoint.service.tables import ApiKeyRow

KEY_PREFIX = "ck_"


class Role(str, Enum):
    viewer = "viewer"
    analyst = "analyst"
    admin = "admin"

    @property
    def rank(self) -> int:
        return ("viewer", "analyst", "admin").index(self.value)

    def allows(self, needed: "Role") -> bool:
        return self.rank >= needed.rank

    def __str__(self) -> str:
        return self.value


#: What each role may do (documented in README and served with /docs).
ROLE_SCOPES = {
    Role.viewer: "search, entities, lists, catalog, algorithms, metrics",
    Role.analyst: "viewer + match, screen, assess",
    Role.admin: "analyst + keys, list activation, audit log",
}


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    role: Role
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role.value,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
        }


class ApiKeyError(ValueError):
    """A key cannot be created or revoked as asked."""


def hash_secret(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(row.id, row.name, Role(row.role), _utc(row.created_at), row.created_by,
                  _utc(row.revoked_at), _utc(row.last_used_at))


class KeyStore:
    """Create, list, revoke and verify API keys.

    Verified keys are cached for ``cache_seconds``, so a call costs no
    database read; a revocation reaches every worker within that time.
    """

    def __init__(self, engine: Engine, cache_seconds: float = 5.0) -> None:
        self.engine = engine
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, ApiKey | None, str | None]] = {}
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()

    def create(self, role: Role | str, name: str | None = None, created_by: str = "cli") -> tuple[ApiKey, str]:
        """A new key and its secret text (shown once, never stored)."""
        role = Role(role)
        key_id = secrets.token_hex(6)
        text = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        name = (name or f"{role.value}-{key_id}").strip()
        if not name or len(name) > 100:
            raise ApiKeyError("a key name has 1 to 100 characters")
        row = ApiKeyRow(id=key_id, name=name, role=role.value, secret_hash=hash_secret(text),
                        created_at=datetime.now(timezone.utc), created_by=created_by)
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            key = _key(row)
        return key, text

    def list(self, include_revoked: bool = True) -> list[ApiKey]:
        with Session(self.engine) as session:
            rows = session.execute(select(ApiKeyRow).order_by(ApiKeyRow.created_at)).scalars().all()
            keys = [_key(r) for r in rows]
        return [k for k in keys if include_revoked or k.active]

    def get(self, key_id: str) -> ApiKey | None:
        with Session(self.engine) as session:
            row = session.get(ApiKeyRow, key_id)
            return None if row is None else _key(row)

    def revoke(self, key_id: str) -> ApiKey:
        with Session(self.engine) as session, session.begin():
            row = session.get(ApiKeyRow, key_id)
            if row is None:
                raise ApiKeyError(f"no API key with id {key_id!r}")
            if row.revoked_at is None:
                row.revoked_at = datetime.now(timezone.utc)
            session.flush()
            key = _key(row)
        with self._lock:
            self._cache.pop(key_id, None)
        return key

    def count(self) -> int:
        return len(self.list(include_revoked=False))

    def verify(self, text: str) -> ApiKey | None:
        """The active key this secret text is, or None."""
        if not text.startswith(KEY_PREFIX) or len(text) > 120:
            return None
        key_id, _, rest = text[len(KEY_PREFIX):].partition("_")
        if not key_id or not rest:
            return None
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key_id)
        if cached is None or now - cached[0] > self.cache_seconds:
            with Session(self.engine) as session:
                row = session.get(ApiKeyRow, key_id)
                cached = (now, _key(row) if row else None, row.secret_hash if row else None)
            with self._lock:
                self._cache[key_id] = cached
        _, key, stored_hash = cached
        if key is None or stored_hash is None or not key.active:
            return None
        if not hmac.compare_digest(stored_hash, hash_secret(text)):
            return None
        self._touch(key.id, now)
        return key

    def _touch(self, key_id: str, now: float) -> None:
        """Record last use at most once a minute per key."""
        with self._lock:
            if now - self._used.get(key_id, -1e9) < 60:
                return
            self._used[key_id] = now
        with Session(self.engine) as session, session.begin():
            session.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id)
                            .values(last_used_at=datetime.now(timezone.utc)))


class FailedAuthLimiter:
    """Slows down key guessing: after ``limit`` failed authentications
    from one client address within ``window`` seconds, every request from
    that address is refused (429) until the window has passed."""

    def __init__(self, limit: int = 10, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        q = self._failures.setdefault(client, deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked_for(self, client: str) -> float:
        """Seconds the client must wait (0: not blocked)."""
        now = time.monotonic()
        with self._lock:
            q = self._recent(client, now)
            if len(q) < self.limit:
                if not q:
                    self._failures.pop(client, None)
                return 0.0
            return max(1.0, self.window - (now - q[-self.limit]))

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client, time.monotonic()).append(time.monotonic())
