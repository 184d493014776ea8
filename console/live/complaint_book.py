"""What the complaint desk knows of each open enquiry's conversation: the customer messages that carry a
complaint cue (console.domain.complaints.conversation) and the complaint communications agents sent
(console.domain.complaints.letters). Built on a worker from the cache (every open enquiry's customer
messages in one read), then kept current one conversation at a time: a message is judged once, never per
refresh, and a refresh asks a dictionary.

A ComplaintBook is immutable: with_conversations returns a new one sharing the big base mapping, so the
UI thread swaps it in at no cost and a worker's twin of the desk reads the same one safely.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from console.courtesy import paced
from console.domain.complaints.conversation import Heard, hear
from console.domain.complaints.detect import Proposal, propose
from console.domain.complaints.letters import Letter, letters_sent
from console.domain.complaints.status import CONFIRMED, Decision, flagged_by_service
from console.domain.model import Enquiry, Message

COMPACT_AT = 2000  # conversations changed since the base was built, kept aside until merged into a new base


@dataclass(frozen=True, slots=True)
class Conversation:
    """heard: customer messages with a cue, oldest first; messages: customer messages read; seen_until:
    the latest one's time (a newer one on the enquiry is not in the book yet); letters: communications
    sent (None: the agents' messages were not read)."""

    heard: tuple[Heard, ...]
    messages: int
    seen_until: float
    letters: tuple[Letter, ...] | None = None
    complaint: bool = (
        False  # one of the messages heard is proposed (kept: asked for every row, every refresh)
    )


class Memo:
    """propose() kept per message text: each text is judged once. Two generations, so texts no longer
    asked for are dropped once `size` new ones have been judged (memory stays bounded at any scale). One
    thread's: a worker's jobs use it one at a time."""

    def __init__(self, size: int = 200_000) -> None:
        self.size = size
        self._new: dict[str, Proposal] = {}
        self._old: dict[str, Proposal] = {}
        self.judged = 0  # texts that were not known (the benchmark and the tests read it)

    def __call__(self, text: str) -> Proposal:
        hit = self._new.get(text)
        if hit is None:
            hit = self._old.get(text)
            if hit is None:
                hit = propose(text)
                self.judged += 1
            if len(self._new) >= self.size:
                self._old, self._new = self._new, {}
            self._new[text] = hit
        return hit


class ComplaintBook:
    def __init__(
        self, base: Mapping[str, Conversation] | None = None, extra: Mapping[str, Conversation] | None = None
    ) -> None:
        self._base: Mapping[str, Conversation] = base if base is not None else {}
        self._extra: Mapping[str, Conversation] = extra if extra is not None else {}

    def get(self, enquiry_id: str) -> Conversation | None:
        found = self._extra.get(enquiry_id)
        return found if found is not None else self._base.get(enquiry_id)

    def __len__(self) -> int:
        return len(self._base) + sum(k not in self._base for k in self._extra)

    @classmethod
    def build(
        cls,
        customer: Iterable[tuple[str, float, str]],
        letters: Mapping[str, Sequence[tuple[float, str]]] | None = None,
        memo: Memo | None = None,
    ) -> ComplaintBook:
        """A book from the customer messages of the open enquiries (enquiry id, sent_at, text; as
        StoreReader.risk_messages gives them) and, for some, their agents' messages (sent_at, text)."""
        judge = memo or Memo()
        by_id: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for ident, at, text in customer:
            by_id[ident].append((at, text))
        agents = letters or {}
        out = {ident: conversation(msgs, agents.get(ident), judge) for ident, msgs in paced(by_id.items())}
        for ident, sent in agents.items():
            if ident not in out:
                out[ident] = conversation([], sent, judge)
        return cls(out)

    def with_conversations(self, changed: Mapping[str, Conversation]) -> ComplaintBook:
        """A new book with these conversations replaced (the base is shared, not copied, until the changes
        pile up)."""
        if not changed:
            return self
        extra = {**self._extra, **changed}
        if len(extra) > COMPACT_AT:
            return ComplaintBook({**self._base, **extra})
        return ComplaintBook(self._base, extra)

    def with_messages(
        self, enquiry_id: str, messages: Sequence[Message], memo: Memo | None = None
    ) -> ComplaintBook:
        """A new book with one enquiry's whole conversation read again (the detail pane has it in hand)."""
        return self.with_conversations({enquiry_id: from_messages(messages, memo)})


def conversation(
    customer: Sequence[tuple[float, str]],
    agents: Sequence[tuple[float, str]] | None,
    memo: Memo | None = None,
) -> Conversation:
    """One enquiry's Conversation from its customer messages and (if read) its agents' (sent_at, text)."""
    judge = memo or Memo()
    seen = max(customer)[0] if customer else float("-inf")
    sent = None if agents is None else letters_sent(agents)
    heard = hear(customer, judge)
    return Conversation(heard, len(customer), seen, sent, any(h.proposal.complaint for h in heard))


def from_messages(messages: Sequence[Message], memo: Memo | None = None) -> Conversation:
    """A Conversation from a whole conversation as the cache holds it (both directions)."""
    customer = [(m.sent_at, m.text) for m in messages if m.direction == "in"]
    agents = [(m.sent_at, m.text) for m in messages if m.direction == "out"]
    return conversation(customer, agents, memo)


class Conversations(Protocol):
    """What reading the book needs from the cache (console.store.reads.StoreReader has it)."""

    def risk_messages(self) -> list[tuple[str, float, str]]: ...

    def conversations(self, ids: Iterable[str]) -> Mapping[str, Sequence[Message]]: ...


def read_book(
    source: Conversations, rows: Iterable[Enquiry], confirmed: Iterable[str], memo: Memo
) -> ComplaintBook:
    """The book of every open enquiry: the customer messages of the conversations the cache holds (all of
    them when the message feed is followed), and the agents' messages of the confirmed complaints (their
    clocks follow the communications sent). An enquiry whose conversation is not held is read from the
    latest message it carries; a confirmed complaint with none held leaves its communications unknown,
    not "none sent". One query for the customers' side: fit for 100k rows on a worker."""
    customer = source.risk_messages()
    agents = {
        i: [(m.sent_at, m.text) for m in held if m.direction == "out"]
        for i, held in source.conversations(confirmed).items()
    }
    held = {i for i, _, _ in customer}
    customer += [(e.id, latest_at(e), e.text) for e in rows if e.id not in held and e.text]
    return ComplaintBook.build(customer, agents, memo)


def read_conversations(source: Conversations, rows: Iterable[Enquiry], memo: Memo) -> dict[str, Conversation]:
    """These enquiries' conversations read again (a changed row, or one the message feed added to): the
    whole conversation when the cache holds it, else the latest message the enquiry carries."""
    rows = list(rows)
    held = source.conversations(e.id for e in rows)
    return {
        e.id: from_messages(m, memo)
        if (m := held.get(e.id))
        else conversation([(latest_at(e), e.text)] if e.text else [], None, memo)
        for e in rows
    }


def confirmed_ids(rows: Iterable[Enquiry], decisions: Mapping[str, Decision]) -> list[str]:
    """The confirmed complaints among these rows: flagged by the bank's systems or by a supervisor."""
    return [
        e.id
        for e in rows
        if flagged_by_service(e) or getattr(decisions.get(e.id), "decision", "") == CONFIRMED
    ]


def latest_at(e: Enquiry) -> float:
    return e.last_customer_message_at or e.created_at
