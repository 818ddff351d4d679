"""Login sessions and CSRF for the workspace pages.

The session cookie is HttpOnly and SameSite=Strict (Secure over HTTPS).
Every state-changing request carries the session's CSRF token in a form
field (or the ``X-CSRF-Token`` header); the login form, before there is a
session, uses a double-submit cookie.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from fastapi.responses import RedirectResponse

from chokepoint.service.accounts import WebSession
from chokepoint.service.auth import Role
from chokepoint.service.deps import service

SESSION_COOKIE = "cp_session"
LOGIN_CSRF_COOKIE = "cp_login_csrf"


class LoginRequired(Exception):
    """Raised by a page that needs a session; answered with a redirect."""


class Forbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)


class CsrfFailed(Exception):
    pass


def current_session(request: Request) -> WebSession | None:
    state = service(request)
    return state.accounts.session(request.cookies.get(SESSION_COOKIE))


def need_session(request: Request, role: Role = Role.viewer) -> WebSession:
    found = current_session(request)
    if found is None:
        raise LoginRequired()
    if not found.user.role.allows(role):
        raise Forbidden(f"your role ({found.user.role.value}) cannot do this; it needs {role.value}")
    request.state.web_session = found
    return found


def check_csrf(request: Request, session: WebSession, submitted: str | None) -> None:
    token = submitted or request.headers.get("x-csrf-token") or ""
    if not hmac.compare_digest(token.encode(), session.csrf_token.encode()):
        raise CsrfFailed()


def set_cookie(response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


def login_csrf(request: Request) -> str:
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
