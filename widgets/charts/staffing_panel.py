"""The staffing panel: per team, the agents needed now (Erlang C from the live arrival rate and the
handle time, plus those to clear the work waiting for an agent) against the agents on shift and their
free slots, and the breaches predicted in the next hour.

The handle time and the service goal are not in the data: the supervisor sets them here (they apply at
the next figures, a few seconds later). The numbers come from console.live.chart_data.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.live.chart_data import BoardFigures, StaffingConfig
from console.live.floor import gap_words
from console.sla.words import duration
from widgets.theme.icons import sla_icon
from widgets.theme.theme import Theme

COLUMNS = (
    "Team",
    "Arrivals / h",
    "Waiting for an agent",
    "Needed for arrivals",
    "Needed for backlog",
    "Needed now",
    "On shift",
    "Free slots",
    "Gap",
    "Breaches next hour",
)
GAP_COL, BREACH_COL = COLUMNS.index("Gap"), COLUMNS.index("Breaches next hour")


class StaffingPanel(QWidget):
    configChanged = Signal(object)  # StaffingConfig

    def __init__(
        self, theme: Theme, config: StaffingConfig | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Concierge: staffing")
        self.theme = theme
        self.inputs = config or StaffingConfig()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName("Staffing per team")

        self.aht = QDoubleSpinBox(suffix=" min", minimum=0.5, maximum=240.0, decimals=1)
        self.aht.setValue(self.inputs.aht_s / 60)
        self.aht.setToolTip("Average agent time per enquiry (agents work several at once: it is shared)")
        self.answer = QDoubleSpinBox(suffix=" min", minimum=1.0, maximum=1440.0, decimals=0)
        self.answer.setValue(self.inputs.target_answer_s / 60)
        self.goal = QSpinBox(suffix=" %", minimum=50, maximum=99)
        self.goal.setValue(round(self.inputs.target_sl * 100))
        for box in (self.aht, self.answer, self.goal):
            box.setKeyboardTracking(False)
            box.valueChanged.connect(self._changed)
        form = QFormLayout()
        form.addRow("Handle time per enquiry", self.aht)
        form.addRow("Answer within", self.answer)
        form.addRow("Share answered in time", self.goal)
        self.summary = QLabel("Waiting for figures…")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        top = QHBoxLayout()
        top.addLayout(form)
        top.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.resize(900, 420)

    def _changed(self) -> None:
        self.inputs = StaffingConfig(
            aht_s=self.aht.value() * 60,
            target_sl=self.goal.value() / 100,
            target_answer_s=self.answer.value() * 60,
            max_occupancy=self.inputs.max_occupancy,
            window_s=self.inputs.window_s,
        )
        self.summary.setText("Recomputing with the new inputs…")
        self.configChanged.emit(self.inputs)

    def set_figures(self, f: BoardFigures) -> None:
        self.table.setRowCount(len(f.teams))
        for r, t in enumerate(f.teams):
            cells = (
                t.name,
                f"{t.rate_per_hour:.0f}",
                f"{t.backlog:,}",
                str(t.for_arrivals),
                str(t.for_backlog),
                str(t.needed),
                str(t.on_shift),
                f"{t.free_slots} of {t.capacity}",
                gap_words(t.gap),
                str(t.predicted_breaches),
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
            self._mark(r, GAP_COL, "breached" if t.gap > 0 else None)
            self._mark(r, BREACH_COL, "urgent" if t.predicted_breaches else None)
        short = [t for t in f.teams if t.gap > 0]
        cfg = f.staffing
        self.summary.setText(
            (
                f"{len(short)} team{'s' if len(short) != 1 else ''} short of agents now. "
                if short
                else "Every team has the agents it needs now. "
            )
            + f"Needed = Erlang C at the arrivals of the last {duration(cfg.window_s)}, plus the agents "
            f"to clear the work waiting for an agent within {duration(cfg.target_answer_s)}; "
            f"{duration(cfg.aht_s, exact_below=600)} per enquiry shared over each agent's concurrent slots, "
            f"{cfg.target_sl:.0%} answered within {duration(cfg.target_answer_s)}, occupancy at most "
            f"{cfg.max_occupancy:.0%}."
        )

    def _mark(self, row: int, col: int, state: str | None) -> None:
        """A problem cell gets the SLA state's icon and colours (never colour alone)."""
        item = self.table.item(row, col)
        if item is None or state is None:
            return
        colours = self.theme.state(state)
        icon = sla_icon(state, self.theme)
        if icon is not None:
            item.setIcon(icon)
        if colours is not None:
            item.setBackground(colours.bg)
            item.setForeground(QColor(colours.fg))
