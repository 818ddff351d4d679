"""``POST /media`` (ingest one article), ``GET /media`` (stored articles,
or those naming a party with ``q``) and ``GET /media/{id}`` (one article
with its mentions, attributions and links)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from chokepoint.media.config import MediaSettings
from chokepoint.media.evidence import media_evidence
from chokepoint.media.ingest import STORED, Ingestor
from chokepoint.media.read import MediaInputError, read_bytes
from chokepoint.media.store import MediaStore
from chokepoint.service.audit import AuditEntry
from chokepoint.service.auth import ApiKey, Role
from chokepoint.service.deps import audit, invalid, ready, require, service
from chokepoint.service.routes.match import ERRORS
from chokepoint.service.routing import JsonResponse, OrjsonRoute
from chokepoint.service.state import Loaded

router = APIRouter(route_class=OrjsonRoute)
#: Schemata a name search may give.
PartySchema = Literal["LegalEntity", "Person", "Company", "Organization", "PublicBody", "Vessel", "Airplane"]

MEDIA_BODY = {
    "requestBody": {
        "required": True,
        "description": "The article: an HTML page or plain text.",
        "content": {"text/html": {"schema": {"type": "string"}}, "text/plain": {"schema": {"type": "string"}}},
    }
}


def media_settings(request: Request) -> MediaSettings:
    return getattr(request.app.state, "media_settings", None) or MediaSettings()


@router.post("/media", tags=["adverse media"], openapi_extra=MEDIA_BODY, status_code=201, responses={
    200: {"description": "The same story was already stored: its article."},
    201: {"description": "Stored: the article id, its mentions by kind, its duplicate and related links."},
    **ERRORS})
async def ingest_article(
    request: Request,
    url: Annotated[str | None, Query(max_length=2000, description="Where the article was published.")] = None,
    name: Annotated[str | None, Query(max_length=300, description="A file name for the record (and its "
                                                                 "ending: .html or .txt).")] = None,
    key: ApiKey = Depends(require(Role.analyst)),
    loaded: Loaded = Depends(ready),
):
    """Ingest one news article: the story is extracted, its listed
    entities, places, programme terms and quoted people found, and it is
    stored (the same story twice is one article; a copy on another site is
    linked as a duplicate). Bad input (empty, binary, no article, over the
    size limit) is a 422 naming the problem; nothing is stored."""
    state = service(request)
    media = media_settings(request)
    body = await request.body()
    source = name or url or "request body"
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "text/html" and name is None:
        source = (url or "request") + " (html)"
    try:
        raw = read_bytes(source, body, media, url=url)
        if content_type == "text/html":
            raw = replace(raw, format="html")
        ingestor = Ingestor.for_lists(state.store, media, loaded.screener, actor=key.name)
        result = await asyncio.to_thread(ingestor.ingest, raw)
    except MediaInputError as exc:
        raise invalid(("body",), exc.message) from exc
    record = await audit(request, AuditEntry(
        kind="media.ingest", actor=key.name,
        summary={"article_id": result.article_id, "status": result.status, "mentions": result.mentions},
        request={"url": url, "name": name, "bytes": len(body)}, response=result.to_json(),
        list_versions=loaded.list_versions))
    status = 201 if result.status == STORED else 200
    return JsonResponse({"call_id": record.call_id, **result.to_json()}, status_code=status,
                        headers={"x-call-id": record.call_id})


@router.get("/media", tags=["adverse media"], responses=ERRORS)
async def list_articles(
    request: Request,
    q: Annotated[str | None, Query(min_length=1, max_length=500, description=(
        "A party's name: only the articles naming it (or the listed entities it matches).")) ] = None,
    schema: Annotated[PartySchema, Query(description="The party's schema with q.")] = "LegalEntity",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    _key: ApiKey = Depends(require(Role.viewer)),
):
    """Stored articles, newest first; with `q`, the articles that are
    adverse-media evidence about that name."""
    state = service(request)
    store = MediaStore(state.store.engine)
    if q:
        screener = state.loaded.screener if state.loaded else None
        matched = []
        if screener is not None:
            from chokepoint.matching.records import PartyQuery

            try:
                found = await asyncio.to_thread(screener.match, PartyQuery.build(name=q, schema=schema))
            except ValueError as exc:
                raise invalid(("query", "schema"), str(exc)) from exc
            matched = [m.record.entity_id for m in found]
        refs = await asyncio.to_thread(media_evidence, store, [q], matched, schema, screener, None, limit + offset)
        return JsonResponse({"articles": [r.to_json() for r in refs[offset:]], "limit": limit, "offset": offset})
    articles = await asyncio.to_thread(store.list, limit, offset)
    counts = await asyncio.to_thread(store.mention_counts, [a.id for a in articles])
    total = await asyncio.to_thread(store.count)
    return JsonResponse({"articles": [{**a.summary(), "mentions": counts.get(a.id, {})} for a in articles],
                         "total": total, "limit": limit, "offset": offset})


@router.get("/media/{article_id}", tags=["adverse media"], responses=ERRORS)
async def get_article(
    request: Request,
    article_id: Annotated[int, Path(ge=1)],
    _key: ApiKey = Depends(require(Role.viewer)),
):
    """One article: metadata, story, mentions with spans and speakers,
    attributions, duplicate and related links."""
    store = MediaStore(service(request).store.engine)
    article = await asyncio.to_thread(store.get, article_id)
    if article is None:
        raise HTTPException(404, f"no article {article_id}")
    return JsonResponse(article.to_json())
