"""Request dependencies shared by the routers: the service state, the
caller's key and role, readiness, audit, and field-path errors."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPBearer

from chokepoint.service.audit import AuditEntry, AuditRecord
from chokepoint.service.auth import KEY_PREFIX, ApiKey, Role
from chokepoint.service.state import Loaded, ServiceState

#: Shown in the OpenAPI document so /docs offers "Authorize"; the header is
#: parsed below, which also accepts the ``ApiKey`` scheme of yente clients.
bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <key>` or `Authorization: ApiKey <key>`")


def service(request: Request) -> ServiceState:
    return request.app.state.service


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def require(role: Role):
    """Dependency: the caller's API key, which must have ``role`` or above."""

    async def check(request: Request, _doc=Depends(bearer)) -> ApiKey:
        state = service(request)
        client = client_address(request)
        wait = state.limiter.blocked_for(client)
        if wait:
            raise HTTPException(429, f"too many failed authentications from {client}; retry in {int(wait)} s",
                                headers={"Retry-After": str(int(wait))})
        header = request.headers.get("authorization", "").strip()
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if header.startswith(KEY_PREFIX) and not token:  # a bare key, as some clients send
            scheme, token = "apikey", header
        if scheme.lower() not in ("bearer", "apikey") or not token:
            key = None
            problem = "missing API key: send 'Authorization: Bearer <key>' (create one with `chokepoint keys create`)"
        else:
            key = state.keys.verify(token)
            problem = "invalid or revoked API key"
        if key is None:
            state.limiter.failed(client)
            state.metrics.auth_failures.inc()
            raise HTTPException(401, problem, headers={"WWW-Authenticate": 'Bearer realm="chokepoint"'})
        if not key.role.allows(role):
            raise HTTPException(403, f"the key {key.name!r} has role {key.role.value}; this needs {role.value}")
        request.state.key = key
        return key

    return check


async def ready(request: Request) -> Loaded:
    """Dependency: the loaded index (503 while it is loading)."""
    state = service(request)
    if state.loaded is None:
        detail = f"the name index failed to load: {state.load_error}" if state.load_error else (
            "the name index is loading; retry shortly")
        raise HTTPException(503, detail, headers={"Retry-After": "5"})
    return state.loaded


def invalid(loc: tuple[Any, ...], message: str) -> RequestValidationError:
    """A 422 in the framework's own error shape, naming the field path."""
    return RequestValidationError([{"type": "value_error", "loc": loc, "msg": message, "input": None}])


async def audit(request: Request, entry: AuditEntry) -> AuditRecord:
    """Append an audit record and wait until it is committed."""
    state = service(request)
    key: ApiKey | None = getattr(request.state, "key", None)
    if key is not None:
        entry.actor, entry.actor_id = key.name, key.id
    entry.client = client_address(request)
    if state.writer is None:
        record = (await asyncio.to_thread(state.audit.append, [entry]))[0]
    else:
        record = await asyncio.wrap_future(state.writer.submit(entry))
    state.metrics.audit_records.inc()
    return record
