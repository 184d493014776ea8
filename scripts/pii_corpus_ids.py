"""National identifiers for the PII corpus (scripts/make_pii_corpus.py), each valid by python-stdnum's check:
UK NHS numbers, Spanish DNI and NIE, Italian codice fiscale, Irish PPS, Dutch BSN, French NIR, German tax
ids (IdNr) and US ITINs."""

from __future__ import annotations

import random
import string
from collections.abc import Callable

from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.ie import pps
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.us import itin


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _until(rng: random.Random, make: Callable[[], str], valid: Callable[[str], bool]) -> str:
    for _ in range(100_000):
        value = make()
        if valid(value):
            return value
    raise RuntimeError("no valid identifier found")  # never: every kind has a valid value in ~1 of 100


def nhs_number(rng: random.Random) -> str:
    d = _until(rng, lambda: _digits(rng, 10), nhs.is_valid)
    return rng.choice([f"{d[:3]} {d[3:6]} {d[6:]}", d, f"{d[:3]}-{d[3:6]}-{d[6:]}"])


def dni_number(rng: random.Random) -> str:
    d = _digits(rng, 8)
    return rng.choice([f"{d}{dni.calc_check_digit(d)}", f"{d}-{dni.calc_check_digit(d)}"])


def nie_number(rng: random.Random) -> str:
    return _until(
        rng, lambda: rng.choice("XYZ") + _digits(rng, 7) + rng.choice(string.ascii_uppercase), nie.is_valid
    )


def codice_fiscale(rng: random.Random) -> str:
    def make() -> str:
        letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(6))
        day = rng.randint(1, 28) + rng.choice([0, 40])
        birth = f"{_digits(rng, 2)}{rng.choice('ABCDEHLMPRST')}{day:02d}"
        body = f"{letters}{birth}{rng.choice('ABCDEFGHILM')}{_digits(rng, 3)}"
        return body + codicefiscale.calc_check_digit(body)

    value = _until(rng, make, codicefiscale.is_valid)
    return value if rng.random() < 0.8 else value.lower()


def pps_number(rng: random.Random) -> str:
    return _until(rng, lambda: _digits(rng, 7) + rng.choice("ABCDEFGHIJKLMNOPQRSTUVW"), pps.is_valid)


def bsn_number(rng: random.Random) -> str:
    d = _until(rng, lambda: _digits(rng, 9), bsn.is_valid)
    return rng.choice([d, f"{d[:4]}.{d[4:6]}.{d[6:]}"])


def nir_number(rng: random.Random) -> str:
    month = rng.randint(1, 12)
    body = f"{rng.choice('12')}{_digits(rng, 2)}{month:02d}{rng.randint(1, 95):02d}{_digits(rng, 6)}"
    number = body + nir.calc_check_digits(body)
    return number if rng.random() < 0.5 else nir.format(number)


def idnr_number(rng: random.Random) -> str:
    d = _until(rng, lambda: rng.choice("123456789") + _digits(rng, 10), idnr.is_valid)
    return d if rng.random() < 0.6 else idnr.format(d)


def itin_number(rng: random.Random) -> str:
    def make() -> str:
        return f"9{_digits(rng, 2)}{rng.choice([70, 75, 80, 88, 90, 94, 99])}{_digits(rng, 4)}"

    d = _until(rng, make, itin.is_valid)
    return rng.choice([f"{d[:3]}-{d[3:5]}-{d[5:]}", d])
