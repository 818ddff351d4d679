"""Workspace pages under ``/ui``.

Every page needs a login session (else: redirect to the login page);
every POST checks the session's CSRF token; roles are those of the API
(viewer reads, analyst screens and decides, admin manages). Everything an
analyst does is an audit record.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import orjson
from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from chokepoint.lists.store import StoreError
from chokepoint.lists.update import source_status
from chokepoint.matching.batch import InputError, read_rows, row_query, screen_rows
from chokepoint.matching.records import PartyQuery
from chokepoint.media.evidence import media_evidence
from chokepoint.monitor.parties import PartyBase, result_summary
from chokepoint.service.audit import AuditEntry
from chokepoint.service.auth import Role
from chokepoint.service.casework import OUTCOMES, CaseworkError, party_data, party_key
from chokepoint.service.deps import client_address, service
from chokepoint.service.monitoring import keep_parties, recent_runs
from chokepoint.service.web import charts
from chokepoint.service.web.session import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    current_session,
    login_csrf,
    need_session,
    redirect,
    set_cookie,
)

HERE = Path(__file__).parent
# autoescaping is on for .html templates (every value is escaped unless marked safe)
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(prefix="/ui", include_in_schema=False)
EXAMPLE_ORDERS = Path(__file__).resolve().parents[4] / "examples" / "orders"
#: Largest upload accepted by the screening page (rows are also capped).
MAX_UPLOAD_ROWS = 5000
SCHEMATA = ("Person", "Company", "Organization", "LegalEntity", "Vessel", "Airplane")
#: Longest party id (the party base's limit).
MAX_PARTY_ID = 200
#: Parties per page of the parties list.
PARTIES_PER_PAGE = 50


def page(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    session = getattr(request.state, "web_session", None) or current_session(request)
    return templates.TemplateResponse(request, name, {"session": session, "user": session.user if session else None,
                                                      "csrf": session.csrf_token if session else "", **context},
                                      status_code=status_code)


async def audit_ui(request: Request, kind: str, actor: str, summary: dict, request_data: dict | None = None,
                   response: dict | None = None, **extra):
    state = service(request)
    entry = AuditEntry(kind=kind, actor=actor, channel="ui", client=client_address(request), summary=summary,
                       request=request_data or {}, response=response or {}, **extra)
    future = state.writer.submit(entry) if state.writer else None
    if future is None:
        return (await asyncio.to_thread(state.audit.append, [entry]))[0]
    return await asyncio.wrap_future(future)


# --- login ----------------------------------------------------------------------


@router.get("/login")
async def login_form(request: Request, next: str = "/ui/"):
    token = login_csrf(request)
    response = page(request, "login.html", login_csrf=token, next=_safe_next(next), error=None)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, 3600)
    return response


def _safe_next(target: str) -> str:
    return target if target.startswith("/ui/") and "//" not in target else "/ui/"


@router.post("/login")
async def login(request: Request, username: Annotated[str, Form(max_length=100)],
                password: Annotated[str, Form(max_length=500)], csrf_token: Annotated[str, Form()] = "",
                next: Annotated[str, Form()] = "/ui/"):
    state = service(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or cookie != csrf_token:
        return page(request, "login.html", 403, login_csrf=login_csrf(request), next=_safe_next(next),
                    error="The form expired; please try again.")
    client = client_address(request)
    wait = state.limiter.blocked_for(client)
    if wait:
        return page(request, "login.html", 429, login_csrf=cookie, next=_safe_next(next),
                    error=f"Too many failed logins from your address; try again in {int(wait)} s.")
    result = await asyncio.to_thread(state.accounts.login, username, password)
    if result.outcome != "ok":
        state.limiter.failed(client)
        await audit_ui(request, "login.failed", username[:100], {"outcome": result.outcome})
        message = {"locked": "This account is locked after repeated failed logins; try again later.",
                   "disabled": "This account is disabled."}.get(result.outcome, "Wrong username or password.")
        return page(request, "login.html", 401, login_csrf=cookie, next=_safe_next(next), error=message)
    token, _ = state.accounts.open_session(result.user)
    await audit_ui(request, "login", result.user.username, {"role": result.user.role.value})
    response = redirect(_safe_next(next))
    set_cookie(response, request, SESSION_COOKIE, token, 8 * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request, csrf_token: Annotated[str, Form()] = ""):
    session = need_session(request)
    check_csrf(request, session, csrf_token)
    service(request).accounts.close_session(request.cookies.get(SESSION_COOKIE))
    await audit_ui(request, "logout", session.user.username, {})
    response = redirect("/ui/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- dashboard ------------------------------------------------------------------


@router.get("/")
async def dashboard(request: Request):
    need_session(request)
    state = service(request)
    counts = state.casework.counts()
    versions = state.store.active_versions()
    now = datetime.now(timezone.utc)
    sources = {s.dataset: s for s in source_status(state.store, state.settings)}
    lists = [{"v": v, "age_days": (now - (datetime(v.published.year, v.published.month, v.published.day,
                                                   tzinfo=timezone.utc) if v.published else v.loaded_at)).days,
              "source": sources.get(v.dataset)}
             for v in versions]
    recent = state.audit.records(limit=12)
    recent = [r for r in recent if r.kind in ("match", "screen", "screen.ui", "screen.batch", "assess", "assess.ui")]
    monitoring = {"parties": PartyBase(state.store.engine).count(), "runs": recent_runs(state.store, 5),
                  "open_alerts": state.casework.open_count("monitor")}
    return page(request, "dashboard.html", counts=counts, lists=lists, recent=recent,
                weekly_chart=charts.stacked_bars(counts["alerts_per_week"], "Alerts per week by list"),
                outcome_chart=charts.bars(counts["decisions"], "Decisions by outcome", OUTCOMES),
                open_alerts=state.casework.alerts("open", 10), pending=state.casework.pending(),
                monitoring=monitoring)


# --- screening ------------------------------------------------------------------


@router.get("/screen")
async def screen_form(request: Request):
    need_session(request, Role.analyst)
    return page(request, "screen.html", schemata=SCHEMATA, result=None, form={})


@router.post("/screen")
async def screen_one(request: Request, name: Annotated[str, Form(max_length=500)],
                     schema_: Annotated[str, Form(alias="schema")] = "LegalEntity", country: Annotated[str, Form(max_length=100)] = "",
                     birth_date: Annotated[str, Form(max_length=20)] = "",
                     identifier: Annotated[str, Form(max_length=100)] = "", keep: Annotated[str, Form()] = "",
                     party_id: Annotated[str, Form(max_length=1000)] = "", csrf_token: Annotated[str, Form()] = ""):
    session = need_session(request, Role.analyst)
    check_csrf(request, session, csrf_token)
    state = service(request)
    schema = schema_
    keeping = _checked(keep)
    party_id = party_id.strip()
    form = {"name": name, "schema": schema, "country": country, "birth_date": birth_date, "identifier": identifier,
            "keep": keeping, "party_id": party_id}
    if not name.strip() or schema not in SCHEMATA:
        return page(request, "screen.html", 422, schemata=SCHEMATA, result=None, form=form,
                    error="Give a name and one of the listed types.")
    if keeping and not party_id:
        return page(request, "screen.html", 422, schemata=SCHEMATA, result=None, form=form,
                    error="To keep a party under monitoring, give its party id (your own reference, "
                          "e.g. a customer number).")
    if len(party_id) > MAX_PARTY_ID:
        return page(request, "screen.html", 422, schemata=SCHEMATA, result=None, form=form,
                    error=f"A party id has at most {MAX_PARTY_ID} characters.")
    loaded = state.loaded
    if loaded is None:
        return page(request, "screen.html", 503, schemata=SCHEMATA, result=None, form=form,
                    error="The name index is still loading; try again in a moment.")
    query = PartyQuery.build(name=name, schema=schema, country=country or None, birth_date=birth_date or None,
                             identifier=identifier or None)
    matches = await asyncio.to_thread(loaded.screener.match, query, 10)
    summary = {"name": name, "matches": len(matches), "top_score": round(matches[0].score, 4) if matches else 0.0}
    if keeping:
        summary["kept"] = party_id
    record = await audit_ui(request, "screen.ui", session.user.username, summary,
                            {"party": party_data(query), **({"keep": party_id} if keeping else {})},
                            {"matches": [{"entity_id": m.record.entity_id, "score": round(m.score, 4),
                                          "list_version": m.record.version_id} for m in matches]},
                            algorithm=loaded.screener.algorithm.name,
                            algorithm_version=loaded.screener.algorithm.version,
                            list_versions=loaded.list_versions)
    pairs = state.casework.record_screening(query, matches, record.call_id, party_id=party_id if keeping else None)
    kept = None
    if keeping:
        counts = await asyncio.to_thread(keep_parties, state.store, [(party_id, query)], "ui",
                                         {party_id: result_summary(matches, loaded.versions)})
        kept = {"id": party_id, "how": next((k for k in ("added", "updated") if counts[k]), "unchanged")}
    media = await asyncio.to_thread(media_evidence, state.store, query.names, [m.record.entity_id for m in matches],
                                    schema, loaded.screener)
    return page(request, "screen.html", schemata=SCHEMATA, form=form, media=media, result={
        "query": query, "pairs": pairs, "call_id": record.call_id, "threshold": loaded.screener.algorithm.threshold,
        "kept": kept})


def _checked(value: str) -> bool:
    """A checkbox's form value: sent ("on") when ticked, absent otherwise."""
    return value.strip().lower() in ("on", "true", "1", "yes")


@router.post("/screen/upload")
async def screen_upload(request: Request, file: Annotated[UploadFile, File()], keep: Annotated[str, Form()] = "",
                        csrf_token: Annotated[str, Form()] = ""):
    session = need_session(request, Role.analyst)
    check_csrf(request, session, csrf_token)
    state = service(request)
    loaded = state.loaded
    suffix = Path(file.filename or "upload.csv").suffix.lower()
    if suffix not in (".csv", ".xlsx", ".jsonl") or loaded is None:
        return page(request, "screen.html", 422, schemata=SCHEMATA, result=None, form={},
                    error="Upload a .csv, .xlsx or .jsonl file with a 'name' column.")
    data = await file.read()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            rows = list(read_rows(path))
        except InputError as exc:
            return page(request, "screen.html", 422, schemata=SCHEMATA, result=None, form={},
                        error=str(exc).replace(str(path), file.filename or "upload"))
    if len(rows) > MAX_UPLOAD_ROWS:
        return page(request, "screen.html", 422, schemata=SCHEMATA, result=None, form={},
                    error=f"{len(rows)} rows; at most {MAX_UPLOAD_ROWS} here (use `chokepoint screen` for more).")
    results = await asyncio.to_thread(lambda: list(screen_rows(loaded.screener, rows, workers=1)))
    output = b"".join(orjson.dumps(r.to_json()) + b"\n" for r in results)
    counts = {s: sum(1 for r in results if r.status == s) for s in ("alert", "clear", "error")}
    kept = await asyncio.to_thread(_keep_rows, state, rows, results, loaded) if _checked(keep) else None
    record = await audit_ui(request, "screen.batch", session.user.username,
                            {"file": file.filename, "rows": len(results), **counts,
                             **({"kept": kept["added"] + kept["updated"] + kept["unchanged"]} if kept else {})},
                            {"file": file.filename, "sha256": hashlib.sha256(data).hexdigest(), "rows": len(rows)},
                            {"sha256": hashlib.sha256(output).hexdigest(),
                             "results": [{"id": r.id, "status": r.status,
                                          "matches": [{"entity_id": m["entity_id"], "score": m["score"]}
                                                      for m in r.matches]} for r in results]},
                            algorithm=loaded.screener.algorithm.name,
                            algorithm_version=loaded.screener.algorithm.version,
                            list_versions=loaded.list_versions)
    return page(request, "screen.html", schemata=SCHEMATA, form={}, result=None,
                batch={"results": results, "counts": counts, "call_id": record.call_id, "file": file.filename,
                       "kept": kept})


def _keep_rows(state, rows, results, loaded) -> dict:
    """Keep the screened rows of an upload that have an ``id`` (rows
    without one, too long an id or an error are not kept). Returns the
    keep counts and, per result row, the party id it is kept as (or None)."""
    versions = sorted(loaded.versions)
    kept: dict[str, PartyQuery] = {}
    outcomes: dict[str, dict] = {}
    ids: list[str | None] = []
    for row, result in zip(rows, results):
        party_id = (row.data.get("id") or "").strip()
        query = None
        if result.status != "error" and party_id and len(party_id) <= MAX_PARTY_ID:
            try:
                query = row_query(row)
            except ValueError:
                query = None
        if query is None:
            ids.append(None)
            continue
        kept[party_id] = query  # an id given twice: the last row is kept
        outcomes[party_id] = {"status": result.status,
                              "top_score": max((m["score"] for m in result.matches), default=0.0),
                              "matches": [{k: m[k] for k in ("entity_id", "dataset", "name", "score")}
                                          for m in result.matches],
                              "list_versions": versions}
        ids.append(party_id)
    counts = keep_parties(state.store, list(kept.items()), "ui", outcomes) if kept else \
        {"added": 0, "updated": 0, "unchanged": 0}
    return {**counts, "ids": ids, "not_kept": ids.count(None)}


@router.get("/screenings/{call_id}.{fmt}")
async def screening_download(request: Request, call_id: str, fmt: str):
    need_session(request)
    record = service(request).audit.get(call_id)
    if record is None or record.kind != "screen.batch" or fmt not in ("csv", "xlsx"):
        return page(request, "error.html", 404, message="No such batch screening.")
    rows = [["id", "status", "top_score", "entity_ids"]]
    for r in record.response["results"]:
        rows.append([r["id"], r["status"], r["matches"][0]["score"] if r["matches"] else "",
                     ";".join(m["entity_id"] for m in r["matches"])])
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return Response(buffer.getvalue(), media_type="text/csv",
                        headers={"content-disposition": f'attachment; filename="screening-{call_id}.csv"'})
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("screening")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"content-disposition": f'attachment; filename="screening-{call_id}.xlsx"'})


# --- alerts ---------------------------------------------------------------------


@router.get("/alerts")
async def alerts(request: Request,
                 status: Annotated[str, Query(pattern="^(open|decided|suppressed|closed|all)$")] = "open"):
    need_session(request)
    state = service(request)
    items = state.casework.alerts(None if status == "all" else status)
    kept = PartyBase(state.store.engine).get_many({a.party_id for a in items if a.party_id})
    return page(request, "alerts.html", alerts=items, status=status, kept=kept)


@router.get("/alerts/{alert_id}")
async def alert_detail(request: Request, alert_id: int):
    need_session(request)
    state = service(request)
    alert = state.casework.alert(alert_id)
    if alert is None:
        return page(request, "error.html", 404, message=f"No alert {alert_id}.")
    stored = state.store.stored_entity(alert.entity_id, alert.version_id)
    linked = state.store.referencing(alert.entity_id, alert.version_id) if stored else []
    from chokepoint.service.yente import entity_json

    entity = entity_json(stored, None) if stored else None
    party = PartyBase(state.store.engine).get(alert.party_id) if alert.party_id else None
    return page(request, "alert.html", alert=alert, entity=entity, linked=describe_links(state, alert, linked),
                kept_party=party,
                decision=state.casework.decision(alert.decision_id), outcomes=OUTCOMES,
                history=state.casework.history(alert.party_key, alert.entity_id),
                four_eyes=state.casework.four_eyes())


def describe_links(state, alert, linked) -> list[dict]:
    """The entities linked to a listed entity, in words: a sanction by its
    authority and programmes, a link or ownership by the other party."""
    from followthemoney import model, registry

    others: set[str] = set()
    for _, holder in linked:
        schema = model.get(holder.data["schema"])
        for name, values in (holder.data.get("properties") or {}).items():
            prop = schema.get(name) if schema else None
            if prop is not None and prop.type == registry.entity:
                others.update(v for v in values if v != alert.entity_id)
    found = state.store.stored_entities(others, alert.version_id)
    out = []
    for prop_name, holder in linked:
        data = holder.data
        props = data.get("properties") or {}
        if data["schema"] == "Sanction":
            text = "; ".join([*props.get("authority", []), *props.get("programId", [])]) or data["id"]
            out.append({"kind": "Sanction", "text": text})
            continue
        names = [found[v].data.get("caption") or model.get_proxy(found[v].data).caption
                 for values in props.values() for v in values if v in found]
        role = "; ".join(props.get("role", []) or props.get("relationship", []))
        out.append({"kind": f"{data['schema']}{' (' + role + ')' if role else ''}",
                    "text": "; ".join(names) or data["id"]})
    return out


@router.post("/alerts/{alert_id}/decide")
async def decide(request: Request, alert_id: int, outcome: Annotated[str, Form()],
                 reason: Annotated[str, Form(max_length=2000)] = "", csrf_token: Annotated[str, Form()] = ""):
    session = need_session(request, Role.analyst)
    check_csrf(request, session, csrf_token)
    state = service(request)
    try:
        decision = state.casework.decide(alert_id, outcome, reason, session.user.username)
    except CaseworkError as exc:
        return page(request, "error.html", 422, message=str(exc))
    await audit_ui(request, "decision", session.user.username,
                   {"alert": alert_id, "outcome": outcome, "status": decision.status}, response=decision.to_json())
    return redirect(f"/ui/alerts/{alert_id}")


@router.post("/decisions/{decision_id}/confirm")
async def confirm(request: Request, decision_id: int, csrf_token: Annotated[str, Form()] = ""):
    session = need_session(request, Role.analyst)
    check_csrf(request, session, csrf_token)
    state = service(request)
    try:
        decision = state.casework.confirm(decision_id, session.user.username)
    except CaseworkError as exc:
        return page(request, "error.html", 422, message=str(exc))
    await audit_ui(request, "decision.confirm", session.user.username, {"decision": decision_id},
                   response=decision.to_json())
    return redirect(f"/ui/alerts/{decision.alert_id}" if decision.alert_id else "/ui/")


# --- parties under monitoring ------------------------------------------------------


@router.get("/parties")
async def parties_page(request: Request, q: Annotated[str, Query(max_length=200)] = "",
                       offset: Annotated[int, Query(ge=0)] = 0,
                       limit: Annotated[int, Query(ge=1, le=500)] = PARTIES_PER_PAGE, removed: str = ""):
    need_session(request)
    state = service(request)
    search = q.strip() or None
    base = PartyBase(state.store.engine)
    items = base.list(limit=limit, offset=offset, search=search)
    total = base.count() if search is None else _count_matching(state.store.engine, search)
    # the confirmation after a removal, only if that party is indeed gone
    removed = removed if removed and len(removed) <= MAX_PARTY_ID and base.get(removed) is None else ""
    return page(request, "parties.html", parties=items, q=q, offset=offset, limit=limit, total=total,
                removed=removed)


def _count_matching(engine, search: str) -> int:
    """How many kept parties :meth:`PartyBase.list` finds for ``search``
    (the same condition: the id, or anything in the party's data)."""
    from sqlalchemy import Text, cast, func, select
    from sqlalchemy.orm import Session

    from chokepoint.monitor.tables import PartyRow

    query = select(func.count()).select_from(PartyRow).where(
        PartyRow.id.contains(search) | func.lower(cast(PartyRow.data, Text)).contains(search.lower()))
    with Session(engine) as session:
        return session.execute(query).scalar() or 0


@router.get("/parties/{party_id:path}")
async def party_detail(request: Request, party_id: str):
    need_session(request)
    state = service(request)
    party = PartyBase(state.store.engine).get(party_id)
    if party is None:
        return page(request, "error.html", 404, message=f"No kept party {party_id}.")
    alerts = state.casework.alerts_for_party(party_id)
    entity_alerts: dict[str, object] = {}
    for alert in alerts:  # newest first: the newest alert of each matched entity
        entity_alerts.setdefault(alert.entity_id, alert)
    return page(request, "party.html", party=party, alerts=alerts, entity_alerts=entity_alerts)


@router.post("/parties/{party_id:path}/remove")
async def party_remove(request: Request, party_id: str, csrf_token: Annotated[str, Form()] = ""):
    session = need_session(request, Role.analyst)
    check_csrf(request, session, csrf_token)
    state = service(request)
    removed = await asyncio.to_thread(PartyBase(state.store.engine).remove, [party_id])
    if not removed:
        return page(request, "error.html", 404, message=f"No kept party {party_id}.")
    today = datetime.now(timezone.utc).date().isoformat()
    alerts = await asyncio.to_thread(state.casework.forget_party, party_id, today)
    await audit_ui(request, "parties.remove", session.user.username, {"removed": removed, "alerts": alerts})
    return redirect(f"/ui/parties?removed={quote(party_id, safe='')}")


# --- orders ---------------------------------------------------------------------


@router.get("/orders")
async def orders_form(request: Request):
    need_session(request, Role.analyst)
    examples = sorted(p.name for p in EXAMPLE_ORDERS.glob("*.json")) if EXAMPLE_ORDERS.is_dir() else []
    return page(request, "orders.html", examples=examples, assessment=None)


@router.post("/orders")
async def assess_order_page(request: Request, example: Annotated[str, Form()] = "",
                            file: Annotated[UploadFile | None, File()] = None, csrf_token: Annotated[str, Form()] = ""):
    session = need_session(request, Role.analyst)
    check_csrf(request, session, csrf_token)
    from chokepoint.media.evidence import MediaLookup
    from chokepoint.trade.assess import assess_order
    from chokepoint.trade.order import OrderError, parse_order
    from chokepoint.trade.report import render_html

    state = service(request)
    examples = sorted(p.name for p in EXAMPLE_ORDERS.glob("*.json")) if EXAMPLE_ORDERS.is_dir() else []
    try:
        if file is not None and file.filename:
            raw = await file.read()
            source = file.filename
        elif example in examples:
            raw = (EXAMPLE_ORDERS / example).read_bytes()
            source = example
        else:
            raise OrderError([], "choose an example or upload an order JSON file")
        order = parse_order(json.loads(raw), source)
    except (ValueError, OrderError) as exc:
        return page(request, "orders.html", 422, examples=examples, assessment=None, error=str(exc))
    loaded = state.loaded
    if loaded is None:
        return page(request, "orders.html", 503, examples=examples, assessment=None, error="Index loading.")
    lists = [v.to_json() for v in loaded.versions.values()]
    media = MediaLookup(state.store, loaded.screener)
    assessment = await asyncio.to_thread(assess_order, order, loaded.screener, None, lists, media)
    result = assessment.to_json()
    record = await audit_ui(request, "assess.ui", session.user.username,
                            {"order": order.id, "level": assessment.level.label, "reasons": len(assessment.reasons)},
                            order.model_dump(by_alias=True, mode="json"), result,
                            algorithm=loaded.screener.algorithm.name,
                            algorithm_version=loaded.screener.algorithm.version, list_versions=loaded.list_versions)
    alert = state.casework.record_order(order.id, order.model_dump(by_alias=True, mode="json"), result,
                                        record.call_id)
    return page(request, "orders.html", examples=examples, assessment=result, report=render_html(assessment),
                alert=alert, call_id=record.call_id, chosen=example)


# --- lists and audit --------------------------------------------------------------


@router.get("/lists")
async def lists_page(request: Request):
    need_session(request)
    state = service(request)
    versions = state.store.versions()
    # the oldest version of each list has nothing before it to compare with
    oldest = {[v for v in versions if v.dataset == d][-1].id for d in {v.dataset for v in versions}}
    return page(request, "lists.html", versions=versions, oldest=oldest)


@router.get("/lists/{dataset}/diff")
async def diff_page(request: Request, dataset: str, from_version: Annotated[str | None, Query(alias="from")] = None,
                    to_version: Annotated[str | None, Query(alias="to")] = None):
    need_session(request)
    try:
        diff = service(request).store.diff(dataset, from_version, to_version)
    except StoreError as exc:
        return page(request, "error.html", 404, message=str(exc))
    return page(request, "diff.html", diff=diff)


@router.get("/audit")
async def audit_page(request: Request, kind: str = "", actor: str = "", since: str = "", until: str = ""):
    need_session(request)
    state = service(request)
    records = state.audit.records(kind or None, _date(since), _date(until), actor or None, limit=200)
    return page(request, "audit.html", records=records, kind=kind, actor=actor, since=since, until=until,
                verify=None)


@router.post("/audit/verify")
async def audit_verify_page(request: Request, csrf_token: Annotated[str, Form()] = ""):
    session = need_session(request)
    check_csrf(request, session, csrf_token)
    state = service(request)
    report = await asyncio.to_thread(state.audit.verify)
    return page(request, "audit.html", records=state.audit.records(limit=200), kind="", actor="", since="",
                until="", verify=report)


@router.get("/audit/export")
async def audit_export(request: Request, since: str = "", until: str = "", format: str = "csv"):
    need_session(request)
    from chokepoint.service.audit import export_records

    state = service(request)
    records = state.audit.records(None, _date(since), _date(until), None, newest_first=False)
    fmt = "jsonl" if format == "jsonl" else "csv"
    body = export_records(records, fmt)
    return Response(body, media_type="text/csv" if fmt == "csv" else "application/x-ndjson",
                    headers={"content-disposition": f'attachment; filename="audit.{fmt}"'})


def _date(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=timezone.utc) if value else None
    except ValueError:
        return None


# --- certificates -----------------------------------------------------------------


@router.get("/certificates/{call_id}")
async def certificate(request: Request, call_id: str, format: str = "html"):
    need_session(request)
    from chokepoint.service.certificate import certificate_for

    state = service(request)
    cert = certificate_for(state.audit, state.store, call_id)
    if cert is None:
        return page(request, "error.html", 404, message=f"No screening {call_id}.")
    if format == "json":
        return Response(json.dumps(cert, indent=2, ensure_ascii=False), media_type="application/json",
                        headers={"content-disposition": f'attachment; filename="certificate-{call_id}.json"'})
    return page(request, "certificate.html", cert=cert)


# --- admin ------------------------------------------------------------------------


@router.get("/admin")
async def admin_page(request: Request):
    need_session(request, Role.admin)
    state = service(request)
    return page(request, "admin.html", users=state.accounts.users(), four_eyes=state.casework.four_eyes(),
                roles=[r.value for r in Role], created=None)


@router.post("/admin/users")
async def admin_create_user(request: Request, username: Annotated[str, Form(max_length=100)],
                            role: Annotated[str, Form()], password: Annotated[str, Form(max_length=500)],
                            csrf_token: Annotated[str, Form()] = ""):
    session = need_session(request, Role.admin)
    check_csrf(request, session, csrf_token)
    from chokepoint.service.accounts import AccountError

    state = service(request)
    try:
        user = state.accounts.create(username, role, password)
    except (AccountError, ValueError) as exc:
        return page(request, "admin.html", 422, users=state.accounts.users(), four_eyes=state.casework.four_eyes(),
                    roles=[r.value for r in Role], created=None, error=str(exc))
    await audit_ui(request, "user.create", session.user.username, {"user": user.username, "role": user.role.value})
    return redirect("/ui/admin")


@router.post("/admin/four-eyes")
async def admin_four_eyes(request: Request, enabled: Annotated[str, Form()] = "off",
                          csrf_token: Annotated[str, Form()] = ""):
    session = need_session(request, Role.admin)
    check_csrf(request, session, csrf_token)
    state = service(request)
    state.casework.set_four_eyes(enabled == "on")
    await audit_ui(request, "settings.four_eyes", session.user.username, {"four_eyes": enabled == "on"})
    return redirect("/ui/admin")


__all__ = ["router", "party_key"]
