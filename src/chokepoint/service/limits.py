"""Request body size limits, enforced before the body is read.

``Content-Length`` above the limit is refused at once (413); a chunked
body is counted as it arrives and refused when it passes the limit.
"""

from __future__ import annotations

import orjson
from starlette.exceptions import HTTPException


class BodyTooLarge(HTTPException):
    """Raised while reading a chunked body that passes the limit; an
    HTTPException, so the framework answers 413 wherever it surfaces."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is over the limit of {limit} bytes")


class BodyLimitMiddleware:
    def __init__(self, app, default_limit: int, limits: dict[str, int]) -> None:
        self.app = app
        self.default_limit = default_limit
        #: path prefix → limit
        self.limits = limits

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.limits.items():
            if path.startswith(prefix):
                return limit
        return self.default_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await _refuse(send, 400, "invalid Content-Length header")
                    return
                if length > limit:
                    await _refuse(send, 413, f"request body of {length} bytes is over the limit of {limit} bytes")
                    return
        received = 0
        started = False

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _refuse(send, 413, f"request body is over the limit of {limit} bytes")


async def _refuse(send, status: int, detail: str) -> None:
    body = orjson.dumps({"detail": detail})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
