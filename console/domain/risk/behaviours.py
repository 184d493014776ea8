"""What an agent's reply does, in the terms of J.D. Power's social-media study (customers were more
satisfied when the bank thanked them, offered more help, offered other products and replied in the same
channel), plus one thing it must never do: ask for account details in a public post.

Rules over the reply's words, checked against a labelled corpus (tests/data/agent_replies_corpus.jsonl;
benchmarks/bench_behaviours.py prints precision and recall on it and on its held-out part). Each rule
is a few phrase patterns, with the traps the corpus taught us ("thanks to the update" is not thanks,
"no need to thank us" is not thanks). Whether the reply was in the customer's channel is computed from
the channel history (console.domain.risk.continuity), with the reply's words only telling whether it
sends the customer somewhere else for the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Thanking the customer: "thanks for ...", "thank you", "cheers", "ta", "appreciate(d) you/your ...".
_THANKS = re.compile(
    r"\b(thank\s*(you|u)\b|thanks\b(?!\s+to\b)|many\s+thanks|cheers\b|ta\b(?=\s+for|\s*[!.])"
    r"|(we|i)\s+(really\s+)?appreciate\b|appreciate\s+(you|your)\b)",
    re.IGNORECASE,
)
# Thanks that is not thanking the customer: "thanks to X", "don't thank me", "thanks for nothing".
_NOT_THANKS = re.compile(
    r"\b(thanks\s+to\b|(don'?t|do\s+not|no\s+need\s+to)\s+thank\b|thanks\s+for\s+nothing\b)", re.IGNORECASE
)
# Offering more help: anything else / further / more, or "here if you need us".
_MORE_HELP = re.compile(
    r"\b(anything\s+(else|further|more)\b"
    r"|help\s+(with\s+)?(anything|something)\s+(else|further)\b"
    r"|(need|want)\s+(any\s+)?(more|further)\s+help\b|more\s+help\b"
    r"|anything\s+more\s+we\s+can\b"
    r"|(here|around)\s+if\s+you\s+need\s+(us|anything|help)\b"
    r"|(come\s+back|get\s+back)\s+to\s+us\s+if\b)",
    re.IGNORECASE,
)
_NOT_MORE_HELP = re.compile(r"\banything\s+else\s+you\s+(sent|posted|shared)\b", re.IGNORECASE)
# Offering another product: a suggestion verb near a product word.
_PRODUCT_WORDS = (
    r"(saver|savings?\s+account|isa|bond|credit\s+card|cashback|balance\s+transfer|overdraft|insurance"
    r"|travel\s+money|budgeting\s+tools?|round-?ups?|mortgage\s+review|loan\s+offer)"
)
_OFFER = re.compile(
    r"\b(might|may|could|would)\s+(find|like|want|suit|be\s+worth|also)\b[^.!?]*\b"
    + _PRODUCT_WORDS
    + r"|\b(have\s+you\s+seen|worth\s+(a\s+look|checking)|check\s+out|take\s+a\s+look\s+at|we\s+also\s+offer"
    r"|you\s+could\s+(also\s+)?(switch|open|set\s+up|look\s+at|try|use)|if\s+it\s+helps"
    r"|if\s+you'?re\s+(saving|looking)|could\s+be\s+worth|might\s+be\s+worth)\b[^.!?]*\b"
    + _PRODUCT_WORDS
    + r"|\b"
    + _PRODUCT_WORDS
    + r"\b[^.!?]*\b(could|might|may)\s+(be\s+worth|suit|help|save|cut)\b"
    r"|\bquote\b",
    re.IGNORECASE,
)
# Sending the customer elsewhere for the answer: a phone call, a branch, an email address.
_REDIRECT = re.compile(
    r"\b(call\s+us|give\s+us\s+a\s+(ring|call)|ring\s+(us|the\s+number)|needs\s+a\s+(phone\s+)?call"
    r"|over\s+the\s+phone|(visit|pop\s+into|go\s+to|come\s+into)\s+(a|your|the)\s+(local\s+)?branch"
    r"|email\s+(us\s+at\s+)?\S+@\S+|\S+@\S+\s+and\s+the\s+team)\b",
    re.IGNORECASE,
)
# Asking for account details: a request verb near an account detail.
_DETAIL = (
    r"(sort\s*code|account\s+(number|details)|card\s+number|long\s+card\s+number|date\s+of\s+birth|postcode"
    r"|address|pin|password|last\s+\d+\s+digits)"
)
_ASK = re.compile(
    r"\b(can|could|would)\s+you\s+(reply|post|tell|confirm|send|give|share|provide)\b[^.!?]*\b"
    + _DETAIL
    + r"|\b(reply|post)\s+(here\s+)?with\b[^.!?]*\b"
    + _DETAIL
    + r"|\b(please\s+)?confirm\b[^.!?]*\b"
    + _DETAIL
    + r"|\bwhat'?s\s+(your|the)\b[^.!?]*\b"
    + _DETAIL,
    re.IGNORECASE,
)
_PRIVATELY = re.compile(r"\b(dm|direct\s+message|private\s+message|privately|inbox)\b", re.IGNORECASE)
_WARNING = re.compile(r"\b(never|don'?t|do\s+not)\s+(share|post)\b", re.IGNORECASE)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def thanked(text: str) -> bool:
    return any(_THANKS.search(s) and not _NOT_THANKS.search(s) for s in _sentences(text))


def offered_more_help(text: str) -> bool:
    return any(_MORE_HELP.search(s) and not _NOT_MORE_HELP.search(s) for s in _sentences(text))


def offered_products(text: str) -> bool:
    return bool(_OFFER.search(text))


def sends_elsewhere(text: str) -> bool:
    """The reply sends the customer to the phone, a branch or email for the answer."""
    return bool(_REDIRECT.search(text))


def asks_account_details(text: str) -> bool:
    """The reply asks the customer to write account details in THIS conversation (not in a DM)."""
    for s in _sentences(text):
        if _ASK.search(s) and not _PRIVATELY.search(s) and not _WARNING.search(s):
            return True
    return False


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
    same: bool | None = None
    if customer_channel is not None:
        same = same_platform(reply_channel, customer_channel) and not sends_elsewhere(text)
    public = reply_visibility.strip().casefold() == "public"
    return Behaviours(
        same_channel=same,
        thanked=thanked(text),
        offered_more_help=offered_more_help(text),
        offered_products=offered_products(text),
        asks_account_details_in_public=public and asks_account_details(text),
    )
