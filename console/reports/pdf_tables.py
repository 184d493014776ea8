"""The shift report PDF's table pages: channels, clocks, hand-offs and agents, then breaches, carried
over and reassignments, each capped at a few pages with a pointer to the CSV for the rest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from console.domain.labels import channel_label, clock_label, priority_label, waiting_for_label
from console.reports.pdf_draw import (
    A4,
    MARGIN,
    MAX_TABLE_PAGES,
    MUTED,
    PER_PAGE,
    ROW_IN,
    Page,
    draw_table,
    frame,
    put_text,
    safe,
    when,
)
from console.reports.tiles import duration, percent
from console.reports.types import ShiftReport


def detail_page(report: ShiftReport) -> Page:
    def draw(fig: Any, n: int, total: int) -> None:
        frame(fig, report, "Channels, clocks, hand-offs and agents", n, total)
        y = 1.45
        put_text(fig, MARGIN, y, "First response per channel (wall-clock)", fontsize=10, weight="bold")
        fr_rows = [
            [
                safe(channel_label(f.channel), 16),
                f"{f.answered:,}",
                f"{f.unanswered:,}",
                duration(f.median_s),
                duration(f.p90_s),
                duration(f.target_s),
                percent(f.within_target / f.answered if f.answered else None),
            ]
            for f in report.first_response
        ]
        cols = [
            ("Channel", 1.3, "left"),
            ("Answered", 0.9, "right"),
            ("Unanswered", 0.95, "right"),
            ("Median", 0.9, "right"),
            ("90th pct", 0.9, "right"),
            ("Target*", 0.9, "right"),
            ("Within target", 1.1, "right"),
        ]
        y = draw_table(fig, y + 0.2, cols, fr_rows[:12] or [["no enquiries", "", "", "", "", "", ""]])
        put_text(
            fig,
            MARGIN,
            y + 0.12,
            "* most common first-response target in the channel, in working time",
            fontsize=6.5,
            color=MUTED,
        )
        y += 0.55
        put_text(fig, MARGIN, y, "SLA attainment per clock", fontsize=10, weight="bold")
        k_rows = [
            [a.label.capitalize(), f"{a.due:,}", f"{a.met:,}", f"{a.due - a.met:,}", percent(a.rate)]
            for a in report.sla_by_kind
        ]
        cols = [
            ("Clock", 1.8, "left"),
            ("Due", 1.0, "right"),
            ("Met", 1.0, "right"),
            ("Breached", 1.0, "right"),
            ("Attainment", 1.1, "right"),
        ]
        y = draw_table(fig, y + 0.2, cols, k_rows or [["no clocks due", "", "", "", ""]]) + 0.45
        h = report.handoffs
        put_text(fig, MARGIN, y, "Concierge hand-offs", fontsize=10, weight="bold")
        h_rows = [
            [
                f"{h.requested:,}",
                f"{h.accepted:,}",
                f"{h.pending:,}",
                duration(h.median_accept_s),
                duration(h.p90_accept_s),
                f"{report.summary.ping_pong:,}",
            ]
        ]
        cols = [
            ("Requested", 1.0, "right"),
            ("Accepted", 1.0, "right"),
            ("Pending", 1.0, "right"),
            ("Median to accept", 1.3, "right"),
            ("90th pct", 1.0, "right"),
            ("Ping-pong (>2 moves)", 1.5, "right"),
        ]
        y = draw_table(fig, y + 0.2, cols, h_rows) + 0.45
        put_text(fig, MARGIN, y, "Agents: time per status and utilisation", fontsize=10, weight="bold")
        room = int((A4[1] - 0.8 - y - 0.4) / ROW_IN) - 1
        a_rows = [_agent_row(a) for a in report.agents]
        cols = [
            ("Agent", 1.6, "left"),
            ("Team", 1.4, "left"),
            ("Available", 0.75, "right"),
            ("Busy", 0.75, "right"),
            ("Away", 0.75, "right"),
            ("Logged in", 0.8, "right"),
            ("Utilisation", 0.9, "right"),
        ]
        shown = a_rows[:room] if len(a_rows) <= room else a_rows[: room - 1]
        y = draw_table(fig, y + 0.2, cols, shown or [["no agent status recorded", "", "", "", "", "", ""]])
        if len(shown) < len(a_rows):
            put_text(
                fig,
                MARGIN,
                y + 0.12,
                f"… and {len(a_rows) - len(shown):,} more agents in agents.csv",
                fontsize=6.5,
                color=MUTED,
            )

    return draw


def _agent_row(a: Any) -> list[str]:
    per = {st.status: st.seconds for st in a.by_status}
    return [
        safe(a.name, 26),
        safe(a.team, 22),
        duration(per.get("available", 0.0)),
        duration(per.get("busy", 0.0)),
        duration(per.get("away", 0.0)),
        duration(a.logged_in_s),
        percent(a.utilisation),
    ]


def table_pages(report: ShiftReport) -> list[Page]:
    # Rows are built only for what the pages can show: a big shift has tens of thousands of them.
    cap = PER_PAGE * MAX_TABLE_PAGES
    breach_rows = [
        [
            b.enquiry_id,
            safe(channel_label(b.channel), 12),
            safe(b.team, 22),
            priority_label(b.priority),
            clock_label(b.clock),
            when(b.due_at, "%d %b %H:%M"),
            duration(b.over_s),
            "running" if b.stopped_at is None else "late",
        ]
        for b in report.breaches[:cap]
    ]
    breach_cols = [
        ("Enquiry", 1.15, "left"),
        ("Channel", 0.8, "left"),
        ("Team", 1.35, "left"),
        ("Priority", 0.65, "left"),
        ("Clock", 1.0, "left"),
        (f"Due ({when(report.start, '%Z')})", 0.95, "left"),
        ("Over by", 0.7, "right"),
        ("State", 0.55, "left"),
    ]
    carried_rows = [
        [
            c.enquiry_id,
            safe(channel_label(c.channel), 12),
            safe(c.team, 18),
            waiting_for_label(c.waiting_for),
            duration(c.waiting_s),
            safe(c.handle, 18),
            safe(c.text, 60),
        ]
        for c in report.carried_over[:cap]
    ]
    carried_cols = [
        ("Enquiry", 1.1, "left"),
        ("Channel", 0.75, "left"),
        ("Team", 1.1, "left"),
        ("Waiting for", 0.95, "left"),
        ("Waiting", 0.65, "right"),
        ("Customer", 1.0, "left"),
        ("Latest message (masked)", 2.2, "left"),
    ]
    actor_rows = [
        [
            safe(a.actor, 24),
            f"{a.moves:,}",
            f"{a.accepted:,}",
            f"{a.refused:,}",
            safe("; ".join(f"{c.key} ({c.n})" for c in a.reasons[:4]), 70),
        ]
        for a in report.reassignments_by_actor
    ]
    actor_cols = [
        ("Supervisor", 1.4, "left"),
        ("Moves", 0.6, "right"),
        ("Accepted", 0.7, "right"),
        ("Refused", 0.65, "right"),
        ("Top reasons", 3.7, "left"),
    ]
    move_rows = [
        [
            when(m.at, "%H:%M"),
            m.enquiry_id,
            safe(m.actor, 16),
            safe(f"{m.from_team or '-'} > {m.to_team or '-'}", 30),
            safe(m.reason, 48),
            m.result,
        ]
        for m in report.reassignments[:cap]
    ]
    move_cols = [
        ("At", 0.5, "left"),
        ("Enquiry", 1.1, "left"),
        ("By", 1.1, "left"),
        ("Move", 1.7, "left"),
        ("Reason (masked)", 2.1, "left"),
        ("Result", 0.7, "left"),
    ]
    pages: list[Page] = []
    pages += _paged(
        report,
        "SLA breaches",
        "every SLA clock due in the shift and not met, most overdue first",
        breach_cols,
        breach_rows,
        len(report.breaches),
        "breaches.csv",
    )
    pages += _paged(
        report,
        "Carried over",
        "enquiries open at the shift's end, unanswered first",
        carried_cols,
        carried_rows,
        len(report.carried_over),
        "carried_over.csv",
    )
    pages += _paged(
        report,
        "Reassignments by supervisor",
        "moves made in the shift and why",
        actor_cols,
        actor_rows,
        len(actor_rows),
        "reassignments_by_actor.csv",
        then=(move_cols, move_rows, len(report.reassignments), "reassignments.csv"),
    )
    return pages


def _paged(
    report: ShiftReport,
    title: str,
    sub: str,
    cols: Sequence[tuple[str, float, str]],
    rows: Sequence[Sequence[str]],
    count: int,
    csv_name: str,
    then: tuple[Sequence[tuple[str, float, str]], Sequence[Sequence[str]], int, str] | None = None,
) -> list[Page]:
    """Pages of one table (rows: at most what fits; count: how many the report holds), optionally
    followed on the last page by a second table."""
    chunks = [rows[i : i + PER_PAGE] for i in range(0, len(rows), PER_PAGE)][:MAX_TABLE_PAGES] or [[]]
    shown = sum(len(c) for c in chunks)
    pages: list[Page] = []
    for k, chunk in enumerate(chunks):
        last = k == len(chunks) - 1

        def draw(
            fig: Any,
            n: int,
            total: int,
            chunk: Sequence[Sequence[str]] = chunk,
            k: int = k,
            last: bool = last,
        ) -> None:
            cont = f" (continued, {k + 1} of {len(chunks)})" if len(chunks) > 1 and k else ""
            frame(fig, report, title + cont, n, total)
            put_text(fig, MARGIN, 1.3, f"{sub} · {count:,} rows", fontsize=7.5, color=MUTED)
            body = chunk or [["none", *[""] * (len(cols) - 1)]]
            y = draw_table(fig, 1.45, cols, body)
            if last and shown < count:
                more = f"… {count - shown:,} more rows: the CSV export ({csv_name}) lists them all."
                put_text(fig, MARGIN, y + 0.2, more, fontsize=7.5, color=MUTED)
                y += 0.2
            if last and then is not None:
                t_cols, t_rows, t_count, t_csv = then
                room = int((A4[1] - 0.9 - y - 0.9) / ROW_IN)
                put_text(fig, MARGIN, y + 0.5, "Moves, oldest first", fontsize=10, weight="bold")
                body = list(t_rows[:room]) or [["none", *[""] * (len(t_cols) - 1)]]
                y2 = draw_table(fig, y + 0.65, t_cols, body)
                if room < t_count:
                    more = f"… {t_count - room:,} more moves: the CSV export ({t_csv}) lists them all."
                    put_text(fig, MARGIN, y2 + 0.2, more, fontsize=7.5, color=MUTED)

        pages.append(draw)
    return pages
