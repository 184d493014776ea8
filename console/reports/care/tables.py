"""The Consumer Duty and quality sections as CSV tables of the report's export (issue 17): numbers as
numbers (rates 0..1, minutes), one row per group, and per shift, team or agent and behaviour."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from console.reports.types import ShiftReport

Cell = str | int | float | None
Table = Callable[[Sequence[str], Iterable[Sequence[Cell]]], str]  # the export's own CSV writer


def _r(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)


def _m(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60.0, 2)


def care_tables(report: ShiftReport, table: Table) -> dict[str, tuple[str, str]]:
    """file name -> (description, CSV text); none for a report made before these sections."""
    out: dict[str, tuple[str, str]] = {}
    duty = report.consumer_duty
    if duty is not None:
        out["consumer_duty.csv"] = (
            "outcomes of customers flagged vulnerable beside everyone else's",
            table(
                (
                    "group",
                    "enquiries",
                    "answered",
                    "first_response_median_min",
                    "first_response_p90_min",
                    "resolved",
                    "resolved_rate",
                    "complaints",
                    "complaint_rate",
                    "breached",
                    "breach_rate",
                ),
                (
                    (
                        g.group,
                        g.enquiries,
                        g.answered,
                        _m(g.median_fr_s),
                        _m(g.p90_fr_s),
                        g.resolved,
                        _r(g.resolved_rate),
                        g.complaints,
                        _r(g.complaint_rate),
                        g.breached,
                        _r(g.breach_rate),
                    )
                    for g in (duty.vulnerable, duty.everyone_else)
                ),
            ),
        )
    quality = report.quality
    if quality is not None:
        out["reply_behaviours.csv"] = (
            f"J.D. Power behaviours in agents' replies ({quality.checked} of {quality.resolved} resolved "
            "enquiries' conversations held), beside the service's outcome flags",
            table(
                (
                    "kind",
                    "key",
                    "label",
                    "behaviour",
                    "checked",
                    "found",
                    "rate",
                    "service_known",
                    "service_yes",
                    "both",
                    "agree",
                    "agreement",
                    "public_detail_requests",
                ),
                (
                    (
                        row.kind,
                        row.key,
                        row.label,
                        b.behaviour,
                        b.checked,
                        b.found,
                        _r(b.rate),
                        b.api_known,
                        b.api_yes,
                        b.both,
                        b.agree,
                        _r(b.agreement),
                        row.public_detail_requests,
                    )
                    for row in quality.rows
                    for b in row.behaviours
                ),
            ),
        )
    return out
