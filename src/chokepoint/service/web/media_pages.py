"""Workspace pages of adverse media under ``/ui/media``: the articles
(with an upload form and a name search) and one article with its mentions
highlighted and linked."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile

from chokepoint.media.evidence import media_evidence
from chokepoint.media.ingest import Ingestor
from chokepoint.media.mentions import ENTITY, NAME, PERSON_KIND, PLACE, TERM
from chokepoint.media.read import MediaInputError, read_bytes
from chokepoint.media.store import MediaStore
from chokepoint.service.auth import Role
from chokepoint.service.deps import service
from chokepoint.service.routes.media import media_settings
from chokepoint.service.web.pages import audit_ui, page
from chokepoint.service.web.session import check_csrf, need_session

router = APIRouter(prefix="/ui/media", include_in_schema=False)
#: Which mention a highlighted piece of text links to when several cover it.
PRIORITY = {ENTITY: 0, PLACE: 1, PERSON_KIND: 2, TERM: 3, NAME: 4}


@dataclass
class Piece:
    """A piece of a paragraph, and the mentions that cover it."""

    text: str
    mentions: list[dict]

    @property
    def lead(self) -> dict | None:
        return min(self.mentions, key=lambda m: PRIORITY.get(m["kind"], 9)) if self.mentions else None

    @property
    def title(self) -> str:
        parts = []
        for m in self.mentions:
            what = f"{m['kind']}: {m['label']}"
            if m["kind"] == ENTITY:
                what += f" ({m['detail'].get('dataset')}, score {m['score']})"
            if m.get("speaker"):
                what += f", said by {m['speaker']}"
            parts.append(what)
        return "; ".join(parts)


def highlight(body: str, mentions: list[dict]) -> list[list[Piece]]:
    """Paragraphs of the story cut at every mention boundary."""
    out = []
    pos = 0
    for para in body.split("\n\n"):
        start, end = pos, pos + len(para)
        pos = end + 2
        inside = [m for m in mentions if m["start"] < end and m["end"] > start]
        cuts = sorted({start, end, *(max(start, min(end, m[k])) for m in inside for k in ("start", "end"))})
        pieces = []
        for a, b in zip(cuts, cuts[1:]):
            covering = [m for m in inside if m["start"] <= a and b <= m["end"]]
            pieces.append(Piece(body[a:b], covering))
        out.append(pieces)
    return out


@router.get("")
async def articles_page(request: Request, q: Annotated[str, Query(max_length=500)] = ""):
    need_session(request)
    state = service(request)
    store = MediaStore(state.store.engine)
    found = None
    if q.strip():
        screener = state.loaded.screener if state.loaded else None
        found = await asyncio.to_thread(media_evidence, store, [q], (), "LegalEntity", screener)
    articles = await asyncio.to_thread(store.list, 100)
    counts = await asyncio.to_thread(store.mention_counts, [a.id for a in articles])
    return page(request, "media_list.html", articles=articles, counts=counts, q=q, found=found, result=None)


@router.post("")
async def upload_article(request: Request, file: Annotated[UploadFile, File()],
                         url: Annotated[str, Form(max_length=2000)] = "", csrf_token: Annotated[str, Form()] = ""):
    session = need_session(request, Role.analyst)
    check_csrf(request, session, csrf_token)
    state = service(request)
    store = MediaStore(state.store.engine)
    media = media_settings(request)
    name = file.filename or "upload"
    error, result = None, None
    data = await file.read(media.max_bytes + 1)
    if state.loaded is None:
        error = "The name index is still loading; try again in a moment."
    else:
        try:
            raw = read_bytes(name, data, media, url=url or None)
            ingestor = Ingestor.for_lists(state.store, media, state.loaded.screener, actor=session.user.username)
            result = await asyncio.to_thread(ingestor.ingest, raw)
        except MediaInputError as exc:
            error = str(exc)
    if result is not None:
        await audit_ui(request, "media.ingest", session.user.username,
                       {"article_id": result.article_id, "status": result.status, "mentions": result.mentions},
                       {"name": name, "url": url, "bytes": len(data)}, result.to_json(),
                       list_versions=state.loaded.list_versions)
    articles = await asyncio.to_thread(store.list, 100)
    counts = await asyncio.to_thread(store.mention_counts, [a.id for a in articles])
    return page(request, "media_list.html", 422 if error else 200, articles=articles, counts=counts, q="",
                found=None, result=result, error=error)


@router.get("/{article_id}")
async def article_page(request: Request, article_id: int):
    need_session(request)
    article = await asyncio.to_thread(MediaStore(service(request).store.engine).get, article_id)
    if article is None:
        return page(request, "error.html", 404, message=f"No article {article_id}.")
    return page(request, "media_article.html", article=article, paragraphs=highlight(article.body, article.mentions))
