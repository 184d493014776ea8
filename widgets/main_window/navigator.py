"""The navigator on the left: all open, saved views, channels (public and private), teams; each with a
live count. A QStandardItemModel (a few dozen items) whose data lives in C++: painting the tree calls no
Python. Served from Python, a paint of it made ~830 calls into Python (data, parent, flags, index): 6-8 ms,
and 51 ms while the jobs thread held the GIL after the load at 100,000 open (bench_console)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QItemSelection, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTreeView, QWidget

from console.domain.labels import channel_visibilities, visibility_label
from console.live.metrics import NavigatorCounts, Predicate, SavedView, channel_totals

ALL_KEY = "all"
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
COUNT_ROLE = Qt.ItemDataRole.UserRole + 2
_COUNT_ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.AccessibleTextRole,
    Qt.ItemDataRole.ToolTipRole,
    COUNT_ROLE,
]


@dataclass(eq=False)
class _Node:
    key: str
    label: str
    predicate: Predicate | None
    group: bool
    name: QStandardItem  # column 0
    number: QStandardItem  # column 1: the count
    parent_key: str | None  # None at the top level
    count: int | None = None

    def show_count(self) -> None:
        """The count's texts on both items (the accessible text and tooltip are on the label too)."""
        n = self.count
        self.number.setText("" if n is None else f"{n:,}")
        for item in (self.name, self.number):
            item.setData(
                self.label if n is None else f"{self.label}: {n} open", Qt.ItemDataRole.AccessibleTextRole
            )
            if not self.group:
                item.setToolTip("" if n is None else f"{n:,} open enquiries")
            item.setData(n, COUNT_ROLE)


def _channel_is(channel: str) -> Predicate:
    return lambda e: e.channel == channel


def _channel_visibility_is(channel: str, visibility: str) -> Predicate:
    return lambda e: e.channel == channel and e.visibility == visibility


def _team_is(team_id: str) -> Predicate:
    return lambda e: e.team_id == team_id


class NavigatorModel(QStandardItemModel):
    """Two columns: the label and the live count. Groups (Views, Channels, Teams) are not selectable."""

    countsSet = Signal()  # once per set_counts that changed a count, after its dataChanged signals

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["Queue", "Open"])
        self._by_key: dict[str, _Node] = {}
        self._shape: tuple[object, ...] = ()
        self._bold = QFont()
        self._bold.setBold(True)
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
        # One reset for the new tree: the rows taken out and put in meanwhile are not signalled one by one
        # (the view restores its pick at the reset, with every row there).
        self.beginResetModel()
        was_blocked = self.blockSignals(True)
        try:
            self.removeRows(0, self.rowCount())
            self._shape = shape
            self._by_key = {}
            root = self.invisibleRootItem()
            self._add(root, ALL_KEY, "All open", None)
            group = self._add(root, "group:views", "Views", None, group=True)
            for v in views:
                self._add(group, f"view:{v.key}", v.label, v.predicate)
            group = self._add(root, "group:channels", "Channels", None, group=True)
            for cid, name in channels:
                item = self._add(group, f"channel:{cid}", name, _channel_is(cid))
                for vis in channel_visibilities(cid):  # none under a private-only channel (WhatsApp)
                    key = f"channel:{cid}:{vis}"
                    self._add(item, key, visibility_label(vis), _channel_visibility_is(cid, vis))
            group = self._add(root, "group:teams", "Teams", None, group=True)
            for tid, name in teams:
                self._add(group, f"team:{tid}", name, _team_is(tid))
            for key, n in counts.items():
                if key in self._by_key:
                    self._by_key[key].count = n
                    self._by_key[key].show_count()
        finally:
            self.blockSignals(was_blocked)
        self.endResetModel()
        return True

    def _add(
        self, parent: QStandardItem, key: str, label: str, predicate: Predicate | None, group: bool = False
    ) -> QStandardItem:
        name, number = QStandardItem(label), QStandardItem("")
        flags = (
            Qt.ItemFlag.ItemIsEnabled if group else Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        )
        for item in (name, number):
            item.setFlags(flags)
            item.setData(key, KEY_ROLE)
            if group or key == ALL_KEY:
                item.setFont(self._bold)
        number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # The invisible root has no key: None for the top level.
        node = self._by_key[key] = _Node(key, label, predicate, group, name, number, parent.data(KEY_ROLE))
        node.show_count()
        parent.appendRow([name, number])
        return name

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
        changed: dict[str | None, list[_Node]] = {}  # by parent
        was_blocked = self.blockSignals(True)  # each item's setData would signal on its own
        try:
            for key, node in self._by_key.items():
                n = count_of(key)
                if node.group or node.count == n:
                    continue
                node.count = n
                node.show_count()
                changed.setdefault(node.parent_key, []).append(node)
        finally:
            self.blockSignals(was_blocked)
        for nodes in changed.values():
            rows = sorted(node.name.row() for node in nodes)
            parent = nodes[0].name.index().parent()
            self.dataChanged.emit(
                self.index(rows[0], 0, parent), self.index(rows[-1], 1, parent), _COUNT_ROLES
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
        return (node.name if column == 0 else node.number).index()


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
