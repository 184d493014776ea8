"""The staffing panel: per team, the agents needed now (Erlang C from the live arrival rate and the
handle time, plus those to clear the work waiting for an agent) against the agents on shift and their
free slots, and the breaches predicted in the next hour; below it, the need hour by hour across the day.

The figures a supervisor acts on sit next to the team's name (the gap, the breaches likely in the next
hour); the workings follow. Columns are as wide as their contents, never stretched across the window.
The handle time and the service goal are not in the data: the supervisor sets them here (they apply at
the next figures, a few seconds later). The numbers come from console.live.chart_data and
console.live.floor; no matplotlib here, so the panel opens at once.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.live.chart_data import BoardFigures, StaffingConfig
from console.live.floor import DayStaffing, gap_words
from console.sla.words import duration
from widgets.theme.icons import sla_icon
from widgets.theme.theme import Theme

COLUMNS = (
    "Team",
    "Gap",
    "Breaches next hour",
    "Needed now",
    "On shift",
    "Free slots",
    "Waiting for an agent",
    "Arrivals / h",
    "Needed for arrivals",
    "Needed for backlog",
)
GAP_COL, BREACH_COL = COLUMNS.index("Gap"), COLUMNS.index("Breaches next hour")
HOUR_COL = 2  # the day table: on shift now, peak, then the hours
ALL_TEAMS = "All teams"


def _table(name: str) -> QTableWidget:
    table = QTableWidget(0, 0)
    table.setAccessibleName(name)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(False)  # the space left over stays empty, beside the figures
    return table


def _headers(table: QTableWidget, labels: list[str] | tuple[str, ...], *, first_left: bool = True) -> None:
    """Column titles aligned as their figures are: the name left, numbers right."""
    table.setColumnCount(len(labels))
    for c, label in enumerate(labels):
        item = QTableWidgetItem(label)
        side = Qt.AlignmentFlag.AlignLeft if c == 0 and first_left else Qt.AlignmentFlag.AlignRight
        item.setTextAlignment(side | Qt.AlignmentFlag.AlignVCenter)
        table.setHorizontalHeaderItem(c, item)


def _fit_height(table: QTableWidget, at_least: int = 12) -> None:
    """As tall as its rows, and never shorter than `at_least` of them (more scroll): the space left
    goes to the view across the day, and no row hides behind a scroll bar while there is room."""
    header = table.horizontalHeader()
    chrome = max(header.height(), header.sizeHint().height()) + 2 * table.frameWidth() + 2
    if header.length() > table.viewport().width():
        chrome += table.horizontalScrollBar().sizeHint().height()
    rows = table.verticalHeader()
    table.setMaximumHeight(chrome + rows.length())
    shown = min(table.rowCount(), at_least)
    table.setMinimumHeight(chrome + sum(table.rowHeight(r) for r in range(shown)))


def _item(text: str, *, number: bool = True, bold: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if number:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if bold:
        font = QFont(item.font())
        font.setBold(True)
        item.setFont(font)
    return item


class StaffingPanel(QWidget):
    configChanged = Signal(object)  # StaffingConfig

    def __init__(
        self,
        theme: Theme,
        config: StaffingConfig | None = None,
        parent: QWidget | None = None,
        *,
        tz: str = "UTC",
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Concierge: staffing")
        self.theme = theme
        self.tz = ZoneInfo(tz)
        self.inputs = config or StaffingConfig()
        self.latest: BoardFigures | None = None
        self.table = _table("Staffing per team now")
        _headers(self.table, COLUMNS)
        for c, tip in (
            (GAP_COL, "Agents missing now (needed now minus on shift)"),
            (BREACH_COL, "Enquiries likely to breach in the next hour with the agents on shift"),
        ):
            header = self.table.horizontalHeaderItem(c)
            if header is not None:
                header.setToolTip(tip)
        self.day = _table("Agents needed per hour across the day")
        self.day.verticalHeader().setVisible(True)
        self.day_title = QLabel("Across the day: agents needed for the work that arrived in each hour")
        self.day_title.setTextFormat(Qt.TextFormat.PlainText)
        bold = QFont(self.day_title.font())
        bold.setBold(True)
        self.day_title.setFont(bold)
        self.day_note = QLabel("")
        self.day_note.setTextFormat(Qt.TextFormat.PlainText)
        self.day_note.setWordWrap(True)

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
        # Large text on a small screen: the panel scrolls rather than squeezing its tables over each other.
        content = QWidget()
        layout = QVBoxLayout(content)
        scroller = QScrollArea()
        scroller.setWidget(content)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroller)
        layout.addLayout(top)
        layout.addWidget(self.table)
        layout.addWidget(self.day_title)
        layout.addWidget(self.day, 1)
        layout.addWidget(self.day_note)
        layout.addStretch(0)
        self.resize(1000, 640)

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

    def set_theme(self, theme: Theme) -> None:
        """After the console's theme changed: the marked cells take the new colours."""
        self.theme = theme
        if self.latest is not None:
            self.set_figures(self.latest)

    def set_figures(self, f: BoardFigures) -> None:
        self.latest = f
        self.table.setRowCount(len(f.teams))
        for r, t in enumerate(f.teams):
            cells = (
                t.name,
                gap_words(t.gap),
                str(t.predicted_breaches),
                str(t.needed),
                str(t.on_shift),
                f"{t.free_slots} of {t.capacity}",
                f"{t.backlog:,}",
                f"{t.rate_per_hour:.0f}",
                str(t.for_arrivals),
                str(t.for_backlog),
            )
            for c, text in enumerate(cells):
                self.table.setItem(r, c, _item(text, number=c > 0, bold=c in (0, GAP_COL, BREACH_COL)))
            self._mark(self.table, r, GAP_COL, "breached" if t.gap > 0 else None)
            self._mark(self.table, r, BREACH_COL, "urgent" if t.predicted_breaches else None)
        _fit_height(self.table)
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
        self._show_day(f.day)

    def _show_day(self, day: DayStaffing) -> None:
        """Teams down, hours across (the current hour last), then the total over all teams. An hour
        that needed more agents than the team has on shift now is bold and tinted (never colour alone)."""
        bar = self.day.horizontalScrollBar()
        at_now = bar.value() >= bar.maximum()  # showing the latest hours: keep showing them
        hours = [datetime.fromtimestamp(h, self.tz).strftime("%H:%M") for h in day.hours]
        if hours:
            hours[-1] = f"{hours[-1]} (now)"
        # Team names are the rows' headers: they stay in view while the hours scroll.
        _headers(self.day, ["On shift now", "Peak", *hours], first_left=False)
        names = [t.name for t in day.teams] + ([ALL_TEAMS] if day.teams else [])
        self.day.setRowCount(len(names))
        for r, name in enumerate(names):
            head = _item(name, number=False, bold=True)
            head.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self.day.setVerticalHeaderItem(r, head)
        for r, t in enumerate(day.teams):
            self.day.setItem(r, 0, _item(str(t.on_shift)))
            self.day.setItem(r, 1, _item(str(t.peak), bold=t.peak > t.on_shift))
            for i, (need, arrived) in enumerate(zip(t.needed, t.arrivals, strict=True)):
                over = need > t.on_shift
                item = _item(str(need), bold=over)
                came = "in the last hour" if i == len(hours) - 1 else "arrived"
                item.setToolTip(
                    f"{t.name}, {hours[i]}: {arrived:.0f} {came}, needing {need} "
                    f"agent{'s' if need != 1 else ''}; {t.on_shift} on shift now"
                )
                self.day.setItem(r, HOUR_COL + i, item)
                self._mark(self.day, r, HOUR_COL + i, "at_risk" if over else None, icon=False)
        if day.teams:
            r = len(day.teams)
            total = day.total()
            self.day.setItem(r, 0, _item(str(sum(t.on_shift for t in day.teams)), bold=True))
            self.day.setItem(r, 1, _item(str(max(total, default=0)), bold=True))
            for i, n in enumerate(total):
                self.day.setItem(r, HOUR_COL + i, _item(str(n), bold=True))
        _fit_height(self.day, at_least=3)  # a small window or large text: the day scrolls first
        if at_now:
            bar.setValue(bar.maximum())
        peak = max(range(len(day.hours)), key=lambda i: day.total()[i]) if day.hours else None
        self.day_note.setText(
            "Erlang C for each hour's arrivals with the inputs above (now: the last 60 min). "
            "Bold and tinted: more agents than on shift now."
            + (f" Busiest hour: {hours[peak]}." if peak is not None and day.total()[peak] else "")
        )

    def _mark(self, table: QTableWidget, row: int, col: int, state: str | None, *, icon: bool = True) -> None:
        """A problem cell gets the SLA state's colours and, with `icon`, its icon (never colour alone)."""
        item = table.item(row, col)
        if item is None or state is None:
            return
        colours = self.theme.state(state)
        shape = sla_icon(state, self.theme) if icon else None
        if shape is not None:
            item.setIcon(shape)
        if colours is not None:
            item.setBackground(colours.bg)
            item.setForeground(QColor(colours.fg))
