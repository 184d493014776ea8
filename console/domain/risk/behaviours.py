"""What an agent's reply does, in the terms of J.D. Power's social-media study (customers were more
satisfied when the bank thanked them, offered more help, offered other products and replied in the same
channel), plus one thing it must never do: ask for account details in a public post.

Rules over the reply's sentences, with their words kept as data (replies.toml: the cues, the product
vocabulary, the negations and the traps) and the reply normalised first (console.domain.risk.wording:
shorthand, typos, quoted customer words). Each rule is a cue that is not negated ("we can't offer", "no
need to call us") and not a trap ("thanks to the update"). Offering a product takes a product the
customer does not have yet (a family's head noun with its modifiers: "a 0% balance transfer card", "our
Flex Saver"; not "your ISA", "the loan", "a replacement card") and an offering construction aimed at the
customer ("you could/might", "have you had a look at", "why not", "we also do", "eligible", "many
customers use", the product as the subject of "could help"), or a pitch ("our Regular Saver pays 6%"),
in a sentence that does not withdraw it ("no longer", "we can't offer"). Asking for account details
takes a detail and a request, neither in a DM nor a warning ("never post your card number").

Checked on seven labelled corpora (tests/data/agent_replies_*.jsonl): tuned, blind, fresh, round3,
round4 and round5, all tuned on, and unseen, written by another author who never saw the rules and
never read by whoever tunes them; benchmarks/bench_behaviours.py prints precision and recall on each.
Whether the reply was in the customer's channel is computed from the channel history
(console.domain.risk.continuity), with the reply's words only telling whether it sends the customer
somewhere else for the answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from console.domain.privacy.detect import find_pii
from console.domain.risk.wording import Wording, compile_any, strings, table, wording, words_doc

_CONTACT = frozenset({"phone", "email"})


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


@dataclass(frozen=True, slots=True)
class _Rule:
    """Cues that count unless negated, after the `traps` are blanked out."""

    cues: re.Pattern[str]
    traps: re.Pattern[str] | None

    def found(self, w: Wording, sentence: str) -> bool:
        if self.cues.search(sentence) is None:  # most sentences: no cue, no traps to blank
            return False
        if self.traps is not None:
            sentence = self.traps.sub(_blank, sentence)
        return any(not w.negated(sentence, m.start()) for m in self.cues.finditer(sentence))


@dataclass(frozen=True, slots=True)
class _Rules:
    thanks: _Rule
    more: _Rule
    help_offer: re.Pattern[str]
    help_alone: _Rule
    help_back: _Rule
    help_invite: re.Pattern[str]
    products: re.Pattern[str]
    heads: re.Pattern[str]  # the head nouns alone: a cheap first look before `products`
    offers: _Rule
    teasers: re.Pattern[str]
    pitch: re.Pattern[str]
    withdrawn: re.Pattern[str]
    elsewhere: _Rule
    details: re.Pattern[str]
    asks: re.Pattern[str]
    private: re.Pattern[str]
    warnings: re.Pattern[str]


def _rule(section: str, cues: str, traps: str = "not") -> _Rule:
    s = table(words_doc(), section)
    blank = strings(s, traps)
    return _Rule(compile_any(strings(s, cues)), compile_any(blank) if blank else None)


# What follows a product word when it names something else: "the loan application", "card number".
_NOT_A_PRODUCT_AFTER = (
    r"(?!\s+(number|numbers|statement|statements|payment|payments|fee|fees|renewal|documents|details"
    r"|application|applications|reference|supplier|pin|repayments?|balance|transfer\s+form"
    r"|team|teams|department|colleagues|specialists?|experts?)(?![\w]))"
)


def _product_pattern(products: Mapping[str, object]) -> re.Pattern[str]:
    """The product vocabulary as one pattern: up to three modifiers and a head noun; a weak head needs a
    modifier or "our" before it ("a travel card", "our Flex account", not "a new card")."""
    mods = "|".join(strings(products, "modifiers"))
    strong, weak = ("|".join(strings(products, k)) for k in ("strong_heads", "weak_heads"))
    m = rf"(?:(?:{mods})[\s-]+)"
    # "our Instant International Payments option", not "our payment provider affecting some card"
    between = r"(?!(?:some|any|the|an?|of|for|to|in|on|at|with|and|or|is|are)\s)"
    named = rf"(?<=our\s)(?:{between}[\w'%-]+\s+){{0,4}}"
    return compile_any(
        [
            rf"{m}{{0,3}}(?:{strong}){_NOT_A_PRODUCT_AFTER}",
            rf"(?:{m}{{1,3}}|{named})(?:{weak}){_NOT_A_PRODUCT_AFTER}",
        ]
    )


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    doc = words_doc()
    help_, products, details = (table(doc, k) for k in ("offered_more_help", "offered_products", "details"))
    return _Rules(
        thanks=_rule("thanked", "cues"),
        more=_rule("offered_more_help", "more"),
        help_offer=compile_any(strings(help_, "offer")),
        help_alone=_rule("offered_more_help", "alone"),
        help_back=_rule("offered_more_help", "back"),
        help_invite=compile_any(strings(help_, "invite")),
        products=_product_pattern(products),
        heads=re.compile("|".join(strings(products, "strong_heads") + strings(products, "weak_heads"))),
        offers=_Rule(compile_any(strings(products, "offers")), None),
        teasers=compile_any(strings(products, "teasers")),
        pitch=compile_any(strings(products, "pitch")),
        withdrawn=compile_any(strings(products, "not")),
        elsewhere=_rule("same_channel", "elsewhere"),
        details=compile_any(strings(details, "details")),
        asks=compile_any(strings(details, "asks")),
        private=compile_any(strings(details, "private")),
        warnings=compile_any(strings(details, "warnings")),
    )


# A product the customer has: "your ISA", "this loan", "the loan" (one already talked about), but not
# "the new Saver".
_OURS = re.compile(
    r"(?<![\w])((your|my|his|her|their|its|this|that|these|those|existing|same|old)\s+(\w+\s+)?"
    r"|(replacement|spare|lost|stolen|expired|blocked|frozen|cancelled|closed)\s+"
    r"|the\s+(?!new\s|latest\s))$"
)
# A product we sell: "our ...", or "a ..." opening the sentence ("A Lifetime ISA adds a 25% bonus", "Tip: a
# Cash ISA ...").
_OUR = re.compile(r"((?<![\w])our|(^|[:-]\s*)an?)\s+$")
_ANY_OUR = re.compile(r"(?<![\w])(our|an?)\s+$")  # after a question to the customer: "pop a Travel Notice on"


def _sentences(text: str) -> list[str]:
    return wording().sentences(text)


def _thanked(sentences: list[str]) -> bool:
    w, r = wording(), _rules()
    return any(r.thanks.found(w, s) for s in sentences)


def _offered_more_help(sentences: list[str]) -> bool:
    w, r = wording(), _rules()
    for i, s in enumerate(sentences):
        if r.help_alone.found(w, s):
            return True
        if r.help_back.found(w, s) and not _new_products(r, s):
            return True
        # "Still playing up? Reply here and we'll dig in.": a way back after a short question.
        before = sentences[i - 1] if i else ""
        invited = r.help_invite.search(s) and before.endswith("?") and len(before.split()) <= 10
        asked = r.details.search(s) or r.details.search(before)  # "what's your sort code? reply here"
        if invited and not (asked or _new_products(r, s) or _new_products(r, before)):
            return True
        if r.more.found(w, s) and (r.help_offer.search(s) or s.endswith("?") or len(s.split()) <= 4):
            return True
    return False


def _new_products(r: _Rules, sentence: str) -> list[re.Match[str]]:
    """Products named that the customer does not already have ("our ISA", "a Cash ISA", not "your ISA"
    nor "the loan")."""
    if r.heads.search(sentence) is None:
        return []
    return [
        m
        for m in r.products.finditer(sentence)
        if _OURS.search(sentence[: m.start()]) is None and not sentence[: m.start()].endswith("/")
    ]  # a product word in a web address ("example.com/help/isas") is a help page, not an offer


def _teaser(w: Wording, r: _Rules, s: str) -> bool:
    """The offering turn as a short sentence of its own after the product: "A Lifetime ISA adds a 25%
    bonus. Worth a look!", "... Want the details?", "... We can arrange a quote." But not an offer of
    more help ("Anything else we can help with?")."""
    if len(s.split()) > 12 or r.products.search(s) or r.more.found(w, s):
        return False
    if r.offers.found(w, s):
        return True
    return (
        s[-1:] in "?!"
        and len(s.split()) <= 8
        and any(not w.negated(s, m.start()) for m in r.teasers.finditer(s))
    )


# The product as the subject of what it could do: "a credit card could help", "our Money Manager tool
# might stop this".
_MODAL_AFTER = re.compile(r"\s+(?:[\w'-]+\s+){0,2}?(?:could|might|may|would)\s+(?!not\s|never\s|have\s)")


def _modal_after(s: str, found: list[re.Match[str]]) -> bool:
    return any(_MODAL_AFTER.match(s, m.end()) for m in found)


# A feature described where it lives: "Bill Calendar in the app shows every upcoming payment".
_IN_APP = re.compile(
    r"\s+(?:in|on)\s+(?:the|our)\s+app\s+(?:lets|shows|gives|can|will|warns|keeps|helps|saves|gets|flags|sends)\b"
)


def _pitched(w: Wording, r: _Rules, s: str, found: list[re.Match[str]]) -> bool:
    """Our product (or "a ...") with what it pays or gives, or a feature with what it does in the app."""
    if any(_IN_APP.match(s, m.end()) for m in found):
        return True
    if not any(_OUR.search(s[: m.start()]) for m in found):
        return False
    return any(not w.negated(s, m.start()) for m in r.pitch.finditer(s))


def _withdrawn(r: _Rules, s: str, m: re.Match[str]) -> bool:
    """Withdrawn or refused in the product's own clause: "we don't do pet cover, but our Travel
    Insurance covers pets" still offers the Travel Insurance."""
    but = s.rfind(" but ", 0, m.start())
    return r.withdrawn.search(s, but + 1 if but >= 0 else 0) is not None


def _offered_products(sentences: list[str]) -> bool:
    w, r = wording(), _rules()
    for i, s in enumerate(sentences):
        found = [m for m in _new_products(r, s) if not _withdrawn(r, s, m)]
        if not found:
            continue
        if r.offers.found(w, s) or _pitched(w, r, s, found):
            return True
        if _modal_after(s, found) or any(_teaser(w, r, t) for t in sentences[i + 1 : i + 2]):
            return True
        # "Saving for your wee one? Our Junior Saver ...": a question aimed at the customer, then ours.
        before = sentences[i - 1 : i]
        if (
            before
            and before[0].endswith("?")
            and len(before[0].split()) <= 8
            and _ANY_OUR.search(s[: found[0].start()])
        ):
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


@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[bool, bool, bool, bool, bool]:
    """What the words alone say: sends elsewhere, thanked, more help, products, asks for details. Kept
    per text: agents' canned replies (macros) come back thousands of times in a shift's report."""
    sentences = _sentences(text)  # normalised once for the five rules
    return (
        _sends_elsewhere(text, sentences),
        _thanked(sentences),
        _offered_more_help(sentences),
        _offered_products(sentences),
        _asks_account_details(sentences),
    )


def forget_words() -> None:
    """Drop the texts kept (benchmarks/bench_behaviours.py times the rules, not the memo)."""
    _words.cache_clear()


def detect(
    text: str, *, reply_channel: str, reply_visibility: str, customer_channel: str | None
) -> Behaviours:
    """One reply's behaviours. customer_channel is the channel of the customer message it answers (from
    the conversation's channel history); reply_* are where the reply itself was sent."""
    elsewhere, thanked_, more, products, asks = _words(text)
    same: bool | None = None
    if customer_channel is not None:
        same = same_platform(reply_channel, customer_channel) and not elsewhere
    public = reply_visibility.strip().casefold() == "public"
    return Behaviours(
        same_channel=same,
        thanked=thanked_,
        offered_more_help=more,
        offered_products=products,
        asks_account_details_in_public=public and asks,
    )
