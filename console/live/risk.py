"""The escalation-risk score of every open enquiry, from what the console knows (console.domain.risk):
the clock state (console.sla), the bounces, the visibility and flags on the enquiry, the sentiment of the
customer's messages and the customer's earlier contacts.

A RiskBook is an immutable snapshot: a worker thread may score with one while the UI thread makes the
next (with_enquiries, with_messages return a new book; they copy only what changes). The customer's
messages are known for conversations in the cache; otherwise the enquiry's latest customer message
(Enquiry.text) is the one message scored, so the trend needs a fetched conversation, and the latest
message always counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from console.domain.model import Enquiry, Message
from console.domain.risk import sentiment
from console.domain.risk.contacts import earlier, handle_key
from console.domain.risk.score import Risk, Signals, assess_facts

Trail = tuple[tuple[float, float], ...]  # (sent_at, VADER compound) of each customer message, oldest first


def all_contacts(
    open_rows: Iterable[Enquiry], closed: Iterable[tuple[str, float]]
) -> list[tuple[str, float]]:
    """(handle, created_at) of every cached enquiry, for RiskBook.build: the open ones' from the rows
    already read (the book then shares their strings and times), the closed ones' as the cache gave them
    (StoreReader.risk_contacts(closed_only=True))."""
    return [*((e.customer_handle, e.created_at) for e in open_rows), *closed]


class RiskBook:
    def __init__(
        self,
        contacts: Mapping[str, tuple[float, ...]] | None = None,
        trails: Mapping[str, Trail] | None = None,
        latest: Mapping[str, float] | None = None,
    ) -> None:
        self._contacts: Mapping[str, tuple[float, ...]] = contacts or {}  # handle key -> sorted created_at
        self._trails: Mapping[str, Trail] = trails or {}
        # an open enquiry's latest customer message -> its score, scored where the book was built (a
        # worker: VADER takes ~50 us a message, seconds for 100k rows that the UI thread must not spend).
        # By text, not by enquiry: no (text, score) pair kept per row, and a text is scored once.
        self._latest: Mapping[str, float] = latest or {}
        # What changed from the book this one was made from (with_enquiries, with_messages): the
        # handles whose contacts and the enquiries whose conversation it adds. None: made afresh.
        self.parent: RiskBook | None = None
        self.touched_handles: frozenset[str] = frozenset()
        self.touched_ids: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        contacts: Iterable[tuple[str, float]],
        customer_messages: Iterable[tuple[str, float, str]] = (),
        open_rows: Iterable[Enquiry] = (),
    ) -> RiskBook:
        """contacts: (handle, created_at) of every cached enquiry; customer_messages: (enquiry id,
        sent_at, text) of the customer's cached messages; open_rows: the enquiries whose latest message
        is scored now. Scoring messages takes ~50 us each: do it off the UI thread (see scores)."""
        times: dict[str, list[float]] = {}
        for handle, at in contacts:
            if key := handle_key(handle):
                times.setdefault(key, []).append(at)
        trails, latest = cls.scores(customer_messages, open_rows)
        return cls({k: tuple(sorted(v)) for k, v in times.items()}, trails, latest)

    @staticmethod
    def scores(
        customer_messages: Iterable[tuple[str, float, str]], open_rows: Iterable[Enquiry]
    ) -> tuple[dict[str, Trail], dict[str, float]]:
        """The sentiment part of a book, for with_scores: the cached conversations' trails and the
        open enquiries' latest messages, scored (any thread: the book itself is not touched)."""
        trails: dict[str, list[tuple[float, float]]] = {}
        for ident, at, text in customer_messages:
            trails.setdefault(ident, []).append((at, sentiment.score(text)))
        latest = {text: sentiment.score(text) for text in {e.text for e in open_rows if e.text}}
        return {k: tuple(sorted(v)) for k, v in trails.items()}, latest

    def with_scores(self, trails: Mapping[str, Trail], latest: Mapping[str, float]) -> RiskBook:
        """A book that also knows these scores (from scores()). The latest messages' scores are what
        this book would compute itself, only sooner: only the enquiries with a new trail are touched."""
        book = RiskBook(self._contacts, {**self._trails, **trails}, {**self._latest, **latest})
        book.parent = self
        book.touched_ids = frozenset(i for i, t in trails.items() if self._trails.get(i) != t)
        return book

    def with_enquiries(self, enquiries: Iterable[Enquiry]) -> RiskBook:
        """A book that also knows these enquiries' contacts (new ones from a sync)."""
        enquiries = list(enquiries)
        added: dict[str, list[float]] = {}
        for e in enquiries:
            key = handle_key(e.customer_handle)
            known = self._contacts.get(key, ())
            if key and e.created_at not in known:
                added.setdefault(key, list(known)).append(e.created_at)
        if not added:
            return self
        contacts = dict(self._contacts)
        for key, times in added.items():
            contacts[key] = tuple(sorted(set(times)))
        book = RiskBook(contacts, self._trails, self._latest)
        book.parent, book.touched_handles = self, frozenset(e.customer_handle for e in enquiries)
        return book

    def with_messages(self, enquiry_id: str, messages: Sequence[Message]) -> RiskBook:
        """A book that knows this enquiry's whole conversation."""
        trail = tuple(sorted((m.sent_at, sentiment.score(m.text)) for m in messages if m.direction == "in"))
        if self._trails.get(enquiry_id) == trail:
            return self
        book = RiskBook(self._contacts, {**self._trails, enquiry_id: trail}, self._latest)
        book.parent, book.touched_ids = self, frozenset({enquiry_id})
        return book

    def earlier_contacts(self, e: Enquiry) -> int:
        return earlier(self._contacts.get(handle_key(e.customer_handle), ()), e.created_at)

    def customer_scores(self, e: Enquiry) -> tuple[float, ...]:
        trail = self._trails.get(e.id, ())
        scores = tuple(s for _, s in trail)
        latest_known = trail[-1][0] if trail else None
        newer = e.last_customer_message_at is not None and (
            latest_known is None or e.last_customer_message_at > latest_known
        )
        if e.text and (newer or not trail):  # the latest message, not in the cached conversation yet
            known = self._latest.get(e.text)
            scores = (*scores, sentiment.score(e.text) if known is None else known)
        return scores

    def key(self, e: Enquiry) -> tuple[int, object, object]:
        """What this book adds to an enquiry's risk (~1 us): a cached risk stays right while the key
        and the clock's state stay the same."""
        return (self.earlier_contacts(e), self._trails.get(e.id), self._latest.get(e.text))

    def touches(self, e: Enquiry) -> bool:
        """Whether this book may score e differently from its parent (exact handles: a case variant of
        a handle is re-scored at its next change)."""
        return e.id in self.touched_ids or e.customer_handle in self.touched_handles

    def signals(self, e: Enquiry, sla_state: str | None) -> Signals:
        return Signals(
            sla_state=sla_state,
            bounces=e.bounces,
            customer_scores=self.customer_scores(e),
            public=e.visibility == "public",
            earlier_contacts_7d=self.earlier_contacts(e),
            vulnerable="vulnerable" in e.flags,
        )

    def assess(self, e: Enquiry, sla_state: str | None) -> Risk:
        """assess(self.signals(e, sla_state)), on the queue's hot path (100k rows a sort): the facts
        straight to the cached score."""
        scores = self.customer_scores(e)
        return assess_facts(
            sla_state,
            e.bounces,
            len(scores) > 1 and sentiment.worsening(scores) is not None,
            bool(scores) and scores[-1] <= sentiment.ANGRY,
            e.visibility == "public",
            self.earlier_contacts(e),
            "vulnerable" in e.flags,
        )


EMPTY = RiskBook()


class RiskCache:
    """Risks by enquiry id, kept while the enquiry's version, its clock's state and its book key stay
    the same: for a thread that scores every row again and again (the navigator's counts). Belongs to
    the one thread that uses it."""

    def __init__(self) -> None:
        # (version, clock state, the book's key, flat, then the risk): one tuple a row, not two (~5 MB
        # less at 100k open).
        self._hits: dict[str, tuple[int, str | None, int, object, object, Risk]] = {}

    def risk(self, book: RiskBook, e: Enquiry, sla_state: str | None) -> Risk:
        contacts, trail, latest = book.key(e)
        hit = self._hits.get(e.id)
        if (
            hit is not None
            and hit[0] == e.version
            and hit[1] == sla_state
            and hit[2] == contacts
            and hit[3] == trail
            and hit[4] == latest
        ):
            return hit[5]
        risk = book.assess(e, sla_state)
        self._hits[e.id] = (e.version, sla_state, contacts, trail, latest, risk)
        return risk
