"""A complaint proposed from what a customer wrote, with the words that triggered it.

The proposal is a suggestion for a supervisor, never a decision: it says "this reads like a
complaint, because of these words", and a person confirms or dismisses it (audited). Recall comes first
(console.domain.complaints.lexicon says why). Pure functions on plain text: no I/O, no Qt.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from console.domain.complaints import lexicon

# Words in capitals that are names, not shouting.
_ACRONYMS = frozenset(
    {"CHAPS", "BACS", "FCA", "SVR", "ISA", "ISAS", "ATM", "ATMS", "IBAN", "PIN", "CFPB", "HMRC", "DWP"}
)
_SHOUT = re.compile(r"\b[A-Z]{4,}\b")
_ANY_EMOJI = re.compile("|".join(re.escape(e) for e in lexicon.EMOJI_HINTS))
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


# The regular expression parser of the standard library (re._parser, typed Any: typeshed has no stub for
# it), used to read which literal words each cue cannot match without (its stems).
_sre: Any = importlib.import_module("re._parser")
_MIN_STEM = 2  # a stem shorter than this filters nothing: the cue is always tried


def _stems(pattern: str) -> frozenset[str] | None:
    """Literal texts (case-folded) one of which every match of `pattern` contains; None when there are
    none worth testing. Read from the pattern's parse tree, never guessed from its text."""
    return _seq_stems(_sre.parse(pattern))


def _seq_stems(seq: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
    best: frozenset[str] | None = None

    def better(found: frozenset[str] | None) -> None:
        nonlocal best
        shortest = min(map(len, found)) if found else 0
        if found and shortest >= _MIN_STEM and (best is None or shortest > min(map(len, best))):
            best = found

    run: list[str] = []
    for op, av in seq:
        name = str(op)
        if name == "LITERAL":
            run.append(chr(av))
            continue
        better(frozenset({"".join(run).casefold()}) if run else None)
        run = []
        if name == "SUBPATTERN":
            better(_seq_stems(av[-1]))
        elif name == "BRANCH":
            alternatives = [_seq_stems(alt) for alt in av[1]]
            if all(alternatives):
                better(frozenset().union(*(a for a in alternatives if a)))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and av[0] >= 1:
            better(_seq_stems(av[2]))
    better(frozenset({"".join(run).casefold()}) if run else None)
    return best


@dataclass(frozen=True, slots=True)
class _Cue:
    pattern: re.Pattern[str]
    weight: float
    stems: frozenset[str] | None  # the finder's stems, one of which must be in the text; None: always tried


@dataclass(frozen=True, slots=True)
class _Lexicon:
    calm: tuple[_Cue, ...]
    cues: tuple[_Cue, ...]  # strong, then weak, in the lexicon's order
    finder: re.Pattern[str]  # every stem at every position of the case-folded text, in one scan
    by_stem: dict[str, tuple[int, ...]]  # stem -> the cues (indexes into calm + cues) that need it
    always: tuple[int, ...]  # the cues with no stem

    def chosen(self, present: set[str] | None) -> list[int]:
        """The cues worth trying (indexes into calm + cues, in order): every cue when present is None."""
        if present is None:
            return list(range(len(self.calm) + len(self.cues)))
        out = set(self.always)
        for stem in present:
            out.update(self.by_stem[stem])
        return sorted(out)


@lru_cache(maxsize=8192)
def _plan(present: frozenset[str] | None) -> tuple[tuple[re.Pattern[str], ...], tuple[_Cue, ...]]:
    """The calm phrases and the cues to try, in the lexicon's order, for the stems found (None: all).
    Kept per set of stems: messages share a few thousand sets between them."""
    lex = _compiled()
    n_calm = len(lex.calm)
    chosen = lex.chosen(None if present is None else set(present))
    calm = tuple(lex.calm[i].pattern for i in chosen if i < n_calm)
    return calm, tuple(lex.cues[i - n_calm] for i in chosen if i >= n_calm)


def _trie(words: Iterable[str]) -> str:
    """One alternation of `words` with their common prefixes factored out ("co(?:mplain|st me)"): the re
    engine then tests a few first letters at each position, not every word (six times faster here)."""
    root: dict[str, Any] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alts = ["" if ch == "" else re.escape(ch) + emit(node[ch]) for ch in sorted(node)]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return emit(root)


@lru_cache(maxsize=1)
def _compiled() -> _Lexicon:
    flags = re.IGNORECASE | re.MULTILINE
    raw = [(p, 0.0, True) for p in lexicon.CALM] + [
        (p, w, False) for p, w in lexicon.OUTRIGHT + lexicon.HINTS
    ]
    stems = {p: _stems(p) for p, _, _ in raw}
    every = sorted({x for s in stems.values() if s for x in s})
    # The finder reports one stem per position: keep none that starts with another (the shorter stands
    # for it, so a cue needing the longer is tried a little more often, never less).
    kept = [x for x in every if not any(x != y and x.startswith(y) for y in every)]
    short = {x: next(y for y in kept if x.startswith(y)) for x in every}
    cues = [
        _Cue(
            re.compile(p, flags), w, None if stems[p] is None else frozenset(short[x] for x in stems[p] or ())
        )
        for p, w, _ in raw
    ]
    finder = re.compile("(?=(" + _trie(kept) + "))")
    n_calm = len(lexicon.CALM)
    by_stem: dict[str, list[int]] = {x: [] for x in kept}
    for i, cue in enumerate(cues):
        for x in cue.stems or ():
            by_stem[x].append(i)
    always = tuple(i for i, c in enumerate(cues) if c.stems is None)
    return _Lexicon(
        tuple(cues[:n_calm]), tuple(cues[n_calm:]), finder, {k: tuple(v) for k, v in by_stem.items()}, always
    )


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def _overlaps(found: list[Trigger], start: int, end: int) -> bool:
    return any(t.start < end and start < t.end for t in found)


def propose(text: str) -> Proposal:
    """Whether `text` reads as an expression of dissatisfaction, and the words that say so.

    Each cue counts once; a weak cue overlapping a stronger one found at the same place is not counted
    again. Cues inside a calm phrase ("no complaints, just asking") do not count. One scan of the
    case-folded text finds the cues' stems (literal words a cue cannot match without), and only the cues
    whose stems are there are tried: the same answer as trying every cue, several times faster
    (benchmarks/bench_complaints.py). Callers keep results per message (console.live.complaint_book)."""
    return _judge(text, every_cue=False)


def _judge(text: str, *, every_cue: bool) -> Proposal:
    if not text:
        return NO_PROPOSAL
    text = str(text)[:MAX_TEXT]
    lex = _compiled()
    calm, cues = _plan(None if every_cue else frozenset(lex.finder.findall(text.casefold())))
    calm_spans = [m.span() for p in calm for m in p.finditer(text)]
    found: list[Trigger] = []
    for cue in cues:
        for m in cue.pattern.finditer(text):
            start, end = m.span()
            if start == end or _inside(calm_spans, start, end) or _overlaps(found, start, end):
                continue
            found.append(Trigger(m.group(0), start, end, cue.weight))
            break  # one count per cue
    shouted = [m for m in _SHOUT.finditer(text) if m.group(0) not in _ACRONYMS]
    if shouted and not _overlaps(found, *shouted[0].span()):
        # One shouted word is a hint; a shouted sentence ("ANSWER YOUR PHONES") says it outright.
        last = shouted[-1]
        weight = lexicon.STRONG if len(shouted) > 1 else lexicon.WEAK
        found.append(Trigger(text[shouted[0].start() : last.end()], shouted[0].start(), last.end(), weight))
    if _ANY_EMOJI.search(text) is not None:  # most messages have none: one scan, not one per emoji
        for emoji in lexicon.EMOJI_HINTS:
            at = text.find(emoji)
            if at >= 0:
                found.append(Trigger(emoji, at, at + len(emoji), lexicon.WEAK))
    score = sum(t.weight for t in found)
    ordered = tuple(sorted(found, key=lambda t: (-t.weight, t.start)))
    return Proposal(score >= lexicon.PROPOSE_AT, score, ordered)


def compile_cues() -> None:
    """Compile the cues now (~0.1 s, once): on a worker at start-up, rather than at the first proposal,
    which the queue's flags cell makes on the UI thread while it paints."""
    _compiled()


def propose_every_cue(text: str) -> Proposal:
    """propose() trying every cue on every text (no stems' scan), as it did before: the reference the
    fast path is tested and benchmarked against (tests/core/test_complaints.py, bench_complaints.py)."""
    return _judge(text, every_cue=True)
