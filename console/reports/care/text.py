"""The Consumer Duty and quality sections as rows of words (one source for the viewer, the PDF and
anything else that shows them)."""

from __future__ import annotations

from console.reports.care.consumer_duty import ConsumerDuty, GroupOutcomes
from console.reports.care.quality import BEHAVIOURS, LABELS, BehaviourRate, Quality
from console.reports.tiles import duration, percent

DUTY_HEADER = (
    "Customers",
    "Enquiries",
    "First reply (median)",
    "90% within",
    "Resolved",
    "Complaints",
    "Breached",
)
QUALITY_HEADER = (
    "Who",
    "Enquiries",
    "Replies",
    *(LABELS[b].capitalize() for b in BEHAVIOURS),
    "Asked for details in public",
)


def _share(n: int, rate: float | None) -> str:
    return f"{percent(rate)} ({n:,})" if rate is not None else "n/a"


def duty_row(g: GroupOutcomes) -> tuple[str, ...]:
    return (
        g.label,
        f"{g.enquiries:,}",
        duration(g.median_fr_s),
        duration(g.p90_fr_s),
        _share(g.resolved, g.resolved_rate),
        _share(g.complaints, g.complaint_rate),
        _share(g.breached, g.breach_rate),
    )


def duty_rows(d: ConsumerDuty) -> list[tuple[str, ...]]:
    return [duty_row(d.vulnerable), duty_row(d.everyone_else)]


def duty_verdict(d: ConsumerDuty) -> str:
    if not d.vulnerable.enquiries:
        return "No enquiry from a customer flagged vulnerable in this shift."
    if not d.gaps:
        return "Equivalent outcomes: no gap of note for customers flagged vulnerable."
    return "Worth a look: " + "; ".join(d.gaps) + "."


def behaviour_cell(b: BehaviourRate, *, with_service: bool) -> str:
    """ "72% (18/25) · service 80%, agree 88%" (the service's part for team and shift rows)."""
    ours = f"{percent(b.rate)} ({b.found}/{b.checked})" if b.checked else "n/a"
    if not with_service or not b.api_known:
        return ours
    theirs = f"service {percent(b.api_yes / b.api_known)}"
    agree = f", agree {percent(b.agreement)}" if b.both else ""
    return f"{ours} · {theirs}{agree}"


def quality_rows(q: Quality) -> list[tuple[str, ...]]:
    rows = []
    for r in q.rows:
        who = {"shift": "Whole shift", "team": f"Team: {r.label}", "agent": r.label}[r.kind]
        service = r.kind != "agent"
        rows.append(
            (
                who,
                f"{r.enquiries:,}" if r.kind != "agent" else "",
                f"{r.replies:,}",
                *(behaviour_cell(b, with_service=service) for b in r.behaviours),
                f"{r.public_detail_requests:,}",
            )
        )
    return rows


def quality_coverage(q: Quality) -> str:
    return (
        f"Behaviours found by the console in the replies of {q.checked:,} of the shift's {q.resolved:,} "
        "resolved enquiries (those whose conversation this console holds); agents: share of their replies; "
        "teams and shift: share of enquiries (same channel: every reply), beside the service's outcome "
        "flags and how often the two agree."
    )
