"""Logging for the console: rotating files in the platform's log directory, and a redaction filter on
every handler so no secret (tokens, passwords, Authorization headers, keys, the cache key) ever reaches a
log line, a crash report or the terminal.

Where: Linux $XDG_STATE_HOME/concierge/logs (~/.local/state/concierge/logs), Windows
%LOCALAPPDATA%\\Concierge\\Logs, macOS ~/Library/Logs/Concierge; CONCIERGE_LOG_DIR overrides.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from console.domain.privacy import mask_text
from console.platform.env import ENV_LOG_DIR, SECRET_ENV

LOG_FILE = "concierge.log"
MAX_BYTES = 2_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
MASK = "[redacted]"

_NAMES_OF_SECRETS = (
    r"(?:access[_-]?token|refresh[_-]?token|id[_-]?token|token|password|passwd|pwd|passphrase|secret|"
    r"client[_-]?secret|api[_-]?key|apikey|cache[_-]?key|hexkey|key|authorization|proxy-authorization|"
    r"cookie|set-cookie)"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Bearer abc / Basic abc (headers, reprs of header dicts)
    (re.compile(r"(?i)\b(bearer|basic|digest)\s+[A-Za-z0-9._~+/=-]{4,}"), rf"\1 {MASK}"),
    # "password": "x", 'token': 'x', password=x, hexkey=x, token: x (JSON, reprs, query strings, URIs)
    (
        re.compile(rf"(?i)([\"']?\b{_NAMES_OF_SECRETS}[\"']?\s*[:=]\s*)([\"'])(?:(?!\2).)*\2"),
        rf"\1\2{MASK}\2",
    ),
    (re.compile(rf"(?i)(\b{_NAMES_OF_SECRETS}\s*[:=]\s*)(?![\"'\s\[])[^\s&,;)}}\]]+"), rf"\1{MASK}"),
    # user:password@ in URLs (a proxy with credentials)
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):[^/\s@]+@"), rf"\1:{MASK}@"),
    # JSON Web Tokens and long hex or base64url runs (keys, raw tokens) wherever they stand alone
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), MASK),
    (re.compile(r"(?i)(?<![0-9a-f])[0-9a-f]{48,}(?![0-9a-f])"), MASK),
)

_known: set[str] = set()
_known_lock = threading.Lock()


def register_secret(value: str | bytes | None) -> None:
    """A value this process knows to be secret (a token it received, a key it read): redacted by value
    wherever it appears, whatever surrounds it. Short values are ignored (they would mask ordinary text)."""
    if isinstance(value, bytes):
        value = value.hex()
    if value and len(value) >= 8:
        with _known_lock:
            _known.add(value)


def redact(text: str) -> str:
    """The text with every secret we can recognise replaced by [redacted], and customer PII (cards,
    accounts, contact details...) masked as everywhere else customer text leaves the cache."""
    with _known_lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return mask_text(text)


class RedactingFilter(logging.Filter):
    """On a handler: renders the message, its traceback and stack with secrets masked. (A filter on a
    logger would miss records propagated from child loggers; handlers see them all.)"""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception as e:  # a bad format string must not lose the record
            message = f"{record.msg!r} (unformattable: {type(e).__name__})"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def log_dir(platform: str = sys.platform, env: Mapping[str, str] = os.environ) -> Path:
    override = env.get(ENV_LOG_DIR)
    if override:
        return Path(override)
    home = Path(env.get("HOME") or Path.home())
    if platform == "win32":
        return Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local") / "Concierge" / "Logs"
    if platform == "darwin":
        return home / "Library" / "Logs" / "Concierge"
    return Path(env.get("XDG_STATE_HOME") or home / ".local" / "state") / "concierge" / "logs"


def _ours(handler: logging.Handler) -> bool:
    return getattr(handler, "_concierge", False) is True


def setup_logging(
    directory: Path | None = None,
    *,
    level: int = logging.INFO,
    stderr: bool = True,
    max_bytes: int = MAX_BYTES,
    backups: int = BACKUPS,
) -> Path | None:
    """Install Concierge's handlers on the root logger (again: replaces the previous ones). Returns the
    log file, or None when the log directory cannot be used (then stderr only, and it says why)."""
    for value in (os.environ.get(name) for name in SECRET_ENV):
        register_secret(value)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if _ours(h)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    formatter = logging.Formatter(FORMAT)
    handlers: list[logging.Handler] = []
    problem = ""
    path: Path | None = (directory or log_dir()) / LOG_FILE
    try:
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        if os.name == "posix":
            path.parent.chmod(0o700)  # customer ids appear in logs: the user's eyes only
        handlers.append(
            logging.handlers.RotatingFileHandler(
                path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
            )
        )
    except OSError as e:
        problem = f"no log file ({path}: {e.strerror or type(e).__name__}); logging to the terminal only"
        path = None
    if stderr or path is None:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RedactingFilter())
        handler._concierge = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    # Other handlers (a test harness, basicConfig) get the filter too: a secret leaks through any of them.
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    logging.captureWarnings(True)
    if problem:
        logging.getLogger("concierge.logging").warning("%s", problem)
    return path
