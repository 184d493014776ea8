"""A complaint proposed from the whole conversation: every customer message since the enquiry opened (or
since the last supervisor decision, if any), not only the latest. "Formal complaint" in the first message
followed by "ok thanks" is still a complaint; the supervisor sees the words and which message said them.

A conversation is proposed when one of its messages is (console.domain.complaints.detect.propose): the
bar is the one measured per message on the labelled corpus, so recall and precision keep their figures.
Pure functions on plain text: no I/O, no Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from console.domain.complaints.detect import Proposal, propose


@dataclass(frozen=True, slots=True)
class Heard:
    """One customer message with a cue: its place in the conversation (1: the first), when, and its
    proposal (proposed on its own, or only hints)."""

    number: int
    sent_at: float
    proposal: Proposal


@dataclass(frozen=True, slots=True)
class ConversationProposal:
    """complaint: whether one of the messages read is proposed; heard: the messages with a cue, oldest
    first; messages: how many customer messages were read."""

    complaint: bool
    score: float  # the strongest message's
    heard: tuple[Heard, ...]
    messages: int

    @property
    def source(self) -> Heard | None:
        """The message that proposes it (the strongest; the earliest of equals), else the strongest hint."""
        if not self.heard:
            return None
        return max(self.heard, key=lambda h: (h.proposal.complaint, h.proposal.score, -h.number))

    @property
    def words(self) -> tuple[str, ...]:
        """The trigger words as a person reads them, each once: the proposing messages' first, strongest
        first."""
        seen: dict[str, None] = {}
        ranked = sorted(self.heard, key=lambda h: (not h.proposal.complaint, -h.proposal.score, h.number))
        for h in ranked:
            for w in h.proposal.words:
                seen.setdefault(w, None)
        return tuple(seen)


def combine(heard: Iterable[Heard], messages: int, since: float | None = None) -> ConversationProposal:
    """The proposal of the messages heard (sent after `since`, when given: a supervisor's decision)."""
    kept = tuple(h for h in heard if since is None or h.sent_at > since)
    if not kept:
        return ConversationProposal(False, 0.0, (), messages)
    return ConversationProposal(
        any(h.proposal.complaint for h in kept), max(h.proposal.score for h in kept), kept, messages
    )


def hear(
    messages: Sequence[tuple[float, str]], judge: Callable[[str], Proposal] = propose
) -> tuple[Heard, ...]:
    """The customer messages (sent_at, text), oldest first, that carry a cue. `judge` is propose or a
    memo of it (console.live.complaint_book keeps one, so a message is judged once)."""
    out = []
    for n, (at, text) in enumerate(sorted(messages), start=1):  # by time (then text: ties stay put)
        p = judge(text)
        if p.triggers:
            out.append(Heard(n, at, p))
    return tuple(out)


def read_conversation(
    messages: Sequence[tuple[float, str]], since: float | None = None
) -> ConversationProposal:
    """The proposal of a whole conversation's customer messages (sent_at, text)."""
    return combine(hear(messages), len(messages), since)
