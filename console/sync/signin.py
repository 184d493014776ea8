"""One credential chain and one sign-in path, for the console, the wallboard and the CLI.

The chain gives an API client its credentials from the first source that has some:
1. CONCIERGE_TOKEN (an access token used as is: headless automation);
2. the tokens this session already holds (a sign-in or a refresh earlier on);
3. the embedded demo service's account (only when the demo runs);
4. the refresh token kept in the OS secret store for this user and service;
5. CONCIERGE_PASSWORD with the configured user (unattended consoles and wallboards);
6. a prompt (the CLI on a terminal).
None of them: the user must sign in (the console's dialog). Tokens are kept in the secret store only.

sign_in() is the sync thread's first step: it runs the chain, retrying with the back-off policy while
the network is down and reporting reconnecting/offline as the syncer does, and says why it gave up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from console.api.client import ApiClient, Tokens
from console.api.errors import ApiError, AuthError
from console.platform.credentials import ACCESS_TOKEN, PASSWORD, REFRESH_TOKEN
from console.sync.backoff import Backoff
from console.sync.state import SyncState, SyncStatus

log = logging.getLogger("concierge.sync.signin")


class SecretSource(Protocol):
    """What the chain needs of console.platform.credentials.SecretStore (or EnvSecrets)."""

    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str) -> None: ...
    def delete(self, name: str) -> None: ...


class Source(StrEnum):
    ENV_TOKEN = "env_token"  # noqa: S105 - a source's name
    SESSION = "session"
    DEMO = "demo"
    STORED = "stored"
    PASSWORD = "password"  # noqa: S105 - a source's name
    PROMPT = "prompt"


@dataclass
class CredentialChain:
    api_url: str
    user: str
    scope: str  # "supervisor" (read and reassign) or "viewer" (a wallboard)
    secrets: SecretSource
    demo_account: tuple[str, str] | None = None  # (user, password) of the embedded demo service
    remember: bool = True  # keep refresh tokens in the secret store (not for a throw-away demo)
    prompt: Callable[[str], str | None] | None = None  # asks for the user's password, last of all
    login_retries: int | None = 0  # per login call; 0: the sign-in loop does the retrying
    _tokens: Tokens | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def tokens(self) -> Tokens | None:
        with self._lock:
            return self._tokens

    @property
    def refresh_name(self) -> str:
        return f"{REFRESH_TOKEN}:{self.user or 'default'}@{self.api_url}"

    def authorise(self, api: ApiClient) -> Source | None:
        """Give the client credentials from the first source that has some, and say which; may call
        the network (a login) and raises the client's errors. None: nothing to sign in with."""
        env_token = self.secrets.get(ACCESS_TOKEN)  # CONCIERGE_TOKEN wins over everything
        if env_token:
            api.use_access_token(env_token)
            return Source.ENV_TOKEN
        held = self.tokens
        if held is not None:
            api.use_tokens(held)
            return Source.SESSION
        if self.demo_account is not None:
            self.login(api, *self.demo_account)
            return Source.DEMO
        stored = self.secrets.get(self.refresh_name) if self.remember else None
        if stored:
            # expires_at 0: the client refreshes before its first call.
            api.use_tokens(Tokens(access_token="", refresh_token=stored, expires_at=0.0))
            return Source.STORED
        password = self.secrets.get(PASSWORD)  # CONCIERGE_PASSWORD, for unattended consoles
        if password and self.user:
            self.login(api, self.user, password)
            return Source.PASSWORD
        if self.prompt is not None and self.user:
            typed = self.prompt(self.user)
            if typed:
                self.login(api, self.user, typed)
                return Source.PROMPT
        return None

    def login(self, api: ApiClient, user: str, password: str) -> Tokens:
        """One login for `api` (with the chain's retry count); the tokens are kept like a refresh's."""
        retries = api.settings.max_retries if self.login_retries is None else self.login_retries
        with ApiClient(replace(api.settings, max_retries=retries)) as once:
            tokens = once.login(user, password, self.scope)
        api.use_tokens(tokens)
        self.keep(tokens)
        return tokens

    def keep(self, tokens: Tokens) -> None:
        """From any thread (the client's on_tokens): a sign-in or a refresh. Only the secret store
        sees a refresh token."""
        with self._lock:
            self._tokens = tokens
        if self.remember and tokens.refresh_token:
            self.secrets.set(self.refresh_name, tokens.refresh_token)

    def refused(self, source: Source) -> bool:
        """The service refused what authorise() gave from `source`. Tokens (held or stored) are dropped:
        a refused refresh token is spent. True when signing in again is worth it (a login source
        remains: the service may have forgotten the session, e.g. after a restart). A refused
        CONCIERGE_TOKEN or typed password is final: retrying only locks the account."""
        if source in (Source.ENV_TOKEN, Source.PROMPT):
            return False
        with self._lock:
            self._tokens = None
        if self.remember:
            self.secrets.delete(self.refresh_name)
        return self.demo_account is not None or bool(self.user and self.secrets.get(PASSWORD))


def sign_in(
    api: ApiClient,
    chain: CredentialChain,
    stop: threading.Event,
    report: Callable[[SyncStatus], None],
    last_sync_at: float | None,
    backoff: Backoff | None = None,
) -> Source | None:
    """Run the chain until it gives credentials (their source), the service refuses them or there
    are none (auth_required is reported; None), or stop is set (None). Network trouble is retried."""
    backoff = backoff or Backoff()
    while not stop.is_set():
        try:
            source = chain.authorise(api)
            if source is not None:
                return source
            report(SyncStatus(SyncState.AUTH_REQUIRED, backoff.clock(), last_sync_at, "not signed in"))
            return None
        except AuthError as e:
            report(SyncStatus(SyncState.AUTH_REQUIRED, backoff.clock(), last_sync_at, str(e)))
            return None
        except ApiError as e:
            failure = backoff.failed()
            report(SyncStatus(failure.state, failure.since, last_sync_at, str(e)))
            stop.wait(failure.delay)
    return None
