"""QueueView and BreachStrip on real data from the reference service (see test_queue_model's feed)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QModelIndex, QObject, QPoint, QRect, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPaintEvent,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import QLineEdit, QStyleOptionViewItem, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from console.domain.model import ChangeSet, Enquiry
from tests.helpers.queue import HOSTILE, Feed, make_model, open_rows
from widgets.queue.breach_strip import BreachStrip
from widgets.queue.delegates import QueueDelegate
from widgets.queue.model import ID_ROLE, QueueModel
from widgets.queue.text import Col
from widgets.queue.view import QueueView

# The offscreen platform says so whenever a top-level window with a layout is shown; harmless.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
WHITE = QColor("#FFFFFF")


def grab_png(widget: QWidget, path: Path) -> Path:
    """Screenshot helper: render a widget (offscreen too) to a PNG file; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


@pytest.fixture
def view(qtbot: QtBot, feed: Feed) -> QueueView:
    model = make_model(feed)
    model.sort(Col.AGE, Qt.SortOrder.AscendingOrder)
    v = QueueView(model)
    v.set_tick_interval(0)  # tests tick by hand unless they test the timer
    v.resize(1100, 420)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    return v


def top_id(v: QueueView) -> str | None:
    e = v.queue_model().enquiry_at(v.rowAt(0))
    return None if e is None else e.id


def test_live_updates_keep_selection_current_row_and_what_is_on_screen(view: QueueView, feed: Feed) -> None:
    model = view.queue_model()
    view.verticalScrollBar().setValue(100)
    ids = model.ids()
    chosen = [ids[105], ids[106], ids[110]]
    view.select_ids(chosen, current=ids[106])
    before_top = top_id(view)
    rows = {e.id: e for e in open_rows(feed)}
    now = feed.now()
    fresh = [dataclasses.replace(rows[ids[i]], id=f"fresh-{i}", created_at=now - i) for i in range(3)]
    above = rows[ids[40]]
    aged = dataclasses.replace(above, created_at=above.created_at - 90 * 86_400, version=above.version + 1)
    changes = ChangeSet(added={e.id for e in fresh}, changed={aged.id}, removed={ids[50], ids[300], ids[107]})
    model.apply(changes, {e.id: e for e in [*fresh, aged]})
    assert model.ids()[:3] == ["fresh-0", "fresh-1", "fresh-2"]  # inserted above the viewport
    assert top_id(view) == before_top  # ...yet the supervisor still reads the same rows
    assert sorted(view.selectedIds()) == sorted(chosen)
    assert view.current_id() == ids[106]


def test_new_rows_show_at_the_top_when_scrolled_to_the_top(view: QueueView, feed: Feed) -> None:
    model = view.queue_model()
    e = dataclasses.replace(open_rows(feed)[0], id="brand-new", created_at=feed.now())
    model.apply(ChangeSet(added={"brand-new"}), {"brand-new": e})
    assert top_id(view) == "brand-new"


def test_filter_and_sort_keep_the_selection_by_id(view: QueueView, qtbot: QtBot) -> None:
    model = view.queue_model()
    ids = model.ids()
    view.select_ids([ids[3], ids[8]], current=ids[8])
    keep = {ids[3], ids[8], ids[20]}
    view.apply_filter("", lambda e: e.id in keep)
    assert model.visible_count() == 3
    assert sorted(view.selectedIds()) == sorted([ids[3], ids[8]]) and view.current_id() == ids[8]
    with qtbot.waitSignal(view.currentEnquiryChanged) as blocker:
        view.apply_filter("", lambda e: e.id in {ids[3], ids[20]})
    assert blocker.args == [""] and view.selectedIds() == [ids[3]]
    view.apply_filter("")
    view.select_ids([ids[3]], current=ids[3])
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(Col.CHANNEL) + header.sectionSize(Col.CHANNEL) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    assert model.sort_column()[0] == Col.CHANNEL
    shown = (model.enquiry_at(r) for r in range(model.rowCount()))
    channels = [(e.channel, e.visibility) for e in shown if e]
    assert channels in (sorted(channels), sorted(channels, reverse=True))
    assert view.selectedIds() == [ids[3]] and view.current_id() == ids[3]


def test_rows_arriving_in_an_empty_queue_paint_once_at_the_width_it_was_shown_with(
    qtbot: QtBot, feed: Feed
) -> None:
    """The scroll bar is there before the rows: they do not narrow the viewport, which would lay out
    and paint every cell a second time as they first show."""
    model = make_model(feed, [])
    v = QueueView(model)
    v.resize(1100, 420)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    width = v.viewport().width()
    paints: list[int] = []
    v.viewport().installEventFilter(filter_ := _PaintCounter(paints))
    model.set_rows(open_rows(feed))
    qtbot.waitUntil(lambda: len(paints) > 0)
    for _ in range(3):  # what a relayout would post (its layout, then the paint it asks for) is handled
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()
    assert v.viewport().width() == width and v.verticalScrollBar().isVisible()
    assert paints == [v.viewport().width()]
    v.viewport().removeEventFilter(filter_)


class _PaintCounter(QObject):
    def __init__(self, paints: list[int]) -> None:
        super().__init__()
        self.paints = paints

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if isinstance(event, QPaintEvent):
            self.paints.append(event.rect().width())
        return False


def test_tick_repaints_only_the_rows_on_screen(view: QueueView, qtbot: QtBot) -> None:
    model = view.queue_model()
    view.verticalScrollBar().setValue(60)
    spans: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(lambda a, b, roles=(): spans.append((a.row(), b.row(), a.column(), b.column())))
    view.tick_visible()
    first, last = view.rowAt(0), view.rowAt(view.viewport().height() - 1)
    assert first == 60 and 60 < last < 100
    clock_cells = [(first, last, c, c) for c in (Col.SLA, Col.AGE, Col.RISK)]
    assert spans == clock_cells
    assert last - first + 1 < model.rowCount() / 10
    # The real timer drives the same tick: an hour on, every clock on screen reads differently.
    ix = model.queue_index()
    later = ix.now_fn() + 3600.0
    model.set_clock(ix.engine, lambda: later, model.time_zone(), retime=False)
    spans.clear()
    view.set_tick_interval(20)
    qtbot.waitUntil(lambda: len(spans) >= 3, timeout=3000)
    assert spans[:3] == clock_cells


def test_keyboard_home_end_pages_enter_and_ctrl_f(qtbot: QtBot, feed: Feed) -> None:
    model = make_model(feed)
    window = QWidget()
    box = QLineEdit(window)
    view = QueueView(model, window)
    view.set_tick_interval(0)
    layout = QVBoxLayout(window)
    layout.addWidget(box)
    layout.addWidget(view)
    view.set_filter_box(box)
    window.resize(1000, 400)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    view.select_id(model.ids()[5])
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.currentIndex().row() == model.rowCount() - 1
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.currentIndex().row() == 0
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    assert view.currentIndex().row() > 3
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert len(view.selectedIds()) == 2  # shift extends the selection: multi-select from the keyboard
    with qtbot.waitSignal(view.enquiryActivated) as activated:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert activated.args == [view.current_id()]
    with qtbot.waitSignal(view.filterRequested):
        qtbot.keyClick(view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClicks(box, model.ids()[0][-4:])
    assert 0 < model.visible_count() < model.total_count()
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert box.text() == "" and model.visible_count() == model.total_count()
    qtbot.keyClick(box, Qt.Key.Key_Down)
    qtbot.waitUntil(view.hasFocus)


def test_current_enquiry_signal_and_select_id(view: QueueView, qtbot: QtBot) -> None:
    target = view.queue_model().ids()[250]
    with qtbot.waitSignal(view.currentEnquiryChanged) as blocker:
        assert view.select_id(target)
    assert blocker.args == [target] and view.selectedIds() == [target]
    assert view.rowAt(0) <= 250 <= view.rowAt(view.viewport().height() - 1)  # scrolled into view
    assert not view.select_id("no-such-id")


def _ink_span(img: QImage, background: QColor) -> tuple[int, int]:
    xs = [
        x
        for x in range(img.width())
        if any(img.pixelColor(x, y) != background for y in range(2, img.height() - 2))
    ]
    return (min(xs), max(xs)) if xs else (0, -1)


def _paint_cell(delegate: QueueDelegate, index: QModelIndex, font: QFont, width: int = 3000) -> QImage:
    """One cell painted by the delegate on white, as the view would paint it."""
    opt = QStyleOptionViewItem()
    opt.font = font
    opt.rect = QRect(0, 0, width, 3 * QFontMetrics(font).height())
    img = QImage(width, opt.rect.height(), QImage.Format.Format_RGB32)
    img.fill(WHITE)
    opt.palette.setColor(opt.palette.ColorRole.Base, WHITE)
    opt.palette.setColor(opt.palette.ColorRole.Text, QColor("#000000"))
    painter = QPainter(img)
    delegate.paint(painter, opt, index)
    painter.end()
    return img


def _ink_rows(img: QImage) -> tuple[int, int]:
    ys = [y for y in range(img.height()) if any(img.pixelColor(x, y) != WHITE for x in range(img.width()))]
    return (min(ys), max(ys)) if ys else (0, -1)


def test_delegate_draws_markup_as_literal_text(qtbot: QtBot, feed: Feed) -> None:
    base = open_rows(feed)[0]
    model: QueueModel = make_model(feed, [dataclasses.replace(base, id="x1", text=HOSTILE)])
    model.set_privacy("full")
    view = QueueView(model)
    qtbot.addWidget(view)
    delegate = view.itemDelegate()
    assert isinstance(delegate, QueueDelegate)
    index = model.index(0, Col.PREVIEW)
    text = index.data()
    assert text.startswith("<b>bold</b> <a href=")
    left, right = _ink_span(_paint_cell(delegate, index, view.font()), WHITE)
    drawn = right - left + 1
    expected = QFontMetrics(view.font()).horizontalAdvance(text)
    # Rich text would swallow the tags (and draw an image box): far narrower than the literal string.
    assert abs(drawn - expected) <= 0.03 * expected + 4, (drawn, expected)


def test_delegate_keeps_a_cell_on_one_line_aligned_and_elided_in_its_font(qtbot: QtBot) -> None:
    """The laid-out texts the delegate keeps between repaints: a line break is drawn as a space, a right-
    aligned text ends at the cell's padding, a long one is elided to the cell, and a new font lays them
    out again (nothing drawn in the old one)."""
    items = QStandardItemModel(1, 3)
    items.setItem(0, 0, QStandardItem("first line\nsecond line"))
    right = QStandardItem("12 min")
    right.setData(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, Qt.ItemDataRole.TextAlignmentRole
    )
    items.setItem(0, 1, right)
    items.setItem(0, 2, QStandardItem("a long message " * 20))
    delegate = QueueDelegate()
    font = QFont()
    font.setPixelSize(14)
    fm = QFontMetrics(font)

    img = _paint_cell(delegate, items.index(0, 0), font)
    top, bottom = _ink_rows(img)
    assert 0 < bottom - top + 1 <= fm.height()  # one line, not two
    left, end = _ink_span(img, WHITE)
    assert abs((end - left + 1) - fm.horizontalAdvance("first line second line")) <= 4

    img = _paint_cell(delegate, items.index(0, 1), font, width=400)
    _, end = _ink_span(img, WHITE)
    pad = max(6, fm.height() // 3)
    assert 400 - pad - 4 <= end <= 400 - pad  # right-aligned to the padding, not left

    img = _paint_cell(delegate, items.index(0, 2), font, width=300)
    _, end = _ink_span(img, WHITE)
    assert end <= 300 - pad  # elided to the cell

    small = QFont(font)
    small.setPixelSize(10)  # the same padding as 14 px: the same cell width, the same text
    for f in (small, font):  # the same texts, kept, then in a new font: laid out and measured in it
        img = _paint_cell(delegate, items.index(0, 1), f, width=400)
        pad = max(6, QFontMetrics(f).height() // 3)
        left, end = _ink_span(img, WHITE)
        top, bottom = _ink_rows(img)
        assert 400 - pad - 4 <= end <= 400 - pad, (f.pixelSize(), end)
        advance = QFontMetrics(f).horizontalAdvance("12 min")
        assert abs((end - left + 1) - advance) <= 0.1 * advance + 2  # ink, without the side bearings
        assert bottom - top + 1 >= 0.5 * f.pixelSize()


def test_screenshot_helper_writes_a_png_of_the_view(view: QueueView, tmp_path: Path) -> None:
    path = grab_png(view, tmp_path / "queue.png")
    img = QImage(str(path))
    assert not img.isNull() and img.width() >= 1000 and img.height() >= 400
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 20  # rows, state colours and icons were drawn, not a blank window


def test_breach_strip_lists_nearest_deadlines_and_click_selects(
    qtbot: QtBot,
    view: QueueView,
    qtmodeltester: Any,
) -> None:
    model = view.queue_model()
    strip = BreachStrip(model, n=6, within_s=86_400.0)  # the next day's deadlines, not only 30 min
    qtbot.addWidget(strip)
    strip.resize(1100, strip.sizeHint().height())
    strip.show()
    qtbot.waitExposed(strip)
    expected = [e.id for e, _ in model.nearest_deadlines(6)]
    assert strip.model.ids() == expected and len(expected) == 6
    qtmodeltester.check(strip.model)
    strip.enquiryClicked.connect(view.select_id)
    lv = strip.list_view()
    rect = lv.visualRect(strip.model.index(2))
    with qtbot.waitSignal(strip.enquiryClicked) as clicked:
        qtbot.mouseClick(lv.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert clicked.args == [expected[2]] and view.current_id() == expected[2]
    # Independent of the table's sort and filter, and refreshed by live updates.
    view.apply_filter("zzz-nothing")
    strip.model.refresh()
    assert strip.model.ids() == expected
    first: Enquiry | None = model.enquiry(expected[0])
    assert first is not None
    model.apply(ChangeSet(removed={first.id}), {})
    qtbot.waitUntil(lambda: strip.model.ids()[:5] == expected[1:6], timeout=3000)


def test_the_keyboards_place_among_the_breaching_chips_stays_on_its_enquiry_as_chips_come_and_go(
    qtbot: QtBot, view: QueueView
) -> None:
    model = view.queue_model()
    strip = BreachStrip(model, n=6, within_s=86_400.0)
    qtbot.addWidget(strip)
    lv = strip.list_view()
    expected = strip.model.ids()
    lv.setCurrentIndex(strip.model.index(2))  # a supervisor arrowed to the third chip
    model.apply(ChangeSet(removed={expected[0]}), {})  # the soonest was answered: its chip goes
    qtbot.waitUntil(lambda: strip.model.ids()[:5] == expected[1:6], timeout=3000)
    assert lv.currentIndex().row() == 1 and lv.currentIndex().data(ID_ROLE) == expected[2]
    with qtbot.waitSignal(strip.enquiryClicked) as opened:
        qtbot.keyClick(lv, Qt.Key.Key_Return)  # Enter opens the chip the keyboard is on, not another
    assert opened.args == [expected[2]]
    # The label counts the chips on show as they go (row signals now, not a reset).
    strip.set_total(30)
    kept = set(strip.model.ids()[:2])
    model.apply(ChangeSet(removed=set(model.ids()) - kept), {})
    qtbot.waitUntil(lambda: set(strip.model.ids()) == kept, timeout=3000)
    assert strip.label_text() == "Breaching in 30 min: 2 of 30"


def test_row_height_follows_the_font(view: QueueView) -> None:
    small = view.verticalHeader().defaultSectionSize()
    font = view.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    view.setFont(font)
    assert view.verticalHeader().defaultSectionSize() >= small * 1.8


def test_header_state_round_trips_and_bad_state_is_refused(view: QueueView) -> None:
    hh = view.horizontalHeader()
    hh.setSectionHidden(Col.AGENT, True)
    hh.resizeSection(Col.TEAM, 222)
    state = view.header_state()
    hh.setSectionHidden(Col.AGENT, False)
    hh.resizeSection(Col.TEAM, 100)
    assert view.restore_header_state(state)
    assert hh.isSectionHidden(Col.AGENT) and hh.sectionSize(Col.TEAM) == 222
    assert not view.restore_header_state(QByteArray(b"not a header state"))
    assert hh.isSectionHidden(Col.AGENT) and hh.sectionSize(Col.TEAM) == 222
