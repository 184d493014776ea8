"""Headless commands: `python -m console sync ...` and `python -m console export ...`.

Exit codes as console.cli.common: 0 done, 1 unexpected failure (a bug), 2 usage, 3 the cache (wrong key,
disk, lock, being created by another sync, not a file), 4 the server could not be reached, answered
badly or refused, 5 sign-in refused, 7 the output file could not be written (disk full, no permission,
no such folder).
"""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import logging
import re
import sys
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from console.cli.common import (
    EXIT_AUTH,
    EXIT_BUG,
    EXIT_CACHE,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_USAGE,
    CommandError,
    cache_key,
    cli_actor,
    errors,
    load_settings,
    os_reason,
    run_command,
    setup_logging,
)
from console.domain import wire
from console.domain.model import Enquiry
from console.domain.privacy import mask_handle, mask_text
from console.platform.env import ENV_CACHE_KEY, ENV_PASSWORD, ENV_TOKEN
from console.platform.files import replaced_atomically

if TYPE_CHECKING:  # the commands import their heavy parts lazily, so --help starts fast
    from console.api.client import ApiClient
    from console.platform.settings import Settings
    from console.store.cache import StoreReader
    from console.sync.engine import Syncer
    from console.sync.state import SyncStatus

log = logging.getLogger("concierge.cli")

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters a terminal or a text viewer obeys rather than shows: C0 and C1 controls (ESC starts a terminal
# sequence), DEL, and the bidirectional overrides and isolates that reorder what is shown. Exports write
# them as visible \uXXXX escapes (JSON lines already escapes C0 controls itself; a CSV cell keeps line
# breaks and tabs, which the quoting handles).
_BIDI = "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE_JSON = re.compile(f"[\x7f-\x9f{_BIDI}]")
_UNSAFE_CSV = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
CSV_FIELDS = (
    "id",
    "channel",
    "visibility",
    "customer_handle",
    "customer_name",
    "topic",
    "complexity",
    "flags",
    "priority",
    "status",
    "team_id",
    "agent_id",
    "created_at",
    "updated_at",
    "version",
    "first_customer_message_at",
    "first_response_at",
    "last_customer_message_at",
    "last_agent_message_at",
    "resolved_at",
    "bounces",
    "text",
)


SYNC_EPILOG = f"""environment:
  {ENV_TOKEN}     an access token (else sign in as --user)
  {ENV_PASSWORD}  the password for --user (else a prompt on a terminal)
  {ENV_CACHE_KEY} the cache key, 64 hex digits (else the OS secret store)

exit codes: 0 done, 1 a bug, 2 usage, 3 the cache (wrong key, disk, lock, being created), 4 the server,
5 sign-in"""


# -- sync --------------------------------------------------------------------------------------------
def sync_main(argv: list[str]) -> int:
    setup_logging(False)  # before anything can log: loading the settings warns about bad values
    conf = load_settings()
    parser = argparse.ArgumentParser(
        prog="python -m console sync",
        description="Sync the encrypted cache with a Service API (until Ctrl-C, or --once).",
        epilog=SYNC_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--api",
        required=not conf.api_url,
        default=conf.api_url or None,
        help="the Service API address, e.g. https://api.bank.example (default: from the settings)",
    )
    parser.add_argument(
        "--cache", type=Path, default=None, help="the cache file (default: the one the console uses)"
    )
    parser.add_argument("--once", action="store_true", help="catch up, push the outbox, print counts, exit")
    parser.add_argument(
        "--user", default=conf.username or "supervisor", help="user name for sign-in (default: supervisor)"
    )
    parser.add_argument(
        "--ca-bundle", default=conf.ca_bundle, help="CA bundle file for a corporate certificate authority"
    )
    parser.add_argument("--proxy", default=conf.proxy, help="proxy URL (default: none, or HTTPS_PROXY)")
    parser.add_argument(
        "--page-limit", type=int, default=2000, help="changes per request, 1..5000 (smaller for slow links)"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.page_limit <= 5000:
        parser.error("--page-limit must be within 1..5000")
    if args.verbose:
        setup_logging(True)
    return run_command("sync", lambda: _sync(args, conf))


def _sync(args: argparse.Namespace, conf: Settings) -> int:
    from console.api.client import ApiClient, ApiSettings
    from console.store.cache import Store
    from console.sync.engine import Syncer

    cache = args.cache or conf.resolved_cache_path()
    try:
        api = ApiClient(ApiSettings(args.api, ca_bundle=args.ca_bundle, proxy=args.proxy))
    except ValueError as e:  # a malformed API address, a missing CA bundle
        raise CommandError(str(e), EXIT_USAGE) from None
    try:
        with errors():
            store = Store(cache, cache_key())
    except BaseException:
        api.close()
        raise
    try:
        with errors():
            sign_in(api, args.user)
            syncer = Syncer(
                api,
                store,
                on_state=None if args.once else _print_state,
                page_limit=args.page_limit,
                jurisdiction=conf.jurisdiction,  # the site's regulator, for the shift reports it closes
            )
            if args.once:
                counts = syncer.run_once()
                print(
                    f"synced {cache}: +{counts.added} added, ~{counts.changed} changed, -{counts.removed} "
                    f"removed, {counts.quarantined} quarantined ({store.quarantine_count()} held), "
                    f"{counts.pushed} pushed ({counts.conflicts} conflicts, {counts.rejected} rejected), "
                    f"{store.enquiry_count()} cached, in {counts.elapsed:.2f} s ({counts.reports} shift "
                    f"reports stored, {counts.reports_s:.2f} s of it)"
                )
                return EXIT_OK
            return forever(syncer)
    finally:
        store.close()
        api.close()


def sign_in(api: ApiClient, user: str) -> None:
    """The console's credential chain with the environment's secrets only, then a prompt on a terminal."""
    from console.platform.credentials import EnvSecrets
    from console.sync.signin import CredentialChain

    def ask(who: str) -> str:
        return getpass.getpass(f"Password for {who}: ")

    chain = CredentialChain(
        api.base_url,
        user,
        "supervisor",
        EnvSecrets(),
        remember=False,  # a command keeps nothing: the next run signs in again
        prompt=ask if sys.stdin.isatty() else None,
        login_retries=None,  # one command, one login: the client's own retries apply
    )
    if chain.authorise(api) is None:
        raise CommandError(f"no credentials: set {ENV_TOKEN} or {ENV_PASSWORD}", EXIT_AUTH)


def _print_state(state: SyncStatus) -> None:
    print(f"sync: {state.state} {state.detail}".rstrip(), file=sys.stderr)


STOP_WAIT_S = 30.0  # Ctrl-C: how long the sync thread may take to finish what it is writing


def forever(syncer: Syncer) -> int:
    stop, ended = threading.Event(), threading.Event()
    died: list[BaseException] = []

    def work() -> None:
        try:
            syncer.run_forever(stop)
        except BaseException as e:  # reported below: a dead worker never ends the command with 0
            log.critical("the sync thread died", exc_info=True)
            died.append(e)
        finally:
            ended.set()

    threading.Thread(target=work, name="concierge-sync", daemon=True).start()
    # Waited on through an Event, never Thread.join: a join that Ctrl-C interrupts can mark a thread that
    # is still running as ended (CPython 3.11), and the cache was then closed under the sync thread.
    try:
        while not ended.wait(0.5):
            pass
    except KeyboardInterrupt:
        stop.set()
        if not ended.wait(STOP_WAIT_S):  # a network call that outlives its own timeout: leave it be
            print(f"sync: still busy after {STOP_WAIT_S:.0f} s; stopping anyway", file=sys.stderr)
        print("sync: stopped", file=sys.stderr)
        return EXIT_OK
    from console.sync.state import SyncState

    if syncer.state.state is SyncState.AUTH_REQUIRED:
        raise CommandError(f"sign-in needed: {syncer.state.detail}", EXIT_AUTH)
    if died:
        raise CommandError(
            f"the sync stopped on an unexpected error ({type(died[0]).__name__}): a bug", EXIT_BUG
        )
    raise CommandError("the sync stopped without saying why: a bug", EXIT_BUG)


# -- export ------------------------------------------------------------------------------------------
def export_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m console export", description="Write the cached enquiries (works offline)."
    )
    parser.add_argument(
        "--cache", type=Path, default=None, help="the cache file (default: the one the console uses)"
    )
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument("--out", type=Path, default=None, help="output file (default: standard output)")
    parser.add_argument(
        "--unmasked",
        action="store_true",
        help="customer handles, names and text as they are (default: PII masked); audited either way",
    )
    args = parser.parse_args(argv)
    setup_logging(False)
    return run_command("export", lambda: _export(args))


def _export(args: argparse.Namespace) -> int:
    """Audit first: the entry saying an export started is committed before any row is read, so an export
    that cannot be audited (the cache locked by another program, the disk full) never starts; a second
    entry says it completed (with the count) or failed."""
    from console.store.cache import KnownError, Store, StoreReader

    cache = args.cache or load_settings().resolved_cache_path()
    if not cache.exists():
        raise CommandError(f"no cache at {cache}: sync first", EXIT_CACHE)
    key = cache_key()
    masked = not args.unmasked
    target = str(args.out.name if args.out else "stdout")
    with Store(cache, key) as store:
        try:
            started = store.audit(
                at=time.time(),
                actor=cli_actor(),
                action="enquiries.export",
                subject=target,
                detail={"format": args.format, "masked": masked, "state": "started"},
            )
        except KnownError as e:
            raise CommandError(
                f"the export was not started: its audit entry could not be written ({e})", EXIT_CACHE
            ) from None
        try:
            with StoreReader(cache, key) as reader:
                n = _write_export(reader, args.out, args.format, masked=masked)
        except BaseException as e:
            _audit_outcome(
                store, "enquiries.export.failed", target, {"started": started, "error": type(e).__name__}
            )
            raise
        _audit_outcome(store, "enquiries.export.completed", target, {"started": started, "count": n})
    print(f"exported {n} enquiries{'' if masked else ' (unmasked)'}", file=sys.stderr)
    return EXIT_OK


def _audit_outcome(store: Any, action: str, target: str, detail: dict[str, Any]) -> None:
    from console.store.cache import KnownError

    try:
        store.audit(at=time.time(), actor=cli_actor(), action=action, subject=target, detail=detail)
    except KnownError as e:  # the start is on record; say the outcome could not be added
        print(
            f"concierge export: warning: the audit entry for the outcome was not written ({e})",
            file=sys.stderr,
        )


def _write_export(reader: StoreReader, out: Path | None, fmt: str, *, masked: bool) -> int:
    try:
        if out is None:
            n = _write(reader, sys.stdout, fmt, masked=masked)
            sys.stdout.flush()
            return n
        # Written beside the target and moved into place: a failed export never leaves half a file.
        with replaced_atomically(out, prefix=".export-", newline="") as f:
            return _write(reader, f, fmt, masked=masked)
    except BrokenPipeError:
        raise
    except OSError as e:
        raise CommandError(f"cannot write {out or 'the output'}: {os_reason(e)}", EXIT_OUTPUT) from None


def _masked(d: dict[str, Any], e: Enquiry) -> None:
    d["customer"] = {"handle": mask_handle(e.customer_handle, "masked"), "name": ""}
    d["text"] = mask_text(e.text)


def _write(reader: StoreReader, f: IO[str], fmt: str, *, masked: bool = True) -> int:
    n = 0
    if fmt == "jsonl":
        for e in reader.export_rows():
            d = wire.enquiry_to_wire(e)
            if masked:
                _masked(d, e)
            f.write(_UNSAFE_JSON.sub(_escape, json.dumps(d, ensure_ascii=False, sort_keys=True)) + "\n")
            n += 1
        return n
    w = csv.writer(f, lineterminator="\r\n")
    w.writerow(CSV_FIELDS)
    for e in reader.export_rows():
        d = wire.enquiry_to_wire(e)
        if masked:
            _masked(d, e)
        d["customer_handle"], d["customer_name"] = d["customer"]["handle"], d["customer"]["name"]
        d["flags"] = ";".join(sorted(e.flags))
        w.writerow([_cell(d.get(k)) for k in CSV_FIELDS])
        n += 1
    return n


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _cell(value: object) -> object:
    # Customer text is untrusted: never let a spreadsheet run it as a formula, nor a terminal obey it.
    if isinstance(value, str):
        value = _UNSAFE_CSV.sub(_escape, value)
        if value.startswith(FORMULA_START):
            return "'" + value
    return "" if value is None else value
