from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from console.domain.model import Assignment, Message
from tests.helpers.detail import HOSTILE, NOW, enq
from widgets.detail.conversation import AGENT_BAND, KIND_ROLE, LABEL_ROLE
from widgets.detail.pane import ClockRow, DetailPane
from widgets.theme.icons import sla_icon
from widgets.theme.theme import make_theme

# The offscreen platform cannot pass size hints to a window manager; nothing is wrong with the pane.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

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
    p.show()
    p.show_enquiry(enq(), messages=MESSAGES, earlier=[], assignments=[], clocks=[])
    view = p.conversation
    agent_turn = view.visualRect(view.model().index(1, 0)).center()
    assert p.link_at(agent_turn) == "https://bank.example/help"
    customer_turn = view.visualRect(view.model().index(0, 0)).center()
    assert p.links_at(customer_turn) == ["http://evil.example/x", "http://evil.example/p.png"]
    assert view.isReadOnly()
    assert not view.dragEnabled()  # nothing leaves the conversation unmasked by dragging


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


def test_customer_and_agent_turns_are_told_apart_at_a_glance(qtbot: QtBot, qtmodeltester: object) -> None:
    p = pane(qtbot)
    theme = make_theme("light")
    p.set_theme(theme)
    p.show()
    p.show_enquiry(enq(), messages=MESSAGES, earlier=[], assignments=[], clocks=[])
    view = p.conversation
    model = view.model()
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    kinds = [model.index(r, 0).data(KIND_ROLE) for r in range(model.rowCount())]
    labels = [model.index(r, 0).data(LABEL_ROLE) for r in range(model.rowCount())]
    assert kinds == ["in", "out"] and labels == ["Customer", "Agent · Niamh"]
    assert model.index(0, 0).data() == HOSTILE  # the turn holds the customer's text as typed
    # The customer's turn sits on the left with a neutral band at its left edge; the agent's on the
    # right with a green band at its right edge. Read back from the pixels drawn.
    view.clearSelection()
    view.setCurrentIndex(model.index(-1, 0))
    image = view.viewport().grab().toImage()
    customer, agent = (view.visualRect(model.index(r, 0)) for r in (0, 1))
    green = QColor(AGENT_BAND["light"])

    def colour(x: int, y: int) -> QColor:
        return QColor(image.pixel(x, y))

    assert colour(agent.right() - 3, agent.center().y()) == green
    assert colour(agent.left() + 2, agent.center().y()) != green  # the agent's bubble leaves the left
    assert colour(customer.left() + 2, customer.center().y()) == theme.muted
    assert colour(customer.right() - 3, customer.center().y()) == theme.base  # and the customer's the right


def test_clocks_wear_the_queue_icons_and_colours(qtbot: QtBot) -> None:
    p = pane(qtbot)
    theme = make_theme("dark")
    p.set_theme(theme)
    clocks = [
        ClockRow("First response", "stopped Mon 09:01", "Met", "met"),
        ClockRow("Resolution", "+0:12 over · was due 14:20", "Breached", "breached"),
        ClockRow("Next response", "paused while waiting for the customer", "0:10 used"),
    ]
    p.show_enquiry(enq(), messages=[], earlier=[], assignments=[], clocks=clocks)
    met, breached, paused = (p.clocks.topLevelItem(i) for i in range(3))
    assert met is not None and breached is not None and paused is not None
    on_track, late = theme.state("on_track"), theme.state("breached")
    assert on_track is not None and late is not None
    assert breached.background(1).color() == late.bg and breached.foreground(2).color() == late.fg
    assert met.background(2).color() == on_track.bg  # a met clock looks like one on track
    expected = sla_icon("breached", theme)
    assert expected is not None
    assert breached.icon(1).cacheKey() == expected.cacheKey()  # the very icon the queue shows
    assert paused.icon(1).isNull()


def test_a_narrow_drawer_wraps_the_clocks_but_keeps_their_text(qtbot: QtBot) -> None:
    p = pane(qtbot)
    clocks = [ClockRow("Resolution", "+0:12 over · was due Mon 14:20", "Breached", "breached")]
    p.show()
    p.show_enquiry(enq(), messages=[], earlier=[], assignments=[], clocks=clocks)
    item = p.clocks.topLevelItem(0)
    assert item is not None
    one_line = p.clocks.sizeHintForRow(0)
    p.resize(260, 600)
    item = p.clocks.topLevelItem(0)
    assert item is not None and item.text(1) == "+0:12 over · was due Mon 14:20"
    assert p.clocks.sizeHintForRow(0) > one_line  # shown on two lines
    assert p.clocks.height() >= p.clocks.header().height() + p.clocks.sizeHintForRow(0)
