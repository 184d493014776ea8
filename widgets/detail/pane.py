"""The detail pane on the right: one enquiry's conversation, its SLA clocks, the customer's earlier
enquiries and the assignment history.

Everything a customer wrote is untrusted: it is shown as plain text only (QPlainTextEdit, labels with
Qt.PlainText, item views). Links are never clickable; "Open link…" asks first and shows the full address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.domain.model import Assignment, Enquiry, Message
from console.domain.privacy import mask_handle, mask_text
from console.sla.words import NO_CLOCK
from widgets.app.dialogs import confirm_open_link

URL_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
HIDDEN = "(hidden: privacy is set to masked)"


@dataclass(frozen=True, slots=True)
class ClockRow:
    """One SLA clock as the pane shows it (the controller formats it from console.sla.engine)."""

    name: str  # "First response"
    due: str  # "due Mon 09:16" / "met at 14:02"
    state: str  # "0:42 left" / "+1:05 over" / "met" / "missed by 0:12"


def _plain_label(text: str = "", *, bold: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # customer text must never be parsed as rich text
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    if bold:
        font = label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        label.setFont(font)
    return label


def _tree(headers: Sequence[str], name: str) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels(list(headers))
    tree.setRootIsDecorated(False)
    tree.setUniformRowHeights(True)
    tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    tree.setAccessibleName(name)
    return tree


class _MaskedCopyText(QPlainTextEdit):
    """Copies and drags out of the conversation carry it PII-masked, even when revealed on screen."""

    def createMimeDataFromSelection(self) -> QMimeData:
        data = QMimeData()
        data.setText(mask_text(self.textCursor().selection().toPlainText()))
        return data


class DetailPane(QWidget):
    """Call show_enquiry(); the pane asks for missing messages with messagesWanted(id)."""

    messagesWanted = Signal(str)
    enquiryPicked = Signal(str)  # an earlier enquiry double-clicked
    revealRequested = Signal(str)  # "Reveal": the session audits it, then calls reveal()

    def __init__(self, parent: QWidget | None = None, tz: str = "UTC") -> None:
        super().__init__(parent)
        self._tz = ZoneInfo(tz)
        self._current: str | None = None
        self._privacy = "partial"
        self._names: Mapping[str, str] = {}
        self._channels: Mapping[str, str] = {}
        self._revealed: set[str] = set()  # shown in full on screen for this session (never in exports)
        self.reveal_button = QPushButton("Reveal")
        self.reveal_button.setToolTip("Show this enquiry unmasked, on this screen only (audited)")
        self.reveal_button.clicked.connect(lambda: self._current and self.revealRequested.emit(self._current))

        self.title = _plain_label(bold=True)
        self.meta = _plain_label()
        self.risk_line = _plain_label()  # escalation risk with its reasons, and the channel history
        self.risk_line.setAccessibleName("Escalation risk and channel history")
        self._notes: Mapping[str, str] = {}
        self.clocks = _tree(("SLA clock", "Time left · deadline", "State"), "SLA clocks")
        self.conversation = _MaskedCopyText()
        self.conversation.setReadOnly(True)
        self.conversation.setAccessibleName("Conversation")
        self.conversation.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.conversation.customContextMenuRequested.connect(self._context_menu)
        self.earlier = _tree(("Opened", "Channel", "Topic", "Status", "Latest message"), "Earlier enquiries")
        self.earlier.itemDoubleClicked.connect(
            lambda item, _col: self.enquiryPicked.emit(item.data(0, Qt.ItemDataRole.UserRole))
        )
        self.assignments = _tree(("When", "From", "To", "By", "Reason", "Result"), "Assignment history")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.conversation, "Conversation")
        self.tabs.addTab(self.earlier, "Earlier enquiries")
        self.tabs.addTab(self.assignments, "Assignments")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()  # Reveal beside the customer's name: no row taken from the clocks
        top.addWidget(self.title, 1)
        top.addWidget(self.reveal_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        layout.addWidget(self.meta)
        layout.addWidget(self.risk_line)
        layout.addWidget(self.clocks)
        layout.addWidget(self.tabs, 1)
        self.clear()

    # --- configuration ---------------------------------------------------------------------------

    def set_privacy(self, mode: str) -> None:
        """full: as written; partial: handles shortened, card/account numbers, phones and emails
        hidden; masked (branches, wallboards): no customer name or words at all."""
        if mode not in ("full", "partial", "masked"):
            raise ValueError(f"unknown privacy mode {mode!r}")
        self._privacy = mode
        self._show_reveal()

    def reveal(self, enquiry_id: str) -> None:
        """Unmask one enquiry on screen for the rest of the session (call show_enquiry again after)."""
        self._revealed.add(enquiry_id)
        self._show_reveal()

    def _show_reveal(self) -> None:
        self.reveal_button.setVisible(self._current is not None and self._mode() != "full")

    def _mode(self) -> str:
        return "full" if self._current in self._revealed else self._privacy

    def _text(self, text: str) -> str:
        mode = self._mode()
        if mode == "masked":
            return HIDDEN
        return text if mode == "full" else mask_text(text)

    def _name_shown(self, name: str) -> str:
        """full: the name; partial: first name and an initial ("Jo B."); masked: nothing."""
        words, mode = name.split(), self._mode()
        if mode == "masked" or not words:
            return ""
        if mode == "full" or len(words) == 1:
            return " ".join(words)
        return f"{words[0]} {words[-1][0]}."

    def _handle(self, handle: str) -> str:
        return mask_handle(handle, self._mode()) if handle else ""

    def set_names(self, names: Mapping[str, str], channels: Mapping[str, str] | None = None) -> None:
        """Team and agent ids -> display names; channel ids -> names ("x" -> "X")."""
        self._names = names
        self._channels = channels or {}

    def set_time_zone(self, tz: str) -> None:
        self._tz = ZoneInfo(tz)

    def current_id(self) -> str | None:
        return self._current

    # --- content ---------------------------------------------------------------------------------

    def clear(self) -> None:
        self._current = None
        self.title.setText("No enquiry selected")
        self.meta.setText("Pick an enquiry in the queue to see its conversation and clocks.")
        self.risk_line.setText("")
        self._notes = {}
        self.clocks.clear()
        self.conversation.setPlainText("")
        self.earlier.clear()
        self.assignments.clear()
        self.tabs.setTabText(1, "Earlier enquiries")
        self._show_reveal()

    def show_enquiry(
        self,
        e: Enquiry,
        *,
        messages: Sequence[Message] | None,
        earlier: Sequence[Enquiry],
        assignments: Sequence[Assignment],
        clocks: Sequence[ClockRow],
    ) -> None:
        """messages None: not in the cache yet; the pane says so and asks for them."""
        self._current = e.id
        self._show_reveal()
        who = self._handle(e.customer_handle) or "unknown customer"
        name = self._name_shown(e.customer_name)
        self.title.setText(f"{name} ({who})" if name else who)
        flags = ", ".join(sorted(e.flags)) or "none"
        team = self._name(e.team_id, "no team")
        agent = self._name(e.agent_id, "unassigned")
        status = e.status.replace("_", " ")
        channel = self._channels.get(e.channel, e.channel)
        self.meta.setText(
            f"{channel} · {e.visibility} · {e.topic} · priority {e.priority} · {status}\n"
            f"Team {team} · Agent {agent} · Flags {flags} · Ref {e.id}"
        )
        self.set_clocks(clocks)
        if messages is None:
            latest = self._text(e.text)
            self.conversation.setPlainText(f"Fetching the conversation…\n\nLatest message:\n{latest}")
            self.messagesWanted.emit(e.id)
        else:
            self.set_messages(e.id, messages)
        self._fill_earlier(e, earlier)
        self._fill_assignments(assignments)

    def set_risk(self, enquiry_id: str, text: str, notes: Mapping[str, str] | None = None) -> None:
        """The escalation risk and channel history (plain words from console.domain.risk), and a note
        per message id shown under it in the conversation (where it was sent, what the reply did).
        Call before set_messages."""
        if enquiry_id != self._current:
            return
        self.risk_line.setText(text)
        self._notes = notes or {}

    def set_messages(self, enquiry_id: str, messages: Sequence[Message]) -> None:
        if enquiry_id != self._current:
            return  # an answer for an enquiry the supervisor has already left
        if not messages:
            self.conversation.setPlainText("No messages.")
            return
        parts = []
        for m in messages:
            agent = f"Agent · {m.author}" if m.author else "Agent"
            who = "Customer" if m.direction == "in" else agent
            note = self._notes.get(m.id)
            tail = f"   [{note}]\n" if note else ""
            parts.append(f"── {self._when(m.sent_at)} · {who}\n{self._text(m.text)}\n{tail}")
        self.conversation.setPlainText("\n".join(parts))

    def set_messages_failed(self, enquiry_id: str, reason: str) -> None:
        if enquiry_id == self._current:
            self.conversation.setPlainText(f"The conversation could not be fetched: {reason}")

    def set_clocks(self, clocks: Sequence[ClockRow]) -> None:
        self.clocks.clear()
        for c in clocks:
            self.clocks.addTopLevelItem(QTreeWidgetItem([c.name, c.due, c.state]))
        if not clocks:
            self.clocks.addTopLevelItem(QTreeWidgetItem([NO_CLOCK, "", ""]))
        for col in range(3):
            self.clocks.resizeColumnToContents(col)
        # Exactly as tall as its rows: every clock visible, no dead space.
        rows = self.clocks.topLevelItemCount() + 1  # + the header
        line = self.clocks.fontMetrics().height() + 6
        self.clocks.setFixedHeight(rows * line + 2 * self.clocks.frameWidth() + 4)

    def _fill_earlier(self, e: Enquiry, earlier: Sequence[Enquiry]) -> None:
        self.earlier.clear()
        others = [x for x in earlier if x.id != e.id]
        for x in others:
            preview = self._text(" ".join(x.text.split()))[:160]
            channel = self._channels.get(x.channel, x.channel)
            item = QTreeWidgetItem([self._when(x.created_at), channel, x.topic, x.status, preview])
            item.setData(0, Qt.ItemDataRole.UserRole, x.id)
            self.earlier.addTopLevelItem(item)
        self.tabs.setTabText(1, f"Earlier enquiries ({len(others)})")

    def _fill_assignments(self, assignments: Sequence[Assignment]) -> None:
        self.assignments.clear()
        for a in assignments:
            src = f"{self._name(a.from_team, '—')} / {self._name(a.from_agent, '—')}"
            dst = f"{self._name(a.to_team, '—')} / {self._name(a.to_agent, '—')}"
            reason = a.reason if self._mode() == "full" else mask_text(a.reason)  # free text: PII too
            row = [self._when(a.at), src, dst, a.actor, reason or "(no reason given)", a.result]
            self.assignments.addTopLevelItem(QTreeWidgetItem(row))
        if not assignments:
            self.assignments.addTopLevelItem(QTreeWidgetItem(["No moves yet", "", "", "", "", ""]))

    def _name(self, ident: str | None, none: str) -> str:
        if ident is None:
            return none
        return self._names.get(ident, ident)

    def _when(self, t: float) -> str:
        return datetime.fromtimestamp(t, self._tz).strftime("%a %d %b %H:%M")

    # --- links: never followed without asking ------------------------------------------------------

    def link_at(self, pos: QPoint) -> str | None:
        cursor = self.conversation.cursorForPosition(pos)
        line = cursor.block().text()
        col = cursor.positionInBlock()
        for m in URL_RE.finditer(line):
            if m.start() <= col <= m.end():
                return m.group(0)
        return None

    def _context_menu(self, pos: QPoint) -> None:
        menu = self.conversation.createStandardContextMenu()
        url = self.link_at(pos)
        if url is not None:
            action = menu.addAction("Open link…")
            action.triggered.connect(lambda: self.open_link(url))
        menu.exec(self.conversation.mapToGlobal(pos))

    def open_link(self, url: str) -> bool:
        if not confirm_open_link(self, url):
            return False
        return QDesktopServices.openUrl(QUrl(url))
