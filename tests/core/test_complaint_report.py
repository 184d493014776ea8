"""The shift report's complaint figures: received, confirmed, dismissed, deadlines met and missed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from console.domain.complaints import default_rules
from console.domain.complaints.letters import SRC, Letter
from console.domain.complaints.status import AUDIT_ACTIONS, CONFIRMED, DISMISSED, Decision
from console.domain.model import Enquiry, Message, Shift
from console.reports.complaints import complaint_line, complaint_stats, known_letters
from console.reports.types import ComplaintStats, ShiftReport
from console.sla.complaint_clocks import ComplaintClocks
from console.sla.defaults import default_calendars
from console.store.cache import Store, StoreReader
from console.sync.shift_close import build_report
from tests.helpers.store import make_enquiry, new_key

LONDON = ZoneInfo("Europe/London")


def at(*parts: int) -> float:
    return datetime(*parts, tzinfo=LONDON).timestamp()  # type: ignore[misc, arg-type]


START, END = at(2026, 9, 9, 9, 0), at(2026, 9, 9, 17, 0)  # Wednesday
MIDNIGHT = at(2026, 9, 10, 0, 0)
BUSINESS = next(c for c in default_calendars() if c.id == "business")
REGULATOR = ComplaintClocks(default_rules().jurisdiction("uk"), BUSINESS)


def mk(i: int, received: float, **kw: Any) -> Enquiry:
    kw.setdefault("topic", "accounts")
    return make_enquiry(i, first_customer_message_at=received, created_at=received, **kw)


SRC_SENT = {"E000004": [Letter(SRC, at(2026, 9, 9, 9, 55))]}


def rows() -> list[Enquiry]:
    friday = at(2026, 9, 4, 16, 0)  # summary windows end Wednesday 17:00: in this shift
    return [
        mk(1, at(2026, 9, 9, 10, 0), flags=frozenset({"complaint"})),
        mk(2, at(2026, 9, 9, 11, 0), text="worst bank ever"),
        mk(3, at(2026, 9, 9, 12, 0), text="disgraceful"),
        # Received Friday, resolved in time on Wednesday morning: met with an SRC sent (SRC_SENT).
        mk(4, friday, topic="complaint", status="resolved", resolved_at=at(2026, 9, 9, 10, 0)),
        # Received before the bank holiday weekend (due Thu 3rd): nothing falls in the shift.
        mk(5, at(2026, 8, 28, 16, 0), topic="complaint"),
        # Eight weeks end at 23:59 on Wednesday, unresolved: missed.
        mk(6, at(2026, 7, 15, 10, 0), flags=frozenset({"complaint"})),
        mk(7, at(2026, 9, 7, 10, 0), topic="complaint"),  # Monday: due Thursday, not in the shift
    ]


def test_who_counts():
    decisions = {
        "E000002": Decision("E000002", CONFIRMED, at(2026, 9, 9, 11, 30), "sam"),
        "E000003": Decision("E000003", DISMISSED, at(2026, 9, 9, 12, 30), "sam"),
        "E000099": Decision("E000099", DISMISSED, at(2026, 9, 8, 12, 30), "sam"),  # the day before
    }
    s = complaint_stats(rows(), decisions, REGULATOR, START, MIDNIGHT, letters=SRC_SENT)
    assert s == ComplaintStats(
        received=2, flagged_by_service=1, confirmed=1, dismissed=1, met=1, missed=1,
        jurisdiction="United Kingdom (FCA)",
    )  # fmt: skip
    assert complaint_line(s).startswith("Complaints (United Kingdom (FCA)): 2 received (1 flagged")
    assert "1 met, 1 missed" in complaint_line(s) and "SRC not sent" not in complaint_line(s)
    # Known to have been sent no summary resolution communication: neither met nor missed.
    bare = complaint_stats(rows(), decisions, REGULATOR, START, MIDNIGHT, letters={"E000004": []})
    assert (bare.met, bare.missed, bare.src_not_sent) == (0, 1, 1)
    assert complaint_line(bare).endswith("1 resolved without a summary resolution sent (SRC not sent)")
    # The agents' messages unknown (not in the cache): nothing is assumed missing.
    unknown = complaint_stats(rows(), decisions, REGULATOR, START, MIDNIGHT)
    assert (unknown.met, unknown.missed, unknown.src_not_sent) == (1, 1, 0)


def test_the_letters_of_the_confirmed_complaints_come_from_their_conversations():
    said = "We've resolved your complaint; this is our summary resolution communication."
    held = {"E000004": [Message("m1", "E000004", "out", "agent", said, at(2026, 9, 9, 9, 55))]}
    asked: list[list[str]] = []

    def conversations(ids: list[str]) -> dict[str, list[Message]]:
        asked.append(ids)
        return {i: held[i] for i in ids if i in held}

    found = known_letters(rows(), {}, conversations)
    assert len(asked) == 1 and "E000004" in asked[0]  # the confirmed complaints', in one read
    assert found == {"E000004": (Letter(SRC, at(2026, 9, 9, 9, 55)),)}  # unheld ones: unknown, left out
    s = complaint_stats(rows(), {}, REGULATOR, START, MIDNIGHT, letters=found)
    assert (s.met, s.src_not_sent) == (1, 0)


def test_a_summary_window_that_hands_over_is_not_a_miss():
    late = mk(1, at(2026, 9, 4, 16, 0), topic="complaint")
    s = complaint_stats([late], {}, REGULATOR, START, MIDNIGHT)
    assert (s.met, s.missed) == (0, 0)


def test_the_stored_report_counts_the_cache_decisions_and_old_reports_still_read(tmp_path: Path):
    path, key = tmp_path / "c.db", new_key()
    e = mk(2, START + 60, text="worst bank ever", team=None)
    with Store(path, key) as store:
        store.apply_enquiries([e], "cur-1")
        store.audit(at=START + 120, actor="sam", action=AUDIT_ACTIONS[CONFIRMED], subject=e.id, detail={})
    with StoreReader(path, key) as reader:
        report = build_report(reader, Shift("s", "Early", "Leeds", START, END), END)
    assert (report.complaints.received, report.complaints.confirmed) == (1, 1)
    old = report.to_dict()
    del old["complaints"]  # a report stored before the field existed
    assert ShiftReport.from_dict(old).complaints == ComplaintStats()
    assert ShiftReport.from_json(report.to_json()) == report
