"""PII masking for everything customer text reaches outside the cache: the queue, the detail pane, tooltips,
exports, CSV and PDF reports, logs, crash reports and the clipboard (a wallboard shows no customer text).

What is found (find_pii) and by what:
- phone numbers of every region: the `phonenumbers` package (libphonenumber's data), see contact.py;
- IBANs of every registered country with their check digits, US Social Security numbers: `python-stdnum`;
- our own rules where no kept library fits: card-like runs (Luhn, or the words around: a mistyped card is
  still a card), UK sort codes and account numbers in context, UK National Insurance numbers (HMRC's
  prefix rules; stdnum has no module), e-mail addresses and obfuscated ones ("jo at mail dot com"), UK
  postcodes and dates of birth (a date after "DOB", "born"...).
Numbers that are not PII stay readable: amounts, dates, times, order references, transaction ids and
parcel tracking numbers (the nearest labelling word decides, see context.py).

mask_text repeats until nothing is found, so it is idempotent and a masked text never holds a Luhn-valid
card number, even one formed by the digits a mask keeps. Digits are ASCII digits. Most texts have no two
close digits and no "@" or " at ": one cheap search returns them untouched.
"""

from __future__ import annotations

import phonenumbers
import stdnum

from console.domain.privacy.context import luhn_valid
from console.domain.privacy.detect import KINDS, MASK, find_pii, mask_text
from console.domain.privacy.handles import HANDLE_MODES, mask_handle

__all__ = [
    "HANDLE_MODES",
    "KINDS",
    "MASK",
    "find_pii",
    "luhn_valid",
    "mask_handle",
    "mask_text",
    "rules_version",
]

# Raised with every change to what the detectors find or how they mask: masked text kept in the cache
# under another version is made again. tests/core/test_privacy_version.py pins this package's sources to
# it, so a change to them cannot go in without raising it.
RULES_VERSION = 1


def rules_version() -> str:
    """This package's rules and the data of the libraries it asks (their updates change what is found)."""
    return f"{RULES_VERSION}/phonenumbers {phonenumbers.__version__}/stdnum {stdnum.__version__}"
