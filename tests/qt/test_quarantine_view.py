"""Issue 14, defect 7 in the console: the status bar's "set aside" entry appears with quarantined records
and opens their list; reasons and ids from outside are shown as plain text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from console.store.cache import Store
from widgets.status.connection import ConnectionStatus
from widgets.status.quarantine import QuarantineDialog


@pytest.mark.expected_log(r"^quarantined ", logger="concierge.store")
@pytest.mark.expected_log(r"forgot our feed cursor", logger="concierge.sync")
def test_set_aside_entry_opens_the_list_as_plain_text(qtbot: QtBot, tmp_path: Path) -> None:
    with Store(tmp_path / "c.db", os.urandom(32)) as store:
        bad = {"seq": 1, "op": "upsert", "enquiry": {"id": "<b>e1</b>", "status": "<i>bogus</i>"}}
        store.apply_feed_page([bad, {"seq": 2, "op": "upsert", "enquiry": {"id": "e2\x00"}}], "c", now=1.9e9)
        rows = store.quarantine()
    status = ConnectionStatus()
    qtbot.addWidget(status)
    assert status.quarantined.isHidden()
    status.set_quarantined(len(rows))
    assert not status.quarantined.isHidden() and status.quarantined.text() == "⚠ 2 records set aside"
    with qtbot.waitSignal(status.quarantineRequested, timeout=5000):
        status.quarantined.click()
    dialog = QuarantineDialog(rows, "UTC")
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    cells = [(dialog.table.item(r, 1), dialog.table.item(r, 2)) for r in range(2)]
    shown = {a.text(): b.text() for a, b in cells if a is not None and b is not None}
    assert "<b>e1</b>" in shown and "visibility: missing" in shown["<b>e1</b>"]
    assert any(k.startswith("sha256:") for k in shown)  # an id with a NUL is not used as an id
