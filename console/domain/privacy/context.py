"""What the words around a number say it is, and the small helpers every finder shares.

A number's kind is often only in its context: "sort code 123456", "txn 4539 1488 0343 6467", "DOB
12/05/1985". label_before() names the nearest labelling word before a position (within a short window),
so "I paid by card, transaction id 4539..." reads as a transaction id (the nearer word wins) while
"card number 4539..." reads as a card. Multi-word labels ("order number", "card no") are one label of
their first word's kind, so the "number" in "order number" does not make a phone number.
"""

from __future__ import annotations

import re

# Kinds of label (the words customers put before a number).
CARD_WORD, ACCOUNT_WORD, SORT_WORD, PHONE_WORD = "card", "account", "sort", "phone"
DOB_WORD, SSN_WORD, IBAN_WORD, NI_WORD, OTHER_WORD = "dob", "ssn", "iban", "ni", "other"
ID_WORD = "national_id"

_SUFFIX = r"(?:\s*(?:number|numbers|no\b\.?|nos\b\.?|num\b\.?|nr\b\.?|#|id\b|details|is|was|:)){0,2}"
_LABELS: tuple[tuple[str, str], ...] = (
    (
        SORT_WORD,
        r"sort\s?codes?|sorting\s+code|sort|s/c|s\.c\.|sc",
    ),
    (
        CARD_WORD,
        r"cards?|debit|credit|visa|mastercard|master\s?card|amex|american\s+express|maestro|discover"
        r"|cc|pan|long\s+number|cvv|expiry|exp|card\s+no|cardnumber",
    ),
    (
        ACCOUNT_WORD,
        r"acc(?:ount|t|nt|s|ts)?|a/c|a/cs|checking|savings|current\s+account|bank\s+details|routing",
    ),
    (IBAN_WORD, r"iban|bic|swift"),
    (SSN_WORD, r"ssn|social\s+security|social\s+sec|ss#|soc\s+sec|ssn#"),
    (NI_WORD, r"ni|nino|national\s+insurance|n\.i\.|nat\s+ins"),
    (
        ID_WORD,
        r"nhs|bsn|burgerservicenummer|sofinummer|s[e\u00e9]cu|s[e\u00e9]curit[e\u00e9]\s+sociale|nir|insee"
        r"|carte\s+vitale|steuer-?id|steuer-?identifikationsnummer|steuernummer|idnr|tax\s+id|itin|pps"
        r"|dni|nie|codice\s+fiscale|national\s+id|id\s+number|personal\s+number",
    ),
    (DOB_WORD, r"dob|d\.o\.b\.?|date\s+of\s+birth|born(?:\s+on)?|birthday|bday|b'day|birth\s?date"),
    (
        PHONE_WORD,
        r"phone|mobile|mob|tel|telephone|call|calling|called|calls|ring|ringing|rang|dial|dialled|dialed"
        r"|texted|texting|telefono|tel\u00e9fono|telefone|t\u00e9l\u00e9phone|portable|numero|n\u00famero"
        r"|num\u00e9ro|handy|handynummer|telefon|telefonnummer|nummer|m\u00f3vil|movil|cellulare"
        r"|text|txt|whatsapp|cell|cellphone|landline|contact"
        r"|reach|number|num|ph|fone|mobile\s+no|tel\s+no|phone\s+no",
    ),
    (
        OTHER_WORD,
        r"orders?|ord|ref|refs|reference|transaction|transactions|txn|tx|trans|tracking|track|parcel"
        r"|package|shipment|consignment|invoice|case|ticket|complaint|confirmation|booking|receipt"
        r"|claim|policy|member|membership|auth|authorisation|authorization|atm|branch|id|cheque"
        r"|serial|imei|model|flight|seat|room|pin|otp|code|passcode|voucher|loyalty|points|customer",
    ),
)
_LABEL_RX = re.compile(
    "|".join(f"(?P<{kind}>\\b(?:{words})\\b{_SUFFIX})" for kind, words in _LABELS),
    re.ASCII,
)
WINDOW = 36
_SENTENCE_END = re.compile(r"[.!?;]\s|\n")  # a label does not reach into the next sentence


def label_before(lower: str, start: int, window: int = WINDOW) -> str | None:
    """The kind of the last label word ending within `window` characters before start (lower-cased text),
    None when there is none. Digits or a sentence end between the label and the number end its reach
    ("ref 12, 07700..." keeps "ref" for the 12 only; "...date of birth. also +1 201..." is no birth date)."""
    lo = max(0, start - window)
    chunk = lower[lo:start]
    last: re.Match[str] | None = None
    for m in _LABEL_RX.finditer(chunk):
        last = m
    if last is None:
        return None
    between = chunk[last.end() :]
    if any(c.isdigit() for c in between) or _SENTENCE_END.search(between.removeprefix(".")):
        return None
    if between.startswith(".") and between[1:].strip(" :#-"):
        return None  # "nie. also +351...": a sentence ended; "ref. 1234": an abbreviation
    return last.lastgroup


_FILLER_AFTER = re.compile(
    r"[ \t]*[(\-:=]?[ \t]*(?:(?:is|was|are|it's|its)\s+)?(?:(?:my|the|our)\s+)?", re.ASCII
)


_OWN_VALUE = re.compile(r"[ \t]*(?:is|was|:|-|=)?[ \t]*[+(]?\d", re.ASCII)


def label_after(lower: str, end: int, window: int = 16) -> str | None:
    """The kind of a label right after end, with only "is my"-like filler between ("07700 900123 is my
    mobile", "8/1/92 is my date of birth"); None otherwise, or when the label has a value of its own
    right after it ("12/05/2024 date of birth is 3/4/85")."""
    filler = _FILLER_AFTER.match(lower, end)
    start = filler.end() if filler else end
    if start - end > window:
        return None
    m = _LABEL_RX.match(lower, start)
    if m is None:
        return None
    if _OWN_VALUE.match(lower, m.end()):
        return None
    return m.lastgroup


_LUHN_DOUBLE = bytes.maketrans(b"0123456789", b"0246813579")  # 2d, minus 9 when over 9


def luhn_valid(digits: str) -> bool:
    """Luhn checksum of a string of ASCII digits (no separators)."""
    raw = digits[::-1].encode("ascii")
    # Byte sums run in C; subtracting ord("0") per digit turns characters into values.
    return (sum(raw[0::2]) + sum(raw[1::2].translate(_LUHN_DOUBLE)) - 48 * len(raw)) % 10 == 0


def digit_count(text: str) -> int:
    raw = text.encode("utf-8", "surrogatepass")
    return len(raw) - len(raw.translate(None, b"0123456789"))  # C speed, unlike a loop or a regex


def only_digits(text: str) -> str:
    return "".join(c for c in text if "0" <= c <= "9")


Span = tuple[int, int, str]


def free(taken: list[Span], start: int, end: int) -> bool:
    return all(end <= s or start >= e for s, e, _ in taken)
