"""PII masking for previews, exports and reports (wallboards in branches must not show customer data).

Found and masked: card numbers (13-19 digits, spaces or dashes allowed, only Luhn-valid ones: cards keep
their last 4 digits), UK sort codes (12-34-56), account numbers (8 digits near "account"/"acc"/"a/c" or
right after a sort code), email addresses, and phone numbers (UK +44 / 0..., international +...).
mask_text repeats until nothing is found, so it is idempotent and a masked text never holds a Luhn-valid
card number, even one formed by the digits a mask keeps. Digits are ASCII digits. Most previews have no
two close digits and no "@": one cheap search returns them untouched.
"""

from __future__ import annotations

import hashlib
import re

MASK = "\u2022"  # bullet

CARD, SORT_CODE, ACCOUNT, EMAIL, PHONE = "card", "sort_code", "account", "email", "phone"
HANDLE_MODES = ("full", "partial", "masked")


def _rx(pattern: str) -> re.Pattern[str]:
    # ASCII: \d is 0-9 (the Luhn check and the masks work on ASCII digits) and \w, \b are ASCII too.
    return re.compile(pattern, re.ASCII)


# Every digit-based kind has two digits at most one separator apart; emails have an "@". Most previews
# have neither, and one cheap search returns them untouched.
_HINT = _rx(r"\d[ \-]?\d")
# Patterns begin with a plain character class (lookbehinds come after it) so that re can skip ahead fast:
# a leading lookbehind makes every search try every position, several times slower on 140 characters.
_DIGIT_RUN = _rx(r"\d(?<!\d\d)(?<!\d[ \-]\d)(?:[ \-]?\d){12,}")  # card candidates, whole runs only
_SORT_CODE = _rx(r"\d(?<![\d-]\d)\d-\d{2}-\d{2}(?![\d-])")
_ACCOUNT_AFTER_SORT = _rx(r"\d(?<![\d-]\d)\d-\d{2}-\d{2}[\s,/;:]{1,3}(\d{4}[ -]?\d{4})(?![\d-])")
_ACCOUNT_AFTER_WORD = _rx(r"(?i)\b(?:acc(?:ount|nt|t)?|a/c)\b[^\d\n]{0,24}?(?<!\d)(\d{4}[ -]?\d{4})(?![\d-])")
_ACCOUNT_WORDS = ("acc", "a/c")
_EMAIL_DOMAIN = _rx(r"@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_PHONE = _rx(
    r"[+(0](?<![\w+].)(?:"
    r"(?<=\+)\d{1,3}[ .\-]?(?:\(0\)[ .\-]?|\(\d{1,4}\)[ .\-]?)?\d(?:[ .\-]?\d){6,12}"  # +44 7700 900123
    r"|(?<=\()0\d{2,4}\)[ .\-]?\d(?:[ .\-]?\d){5,8}"  # (020) 7946 0018
    r"|(?<=0)\d{2,4}[ .\-]?\d(?:[ .\-]?\d){5,8}"  # 07700 900123
    r")(?!\d)"
)
_DIGIT_GROUP = _rx(r"\d+")
_NOT_DIGIT = _rx(r"\D")

Span = tuple[int, int, str]


_LUHN_DOUBLE = bytes.maketrans(b"0123456789", b"0246813579")  # 2d, minus 9 when over 9


def luhn_valid(digits: str) -> bool:
    """Luhn checksum of a string of ASCII digits (no separators)."""
    raw = digits[::-1].encode("ascii")
    # Byte sums run in C; subtracting ord("0") per digit turns characters into values.
    return (sum(raw[0::2]) + sum(raw[1::2].translate(_LUHN_DOUBLE)) - 48 * len(raw)) % 10 == 0


def _card_spans(text: str, taken: list[Span]) -> None:
    """A card is a Luhn-valid run of 13-19 digits, or inside a longer run (a card then an expiry year),
    a Luhn-valid sequence of whole separator-delimited groups: digits are not sliced at random, since
    about one 16-digit slice in ten passes Luhn by chance."""
    for m in _DIGIT_RUN.finditer(text):
        groups = [(g.start() + m.start(), g.end() + m.start()) for g in _DIGIT_GROUP.finditer(m.group())]
        digits = [text[s:e] for s, e in groups]
        i = 0
        while i < len(groups):
            best = None
            total = 0
            for j in range(i, len(groups)):
                total += len(digits[j])
                if total > 19:
                    break
                if total >= 13 and luhn_valid("".join(digits[i : j + 1])):
                    best = j  # keep looking: the longest valid sequence wins
            if best is None:
                i += 1
            else:
                taken.append((groups[i][0], groups[best][1], CARD))
                i = best + 1


def _email_spans(text: str, taken: list[Span]) -> None:
    # Found from the "@" (a literal re finds fast), then the local part is walked back over.
    for m in _EMAIL_DOMAIN.finditer(text):
        start = m.start()
        while start > 0 and text[start - 1] in _EMAIL_LOCAL:
            start -= 1
        if start < m.start():
            taken.append((start, m.end(), EMAIL))


def _free(taken: list[Span], start: int, end: int) -> bool:
    return all(end <= s or start >= e for s, e, _ in taken)


def _digit_count(text: str) -> int:
    raw = text.encode("utf-8", "surrogatepass")
    return len(raw) - len(raw.translate(None, b"0123456789"))  # C speed, unlike a loop or a regex


def find_pii(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, kind) spans, by position. Kinds: card, sort_code, account, email, phone.
    Overlaps go to the first found, in the order email, card, account, sort_code, phone."""
    has_at = "@" in text
    # Each kind needs a minimum of digits (sort code 6, account and phone 8, card 13): a full regex scan
    # costs ~2 us on 140 characters, so kinds that cannot be there are not searched for.
    digits = _digit_count(text) if has_at or _HINT.search(text) else 0
    if digits < 6 and not has_at:
        return []
    taken: list[Span] = []
    if has_at:
        _email_spans(text, taken)
    if digits >= 13:
        _card_spans(text, taken)
    dash = "-" in text
    if digits >= 8:
        lower = text.lower()
        rxs = [_ACCOUNT_AFTER_SORT] if dash else []
        if any(w in lower for w in _ACCOUNT_WORDS):
            rxs.append(_ACCOUNT_AFTER_WORD)
        for rx in rxs:
            for m in rx.finditer(text):
                if _free(taken, m.start(1), m.end(1)):
                    taken.append((m.start(1), m.end(1), ACCOUNT))
    kinds = []
    if digits >= 6 and dash:
        kinds.append((_SORT_CODE, SORT_CODE))
    if digits >= 8 and ("0" in text or "+" in text):
        kinds.append((_PHONE, PHONE))
    for rx, kind in kinds:
        for m in rx.finditer(text):
            if _free(taken, m.start(), m.end()):
                taken.append((m.start(), m.end(), kind))
    return sorted(taken)


def _replacement(found: str, kind: str) -> str:
    digits = _NOT_DIGIT.sub("", found)
    if kind == CARD:
        return f"{MASK * 4} {digits[-4:]}"
    if kind == ACCOUNT:
        return f"{MASK * 4} {digits[-2:]}"
    if kind == SORT_CODE:
        return f"{MASK * 2}-{MASK * 2}-{MASK * 2}"
    if kind == PHONE:
        return f"{MASK * 6}{digits[-3:]}"
    return f"{MASK * 3}@{MASK * 3}"  # email: the domain can name the person too


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
    """The text with every PII span replaced (cards keep the last 4 digits: "•••• 1234")."""
    spans = find_pii(text)
    # Each pass removes digits or an address, so this ends; it stops when a pass finds nothing.
    while spans:
        text = _mask_once(text, spans)
        spans = find_pii(text)
    return text


def mask_handle(handle: str, mode: str, *, salt: str = "") -> str:
    """A customer handle as the display mode allows: "full" as is, "partial" "@jo••••" (fixed length, so
    the length does not leak), "masked" "customer #a1b2" (a stable short hash of the handle; give a
    site salt to make it unguessable from a list of handles)."""
    if mode == "full":
        return handle
    if mode == "partial":
        at = "@" if handle.startswith("@") else ""
        return f"{at}{handle[len(at) : len(at) + 2]}{MASK * 4}"
    if mode == "masked":
        key = handle.strip().lstrip("@").lower()
        digest = hashlib.blake2b(
            key.encode("utf-8"), digest_size=2, key=salt.encode("utf-8")[:64]
        ).hexdigest()
        return f"customer #{digest}"
    raise ValueError(f"Unknown handle display mode {mode!r}; expected one of {', '.join(HANDLE_MODES)}.")
