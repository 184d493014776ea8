"""Models of the team board: a lane per team (its enquiries by SLA urgency) and the team's agents.

The lanes are built from the queue model's rows (never the store): group_lanes() walks the held enquiries
once, keeps each team's first LANE_LIMIT with heapq and counts its clocks by state. A lane leads with what
can still be saved (soonest deadline first); breached work follows, grouped, the most recently breached
first. Only urgent and at-risk cards are filled; breached ones carry their colour in the text and icon,
so a lane of old breaches is not a wall of red. A drop
is judged and carried out by a DropHandler (the move controller); the models only translate between
Qt's drag and drop calls and (enquiry refs, Target).
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QFont, QIcon

from console.courtesy import paced
from console.domain.labels import agent_status_label, channel_text, topic_label
from console.domain.model import Agent, Enquiry
from console.domain.routing import Target
from console.domain.staffing import capacity
from console.live.alarm import Level
from console.sla.engine import SlaStatus
from console.sla.words import STATE_WORDS, state_word
from widgets.queue import mime
from widgets.queue.follow import follow_rows
from widgets.queue.model import ENQUIRY_ROLE, ID_ROLE, SLA_STATE_ROLE
from widgets.queue.text import countdown_text
from widgets.theme.icons import sla_icon
from widgets.theme.theme import Theme, make_theme

Index = QModelIndex | QPersistentModelIndex
LANE_LIMIT = 200  # enquiries listed per lane (the header counts them all)
BREACHED_AFTER = 1e15  # added to a breached card's overage: breached work sorts after all savable work
_FILLED = frozenset({"urgent", "at_risk"})  # the states whose cards get a filled ground
_MOVE = Qt.DropAction.MoveAction
_ITEM = (
    Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemIsSelectable
    | Qt.ItemFlag.ItemIsDragEnabled
    | Qt.ItemFlag.ItemIsDropEnabled
    | Qt.ItemFlag.ItemNeverHasChildren
)
_AGENT = (
    Qt.ItemFlag.ItemIsEnabled
    | Qt.ItemFlag.ItemIsSelectable
    | Qt.ItemFlag.ItemIsDropEnabled
    | Qt.ItemFlag.ItemNeverHasChildren
)
AGENT_ROLE = Qt.ItemDataRole.UserRole + 20
_CARD_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.AccessibleTextRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.FontRole,
    }
)
STATUS_MARKS = {"available": "●", "busy": "◐", "away": "◌", "offline": "○"}


class DropHandler(Protocol):
    def can_drop(self, refs: Sequence[tuple[str, int]], target: Target) -> bool: ...
    def drop(self, refs: Sequence[tuple[str, int]], target: Target) -> bool: ...
    def is_pending(self, enquiry_id: str) -> bool: ...


class Card(NamedTuple):
    """One enquiry's card in a lane, as painted (widgets.board.cards) and as its roles say: two lines of
    plain text, the state's colours and icon (None: the list's own), bold when urgent."""

    head: str  # "Urgent: 8 min left · due 20:36"
    tail: str  # "enq-0001917 · Fraud · Facebook · private", and "move not yet confirmed" while pending
    state: str | None  # the SLA state (None: no clock running)
    fg: QBrush | None
    bg: QBrush | None
    bold: bool
    icon: QIcon | None


@dataclass(slots=True)
class LaneData:
    team_id: str | None
    rows: list[tuple[float, str, Enquiry, SlaStatus | None]] = field(default_factory=list)
    total: int = 0
    states: dict[str, int] = field(default_factory=dict)  # on_track/at_risk/urgent/breached -> count


def lane_rank(status: SlaStatus | None) -> float:
    """Where a card sorts in its lane: savable work by working time left, then breached work by how
    long ago it breached (the most recent first), then enquiries with no clock running."""
    if status is None:
        return math.inf
    if status.state == "breached" or status.remaining_s < 0:
        return BREACHED_AFTER - min(status.remaining_s, 0.0)
    return status.remaining_s


def group_lanes(
    rows: Iterable[tuple[Enquiry, SlaStatus | None]], limit: int = LANE_LIMIT
) -> dict[str | None, LaneData]:
    """Each team's enquiries in lane order (lane_rank: savable soonest first, breached after, no
    running clock last). Pure Python over a snapshot: the board runs it on a worker thread."""
    buckets: dict[str | None, list[tuple[float, str, Enquiry, SlaStatus | None]]] = {}
    states: dict[str | None, dict[str, int]] = {}
    inf = math.inf
    for e, s in paced(rows):  # on a worker: it gives way to a paint (console.courtesy)
        team = e.team_id
        bucket = buckets.get(team)
        if bucket is None:
            bucket = buckets[team] = []
            states[team] = {}
        if not isinstance(s, tuple):  # None, or not computed yet
            bucket.append((inf, e.id, e, None))
        else:
            bucket.append((lane_rank(s), e.id, e, s))
            counts = states[team]
            counts[s.state] = counts.get(s.state, 0) + 1
    return {
        team: LaneData(team, heapq.nsmallest(limit, bucket), len(bucket), states[team])
        for team, bucket in buckets.items()
    }


def _ident(row: tuple[float, str, Enquiry, SlaStatus | None]) -> str:
    return row[1]


def _agent_id(agent: Agent) -> str:
    return agent.id


def _urgency(row: tuple[float, str, Enquiry, SlaStatus | None]) -> tuple[float, str]:
    return (row[0], row[1])


# A lane's ranked alarm level (console.live.alarm) in words, with a shape that reads in grayscale; a lane
# not flagged just states its figures.
RISK_WORDS: dict[Level, str] = {"alert": "▲ Most at risk", "warn": "◆ Watch", "ok": ""}
RISK_WHY: dict[Level, str] = {
    "alert": "Among the teams in most trouble now: look here first.",
    "warn": "Next in line after the teams most at risk.",
    "ok": "Not among the teams most at risk now.",
}


def risk_words(level: Level, states: dict[str, int], agents: Sequence[Agent]) -> tuple[str, str]:
    """(line, tooltip) for a lane: "▲ Most at risk — 3 urgent, 1 at risk, 12 breached"; unflagged, just
    the figures. The level is relative: the board ranks the lanes
    (console.live.alarm.rank_alarms)."""
    breached, urgent, at_risk = (states.get(k, 0) for k in ("breached", "urgent", "at_risk"))
    free = capacity(agents).free_slots
    parts = [
        f"{n} {STATE_WORDS[k].lower()}"
        for n, k in ((urgent, "urgent"), (at_risk, "at_risk"), (breached, "breached"))
        if n
    ]
    detail = ", ".join(parts) if parts else "nothing at risk"
    slots = f"{free} free agent slot{'s' if free != 1 else ''}"
    # The free slots are on the lane's stats line already: the tooltip repeats them beside the verdict.
    line = f"{detail[:1].upper()}{detail[1:]}"
    if RISK_WORDS[level]:
        line = f"{RISK_WORDS[level]} — {detail}"
    return line, f"{RISK_WHY[level]} {detail[:1].upper()}{detail[1:]}; {slots}."


def refs_of(indexes: Iterable[Index]) -> list[Enquiry]:
    """The distinct enquiries behind some selected cells, in row order."""
    seen: dict[str, Enquiry] = {}
    for i in sorted(indexes, key=lambda x: x.row()):
        e = i.data(ENQUIRY_ROLE)
        if isinstance(e, Enquiry):
            seen.setdefault(e.id, e)
    return list(seen.values())


class LaneModel(QAbstractListModel):
    """One team's enquiries. Drag source and drop target (a drop anywhere on the lane: to the team)."""

    def __init__(self, team_id: str | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.team_id = team_id
        self.handler: DropHandler | None = None
        self._rows: list[tuple[float, str, Enquiry, SlaStatus | None]] = []
        self._listed: set[str] = set()
        self.total = 0
        self.states: dict[str, int] = {}
        self._tz = "UTC"
        self._now = 0.0
        self.set_theme(make_theme("light"))

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        # Filled: urgent (bold) and at risk. Breached and on track: the state's colour on the plain ground.
        self._fg = {s: QBrush(c.fg if s in _FILLED else c.icon_fill) for s, c in theme.states.items()}
        self._fg["on_track"] = QBrush(theme.text)
        self._bg = {s: QBrush(c.bg) for s, c in theme.states.items() if s in _FILLED}
        self._bold = QFont()
        self._bold.setBold(True)
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))

    def set_lane(self, lane: LaneData, tz: str, now: float) -> None:
        """The lane as regrouped: rows removed, moved and inserted (widgets.queue.follow), so a view's
        selection and current row stay with their enquiries."""
        self.total, self.states = lane.total, dict(lane.states)
        self._listed = {r[1] for r in lane.rows}
        moment = (tz, now) != (self._tz, self._now)
        self._tz, self._now = tz, now  # before the rows: an inserted row is shown at this moment
        follow_rows(self, self._rows, lane.rows, _ident, all_read_again=moment)

    def ids(self) -> list[str]:
        return [r[1] for r in self._rows]

    def take(self, ident: str) -> bool:
        """Remove one enquiry (it moved away); False when it was not listed."""
        if ident not in self._listed:  # a bulk move asks every lane about every enquiry
            return False
        self._listed.discard(ident)
        for i, r in enumerate(self._rows):
            if r[1] == ident:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self._rows[i]
                self.endRemoveRows()
                return True
        return False

    def put(self, e: Enquiry, status: SlaStatus | None) -> None:
        """Insert (or replace) one enquiry at its urgency place: a local move shows at once."""
        self.take(e.id)
        row = (lane_rank(status), e.id, e, status)
        i = bisect.bisect_left(self._rows, _urgency(row), key=_urgency)
        if i >= LANE_LIMIT:
            return
        self.beginInsertRows(QModelIndex(), i, i)
        self._rows.insert(i, row)
        self._listed.add(e.id)
        self.endInsertRows()

    # --- Qt model interface ----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def card(self, row: int) -> Card | None:
        """The card at a row, read once per paint by the lane's delegate (one call, not one per role)."""
        if not 0 <= row < len(self._rows):
            return None
        _, ident, e, s = self._rows[row]
        state = None if s is None else s.state
        pending = self.handler is not None and self.handler.is_pending(ident)
        tail = f"{ident} · {topic_label(e.topic)} · {channel_text(e.channel, e.visibility)}"
        return Card(
            f"{state_word(state)}: {countdown_text(s, self._tz, self._now)}",
            f"{tail} · move not yet confirmed" if pending else tail,
            state,
            None if state is None else self._fg.get(state),
            None if state is None else self._bg.get(state),
            state == "urgent",
            None if state is None else sla_icon(state, self._theme),
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        _, ident, e, s = self._rows[index.row()]
        if role in _CARD_ROLES:  # the lane's delegate paints from card() itself; these serve the rest
            card = self.card(index.row())
            if card is None:
                return None
            if role == Qt.ItemDataRole.DecorationRole:
                return card.icon
            if role == Qt.ItemDataRole.ForegroundRole:  # the state colours are a pair: text on its ground
                return card.fg
            if role == Qt.ItemDataRole.BackgroundRole:
                return card.bg
            if role == Qt.ItemDataRole.FontRole:
                return self._bold if card.bold else None
            return f"{card.head}\n{card.tail}"
        if role == ID_ROLE:
            return ident
        if role == ENQUIRY_ROLE:
            return e
        if role == SLA_STATE_ROLE:
            return None if s is None else s.state
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return _ITEM

    def supportedDragActions(self) -> Qt.DropAction:
        return _MOVE

    def supportedDropActions(self) -> Qt.DropAction:
        return _MOVE

    def mimeTypes(self) -> list[str]:
        return [mime.MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        return mime.encode(refs_of(indexes))

    def target(self, parent: Index | None = None) -> Target | None:
        return None if self.team_id is None else Target(self.team_id)

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        return _can_drop(self.handler, data, self.target(parent))

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        # The view removes nothing after a move (the move controller re-files the rows itself).
        return _drop(self.handler, data, action, self.target(parent))


class AgentModel(QAbstractListModel):
    """A team's agents with status and load against capacity; a drop on an agent assigns to them."""

    def __init__(self, team_id: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.team_id = team_id
        self.handler: DropHandler | None = None
        self._agents: list[Agent] = []

    def set_agents(self, agents: Iterable[Agent]) -> None:
        order = {"available": 0, "busy": 1, "away": 2, "offline": 3}
        rows = sorted(
            (a for a in agents if a.team_id == self.team_id), key=lambda a: (order.get(a.status, 9), a.name)
        )
        follow_rows(self, self._agents, rows, _agent_id)  # a selected agent stays selected

    def agents(self) -> list[Agent]:
        return list(self._agents)

    def row_of(self, agent_id: str) -> int | None:
        return next((i for i, a in enumerate(self._agents) if a.id == agent_id), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._agents)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._agents):
            return None
        a = self._agents[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            full = " · full" if a.load >= a.capacity else ""
            status = agent_status_label(a.status)
            return f"{STATUS_MARKS.get(a.status, '?')} {a.name} — {status}, {a.load} of {a.capacity}{full}"
        if role == AGENT_ROLE:
            return a
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Drop enquiries here to give them to {a.name}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _AGENT if index.isValid() else Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return _MOVE

    def mimeTypes(self) -> list[str]:
        return [mime.MIME_TYPE]

    def target(self, parent: Index | None) -> Target:
        """On an agent: that agent; between or below the agents: the team."""
        if parent is not None and parent.isValid() and 0 <= parent.row() < len(self._agents):
            return Target(self.team_id, self._agents[parent.row()].id)
        return Target(self.team_id)

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        return _can_drop(self.handler, data, self.target(parent))

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        return _drop(self.handler, data, action, self.target(parent))


def _can_drop(handler: DropHandler | None, data: QMimeData, target: Target | None) -> bool:
    if handler is None or target is None or not mime.has_refs(data):
        return False
    try:
        return handler.can_drop(mime.decode(data), target)
    except mime.BadPayload:
        return False


def _drop(handler: DropHandler | None, data: QMimeData, action: Qt.DropAction, target: Target | None) -> bool:
    if handler is None or target is None or action not in (_MOVE, Qt.DropAction.CopyAction):
        return False
    try:
        refs = mime.decode(data)
    except mime.BadPayload:
        return False
    return handler.drop(refs, target)
