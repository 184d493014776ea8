"""The navigator on the left: all open, saved views, channels (public and private), teams; each with a
live count. A small custom tree model (a few dozen nodes), addressed by integer ids rather than Python
pointers so that no index can outlive the node it names."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTreeView, QWidget

from console.domain.labels import channel_visibilities, visibility_label
from console.live.metrics import NavigatorCounts, Predicate, SavedView, channel_totals

Index = QModelIndex | QPersistentModelIndex
ALL_KEY = "all"
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
COUNT_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(eq=False)
class _Node:
    uid: int
    key: str
    label: str
    parent: _Node | None
    predicate: Predicate | None = None
    group: bool = False
    count: int | None = None
    children: list[_Node] = field(default_factory=list)

    def row(self) -> int:
        return 0 if self.parent is None else self.parent.children.index(self)


def _channel_is(channel: str) -> Predicate:
    return lambda e: e.channel == channel


def _channel_visibility_is(channel: str, visibility: str) -> Predicate:
    return lambda e: e.channel == channel and e.visibility == visibility


def _team_is(team_id: str) -> Predicate:
    return lambda e: e.team_id == team_id


class NavigatorModel(QAbstractItemModel):
    """Two columns: the label and the live count. Groups (Views, Channels, Teams) are not selectable."""

    countsSet = Signal()  # once per set_counts that changed a count, after its dataChanged signals

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = _Node(0, "", "", None, group=True)
        self._nodes: dict[int, _Node] = {0: self._root}
        self._by_key: dict[str, _Node] = {}
        self._shape: tuple[object, ...] = ()
        self.set_structure([], [], [])

    # --- structure -------------------------------------------------------------------------------

    def set_structure(
        self,
        views: Sequence[SavedView],
        channels: Sequence[tuple[str, str]],
        teams: Sequence[tuple[str, str]],
    ) -> bool:
        """channels and teams are (id, display name). Resets only when the shape changes; returns
        whether it did (the view then restores its selection by key)."""
        shape = (tuple(v.key for v in views), tuple(channels), tuple(teams))
        if shape == self._shape:
            # Same shape: only the predicates may be new (e.g. a new clock); swap them in place.
            for v in views:
                self._by_key[f"view:{v.key}"].predicate = v.predicate
            return False
        counts = {k: n.count for k, n in self._by_key.items()}
        self.beginResetModel()
        self._shape = shape
        self._root = _Node(0, "", "", None, group=True)
        self._nodes = {0: self._root}
        self._by_key = {}
        self._add(self._root, ALL_KEY, "All open", None)
        group = self._add(self._root, "group:views", "Views", None, group=True)
        for v in views:
            self._add(group, f"view:{v.key}", v.label, v.predicate)
        group = self._add(self._root, "group:channels", "Channels", None, group=True)
        for cid, name in channels:
            node = self._add(group, f"channel:{cid}", name, _channel_is(cid))
            for vis in channel_visibilities(cid):  # none under a private-only channel (WhatsApp)
                self._add(
                    node, f"channel:{cid}:{vis}", visibility_label(vis), _channel_visibility_is(cid, vis)
                )
        group = self._add(self._root, "group:teams", "Teams", None, group=True)
        for tid, name in teams:
            self._add(group, f"team:{tid}", name, _team_is(tid))
        for key, n in counts.items():
            if key in self._by_key:
                self._by_key[key].count = n
        self.endResetModel()
        return True

    def _add(
        self, parent: _Node, key: str, label: str, predicate: Predicate | None, group: bool = False
    ) -> _Node:
        node = _Node(len(self._nodes), key, label, parent, predicate, group)
        parent.children.append(node)
        self._nodes[node.uid] = node
        self._by_key[key] = node
        return node

    def set_counts(self, counts: NavigatorCounts) -> None:
        """Live counts; one dataChanged per group over its changed rows (one per row cost the view ~5 ms
        each: 35 of them held the UI thread for the figures' every delivery), nothing else moves."""
        values: dict[str, int | None] = {f"view:{k}": n for k, n in counts.views.items()}
        values[ALL_KEY] = sum(counts.channels.values())
        values.update({f"channel:{c}": n for c, n in channel_totals(counts.channels).items()})
        values.update({f"channel:{c}:{v}": n for (c, v), n in counts.channels.items()})
        values.update({f"team:{t}": n for t, n in counts.teams.items() if t is not None})
        # A view missing from the counts is not counted yet (blank, as before the first counts); a channel
        # or team missing has nobody open.
        self._show_counts(lambda key: values.get(key, None if key.startswith("view:") else 0))

    def clear_counts(self) -> None:
        """Blank, not 0, until the next set_counts: the rows they count are still arriving."""
        self._show_counts(lambda _key: None)

    def _show_counts(self, count_of: Callable[[str], int | None]) -> None:
        changed: dict[int, list[_Node]] = {}  # by parent
        for key, node in self._by_key.items():
            if node.group:
                continue
            n = count_of(key)
            if node.count != n:
                node.count = n
                changed.setdefault(id(node.parent), []).append(node)
        roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole]
        for nodes in changed.values():
            rows = sorted((node.row(), node.uid) for node in nodes)
            first, last = rows[0], rows[-1]
            self.dataChanged.emit(
                self.createIndex(first[0], 1, first[1]), self.createIndex(last[0], 1, last[1]), roles
            )
        if changed:
            self.countsSet.emit()

    # --- lookups ---------------------------------------------------------------------------------

    def predicate(self, key: str) -> Predicate | None:
        node = self._by_key.get(key)
        return None if node is None else node.predicate

    def label(self, key: str) -> str:
        node = self._by_key.get(key)
        return "" if node is None else node.label

    def count(self, key: str) -> int | None:
        node = self._by_key.get(key)
        return None if node is None else node.count

    def keys(self) -> list[str]:
        return list(self._by_key)

    def largest_count(self) -> int:
        return max((n.count for n in self._by_key.values() if n.count is not None), default=0)

    def index_of(self, key: str, column: int = 0) -> QModelIndex:
        node = self._by_key.get(key)
        if node is None:
            return QModelIndex()
        return self.createIndex(node.row(), column, node.uid)

    def _node(self, index: Index) -> _Node:
        if not index.isValid():
            return self._root
        return self._nodes.get(index.internalId(), self._root)

    # --- QAbstractItemModel ----------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column not in (0, 1) or (parent.isValid() and parent.column() != 0):
            return QModelIndex()
        node = self._node(parent)
        if not 0 <= row < len(node.children):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row].uid)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node = self._node(index).parent
        if node is None or node is self._root:
            return QModelIndex()
        return self.createIndex(node.row(), 0, node.uid)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 2

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._node(index).group:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        node = self._node(index)
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return node.label
            return "" if node.count is None else f"{node.count:,}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return node.label if node.count is None else f"{node.label}: {node.count} open"
        if role == Qt.ItemDataRole.ToolTipRole and not node.group:
            return None if node.count is None else f"{node.count:,} open enquiries"
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 1:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.FontRole and (node.group or node.key == ALL_KEY):
            font = QFont()
            font.setBold(True)
            return font
        if role == KEY_ROLE:
            return node.key
        if role == COUNT_ROLE:
            return node.count
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ("Queue", "Open")[section] if section in (0, 1) else None
        return None


class NavigatorView(QTreeView):
    """Emits viewSelected(key) when the supervisor picks an entry; keeps the pick across resets."""

    viewSelected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAccessibleName("Queues and views")
        self._current = ALL_KEY

    def set_navigator_model(self, model: NavigatorModel) -> None:
        self.setModel(model)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # The counts column is fixed, as wide as its widest count needs (fit_counts): sized to its
        # contents, every delivery of new counts made Qt measure every row again, 24 ms of the UI
        # thread's CPU each time at 100,000 open (benchmarks/bench_console.py).
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        model.modelReset.connect(self._restore)
        model.modelReset.connect(self.fit_counts)
        model.countsSet.connect(self.fit_counts)
        self.fit_counts()
        self.selectionModel().selectionChanged.connect(self._on_selection)
        self._restore()

    def fit_counts(self) -> None:
        """Widen (or narrow) the counts column to the widest count, bold as the totals are shown, measured
        as all nines (2,000 as 9,999): it changes width only when a count gains or loses a digit."""
        model = self.model()
        if not isinstance(model, NavigatorModel):
            return
        bold = QFont(self.font())
        bold.setBold(True)
        fm = QFontMetrics(bold)
        text = f"{10 ** len(str(model.largest_count())) - 1:,}"
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1
        width = fm.horizontalAdvance(text) + 2 * margin + fm.averageCharWidth()
        if self.header().sectionSize(1) != width:
            self.header().resizeSection(1, width)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fit_counts()

    def navigator_model(self) -> NavigatorModel:
        model = self.model()
        assert isinstance(model, NavigatorModel)
        return model

    def current_key(self) -> str:
        return self._current

    def select_key(self, key: str) -> None:
        ix = self.navigator_model().index_of(key)
        if ix.isValid():
            self.setCurrentIndex(ix)

    def _restore(self) -> None:
        self.expandAll()
        model = self.navigator_model()
        key = self._current if model.index_of(self._current).isValid() else ALL_KEY
        self._current = ""  # force the signal: the predicate objects were rebuilt
        self.select_key(key)

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        key = str(indexes[0].data(KEY_ROLE))
        if key != self._current:
            self._current = key
            self.viewSelected.emit(key)
