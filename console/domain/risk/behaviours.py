"""What an agent's reply does, in the terms of J.D. Power's social-media study (customers were more
satisfied when the bank thanked them, offered more help, offered other products and replied in the same
channel), plus one thing it must never do: ask for account details in a public post.

Rules over the reply's sentences, with their words kept as data (replies.toml: the cues, the product
vocabulary, the negations and the traps) and the reply normalised first (console.domain.risk.wording:
shorthand, typos, quoted customer words). Each rule is a cue that is not negated ("we can't offer", "no
need to call us") and not a trap ("thanks to the update"); offering a product takes a product word and an
offering turn, or a pitch for one ("our Regular Saver pays 6%"); asking for account details takes a
detail and a request, neither in a DM nor a warning ("never post your card number").

Checked on three labelled corpora (tests/data/agent_replies_*.jsonl: the one the first rules were tuned
on, a blind one written before these rules, and a fresh one written after them and never tuned on);
benchmarks/bench_behaviours.py prints precision and recall on each. Whether the reply was in the
customer's channel is computed from the channel history (console.domain.risk.continuity), with the
reply's words only telling whether it sends the customer somewhere else for the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from console.domain.privacy.detect import find_pii
from console.domain.risk.wording import Wording, compile_any, strings, table, wording, words_doc

_CONTACT = frozenset({"phone", "email"})


@dataclass(frozen=True, slots=True)
class _Rule:
    """Cues that count unless negated, after the `traps` are blanked out."""

    cues: re.Pattern[str]
    traps: re.Pattern[str] | None

    def found(self, w: Wording, sentence: str) -> bool:
        if self.traps is not None:
            sentence = self.traps.sub(lambda m: " " * len(m.group(0)), sentence)
        return any(not w.negated(sentence, m.start()) for m in self.cues.finditer(sentence))


@dataclass(frozen=True, slots=True)
class _Rules:
    thanks: _Rule
    more: _Rule
    help_offer: re.Pattern[str]
    help_alone: _Rule
    products: re.Pattern[str]
    offers: _Rule
    pitch: re.Pattern[str]
    elsewhere: _Rule
    details: re.Pattern[str]
    asks: re.Pattern[str]
    private: re.Pattern[str]
    warnings: re.Pattern[str]


def _rule(section: str, cues: str, traps: str = "not") -> _Rule:
    s = table(words_doc(), section)
    blank = strings(s, traps)
    return _Rule(compile_any(strings(s, cues)), compile_any(blank) if blank else None)


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    doc = words_doc()
    help_, products, details = (table(doc, k) for k in ("offered_more_help", "offered_products", "details"))
    return _Rules(
        thanks=_rule("thanked", "cues"),
        more=_rule("offered_more_help", "more"),
        help_offer=compile_any(strings(help_, "offer")),
        help_alone=_rule("offered_more_help", "alone"),
        products=compile_any(strings(products, "products")),
        offers=_rule("offered_products", "offers"),
        pitch=compile_any(strings(products, "pitch")),
        elsewhere=_rule("same_channel", "elsewhere"),
        details=compile_any(strings(details, "details")),
        asks=compile_any(strings(details, "asks")),
        private=compile_any(strings(details, "private")),
        warnings=compile_any(strings(details, "warnings")),
    )


# A product the customer has: "your ISA", "the loan" (one already talked about), but not "the new Saver".
_OURS = re.compile(r"(?<![\w])((your|my|his|her|their)\s+(\w+\s+)?|the\s+(?!new\s|latest\s))$")
_OUR = re.compile(r"(?<![\w])our\s")


def _sentences(text: str) -> list[str]:
    return wording().sentences(text)


def _thanked(sentences: list[str]) -> bool:
    w, r = wording(), _rules()
    return any(r.thanks.found(w, s) for s in sentences)


def _offered_more_help(sentences: list[str]) -> bool:
    w, r = wording(), _rules()
    for s in sentences:
        if r.help_alone.found(w, s):
            return True
        if r.more.found(w, s) and (r.help_offer.search(s) or s.endswith("?") or len(s.split()) <= 4):
            return True
    return False


def _new_product(r: _Rules, sentence: str) -> bool:
    """A product named that the customer does not already have ("our ISA", "a Cash ISA", not "your ISA" nor
    "the loan")."""
    return any(_OURS.search(sentence[: m.start()]) is None for m in r.products.finditer(sentence))


def _teaser_after(w: Wording, r: _Rules, after: list[str]) -> bool:
    """The offering turn as a short question or exclamation of its own after the product: "A Lifetime ISA
    adds a 25% bonus. Worth a look!", "... Want the details?"."""
    return any(
        s[-1:] in "?!" and len(s.split()) <= 8 and not r.products.search(s) and r.offers.found(w, s)
        for s in after
    )


def _pitched(w: Wording, r: _Rules, s: str) -> bool:
    """Our product with what it pays or gives, not withdrawn ("closed to new customers")."""
    if _OUR.search(s) is None or (r.offers.traps is not None and r.offers.traps.search(s)):
        return False
    return any(not w.negated(s, m.start()) for m in r.pitch.finditer(s))


def _offered_products(sentences: list[str]) -> bool:
    w, r = wording(), _rules()
    for i, s in enumerate(sentences):
        if not _new_product(r, s):
            continue
        if r.offers.found(w, s) or _teaser_after(w, r, sentences[i + 1 : i + 2]) or _pitched(w, r, s):
            return True
    return False


def _sends_elsewhere(text: str, sentences: list[str]) -> bool:
    w, r = wording(), _rules()
    if any(r.elsewhere.found(w, s) for s in sentences):
        return True
    return any(kind in _CONTACT for _, _, kind in find_pii(text))


def _asks_account_details(sentences: list[str]) -> bool:
    r = _rules()
    return any(
        r.details.search(s) and r.asks.search(s) and not r.private.search(s) and not r.warnings.search(s)
        for s in sentences
    )


def thanked(text: str) -> bool:
    return _thanked(_sentences(text))


def offered_more_help(text: str) -> bool:
    """Another question invited ("anything else? just shout"), or help offered for later ("we're here if
    you need us"): a "more" word with a way to ask, or as a question of its own."""
    return _offered_more_help(_sentences(text))


def offered_products(text: str) -> bool:
    """A product the customer does not have yet, with an offering turn ("you might be eligible for", "have
    you considered") or a pitch ("our Online Saver is paying 4.3%"), not negated ("we no longer offer")."""
    return _offered_products(_sentences(text))


def sends_elsewhere(text: str) -> bool:
    """The reply sends the customer to the phone, a branch, a letter or e-mail for the answer: in words,
    or by giving a phone number or an e-mail address."""
    return _sends_elsewhere(text, _sentences(text))


def asks_account_details(text: str) -> bool:
    """The reply asks the customer to write account details in THIS conversation (not in a DM): a detail
    and a request in one sentence, neither sent to a DM nor a warning ("never post your card number")."""
    return _asks_account_details(_sentences(text))


def same_platform(a: str, b: str) -> bool:
    """Two channels are the customer's same channel: one platform, whether public post or private message
    (moving a bank detail conversation to a DM on the same platform is good practice, not a change)."""
    return a.strip().casefold() == b.strip().casefold()


@dataclass(frozen=True, slots=True)
class Behaviours:
    """What one reply did. same_channel is None when the customer's channel is not known."""

    same_channel: bool | None
    thanked: bool
    offered_more_help: bool
    offered_products: bool
    asks_account_details_in_public: bool


def detect(
    text: str, *, reply_channel: str, reply_visibility: str, customer_channel: str | None
) -> Behaviours:
    """One reply's behaviours. customer_channel is the channel of the customer message it answers (from
    the conversation's channel history); reply_* are where the reply itself was sent."""
    sentences = _sentences(text)  # normalised once for the five rules
    same: bool | None = None
    if customer_channel is not None:
        same = same_platform(reply_channel, customer_channel) and not _sends_elsewhere(text, sentences)
    public = reply_visibility.strip().casefold() == "public"
    return Behaviours(
        same_channel=same,
        thanked=_thanked(sentences),
        offered_more_help=_offered_more_help(sentences),
        offered_products=_offered_products(sentences),
        asks_account_details_in_public=public and _asks_account_details(sentences),
    )
