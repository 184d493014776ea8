"""The values the PII corpus is filled with (scripts/make_pii_corpus.py): valid identifiers and numbers
that are not PII. Every function takes a seeded random.Random, so the corpus is reproducible."""

from __future__ import annotations

import random
import re
import string
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from stdnum import iban as std_iban
from stdnum import luhn, numdb
from stdnum.us import ssn as std_ssn

# --- identifiers ----------------------------------------------------------------------------------

_ISSUERS = (
    ("4", 16),
    ("4", 16),
    ("51", 16),
    ("53", 16),
    ("55", 16),
    ("2221", 16),
    ("2720", 16),
    ("34", 15),
    ("37", 15),
    ("6011", 16),
    ("65", 16),
    ("6759", 16),
    ("3528", 16),
    ("36", 14),
    ("4", 13),
    ("62", 19),
)


def _card_digits(rng: random.Random) -> str:
    prefix, length = rng.choice(_ISSUERS)
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    return body + luhn.calc_check_digit(body)


def _group_card(rng: random.Random, number: str) -> str:
    sep = rng.choice(["", " ", " ", "-", ".", " "])
    if len(number) == 15 and rng.random() < 0.7:
        parts = [number[:4], number[4:10], number[10:]]
    else:
        parts = [number[i : i + 4] for i in range(0, len(number), 4)]
    return sep.join(parts) if sep or rng.random() < 0.5 else number


def card(rng: random.Random) -> str:
    return _group_card(rng, _card_digits(rng))


def card_mistyped(rng: random.Random) -> str:
    number = list(_card_digits(rng))
    i = rng.randrange(len(number))
    number[i] = rng.choice([d for d in string.digits if d != number[i]])
    if luhn.is_valid("".join(number)):  # a change of one digit always breaks Luhn; a safety net
        number[-1] = str((int(number[-1]) + 1) % 10)
    return _group_card(rng, "".join(number))


_IBAN_DB = numdb.get("iban")
_IBAN_COUNTRIES = [
    line.split()[0]
    for line in (Path(std_iban.__file__).parent / "iban.dat").read_text().splitlines()
    if line and not line.startswith("#") and "bban=" in line
]
_COMMON_IBAN = ["GB", "GB", "GB", "DE", "DE", "FR", "FR", "ES", "IT", "NL", "IE", "BE", "PT", "AT", "PL"]


def _bban(rng: random.Random, structure: str) -> str:
    out = []
    for count, kind in re.findall(r"(\d+)!([nac])", structure):
        pool = {"n": string.digits, "a": string.ascii_uppercase, "c": string.ascii_uppercase + string.digits}[
            kind
        ]
        out.append("".join(rng.choice(pool) for _ in range(int(count))))
    return "".join(out)


def iban(rng: random.Random) -> str:
    country = rng.choice(_COMMON_IBAN) if rng.random() < 0.6 else rng.choice(_IBAN_COUNTRIES)
    structure = _IBAN_DB.info(country + "00")[0][1]["bban"]
    for _ in range(10_000):  # national checks (BE, ES, FR, ...) fail most random BBANs: try again
        bban = _bban(rng, structure)
        number = country + std_iban.calc_check_digits(country + "00" + bban) + bban
        if std_iban.is_valid(number):
            break
    else:
        return iban(rng)
    style = rng.random()
    if style < 0.45:
        return std_iban.format(number)
    if style < 0.9:
        return number
    return std_iban.format(number).lower() if style < 0.95 else number.lower()


def sort_code(rng: random.Random) -> str:
    d = "".join(rng.choice(string.digits) for _ in range(6))
    return rng.choice(
        [f"{d[:2]}-{d[2:4]}-{d[4:]}", f"{d[:2]} {d[2:4]} {d[4:]}", d, f"{d[:2]}-{d[2:4]}-{d[4:]}"]
    )


def account(rng: random.Random) -> str:
    d = "".join(rng.choice(string.digits) for _ in range(8))
    return d if rng.random() < 0.85 else f"{d[:4]} {d[4:]}"


def account_us(rng: random.Random) -> str:
    return "".join(rng.choice(string.digits) for _ in range(rng.choice([9, 10, 11, 12])))


_FIRST = [
    "sarah",
    "james",
    "priya",
    "tom",
    "aoife",
    "lukas",
    "marie",
    "giulia",
    "jose",
    "emma",
    "mohammed",
    "olivia",
    "kwame",
    "chloe",
    "dan",
    "sophie",
    "pawel",
    "ines",
    "liam",
    "hannah",
    "jo",
    "mike",
]
_LAST = [
    "smith",
    "jones",
    "patel",
    "obrien",
    "muller",
    "dubois",
    "rossi",
    "garcia",
    "taylor",
    "khan",
    "brown",
    "nowak",
    "silva",
    "walsh",
    "evans",
    "wilson",
    "murphy",
    "bloggs",
    "lee",
    "jansen",
]
_DOMAINS = [
    "gmail.com",
    "hotmail.co.uk",
    "yahoo.com",
    "outlook.com",
    "icloud.com",
    "btinternet.com",
    "web.de",
    "gmx.de",
    "orange.fr",
    "libero.it",
    "free.fr",
    "live.co.uk",
    "aol.com",
    "proton.me",
    "sky.com",
    "mail.ie",
    "eircom.net",
    "yahoo.fr",
    "hotmail.es",
    "ziggo.nl",
    "comcast.net",
    "verizon.net",
]


def _local(rng: random.Random) -> str:
    f, last = rng.choice(_FIRST), rng.choice(_LAST)
    return rng.choice(
        [
            f"{f}.{last}",
            f"{f}{last}{rng.randint(1, 99)}",
            f"{f[0]}.{last}",
            f"{f}_{last}",
            f"{f}{last}",
            f"{f}.{last}{rng.randint(70, 99)}",
            f"{f}+bank",
        ]
    )


def email(rng: random.Random) -> str:
    address = f"{_local(rng)}@{rng.choice(_DOMAINS)}"
    return address if rng.random() < 0.85 else address.capitalize()


def email_obfuscated(rng: random.Random) -> str:
    local, domain = _local(rng), rng.choice(_DOMAINS)
    name, *rest = domain.split(".")
    style = rng.randrange(7)
    if style == 0:
        return f"{local} at {name} dot {' dot '.join(rest)}"
    if style == 1:
        return f"{local} [at] {name} [dot] {' [dot] '.join(rest)}"
    if style == 2:
        return f"{local}(at){name}(dot){'(dot)'.join(rest)}"
    if style == 3:
        return f"{local} AT {name} DOT {' DOT '.join(rest)}"
    if style == 4:
        return f"{local} at {domain}"
    if style == 5:
        return f"{local} @ {name} . {' . '.join(rest)}"
    return f"{local} (at) {name} (dot) {' (dot) '.join(rest)}"


_PHONE_REGIONS = {
    "UK": ["GB"] * 6 + ["IE"],
    "US": ["US"] * 5 + ["CA"],
    "EU": [
        "DE",
        "FR",
        "ES",
        "IT",
        "NL",
        "IE",
        "BE",
        "PT",
        "PL",
        "AT",
        "SE",
        "DK",
        "GR",
        "CH",
        "FI",
        "NO",
        "GB",
    ],
}


def _valid_number(rng: random.Random, region: str) -> phonenumbers.PhoneNumber:
    kind = rng.choice([PhoneNumberType.MOBILE, PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE])
    example = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(region)
    assert example is not None
    nsn = phonenumbers.national_significant_number(example)
    for _ in range(200):
        keep = max(2, len(nsn) - rng.randint(4, 6))
        candidate = nsn[:keep] + "".join(rng.choice(string.digits) for _ in range(len(nsn) - keep))
        number = phonenumbers.parse(candidate, region)
        if phonenumbers.is_valid_number(number):
            return number
    return example


def phone(rng: random.Random, region: str) -> str:
    code = rng.choice(_PHONE_REGIONS[region])
    number = _valid_number(rng, code)
    style = rng.random()
    if code in ("US", "CA") and style < 0.6:
        d = phonenumbers.national_significant_number(number)
        return rng.choice(
            [
                f"({d[:3]}) {d[3:6]}-{d[6:]}",
                f"{d[:3]}-{d[3:6]}-{d[6:]}",
                f"{d[:3]}.{d[3:6]}.{d[6:]}",
                f"1-{d[:3]}-{d[3:6]}-{d[6:]}",
                f"+1 {d[:3]} {d[3:6]} {d[6:]}",
                f"{d[:3]} {d[3:6]} {d[6:]}",
            ]
        )
    if style < 0.4:
        text = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    elif style < 0.7:
        text = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    elif style < 0.85:
        text = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    else:
        text = "00" + phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)[1:]
    if rng.random() < 0.2:
        text = text.replace(" ", "")
    return text


_OUTWARD = [
    "SW1A",
    "M1",
    "B33",
    "CR2",
    "DN55",
    "EC1A",
    "W1A",
    "LS1",
    "G2",
    "EH1",
    "CF10",
    "BT1",
    "NE1",
    "L1",
    "BS1",
    "N17",
    "SE15",
    "E14",
    "OX4",
    "CB2",
    "YO1",
    "PL4",
    "NG7",
    "S10",
    "KT2",
    "RG1",
    "GU1",
]


def postcode(rng: random.Random) -> str:
    inward = rng.choice(string.digits) + "".join(rng.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2))
    code = f"{rng.choice(_OUTWARD)} {inward}"
    style = rng.random()
    return code if style < 0.7 else code.lower() if style < 0.9 else code.replace(" ", "")


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _ordinal(d: int) -> str:
    return f"{d}{'th' if 11 <= d <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th')}"


def any_date(rng: random.Random, year: int, region: str) -> str:
    d, m = rng.randint(1, 28), rng.randint(1, 12)
    us = region == "US"
    return rng.choice(
        [
            f"{m:02d}/{d:02d}/{year}" if us else f"{d:02d}/{m:02d}/{year}",
            f"{m}/{d}/{year % 100:02d}" if us else f"{d}/{m}/{year % 100:02d}",
            f"{d:02d}.{m:02d}.{year}",
            f"{year}-{m:02d}-{d:02d}",
            f"{_ordinal(d)} {_MONTHS[m - 1]} {year}",
            f"{_MONTHS[m - 1]} {d}, {year}",
            f"{d} {_MONTHS[m - 1][:3]} {year}",
            f"{d:02d}-{m:02d}-{year % 100:02d}",
        ]
    )


def dob(rng: random.Random, region: str) -> str:
    return any_date(rng, rng.randint(1938, 2006), region)


def ni(rng: random.Random) -> str:
    while True:
        a = rng.choice("ABCEGHJKLMNOPRSTWXYZ")
        b = rng.choice("ABCEGHJKLMNPRSTWXYZ")
        if a + b not in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ"):
            break
    d = "".join(rng.choice(string.digits) for _ in range(6))
    s = rng.choice("ABCD")
    text = rng.choice(
        [f"{a}{b}{d}{s}", f"{a}{b} {d[:2]} {d[2:4]} {d[4:]} {s}", f"{a}{b} {d} {s}", f"{a}{b}{d} {s}"]
    )
    return text.lower() if rng.random() < 0.2 else text


def ssn(rng: random.Random) -> str:
    while True:
        d = f"{rng.randint(1, 899):03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
        if std_ssn.is_valid(d):
            break
    return rng.choice(
        [f"{d[:3]}-{d[3:5]}-{d[5:]}", f"{d[:3]}-{d[3:5]}-{d[5:]}", f"{d[:3]} {d[3:5]} {d[5:]}", d]
    )


# --- numbers that are not PII ---------------------------------------------------------------------


def amount(rng: random.Random, region: str) -> str:
    v = rng.choice([rng.randint(1, 99), rng.randint(100, 9999), rng.randint(10_000, 250_000)])
    cents = rng.randint(0, 99)
    if region == "UK":
        return rng.choice([f"£{v:,}.{cents:02d}", f"£{v}", f"£{v:,}", f"{v} quid", f"£{v}.{cents:02d}"])
    if region == "US":
        return rng.choice(
            [f"${v:,}.{cents:02d}", f"${v}", f"${v:,}", f"{v} dollars", f"USD {v:,}.{cents:02d}"]
        )
    eu = f"{v:,}".replace(",", ".")
    return rng.choice(
        [f"€{v:,}.{cents:02d}", f"{eu},{cents:02d} €", f"€{v}", f"{v} EUR", f"EUR {eu},{cents:02d}"]
    )


def a_date(rng: random.Random, region: str) -> str:
    return any_date(rng, rng.choice([2024, 2025, 2026]), region)


def a_time(rng: random.Random) -> str:
    h, m = rng.randint(0, 23), rng.choice([0, 5, 15, 30, 45, 12, 59])
    return rng.choice(
        [
            f"{h:02d}:{m:02d}",
            f"{h % 12 or 12}:{m:02d}pm",
            f"{h % 12 or 12}am",
            f"{h:02d}.{m:02d}",
            f"{h % 12 or 12}.{m:02d}pm",
            f"{h:02d}:{m:02d}:{rng.randint(0, 59):02d}",
        ]
    )


def order_ref(rng: random.Random) -> str:
    d = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    return rng.choice(
        [
            f"{d(3)}-{d(7)}-{d(7)}",
            f"#{d(6)}",
            f"ORD{d(8)}",
            f"{d(9)}",
            f"A{d(2)}-{d(6)}",
            f"{d(10)}",
            f"#{d(12)}",
            f"{d(4)}-{d(4)}-{d(4)}",
        ]
    )


def txn_id(rng: random.Random) -> str:
    body = "".join(rng.choice(string.digits) for _ in range(15))
    number = body + (luhn.calc_check_digit(body) if rng.random() < 0.5 else rng.choice(string.digits))
    return number if rng.random() < 0.8 else " ".join(number[i : i + 4] for i in range(0, 16, 4))


def tracking(rng: random.Random) -> str:
    number = rng.choice(["9400", "9205", "9361", "9270"]) + "".join(
        rng.choice(string.digits) for _ in range(18)
    )
    style = rng.random()
    if style < 0.5:
        return number
    if style < 0.8:
        return " ".join(number[i : i + 4] for i in range(0, 22, 4))
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(2))
    return f"{letters}{''.join(rng.choice(string.digits) for _ in range(9))}GB"


def reference(rng: random.Random) -> str:
    d = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    return rng.choice(
        [
            f"CMP-{d(6)}",
            f"C{d(7)}",
            f"{d(8)}",
            f"REF{d(6)}",
            f"{d(4)}/{d(4)}",
            f"INV-{d(8)}",
            f"{d(2)}-{d(6)}",
            f"0{d(7)}",
        ]
    )


def last4(rng: random.Random) -> str:
    return "".join(rng.choice(string.digits) for _ in range(4))


def count(rng: random.Random) -> str:
    return str(rng.choice([2, 3, 4, 5, 10, 12, 20, 30, 45, 90, 100, 250]))


def year(rng: random.Random) -> str:
    return str(rng.randint(1995, 2026))
