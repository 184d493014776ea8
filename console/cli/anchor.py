"""`audit verify`'s second half: the local chain against the bank's copy (console.service.audit_anchor).

Online (--api): the service's head must be an entry the cache holds, with the same hash; a cache holding
fewer entries than the bank, or another history, is tampered with. Offline: say how far back the trail
was anchored, and when, so a reader knows which entries only the cache vouches for."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when used: `python -m console audit --help` stays fast
    from console.store.cache import StoreReader


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api", default=None, help="check against the Service API's copy (else offline)")
    parser.add_argument("--user", default="supervisor", help="user name for sign-in (default: supervisor)")
    parser.add_argument("--ca-bundle", default=None)
    parser.add_argument("--proxy", default=None)


def check(reader: StoreReader, args: argparse.Namespace) -> tuple[list[str], bool]:
    """(lines to print, whether the trail is broken)."""
    from console.store.anchor import anchor_of, entry_hash, known_chain, last_seq

    total, anchor, chain = last_seq(reader), anchor_of(reader), known_chain(reader)
    if anchor is not None and anchor.seq > total:
        return [
            f"audit trail BROKEN: entries up to {anchor.seq} were anchored with {anchor.server}, but the "
            f"cache holds only {total}: the newest entries were deleted"
        ], True
    if anchor is not None and entry_hash(reader, anchor.seq) != anchor.hash:
        return [f"audit trail BROKEN: entry {anchor.seq} is not the one anchored with {anchor.server}"], True
    if getattr(args, "api", None):
        return _online(reader, args, total, chain)
    if anchor is None:
        return [f"not anchored: none of the {total} entries has been confirmed by a Service API yet"], False
    when = datetime.fromtimestamp(anchor.at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    newer = total - anchor.seq
    return [
        f"offline: entries 1..{anchor.seq} were anchored with {anchor.server} (confirmed {when}); "
        f"{newer} newer entr{'y' if newer == 1 else 'ies'} only the cache vouches for; "
        "run with --api to check against the service's copy"
    ], False


def _online(
    reader: StoreReader, args: argparse.Namespace, total: int, chain: str | None
) -> tuple[list[str], bool]:
    from console.api.client import ApiClient, ApiSettings
    from console.cli.commands import sign_in
    from console.store.anchor import entry_hash

    if chain is None:
        return [f"not anchored: this cache never sent its audit trail to {args.api}"], total > 0
    with ApiClient(ApiSettings(args.api, ca_bundle=args.ca_bundle, proxy=args.proxy)) as api:
        sign_in(api, args.user)
        seq, digest = api.audit_head(chain)
        host = api.host
    if seq > total:
        return [
            f"audit trail BROKEN: {host} holds {seq} entries of this trail, the cache only {total}: "
            "the newest entries were deleted"
        ], True
    if seq and entry_hash(reader, seq) != digest:
        return [
            f"audit trail BROKEN: entry {seq} (or one before it) differs from the copy {host} holds"
        ], True
    return [
        f"anchored: entries 1..{seq} match the copy {host} holds; {total - seq} newer not sent yet"
    ], False
