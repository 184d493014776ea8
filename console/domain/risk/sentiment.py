"""The sentiment of a customer's message, scored with VADER (vaderSentiment: a lexicon and rules built
for social-media text: capitals, "!!", emoticons, "not good", "but"), and the trend over a conversation.

A score is VADER's compound value, -1 (most negative) to +1 (most positive). Messages are untrusted plain
text of any length: only the first MAX_CHARS characters are scored (a pasted essay must not stall the
queue). Scores are cached by text, since the same text is scored again whenever a row is rebuilt.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

MAX_CHARS = 2_000
NEGATIVE = -0.05  # VADER's own cut-offs for a negative and a positive text
POSITIVE = 0.05
ANGRY = -0.5  # strongly negative: the trend counts it as a fall in its own right
WORSENING = 0.3  # a fall of this much (on the -1..1 scale) from the conversation's start is "worsening"

_lock = threading.Lock()
_analyser: SentimentIntensityAnalyzer | None = None


def _vader() -> SentimentIntensityAnalyzer:
    global _analyser
    with _lock:
        if _analyser is None:
            _analyser = SentimentIntensityAnalyzer()  # reads its lexicon once (~15 ms)
        return _analyser


def prime() -> None:
    """Read the lexicon now (on a worker thread at start-up): the queue's risk column scores the rows
    it paints, and its first paint on the UI thread once read it (~15 ms)."""
    _vader()


@functools.lru_cache(maxsize=65_536)
def score(text: str) -> float:
    """VADER's compound score of one message, -1..1 (0.0 for an empty one)."""
    text = text[:MAX_CHARS].strip()
    if not text:
        return 0.0
    return float(_vader().polarity_scores(text)["compound"])


def words(value: float) -> str:
    """The score in a supervisor's words."""
    if value <= ANGRY:
        return "very negative"
    if value <= NEGATIVE:
        return "negative"
    if value >= POSITIVE:
        return "positive"
    return "neutral"


def worsening(scores: Sequence[float]) -> float | None:
    """How far the customer's mood fell over the conversation, as a positive number, or None when it did
    not worsen (or there are fewer than two messages). The latest message is compared with the best of the
    earlier ones: "thanks!" then "still nothing??" is a fall even if an angrier first message came before."""
    if len(scores) < 2:
        return None
    latest, best = scores[-1], max(scores[:-1])
    fall = best - latest
    if fall >= WORSENING and latest <= NEGATIVE:
        return fall
    return None
