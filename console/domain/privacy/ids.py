"""National identifiers with check digits, confirmed by python-stdnum: Spanish DNI and NIE, Italian codice
fiscale and Irish PPS numbers (shapes distinctive enough to stand alone, with their check letter), and the
digit-only ones only after their word: UK NHS numbers, Dutch BSN, French NIR (social security), German
tax ids (IdNr) and US ITINs (the dashed form stands alone, as an SSN does).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.ie import pps
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.us import itin

from console.domain.privacy.context import ID_WORD, Span, free, label_before

NATIONAL_ID = "national_id"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII | re.IGNORECASE)


def _compact(text: str) -> str:
    return "".join(c for c in text if c.isalnum()).upper()


# (pattern, check, needs its word before it)
_KINDS: tuple[tuple[re.Pattern[str], Callable[[str], bool], bool], ...] = (
    (_rx(r"\b\d{8}[ \-]?[a-z]\b"), dni.is_valid, False),
    (_rx(r"\b[xyz][ \-]?\d{7}[ \-]?[a-z]\b"), nie.is_valid, False),
    (_rx(r"\b[a-z]{6}\d\d[a-z]\d\d[a-z]\d{3}[a-z]\b"), codicefiscale.is_valid, False),
    (_rx(r"\b\d{7}[a-w][a-iw]?\b"), pps.is_valid, False),
    (_rx(r"(?<![\d\-])9\d\d-\d\d-\d{4}(?![\d\-])"), itin.is_valid, False),
    (_rx(r"(?<![\d\-])9\d\d ?\d\d ?\d{4}(?![\d\-])"), itin.is_valid, True),
    (_rx(r"(?<![\d\-])\d{3}[ \-]?\d{3}[ \-]?\d{4}(?![\d\-])"), nhs.is_valid, True),
    (_rx(r"(?<![\d\-.])\d{4}[ .]?\d\d[ .]?\d{3}(?![\d\-])"), bsn.is_valid, True),
    (_rx(r"(?<![\d\-])[12] ?\d\d ?\d\d ?(?:\d\d|2[ab]) ?\d{3} ?\d{3} ?\d\d(?![\d\-])"), nir.is_valid, True),
    (_rx(r"(?<![\d\-])\d\d ?\d{3} ?\d{3} ?\d{3}(?![\d\-])"), idnr.is_valid, True),
)


# The words the digit-only kinds need (context.py's ID labels, loosely): most texts have none.
_ID_HINT = re.compile(
    r"nhs|bsn|burgerservice|sofi|s[e\u00e9]cu|nir|insee|vitale|steuer|idnr|tax\s+id|itin|national\s+id"
    r"|id\s+number|personal\s+number"
)
# One cheap search tells whether any shape that stands alone can be there (8 digits and a letter, a
# letter and 7 digits, 7 digits and a letter, a codice fiscale, a dashed 9xx-xx-xxxx).
_ALONE_HINT = _rx(r"\d{7}[ \-]?[a-z]|[a-z]\d\d[a-z]\d{3}[a-z]|\b9\d\d-")


def national_id_spans(text: str, lower: str, taken: list[Span]) -> None:
    alone = _ALONE_HINT.search(text) is not None
    worded = _ID_HINT.search(lower) is not None
    for pattern, valid, needs_word in _KINDS:
        if not (worded if needs_word else alone):
            continue
        for m in pattern.finditer(text):
            if not free(taken, m.start(), m.end()) or not valid(_compact(m.group())):
                continue
            if needs_word and label_before(lower, m.start(), 40) != ID_WORD:
                continue
            taken.append((m.start(), m.end(), NATIONAL_ID))
