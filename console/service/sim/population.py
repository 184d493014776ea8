"""Drawing enquiries: a fresh arrival, and the open backlog the service starts with.

All draws come from the simulator's seeded generator, in a fixed order, so a seed gives the same data.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections import Counter
from itertools import accumulate

from console.domain.model import Enquiry, Message
from console.service.sim import texts
from console.service.sim.world import OWNER, policies

CHANNELS = ("x", "facebook", "instagram", "whatsapp", "linkedin", "threads")
CHANNEL_CUM = list(accumulate((35, 20, 15, 22, 6, 2)))
PUBLIC_SHARE = {
    "x": 0.85,
    "facebook": 0.5,
    "instagram": 0.45,
    "whatsapp": 0.0,
    "linkedin": 0.4,
    "threads": 0.7,
}
TOPICS = ("general", "cards", "payments", "accounts", "fraud", "complaint", "lending", "mortgages")
TOPIC_CUM = list(accumulate((20, 20, 15, 12, 8, 10, 8, 7)))
# Share of complexity 1, 2 (rest: 3) per topic.
COMPLEXITY = {"fraud": (0.0, 0.3), "complaint": (0.1, 0.5), "mortgages": (0.1, 0.5), "lending": (0.2, 0.7)}
MIN, HOUR = 60.0, 3600.0


def handoff_team(e: Enquiry) -> str | None:
    """The specialist team the concierge model hands this enquiry to, or None when social keeps it."""
    if e.topic == "fraud" or "fraud_risk" in e.flags:
        return "fraud"
    if e.topic == "complaint" or "complaint" in e.flags:
        return "complaints"
    if "vulnerable" in e.flags:
        return "accounts"
    if e.complexity >= 2:
        return OWNER.get(e.topic)
    return None


def draw_enquiry(rng: random.Random, ident: str, now: float) -> Enquiry:
    """A new enquiry that has just arrived on the social team's queue."""
    channel = CHANNELS[bisect(CHANNEL_CUM, rng.random() * CHANNEL_CUM[-1])]
    visibility = "public" if rng.random() < PUBLIC_SHARE[channel] else "private"
    topic = TOPICS[bisect(TOPIC_CUM, rng.random() * TOPIC_CUM[-1])]
    c1, c2 = COMPLEXITY.get(topic, (0.45, 0.85))
    r = rng.random()
    complexity = 1 if r < c1 else 2 if r < c2 else 3
    flags = set()
    if rng.random() < 0.03:
        flags.add("vulnerable")
    if topic == "complaint" or rng.random() < 0.03:
        flags.add("complaint")
    if topic == "fraud" or rng.random() < 0.02:
        flags.add("fraud_risk")
    if topic == "fraud":
        priority = "urgent" if rng.random() < 0.4 else "high"
    elif "vulnerable" in flags:
        priority = "high"
    else:
        p = rng.random()
        priority = "low" if p < 0.15 else "normal" if p < 0.85 else "high" if p < 0.97 else "urgent"
    handle, name = texts.customer(rng, channel)
    return Enquiry(
        id=ident,
        channel=channel,
        visibility=visibility,
        customer_handle=handle,
        customer_name=name,
        text=_text(rng, ident, topic),
        topic=topic,
        complexity=complexity,
        flags=frozenset(flags),
        priority=priority,
        status="new",
        team_id="social",
        agent_id=None,
        created_at=now,
        version=1,
        updated_at=now,
        first_customer_message_at=now,
        last_customer_message_at=now,
        oldest_unanswered_message_at=now,
    )


def _text(rng: random.Random, ident: str, topic: str) -> str:
    drawn = texts.customer_text(rng, topic)  # drawn always: the generator's sequence stays the same
    angry = None if topic == "complaint" else texts.angry_text(ident, topic)
    return angry or drawn


POLICIES = sorted(policies(), key=lambda p: p.rank)


def resolution_s(e: Enquiry) -> float:
    """The resolution target of the policy that applies to e (the first match by rank)."""
    for p in POLICIES:
        if (
            (p.topic is None or p.topic == e.topic)
            and (p.flag is None or p.flag in e.flags)
            and (p.priority is None or p.priority == e.priority)
            and (p.channel is None or p.channel == e.channel)
            and (p.visibility is None or p.visibility == e.visibility)
        ):
            return p.resolution_s
    return 72 * HOUR


def age_backlog(rng: random.Random, e: Enquiry, now: float, kind: str) -> None:
    """Turn a fresh enquiry into one of the open backlog at `now`.

    kind "new": arrived minutes ago, not answered yet (it waits in the social queue or an agent is on it);
    "handoff": answered and handed to its specialist team minutes ago, not accepted yet (or, when no team
    owns it, the customer wrote again and is owed a reply); "conversation": answered and held by its team
    (no agent keeps a slot for a customer who may not write again), waiting on the customer (paused) or
    for their next message."""
    if kind == "new":
        age = rng.expovariate(1 / (6 * MIN)) + rng.uniform(0, MIN)
        e.created_at = e.first_customer_message_at = e.last_customer_message_at = e.updated_at = now - age
        e.oldest_unanswered_message_at = e.created_at
        return
    # Most of the backlog is inside its resolution target (a floor in motion); a few are overdue.
    share = rng.uniform(1.0, 2.0) if rng.random() < 0.04 else rng.uniform(0.05, 0.85)
    age = min(resolution_s(e) * share, 4 * 24 * HOUR) + rng.uniform(20 * MIN, 40 * MIN)
    created = now - age
    e.created_at = e.first_customer_message_at = e.last_customer_message_at = created
    target = handoff_team(e)
    if kind == "handoff":
        first = now - rng.uniform(2 * MIN, min(age, 20 * MIN))
        e.first_response_at = e.last_agent_message_at = first
        if target is not None:
            e.status, e.team_id, e.handoff_requested_at = "pending_specialist", target, first
        else:  # the customer answered the first reply: owed the next one
            e.status, e.last_customer_message_at = "open", now - rng.uniform(0, 2 * MIN)
            e.text = texts.follow_up(rng)
        e.updated_at = max(first, e.last_customer_message_at or first)
        # Owed a reply only when the customer wrote after the first answer (no team owns it).
        last_in = e.last_customer_message_at or created
        e.oldest_unanswered_message_at = last_in if last_in > first else None
        e.version = 2
        return
    first = created + min((now - created) * rng.uniform(0.02, 0.2), 60 + rng.expovariate(1 / (20 * MIN)))
    e.first_response_at = e.last_agent_message_at = first
    if target is not None:
        e.team_id, e.handoff_requested_at = target, first
        e.handoff_accepted_at = first + (now - first) * rng.uniform(0.02, 0.2)
    e.status = "open"
    last = first + (now - first) * rng.uniform(0.3, 0.95)
    if rng.random() < 0.5:  # the customer wrote again and was answered since
        e.last_customer_message_at = max(first, last - rng.uniform(MIN, 15 * MIN))  # answered promptly
        e.text = texts.follow_up(rng)
    e.last_agent_message_at = last
    if rng.random() < 0.45:  # the agent asked something and waits for the customer
        e.status = "waiting_customer"
        e.pauses = ((last, None),)
    # Owed a reply: the one customer message after the last agent message (backlog_messages).
    last_in, last_out = e.last_customer_message_at or created, e.last_agent_message_at or first
    e.oldest_unanswered_message_at = last_in if last_in > last_out else None
    e.updated_at = last
    e.version = 2 + int(rng.random() * 5)


def backlog_messages(rng: random.Random, e: Enquiry, agent_name: str) -> list[Message]:
    """The conversation so far of a backlog enquiry, consistent with its timestamps."""
    msgs: list[Message] = []
    first_in = e.first_customer_message_at or e.created_at
    last_in = e.last_customer_message_at or first_in

    def add(direction: str, author: str, text: str, at: float) -> None:
        msgs.append(Message(f"{e.id}-m{len(msgs) + 1}", e.id, direction, author, text, at))

    first_name = e.customer_name.split(" ")[0]
    add(
        "in",
        e.customer_handle,
        e.text if last_in == first_in else texts.customer_text(rng, e.topic),
        first_in,
    )
    if e.first_response_at is not None:
        add("out", agent_name, texts.agent_text(rng, first_name), e.first_response_at)
    if last_in > first_in:
        add("in", e.customer_handle, e.text, last_in)
    last_out = e.last_agent_message_at
    if last_out is not None and e.first_response_at is not None and last_out > e.first_response_at:
        add("out", agent_name, texts.agent_text(rng, first_name), last_out)
    msgs.sort(key=lambda m: m.sent_at)
    return msgs


def team_shares(samples: int = 4000) -> dict[str, float]:
    """Share of arrivals each team ends up owning (social keeps the rest), from the arrival mix."""
    rng = random.Random(0)
    owners = Counter(handoff_team(draw_enquiry(rng, "x", 0.0)) or "social" for _ in range(samples))
    return {team: n / samples for team, n in owners.items()}
