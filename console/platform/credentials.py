"""Secrets (tokens, the cache key, a saved password) in the operating system's secret store, never in a file.

SecretStore.open() accepts only a keyring backend known to encrypt: the Secret Service (GNOME Keyring,
KWallet), macOS Keychain or Windows Credential Locker. The fail and null backends, keyrings.alt's plaintext
and file backends and anything of unknown standing are refused, then the chosen backend is probed with a
random value. If no secure store works, secrets live in memory for this session only: .secure is False and
.warning says so in one sentence for the user. Nothing is ever written to a file or a log in that case.

Environment variables for headless automation (CONCIERGE_TOKEN, CONCIERGE_PASSWORD, CONCIERGE_CACHE_KEY:
see console.platform.env) win over the secret store when set and are never written anywhere.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import threading
from typing import Any

import keyring
import keyring.errors
from keyring.backends.chainer import ChainerBackend

from console.platform.env import ENV_CACHE_KEY, ENV_PASSWORD, ENV_TOKEN

log = logging.getLogger("concierge.credentials")

# Names of the secrets the console keeps (names, not secrets: hence the noqa); callers may add a suffix
# (e.g. the user) after a colon.
ACCESS_TOKEN = "access_token"  # noqa: S105
REFRESH_TOKEN = "refresh_token"  # noqa: S105
PASSWORD = "password"  # noqa: S105
_ENV_FOR = {ACCESS_TOKEN: ENV_TOKEN, PASSWORD: ENV_PASSWORD}

# Backends that keep secrets encrypted by the operating system.
KNOWN_SECURE = frozenset(
    {
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.libsecret.Keyring",
        "keyring.backends.macOS.Keyring",
        "keyring.backends.Windows.WinVaultKeyring",
        "keyring.backends.kwallet.DBusKeyring",
        "keyring.backends.kwallet.DBusKeyringKWallet4",
    }
)
_INSECURE_WORDS = ("plaintext", "file")
SAVE_FAILED = "Concierge could not save a secret in the password store; it is kept until Concierge closes."


class CredentialsError(Exception):
    """A secret exists but cannot be used (e.g. a malformed CONCIERGE_CACHE_KEY). str() is for the user."""


def backend_name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _priority(backend: Any) -> float:
    try:
        return float(backend.priority)
    except Exception:  # an unavailable backend raises from its priority
        return -1.0


def why_insecure(backend: Any) -> str | None:
    """None when the backend (not a chainer) may hold secrets, else the reason it may not."""
    name = backend_name(backend)
    shown = type(backend).__name__  # the reason goes into a sentence for the user: no dotted module path
    if name in KNOWN_SECURE:
        return None if _priority(backend) >= 1 else f"{shown} is not available here"
    parts = [p.lower() for p in re.split(r"[._]", name)]
    if name.startswith(("keyring.backends.fail.", "keyring.backends.null.")):
        return "none is installed or running"
    if any(w in p for p in parts for w in _INSECURE_WORDS) or "alt" in parts:
        return f"{shown} stores secrets unencrypted or in a file"
    if _priority(backend) < 1:
        return f"{shown} is not a recommended password store"
    return None  # a third-party backend of good priority that does not look like a file store


def choose_backend(backend: Any, service: str) -> tuple[Any | None, str]:
    """The backend to use and, when there is none, why. A chainer is judged by its members: the first
    secure one that passes the probe is used directly, so a plaintext member can never receive a secret."""
    candidates = list(backend.backends) if isinstance(backend, ChainerBackend) else [backend]
    reasons = []
    for candidate in candidates:
        reason = why_insecure(candidate) or _probe(candidate, service)
        if reason is None:
            return candidate, ""
        reasons.append(reason)
    return None, reasons[0] if reasons else "none is installed or running"


def _probe(backend: Any, service: str) -> str | None:
    """Round-trip a random value; None when the store works, else why not (no secret in the reason)."""
    name, value = f"probe-{secrets.token_hex(8)}", secrets.token_hex(16)
    try:
        backend.set_password(service, name, value)
        try:
            if backend.get_password(service, name) != value:
                return "the password store did not return what was stored"
        finally:
            backend.delete_password(service, name)
    except Exception as e:
        return f"the password store failed ({type(e).__name__})"
    return None


class SecretStore:
    def __init__(self, service: str, backend: Any | None, name: str, warning: str | None) -> None:
        self.service = service
        self._backend = backend
        self.backend_name = name
        self.warning = warning
        self._memory: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def secure(self) -> bool:
        return self._backend is not None

    @classmethod
    def open(cls, service: str = "concierge") -> SecretStore:
        try:
            found = keyring.get_keyring()
        except Exception as e:
            return cls._memory_only(
                service, "none", f"no password store could be loaded ({type(e).__name__})"
            )
        chosen, reason = choose_backend(found, service)
        if chosen is None:
            return cls._memory_only(service, backend_name(found), reason)
        log.info("secrets are kept in %s", backend_name(chosen))
        return cls(service, chosen, backend_name(chosen), None)

    @classmethod
    def _memory_only(cls, service: str, name: str, reason: str) -> SecretStore:
        warning = (
            f"Concierge found no secure password store ({reason}), so your sign-in and cache key are kept "
            "only until Concierge closes."
        )
        log.warning("secrets held in memory only: %s", reason)
        return cls(service, None, name, warning)

    def get(self, name: str) -> str | None:
        env = _ENV_FOR.get(name.split(":", 1)[0])
        if env and os.environ.get(env):
            return os.environ[env]
        with self._lock:
            if name in self._memory:
                return self._memory[name]
        if self._backend is None:
            return None
        try:
            value = self._backend.get_password(self.service, name)
        except Exception as e:
            log.warning("could not read %s from the password store (%s)", name, type(e).__name__)
            return None
        return value if isinstance(value, str) else None

    def set(self, name: str, value: str) -> None:
        if self._backend is not None:
            try:
                self._backend.set_password(self.service, name, value)
                with self._lock:
                    self._memory.pop(name, None)
                return
            except Exception as e:
                # Keep the value for this session rather than lose it; say so once.
                log.warning("could not save %s in the password store (%s)", name, type(e).__name__)
                self.warning = SAVE_FAILED
        with self._lock:
            self._memory[name] = value

    def delete(self, name: str) -> None:
        with self._lock:
            self._memory.pop(name, None)
        if self._backend is None:
            return
        try:
            self._backend.delete_password(self.service, name)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored under that name
        except Exception as e:
            log.warning("could not delete %s from the password store (%s)", name, type(e).__name__)

    def cache_key(self, profile: str = "default") -> bytes:
        """The local cache's 32-byte key: CONCIERGE_CACHE_KEY, else kept in the store (made on first use)."""
        env = os.environ.get(ENV_CACHE_KEY)
        if env:
            return _unhex(env.strip(), f"{ENV_CACHE_KEY} must be 64 hexadecimal characters (32 bytes)")
        name = f"cache_key:{profile}"
        stored = self.get(name)
        if stored is not None:
            # Never replace an unreadable key: the cache it opens would be lost.
            return _unhex(stored, f"The stored cache key for profile {profile!r} is damaged")
        key = secrets.token_bytes(32)
        self.set(name, key.hex())
        return key

    def __repr__(self) -> str:
        return f"SecretStore(service={self.service!r}, backend={self.backend_name!r}, secure={self.secure})"


class EnvSecrets:
    """Only the environment's secrets (CONCIERGE_TOKEN, CONCIERGE_PASSWORD), for the headless commands:
    nothing is read from or written to a password store (set and delete do nothing)."""

    def get(self, name: str) -> str | None:
        env = _ENV_FOR.get(name.split(":", 1)[0])
        return (os.environ.get(env) or None) if env else None

    def set(self, name: str, value: str) -> None:
        pass

    def delete(self, name: str) -> None:
        pass


def _unhex(text: str, problem: str) -> bytes:
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise CredentialsError(problem)
    return bytes.fromhex(text)
