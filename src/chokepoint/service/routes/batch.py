"""``POST /screen`` (the batch contract of ``chokepoint screen``) and
``POST /assess`` (the order assessment)."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from chokepoint.matching.batch import InputError, read_json_rows, row_query, screen_row
from chokepoint.service.audit import AuditEntry
from chokepoint.service.auth import ApiKey, Role
from chokepoint.service.deps import audit, invalid, ready, require, service
from chokepoint.service.models import ScreenRow
from chokepoint.service.monitoring import keep_parties
from chokepoint.service.routes.match import ERRORS
from chokepoint.service.state import Loaded
from chokepoint.service.routing import JsonResponse, OrjsonRoute
from chokepoint.trade.order import Order, order_level_problems

router = APIRouter(route_class=OrjsonRoute)

#: Rows screened per step of a streamed response.
STREAM_CHUNK = 64

SCREEN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            # every item is a row: rows that cannot be screened (not an
            # object, no name, an unknown schema) come back as `error` rows
            "application/json": {"schema": {"type": "array", "minItems": 1, "items": {
                "description": "A row object with " + ", ".join(f.alias or n for n, f in ScreenRow.model_fields.items())
                + "; anything else becomes an error row."}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise invalid(("body",), f"the body is not valid UTF-8 (byte {exc.start})") from exc


def _compact(result: dict) -> dict:
    """A row result as the audit keeps it: ids and scores, no explanations."""
    return {"id": result["id"], "status": result["status"],
            "matches": [{"entity_id": m["entity_id"], "score": m["score"], "list_version": m.get("list_version")}
                        for m in result["matches"]],
            **({"error": result["error"]} if "error" in result else {})}


@router.post("/screen", tags=["screening"], openapi_extra=SCREEN_BODY, responses={
    200: {"description": "JSON lines, one per input row, in input order (or a JSON object with "
                         "`Accept: application/json`).", "content": {"application/x-ndjson": {}}},
    **ERRORS})
async def screen(
    request: Request,
    threshold: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    keep: Annotated[bool, Query(description=(
        "Keep each row with an `id` in the party base under monitoring (rows without one are not kept)."))] = False,
    key: ApiKey = Depends(require(Role.analyst)),
    loaded: Loaded = Depends(ready),
):
    """Screen a batch of parties: a JSON array of rows or JSON lines with
    `id, name, schema, country, birth_date, identifier, address`. The
    answer streams as JSON lines (docs/screen-output.md); bad rows become
    `error` rows naming their line."""
    state = service(request)
    body = await request.body()
    text = _decode(body)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" and not text.lstrip().startswith("["):
        raise invalid(("body",), "an application/json body must be a JSON array of row objects "
                                 "(send JSON lines as application/x-ndjson)")
    try:
        rows = list(read_json_rows(text))
    except InputError as exc:
        raise invalid(("body",), str(exc)) from exc
    if not rows:
        raise invalid(("body",), "no rows: send a JSON array of objects or JSON lines")
    if len(rows) > state.settings.max_screen_rows:
        raise invalid(("body",), f"{len(rows)} rows; at most {state.settings.max_screen_rows} per call "
                                 "(use `chokepoint screen` for files)")
    screener = loaded.screener
    entry = AuditEntry(kind="screen", actor=key.name,
                       request={"rows": len(rows), "sha256": hashlib.sha256(body).hexdigest(),
                                "params": dict(request.query_params.multi_items())},
                       algorithm=screener.algorithm.name, algorithm_version=screener.algorithm.version,
                       list_versions=loaded.list_versions)
    state.metrics.queries.labels("screen").inc(len(rows))

    def run(chunk):
        results = [screen_row(screener, row, threshold, limit).to_json() for row in chunk]
        if keep:
            _keep_rows(state, chunk, results, loaded)
        return results

    if "application/json" in request.headers.get("accept", "") and "ndjson" not in request.headers.get("accept", ""):
        results = await asyncio.to_thread(run, rows)
        _finish(entry, results, orjson.dumps(results))
        record = await audit(request, entry)
        return JsonResponse({"call_id": record.call_id, "results": results},
                              headers={"x-call-id": record.call_id})

    async def stream():
        digest, kept = hashlib.sha256(), []
        complete = False
        try:
            for start in range(0, len(rows), STREAM_CHUNK):
                results = await asyncio.to_thread(run, rows[start: start + STREAM_CHUNK])
                data = b"".join(orjson.dumps(r) + b"\n" for r in results)
                digest.update(data)
                kept.extend(results)
                yield data
            complete = True
        finally:
            _finish(entry, kept, None, digest.hexdigest(), complete)
            await audit(request, entry) if complete else state.writer.submit(entry)

    return StreamingResponse(stream(), media_type="application/x-ndjson", headers={"x-call-id": entry.call_id})


def _keep_rows(state, rows, results: list[dict], loaded: Loaded) -> None:
    """Keep the screened rows that have an id (``keep=true``)."""
    versions = sorted(loaded.versions)
    kept, outcomes = [], {}
    for row, result in zip(rows, results):
        party_id = (row.data.get("id") or "").strip()
        if result["status"] == "error" or not party_id or len(party_id) > 200:
            continue
        kept.append((party_id, row_query(row)))
        outcomes[party_id] = {"status": result["status"],
                              "top_score": max((m["score"] for m in result["matches"]), default=0.0),
                              "matches": [{k: m[k] for k in ("entity_id", "dataset", "name", "score")}
                                          for m in result["matches"]],
                              "list_versions": versions}
    if kept:
        keep_parties(state.store, list({pid: (pid, q) for pid, q in kept}.values()), "api", outcomes)


def _finish(entry: AuditEntry, results: list[dict], output: bytes | None, sha: str | None = None,
            complete: bool = True) -> None:
    counts = {"alert": 0, "clear": 0, "error": 0}
    for r in results:
        counts[r["status"]] += 1
    entry.summary = {**counts, "rows": entry.request["rows"], "complete": complete}
    entry.response = {"sha256": sha or hashlib.sha256(output or b"").hexdigest(),
                      "results": [_compact(r) for r in results]}


@router.post("/assess", tags=["trade"], responses={
    200: {"description": "The assessment (docs/assess-output.md), or an HTML report with format=html.",
          "content": {"application/json": {}, "text/html": {}}}, **ERRORS})
async def assess(
    request: Request,
    order: Order,
    format: Annotated[str, Query(pattern="^(json|html)$", description="json (default) or html")] = "json",
    key: ApiKey = Depends(require(Role.analyst)),
    loaded: Loaded = Depends(ready),
):
    """Assess an order (parties by role, goods, route, payment, end use)
    against the bundled rulesets: one level and its sourced reasons
    (docs/assess-output.md)."""
    from chokepoint.media.evidence import MediaLookup
    from chokepoint.trade.assess import assess_order
    from chokepoint.trade.report import render_html

    problems = order_level_problems(order.model_dump(by_alias=True, mode="json"))
    if problems:
        raise invalid(("body",), "; ".join(str(p) for p in problems))
    lists = [v.to_json() for v in loaded.versions.values()]
    media = MediaLookup(service(request).store, loaded.screener)
    assessment = await asyncio.to_thread(assess_order, order, loaded.screener, None, lists, media)
    result = assessment.to_json()
    screener = loaded.screener
    record = await audit(request, AuditEntry(
        kind="assess", actor=key.name,
        summary={"order": order.id, "level": assessment.level.label, "reasons": len(assessment.reasons)},
        request=order.model_dump(by_alias=True, mode="json"), response=result,
        algorithm=screener.algorithm.name, algorithm_version=screener.algorithm.version,
        list_versions=loaded.list_versions))
    service(request).metrics.queries.labels("assess").inc()
    if format == "html":
        return HTMLResponse(render_html(assessment), headers={"x-call-id": record.call_id})
    return JsonResponse({"call_id": record.call_id, **result}, headers={"x-call-id": record.call_id})
