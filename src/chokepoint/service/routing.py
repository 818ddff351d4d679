"""The route class every router uses, and the JSON response class.

* JSON bodies are parsed by orjson: strict UTF-8, and lone surrogate
  escapes (``"\\ud800"``) are refused as invalid JSON instead of becoming
  strings nothing downstream can encode;
* unknown query parameters are refused (422 naming them), so a typo such
  as ``limt=5`` never silently falls back to a default.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute


class OrjsonRequest(Request):
    async def json(self):
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())
        return self._json


def query_parameters(dependant) -> set[str]:
    """Names of the query parameters a route and its dependencies take."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= query_parameters(sub)
    return names


class OrjsonRoute(APIRoute):
    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()
        allowed = query_parameters(self.dependant)

        async def route_handler(request: Request):
            unknown = [k for k in request.query_params.keys() if k not in allowed]
            if unknown:
                known = ", ".join(sorted(allowed)) or "none"
                raise RequestValidationError([
                    {"type": "extra_forbidden", "loc": ("query", k), "msg": f"unknown query parameter (known: {known})",
                     "input": None} for k in dict.fromkeys(unknown)])
            return await handler(OrjsonRequest(request.scope, request.receive))

        return route_handler


class JsonResponse(JSONResponse):
    """A JSON response serialised by orjson (fast, strict UTF-8). Handlers
    on the hot path build plain dicts and return this, skipping a second
    validation pass through the response models (which document them)."""

    def render(self, content) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
