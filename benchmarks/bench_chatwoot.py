"""10,000 Chatwoot webhooks with 10% duplicated, 10% reordered (held back, sent after up to 50 later ones)
and 5% lost, into the connector's real webhook endpoint over HTTP; then one reconciliation pass over the
stand-in's REST API. Bar (issue 18): afterwards the Ledger equals the stand-in record by record (0
mismatches). Printed beside a raw baseline from the same run: the same final records upserted straight
into an empty Ledger.

The Ledger is tests/helpers/memory_ledger.py until the gateway's PostgreSQL store is merged (swap it in
`make_ledger`). Everything runs in one process on 127.0.0.1: the stand-in, its webhook deliveries (one
HTTP POST each, in order, from the thread that makes the change) and the connector.

Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_chatwoot.py [webhooks]
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from typing import Any

from console.gateway.chatwoot.webhooks import WebhookEndpoint
from tests.helpers.chatwoot_standin import ChatwootStandin
from tests.helpers.chatwoot_world import World, make_world, mismatches, truth
from tests.helpers.memory_ledger import MemoryLedger

CONVERSATIONS = 1_000


def make_ledger() -> MemoryLedger:
    return MemoryLedger()


def timed_endpoint(endpoint: WebhookEndpoint, spent: list[float]) -> None:
    """Count the connector's own time per webhook (verification, schema check, apply, Ledger write)."""
    handle = endpoint.handle

    def measured(headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        started = time.perf_counter()
        try:
            return handle(headers, body)
        finally:
            spent.append(time.perf_counter() - started)

    endpoint.handle = measured  # type: ignore[method-assign]


def drive(world: World, events: int, rng: random.Random) -> None:
    """Chatwoot's agents and customers at work until `events` webhooks were due."""
    s, w = world.standin, world
    cids: list[int] = []
    inboxes, teams, agents = list(w.inboxes.values()), list(w.teams.values()), list(w.agents.values())
    actions: list[Callable[[int], object]] = [
        lambda c: s.add_message(c, "incoming", "any news?"),
        lambda c: s.add_message(c, "outgoing", "looking into it", agent_id=rng.choice(agents)),
        lambda c: s.assign(c, team_id=rng.choice(teams), team=True),
        lambda c: s.assign(c, assignee_id=rng.choice(agents), agent=True),
        lambda c: s.set_labels(c, *rng.sample(["cards", "fraud", "vulnerable", "complex", "vip"], 2)),
        lambda c: s.set_status(c, rng.choice(["open", "pending", "snoozed", "resolved"])),
    ]
    while s.events < events:
        if len(cids) < CONVERSATIONS and (not cids or rng.random() < 0.2):
            inbox = rng.choice(inboxes)
            cids.append(s.create_conversation(inbox, f"customer{len(cids)}", "help please", kind="tweet"))
        else:
            rng.choice(actions)(rng.choice(cids))


def main() -> None:
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    standin = ChatwootStandin(seed=18).start()
    world = make_world(standin, make_ledger())
    spent: list[float] = []
    timed_endpoint(world.endpoint, spent)
    standin.faults.duplicate, standin.faults.late, standin.faults.lost, standin.faults.late_by = (
        0.10,
        0.10,
        0.05,
        50,
    )
    try:
        started = time.perf_counter()
        drive(world, events, random.Random(18))
        standin.flush_late()
        ingest_s = time.perf_counter() - started
        before = len(mismatches(standin, world.ledger))
        report = world.connector.reconcile()
        after = mismatches(standin, world.ledger)
        # Raw baseline: the same final records, straight into an empty Ledger.
        records = [truth(standin, cid) for cid in sorted(standin.conversations)]
        raw = make_ledger()
        t0 = time.perf_counter()
        for enquiry, messages in records:
            raw.upsert_enquiry(enquiry, messages)
        raw_s = time.perf_counter() - t0
    finally:
        world.webhooks.stop()
        world.client.close()
        standin.stop()
    counts = world.connector.counts
    delivered = len(spent)
    print(
        f"webhooks due {standin.events:,}: delivered {delivered:,} (duplicates {standin.duplicated:,}, "
        f"reordered {standin.delayed:,}), lost {standin.lost:,}; conversations {len(records):,}"
    )
    print(
        f"outcomes: applied {counts['applied']:,}, unchanged {counts['unchanged']:,}, "
        f"stale/duplicate {counts['stale']:,}, re-read over REST {counts['reread']:,}"
    )
    print(
        f"ingest end to end (stand-in change + HTTP + connector): {delivered / ingest_s:,.0f} webhooks/s "
        f"({ingest_s:.2f} s)"
    )
    print(
        f"connector alone (endpoint handle): {delivered / sum(spent):,.0f} webhooks/s "
        f"(median {sorted(spent)[len(spent) // 2] * 1e3:.2f} ms)"
    )
    print(f"mismatches before reconciliation: {before:,}")
    print(f"reconciliation: {report.seconds:.2f} s, listed {report.listed:,}, re-read {report.reread:,}")
    print(f"mismatches after reconciliation: {len(after)} (must be 0) {after[:5]}")
    print(
        f"raw baseline (same {len(records):,} final records upserted straight into the Ledger): "
        f"{raw_s * 1e3:.1f} ms, {len(records) / raw_s:,.0f} records/s"
    )
    if after:
        sys.exit(1)


if __name__ == "__main__":
    main()
