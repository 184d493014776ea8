"""Contact details and personal facts: phone numbers of every region (Google's libphonenumber data via the
`phonenumbers` package), e-mail addresses, e-mail addresses written to dodge filters ("jo at example dot
com"), UK postcodes and dates of birth (a date after "DOB", "born", "date of birth").
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException

from console.domain.privacy.context import (
    DOB_WORD,
    PHONE_WORD,
    Span,
    free,
    label_after,
    label_before,
    only_digits,
)

PHONE, EMAIL, EMAIL_OBFUSCATED, POSTCODE, DOB = "phone", "email", "email_obfuscated", "postcode", "dob"


def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII | flags)


# --- phone numbers ----------------------------------------------------------------------------------

# A candidate: an optional + or (, then digits with at most two separators between them. Whole runs only.
_PHONE = _rx(r"(?<![\w+\-./,£$€])(?:\+|\(\s?)?\d(?:(?:[ .\-]|\)\s?|\s?\(|\s?\(0\)\s?)?\d){5,16}\)?")
# Regions whose national numbers begin with a trunk 0 (tried in this order for "0..." numbers).
TRUNK_ZERO = ("GB", "IE", "DE", "FR", "NL", "BE", "AT", "CH", "IT", "SE", "FI", "AU", "NZ", "ZA", "IN")
# Regions whose national numbers have no trunk prefix: tried only after a phone word ("call me on ...").
NO_TRUNK = ("ES", "PT", "PL", "IT", "DK", "NO", "GR", "LU", "CZ", "SK", "HU", "RO")
_NANP = _rx(r"(?:\+?1[ .\-]?)?(?:\(\s?[2-9]\d\d\s?\)\s?|[2-9]\d\d[ .\-]?)[2-9]\d\d[ .\-]?\d{4}")


# Pure, and slow (libphonenumber's metadata walked per call): customer texts repeat, and every candidate is
# tried at several readings, so answers are kept (a bounded cache; masking results never change).
@lru_cache(maxsize=8192)
def _phone_ok(candidate: str, worded: bool, level: int, region: str = "") -> bool:
    """Level 0: an international number (+ or 00) or a UK 0... number libphonenumber holds valid, a North
    American shape. Level 1: an international number that is only possible. Level 2: valid in `region` (a
    European one), with its trunk 0, or without one after a phone word. Level 3: a UK 0... number of the
    right length (07700 900123: a range kept for drama, typed by customers all the same)."""
    digits = only_digits(candidate)
    n = len(digits)
    if n < 7 or n > 15:
        return False
    stripped = candidate.lstrip("(").lstrip()
    try:
        if stripped.startswith("+") or (stripped.startswith("00") and n >= 10):
            if level == 2:
                return False
            number = phonenumbers.parse("+" + stripped[2:] if stripped.startswith("00") else stripped, None)
            check = phonenumbers.is_valid_number if level == 0 else phonenumbers.is_possible_number
            return check(number)
        if level == 0:
            if _NANP.fullmatch(candidate) and (worded or candidate != digits):
                return n in (10, 11)  # (294) 804-4957, 1-311-379-0153, 514.573.6898; bare runs need a word
            return digits[0] == "0" and phonenumbers.is_valid_number(phonenumbers.parse(candidate, "GB"))
        if level == 3:
            # UK numbers are 0 + 10 digits (0 + 9 for a few areas and freephone), ranges not yet issued too.
            eleven = n == 11 and digits[1] in "123789"
            return digits[0] == "0" and (eleven or (n == 10 and digits[1] in "18"))
        if level == 1 or not (digits[0] == "0" or worded):
            return False
        return phonenumbers.is_valid_number(phonenumbers.parse(candidate, region))
    except NumberParseException:
        return False


def _readings(digits0: bool) -> list[tuple[int, str]]:
    regions = TRUNK_ZERO if digits0 else NO_TRUNK
    return [(0, ""), (1, ""), *((2, r) for r in regions), (3, "")]


def _groups(candidate: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\d+\)?", candidate)]


def phone_spans(text: str, lower: str, taken: list[Span]) -> None:
    """A phone number: with its + or 00 country code, any number libphonenumber holds valid (or at least
    possible) for that country, so every region; a UK 0... number (valid, or of the right length); a
    North American 10-digit number in its usual shapes ((294) 804-4957, 1-311-379-0153, 514.573.6898);
    in national format, a number valid in one of TRUNK_ZERO's regions written with its trunk 0, or in
    one of NO_TRUNK's after (or right before) a phone word. A candidate
    whose nearest label is an order, a reference or the like is not a phone number. When a whole
    candidate fails, shorter runs of whole groups are tried (a count can follow a number: "07400 121295
    5 times"): every length for the strictest reading first, then region by region."""
    for m in _PHONE.finditer(text):
        start, end = m.start(), m.end()
        if not free(taken, start, end):
            continue
        label = label_before(lower, start, 40)
        if label not in (PHONE_WORD, None):
            continue
        candidate = text[start:end]
        if _DATE.fullmatch(candidate):
            continue  # 12.05.2024
        worded = label == PHONE_WORD or label_after(lower, end) == PHONE_WORD
        ends = [e for _, e in _groups(candidate)][::-1]
        readings = _readings(only_digits(candidate)[:1] == "0")
        found = next(
            (e for level, r in readings for e in ends if _phone_ok(candidate[:e], worded, level, r)), None
        )
        if found is not None:
            taken.append((start, start + found, PHONE))


# --- e-mail addresses ----------------------------------------------------------------------------------

_EMAIL_DOMAIN = _rx(r"@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_TLDS = (
    "com|co|uk|net|org|de|fr|es|it|ie|nl|be|eu|io|me|info|biz|edu|gov|us|ca|au|ch|at|pl|pt|se|dk|no|fi"
    "|ac|ltd|online|gr|cz|lu|nz|in|xyz|dev|app|tv|cc"
)
_AT = r"(?:\s*[\(\[\{<]\s*at\s*[\)\]\}>]\s*|\s+at\s+|\s*@\s+|\s+@\s*|\s*\(@\)\s*)"
_DOT = r"(?:\s*[\(\[\{<]\s*dot\s*[\)\]\}>]\s*|\s+dot\s+|\.(?=[a-z])|\s+\.\s+)"
_OBFUSCATED = _rx(
    rf"(?i)\b[a-z0-9](?:[a-z0-9._%+\-]|\s(?:dot|_)\s){{0,40}}?{_AT}[a-z][a-z0-9\-]*(?:{_DOT}[a-z0-9\-]+)*"
    rf"{_DOT}(?:{_TLDS})\b(?!\.[a-z])"
)


def email_spans(text: str, lower: str, taken: list[Span]) -> None:
    """name@domain.tld: found from the "@" (a literal search is fast), then the local part walked back."""
    for m in _EMAIL_DOMAIN.finditer(text):
        start = m.start()
        while start > 0 and text[start - 1] in _EMAIL_LOCAL:
            start -= 1
        if start < m.start() and free(taken, start, m.end()):
            taken.append((start, m.end(), EMAIL))


def obfuscated_email_spans(text: str, lower: str, taken: list[Span]) -> None:
    """ "jo.bloggs at gmail dot com", "jo [at] gmail [dot] co [dot] uk", "jo(at)gmail.com", "jo @ gmail .
    com": the domain must end in a known top-level domain, so "meet me at home dot" is left alone."""
    for m in _OBFUSCATED.finditer(text):
        word = m.group().lower()
        if word.startswith(("me at ", "us at ", "you at ", "them at ", "him at ", "her at ")):
            continue  # "email me at ..." : the address follows
        if free(taken, m.start(), m.end()):
            taken.append((m.start(), m.end(), EMAIL_OBFUSCATED))


# --- UK postcodes ------------------------------------------------------------------------------------

# The Royal Mail's format: the inward code's last two letters never include C, I, K, M, O or V (so "2pm"
# is not an inward code), the outward code's letters have their own allowed sets.
_POSTCODE = _rx(
    r"(?i)\b(?:gir ?0aa|[a-pr-uwyz](?:[a-hk-y]\d[abehmnprvwxy\d]?|\d[a-hjkpstuw\d]?)"
    r" ?\d[abd-hjlnp-uw-z]{2})\b"
)


def postcode_spans(text: str, lower: str, taken: list[Span]) -> None:
    for m in _POSTCODE.finditer(text):
        if free(taken, m.start(), m.end()):
            taken.append((m.start(), m.end(), POSTCODE))


# --- dates of birth -----------------------------------------------------------------------------------

_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\.?"
_DATE = _rx(
    r"(?i)(?<![\d/.\-])(?:"
    r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})"
    r"|\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS},?\s+\d{{2,4}}"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}"
    r")(?![\d/.\-]\d)"
)


def dob_spans(text: str, lower: str, taken: list[Span]) -> None:
    """A date after a birth word (DOB, d.o.b, date of birth, born, birthday): other dates are left alone."""
    for m in _DATE.finditer(text):
        worded = label_before(lower, m.start(), 40) == DOB_WORD or label_after(lower, m.end()) == DOB_WORD
        if worded and free(taken, m.start(), m.end()):
            taken.append((m.start(), m.end(), DOB))
