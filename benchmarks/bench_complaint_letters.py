"""Complaint communications in agents' messages (console.domain.complaints.letters) on the labelled
corpus (tests/data/complaint_letters_corpus.jsonl): precision and recall per kind (summary resolution,
holding reply, final response), on all of it, on the part the phrases were tuned on and on the held-out
part written after tuning and never tuned on; the mistakes listed.

Run: .venv/bin/python benchmarks/bench_complaint_letters.py

Bars (issue 17): precision and recall at least 90% for each kind.
"""

from __future__ import annotations

import json
from pathlib import Path

from console.domain.complaints.letters import FINAL, HOLDING, KIND_WORDS, KINDS, SRC, letter_kind

CORPUS = Path(__file__).parents[1] / "tests" / "data" / "complaint_letters_corpus.jsonl"
LABELS: dict[str, str | None] = {"src": SRC, "holding": HOLDING, "final": FINAL, "none": None}
BAR = 0.90


def load() -> list[dict[str, str]]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def scores(rows: list[dict[str, str]], kind: str) -> tuple[int, int, float, float]:
    """(messages of this kind, found, precision, recall)."""
    said = [letter_kind(r["text"]) for r in rows]
    truth = [LABELS[r["kind"]] for r in rows]
    tp = sum(s == kind and t == kind for s, t in zip(said, truth, strict=True))
    fp = sum(s == kind and t != kind for s, t in zip(said, truth, strict=True))
    fn = sum(s != kind and t == kind for s, t in zip(said, truth, strict=True))
    return tp + fn, tp, tp / max(1, tp + fp), tp / max(1, tp + fn)


def main() -> None:
    rows = load()
    ok = True
    print(f"{'part':<8} {'kind':<34} {'msgs':>5} {'found':>6} {'precision':>10} {'recall':>8}")
    for part in ("all", "tune", "heldout"):
        chosen = [r for r in rows if part == "all" or r["split"] == part]
        for kind in KINDS:
            n, tp, precision, recall = scores(chosen, kind)
            ok &= precision >= BAR and recall >= BAR
            print(f"{part:<8} {KIND_WORDS[kind]:<34} {n:>5} {tp:>6} {precision:>10.1%} {recall:>8.1%}")
        print(f"{part:<8} {'(messages)':<34} {len(chosen):>5}")
    print(f"bar: precision and recall >= {BAR:.0%} per kind, on every part")
    print("\nmistakes:")
    for r in rows:
        said = letter_kind(r["text"])
        if said != LABELS[r["kind"]]:
            print(f"  [{r['split']}] {r['kind']} read as {said}: {r['text']}")
    print("ALL BARS MET" if ok else "BELOW A BAR")


if __name__ == "__main__":
    main()
