"""The CONCIERGE_* environment variables: every name, written once. Importing this module costs nothing
(no other import), so the logging set-up can read it before anything else starts.

Secrets, for headless automation (cron jobs, the `python -m console` commands); when set they win over the
OS secret store and are never written anywhere:
    CONCIERGE_TOKEN       an API access token (used as is, no refresh)
    CONCIERGE_PASSWORD    the password for a non-interactive sign-in
    CONCIERGE_CACHE_KEY   the local cache's encryption key: 64 hexadecimal characters (32 bytes)
Not secrets:
    CONCIERGE_LOG_DIR             where the log files go (else the platform's log directory)
    CONCIERGE_SELFTEST_TIMEOUT    seconds the --selftest run may take (a slow CI machine may need more)
    CONCIERGE_NO_CRASH_DIALOG     unattended runs (selftest, soak, CI): a crash writes its report, no dialog
"""

from __future__ import annotations

# Variable names, not secrets: hence the noqa.
ENV_TOKEN = "CONCIERGE_TOKEN"  # noqa: S105
ENV_PASSWORD = "CONCIERGE_PASSWORD"  # noqa: S105
ENV_CACHE_KEY = "CONCIERGE_CACHE_KEY"
ENV_LOG_DIR = "CONCIERGE_LOG_DIR"
ENV_SELFTEST_TIMEOUT = "CONCIERGE_SELFTEST_TIMEOUT"
ENV_NO_CRASH_DIALOG = "CONCIERGE_NO_CRASH_DIALOG"

# The ones whose values are secrets: the logging set-up registers their values for redaction.
SECRET_ENV = (ENV_TOKEN, ENV_PASSWORD, ENV_CACHE_KEY)
