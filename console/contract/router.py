"""The /v1 router both servers share: routing with 404 and 405 (with Allow), bearer authorisation per route,
and the endpoints that are the same everywhere (sign-in, refresh, the server's time). Each server's Api
subclasses it and appends its own routes; what differs is passed in: the token store and the clock."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Generic

from console.contract.auth import SCOPES, AuthFailed, G, ScopeRefused, TokenStore, authorise
from console.contract.http import HttpError, Request, Response, field_str, json_body, ok, problem
from console.domain.wire import iso

# (method, path pattern, scope needed: None public, "viewer" any token, "supervisor"; the handler)
Route = tuple[str, re.Pattern[str], str | None, Callable[[Request, G | None, re.Match[str]], Response]]


class Router(Generic[G]):
    def __init__(self, tokens: TokenStore[G], now: Callable[[], float]) -> None:
        # now: the server's clock as GET /v1/time reports it (the simulator's, possibly skewed, or real time)
        self.tokens, self.now = tokens, now
        self.routes: list[Route[G]] = [
            ("POST", re.compile(r"/v1/auth/token"), None, self.token),
            ("POST", re.compile(r"/v1/auth/refresh"), None, self.refresh),
            ("GET", re.compile(r"/v1/time"), None, self.time),
        ]

    def dispatch(self, req: Request) -> Response:
        allowed = []
        for method, pattern, scope, handler in self.routes:
            match = pattern.fullmatch(req.path)
            if match is None:
                continue
            allowed.append(method)
            if method != req.method:
                continue
            try:
                grant = authorise(req, scope, self.tokens) if scope else None
                return handler(req, grant, match)
            except HttpError as e:
                return e.response
        if allowed:
            resp = problem(405, f"{req.path} does not support {req.method}.")
            resp.headers["Allow"] = ", ".join(allowed)
            return resp
        return problem(404, f"There is no endpoint {req.path[:100]}.")

    # --- auth and time ---
    def token(self, req: Request, _: G | None, __: re.Match[str]) -> Response:
        body = json_body(req)
        username = field_str(body, "username", max_len=200) or ""
        password = field_str(body, "password", max_len=200) or ""
        scope = field_str(body, "scope", required=False, max_len=50) or "supervisor"
        if scope not in SCOPES:
            raise HttpError(422, f"Unknown scope {scope[:50]!r}; use supervisor or viewer.")
        try:
            return ok(self.tokens.login(username, password, scope))
        except AuthFailed as e:
            return problem(401, str(e))
        except ScopeRefused as e:
            return problem(403, str(e))

    def refresh(self, req: Request, _: G | None, __: re.Match[str]) -> Response:
        token = field_str(json_body(req), "refresh_token", max_len=500) or ""
        try:
            return ok(self.tokens.refresh(token))
        except AuthFailed as e:
            return problem(401, str(e))

    def time(self, req: Request, _: G | None, __: re.Match[str]) -> Response:
        return ok({"now": iso(self.now())})
