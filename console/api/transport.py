"""Transport policy of the API client, kept apart from the endpoints: which URLs are allowed, which proxy
a request goes through, how long a server may ask us to wait, and the server-clock estimate."""

from __future__ import annotations

import ipaddress
import os
import time
import urllib.request
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests.utils

from console.api.retry import RETRY_AFTER_CAP_S as RETRY_AFTER_CAP  # a longer ask is "later", not obeyed


# The client's settings and the values it hands back (re-exported by console.api.client).
@dataclass
class ApiSettings:
    base_url: str
    ca_bundle: str | None = None
    proxy: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_retries: int = 4
    backoff_s: float = 0.5  # the first wait of the back-off policy (console.api.retry) between attempts


@dataclass(frozen=True)
class Tokens:
    """An access/refresh token pair. repr() never shows the tokens themselves."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    # Local epoch seconds (time.time()): a token's lifetime is real seconds, not the server's business
    # clock, which may be skewed or simulated (the demo). None: unknown.
    expires_at: float | None = None
    scope: str = ""


@dataclass
class FeedPage:
    items: list[Any]
    next_cursor: str
    has_more: bool

    @classmethod
    def read(cls, body: Any) -> FeedPage:
        """A feed page from its decoded body (the change feed's or the message feed's); ValueError says
        what is wrong with it."""
        if not isinstance(body, dict):
            raise ValueError("expected an object")
        items, next_cursor, has_more = body.get("items"), body.get("next_cursor"), body.get("has_more")
        if not isinstance(items, list):
            raise ValueError("'items' is not a list")
        if not isinstance(next_cursor, str):
            raise ValueError("'next_cursor' is not a string")
        if not isinstance(has_more, bool):
            raise ValueError("'has_more' is not true or false")
        return cls(items=items, next_cursor=next_cursor, has_more=has_more)


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash, or ValueError with a sentence saying what is wrong."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"The API address {url!r} is not a web address like https://api.example.com")
    if parts.username or parts.password:
        raise ValueError("The API address must not contain a user name or password")
    if parts.query or parts.fragment:
        raise ValueError(f"The API address {url!r} must not contain '?' or '#'")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            f"The API address {url!r} uses plain http, which is only allowed for this computer "
            "(localhost, 127.0.0.1, ::1); use https:// for any other server"
        )
    return url.strip().rstrip("/")


def proxies_for(url: str, proxy: str | None) -> dict[str, str]:
    """The proxies for one request. Loopback and NO_PROXY hosts go direct; otherwise the configured
    proxy, else the environment's (HTTPS_PROXY...). The session itself does not trust the environment,
    so REQUESTS_CA_BUNDLE or .netrc can never change verification or credentials behind our back."""
    host = urlsplit(url).hostname or ""
    no_proxy = os.environ.get("NO_PROXY") or os.environ.get("no_proxy")
    if is_loopback(host) or requests.utils.should_bypass_proxies(url, no_proxy=no_proxy):
        return {}
    if proxy:
        return {"http": proxy, "https": proxy}
    env = urllib.request.getproxies_environment()
    return {k: v for k, v in env.items() if k in ("http", "https")}


def retry_after(value: str | None, now: float) -> float | None:
    """Retry-After in seconds (delta-seconds or an HTTP date), capped; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - now
        except (TypeError, ValueError):
            return None
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(RETRY_AFTER_CAP, seconds))


class Clock:
    """Server minus local seconds. /v1/time gives a precise sample (RTT midpoint); Date headers only have
    whole seconds, so they correct the estimate only when it falls outside what the header allows."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.measured = False  # a precise /v1/time sample was taken
        self.rtt: float | None = None

    def sample(self, server_now: float, sent: float, received: float) -> None:
        self.offset = server_now - (sent + received) / 2
        self.rtt = received - sent
        self.measured = True

    def observe_date(self, header: str | None, sent: float, received: float) -> None:
        if not header:
            return
        try:
            stamp = parsedate_to_datetime(header).timestamp()
        except (TypeError, ValueError):
            return
        # The server's clock when it answered lay in [stamp, stamp + 1) and between sent and received.
        low = stamp - (received - (sent + received) / 2)
        high = stamp + 1 + (received - (sent + received) / 2)
        mid = (sent + received) / 2
        if not self.measured and self.rtt is None:
            self.offset = stamp + 0.5 - mid
            self.rtt = received - sent
            return
        estimate = mid + self.offset
        if estimate < low:
            self.offset = low - mid
        elif estimate > high:
            self.offset = high - mid

    def now(self) -> float:
        return time.time() + self.offset
