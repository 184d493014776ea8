"""find_pii: every finder in a fixed order (the first to claim characters keeps them), and mask_text."""

from __future__ import annotations

import re
from functools import lru_cache

from console.domain.privacy.banking import (
    ACCOUNT,
    CARD,
    IBAN,
    NI,
    SORT_CODE,
    SSN,
    card_spans,
    iban_spans,
    ni_spans,
    sort_code_and_account_spans,
    ssn_spans,
)
from console.domain.privacy.contact import (
    DOB,
    EMAIL,
    EMAIL_OBFUSCATED,
    PHONE,
    POSTCODE,
    dob_spans,
    email_spans,
    obfuscated_email_spans,
    phone_spans,
    postcode_spans,
)
from console.domain.privacy.context import Span, digit_count, only_digits
from console.domain.privacy.ids import NATIONAL_ID, national_id_spans

MASK = "\u2022"  # bullet
KINDS = (CARD, IBAN, SORT_CODE, ACCOUNT, EMAIL, EMAIL_OBFUSCATED, PHONE, POSTCODE, DOB, NI, SSN, NATIONAL_ID)
_AT_HINT = re.compile(r"@|\bat\b", re.ASCII | re.IGNORECASE)
_BIRTH_HINT = re.compile(r"dob|d\.o\.b|birth|born|bday|b'day", re.ASCII | re.IGNORECASE)


def find_pii(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, kind) spans, by position; kinds are KINDS. Overlaps go to the first
    found, in the order email, obfuscated email, IBAN, national ids (DNI, NIE, codice fiscale, PPS, ITIN,
    NHS, BSN, NIR, IdNr: checked and specific), card, SSN, date of birth, NI number, sort code and
    account, phone, postcode."""
    digits = digit_count(text)
    lower = text.lower()
    at = _AT_HINT.search(text) is not None
    if digits < 2 and not at:
        return []
    taken: list[Span] = []
    if "@" in text:
        email_spans(text, lower, taken)
    if at:
        obfuscated_email_spans(text, lower, taken)
    if digits >= 2:
        iban_spans(text, lower, taken)
        if digits >= 7:
            national_id_spans(text, lower, taken)
        if digits >= 13:
            card_spans(text, lower, taken)
        if digits >= 9:
            ssn_spans(text, lower, taken)
        if digits >= 3 and _BIRTH_HINT.search(lower) is not None:
            dob_spans(text, lower, taken)
        if digits >= 6:
            ni_spans(text, lower, taken)
            sort_code_and_account_spans(text, lower, taken)
        if digits >= 7:
            phone_spans(text, lower, taken)
        postcode_spans(text, lower, taken)
    return sorted(taken)


def _replacement(found: str, kind: str) -> str:
    digits = only_digits(found)
    if kind == CARD:
        return f"{MASK * 4} {digits[-4:]}"
    if kind == ACCOUNT:
        return f"{MASK * 4} {digits[-2:]}"
    if kind == SORT_CODE:
        return f"{MASK * 2}-{MASK * 2}-{MASK * 2}"
    if kind == PHONE:
        return f"{MASK * 6}{digits[-3:]}"
    if kind == IBAN:
        return f"{found[:2].upper()}{MASK * 2} {MASK * 4} {MASK * 4} {MASK * 2}{digits[-2:]}"
    if kind == POSTCODE:
        outward = found.split()[0] if " " in found.strip() else found[:-3]
        return f"{outward.upper()} {MASK * 3}"
    if kind == DOB:
        return f"{MASK * 2}/{MASK * 2}/{MASK * 4}"
    if kind == NI:
        return f"{MASK * 2} {MASK * 2} {MASK * 2} {MASK * 2} {MASK}"
    if kind == SSN:
        return f"{MASK * 3}-{MASK * 2}-{MASK * 4}"
    if kind == NATIONAL_ID:
        return f"{MASK * 8}"
    return f"{MASK * 3}@{MASK * 3}"  # e-mail: the domain can name the person too


def _mask_once(text: str, spans: list[Span]) -> str:
    out: list[str] = []
    last = 0
    for start, end, kind in spans:
        out.append(text[last:start])
        out.append(_replacement(text[start:end], kind))
        last = end
    out.append(text[last:])
    return "".join(out)


def mask_text(text: str) -> str:
    """The text with every PII span replaced (cards keep the last 4 digits: "•••• 1234").

    Each distinct text is masked once and kept (bounded): the queue's filter text, its cells and the
    shift report mask the same messages, and customers repeat themselves. At 100k open enquiries (about
    46k distinct texts) masking them all takes ~1.8 s; a text with nothing to mask is kept as itself."""
    if len(text) > CACHED_CHARS:
        return mask_uncached(text)
    return _mask_cached(text)


MASKS_KEPT = 65_536  # distinct texts kept, beyond the ~46k of 100k open enquiries (an LRU past that)
CACHED_CHARS = 2_048  # longer texts (pasted letters, log records) are masked every time


@lru_cache(maxsize=MASKS_KEPT)  # thread-safe: the loading worker, the UI and the report thread share it
def _mask_cached(text: str) -> str:
    return mask_uncached(text)


def mask_uncached(text: str) -> str:
    """mask_text without the cache (benchmarks time the detectors with it)."""
    spans = find_pii(text)
    # Each pass removes digits or an address, so this ends; it stops when a pass finds nothing.
    while spans:
        text = _mask_once(text, spans)
        spans = find_pii(text)
    return text
