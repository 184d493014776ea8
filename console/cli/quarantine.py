"""`python -m console quarantine list|retry`: the records set aside because they broke the contract.

    python -m console quarantine list --cache PATH [--json]
    python -m console quarantine retry --cache PATH --api URL [--user NAME]

`list` works offline and shows each record's source, id, reason, how often and when it was seen. `retry`
fetches every quarantined enquiry with a usable id again, one by one: a record damaged in transit heals,
one the server itself holds damaged stays with its reason, one the server no longer has is dropped.
Exit codes as console.cli.commands.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from console.cli.commands import sign_in
from console.cli.common import (
    EXIT_CACHE,
    EXIT_OK,
    CommandError,
    cache_key,
    load_settings,
    run_command,
    setup_logging,
)

# A reason or an id is shown on a terminal: controls and bidi overrides are written as escapes.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _shown(text: str) -> str:
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def quarantine_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m console quarantine", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    listing = sub.add_parser("list", help="show the quarantined records and why (works offline)")
    listing.add_argument("--cache", type=Path, default=None)
    listing.add_argument("--json", action="store_true", help="JSON lines, raw record included")
    retry = sub.add_parser("retry", help="fetch every quarantined enquiry that has an id again")
    retry.add_argument("--cache", type=Path, default=None)
    conf = load_settings()
    retry.add_argument("--api", required=not conf.api_url, default=conf.api_url or None)
    retry.add_argument("--user", default=conf.username or "supervisor")
    retry.add_argument("--ca-bundle", default=conf.ca_bundle)
    retry.add_argument("--proxy", default=conf.proxy)
    args = parser.parse_args(argv)
    setup_logging(False)
    return run_command("quarantine", lambda: _list(args) if args.action == "list" else _retry(args))


def _list(args: argparse.Namespace) -> int:
    from console.store.cache import StoreReader

    cache = args.cache or load_settings().resolved_cache_path()
    with StoreReader(cache, cache_key()) as reader:
        rows = reader.quarantine()
    for row in rows:
        if args.json:
            print(json.dumps(row, ensure_ascii=True, sort_keys=True))
            continue
        last = datetime.fromtimestamp(row["last_seen"], UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        print(
            f"{_shown(row['source'])}\t{_shown(row['record_id'])}\tseen {row['count']}x, last {last}\t"
            f"{_shown(row['reason'])}"
        )
    print(f"{len(rows)} record{'s' if len(rows) != 1 else ''} in quarantine", file=sys.stderr)
    return EXIT_OK


def _retry(args: argparse.Namespace) -> int:
    from console.api.client import ApiClient, ApiSettings
    from console.store.cache import Store
    from console.sync.engine import Syncer

    cache = args.cache or load_settings().resolved_cache_path()
    if not cache.exists():
        raise CommandError(f"no cache at {cache}: sync first", EXIT_CACHE)
    api = ApiClient(ApiSettings(args.api, ca_bundle=args.ca_bundle, proxy=args.proxy))
    try:
        with Store(cache, cache_key()) as store:
            before = store.quarantine("feed")
            unusable = sum(1 for r in before if r["record_id"].startswith("sha256:"))
            sign_in(api, args.user)
            healed = Syncer(api, store).heal(limit=None)
            left = store.quarantine_count()
    finally:
        api.close()
    print(
        f"fetched {len(before) - unusable} quarantined enquiries again: {healed} healed or gone from the "
        f"server; {left} records still in quarantine ({unusable} without a usable id: the next full "
        "re-read replaces them)",
        file=sys.stderr,
    )
    return EXIT_OK
