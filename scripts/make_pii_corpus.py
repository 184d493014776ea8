"""Build the labelled PII corpus (tests/data/pii_corpus.jsonl) from hand-written templates and generated,
valid identifiers. Seeded: the same seed writes the same file.

Run: .venv/bin/python scripts/make_pii_corpus.py [--seed 13] [--messages 3500] [--out PATH]
(PATH defaults to tests/data/pii_corpus.jsonl)

Each line is one message as UK, US and EU customers type them on X, Facebook and WhatsApp:
{"id", "region", "channel", "text", "pii": [{"category", "start", "end", "text"}], "not_pii": [...]}.
"pii" holds every personal item (cards, IBANs, sort codes, account numbers, e-mails, obfuscated e-mails,
phone numbers, postcodes, dates of birth, NI numbers, SSNs); "not_pii" holds numbers that must stay
readable (amounts, dates, times, order references, transaction ids, tracking numbers, counts...).

The identifiers are valid where a check exists: IBANs of every registered country (python-stdnum checks
them, national checks included), SSNs python-stdnum accepts, NI numbers with HMRC's prefixes, Luhn-valid
cards with real issuer prefixes (and mistyped ones, one digit changed, always in a sentence about a card),
phone numbers libphonenumber holds valid for their region. Transaction ids are 16 digits and half of
them pass Luhn on purpose; tracking numbers are 22 digits.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
from collections.abc import Callable
from pathlib import Path

from pii_corpus_ids import (  # beside this script
    bsn_number,
    codice_fiscale,
    dni_number,
    idnr_number,
    itin_number,
    nhs_number,
    nie_number,
    nir_number,
    pps_number,
)
from pii_corpus_values import (  # beside this script
    a_date,
    a_time,
    account,
    account_us,
    amount,
    card,
    card_mistyped,
    count,
    dob,
    email,
    email_obfuscated,
    iban,
    last4,
    ni,
    order_ref,
    phone,
    postcode,
    reference,
    sort_code,
    ssn,
    tracking,
    txn_id,
    year,
)

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "pii_corpus.jsonl"
REGIONS = ("UK", "US", "EU")
CHANNELS = ("x", "facebook", "whatsapp")

# --- slots and templates --------------------------------------------------------------------------

Gen = Callable[[random.Random, str], str]
SLOTS: dict[str, tuple[str, bool, Gen]] = {
    # slot: (category, is PII, generator)
    "card": ("card", True, lambda r, _: card(r)),
    "card_typo": ("card", True, lambda r, _: card_mistyped(r)),
    "iban": ("iban", True, lambda r, _: iban(r)),
    "sort_code": ("sort_code", True, lambda r, _: sort_code(r)),
    "account": ("account", True, lambda r, _: account(r)),
    "account_us": ("account", True, lambda r, _: account_us(r)),
    "email": ("email", True, lambda r, _: email(r)),
    "email_obf": ("email_obfuscated", True, lambda r, _: email_obfuscated(r)),
    "phone": ("phone", True, phone),
    "postcode": ("postcode", True, lambda r, _: postcode(r)),
    "dob": ("dob", True, dob),
    "ni": ("ni", True, lambda r, _: ni(r)),
    "ssn": ("ssn", True, lambda r, _: ssn(r)),
    "nhs": ("national_id", True, lambda r, _: nhs_number(r)),
    "dni": ("national_id", True, lambda r, _: dni_number(r)),
    "nie": ("national_id", True, lambda r, _: nie_number(r)),
    "cf": ("national_id", True, lambda r, _: codice_fiscale(r)),
    "pps": ("national_id", True, lambda r, _: pps_number(r)),
    "bsn": ("national_id", True, lambda r, _: bsn_number(r)),
    "nir": ("national_id", True, lambda r, _: nir_number(r)),
    "idnr": ("national_id", True, lambda r, _: idnr_number(r)),
    "itin": ("national_id", True, lambda r, _: itin_number(r)),
    "amount": ("amount", False, amount),
    "date": ("date", False, a_date),
    "time": ("time", False, lambda r, _: a_time(r)),
    "order": ("order_ref", False, lambda r, _: order_ref(r)),
    "txn": ("transaction_id", False, lambda r, _: txn_id(r)),
    "tracking": ("tracking", False, lambda r, _: tracking(r)),
    "ref": ("reference", False, lambda r, _: reference(r)),
    "last4": ("card_last4", False, lambda r, _: last4(r)),
    "count": ("count", False, lambda r, _: count(r)),
    "year": ("year", False, lambda r, _: year(r)),
}

# PII clauses, by the slot they feature. Written as customers write: fragments, no capitals, run-ons.
TEMPLATES = Path(__file__).resolve().parent / "pii_corpus_templates.txt"


def load_templates(path: Path = TEMPLATES) -> dict[str, list[str]]:
    """Sections of the template file: "pii card" -> its clauses, "opener x" -> openers, ... Quoted lines
    (openers, closers, glue) are Python string literals, so their spaces and newlines survive."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        else:
            current.append(ast.literal_eval(line) if line[0] in "'\"" else line)
    return sections


T = load_templates()
PII_CLAUSES = {k.split()[1]: v for k, v in T.items() if k.startswith("pii ")}
NON_PII_CLAUSES, FILLERS, GLUE = T["not_pii"], T["filler"], T["glue"]
OPENERS = {k.split()[1]: v for k, v in T.items() if k.startswith("opener ")}
CLOSERS = {k.split()[1]: v for k, v in T.items() if k.startswith("closer ")}
REGION_PII = {k.split()[1]: v for k, v in T.items() if k.startswith("region ")}
_SLOT = re.compile(r"\{(\w+)\}")


def _fill(
    rng: random.Random,
    template: str,
    region: str,
    out: list[str],
    pos: int,
    pii: list[dict[str, object]],
    not_pii: list[dict[str, object]],
) -> int:
    last = 0
    for m in _SLOT.finditer(template):
        literal = template[last : m.start()]
        out.append(literal)
        pos += len(literal)
        slot = m.group(1)
        if slot == "account" and region == "US":
            slot = "account_us"
        category, is_pii, gen = SLOTS[slot]
        value = gen(rng, region)
        (pii if is_pii else not_pii).append(
            {"category": category, "start": pos, "end": pos + len(value), "text": value}
        )
        out.append(value)
        pos += len(value)
        last = m.end()
    out.append(template[last:])
    return pos + len(template) - last


def message(rng: random.Random, n: int) -> dict[str, object]:
    region, channel = rng.choice(REGIONS), rng.choice(CHANNELS)
    clauses: list[str] = []
    kind = rng.random()
    if kind < 0.72:  # one or two PII clauses, often a non-PII clause too
        for _ in range(1 if rng.random() < 0.75 else 2):
            clauses.append(rng.choice(PII_CLAUSES[rng.choice(REGION_PII[region])]))
        if rng.random() < 0.5:
            clauses.insert(rng.randrange(len(clauses) + 1), rng.choice(NON_PII_CLAUSES))
    else:  # numbers, none of them personal
        clauses = [rng.choice(NON_PII_CLAUSES) for _ in range(rng.choice([1, 1, 2]))]
    if rng.random() < 0.5:
        clauses.insert(rng.randrange(len(clauses) + 1), rng.choice(FILLERS))
    template = rng.choice(OPENERS[channel])
    for i, clause in enumerate(clauses):
        template += clause if i == 0 else rng.choice(GLUE) + clause
    template += rng.choice(CLOSERS[channel])
    out: list[str] = []
    pii: list[dict[str, object]] = []
    not_pii: list[dict[str, object]] = []
    _fill(rng, template, region, out, 0, pii, not_pii)
    text = "".join(out)
    if channel == "whatsapp" and rng.random() < 0.3 and text.isascii():
        text = text.lower()
        for item in (*pii, *not_pii):
            item["text"] = text[item["start"] : item["end"]]  # type: ignore[misc]
    for item in (*pii, *not_pii):
        assert text[item["start"] : item["end"]] == item["text"]  # type: ignore[misc]
    return {"id": n, "region": region, "channel": channel, "text": text, "pii": pii, "not_pii": not_pii}


def build(seed: int, messages: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [message(rng, n) for n in range(messages)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--messages", type=int, default=3500)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args()
    corpus = build(args.seed, args.messages)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="\n") as f:
        for m in corpus:
            f.write(json.dumps(m, ensure_ascii=False, sort_keys=True) + "\n")
    pii = sum(len(m["pii"]) for m in corpus)  # type: ignore[arg-type]
    not_pii = sum(len(m["not_pii"]) for m in corpus)  # type: ignore[arg-type]
    print(f"wrote {args.out}: {len(corpus)} messages, {pii} PII items, {not_pii} numbers that are not PII")


if __name__ == "__main__":
    main()
