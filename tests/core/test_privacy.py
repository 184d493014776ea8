"""PII masking: each kind, what must stay untouched, handle modes, and properties (no Luhn-valid card
survives, masking twice changes nothing)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.domain.privacy import find_pii, luhn_valid, mask_handle, mask_text

VISA = "4111 1111 1111 1111"
ARABIC_INDIC = " ".join(["\u0664\u0661\u0661\u0661"] * 4)  # 4111 1111 1111 1111 in Arabic-Indic digits


def _luhn_reference(number: str) -> bool:
    # Written differently from the module's: double every second digit from the right, sum the digits.
    digits = [int(c) for c in number][::-1]
    doubled = [sum(divmod(d * 2, 10)) if i % 2 else d for i, d in enumerate(digits)]
    return sum(doubled) % 10 == 0


def _cards_left(text: str) -> list[str]:
    """Every Luhn-valid card in text: a run of whole digit groups (single space/dash separators) of 13-19
    digits."""
    found = []
    for run in re.finditer(r"\d(?:[ -]?\d)*", text):
        groups = re.findall(r"\d+", run.group())
        for i in range(len(groups)):
            for j in range(i + 1, len(groups) + 1):
                number = "".join(groups[i:j])
                if 13 <= len(number) <= 19 and _luhn_reference(number):
                    found.append(number)
    return found


def test_luhn_matches_the_reference() -> None:
    for n in ("4111111111111111", "378282246310005", "6011111111111117", "79927398713"):
        assert luhn_valid(n) and _luhn_reference(n)
    assert not luhn_valid("4111111111111112")
    assert all(luhn_valid(str(n)) == _luhn_reference(str(n)) for n in range(10**12, 10**12 + 3000))


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"My card {VISA} was declined", "My card •••• 1111 was declined"),
        ("card 4111-1111-1111-1111!", "card •••• 1111!"),
        ("4111111111111111", "•••• 1111"),
        ("amex 3782 822463 10005 ok", "amex •••• 0005 ok"),
        (f"card {VISA} 2027", "card •••• 1111 2027"),  # the card, not the expiry year
        ("sort code 12-34-56 please", "sort code ••-••-•• please"),
        ("account number: 12345678", "account number: •••• 78"),
        ("a/c 1234 5678 and acc 87654321", "a/c •••• 78 and acc •••• 21"),
        ("12-34-56 87654321", "••-••-•• •••• 21"),
        ("mail john.smith+x@example.co.uk now", "mail •••@••• now"),
        ("ring 07700 900123", "ring ••••••123"),
        ("ring +44 7700 900123.", "ring ••••••123."),
        ("ring +44 (0)20 7946 0018", "ring ••••••018"),
        ("or (020) 7946 0018", "or ••••••018"),
        ("US +1 (555) 123-4567", "US ••••••567"),
        ("DE +49 30 1234567", "DE ••••••567"),
        # Digits of other scripts (Arabic-Indic here) are not card digits, and do not trip the Luhn check.
        (f"{VISA} or {ARABIC_INDIC}", f"•••• 1111 or {ARABIC_INDIC}"),
    ],
)
def test_each_kind_is_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "charged £25 twice on 3 May, ref 12345",
        "card 4111 1111 1111 1112 is not a valid number",  # fails Luhn
        "order 41111111111111112024",  # one 20-digit run: not a card
        "8 digits without the word: 12345678",
        "@jobloggs thanks for the help",
        "",
    ],
)
def test_innocent_text_is_untouched(text: str) -> None:
    assert mask_text(text) == text
    assert find_pii(text) == []


def test_find_pii_reports_spans_by_position() -> None:
    text = f"a {VISA}, b@c.io, 12-34-56 87654321, 07700 900123"
    spans = find_pii(text)
    assert [k for _, _, k in spans] == ["card", "email", "sort_code", "account", "phone"]
    assert [text[s:e] for s, e, _ in spans] == [VISA, "b@c.io", "12-34-56", "87654321", "07700 900123"]


def test_mask_handle_modes() -> None:
    assert mask_handle("@jobloggs", "full") == "@jobloggs"
    assert mask_handle("@jobloggs", "partial") == "@jo••••"
    assert mask_handle("@j", "partial") == "@j••••"
    assert mask_handle("Jo Bloggs", "partial") == "Jo••••"
    masked = mask_handle("@jobloggs", "masked")
    assert re.fullmatch(r"customer #[0-9a-f]{4}", masked)
    assert mask_handle("@JoBloggs", "masked") == masked  # the same customer, however typed
    assert mask_handle("@someoneelse", "masked") != masked
    assert mask_handle("@jobloggs", "masked", salt="branch-17") != masked
    with pytest.raises(ValueError, match="Unknown handle display mode 'hidden'"):
        mask_handle("@jo", "hidden")


def test_digits_a_mask_keeps_cannot_form_a_new_card() -> None:
    # The first pass masks the Visa and keeps "1111", which with the next groups is another valid card
    # (1111 2222 3333 4444); the second pass masks that too.
    text = f"{VISA} 2222 3333 4444"
    assert _luhn_reference("1111222233334444")
    out = mask_text(text)
    assert _cards_left(out) == []
    assert out == "•••• •••• 4444"


@st.composite
def card(draw: st.DrawFn) -> str:
    body = draw(st.text("0123456789", min_size=12, max_size=18))
    check = next(d for d in "0123456789" if _luhn_reference(body + d))
    number = body + check
    sep = draw(st.sampled_from(["", " ", "-"]))
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


chunks = st.one_of(
    card(),
    st.text("0123456789 -", max_size=30),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20),
    st.sampled_from(
        ["account", "a/c ", "12-34-56 ", "jo@x.com", "+44 7700 900123", "07700 900123", "•••• 1234"]
    ),
)
texts = st.lists(chunks, max_size=8).map("".join)


@given(texts)
def test_masked_text_never_holds_a_luhn_valid_card(text: str) -> None:
    assert _cards_left(mask_text(text)) == []


@given(texts)
def test_masking_is_idempotent(text: str) -> None:
    once = mask_text(text)
    assert mask_text(once) == once


@given(st.lists(card(), min_size=1, max_size=3), st.text("abc ,.", min_size=1, max_size=5))
def test_every_embedded_card_is_masked(cards: list[str], glue: str) -> None:
    text = ("x " + glue).join(cards)
    out = mask_text(text)
    for c in cards:
        assert c not in out
