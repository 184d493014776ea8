"""A conversation's channel history: one enquiry that moves from a public post to a private message, or
from social media to the phone, keeps one thread. Each message says where it was sent (Message.channel
and .visibility; None, from a service that does not say, means the enquiry's own channel and visibility,
which stay where the conversation began: the SLA policy is chosen by them). From the messages come the
steps of the history, the customer message each reply answers, and the replies that asked for account
details in public."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from console.domain.model import Enquiry, Message
from console.domain.risk import sentiment
from console.domain.risk.behaviours import Behaviours, detect

# Channels that are not social media: a move to them leaves the customer's channel.
OFF_SOCIAL = frozenset({"phone", "email", "branch", "letter"})


@dataclass(frozen=True, slots=True)
class ChannelStep:
    """From `at` on, the conversation went on in `channel` (`visibility`)."""

    at: float
    channel: str
    visibility: str


def where(m: Message, e: Enquiry) -> tuple[str, str]:
    """Where one message was sent: its own channel, or the enquiry's when it does not say."""
    return m.channel or e.channel, m.visibility or e.visibility


def history(e: Enquiry, messages: Sequence[Message]) -> list[ChannelStep]:
    """The steps: one per change of place in its messages (in time order), else the enquiry's channel."""
    steps: list[ChannelStep] = []
    for m in sorted(messages, key=lambda m: (m.sent_at, m.id)):
        channel, visibility = where(m, e)
        if not steps or (steps[-1].channel, steps[-1].visibility) != (channel, visibility):
            steps.append(ChannelStep(m.sent_at, channel, visibility))
    if not steps:
        steps.append(ChannelStep(e.created_at, e.channel, e.visibility))
    return steps


def moved(steps: Sequence[ChannelStep]) -> bool:
    return len({(s.channel, s.visibility) for s in steps}) > 1


def step_words(s: ChannelStep) -> str:
    """ "x (public)", "whatsapp (private)", "phone"."""
    if s.channel in OFF_SOCIAL:
        return s.channel
    return f"{s.channel} ({s.visibility})"


@dataclass(frozen=True, slots=True)
class ReplyCheck:
    """One agent reply and what it did."""

    message: Message
    answered_channel: str | None  # the channel of the customer message it answers
    behaviours: Behaviours


def check_replies(e: Enquiry, messages: Sequence[Message]) -> list[ReplyCheck]:
    """Every agent reply's behaviours. "Replied in the same channel" compares the reply's channel with the
    channel of the latest customer message before it (computed from the history, not taken from the API)."""
    out: list[ReplyCheck] = []
    last_in: str | None = None
    for m in sorted(messages, key=lambda m: (m.sent_at, m.id)):
        channel, visibility = where(m, e)
        if m.direction == "in":
            last_in = channel
            continue
        b = detect(m.text, reply_channel=channel, reply_visibility=visibility, customer_channel=last_in)
        out.append(ReplyCheck(m, last_in, b))
    return out


def public_detail_requests(e: Enquiry, messages: Sequence[Message]) -> list[Message]:
    """Agent replies posted in public that ask for account details: each one is flagged."""
    return [c.message for c in check_replies(e, messages) if c.behaviours.asks_account_details_in_public]


def _place(channel: str, visibility: str, names: Mapping[str, str]) -> str:
    name = names.get(channel, channel)
    return name if channel in OFF_SOCIAL else f"{name} · {visibility}"


def history_words(steps: Sequence[ChannelStep], names: Mapping[str, str] | None = None) -> str:
    """ "X · public → X · private → phone"."""
    return " → ".join(_place(s.channel, s.visibility, names or {}) for s in steps)


def message_notes(
    e: Enquiry, messages: Sequence[Message], names: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A note per message for the conversation view: where it was sent; for a customer message its
    sentiment; for an agent reply what it did (J.D. Power's behaviours) and, flagged first, a request
    for account details made in public."""
    names = names or {}
    notes: dict[str, str] = {}
    for m in messages:
        channel, visibility = where(m, e)
        if m.direction == "in":
            notes[m.id] = (
                f"{_place(channel, visibility, names)} · mood {sentiment.words(sentiment.score(m.text))}"
            )
    for c in check_replies(e, messages):
        b, m = c.behaviours, c.message
        channel, visibility = where(m, e)
        did = [
            word
            for word, yes in (
                ("same channel", b.same_channel),
                ("thanked", b.thanked),
                ("offered more help", b.offered_more_help),
                ("offered other products", b.offered_products),
            )
            if yes
        ]
        if b.same_channel is False:
            did.insert(0, "moved the customer to another channel")
        note = f"{_place(channel, visibility, names)} · " + (
            ", ".join(did) if did else "none of the four behaviours"
        )
        if b.asks_account_details_in_public:
            note = "⚠ Asked for account details in a public post · " + note
        notes[m.id] = note
    return notes
