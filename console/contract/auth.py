"""Bearer authorisation as the contract states it (docs/api.md, "Authentication"): the scopes, the two
refusals a token store raises, and the check of an Authorization header. Each server keeps its own token
store (in memory for the reference service, in PostgreSQL for the gateway) behind the TokenStore protocol."""

from __future__ import annotations

from typing import Protocol, TypeVar

from console.contract.http import HttpError, Request

SCOPES = ("supervisor", "viewer")


class AuthFailed(Exception):
    """401: bad credentials, unknown or expired token. str() is safe to show (no secrets)."""


class ScopeRefused(Exception):
    """403: the user may not have that scope."""


class Grant(Protocol):
    """What a valid access token grants: who, and which scope."""

    @property
    def user(self) -> str: ...

    @property
    def scope(self) -> str: ...


G = TypeVar("G", bound=Grant)
G_co = TypeVar("G_co", bound=Grant, covariant=True)


class TokenStore(Protocol[G_co]):
    """A server's users and tokens. login and refresh answer the token document; every method raises
    AuthFailed (401) and login also ScopeRefused (403)."""

    def login(self, username: str, password: str, scope: str) -> dict[str, object]: ...

    def refresh(self, refresh_token: str) -> dict[str, object]: ...

    def check(self, access_token: str) -> G_co: ...


def authorise(req: Request, scope: str, tokens: TokenStore[G]) -> G:
    """The grant of the request's bearer token, or HttpError 401 (none, unknown, expired) or 403 (a viewer
    token where the supervisor scope is needed)."""
    kind, _, token = req.headers.get("authorization", "").partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise HttpError(401, "Sign in first: send Authorization: Bearer <access token>.")
    try:
        grant = tokens.check(token.strip())
    except AuthFailed as e:
        raise HttpError(401, str(e)) from None
    if scope == "supervisor" and grant.scope != "supervisor":
        raise HttpError(403, "This needs the supervisor scope; a viewer token can only read.")
    return grant
