"""The records the service sent that broke the contract, set aside (console.store.feed): a small dialog
the status bar's "set aside" entry opens. Everything shown comes from outside: plain text only."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ("Source", "Record", "Reason", "Seen", "Last seen")


class QuarantineDialog(QDialog):
    def __init__(self, rows: list[dict[str, Any]], tz: str = "UTC", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Records set aside")
        zone = ZoneInfo(tz)
        intro = QLabel(
            f"{len(rows)} record{'s' if len(rows) != 1 else ''} from the service could not be trusted and "
            "were set aside, with the reason. Each is fetched again at every sync and heals when the "
            "service sends it whole. On a command line: python -m console quarantine list | retry"
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.table = QTableWidget(len(rows), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        for r, row in enumerate(rows):
            last = datetime.fromtimestamp(float(row["last_seen"]), zone).strftime("%a %d %b %H:%M")
            values = (row["source"], row["record_id"], row["reason"], f"{row['count']} times", last)
            for c, value in enumerate(values):
                item = QTableWidgetItem(str(value))  # an item shows its text as plain text
                item.setToolTip(str(value).replace("&", "&amp;").replace("<", "&lt;"))
                self.table.setItem(r, c, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(900, 360)
