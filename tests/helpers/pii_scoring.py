"""Score console.domain.privacy on the labelled corpus (tests/data/pii_corpus.jsonl): recall per PII
category, false positives per kind of non-PII number. Shared by tests/core/test_privacy_corpus.py (the bars
as behaviour) and benchmarks/bench_privacy.py (the figures and the throughput).

An item is caught when every letter and digit in it lies inside a span find_pii returned (any kind: an
IBAN masked as an account is still masked) AND mask_text's output no longer holds it. A number that is not
PII is a false positive when any span touches it. Spans that touch no labelled item at all are counted as
stray: masking text that holds nothing personal.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.domain.privacy import find_pii, mask_text

CORPUS = Path(__file__).resolve().parent.parent / "data" / "pii_corpus.jsonl"
HANDWRITTEN = CORPUS.parent / "pii_handwritten.jsonl"  # 50 messages written by hand, items not by kind
RECALL_BARS = {
    "card": 0.99,
    "iban": 0.99,
    "sort_code": 0.99,
    "account": 0.99,
    "email": 0.99,
    "phone": 0.99,
    "postcode": 0.95,
    "dob": 0.95,
    "ni": 0.95,
    "ssn": 0.95,
    "email_obfuscated": 0.95,
    "national_id": 0.95,  # not in issue 13's list: DNI, NIE, codice fiscale, PPS, NHS, BSN, NIR, IdNr, ITIN
}
FALSE_POSITIVE_BAR = 0.01


def load(path: Path = CORPUS) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass
class Score:
    items: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)
    numbers: Counter[str] = field(default_factory=Counter)
    false_positives: Counter[str] = field(default_factory=Counter)
    stray: int = 0
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # category, item, message
    flagged: list[tuple[str, str, str]] = field(default_factory=list)  # category, number, message

    def recall(self, category: str) -> float:
        return self.caught[category] / self.items[category] if self.items[category] else 1.0

    def false_positive_rate(self, category: str | None = None) -> float:
        if category is None:
            total = sum(self.numbers.values())
            return sum(self.false_positives.values()) / total if total else 0.0
        n = self.numbers[category]
        return self.false_positives[category] / n if n else 0.0


def _covered(spans: list[tuple[int, int, str]], text: str, start: int, end: int) -> bool:
    return all(any(s <= i < e for s, e, _ in spans) for i in range(start, end) if text[i].isalnum())


def score(corpus: list[dict[str, Any]]) -> Score:
    result = Score()
    for m in corpus:
        text = m["text"]
        spans = find_pii(text)
        masked = mask_text(text)
        for item in m["pii"]:
            category = item["category"]
            result.items[category] += 1
            if _covered(spans, text, item["start"], item["end"]) and item["text"] not in masked:
                result.caught[category] += 1
            else:
                result.missed.append((category, item["text"], text))
        for item in m["not_pii"]:
            category = item["category"]
            result.numbers[category] += 1
            if any(s < item["end"] and item["start"] < e for s, e, _ in spans):
                result.false_positives[category] += 1
                result.flagged.append((category, item["text"], text))
        labelled = [(i["start"], i["end"]) for i in (*m["pii"], *m["not_pii"])]
        result.stray += sum(1 for s, e, _ in spans if not any(s < b and a < e for a, b in labelled))
    return result
