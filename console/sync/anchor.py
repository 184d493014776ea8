"""Sync's part in anchoring the audit trail: send the entries the bank does not hold yet, after checking
that the entry it holds last is the cache's own. A mismatch is logged and kept for `audit verify`; it never
stops syncing. A service without the endpoint (404) is skipped, and so is an account that may only read
(403: a wallboard's viewer token)."""

from __future__ import annotations

import logging

from console.api.client import ApiClient
from console.api.errors import AuditMismatch, AuthError, NotFound
from console.store.anchor import Anchor, chain_id, entries_after, entry_hash, set_anchor
from console.store.cache import Store

log = logging.getLogger("concierge.sync")
BATCH = 500
MISMATCH_KEY = "audit_anchor_mismatch"


def anchor_audit(api: ApiClient, store: Store) -> int:
    """Returns how many entries were sent."""
    chain = chain_id(store)
    try:
        seq, digest = api.audit_head(chain)
        if seq and entry_hash(store, seq) != digest:
            raise AuditMismatch(
                f"the audit trail in the cache differs from the bank's copy at entry {seq}", status=409
            )
        sent = 0
        while batch := entries_after(store, seq, BATCH):
            seq, digest = api.audit_append(chain, batch)
            sent += len(batch)
    except NotFound:
        log.info("%s keeps no audit anchor (no /v1/audit): the trail is anchored locally only", api.host)
        return 0
    except AuthError as e:
        if e.status != 403:
            raise  # signed out: sync reports it
        # A viewer (a wallboard) reads; the supervisors' consoles anchor their own trails.
        log.info("this account may not anchor the audit trail at %s: %s", api.host, e)
        return 0
    except AuditMismatch as e:
        log.error("audit trail NOT anchored: %s", e)
        store.set_meta(MISMATCH_KEY, str(e))
        return 0
    set_anchor(store, Anchor(seq, digest, api.now(), api.base_url))
    return sent
