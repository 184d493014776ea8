"""An agent's reply made ready for the behaviour rules (console.domain.risk.behaviours): lower case,
straight quotes, shorthand spelled out ("pls", "acct", "thx"), a typo one letter off a known word put
right ("thnaks", "elligible"), the customer's words in quotation marks dropped, and the text cut into
sentences. The words come from replies.toml, beside this module.

A typo is put right only towards a word of the vocabulary, only in words of five letters or more, and a
wrong letter only in words of seven letters or more: "saved" never becomes "saver", "than" never "thank"."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

WORDS_FILE = Path(__file__).with_name("replies.toml")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
# The customer's words quoted back: "...", or '...' opened at the start of a word and closed at its end.
_QUOTED = re.compile(r"\"[^\"]{1,200}\"|(?<![\w])'[^'\n]{1,200}'(?![\w])")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CLAUSE = re.compile(r"[,;:\u2013\u2014]|\s-\s")  # a negation's reach ends at a clause's edge
_TOKEN = re.compile(r"[a-z][a-z'.]*[a-z]|[a-z]")


def compile_any(patterns: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching any of them, each as whole words (no letter or digit right before or after)."""
    alternatives = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(rf"(?<![\w])(?:{alternatives})(?![\w])")


def _one_off(word: str, *, swap: bool) -> set[str]:
    """Every string one letter off `word` before its last letter: a letter missing, extra or two swapped;
    and, when `swap`, one letter wrong."""
    # Never at the end: a letter missing or extra there is another form of the word ("saving", "offers").
    splits = [(word[:i], word[i:]) for i in range(len(word))]
    out = {a + b[1:] for a, b in splits if len(b) > 1}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    if swap:
        out |= {a + c + b[1:] for a, b in splits for c in _LETTERS}
    return out


def _typo_table(vocabulary: Sequence[str], known: set[str]) -> dict[str, str]:
    """Misspelling -> word, for misspellings of five letters or more that are not themselves a known word
    and not one letter off two different words (then which was meant is unknown)."""
    found: dict[str, set[str]] = {}
    for word in vocabulary:
        for slip in _one_off(word, swap=len(word) >= 7):
            if len(slip) >= 5 and slip not in known:
                found.setdefault(slip, set()).add(word)
    return {slip: next(iter(words)) for slip, words in found.items() if len(words) == 1}


@dataclass(frozen=True, slots=True)
class Wording:
    shorthand: Mapping[str, str]
    typos: Mapping[str, str]
    negation: re.Pattern[str]  # a negation at the end of the words before a cue

    def normalise(self, text: str) -> str:
        text = text.translate(_QUOTES).lower()
        text = _QUOTED.sub(" ", text)
        text = text.replace("w/", "with ").replace(" & ", " and ").replace(" + ", " and ")

        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            return self.shorthand.get(word) or self.typos.get(word) or word

        return _TOKEN.sub(fix, text)

    def sentences(self, text: str) -> list[str]:
        """The normalised text cut into sentences."""
        return [s.strip() for s in _SENTENCE.split(self.normalise(text)) if s.strip()]

    def negated(self, sentence: str, start: int) -> bool:
        """Whether the four words before `start` end in a negation ("we can't offer", "no need to call")."""
        near = _CLAUSE.split(sentence[max(0, start - 60) : start])[-1]  # not across a comma or a dash
        before = " ".join(near.split()[-4:])
        return self.negation.search(before) is not None


def table(doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = doc.get(key)
    if not isinstance(value, dict):
        raise ValueError(f"{WORDS_FILE.name}: [{key}] is missing")
    return value


def strings(section: Mapping[str, Any], key: str) -> list[str]:
    value = section.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{WORDS_FILE.name}: {key} must be a list of strings")
    return value


@lru_cache(maxsize=1)
def words_doc() -> Mapping[str, Any]:
    """replies.toml, read once."""
    return tomllib.loads(WORDS_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def wording() -> Wording:
    text = table(words_doc(), "text")
    shorthand = {str(k): str(v) for k, v in table(text, "shorthand").items()}
    vocabulary = strings(text, "vocabulary")
    known = set(vocabulary) | set(shorthand) | set(shorthand.values()) | set(strings(text, "ordinary"))
    return Wording(
        shorthand=shorthand,
        typos=_typo_table(vocabulary, known),
        negation=re.compile(r"(?<![\w])(?:" + "|".join(strings(text, "negators")) + r")(?![\w])"),
    )
