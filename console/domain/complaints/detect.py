"""A complaint proposed from what a customer wrote, with the words that triggered it.

The proposal is a suggestion for a supervisor, never a decision: it says "this reads like a
complaint, because of these words", and a person confirms or dismisses it (audited). Recall comes first
(console.domain.complaints.lexicon says why). Pure functions on plain text: no I/O, no Qt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from console.domain.complaints import lexicon

# Words in capitals that are names, not shouting.
_ACRONYMS = frozenset(
    {"CHAPS", "BACS", "FCA", "SVR", "ISA", "ISAS", "ATM", "ATMS", "IBAN", "PIN", "CFPB", "HMRC", "DWP"}
)
_SHOUT = re.compile(r"\b[A-Z]{4,}\b")
MAX_TEXT = 4000  # a longer message is judged on its first 4,000 characters
_Weighted = tuple[tuple[re.Pattern[str], float], ...]


@dataclass(frozen=True, slots=True)
class Trigger:
    """A cue found in the text: the words as written, where they are, and their weight."""

    words: str
    start: int
    end: int
    weight: float


@dataclass(frozen=True, slots=True)
class Proposal:
    """complaint: whether the text is proposed as a complaint; triggers: every cue found, strongest first
    (also when below the bar, so a supervisor can see why it was not proposed); score: their weight."""

    complaint: bool
    score: float
    triggers: tuple[Trigger, ...]

    @property
    def words(self) -> tuple[str, ...]:
        """The trigger words as a person reads them, each once, strongest first."""
        seen: dict[str, None] = {}
        for t in self.triggers:
            seen.setdefault(t.words.strip().casefold(), None)
        return tuple(seen)


NO_PROPOSAL = Proposal(False, 0.0, ())


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[re.Pattern[str], ...], _Weighted, _Weighted]:
    flags = re.IGNORECASE | re.MULTILINE
    calm = tuple(re.compile(p, flags) for p in lexicon.CALM)
    strong = tuple((re.compile(p, flags), w) for p, w in lexicon.OUTRIGHT)
    weak = tuple((re.compile(p, flags), w) for p, w in lexicon.HINTS)
    return calm, strong, weak


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def _overlaps(found: list[Trigger], start: int, end: int) -> bool:
    return any(t.start < end and start < t.end for t in found)


@lru_cache(maxsize=65536)
def propose(text: str) -> Proposal:
    """Whether `text` reads as an expression of dissatisfaction, and the words that say so.

    Each cue counts once; a weak cue overlapping a stronger one found at the same place is not counted
    again. Cues inside a calm phrase ("no complaints, just asking") do not count. About 5,000 messages a
    second on one core (benchmarks/bench_complaints.py), so results are kept per text: a queue asking
    again on every change or tick pays once."""
    if not text:
        return NO_PROPOSAL
    text = str(text)[:MAX_TEXT]
    calm, strong, weak = _compiled()
    calm_spans = [m.span() for p in calm for m in p.finditer(text)]
    found: list[Trigger] = []
    for patterns in (strong, weak):
        for pattern, weight in patterns:
            for m in pattern.finditer(text):
                start, end = m.span()
                if start == end or _inside(calm_spans, start, end) or _overlaps(found, start, end):
                    continue
                found.append(Trigger(m.group(0), start, end, weight))
                break  # one count per cue
    shouted = [m for m in _SHOUT.finditer(text) if m.group(0) not in _ACRONYMS]
    if shouted and not _overlaps(found, *shouted[0].span()):
        # One shouted word is a hint; a shouted sentence ("ANSWER YOUR PHONES") says it outright.
        last = shouted[-1]
        weight = lexicon.STRONG if len(shouted) > 1 else lexicon.WEAK
        found.append(Trigger(text[shouted[0].start() : last.end()], shouted[0].start(), last.end(), weight))
    for emoji in lexicon.EMOJI_HINTS:
        at = text.find(emoji)
        if at >= 0:
            found.append(Trigger(emoji, at, at + len(emoji), lexicon.WEAK))
    score = sum(t.weight for t in found)
    ordered = tuple(sorted(found, key=lambda t: (-t.weight, t.start)))
    return Proposal(score >= lexicon.PROPOSE_AT, score, ordered)
