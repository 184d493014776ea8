"""The queue's groups as tabs above the table: "All open (480)", "Not yet breached (413)", "Breached (67)".

The table always leads with what can still be saved (console.live.order); breached work is one click
away with its count. The counts are the header's (one computation: console.live.order.deadline_counts).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
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
        self.setAccessibleName("Queue groups")
        self._counts: DeadlineCounts | None = None
        for i, group in enumerate(ORDER):
            self.addTab(GROUP_WORDS[group])
            self.setTabData(i, group.value)
            self.setTabToolTip(i, TIPS[group])
        self.currentChanged.connect(lambda i: self.groupChanged.emit(self.tabData(i)))

    def current_group(self) -> Group:
        return Group(self.tabData(self.currentIndex()))

    def select(self, group: Group) -> None:
        """Pick a group (emits groupChanged when it changes)."""
        self.setCurrentIndex(ORDER.index(group))

    def set_counts(self, counts: DeadlineCounts) -> None:
        self._counts = counts
        n = {Group.ALL: counts.open, Group.SAVEABLE: counts.saveable, Group.BREACHED: counts.breached}
        for i, group in enumerate(ORDER):
            text = f"{GROUP_WORDS[group]} ({n[group]:,})"
            self.setTabText(i, text)
            self.setTabToolTip(i, f"{TIPS[group]}.\n{n[group]:,} now.")

    def counts(self) -> DeadlineCounts | None:
        return self._counts

    def set_theme(self, theme: Theme) -> None:
        """The breached tab carries the breached icon: its shape reads without colour."""
        icon = sla_icon("breached", theme)
        if icon is not None:
            self.setTabIcon(ORDER.index(Group.BREACHED), icon)


__all__ = ["QueueGroups"]
