"""The workbench's guards, as one ASGI middleware: a token checked in constant time on every
request when the server has one, request bodies of at most ``max_body`` bytes, and headers that
keep pages to their own origin (a Content-Security-Policy naming no other origin)."""

from __future__ import annotations

import hmac
import json
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

COOKIE = "flashpoint_token"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'self'")
"""Every script and style from this server (plotly.js sets styles on its elements, hence inline
styles); nothing from another origin."""
REPORT_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
"""The stored report is one self-contained page (its plotly.js and figures inline): it may run its
own inline scripts and load nothing at all."""


def _headers(scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers", [])}


class Guard:
    def __init__(self, app, token: str | None, max_body: int):
        self.app = app
        self.token = token.encode() if token else None
        self.max_body = max_body

    def _token_ok(self, scope) -> tuple[bool, bool]:
        """(accepted, came in the query string: then a cookie keeps it for the pages)."""
        if self.token is None:
            return True, False
        headers = _headers(scope)
        given: list[bytes] = []
        auth = headers.get(b"authorization", b"")
        if auth[:7].lower() == b"bearer ":
            given.append(auth[7:].strip())
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:
            cookie = SimpleCookie()
        if COOKIE in cookie:
            given.append(cookie[COOKIE].value.encode())
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        from_query = [v.encode() for v in query.get("token", [])]
        ok = [hmac.compare_digest(g, self.token) for g in given + from_query]
        return any(ok), any(ok[len(given):])

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        ok, set_cookie = self._token_ok(scope)
        if not ok:
            return await _reply(send, 401, {"detail": "a token is needed: send 'Authorization: Bearer TOKEN'"})
        length = _headers(scope).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await _reply(send, 413, {"detail": f"request body over {self.max_body:,} bytes"})
        seen = 0

        async def limited_receive():   # a body sent without its length is counted as it comes
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge
            return message

        started = False

        async def guarded_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-security-policy"]
                is_report = scope["path"].endswith("/report.html")
                headers += [(b"content-security-policy", (REPORT_CSP if is_report else CSP).encode()),
                            (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                            (b"x-frame-options", b"SAMEORIGIN")]
                if set_cookie:
                    headers.append((b"set-cookie", f"{COOKIE}={self.token.decode()}; HttpOnly; SameSite=Strict; "
                                                   "Path=/".encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:
            if not started:
                await _reply(send, 413, {"detail": f"request body over {self.max_body:,} bytes"})


class BodyTooLarge(Exception):
    pass


async def _reply(send, status: int, body: dict) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            (b"content-security-policy", CSP.encode())]})
    await send({"type": "http.response.body", "body": data})
