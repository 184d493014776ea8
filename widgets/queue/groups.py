"""The queue's groups as tabs above the table: "All (480)", "Not breached (413)", "Breached (67)".

The table always leads with what can still be saved (console.live.order); breached work is one click
away with its count. The counts are computed with the header's (console.live.order.deadline_counts), within
the navigator's pick (a channel, team or view); the filter box's text does not change them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon, QResizeEvent
from PySide6.QtWidgets import QTabBar, QWidget

from console.live.order import GROUP_WORDS, DeadlineCounts, Group
from widgets.theme.icons import sla_icon
from widgets.theme.theme import Theme

ORDER = (Group.ALL, Group.SAVEABLE, Group.BREACHED)
TIPS = {
    Group.ALL: "Every open enquiry: what can still be saved first (the next deadline at the top), then the "
    "breached ones, the most recent breach first",
    Group.SAVEABLE: "Only enquiries whose deadline has not passed, the next deadline first",
    Group.BREACHED: "Only enquiries whose deadline has passed, the most recent breach first",
}


class QueueGroups(QTabBar):
    """Tabs that pick a group of the queue; groupChanged(value of console.live.order.Group)."""

    groupChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueGroups")
        self.setExpanding(False)
        self.setDrawBase(False)
        self.setDocumentMode(True)
        # Never behind scroll arrows or cut: short of room (large text, a narrow pane) the tabs say their
        # counts beside their state's icon ("All 480", "⬤ 413", "⯃ 67") and keep the words as tooltips.
        self.setUsesScrollButtons(False)
        self.setElideMode(Qt.TextElideMode.ElideNone)
        self._compact = False
        self._icons: dict[Group, QIcon] = {}
        self.setAccessibleName("Queue groups")
        self._counts: DeadlineCounts | None = None
        for i, group in enumerate(ORDER):
            self.addTab(GROUP_WORDS[group])
            self.setTabData(i, group.value)
        self.currentChanged.connect(lambda i: self.groupChanged.emit(self.tabData(i)))
        self._show()

    def current_group(self) -> Group:
        return Group(self.tabData(self.currentIndex()))

    def select(self, group: Group) -> None:
        """Pick a group (emits groupChanged when it changes)."""
        self.setCurrentIndex(ORDER.index(group))

    def set_counts(self, counts: DeadlineCounts | None) -> None:
        """None: no numbers on the tabs (the rows are still arriving), rather than "All (0)"."""
        self._counts = counts
        self._show()

    def counts(self) -> DeadlineCounts | None:
        return self._counts

    def compact(self) -> bool:
        return self._compact

    def _numbers(self) -> dict[Group, int] | None:
        c = self._counts
        if c is None:
            return None
        return {Group.ALL: c.open, Group.SAVEABLE: c.saveable, Group.BREACHED: c.breached}

    def _full_text(self, group: Group, n: dict[Group, int] | None) -> str:
        return GROUP_WORDS[group] if n is None else f"{GROUP_WORDS[group]} ({n[group]:,})"

    def _show(self) -> None:
        n = self._numbers()
        fm = self.fontMetrics()
        pad = 2 * fm.height() + 8  # the style's margins and an icon, roughly
        full = sum(fm.horizontalAdvance(self._full_text(g, n)) + pad for g in ORDER)
        self._compact = n is not None and full > self.width()
        for i, group in enumerate(ORDER):
            words = self._full_text(group, n)
            if self._compact and n is not None:
                text = f"All {n[group]:,}" if group is Group.ALL else f"{n[group]:,}"
                icon = self._icons.get(group, QIcon())
            else:
                text = words
                icon = self._icons.get(group, QIcon()) if group is Group.BREACHED else QIcon()
            self.setTabText(i, text)
            self.setTabIcon(i, icon)
            self.setAccessibleTabName(i, words)
            self.setTabToolTip(i, f"{words}: {TIPS[group][0].lower()}{TIPS[group][1:]}")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        was = self._compact
        self._show()
        if was != self._compact:
            self.updateGeometry()

    def set_theme(self, theme: Theme) -> None:
        """The breached tab carries the breached icon (its shape reads without colour); in the compact
        form the not-breached tab carries the on-track one."""
        for group, state in ((Group.BREACHED, "breached"), (Group.SAVEABLE, "on_track")):
            icon = sla_icon(state, theme)
            if icon is not None:
                self._icons[group] = icon
        self._show()


__all__ = ["QueueGroups"]
