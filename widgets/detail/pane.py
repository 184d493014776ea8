"""The detail pane, the main window's drawer: one enquiry's conversation (customer and agent turns told
apart at a glance, widgets.detail.conversation), its SLA clocks with the queue's icons and colours, the
customer's earlier enquiries and the assignment history. Close (or Escape) folds the drawer away.

Everything a customer wrote is untrusted: it is shown as plain text only (labels with Qt.PlainText,
item views whose delegates lay out plain strings). Links are never clickable; "Open link…" asks first
and shows the full address.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QBrush, QDesktopServices, QKeySequence, QPainter, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.domain.labels import (
    channel_name,
    flags_text,
    priority_label,
    status_label,
    topic_label,
    visibility_label,
)
from console.domain.model import Assignment, Enquiry, Message
from console.domain.privacy import mask_handle, mask_text
from console.sla.words import NO_CLOCK
from widgets.app.dialogs import confirm_open_link
from widgets.detail.complaint_box import ComplaintBox
from widgets.detail.conversation import URL_RE, ConversationView, Turn
from widgets.theme.icons import sla_icon
from widgets.theme.theme import Theme, make_theme

__all__ = ["URL_RE", "ClockRow", "DetailPane"]
Index = QModelIndex | QPersistentModelIndex
HIDDEN = "(hidden: privacy is set to masked)"


@dataclass(frozen=True, slots=True)
class ClockRow:
    """One SLA clock as the pane shows it (the controller formats it from console.sla.engine)."""

    name: str  # "First response"
    due: str  # "due Mon 09:16" / "met at 14:02"
    state: str  # "42 min left" / "1 h 05 min over" / "Met" / "Missed by 12 min"
    # The state's key for the queue's icon and colours: on_track, at_risk, urgent, breached; "met" and
    # "missed" for a stopped clock; "" for none (a paused clock).
    key: str = ""


# A stopped clock wears the icon of what it came to: met as on track, missed as breached.
_KEY_LOOK = {"met": "on_track", "missed": "breached"}


LINE = "\u2028"  # a line separator: a break in the item's text layout


def _two_lines(text: str) -> str:
    """ "+0:12 over · was due 14:20" as two lines at the dot; else at the space nearest the middle."""
    if " · " in text:
        return text.replace(" · ", LINE)
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if not spaces:
        return text
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return f"{text[:cut]}{LINE}{text[cut + 1 :]}"


class _ClockLines(QStyledItemDelegate):
    """Shows "time left · deadline" on two lines when the drawer is too narrow for one (the item's text
    stays one line, for copying and screen readers)."""

    wrap = False

    def _option(self, option: QStyleOptionViewItem, index: Index) -> QStyleOptionViewItem:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        if self.wrap and index.column() == 1:
            opt.text = _two_lines(opt.text)
        elif self.wrap:
            opt.text = opt.text.replace(" · ", LINE)
        return opt

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = self._option(option, index)
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        opt = self._option(option, index)
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        return style.sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, opt, QSize(), opt.widget)


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


class DetailPane(QWidget):
    """Call show_enquiry(); the pane asks for missing messages with messagesWanted(id)."""

    messagesWanted = Signal(str)
    enquiryPicked = Signal(str)  # an earlier enquiry double-clicked
    revealRequested = Signal(str)  # "Reveal": the session audits it, then calls reveal()
    closeRequested = Signal()  # Close or Escape: the window folds the drawer away
    enquiryShown = Signal(str)  # another enquiry than before is on show (not a refresh of the same)

    def __init__(self, parent: QWidget | None = None, tz: str = "UTC") -> None:
        super().__init__(parent)
        self._tz = ZoneInfo(tz)
        self._current: str | None = None
        self._privacy = "partial"
        self._names: Mapping[str, str] = {}
        self._channels: Mapping[str, str] = {}
        self._revealed: set[str] = set()  # shown in full on screen for this session (never in exports)
        self._theme = make_theme("light")
        self._clock_rows: list[ClockRow] = []
        self._wrap = False
        self.close_button = QPushButton("Close")
        self.close_button.setToolTip("Close the details (Esc); the queue keeps your place")
        self.close_button.setAccessibleName("Close the details")
        self.close_button.clicked.connect(self.closeRequested)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.closeRequested)
        self.reveal_button = QPushButton("Reveal")
        self.reveal_button.setToolTip("Show this enquiry unmasked, on this screen only (audited)")
        self.reveal_button.clicked.connect(lambda: self._current and self.revealRequested.emit(self._current))

        self.title = _plain_label(bold=True)
        self.meta = _plain_label()
        self.complaint = ComplaintBox()  # a proposed or confirmed complaint: confirm or dismiss (audited)
        self.risk_line = _plain_label()  # escalation risk with its reasons, and the channel history
        self.risk_line.setAccessibleName("Escalation risk and channel history")
        self._notes: Mapping[str, str] = {}
        self.clocks = _tree(("SLA clock", "Time left · deadline", "State"), "SLA clocks")
        self.clocks.setIconSize(QSize(self.fontMetrics().height(), self.fontMetrics().height()))
        self.clocks.setUniformRowHeights(False)
        self._clock_lines = _ClockLines(self.clocks)
        self.clocks.setItemDelegate(self._clock_lines)
        self.clocks.setWordWrap(True)
        self.clocks.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        heading = self.clocks.header()
        heading.setStretchLastSection(False)
        heading.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        heading.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        heading.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.conversation = ConversationView()
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
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        # Under the name, everything scrolls when the drawer is short (large text on a small screen):
        # the conversation keeps a readable height rather than being squeezed to a line.
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.meta)
        inner.addWidget(self.complaint)
        inner.addWidget(self.risk_line)
        inner.addWidget(self.clocks)
        inner.addWidget(self.tabs, 1)
        self.scroller = QScrollArea()
        self.scroller.setWidget(body)
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.scroller, 1)
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

    def privacy_mode(self) -> str:
        """The privacy mode the enquiry on show is shown in (full once revealed)."""
        return self._mode()

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

    def set_theme(self, theme: Theme) -> None:
        """The queue's SLA icons and colours for the clocks, and the conversation's colours."""
        self._theme = theme
        self.conversation.set_theme(theme)
        side = self.fontMetrics().height()
        self.clocks.setIconSize(QSize(side, side))
        self.set_clocks(self._clock_rows)

    def set_time_zone(self, tz: str) -> None:
        self._tz = ZoneInfo(tz)

    def current_id(self) -> str | None:
        return self._current

    # --- content ---------------------------------------------------------------------------------

    def clear(self) -> None:
        self._current = None
        self.title.setText("No enquiry selected")
        self.meta.setText("Pick an enquiry in the queue to see its conversation and clocks.")
        self.set_clocks([])
        self.risk_line.setText("")
        self._notes = {}
        self.clocks.clear()
        self.conversation.set_turns([])
        self.complaint.hide()
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
        picked = e.id != self._current
        self._current = e.id
        self._show_reveal()
        who = self._handle(e.customer_handle) or "unknown customer"
        name = self._name_shown(e.customer_name)
        self.title.setText(f"{name} ({who})" if name else who)
        flags = flags_text(e.flags, "none")
        team = self._name(e.team_id, "no team")
        agent = self._name(e.agent_id, "unassigned")
        status = status_label(e.status)
        channel = channel_name(e.channel, self._channels)
        where = visibility_label(e.visibility).lower()
        self.meta.setText(
            f"{channel} · {where} · {topic_label(e.topic)} · {priority_label(e.priority)} · {status}\n"
            f"Team {team} · Agent {agent} · Flags: {flags} · Ref {e.id}"
        )
        self.set_clocks(clocks)
        if messages is None:
            at = e.last_customer_message_at or e.created_at
            latest = Turn("in", "Customer", f"latest message, {self._when(at)}", self._text(e.text))
            self.conversation.set_turns([Turn("note", "", "", "Fetching the conversation…"), latest])
            self.messagesWanted.emit(e.id)
        else:
            self.set_messages(e.id, messages)
        self._fill_earlier(e, earlier)
        self._fill_assignments(assignments)
        if picked:
            self.enquiryShown.emit(e.id)

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
            self.conversation.set_note("No messages.")
            return
        turns = []
        for m in messages:
            if m.direction == "in":
                turns.append(Turn("in", "Customer", self._when(m.sent_at), self._text(m.text)))
            else:
                # An agent's words may quote the customer's: masked as theirs are.
                who = f"Agent · {m.author}" if m.author else "Agent"
                turns.append(Turn("out", who, self._when(m.sent_at), self._text(m.text)))
            note = self._notes.get(m.id)
            if note:  # where it was sent, the customer's mood, what the reply did (issue 17)
                turns.append(Turn("note", "", "", note))
        self.conversation.set_turns(turns)

    def set_messages_failed(self, enquiry_id: str, reason: str) -> None:
        if enquiry_id == self._current:
            self.conversation.set_note(f"The conversation could not be fetched: {reason}")

    def set_clocks(self, clocks: Sequence[ClockRow]) -> None:
        """The clocks with the queue's SLA icon and colours on the time left and the state."""
        self._clock_rows = list(clocks)
        # Too narrow for one line each (large text): "time left · deadline" shown on two lines.
        self._wrap = self._clock_lines.wrap = self._clocks_need_wrap()
        self.clocks.clear()
        for c in clocks:
            item = QTreeWidgetItem([c.name, c.due, c.state])
            item.setToolTip(1, c.due)
            item.setToolTip(2, c.state)
            look = _KEY_LOOK.get(c.key, c.key)
            colours = self._theme.state(look)
            icon = sla_icon(look, self._theme) if colours is not None else None
            if icon is not None:
                item.setIcon(1, icon)
            if colours is not None:
                for col in (1, 2):
                    item.setBackground(col, QBrush(colours.bg))
                    item.setForeground(col, QBrush(colours.fg))
            self.clocks.addTopLevelItem(item)
        if not clocks:
            self.clocks.addTopLevelItem(QTreeWidgetItem([NO_CLOCK, "", ""]))
        self._fit_clocks()

    def _clocks_need_wrap(self) -> bool:
        fm, rows = self.clocks.fontMetrics(), self._clock_rows

        def widest(texts: list[str]) -> int:
            return max((fm.horizontalAdvance(t) for t in texts), default=0) + fm.height()

        icon = self.clocks.iconSize().width() + fm.height()
        width = (
            widest(["Specialist hand-off", *(c.name for c in rows)])
            + widest([c.due for c in rows])
            + icon
            + widest([c.state for c in rows])
        )
        return width > self.clocks.viewport().width()

    def _fit_clocks(self) -> None:
        """Exactly as tall as its rows: every clock visible, no dead space. In a narrow drawer (large
        text) the time left and the state wrap onto a second line rather than run off the edge."""
        tree = self.clocks
        tree.doItemsLayout()
        rows = sum(
            max(tree.sizeHintForRow(row), tree.fontMetrics().height() + 6)
            for row in range(tree.topLevelItemCount())
        )
        tree.setFixedHeight(rows + tree.header().sizeHint().height() + 2 * tree.frameWidth() + 4)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.tabs.setMinimumHeight(self.fontMetrics().height() * 12)
        if self._clocks_need_wrap() != self._wrap:
            self.set_clocks(self._clock_rows)
        else:
            self._fit_clocks()

    def _fill_earlier(self, e: Enquiry, earlier: Sequence[Enquiry]) -> None:
        self.earlier.clear()
        others = [x for x in earlier if x.id != e.id]
        for x in others:
            preview = self._text(" ".join(x.text.split()))[:160]
            channel = channel_name(x.channel, self._channels)
            cells = [self._when(x.created_at), channel, topic_label(x.topic), status_label(x.status), preview]
            item = QTreeWidgetItem(cells)
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

    def links_at(self, pos: QPoint) -> list[str]:
        """The addresses in the turn at pos (viewport coordinates of the conversation)."""
        index = self.conversation.indexAt(pos)
        return self.conversation.links_at(index.row()) if index.isValid() else []

    def link_at(self, pos: QPoint) -> str | None:
        links = self.links_at(pos)
        return links[0] if links else None

    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        copy = menu.addAction("Copy (customer details masked)")
        copy.triggered.connect(self.conversation.copy)
        for url in self.links_at(pos):
            shown = url if len(url) <= 60 else f"{url[:57]}…"
            action = menu.addAction(f"Open link: {shown}…")
            action.triggered.connect(lambda _=False, u=url: self.open_link(u))
        menu.exec(self.conversation.viewport().mapToGlobal(pos))

    def open_link(self, url: str) -> bool:
        if not confirm_open_link(self, url):
            return False
        return QDesktopServices.openUrl(QUrl(url))
