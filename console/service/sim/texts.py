"""Realistic customer and agent messages for the simulator, drawn from the caller's seeded generator.

Some messages carry personal data (card numbers, sort codes, emails, phone numbers) and some carry
HTML or Qt rich-text markup: both exist to exercise masking and plain-text rendering in the console.
"""

from __future__ import annotations

import random
import string
import zlib
from collections.abc import Callable

from console.domain.complaints.letter_words import FINAL, HOLDING, SRC
from console.service.sim.world import FIRST, LAST

CUSTOMER: dict[str, tuple[str, ...]] = {
    "general": (
        "What time does the {town} branch open on Saturday?",
        "Is the app down? It keeps saying something went wrong",
        "How do I update my address? I moved to {town}",
        "Hi, can someone call me back on {phone} please",
    ),
    "cards": (
        "My card {card} was declined at {shop} again. Can you help?",
        "Card hasn't arrived, it's been two weeks. Email me at {email}",
        "I need to freeze my card, it's {card}",
        "Contactless stopped working on my debit card",
    ),
    "lending": (
        "Applied for a loan of £{amount} last week and heard nothing",
        "Can I overpay my personal loan without a fee?",
        "Why was my credit limit increase refused?",
    ),
    "mortgages": (
        "Our mortgage offer expires Friday and the solicitor still has nothing",
        "Can I port my mortgage if I move to {town}?",
        "My fixed rate ends next month, who do I talk to?",
    ),
    "fraud": (
        "There's a payment of £{amount} to {shop} on my card {card} that I never made!!",
        "Got a text from {phone} saying it's the bank and asking for my PIN. Is this real?",
        "Someone called pretending to be you and I gave them my sort code {sortcode}. What now?",
        "I think my account has been hacked, email changed to {email}",
    ),
    "complaint": (
        "Third time I'm writing. <b>Nobody</b> answers the phone. Formal complaint.",
        "Absolutely disgraceful service at the {town} branch today",
        "You charged me £{amount} in fees without warning. I want it back",
    ),
    "accounts": (
        "Locked out of online banking, my email is {email}",
        "How do I add my partner to the account {sortcode} {account}?",
        "I need a statement for my visa application, urgently",
    ),
    "payments": (
        "Sent £{amount} to sort code {sortcode} account {account} yesterday and it still hasn't arrived",
        "Standing order didn't go out this month",
        "Why is my transfer to {email} pending?",
    ),
}
MARKUP = (
    '<a href="http://secure-login.example/verify">click here</a> to see what you did',
    "<img src=x onerror=alert(1)> still waiting",
    '<font color="red">STILL WAITING</font>',
    "<b>URGENT</b> please reply",
    "<i>hello??</i> <br/>anyone there",
    '<span style="font-size:40pt">HELP</span>',
)
HANDOFF = "Hi {name}, I'm passing this to our {team} team who can help best. They'll be in touch shortly."
AGENT = (
    "Hi {name}, thanks for getting in touch. Could you send us a DM so we can look into this?",
    "Thanks {name}, I'm sorry about this. I've checked and can see what happened.",
    "Thanks for your patience {name}. This is sorted now. Is there anything else we can help with?",
    "Hi {name}, please never share your full card number here. We've hidden your message for safety.",
)
# Complaint communications (FCA DISP 1.5/1.6), in the social-care team's voice: a summary resolution
# communication (SRC) for a complaint resolved within three business days, a holding reply for one that
# takes longer, and a final response. Each is read by console.domain.complaints.letters.letter_kind as its
# kind (tests/core/test_sim_letters.py), so the console's regulator clocks see what the agents sent.
SRC_LETTERS = (
    "Hi {name}, I'm glad we've been able to resolve your complaint today. We've put things right and "
    "apologise for the trouble. If you're unhappy with the outcome, you can refer it to the Financial "
    "Ombudsman Service free of charge within six months.",
    "Thanks {name}. We've refunded the charge and resolved your complaint. If you're not happy with how "
    "we've handled it, you can ask the Financial Ombudsman Service to look into it within six months.",
    "Hi {name}, here's a summary resolution of your complaint: we've corrected the error and your account "
    "is back as it should be. You can contact the Financial Ombudsman Service within six months if you "
    "disagree.",
    "Thanks for bearing with us {name}. We've sorted your complaint and we're sorry it happened. If you're "
    "unhappy with our answer you can refer it to the Financial Ombudsman Service within six months.",
    "Hi {name}, just to confirm we've closed your complaint as resolved. If anything's still not right, "
    "just message us. You can also refer it to the Financial Ombudsman Service within six months.",
)
HOLDING_LETTERS = (
    "Hi {name}, I'm sorry we haven't been able to resolve your complaint yet. We need a little more time to "
    "investigate, and we'll be in touch as soon as we have an answer.",
    "Thanks for your patience {name}. We're still looking into your complaint and it's taking longer than "
    "we'd hoped. We'll send our final response as soon as we can.",
    "Hi {name}, this is a holding response to let you know your complaint is being investigated by our "
    "specialist team. We'll update you within the next two weeks.",
    "{name}, I wanted to explain the delay in dealing with your complaint: we're waiting on information "
    "from another bank. We expect to give you our final response within four weeks.",
    "Hi {name}, we're still investigating what happened and need more time to look into it properly. If "
    "you don't want to wait, you can refer your complaint to the Financial Ombudsman Service now.",
)
FINAL_LETTERS = (
    "Hi {name}, this is our final response to your complaint. We've upheld it, refunded the charges and "
    "added a payment for the trouble caused. If you're unhappy with this, you can refer your complaint to "
    "the Financial Ombudsman Service within six months.",
    "Thanks for bearing with us {name}. Having reviewed everything, our final decision is that the fee was "
    "applied correctly, so we won't be refunding it. If you disagree, you can ask the Financial Ombudsman "
    "Service to review it within six months.",
    "Hi {name}, please treat this as our final response. We've partly upheld your complaint: we're sorry "
    "for the delay and have credited your account. You have six months to refer it to the Financial "
    "Ombudsman Service if you remain unhappy.",
    "{name}, we've finished looking into your complaint. Our final answer is that we should have acted "
    "sooner, so we've put things right and refunded the interest. You can refer this to the Financial "
    "Ombudsman Service within six months.",
)
FOLLOW_UP = (
    "Thanks, sent you a DM",
    "Still not sorted...",
    "OK, what do you need from me?",
    "That worked, thank you!",
    "I've been waiting hours for this",
    "Can you call me instead? {phone}",
)
# A customer chasing a reply that has not come: it must not push the next-response deadline back.
CHASER = ("hello??", "Anyone there?", "Still waiting for a reply...", "Hello? It's been ages")
TOWNS = [
    "Leeds",
    "Manchester",
    "Bristol",
    "Cardiff",
    "Glasgow",
    "Norwich",
    "Derby",
    "Swansea",
    "Belfast",
    "Hull",
]
SHOPS = ["Tesco", "Amazon", "Deliveroo", "Argos", "Boots", "Trainline", "Uber", "Greggs", "ASOS", "Currys"]


def _n(rng: random.Random, n: int) -> int:
    # int(random() * n) is several times cheaper than randrange, and 100k enquiries draw a lot
    return int(rng.random() * n)


def _luhn_card(rng: random.Random) -> str:
    digits = [4, *[_n(rng, 10) for _ in range(14)]]
    total = 0
    for i, d in enumerate(reversed(digits)):
        d = d * 2 if i % 2 == 0 else d
        total += d - 9 if d > 9 else d
    digits.append((10 - total % 10) % 10)
    s = "".join(map(str, digits))
    return " ".join(s[i : i + 4] for i in range(0, 16, 4))


def _email(rng: random.Random) -> str:
    return f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}{_n(rng, 100)}@example.com"


FIELDS: dict[str, Callable[[random.Random], str]] = {
    "card": _luhn_card,
    "sortcode": lambda r: f"{_n(r, 100):02d}-{_n(r, 100):02d}-{_n(r, 100):02d}",
    "account": lambda r: f"{_n(r, 10**8):08d}",
    "email": _email,
    "phone": lambda r: f"07700 900{_n(r, 1000):03d}",
    "amount": lambda r: f"{5 + _n(r, 3000)}.{_n(r, 100):02d}",
    "town": lambda r: r.choice(TOWNS),
    "shop": lambda r: r.choice(SHOPS),
}
_PLACEHOLDERS: dict[str, tuple[str, ...]] = {}


def _fill(template: str, rng: random.Random, **given: str) -> str:
    """The template with each placeholder drawn (only the ones it uses, in order)."""
    names = _PLACEHOLDERS.get(template)
    if names is None:
        names = tuple(f for _, f, _, _ in string.Formatter().parse(template) if f)
        _PLACEHOLDERS[template] = names
    if not names:
        return template
    return template.format(**{n: given[n] if n in given else FIELDS[n](rng) for n in names})


def customer_text(rng: random.Random, topic: str) -> str:
    text = _fill(rng.choice(CUSTOMER.get(topic, CUSTOMER["general"])), rng)
    if rng.random() < 0.06:
        text = f"{text} {rng.choice(MARKUP)}"  # markup the console must show as plain text
    return text


# Angry threads on other topics, not flagged by the bank's systems: the console proposes them as
# complaints from the words (issue 17). Chosen from the enquiry's id, not the seeded generator, so the
# rest of the simulated floor draws exactly what it drew before.
ANGRY: dict[str, tuple[str, ...]] = {
    "general": (
        "App down AGAIN. Third time this week, absolutely useless",
        "been on hold for 50 minutes and got cut off. not good enough",
    ),
    "cards": (
        "Card declined at the till again with money in my account. Embarrassing. Sort it out",
        "Still no replacement card after 3 weeks. Nobody can tell me where it is 😡",
    ),
    "payments": (
        "My rent payment bounced because of YOUR error and now I've got a late fee. Disgraceful",
        "Transfer still hasn't arrived after 5 days. I've had enough of this",
    ),
    "accounts": (
        "You closed my account with no explanation. Unacceptable",
        "Locked out of online banking for the 4th time this month. Fed up",
    ),
    "lending": ("You declined my loan and won't tell me why. Not fair after 12 years with you",),
    "mortgages": ("Mortgage offer expires Friday and nobody has replied for a week. This is a disaster",),
    "fraud": ("Reported fraud a week ago and still no money back. Appalling",),
}
ANGRY_SHARE = 3  # in a hundred enquiries of other topics


def angry_text(ident: str, topic: str) -> str | None:
    """An unflagged angry message for about ANGRY_SHARE% of enquiries (by id), else None."""
    h = zlib.crc32(ident.encode("utf-8"))
    if h % 100 >= ANGRY_SHARE:
        return None
    options = ANGRY.get(topic, ANGRY["general"])
    return options[(h // 100) % len(options)]


def follow_up(rng: random.Random) -> str:
    return _fill(rng.choice(FOLLOW_UP), rng)


def chaser(rng: random.Random) -> str:
    return rng.choice(CHASER)


def agent_text(rng: random.Random, first_name: str, team_name: str = "") -> str:
    """An agent's reply; with team_name, the hand-off message naming the specialist team."""
    if team_name:
        return _fill(HANDOFF, rng, name=first_name, team=team_name)
    return _fill(rng.choice(AGENT), rng, name=first_name)


def customer(rng: random.Random, channel: str) -> tuple[str, str]:
    """(handle, display name) in the style of the channel."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    name = f"{first} {last}"
    if channel == "whatsapp":
        return f"+44 7700 900{_n(rng, 1000):03d}", name
    if channel in ("facebook", "linkedin"):
        return f"{first.lower()}.{last.lower()}.{_n(rng, 1000)}", name
    return f"@{first.lower()}_{last.lower()}{_n(rng, 100)}", name


def letter_text(rng: random.Random, kind: str, first_name: str) -> str:
    """A complaint communication of `kind` (letter_words: SRC, HOLDING or FINAL) to the customer."""
    options = {SRC: SRC_LETTERS, HOLDING: HOLDING_LETTERS, FINAL: FINAL_LETTERS}[kind]
    return rng.choice(options).format(name=first_name)
