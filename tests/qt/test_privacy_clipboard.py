"""Clipboard copies carry customer text PII-masked: from the queue (Ctrl+C on a cell, even in the "full"
privacy mode) and from the detail pane's conversation (even after an audited reveal on screen)."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from console.domain.model import Assignment, ChangeSet
from tests.helpers.detail import enq
from tests.helpers.queue import Feed, make_model, open_rows
from widgets.detail.pane import DetailPane
from widgets.queue.text import Col
from widgets.queue.view import QueueView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
PII = "card 4111 1111 1111 1111, call 07700 900123, IBAN GB29 NWBK 6016 1331 9268 19, jo.bloggs@example.com"
RAW = ("4111 1111 1111 1111", "07700 900123", "GB29 NWBK 6016 1331 9268 19", "jo.bloggs@example.com")


def test_copying_from_a_revealed_conversation_masks_it(qtbot: QtBot) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.set_privacy("partial")
    e = enq(text=PII)
    pane.show_enquiry(e, messages=None, earlier=[], assignments=[], clocks=[])
    pane.reveal(e.id)
    pane.show_enquiry(e, messages=None, earlier=[], assignments=[], clocks=[])
    assert all(raw in pane.conversation.toPlainText() for raw in RAW)  # on screen: revealed, as asked
    QGuiApplication.clipboard().clear()
    pane.conversation.selectAll()
    pane.conversation.copy()
    copied = QGuiApplication.clipboard().text()
    assert "•••• 1111" in copied and "@example.com" not in copied
    assert not [raw for raw in RAW if raw in copied]


def test_move_reasons_in_the_detail_pane_are_masked_unless_revealed(qtbot: QtBot) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.set_privacy("partial")
    e = enq()
    moves = [
        Assignment(
            "as1", e.id, "social", None, "cards", None, "customer asked: ring 07700 900123", "sup1", 1.0
        )
    ]
    pane.show_enquiry(e, messages=None, earlier=[], assignments=moves, clocks=[])
    first = pane.assignments.topLevelItem(0)
    assert first is not None and first.text(4) == "customer asked: ring ••••••123"
    pane.reveal(e.id)
    pane.show_enquiry(e, messages=None, earlier=[], assignments=moves, clocks=[])
    first = pane.assignments.topLevelItem(0)
    assert first is not None and first.text(4) == "customer asked: ring 07700 900123"


def test_ctrl_c_in_the_queue_copies_the_cell_masked_even_in_full_mode(qtbot: QtBot, feed: Feed) -> None:
    model = make_model(feed)
    model.set_privacy("full")
    # Display names hold contact details too ("Jo - call 07700 900123"): the full mode shows the name.
    name = "Jo call 07700 900123 or jo.bloggs@example.com"
    e = dataclasses.replace(
        open_rows(feed)[0], id="pii-row", text=PII, customer_name=name, created_at=feed.now()
    )
    model.apply(ChangeSet(added={"pii-row"}), {"pii-row": e})
    view = QueueView(model)
    view.set_tick_interval(0)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    assert view.select_id("pii-row")
    row = view.currentIndex().row()
    assert not [raw for raw in RAW if raw in str(model.index(row, Col.PREVIEW).data())]  # masked in any mode
    copied = {}
    for col in (Col.CUSTOMER, Col.PREVIEW):
        view.setCurrentIndex(model.index(row, col))
        QGuiApplication.clipboard().clear()
        qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
        copied[col] = QGuiApplication.clipboard().text()
    assert "07700 900123" in str(model.index(row, Col.CUSTOMER).data())  # on screen in the full mode
    assert copied[Col.CUSTOMER].startswith("Jo call ••••••123 or •••@•••")
    assert copied[Col.PREVIEW].startswith("card •••• 1111")
    assert not [raw for text in copied.values() for raw in RAW if raw in text]
    assert "07700 900123" not in copied[Col.CUSTOMER]
