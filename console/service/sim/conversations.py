"""The simulated floor's signals of risk (issue 17), in believable proportions, so the demo shows them:
returning customers (a few regulars write again within days), angry threads (follow-ups and chasers
that get worse), conversations that move from a public post to a DM or to the phone (each message says
where it was sent; the enquiry keeps where it began, so its SLA policy and every report stay put), a
rare public reply that asks for account details, and outcome flags an agent ticks that mostly, not
always, match what the replies did.

Draws here come from generators seeded per enquiry, never from the simulator's own generator, so the
floor (arrivals, staffing, routing) runs exactly as before for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import replace

from console.domain.model import Enquiry, Message
from console.domain.risk.behaviours import detect
from console.service.sim import texts

P_REGULAR = 0.08  # a new enquiry from a customer who wrote recently
REGULARS = 40  # per channel: the customers who write most often
P_ANGRY_FOLLOW_UP = 0.3
P_ANGRY_CHASE = 0.5
P_TO_DM = 0.45  # a public conversation the agent moves to a DM
P_PHONE = 0.05  # a backlog conversation finished by a logged phone call
P_PUBLIC_DETAILS = 0.02  # a public first reply that asks for account details (flagged in the console)
P_MISTICK = 0.08  # an outcome flag the agent ticked that does not match the replies
DM_CHANNELS = frozenset({"x", "facebook", "instagram", "threads", "linkedin"})

ANGRY = (
    "Still not sorted. This is ridiculous, worst service ever!!",
    "I am absolutely furious. Nobody has helped me and I've lost money because of you",
    "Terrible. I've been waiting for hours and I'm sick of being ignored",
    "This is a disgrace. I'm closing my account and telling everyone how awful you are",
    "Are you kidding me?! Still nothing. Useless, hopeless bank",
)
ANGRY_CHASE = (
    "hello?? this is ridiculous",
    "Seriously?! Why is nobody answering. Awful",
    "Anyone?! Terrible service",
)
TO_DM = "Hi {name}, thanks for getting in touch. We can't discuss your account here: please send us a DM."
PUBLIC_DETAILS = "Thanks {name}. Can you reply with your sort code and account number so I can check?"
PHONE_CALL = (
    "Logged call: called {name} back as agreed, went through it and sorted it. Anything else, just ask."
)
AGENT_MORE = (
    "Thanks {name}, that's all done now. Is there anything else we can help with?",
    "Thanks for bearing with us {name}. Sorted. You might find our budgeting tools in the app useful too.",
    "Hi {name}, I've refunded the fee. Let us know if you need anything else.",
)


def _rng(seed: int, e: Enquiry, what: str) -> random.Random:
    return random.Random(f"{seed}:{e.id}:{what}")


def shape(seed: int, e: Enquiry, *, backlog: bool = False) -> Enquiry:
    """A new enquiry (changed in place, and returned), sometimes from a regular customer of its channel
    (same handle and name); in the starting backlog, a customer who wrote again is sometimes angry (the
    latest message, which backlog_messages puts last in the conversation)."""
    rng = _rng(seed, e, "who")
    if rng.random() < P_REGULAR:
        regular = random.Random(f"{seed}:regular:{e.channel}:{int(rng.random() * REGULARS)}")
        e.customer_handle, e.customer_name = texts.customer(regular, e.channel)
    wrote_again = (e.last_customer_message_at or 0) > (e.first_customer_message_at or 0)
    if backlog and wrote_again and rng.random() < P_ANGRY_FOLLOW_UP:
        e.text = rng.choice(ANGRY)
    return e


def follow_up(seed: int, e: Enquiry, text: str, messages: list[Message]) -> str:
    """The customer writes again, sometimes angrier."""
    rng = _rng(seed, e, f"follow-up:{len(messages)}")
    return rng.choice(ANGRY) if rng.random() < P_ANGRY_FOLLOW_UP else text


def place(e: Enquiry, messages: list[Message] | None, direction: str) -> tuple[str, str]:
    """Where the next message goes: the enquiry keeps where it began (its SLA policy, and so every
    clock and report, stays put); once the agent asked for a DM the customer writes in private, and the
    conversation stays there."""
    if not messages:
        return e.channel, e.visibility
    if any(m.visibility == "private" for m in messages):
        return e.channel, "private"
    last = messages[-1]
    if direction == "in" and last.direction == "out" and "send us a DM" in last.text:
        return e.channel, "private"
    return e.channel, e.visibility


def chaser(seed: int, e: Enquiry, text: str, n: int) -> str:
    rng = _rng(seed, e, f"chase:{n}")
    return rng.choice(ANGRY_CHASE) if rng.random() < P_ANGRY_CHASE else text


def reply(seed: int, e: Enquiry, text: str, messages: list[Message]) -> str:
    """An agent's reply: a first public reply often moves the conversation to a DM; later replies
    sometimes thank, offer more help or another product."""
    first_name = e.customer_name.split(" ")[0]
    rng = _rng(seed, e, f"reply:{len(messages)}")
    first = not any(m.direction == "out" for m in messages)
    if first and e.visibility == "public" and e.channel in DM_CHANNELS:
        r = rng.random()
        if r < P_PUBLIC_DETAILS:
            return PUBLIC_DETAILS.format(name=first_name)
        if r < P_TO_DM:
            return TO_DM.format(name=first_name)
    elif rng.random() < 0.4:
        return rng.choice(AGENT_MORE).format(name=first_name)
    return text


def backlog(seed: int, e: Enquiry, messages: list[Message]) -> list[Message]:
    """Where each message of a backlog conversation was sent: a public post on a platform with DMs is
    often moved to a DM by the first reply; a few conversations end with a phone call; a few public first
    replies ask for account details (flagged in the console)."""
    rng = _rng(seed, e, "backlog")
    first_name = e.customer_name.split(" ")[0]
    out = [replace(m, channel=e.channel, visibility=e.visibility) for m in messages]
    replies = [i for i, m in enumerate(out) if m.direction == "out"]
    if e.visibility == "public" and e.channel in DM_CHANNELS and replies:
        r = rng.random()
        first = replies[0]
        if r < P_TO_DM:
            out[first] = replace(out[first], text=TO_DM.format(name=first_name))
            for i in range(first + 1, len(out)):
                out[i] = replace(out[i], visibility="private")
        elif r < P_TO_DM + P_PUBLIC_DETAILS * 3:
            out[first] = replace(out[first], text=PUBLIC_DETAILS.format(name=first_name))
    if len(replies) > 1 and rng.random() < P_PHONE:
        last = replies[-1]
        call = PHONE_CALL.format(name=first_name)
        out[last] = replace(out[last], channel="phone", visibility="private", text=call)
    return out


def outcome(e: Enquiry, messages: list[Message], noise: list[float]) -> dict[str, bool]:
    """The outcome flags an agent ticks when resolving: what the replies did (console.domain.risk's
    rules), each mis-ticked now and then (noise: four draws from the simulator's generator)."""
    found = {"same_channel": True, "thanked": False, "offered_more_help": False, "offered_products": False}
    last_in: str | None = None
    for m in messages:
        channel = m.channel or e.channel
        if m.direction == "in":
            last_in = channel
            continue
        b = detect(
            m.text,
            reply_channel=channel,
            reply_visibility=m.visibility or e.visibility,
            customer_channel=last_in,
        )
        found["same_channel"] &= b.same_channel is not False  # every reply in the customer's channel
        found["thanked"] |= b.thanked
        found["offered_more_help"] |= b.offered_more_help
        found["offered_products"] |= b.offered_products
    flags = {k: v != (x < P_MISTICK) for (k, v), x in zip(found.items(), noise, strict=True)}
    return {**flags, "resolved": True}
