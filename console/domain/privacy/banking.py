"""Bank and card numbers: IBANs (python-stdnum: every registered country, the ISO 7064 check digits),
card-like runs (Luhn, or the words around), UK sort codes and account numbers (in context), US Social
Security numbers (python-stdnum's rules) and UK National Insurance numbers (HMRC's prefix rules:
python-stdnum has no module for them).

Each finder appends (start, end, kind) spans to `taken`, skipping what an earlier finder took.
"""

from __future__ import annotations

import re
from functools import cache

from stdnum import iban as std_iban
from stdnum import numdb
from stdnum.us import ssn as std_ssn

from console.domain.privacy.context import (
    ACCOUNT_WORD,
    CARD_WORD,
    IBAN_WORD,
    NI_WORD,
    OTHER_WORD,
    SORT_WORD,
    SSN_WORD,
    Span,
    free,
    label_after,
    label_before,
    luhn_valid,
    only_digits,
)

CARD, IBAN, SORT_CODE, ACCOUNT, SSN, NI = "card", "iban", "sort_code", "account", "ssn", "ni"


def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    # ASCII: \d is 0-9 (the checksums work on ASCII digits) and \w, \b are ASCII too.
    return re.compile(pattern, re.ASCII | flags)


# --- IBAN -----------------------------------------------------------------------------------------

# Two letters, two digits, then letters and digits in groups (spaces or dashes between them); the
# country's registered length decides where it ends (the run may swallow a following word).
_IBAN = _rx(r"\b[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]){8,32}")
_IBAN_STRUCT = re.compile(r"(\d+)!")
_IBAN_DB = numdb.get("iban")


@cache
def iban_length(country: str) -> int:
    """The registered length of a country's IBANs (0: not a registered country)."""
    info = _IBAN_DB.info(country + "00")
    props = info[0][1] if info else {}
    bban = props.get("bban", "")
    return 4 + sum(int(n) for n in _IBAN_STRUCT.findall(bban)) if bban else 0


def iban_spans(text: str, lower: str, taken: list[Span]) -> None:
    pos = 0
    while (m := _IBAN.search(text, pos)) is not None:
        pos = m.start() + 1  # a failed candidate may have swallowed the start of a real one
        country = m.group()[:2].upper()
        length = iban_length(country)
        if not length:
            continue
        # Walk the run until the country's length of letters and digits is covered.
        count, end = 0, m.start()
        for i in range(m.start(), m.end()):
            if text[i].isalnum():
                count += 1
                if count == length:
                    end = i + 1
                    break
        if count < length or (end < len(text) and text[end].isalnum()):
            continue
        compact = std_iban.compact(text[m.start() : end])
        if not compact[4:].isalnum():
            continue
        worded = label_before(lower, m.start(), 48) == IBAN_WORD
        if (std_iban.is_valid(compact, check_country=False) or worded) and free(taken, m.start(), end):
            taken.append((m.start(), end, IBAN))
            pos = end


# --- cards ----------------------------------------------------------------------------------------

# Whole runs of 13+ digits, single spaces, dashes or dots between groups. The pattern begins with a plain
# class (lookbehinds after it) so that re can skip ahead fast.
_DIGIT_RUN = _rx(r"\d(?<!\d\d)(?<!\d[ \-.]\d)(?:[ \-.]?\d){12,}")
_DIGIT_GROUP = _rx(r"\d+")
_ISSUER_DIGITS = "23456"  # Mastercard 2-series, Amex/JCB/Diners, Visa, Mastercard/Maestro, Discover/UnionPay
_CARD_SHAPES = frozenset({(4, 4, 4, 4), (4, 6, 5), (4, 6, 4), (4, 4, 4, 4, 3), (4, 4, 4, 3), (4, 4, 4, 1)})


def card_spans(text: str, lower: str, taken: list[Span]) -> None:
    """A card: a run of 13-19 digits that passes Luhn and begins as issued cards do (2-6), or fails it
    but the words right around it talk about a card (a mistyped card is still a card), or has a card's
    grouping (4-4-4-4, 4-6-5). Not a card: a run whose nearest label is a transaction id, an order, a
    tracking number or any other reference. Runs over 19 digits (a card then an expiry year) are
    searched for Luhn-valid whole-group sequences; digits are not sliced at random, since about one
    16-digit slice in ten passes Luhn by chance."""
    for m in _DIGIT_RUN.finditer(text):
        after = text[m.end() : m.end() + 4]
        if len(after) >= 3 and after[0] in ".," and after[1:3].isdigit() and not after[3:].isdigit():
            continue  # 1234567890123.45: an amount (two decimals; a comma then a number is a list)
        label = label_before(lower, m.start(), 40)
        # A label glued to the digits ("TRACK2000...", "REF4111...") stands apart from nothing: the run may
        # be a card all the same (track 2 is a card's magnetic stripe), and a card left unmasked costs
        # more than a reference masked.
        glued = m.start() > 0 and text[m.start() - 1].isalpha()
        if label in (OTHER_WORD, IBAN_WORD) and not glued:
            continue
        groups = [(g.start() + m.start(), g.end() + m.start()) for g in _DIGIT_GROUP.finditer(m.group())]
        digits = [text[s:e] for s, e in groups]
        total = sum(len(d) for d in digits)
        if 13 <= total <= 19:
            number = "".join(digits)
            carded = label == CARD_WORD or label_after(lower, m.end()) == CARD_WORD
            shaped = tuple(len(d) for d in digits) in _CARD_SHAPES
            issued = number[0] in _ISSUER_DIGITS and luhn_valid(number)
            if issued or carded or shaped:
                if free(taken, m.start(), m.end()):
                    taken.append((m.start(), m.end(), CARD))
                continue
        # Not a card as a whole (or longer than one): a Luhn-valid run of whole groups inside it is.
        i = 0
        while i < len(groups):
            best = None
            run = 0
            for j in range(i, len(groups)):
                run += len(digits[j])
                if run > 19:
                    break
                if run >= 13 and digits[i][0] in _ISSUER_DIGITS and luhn_valid("".join(digits[i : j + 1])):
                    best = j  # keep looking: the longest valid sequence wins
            if best is None:
                i += 1
            else:
                if free(taken, groups[i][0], groups[best][1]):
                    taken.append((groups[i][0], groups[best][1], CARD))
                i = best + 1


# --- sort codes and account numbers -----------------------------------------------------------------

_SORT_CODE = _rx(r"\d(?<![\d\-./:]\d)\d([ \-.]?)\d\d\1\d\d(?![\d]|[\-./:]\d)")
_ACCOUNT_AFTER = _rx(
    r"[\s,/;:|]{1,3}(?:(?:acc(?:ount|t)?|a/c)\b[^\d\n]{0,12}?)?(\d{8}|\d{4}[ \-]\d{4})(?![\d])"
)
_ACCOUNT = _rx(
    r"(?i)\b(?:acc(?:ount|nt|t|s|ts)?|a/c|checking|savings)\b[^\d\n£$€]{0,30}?"
    r"(?<![\d£$€#])(\d{2,4}(?:[ \-]\d{2,4}){1,3}|\d{6,12})(?![\d]|[.,]\d)"
)


def _plausible_date(a: str, b: str) -> bool:
    day, month = int(a), int(b)
    return (1 <= day <= 31 and 1 <= month <= 12) or (1 <= month <= 31 and 1 <= day <= 12)


def sort_code_and_account_spans(text: str, lower: str, taken: list[Span]) -> None:
    """A sort code: six digits (12-34-56, 12 34 56, 123456) after "sort code"/"s/c", or before an
    8-digit account number, or written with dashes and not readable as a date (12-05-24 is a date unless
    the words say otherwise). An account number: 6-12 digits after "account"/"acc"/"a/c" (the words
    before it, nothing but words between), or the 8 digits right after a sort code."""
    has_account_word = "acc" in lower or "a/c" in lower or "checking" in lower or "savings" in lower
    for m in _SORT_CODE.finditer(text):
        if not free(taken, m.start(), m.end()):
            continue
        label = label_before(lower, m.start(), 40)
        after = _ACCOUNT_AFTER.match(text, m.end())
        sep = m.group(1)
        raw = m.group()
        if label == SORT_WORD:
            ok = True
        elif label in (OTHER_WORD, CARD_WORD, SSN_WORD, NI_WORD, "dob", "phone"):
            ok = label == "phone" and after is not None
        elif after is not None:
            ok = True
        else:
            ok = (
                sep == "-"
                and not _plausible_date(raw[:2], raw[3:5])
                and not _plausible_date(raw[3:5], raw[6:8])
            )
        if not ok:
            continue
        taken.append((m.start(), m.end(), SORT_CODE))
        if after is not None and free(taken, after.start(1), after.end(1)):
            taken.append((after.start(1), after.end(1), ACCOUNT))
    if has_account_word:
        for m in _ACCOUNT.finditer(text):
            s, e = m.start(1), m.end(1)
            if len(only_digits(m.group(1))) < 6 or not free(taken, s, e):
                continue
            if label_before(lower, s, 40) not in (ACCOUNT_WORD, SORT_WORD, "phone", None):
                continue
            taken.append((s, e, ACCOUNT))


# --- US Social Security numbers, UK National Insurance numbers ---------------------------------------

_SSN = _rx(r"\d(?<![\d\-]\d)\d\d([ \-.]?)\d\d\1\d{4}(?![\d]|-\d)")
_NINO = _rx(
    r"(?i)\b(?!bg|gb|nk|kn|tn|nt|zz)[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z]"
    r"[ \-]?\d\d[ \-]?\d\d[ \-]?\d\d[ \-]?[a-d]?\b"
)


def ssn_spans(text: str, lower: str, taken: list[Span]) -> None:
    """123-45-6789 or 123 45 6789 when python-stdnum accepts it (no 000/666/9xx area, no 00 group, no
    0000 serial) or after "SSN"/"social security"; 123456789 only after those words."""
    for m in _SSN.finditer(text):
        number = only_digits(m.group())
        label = label_before(lower, m.start(), 40)
        # After "SSN" the customer says what it is: masked even when the SSA would not issue it.
        if not (std_ssn.is_valid(number) or label == SSN_WORD) or not free(taken, m.start(), m.end()):
            continue
        if label == OTHER_WORD or (not m.group(1) and label != SSN_WORD):
            continue
        if m.group(1) == " " and label not in (SSN_WORD, None):
            continue
        taken.append((m.start(), m.end(), SSN))


def ni_spans(text: str, lower: str, taken: list[Span]) -> None:
    """QQ 12 34 56 C in any case and spacing; the suffix letter may be left off after "NI"/"national
    insurance"."""
    for m in _NINO.finditer(text):
        if not free(taken, m.start(), m.end()):
            continue
        has_suffix = m.group()[-1].isalpha()
        if not has_suffix and label_before(lower, m.start(), 40) != NI_WORD:
            continue
        taken.append((m.start(), m.end(), NI))
