"""Admin endpoints: API keys, list activation, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from pydantic import BaseModel, Field

from chokepoint.lists.store import StoreError
from chokepoint.service.audit import AuditEntry
from chokepoint.service.auth import ApiKey, ApiKeyError, Role
from chokepoint.service.deps import audit, require, service
from chokepoint.service.routes.match import ERRORS
from chokepoint.service.routing import JsonResponse, OrjsonRoute

router = APIRouter(tags=["admin"], route_class=OrjsonRoute)


class KeyRequest(BaseModel):
    role: Role
    name: str | None = Field(None, min_length=1, max_length=100)


@router.get("/keys", responses=ERRORS)
async def list_keys(request: Request, _key: ApiKey = Depends(require(Role.admin))) -> JsonResponse:
    """Every API key (never their secrets)."""
    return JsonResponse({"keys": [k.to_json() for k in service(request).keys.list()]})


@router.post("/keys", status_code=201, responses=ERRORS)
async def create_key(request: Request, body: KeyRequest, key: ApiKey = Depends(require(Role.admin))) -> JsonResponse:
    """Create a key; its secret is in this answer only."""
    try:
        created, secret = service(request).keys.create(body.role, body.name, created_by=key.name)
    except ApiKeyError as exc:
        raise HTTPException(422, str(exc)) from exc
    await audit(request, AuditEntry(kind="key.create", actor=key.name, summary={"key": created.id},
                                    request=body.model_dump(mode="json"), response=created.to_json()))
    return JsonResponse({**created.to_json(), "key": secret}, status_code=201)


@router.delete("/keys/{key_id}", responses=ERRORS)
async def revoke_key(request: Request, key_id: Annotated[str, Path(max_length=24)],
                     key: ApiKey = Depends(require(Role.admin))) -> JsonResponse:
    """Revoke a key (effective on every worker within seconds)."""
    try:
        revoked = service(request).keys.revoke(key_id)
    except ApiKeyError as exc:
        raise HTTPException(404, str(exc)) from exc
    await audit(request, AuditEntry(kind="key.revoke", actor=key.name, summary={"key": key_id},
                                    response=revoked.to_json()))
    return JsonResponse(revoked.to_json())


@router.post("/lists/{version_id}/activate", responses=ERRORS)
async def activate_version(request: Request, version_id: Annotated[str, Path(max_length=140)],
                           key: ApiKey = Depends(require(Role.admin))) -> JsonResponse:
    """Make a stored list version the active one of its dataset; the
    index is rebuilt in the background and swapped in when ready."""
    state = service(request)
    try:
        version = state.store.activate(version_id)
    except StoreError as exc:
        raise HTTPException(404, str(exc)) from exc
    await audit(request, AuditEntry(kind="list.activate", actor=key.name,
                                    summary={"dataset": version.dataset, "version": version.id},
                                    response=version.to_json()))
    state.reload_in_background()
    return JsonResponse(version.to_json())


@router.get("/audit", responses=ERRORS)
async def audit_records(
    request: Request,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    _key: ApiKey = Depends(require(Role.admin)),
) -> JsonResponse:
    """Audit records, newest first (summaries; the full record at /audit/{call_id})."""
    records = service(request).audit.records(kind, since, until, actor, limit)
    return JsonResponse({"records": [{k: v for k, v in r.to_json().items() if k not in ("request", "response")}
                                       for r in records]})


@router.get("/audit/verify", responses=ERRORS)
async def audit_verify(request: Request, _key: ApiKey = Depends(require(Role.admin))) -> JsonResponse:
    """Walk the hash chain and report the first broken record."""
    import asyncio

    report = await asyncio.to_thread(service(request).audit.verify)
    brk = report.first_break
    return JsonResponse({"ok": report.ok, "records": report.records,
                           "first_break": None if brk is None else brk.__dict__})


@router.get("/audit/{call_id}", responses=ERRORS)
async def audit_record(request: Request, call_id: Annotated[str, Path(max_length=40)],
                       _key: ApiKey = Depends(require(Role.admin))) -> JsonResponse:
    """One audit record in full: request, answer, algorithm and list versions."""
    record = service(request).audit.get(call_id)
    if record is None:
        raise HTTPException(404, f"no audit record {call_id!r}")
    return JsonResponse(record.to_json())
