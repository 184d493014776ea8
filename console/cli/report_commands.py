"""Headless shift reports and the audit trail, offline from the encrypted cache:

    python -m console report --cache PATH --shift ID --format pdf|csv --out FILE
    python -m console audit verify --cache PATH
    python -m console audit export --cache PATH [--out FILE]

Exit codes as console.cli.common, including 6: the audit trail has been tampered with. Every report and audit
export leaves an audit entry (who, what, when).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from console.cli import anchor
from console.cli.common import (
    EXIT_CACHE,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_TAMPERED,
    EXIT_USAGE,
    CommandError,
    cache_key,
    cli_actor,
    load_settings,
    run_command,
    setup_logging,
)
from console.platform.files import replaced_atomically

if TYPE_CHECKING:
    from console.reports.shift_report import ShiftReport
    from console.store.cache import Store


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def report_for(store: Store, shift_id: str, now: float) -> tuple[ShiftReport, str]:
    """The stored report of a shift; for an ended shift without one, compute and store it now; for a shift
    still running, a report up to now (not stored). Returns (report, how it was obtained)."""
    from console.domain.wire import iso
    from console.store.reports import load_report
    from console.sync.shift_close import all_shifts, build_report, close_ended_shifts, last_synced

    stored = load_report(store, shift_id)
    if stored is not None:
        return stored, "stored"
    conf = load_settings()
    shifts, _ = all_shifts(store, conf.extra)  # the API's shifts and any set in the settings
    site = conf.jurisdiction  # whose complaint clocks the complaint figures count
    shift = next((s for s in shifts if s.id == shift_id), None)
    if shift is None:
        known = ", ".join(s.id for s in shifts[-8:]) or "none cached: sync first"
        raise CommandError(f"no shift {shift_id!r} in the cache (known: {known})", EXIT_USAGE)
    synced = last_synced(store)
    if shift.end <= now and synced >= shift.end:
        close_ended_shifts(
            store, now, [shift], grace_s=0.0, max_age_s=float("inf"), synced_at=synced, jurisdiction=site
        )
        stored = load_report(store, shift_id)
        assert stored is not None
        return stored, "computed at the end of the shift and stored"
    if shift.end <= now:  # the cache is behind: a report from it would be wrong for good, so not kept
        when = iso(synced) if synced else "never"
        return (
            build_report(store, shift, max(synced, shift.start), jurisdiction=site),
            f"the cache was last synced {when}, before the shift ended: figures up to then, not stored",
        )
    return build_report(
        store, shift, now, jurisdiction=site
    ), "shift still running: figures up to now, not stored"


def export_report(
    store: Store, report: ShiftReport, fmt: str, out: Path, *, actor: str, now: float, tz: str
) -> Path:
    """Write a report (PDF or zip of CSV) and audit the export. PII is masked in the report already."""
    from console.reports.shift_report import to_csv, to_pdf

    written = to_pdf(report, out, tz=tz) if fmt == "pdf" else to_csv(report, out, tz=tz)
    store.audit(
        at=now,
        actor=actor,
        action="report.export",
        subject=report.shift_id,
        detail={"format": fmt, "file": written.name, "sha256": file_digest(written)},
    )
    return written


# -- report ------------------------------------------------------------------------------------------
def report_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m console report", description="Export a shift report from the cache (works offline)."
    )
    parser.add_argument(
        "--cache", type=Path, default=None, help="the cache file (default: the one the console uses)"
    )
    parser.add_argument("--shift", required=True, help="the shift's id")
    parser.add_argument(
        "--format", choices=("pdf", "csv"), required=True, help="pdf, or csv (a zip of tables)"
    )
    parser.add_argument("--out", type=Path, required=True, help="the file to write")
    parser.add_argument("--tz", default=None, help="time zone for times (default: the site's, else UTC)")
    args = parser.parse_args(argv)
    setup_logging(False)
    return run_command("report", lambda: _report(args))


def _report(args: argparse.Namespace) -> int:
    from console.store.cache import Store
    from console.sync.shift_close import report_zone

    cache = args.cache or load_settings().resolved_cache_path()
    if not cache.exists():
        raise CommandError(f"no cache at {cache}: sync first", EXIT_CACHE)
    now = time.time()
    with Store(cache, cache_key()) as store:
        report, how = report_for(store, args.shift, now)
        tz = args.tz or report_zone(store.teams(), store.calendars())
        written = export_report(store, report, args.format, args.out, actor=cli_actor(), now=now, tz=tz)
    print(f"wrote {written} ({args.format}, shift {report.shift_id}: {how}; times in {tz})", file=sys.stderr)
    return EXIT_OK


# -- audit -------------------------------------------------------------------------------------------
def audit_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m console audit", description="The audit trail.")
    sub = parser.add_subparsers(dest="action", required=True)
    verify = sub.add_parser("verify", help="check the hash chain: exit 6 naming the first bad entry")
    verify.add_argument("--cache", type=Path, default=None)
    anchor.add_arguments(verify)  # the bank's copy of the trail (console.cli.anchor)
    export = sub.add_parser("export", help="write the trail as JSON lines for compliance")
    export.add_argument("--cache", type=Path, default=None)
    export.add_argument("--out", type=Path, default=None, help="output file (default: standard output)")
    args = parser.parse_args(argv)
    setup_logging(False)
    return run_command("audit", lambda: _verify(args) if args.action == "verify" else _audit_export(args))


def _verify(args: argparse.Namespace) -> int:
    from console.store.cache import StoreReader

    cache = args.cache or load_settings().resolved_cache_path()
    from console.store.reports import verify_reports

    with StoreReader(cache, cache_key()) as reader:
        bad = reader.verify_audit()
        count = len(reader._rows("SELECT seq FROM audit"))
        reports = verify_reports(reader)
        anchored, broken = anchor.check(reader, args)
    for line in anchored:
        print(line, file=sys.stderr)
    if bad is not None:
        print(
            f"audit trail BROKEN at entry {bad}: entry {bad} (or the one before it) was edited, inserted or "
            f"deleted; {count} entries in {cache}",
            file=sys.stderr,
        )
    for problem in reports:
        print(f"stored reports: {problem}", file=sys.stderr)
    if bad is not None or reports or broken:
        return EXIT_TAMPERED
    print(
        f"audit trail intact: {count} entries; stored shift reports match their audit entries",
        file=sys.stderr,
    )
    return EXIT_OK


def _audit_export(args: argparse.Namespace) -> int:
    from console.store.cache import Store
    from console.store.reports import audit_lines

    cache = args.cache or load_settings().resolved_cache_path()
    if not cache.exists():
        raise CommandError(f"no cache at {cache}: sync first", EXIT_CACHE)
    with Store(cache, cache_key()) as store:
        bad = store.verify_audit()
        n = 0
        if args.out is None:
            for line in audit_lines(store):
                sys.stdout.write(line + "\n")
                n += 1
            sys.stdout.flush()
        else:
            out: Path = args.out
            if not out.parent.is_dir():
                raise CommandError(
                    f"cannot write {out.name}: the folder {out.parent} does not exist", EXIT_OUTPUT
                )
            with replaced_atomically(out, prefix=".audit-", newline="\n") as f:
                for line in audit_lines(store):
                    f.write(line + "\n")
                    n += 1
        target = str(args.out.name) if args.out else "stdout"
        store.audit(
            at=time.time(),
            actor=cli_actor(),
            action="audit.export",
            subject=target,
            detail={"entries": n, "intact": bad is None},
        )
    status = "intact" if bad is None else f"BROKEN at entry {bad}"
    print(f"exported {n} audit entries (chain {status})", file=sys.stderr)
    return EXIT_OK if bad is None else EXIT_TAMPERED
