"""One credential chain for the console, the wallboard and the CLI, against the real reference service:
the order of its sources, what a refusal drops and whether signing in again is worth it, and the
retrying sign-in loop's reports."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest

from console.api.client import ApiClient, ApiSettings
from console.api.errors import AuthError
from console.platform.credentials import EnvSecrets, SecretStore
from console.service.server import DemoService
from console.sync.backoff import Backoff, BackoffPolicy
from console.sync.signin import CredentialChain, Source, sign_in
from console.sync.state import SyncState, SyncStatus

SUPERVISOR = ("supervisor", "demo-supervisor")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("CONCIERGE_TOKEN", raising=False)
    monkeypatch.delenv("CONCIERGE_PASSWORD", raising=False)
    return monkeypatch


def memory() -> SecretStore:
    return SecretStore("concierge-test", None, "memory", None)


def chain_for(url: str, secrets: SecretStore | EnvSecrets, **kw: object) -> CredentialChain:
    return CredentialChain(url, "supervisor", "supervisor", secrets, **kw)  # type: ignore[arg-type]


def teams_with(chain: CredentialChain, url: str) -> tuple[Source | None, int]:
    with ApiClient(ApiSettings(url), on_tokens=chain.keep) as api:
        source = chain.authorise(api)
        return source, len(api.reference("teams")) if source is not None else 0


def test_the_chain_tries_its_sources_in_order(
    demo_service: DemoService, clean_env: pytest.MonkeyPatch
) -> None:
    url = demo_service.url
    secrets = memory()
    chain = chain_for(url, secrets)
    assert teams_with(chain, url) == (None, 0)  # nothing to sign in with: the user must sign in

    clean_env.setenv("CONCIERGE_PASSWORD", SUPERVISOR[1])
    source, teams = teams_with(chain, url)
    assert source is Source.PASSWORD and teams > 0
    assert chain.tokens is not None and secrets.get(chain.refresh_name) == chain.tokens.refresh_token
    assert teams_with(chain, url)[0] is Source.SESSION  # the session's own tokens next time

    # A new session (tomorrow): the stored refresh token comes before the password.
    fresh = chain_for(url, secrets)
    assert teams_with(fresh, url)[0] is Source.STORED

    with ApiClient(ApiSettings(url)) as api:
        token = api.login(*SUPERVISOR).access_token
    clean_env.setenv("CONCIERGE_TOKEN", token)
    assert teams_with(fresh, url)[0] is Source.ENV_TOKEN  # CONCIERGE_TOKEN wins over everything

    demo = CredentialChain(
        url, "", "viewer", memory(), demo_account=("wallboard", "demo-viewer"), remember=False
    )
    clean_env.delenv("CONCIERGE_TOKEN")
    source, teams = teams_with(demo, url)
    assert source is Source.DEMO and teams > 0


def test_the_cli_chain_reads_the_environment_and_asks_last(
    demo_service: DemoService, clean_env: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def prompt(user: str) -> str:
        asked.append(user)
        return SUPERVISOR[1]

    cli = chain_for(demo_service.url, EnvSecrets(), remember=False, prompt=prompt, login_retries=None)
    assert teams_with(cli, demo_service.url)[0] is Source.PROMPT and asked == ["supervisor"]
    clean_env.setenv("CONCIERGE_PASSWORD", SUPERVISOR[1])
    fresh = chain_for(demo_service.url, EnvSecrets(), remember=False, prompt=prompt)
    assert teams_with(fresh, demo_service.url)[0] is Source.PASSWORD and asked == ["supervisor"]


@pytest.mark.expected_log(r"token refresh at .* was refused", logger="concierge.api")
def test_a_refusal_drops_spent_tokens_and_says_whether_to_sign_in_again(
    fresh_service: Callable[..., DemoService], clean_env: pytest.MonkeyPatch
) -> None:
    svc = fresh_service()
    secrets = memory()
    chain = chain_for(svc.url, secrets)
    clean_env.setenv("CONCIERGE_PASSWORD", SUPERVISOR[1])
    assert teams_with(chain, svc.url)[0] is Source.PASSWORD
    svc.tokens.revoke("supervisor")
    with ApiClient(ApiSettings(svc.url), on_tokens=chain.keep) as api:
        assert chain.authorise(api) is Source.SESSION
        with pytest.raises(AuthError):
            api.reference("teams")
    assert chain.refused(Source.SESSION)  # a password is there: signing in again is worth it
    assert chain.tokens is None and secrets.get(chain.refresh_name) is None
    assert teams_with(chain, svc.url)[0] is Source.PASSWORD

    clean_env.delenv("CONCIERGE_PASSWORD")
    svc.tokens.revoke("supervisor")
    stored = chain_for(svc.url, secrets)
    assert stored.refused(Source.STORED) is False  # nothing else to sign in with: a person must
    assert secrets.get(stored.refresh_name) is None
    assert stored.refused(Source.ENV_TOKEN) is False and stored.refused(Source.PROMPT) is False


def test_the_sign_in_loop_backs_off_while_nothing_listens_and_reports_refusals(
    demo_service: DemoService, clean_env: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clean_env.setenv("CONCIERGE_PASSWORD", SUPERVISOR[1])
    url = f"http://127.0.0.1:{port}"
    chain = chain_for(url, memory())
    reports: list[SyncStatus] = []
    stop = threading.Event()

    def report(status: SyncStatus) -> None:
        reports.append(status)
        if status.state is SyncState.OFFLINE:
            stop.set()

    policy = BackoffPolicy(base_s=0.01, cap_s=0.05, offline_after_s=0.2)
    with ApiClient(ApiSettings(url, max_retries=0)) as api:
        assert sign_in(api, chain, stop, report, 123.0, Backoff(policy)) is None
    assert reports[0].state is SyncState.RECONNECTING and reports[-1].state is SyncState.OFFLINE
    assert {r.last_sync_at for r in reports} == {123.0} and "127.0.0.1" in reports[0].detail
    assert len({r.since for r in reports}) == 1  # one run of failures, one start

    clean_env.setenv("CONCIERGE_PASSWORD", "wrong")
    refused: list[SyncStatus] = []
    wrong = chain_for(demo_service.url, memory())
    with ApiClient(ApiSettings(demo_service.url)) as api:
        assert sign_in(api, wrong, threading.Event(), refused.append, None) is None
    assert [r.state for r in refused] == [SyncState.AUTH_REQUIRED] and "wrong" in refused[0].detail


def test_tokens_handed_between_clients_stay_fresh_whatever_the_server_clock(
    demo_service: DemoService, clean_env: pytest.MonkeyPatch
) -> None:
    """The demo's business clock sits days away from the wall clock. A token's lifetime is real seconds,
    so a sign-in made by one client (the dialog's) is still fresh in another (the sync thread's),
    whichever of them has sampled the server's time: no refresh, so the kept refresh token stays put."""
    url = demo_service.url
    with ApiClient(ApiSettings(url)) as dialog:
        skew = dialog.server_time() - time.time()
        tokens = dialog.login(*SUPERVISOR)
    assert abs(skew) > 3600  # the situation this test is about
    secrets = memory()
    chain = chain_for(url, secrets)
    chain.keep(tokens)
    with ApiClient(ApiSettings(url), on_tokens=chain.keep) as sync:  # has not sampled the server's time
        assert chain.authorise(sync) is Source.SESSION
        assert sync.reference("teams")
        assert sync.tokens is not None and sync.tokens.access_token == tokens.access_token
    assert secrets.get(chain.refresh_name) == tokens.refresh_token
