"""Demo users and bearer tokens: issue, refresh (rotating), expiry, scopes.

Tokens are random and held only in memory, keyed by a SHA-256 digest (a memory dump or a debug print
of the table shows no usable token). Expiry runs on the real monotonic clock, not the simulated one,
so a frozen simulation still expires tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from console.contract.auth import AuthFailed, ScopeRefused

# user -> (password, scopes the user may ask for). Demo credentials, printed by serve-demo.
USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "supervisor": ("demo-supervisor", ("supervisor", "viewer")),
    "wallboard": ("demo-viewer", ("viewer",)),
}


@dataclass(frozen=True, slots=True)
class Grant:
    user: str
    scope: str
    expires: float  # time.monotonic()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Tokens:
    def __init__(self, ttl_s: float = 3600.0) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}
        self._paired: dict[str, str] = {}  # refresh token digest -> its access token's digest

    def login(self, username: str, password: str, scope: str) -> dict[str, object]:
        user = USERS.get(username)
        # compare_digest even for unknown users: no timing hint about which user names exist
        ok = hmac.compare_digest(password.encode(), (user[0] if user else "\0").encode())
        if user is None or not ok:
            raise AuthFailed("The user name or password is wrong.")
        if scope not in user[1]:
            raise ScopeRefused(f"User {username!r} may not have the {scope!r} scope.")
        return self._issue(username, scope)

    def refresh(self, refresh_token: str) -> dict[str, object]:
        """A new pair; the refresh token used and the access token issued with it stop working at once
        (docs/api.md: a refreshed-away token must not outlive its replacement, e.g. when stolen)."""
        with self._lock:
            grant = self._refresh.pop(_digest(refresh_token), None)  # rotation: one use only
            if grant is not None:
                self._access.pop(self._paired.pop(_digest(refresh_token), ""), None)
        if grant is None or grant.expires <= time.monotonic():
            raise AuthFailed("The refresh token is not valid (it may have been used already).")
        return self._issue(grant.user, grant.scope)

    def check(self, access_token: str) -> Grant:
        with self._lock:
            grant = self._access.get(_digest(access_token))
            if grant is not None and grant.expires <= time.monotonic():
                del self._access[_digest(access_token)]
                raise AuthFailed("The access token has expired; refresh it or sign in again.")
        if grant is None:
            raise AuthFailed("The access token is not valid.")
        return grant

    def revoke(self, user: str) -> int:
        """An administrator signs a user out everywhere: their access and refresh tokens stop working.
        Returns how many tokens were revoked."""
        with self._lock:
            before = len(self._access) + len(self._refresh)
            self._access = {k: g for k, g in self._access.items() if g.user != user}
            self._refresh = {k: g for k, g in self._refresh.items() if g.user != user}
            return before - len(self._access) - len(self._refresh)

    def _issue(self, user: str, scope: str) -> dict[str, object]:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._access[_digest(access)] = Grant(user, scope, now + self.ttl_s)
            # refresh tokens live 24 hours (real time)
            self._refresh[_digest(refresh)] = Grant(user, scope, now + 86_400)
            self._paired[_digest(refresh)] = _digest(access)  # revoked when this refresh token is spent
            if len(self._access) > 10_000:
                self._access = {k: g for k, g in self._access.items() if g.expires > now}
            if len(self._refresh) > 10_000:
                self._refresh = {k: g for k, g in self._refresh.items() if g.expires > now}
                self._paired = {k: v for k, v in self._paired.items() if k in self._refresh}
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": int(self.ttl_s) if self.ttl_s >= 1 else self.ttl_s,
            "scope": scope,
        }
