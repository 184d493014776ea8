"""Shift reports: the public face of report_types (data), report_compute (figures), report_csv and
report_pdf (exports). Import from here; the split is only to keep each file readable."""

from __future__ import annotations

from console.reports.compute import ClockLike, ClockSource, StatusInterval, compute_shift_report
from console.reports.csv_tables import tables as csv_tables
from console.reports.csv_tables import to_csv, zone_for
from console.reports.pdf import to_pdf
from console.reports.types import FR_BIN_EDGES_S, SCHEMA, ReportFormatError, ShiftReport

__all__ = [
    "FR_BIN_EDGES_S",
    "SCHEMA",
    "ClockLike",
    "ClockSource",
    "ReportFormatError",
    "ShiftReport",
    "StatusInterval",
    "compute_shift_report",
    "csv_tables",
    "to_csv",
    "to_pdf",
    "zone_for",
]
