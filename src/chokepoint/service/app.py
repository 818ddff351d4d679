"""The app factory: ``create_app(settings)`` → a FastAPI application.

    from chokepoint.service.app import create_app
    app = create_app(Settings.from_env())      # what `chokepoint serve` runs

Nothing is read at import time: the settings are passed in, and the
state they describe (store, index, keys, audit writer, metrics) is built
by :class:`ServiceState` when the app starts. The index loads in a
background thread; ``/readyz`` answers 503 until it is in.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from starlette.exceptions import HTTPException as StarletteHTTPException

from chokepoint import __version__
from chokepoint.service.auth import ROLE_SCOPES
from chokepoint.service.limits import BodyLimitMiddleware
from chokepoint.service.metrics import MetricsMiddleware
from chokepoint.media.config import MediaSettings
from chokepoint.service.routes import admin, batch, entities, info, match, media
from chokepoint.service.web import media_pages, pages
from chokepoint.service.web.session import CsrfFailed, Forbidden, LoginRequired
from chokepoint.service.routing import JsonResponse
from chokepoint.service.state import ServiceState
from chokepoint.settings import Settings

log = logging.getLogger(__name__)

DESCRIPTION = """
Screen parties and orders against sanctions and export-control lists.

`POST /match/{dataset}` takes and returns yente's `/match` shapes, so yente
clients work unchanged once they send a key. Every call needs an API key
(`Authorization: Bearer <key>` or `Authorization: ApiKey <key>`), except
`/healthz` and `/readyz`. Roles: """ + "; ".join(f"**{r.value}**: {s}" for r, s in ROLE_SCOPES.items()) + """.

Every screening call is recorded in a hash-chained audit log with the
algorithm version and the list versions used (`x-call-id` header).
"""


def _safe_errors(errors) -> list[dict]:
    """Validation errors with the offending input cut short and made
    printable (it may be bytes that are not UTF-8)."""
    out = []
    for error in errors:
        item = {"type": error.get("type"), "loc": list(error.get("loc", ())), "msg": error.get("msg")}
        value = error.get("input")
        if isinstance(value, (str, int, float, bool)) and value is not None:
            text = value if not isinstance(value, str) else value.encode("utf-8", "replace").decode("utf-8")
            item["input"] = text[:200] if isinstance(text, str) else text
        ctx = error.get("ctx")
        if ctx:
            item["ctx"] = {k: str(v)[:200] for k, v in ctx.items()}
        out.append(item)
    return out


async def _validation_error(_request: Request, exc: RequestValidationError) -> JsonResponse:
    return JsonResponse({"detail": _safe_errors(exc.errors())}, status_code=422)


async def _http_error(_request: Request, exc: StarletteHTTPException) -> JsonResponse:
    return JsonResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _login_required(request: Request, _exc: Exception) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/ui/login?next={quote(target)}", status_code=303)


async def _forbidden(request: Request, exc: Exception):
    return pages.page(request, "error.html", 403, message=str(exc))


async def _csrf_failed(request: Request, _exc: Exception):
    return pages.page(request, "error.html", 403, message="The form's security token is missing or stale; "
                                                          "reload the page and try again.")


async def _unexpected(request: Request, exc: Exception) -> JsonResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JsonResponse({"detail": "internal error; the event is logged"}, status_code=500)


def _openapi(app: FastAPI, settings: Settings) -> dict:
    """The OpenAPI document, with the limits that are settings filled in."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        queries = spec["components"]["schemas"]["EntityMatchQuery"]["properties"]["queries"]
        queries["maxProperties"] = settings.max_queries
        rows = spec["paths"]["/screen"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        rows["maxItems"] = settings.max_screen_rows
        app.openapi_schema = spec
    return app.openapi_schema


def create_app(settings: Settings, state: ServiceState | None = None, background_load: bool = True) -> FastAPI:
    """The HTTP API for ``settings``. ``state`` may be given (tests share
    one loaded state between apps); it is started with the app."""
    service = state or ServiceState(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if service.writer is None:
            service.start(background=background_load)
        try:
            yield
        finally:
            if state is None:
                service.stop()

    app = FastAPI(
        title="chokepoint",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        default_response_class=JsonResponse,
    )
    app.state.service = service
    app.state.media_settings = MediaSettings.from_env()
    for router in (match.router, batch.router, entities.router, info.router, admin.router, media.router,
                   media_pages.router, pages.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(Path(pages.__file__).parent / "static")), name="static")
    app.add_api_route("/", lambda: RedirectResponse("/ui/", status_code=307), include_in_schema=False)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(CsrfFailed, _csrf_failed)
    app.openapi = lambda: _openapi(app, settings)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(BodyLimitMiddleware, default_limit=settings.max_body_bytes,
                       limits={"/screen": settings.max_screen_bytes, "/media": app.state.media_settings.max_bytes,
                               "/ui/media": app.state.media_settings.max_bytes + 100_000})
    app.add_middleware(MetricsMiddleware, metrics=service.metrics)
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers (``chokepoint serve``): settings are read
    from the ``CHOKEPOINT_*`` environment here, at the edge."""
    return create_app(Settings.from_env())
