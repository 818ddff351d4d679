"""Workspace accounts and login sessions.

Passwords are hashed with argon2id (``argon2-cffi``). A session is a
random token in an HttpOnly, SameSite=Strict cookie; the table keeps its
SHA-256, the user, its CSRF token and its expiry. Repeated failed logins
lock the account for a while, and every attempt costs an argon2
verification (also for unknown users), so guessing is slow either way.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from chokepoint.service.auth import Role
from chokepoint.service.tables import SessionRow, UserRow

#: Failed logins after which an account is locked, and for how long.
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
#: Session lifetime (sliding is not used: a session ends at its expiry).
SESSION_TTL = timedelta(hours=8)
MIN_PASSWORD = 10

_hasher = PasswordHasher()
#: verified against when the user does not exist, so timing does not tell
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A user cannot be created or changed as asked."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: Role
    created_at: datetime
    disabled: bool
    locked_until: datetime | None
    last_login_at: datetime | None

    @property
    def name(self) -> str:
        return self.username


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    #: ok | bad_credentials | locked | disabled
    outcome: str


@dataclass(frozen=True)
class WebSession:
    user: User
    csrf_token: str
    expires_at: datetime


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _user(row: UserRow) -> User:
    return User(row.id, row.username, Role(row.role), _utc(row.created_at), row.disabled_at is not None,
                _utc(row.locked_until), _utc(row.last_login_at))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")


class Accounts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- users ----------------------------------------------------------------

    def create(self, username: str, role: Role | str, password: str) -> User:
        username = username.strip()
        if not username or len(username) > 100 or any(c.isspace() for c in username):
            raise AccountError("a username has 1 to 100 characters and no spaces")
        check_password(password)
        with Session(self.engine) as session, session.begin():
            if session.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none():
                raise AccountError(f"user {username!r} exists")
            row = UserRow(username=username, role=Role(role).value, password_hash=_hasher.hash(password),
                          created_at=_now(), failed_logins=0)
            session.add(row)
            session.flush()
            return _user(row)

    def users(self) -> list[User]:
        with Session(self.engine) as session:
            return [_user(r) for r in session.execute(select(UserRow).order_by(UserRow.username)).scalars()]

    def get(self, username: str) -> User | None:
        with Session(self.engine) as session:
            row = session.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()
            return None if row is None else _user(row)

    def count(self) -> int:
        return len(self.users())

    def set_password(self, username: str, password: str) -> None:
        check_password(password)
        with Session(self.engine) as session, session.begin():
            row = session.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()
            if row is None:
                raise AccountError(f"no user {username!r}")
            row.password_hash = _hasher.hash(password)
            row.failed_logins = 0
            row.locked_until = None

    # --- login ----------------------------------------------------------------

    def login(self, username: str, password: str) -> LoginResult:
        now = _now()
        with Session(self.engine) as session, session.begin():
            row = session.execute(
                select(UserRow).where(UserRow.username == username.strip()).with_for_update()
            ).scalar_one_or_none()
            if row is None:
                _verify(_DUMMY_HASH, password)
                return LoginResult(None, "bad_credentials")
            if row.disabled_at is not None:
                _verify(_DUMMY_HASH, password)
                return LoginResult(_user(row), "disabled")
            if row.locked_until is not None and _utc(row.locked_until) > now:
                _verify(_DUMMY_HASH, password)
                return LoginResult(_user(row), "locked")
            if not _verify(row.password_hash, password):
                row.failed_logins = (row.failed_logins or 0) + 1
                if row.failed_logins >= LOCK_AFTER:
                    row.locked_until = now + LOCK_FOR
                    row.failed_logins = 0
                return LoginResult(_user(row), "bad_credentials")
            row.failed_logins = 0
            row.locked_until = None
            row.last_login_at = now
            return LoginResult(_user(row), "ok")

    # --- sessions -------------------------------------------------------------

    def open_session(self, user: User) -> tuple[str, WebSession]:
        """A new session: (cookie token, session)."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = _now() + SESSION_TTL
        with Session(self.engine) as session, session.begin():
            session.add(SessionRow(token_hash=_token_hash(token), user_id=user.id, csrf_token=csrf,
                                   created_at=_now(), expires_at=expires))
        return token, WebSession(user, csrf, expires)

    def session(self, token: str | None) -> WebSession | None:
        if not token or len(token) > 100:
            return None
        with Session(self.engine) as session:
            row = session.get(SessionRow, _token_hash(token))
            if row is None or row.revoked_at is not None or _utc(row.expires_at) <= _now():
                return None
            user = session.get(UserRow, row.user_id)
            if user is None or user.disabled_at is not None:
                return None
            return WebSession(_user(user), row.csrf_token, _utc(row.expires_at))

    def close_session(self, token: str | None) -> None:
        if not token:
            return
        with Session(self.engine) as session, session.begin():
            session.execute(update(SessionRow).where(SessionRow.token_hash == _token_hash(token))
                            .values(revoked_at=_now()))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
