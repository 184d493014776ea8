"""The gateway's users and tokens, in PostgreSQL so that every gateway process honours every token.

Passwords are kept as scrypt hashes (hashlib.scrypt, a random salt each); tokens are random and stored
only as SHA-256 digests. Refreshing spends the refresh token and revokes the access token issued with it
(docs/api.md, "Tokens after a refresh"). Lifetimes run on the real clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from console.contract.auth import SCOPES, AuthFailed, ScopeRefused
from console.gateway.db.store import Database

REFRESH_TTL = 86_400.0
_N, _R, _P = 2**14, 8, 1  # scrypt cost: ~50 ms a sign-in, 16 MB


@dataclass(frozen=True, slots=True)
class Grant:
    user: str
    scope: str


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


# A hash to check unknown users against: the same work, so timing does not tell which users exist.
_DUMMY = hash_password(secrets.token_hex(8))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Auth:
    def __init__(self, db: Database, token_ttl_s: float = 3600.0) -> None:
        self.db, self.ttl_s = db, token_ttl_s

    def add_user(self, username: str, password: str, scopes: Sequence[str]) -> None:
        """Add a user or replace their password and scopes."""
        bad = [s for s in scopes if s not in SCOPES]
        if bad or not scopes:
            raise ValueError(f"scopes must be some of {', '.join(SCOPES)}")
        with self.db.tx() as conn:
            conn.execute(
                "INSERT INTO users (username, password_hash, scopes) VALUES (%s, %s, %s) "
                "ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, "
                "scopes = excluded.scopes",
                (username, hash_password(password), list(scopes)),
            )

    def login(self, username: str, password: str, scope: str) -> dict[str, object]:
        with self.db.tx() as conn:
            row = conn.execute(
                "SELECT password_hash, scopes FROM users WHERE username = %s", (username,)
            ).fetchone()
        good = verify_password(password, row[0] if row else _DUMMY)
        if row is None or not good:
            raise AuthFailed("The user name or password is wrong.")
        if scope not in row[1]:
            raise ScopeRefused(f"User {username!r} may not have the {scope!r} scope.")
        return self._issue(username, scope)

    def refresh(self, refresh_token: str) -> dict[str, object]:
        with self.db.tx() as conn:
            row = conn.execute(
                "DELETE FROM tokens WHERE digest = %s AND kind = 'refresh' RETURNING username, scope, "
                "expires, paired",
                (_digest(refresh_token),),
            ).fetchone()
            if row is not None:
                conn.execute("DELETE FROM tokens WHERE digest = %s", (row[3],))
        if row is None or row[2] <= time.time():
            raise AuthFailed("The refresh token is not valid (it may have been used already).")
        return self._issue(row[0], row[1])

    def check(self, access_token: str) -> Grant:
        with self.db.tx() as conn:
            row = conn.execute(
                "SELECT username, scope, expires FROM tokens WHERE digest = %s AND kind = 'access'",
                (_digest(access_token),),
            ).fetchone()
        if row is None:
            raise AuthFailed("The access token is not valid.")
        if row[2] <= time.time():
            raise AuthFailed("The access token has expired; refresh it or sign in again.")
        return Grant(row[0], row[1])

    def _issue(self, user: str, scope: str) -> dict[str, object]:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = time.time()
        with self.db.tx() as conn:
            conn.execute("DELETE FROM tokens WHERE expires < %s", (now - 60,))
            conn.execute(
                "INSERT INTO tokens (digest, kind, username, scope, expires, paired) VALUES "
                "(%s, 'access', %s, %s, %s, NULL), (%s, 'refresh', %s, %s, %s, %s)",
                (
                    _digest(access),
                    user,
                    scope,
                    now + self.ttl_s,
                    _digest(refresh),
                    user,
                    scope,
                    now + REFRESH_TTL,
                    _digest(access),
                ),
            )
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": int(self.ttl_s) if self.ttl_s >= 1 else self.ttl_s,
            "scope": scope,
        }
