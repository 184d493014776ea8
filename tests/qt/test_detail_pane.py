from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from console.domain.model import Assignment, Message
from tests.helpers.detail import HOSTILE, NOW, enq
from widgets.detail.pane import ClockRow, DetailPane

MESSAGES = [
    Message("m1", "enq-1", "in", "@jo_bloggs", HOSTILE, NOW - 3600),
    Message(
        "m2",
        "enq-1",
        "out",
        "Niamh",
        "Card 4111 1111 1111 1111 noted, see https://bank.example/help",
        NOW - 60,
    ),
]
MOVES = [Assignment("as1", "enq-1", "social", None, "cards", "a1", "card dispute", "sup1", NOW - 1800)]
CLOCKS = [ClockRow("First response", "12 min over · was due 14:20", "Breached")]


def pane(qtbot: QtBot, privacy: str = "full") -> DetailPane:
    p = DetailPane()
    qtbot.addWidget(p)
    p.set_privacy(privacy)
    p.set_names({"cards": "Cards", "social": "Social care", "a1": "Niamh"})
    p.resize(700, 600)
    return p


def test_customer_markup_shows_literally_never_as_rich_text(qtbot: QtBot) -> None:
    p = pane(qtbot)
    p.show_enquiry(enq(), messages=MESSAGES, earlier=[], assignments=MOVES, clocks=CLOCKS)
    text = p.conversation.toPlainText()
    assert HOSTILE in text  # every tag and entity exactly as the customer typed it
    assert "&lt;escaped&gt;" in text
    assert p.title.textFormat() == Qt.TextFormat.PlainText
    assert p.title.text() == "<i>Jo</i> Bloggs (@jo_bloggs)"
    image = QImage(p.size(), QImage.Format.Format_ARGB32)
    p.render(image)
    assert not image.isNull()
    # The assignment history names teams and agents, with the reason.
    row = p.assignments.topLevelItem(0)
    assert row is not None
    assert [row.text(i) for i in (1, 2, 4)] == ["Social care / —", "Cards / Niamh", "card dispute"]
    clock = p.clocks.topLevelItem(0)
    assert clock is not None and clock.text(2) == "Breached"


def test_links_are_found_but_not_followed_without_asking(qtbot: QtBot) -> None:
    p = pane(qtbot)
    p.show_enquiry(enq(), messages=MESSAGES, earlier=[], assignments=[], clocks=[])
    doc = p.conversation.document()
    block = doc.findBlock(p.conversation.toPlainText().index("https://bank.example"))
    cursor = p.conversation.textCursor()
    cursor.setPosition(block.position() + block.text().index("https://bank.example") + 5)
    rect = p.conversation.cursorRect(cursor)
    assert p.link_at(rect.center()) == "https://bank.example/help"
    assert p.conversation.isReadOnly()
    assert not p.conversation.document().toHtml().count("<a href")  # nothing is a live anchor


def test_privacy_modes(qtbot: QtBot) -> None:
    p = pane(qtbot, "partial")
    p.show_enquiry(enq(), messages=MESSAGES, earlier=[], assignments=[], clocks=[])
    text = p.conversation.toPlainText()
    assert "4111 1111 1111 1111" not in text and "1111" in text  # the last four stay, for the agent
    assert "@jo_bloggs" not in p.title.text()
    assert p.title.text().startswith("<i>Jo</i> B. (")  # first name and an initial only
    p.set_privacy("masked")
    p.show_enquiry(enq(), messages=MESSAGES, earlier=[], assignments=[], clocks=[])
    assert "Bloggs" not in p.title.text()
    assert "Card" not in p.conversation.toPlainText()
    assert "hidden" in p.conversation.toPlainText()


def test_missing_messages_are_asked_for_and_late_answers_for_another_enquiry_are_dropped(
    qtbot: QtBot,
) -> None:
    p = pane(qtbot)
    with qtbot.waitSignal(p.messagesWanted) as wanted:
        p.show_enquiry(
            enq(), messages=None, earlier=[enq("enq-0", created_at=NOW - 86_400)], assignments=[], clocks=[]
        )
    assert wanted.args == ["enq-1"]
    assert "Fetching" in p.conversation.toPlainText()
    assert p.tabs.tabText(1) == "Earlier enquiries (1)"
    p.show_enquiry(enq("enq-2"), messages=[], earlier=[], assignments=[], clocks=[])
    p.set_messages("enq-1", MESSAGES)  # the answer for the enquiry the supervisor left
    assert p.conversation.toPlainText() == "No messages."
    p.set_messages("enq-2", MESSAGES[1:])
    assert "Niamh" in p.conversation.toPlainText()
