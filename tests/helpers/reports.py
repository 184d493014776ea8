"""A simulated shift: ten hours of enquiries, moves and agent statuses (seeded), the SLA engine with the
default policies and calendars, and the way to put it all in a cache or move it back in time."""

from __future__ import annotations

import random
import zlib
from dataclasses import replace

from console.domain import wire
from console.domain.model import CHANNELS, Agent, Assignment, Enquiry, Shift, Team
from console.service.server import DemoService
from console.sla.engine import SlaEngine, default_calendars, default_policies
from console.store.cache import Store
from console.sync.counts import SyncCounts
from console.sync.engine import Syncer
from console.sync.shift_close import SALT_KEY, close_shifts_quietly
from tests.helpers.service import new_client

START = 1_795_680_000.0  # Thu 26 Nov 2026 08:00 UTC
HOURS = 10
END = START + HOURS * 3600
TEAMS = [
    Team("social", "Social care", "social", ("general",), "social"),
    Team("cards", "Cards", "specialist", ("cards",), "business"),
    Team("fraud", "Fraud", "specialist", ("fraud",), "24x7"),
    Team("other", "Another site", "social", ("general",), "social"),
]
AGENTS = [
    Agent(f"a{i}", f"Agent {i}", ("social", "cards", "fraud")[i % 3], "available", 5, 0) for i in range(9)
]
AGENTS.append(Agent("x1", "Elsewhere", "other", "busy", 5, 0))
SHIFT = Shift("s1", "Thursday day", "Leeds", START, END, ("social", "cards", "fraud"))
OUTCOME_FLAGS = ("same_channel", "offered_more_help", "thanked", "offered_products", "resolved")


def engine() -> SlaEngine:
    return SlaEngine(default_policies(), {c.id: c for c in default_calendars()}, {t.id: t for t in TEAMS})


def card(i: int) -> str:
    """A Luhn-valid 16-digit card number, spaced in fours (the masker only masks valid ones)."""
    body = f"411111{i:09d}"
    for check in range(10):
        digits = body + str(check)
        total = sum(
            (d * 2 - 9 if d * 2 > 9 else d * 2) if k % 2 else d
            for k, d in enumerate(map(int, reversed(digits)))
        )
        if total % 10 == 0:
            return " ".join(digits[j : j + 4] for j in range(0, 16, 4))
    raise AssertionError("unreachable")


def simulate(
    n: int, seed: int = 7
) -> tuple[list[Enquiry], list[Assignment], list[tuple[str, str, float, float | None]]]:
    rnd = random.Random(seed)
    enquiries: list[Enquiry] = []
    for i in range(n):
        created = START - 3 * 3600 + rnd.random() * (HOURS + 5) * 3600
        channel = rnd.choice([*CHANNELS[:5], "mastodon"])
        first_msg = created if rnd.random() < 0.8 else None
        fr = created + rnd.expovariate(1 / 2400) if rnd.random() < 0.85 else None
        status = rnd.choice(("new", "open", "waiting_customer", "pending_specialist", "resolved", "closed"))
        resolved = None
        if status in ("resolved", "closed") and fr is not None:
            resolved = fr + rnd.random() * 6 * 3600
        last_in = last_out = None
        if fr is not None and rnd.random() < 0.5:
            last_in = fr + rnd.random() * 3600
            last_out = last_in + rnd.random() * 3600 if rnd.random() < 0.5 else fr
        handoff_req = created + rnd.random() * 1800 if rnd.random() < 0.2 else None
        handoff_acc = handoff_req + rnd.random() * 5400 if handoff_req and rnd.random() < 0.7 else None
        outcome = {f: rnd.random() < 0.6 for f in OUTCOME_FLAGS if rnd.random() < 0.5}
        enquiries.append(
            Enquiry(
                id=f"e{i:05d}",
                channel=channel,
                visibility=rnd.choice(("public", "private")),
                customer_handle=f"@cust{i}",
                customer_name=f"Customer {i}",
                text=f"My card {card(i)} was declined, call me on 07700 900{i % 1000:03d}",
                topic=rnd.choice(("general", "cards", "fraud", "complaint")),
                complexity=rnd.choice((1, 2, 3)),
                flags=frozenset({"fraud_risk"}) if rnd.random() < 0.05 else frozenset(),
                priority=rnd.choice(("low", "normal", "high", "urgent")),
                status=status,
                team_id=rnd.choice((None, "social", "social", "cards", "fraud", "other")),
                agent_id=None,
                created_at=created,
                version=1,
                updated_at=created + 7200,
                first_customer_message_at=first_msg,
                first_response_at=fr,
                last_customer_message_at=last_in,
                last_agent_message_at=last_out,
                resolved_at=resolved,
                handoff_requested_at=handoff_req,
                handoff_accepted_at=handoff_acc,
                bounces=rnd.choice((0, 0, 0, 1, 2, 3, 4)),
                outcome=outcome,
            )
        )
    moves = [
        Assignment(
            id=f"m{i}",
            enquiry_id=f"e{rnd.randrange(n):05d}",
            from_team=rnd.choice(("social", "cards", "other")),
            from_agent=None,
            to_team=rnd.choice(("cards", "fraud", "other")),
            to_agent=None,
            reason=rnd.choice(("Card dispute", "Fraud suspected", "Customer said acct 12345678", "")),
            actor=rnd.choice(("sup.ann", "sup.bob", "")),
            at=START - 3600 + rnd.random() * (HOURS + 2) * 3600,
            result=rnd.choice(("accepted", "accepted", "rejected", "conflict")),
        )
        for i in range(n // 4)
    ]
    log: list[tuple[str, str, float, float | None]] = []
    for a in [*AGENTS, Agent("ghost", "Ghost", "nowhere", "busy", 1, 0)]:
        t = START - 2 * 3600
        while t < END + 3600:
            d = rnd.random() * 5400
            last = t + d >= END + 3600
            log.append(
                (
                    a.id,
                    rnd.choice(("available", "busy", "busy", "away", "offline")),
                    t,
                    None if last else t + d,
                )
            )
            t += d
    return enquiries, moves, log


def fill(store: Store, enquiries: list[Enquiry], moves: list[Assignment]) -> None:
    """The reference data (teams, agents, default policies and calendars), the enquiries and the moves."""
    store.replace_reference("teams", [wire.team_to_wire(t) for t in TEAMS])
    store.replace_reference("agents", [wire.agent_to_wire(a) for a in AGENTS])
    store.replace_reference("sla-policies", [wire.policy_to_wire(p) for p in default_policies()])
    store.replace_reference("calendars", [wire.calendar_to_wire(c) for c in default_calendars()])
    store.apply_enquiries(enquiries)
    store.record_assignments(moves)


BACK = 7 * 86400.0  # the simulated shift moved a week back, so that it has ended whatever the date
TIMES = (
    "created_at",
    "updated_at",
    "first_customer_message_at",
    "first_response_at",
    "last_customer_message_at",
    "last_agent_message_at",
    "resolved_at",
    "handoff_requested_at",
    "handoff_accepted_at",
)


def moved_back(e: Enquiry, by: float = BACK) -> Enquiry:
    times = {k: getattr(e, k) - by for k in TIMES if getattr(e, k) is not None}
    return replace(e, **times)


def moves_back(moves: list[Assignment]) -> list[Assignment]:
    return [replace(m, at=m.at - BACK) for m in moves]


# --- two consoles closing shifts against one reference service (report byte-identity tests) ---------
SITE = {SALT_KEY: "the-site-salt"}  # the site's consoles share one salt (settings file)


def sync_and_close(svc: DemoService, store: Store) -> SyncCounts:
    """One console's sync pass (the outbox, then the feed to its end), then what the next pass of the
    loop does: close the shifts that ended, with the site's salt."""
    syncer = Syncer(new_client(svc), store)
    counts = syncer.run_once()
    close_shifts_quietly(store, svc.clock.now(), extra=SITE)
    syncer.api.close()
    return counts


def stored_body(store: Store, shift_id: str) -> bytes:
    """A stored report's bytes, decompressed."""
    rows = store._rows("SELECT body FROM shift_reports WHERE shift_id = ?", (shift_id,))
    assert rows, f"no stored report for {shift_id}"
    return zlib.decompress(rows[0][0])


def running_shift(svc: DemoService) -> Shift:
    """The reference service's shift of the social team running now."""
    now = svc.clock.now()
    return next(s for s in svc.sim.world.shifts if s.start <= now < s.end and "social" in s.team_ids)
