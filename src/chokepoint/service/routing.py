"""The route class every router uses: JSON bodies parsed by orjson."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRoute


class OrjsonRequest(Request):
    """Request whose JSON body is parsed by orjson: strict UTF-8, and lone
    surrogate escapes (``"\\ud800"``) are refused as invalid JSON instead
    of becoming strings nothing downstream can encode."""

    async def json(self):
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())
        return self._json


class OrjsonRoute(APIRoute):
    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def route_handler(request: Request):
            return await handler(OrjsonRequest(request.scope, request.receive))

        return route_handler


class JsonResponse(Response):
    """A JSON response serialised by orjson (fast, strict UTF-8). Handlers
    on the hot path build plain dicts and return this, skipping a second
    validation pass through the response models (which document them)."""

    media_type = "application/json"

    def render(self, content) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
