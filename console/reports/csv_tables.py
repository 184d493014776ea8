"""Shift report -> a .zip of CSV files, one table per file, for a bank's MI team.

Why a zip of tables rather than one CSV with sections: Excel, Power Query and pandas each open a plain
table directly (filters, pivots, appends across shifts), while a sectioned CSV has to be cut up by hand.
The layout (also described in README.txt inside the zip):
- UTF-8 with a byte-order mark, so Excel shows accents and emoji; CRLF line ends; a header row.
- Times are "YYYY-MM-DD HH:MM:SS" (Excel reads them as date-times): UTC in columns named *_utc, or in the
  zone asked for (tz="Europe/London") in columns named *_local, with summary.csv naming the zone.
- Durations are minutes with two decimals, rates fractions 0..1 with four; an empty cell: not applicable.
- Text cells that would start with = + - @ (a formula to Excel) get a leading apostrophe.
The file is written to a temporary name and moved into place, so a failed export never leaves half a file.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from console.reports.care.tables import care_tables
from console.reports.types import ShiftReport

Cell = str | int | float | None
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

README = """Concierge shift report: {name} ({shift_id}), {site}
Shift {start} to {end}; figures up to {cutoff}; generated {generated} ({zone}).

One table per CSV file (UTF-8, header row). Times are {zone}. Durations are in minutes, rates are
fractions from 0 to 1; an empty cell means not applicable. Text starting with = + - @ has a leading
apostrophe so that Excel does not run it as a formula. Customer text and handles are masked.

Files:
{files}

Definitions:
{notes}
"""


_ZONE: ContextVar[tzinfo] = ContextVar("report_csv_zone", default=UTC)


def zone_for(tz: str) -> tzinfo:
    """An IANA zone by name, with a message a supervisor can act on when the name is wrong."""
    if tz.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"Unknown time zone {tz!r}: use a name such as Europe/London or UTC.") from None


def check_target(path: str | os.PathLike[str]) -> Path:
    """The export's path, once its folder is known to exist (else a message naming the folder, rather
    than one about a temporary file the user never asked for)."""
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"Cannot write {target.name}: the folder {target.parent} does not exist.")
    if target.is_dir():
        raise IsADirectoryError(f"Cannot write the report to {target}: it is a folder; give a file name.")
    return target


def _time(ts: float | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts, _ZONE.get()).strftime("%Y-%m-%d %H:%M:%S")


def _min(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60.0, 2)


def _frac(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)


def _cell(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


def _table(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows([_cell(v) for v in row] for row in rows)
    return buf.getvalue()


def tables(report: ShiftReport, tz: str = "UTC") -> dict[str, tuple[str, str]]:
    """file name -> (one-line description, CSV text), times in `tz`."""
    zone = zone_for(tz)
    token = _ZONE.set(zone)
    try:
        return _tables(report, "utc" if zone is UTC else "local", str(zone))
    finally:
        _ZONE.reset(token)


def _tables(report: ShiftReport, z: str, zone_name: str) -> dict[str, tuple[str, str]]:
    r, s = report, report.summary
    channels = [c.key for c in r.volumes_by_channel]
    summary_rows: list[tuple[str, Cell]] = [
        ("shift_id", r.shift_id),
        ("shift_name", r.shift_name),
        ("site", r.site),
        ("team_ids", " ".join(r.team_ids)),
        ("teams", "; ".join(r.team_names)),
        ("timezone", zone_name),
        (f"start_{z}", _time(r.start)),
        (f"end_{z}", _time(r.end)),
        (f"cutoff_{z}", _time(r.cutoff)),
        (f"generated_{z}", _time(r.generated_at)),
        ("enquiries_created", s.created),
        ("answered", s.answered),
        ("unanswered_at_end", s.unanswered_at_end),
        ("carried_over", s.carried_over),
        ("first_response_median_min", _min(s.median_fr_s)),
        ("first_response_p90_min", _min(s.p90_fr_s)),
        ("sla_clocks_due", s.sla_due),
        ("sla_clocks_met", s.sla_met),
        ("sla_attainment", _frac(s.sla_rate)),
        ("sla_breaches", s.breaches),
        ("handoffs_requested", r.handoffs.requested),
        ("handoffs_accepted", r.handoffs.accepted),
        ("handoffs_pending", r.handoffs.pending),
        ("handoff_accept_median_min", _min(r.handoffs.median_accept_s)),
        ("handoff_accept_p90_min", _min(r.handoffs.p90_accept_s)),
        ("ping_pong_enquiries", s.ping_pong),
        ("reassignments", s.reassignments),
        ("complaints_jurisdiction", r.complaints.jurisdiction),
        ("complaints_received", r.complaints.received),
        ("complaints_flagged_by_service", r.complaints.flagged_by_service),
        ("complaints_confirmed", r.complaints.confirmed),
        ("complaints_dismissed", r.complaints.dismissed),
        ("complaint_deadlines_met", r.complaints.met),
        ("complaint_deadlines_missed", r.complaints.missed),
        ("complaint_src_not_sent", r.complaints.src_not_sent),
    ]
    out: dict[str, tuple[str, str]] = {
        "summary.csv": ("the shift and its headline figures", _table(("figure", "value"), summary_rows)),
        "volumes_by_channel.csv": (
            "enquiries created in the shift per channel",
            _table(("channel", "enquiries"), ((c.key, c.n) for c in r.volumes_by_channel)),
        ),
        "volumes_by_hour.csv": (
            "enquiries created per hour of the shift, a column per channel",
            _table(
                (f"hour_start_{z}", "total", *channels),
                ((_time(h.hour_start), h.total, *(c.n for c in h.by_channel)) for h in r.volumes_by_hour),
            ),
        ),
        "first_response.csv": (
            "first-response times per channel (wall-clock minutes)",
            _table(
                (
                    "channel",
                    "answered",
                    "unanswered",
                    "median_min",
                    "p90_min",
                    "target_min_working",
                    "within_target",
                    "within_target_rate",
                ),
                (
                    (
                        f.channel,
                        f.answered,
                        f.unanswered,
                        _min(f.median_s),
                        _min(f.p90_s),
                        _min(f.target_s),
                        f.within_target,
                        _frac(f.within_target / f.answered if f.answered else None),
                    )
                    for f in r.first_response
                ),
            ),
        ),
        "first_response_histogram.csv": (
            "first-response times binned, per channel",
            _table(
                ("channel", "from_min", "to_min", "enquiries"),
                (
                    (f.channel, _min(lo), _min(hi), n)
                    for f in r.first_response
                    for lo, hi, n in zip(
                        r.fr_bin_edges_s, (*r.fr_bin_edges_s[1:], None), f.histogram, strict=True
                    )
                ),
            ),
        ),
        "sla_by_clock.csv": (
            "SLA attainment per clock kind (clocks due in the shift)",
            _table(
                ("clock", "due", "met", "attainment"),
                ((a.key, a.due, a.met, _frac(a.rate)) for a in r.sla_by_kind),
            ),
        ),
        "sla_by_team.csv": (
            "SLA attainment per owning team (clocks due in the shift)",
            _table(
                ("team_id", "team", "due", "met", "attainment"),
                ((a.key, a.label, a.due, a.met, _frac(a.rate)) for a in r.sla_by_team),
            ),
        ),
        "breaches.csv": (
            "every SLA clock due in the shift and not met, latest first",
            _table(
                (
                    "enquiry_id",
                    "channel",
                    "team_id",
                    "team",
                    "priority",
                    "clock",
                    f"due_{z}",
                    f"stopped_{z}",
                    "over_min",
                    "still_running",
                ),
                (
                    (
                        b.enquiry_id,
                        b.channel,
                        b.team_id,
                        b.team,
                        b.priority,
                        b.clock,
                        _time(b.due_at),
                        _time(b.stopped_at),
                        _min(b.over_s),
                        "yes" if b.stopped_at is None else "no",
                    )
                    for b in r.breaches
                ),
            ),
        ),
        "carried_over.csv": (
            "enquiries open at the shift's end, unanswered first",
            _table(
                (
                    "enquiry_id",
                    "channel",
                    "team_id",
                    "team",
                    "priority",
                    "status",
                    f"created_{z}",
                    "waiting_for",
                    f"waiting_since_{z}",
                    "waiting_min",
                    "customer_masked",
                    "text_masked",
                ),
                (
                    (
                        c.enquiry_id,
                        c.channel,
                        c.team_id,
                        c.team,
                        c.priority,
                        c.status,
                        _time(c.created_at),
                        c.waiting_for,
                        _time(c.waiting_since),
                        _min(c.waiting_s),
                        c.handle,
                        c.text,
                    )
                    for c in r.carried_over
                ),
            ),
        ),
        "ping_pong.csv": (
            "enquiries that moved between teams more than twice",
            _table(
                ("enquiry_id", "channel", "team_id", "team", "bounces"),
                ((p.enquiry_id, p.channel, p.team_id, p.team, p.bounces) for p in r.ping_pong),
            ),
        ),
        "agents.csv": (
            "time per agent status within the shift (minutes) and utilisation",
            _agents_table(report),
        ),
        "outcomes.csv": (
            "J.D. Power outcome rates over enquiries where the flag is known",
            _table(
                ("outcome", "known", "yes", "rate"),
                ((o.flag, o.known, o.yes, _frac(o.rate)) for o in r.outcomes),
            ),
        ),
        "reassignments.csv": (
            "every move made in the shift, oldest first",
            _table(
                (
                    "id",
                    "enquiry_id",
                    f"at_{z}",
                    "actor",
                    "from_team",
                    "to_team",
                    "to_agent",
                    "reason",
                    "result",
                ),
                (
                    (
                        m.id,
                        m.enquiry_id,
                        _time(m.at),
                        m.actor,
                        m.from_team,
                        m.to_team,
                        m.to_agent,
                        m.reason,
                        m.result,
                    )
                    for m in r.reassignments
                ),
            ),
        ),
        "reassignments_by_actor.csv": (
            "moves per supervisor, one row per reason",
            _table(
                ("actor", "moves", "accepted", "refused", "reason", "reason_count"),
                (
                    (a.actor, a.moves, a.accepted, a.refused, c.key, c.n)
                    for a in r.reassignments_by_actor
                    for c in a.reasons
                ),
            ),
        ),
    }
    out.update(care_tables(r, _table))  # Consumer Duty and reply behaviours (issue 17)
    return out


def _agents_table(report: ShiftReport) -> str:
    statuses: list[str] = []
    for a in report.agents:
        statuses += [st.status for st in a.by_status if st.status not in statuses]
    rows = []
    for a in report.agents:
        per = {st.status: st.seconds for st in a.by_status}
        rows.append(
            (
                a.agent_id,
                a.name,
                a.team_id,
                a.team,
                *(_min(per.get(st, 0.0)) for st in statuses),
                _min(a.logged_in_s),
                _min(a.busy_s),
                _frac(a.utilisation),
            )
        )
    header = (
        "agent_id",
        "name",
        "team_id",
        "team",
        *(f"{st}_min" for st in statuses),
        "logged_in_min",
        "busy_min",
        "utilisation",
    )
    return _table(header, rows)


def to_csv(report: ShiftReport, path: str | os.PathLike[str], *, tz: str = "UTC") -> Path:
    """Write the report as a zip of CSV tables (see the module docstring); returns the path written."""
    target = check_target(path)
    parts = tables(report, tz)
    zone = zone_for(tz)
    token = _ZONE.set(zone)
    try:
        readme = README.format(
            name=report.shift_name,
            shift_id=report.shift_id,
            site=report.site,
            start=_time(report.start),
            end=_time(report.end),
            cutoff=_time(report.cutoff),
            generated=_time(report.generated_at),
            zone=str(zone),
            files="\n".join(f"- {name}: {desc}" for name, (desc, _) in parts.items()),
            notes="\n".join(f"- {n}" for n in report.notes),
        )
    finally:
        _ZONE.reset(token)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".zip.part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("README.txt", readme.replace("\n", "\r\n").encode("utf-8-sig"))
            for name, (_, text) in parts.items():
                zf.writestr(name, text.encode("utf-8-sig"))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
