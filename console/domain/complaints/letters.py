"""Which complaint communication an agent's message is: a summary resolution communication, a holding
reply, a final response, or none (the phrases are data: console.domain.complaints.letter_words).

The regulator's clocks read them (console.sla.complaint_clocks): a complaint resolved within three
business days needs an SRC sent; a payment-services complaint gets 35 business days only with a holding
reply sent within the first 15; a final response stops the final-response clocks. Pure functions on
plain text: no I/O, no Qt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from console.domain.complaints import letter_words as words
from console.domain.complaints.letter_words import FINAL, HOLDING, KIND_WORDS, KINDS, SRC

__all__ = ["FINAL", "HOLDING", "KINDS", "KIND_WORDS", "SRC", "Letter", "letter_kind", "letters_sent"]

MAX_TEXT = 4000  # a longer message is judged on its first 4,000 characters


@dataclass(frozen=True, slots=True)
class Letter:
    """A complaint communication sent to the customer: its kind and when."""

    kind: str  # SRC | HOLDING | FINAL
    sent_at: float


def _one(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@lru_cache(maxsize=1)
def _compiled() -> tuple[re.Pattern[str], tuple[tuple[str, re.Pattern[str]], ...], re.Pattern[str]]:
    quiet = _one(words.NOT_YET + words.NOT_A_LETTER)
    # Holding before SRC: "we haven't been able to resolve your complaint" names a resolution it denies.
    cues = ((FINAL, _one(words.FINAL_CUES)), (HOLDING, _one(words.HOLDING_CUES)), (SRC, _one(words.SRC_CUES)))
    # One scan tells a message with no cue at all (most replies) from the rest.
    anything = _one(words.FINAL_CUES + words.SRC_CUES + words.HOLDING_CUES)
    return quiet, cues, anything


@lru_cache(maxsize=8192)  # agents' canned replies come back thousands of times in a shift's report
def letter_kind(text: str) -> str | None:
    """SRC, HOLDING or FINAL when the message is that communication; None otherwise."""
    if not text:
        return None
    text = text[:MAX_TEXT]
    quiet, cues, anything = _compiled()
    if anything.search(text) is None:
        return None
    hushed = [m.span() for m in quiet.finditer(text)]
    for kind, pattern in cues:
        for m in pattern.finditer(text):
            if not any(a <= m.start() and m.end() <= b for a, b in hushed):
                return kind
    return None


def letters_sent(messages: Iterable[tuple[float, str]]) -> tuple[Letter, ...]:
    """The complaint communications among an agent's messages (sent_at, text), oldest first."""
    found = [Letter(kind, at) for at, text in messages if (kind := letter_kind(text)) is not None]
    return tuple(sorted(found, key=lambda letter: letter.sent_at))
