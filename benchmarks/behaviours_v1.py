# The reply-behaviour rules as they were before issue 17 item 1 (main at 1901b0f), frozen so that
# benchmarks/bench_behaviours.py shows old and new side by side in one run. Not used by the console.
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

# Thanking the customer: "thanks for ...", "thank you", "cheers", "ta", "appreciate ...".
_THANKS = re.compile(
    r"\b(thank\s*(you|u)\b|thanks\b(?!\s+to\b)|many\s+thanks|cheers\b|ta\b(?=\s+for|\s*[!.])"
    r"|(?<!would\s)(?<!'d\s)appreciated?\b)",
    re.IGNORECASE,
)
# Thanks that is not thanking the customer: "thanks to X", "don't thank me", "thanks for nothing".
_NOT_THANKS = re.compile(
    r"\b(thanks\s+to\b|(don'?t|do\s+not|no\s+need\s+to)\s+thank\b|thanks\s+for\s+nothing\b)", re.IGNORECASE
)
# Offering more help: anything else / further / more, other questions, "here if you need us".
_MORE_HELP = re.compile(
    r"\b(anything\s+(else|further|more)\b|something\s+else\b"
    r"|(any|other)\s+(other\s+|more\s+)?(questions|queries|problems|issues)\b"
    r"|(need|want)\s+(any\s+)?(more|further)\s+help\b|more\s+help\b|(happy|glad)\s+to\s+help\s+(further|more|again)\b"
    r"|help\s+(further|more|again)\s+(if|with|any)\b"
    r"|(a\s+)?(message|shout|call|click)\s+away\b"
    r"|(here|around)\s+(to\s+help|if\s+you\s+need)\b"
    r"|if\s+you\s+need\s+(us|anything|help|more)\b"
    r"|(come\s+back|get\s+back)\s+to\s+us\s+if\b"
    r"|let\s+(us|me)\s+know\s+if\s+(there'?s|you\s+need|we\s+can|i\s+can)\b)",
    re.IGNORECASE,
)
_NOT_MORE_HELP = re.compile(r"\banything\s+else\s+you\s+(sent|posted|shared)\b", re.IGNORECASE)
# Offering another product: a product word and an offering turn in one sentence.
_PRODUCT = re.compile(
    r"\b(saver|savings?(\s+(account|pot))?|pots?|isas?|bonds?|credit\s+cards?|cashback|balance\s+transfer"
    r"|overdraft|insurance|travel\s+money|budgeting\s+tools?|round-?ups?|club\s+account|current\s+account"
    r"|rewards?|loans?|mortgages?|premier(\s+account)?|packaged\s+account)\b",
    re.IGNORECASE,
)
_OFFERING = re.compile(
    r"\b((might|may|could|would)\s+(find|like|want|suit|be\s+worth|also\s+(switch|open|set|look|try|use))"
    r"|(could|might|may|can)\s+(help|save|cut)\s+you"
    r"|(could|might|may)\s+(help|save|cut)\b"
    r"|have\s+you\s+(seen|thought\s+about|considered|tried|heard)|worth\s+(a\s+look|checking|considering)"
    r"|check\s+out|take\s+a\s+look\s+at|we\s+also\s+offer|fancy\s+a\s+look|while\s+you'?re\s+here"
    r"|you\s+could\s+(also\s+)?(switch|open|set\s+up|look\s+at|try|use)|if\s+it\s+helps"
    r"|if\s+you'?re\s+(saving|looking|planning)|pays\s+[\d.]+\s*%|a\s+quote\b|happy\s+to\s+send\s+details"
    r"|did\s+you\s+know|(you'?re|you\s+are)\s+(now\s+)?eligible|(want|like)\s+(me|us)\s+to\s+send\s+(you\s+)?"
    r"(the\s+)?details|would\s+you\s+like\s+to\s+(hear|know|see|apply|open|switch))",
    re.IGNORECASE,
)
# Sending the customer elsewhere for the answer: a phone call, a branch, an email address, a partner.
_REDIRECT = re.compile(
    r"\b(call\s+(us|our|the)\b|can\s+you\s+call\b|give\s+us\s+a\s+(ring|call)|ring\s+(us|the\s+number)"
    r"|needs\s+a\s+(phone\s+)?call|(over|on|by)\s+the\s+phone|by\s+(phone|post|letter|email)\b"
    r"|(call|ring|phone)\s+you\b|write\s+to\s+us\b|(phone|payments|helpline|business)\s+line\b"
    r"|(visit|pop\s+into|go\s+to|head\s+to|come\s+into|bring|take|drop)\b[^.!?]*\b(a|any|your|the)\s+"
    r"(nearest\s+|local\s+)?branch\b"
    r"|(in|at)\s+(a|your|any)\s+branch\s+with"
    r"|email\s+(us\s+at\s+)?\S+@\S+|\S+@\S+\s+and\s+the\s+team|email\s+(your|the|us)\b[^.!?]*@)",
    re.IGNORECASE,
)
# Asking for account details: a request near an account detail.
_DETAIL = (
    r"(sort\s*code|account\s+(number|details)|card\s+number|long\s+(card\s+)?number|date\s+of\s+birth|postcode"
    r"|(?<!email\s)address|pin|password|last\s+\d+\s+digits|security\s+(answers|details))"
)
_ASK = re.compile(
    r"\b(can|could|would)\s+you\s+(reply|post|tell|confirm|send|give|share|provide)\b[^.!?]*\b"
    + _DETAIL
    + r"|\b(please\s+)?(tell|send|give|post)\s+us\b[^.!?]*\b"
    + _DETAIL
    + r"|\b(reply|post)\s+(here\s+)?with\b[^.!?]*\b"
    + _DETAIL
    + r"|\b(please\s+)?confirm\b[^.!?]*\b"
    + _DETAIL
    + r"|\bwhat'?s\s+(your|the)\b[^.!?]*\b"
    + _DETAIL
    + r"|\b(i|we)('ll|\s+will)?\s+need\s+your\b[^.!?]*\b"
    + _DETAIL
    + r"[^.!?]*\b(share|send|post|reply|below|here)\b",
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
    return any(_PRODUCT.search(s) and _OFFERING.search(s) for s in _sentences(text))


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
