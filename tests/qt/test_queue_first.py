"""The night shift (issue 15, items 3 and 7): the queue leads with what can still be saved, breached work is
one click away with its count, the header's tiles filter the queue or open the longest wait, and the
breaching strip names each enquiry and gives the total. On the console over its demo service."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.live.order import Group
from console.sla.engine import SlaStatus
from widgets.app.session import Session
from widgets.main_window.controller import Controller
from widgets.main_window.window import MainWindow
from widgets.queue.model import SLA_STATUS_ROLE

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def ready(session: Session, qtbot: QtBot) -> tuple[MainWindow, Controller]:
    window, controller = session.window, session.controller
    assert window is not None and controller is not None
    qtbot.waitUntil(session.synced, timeout=30_000)
    model = window.queue_view.queue_model()

    def figures_over_every_row() -> bool:
        # The figures are computed on a worker thread, with clocks of its own, at most once a second.
        counts = window.queue_groups.counts()
        _, statuses = model.status_rows()
        now = controller.now()
        breached = sum(1 for s in statuses if isinstance(s, SlaStatus) and s.due_at < now)
        return counts is not None and counts.open == model.total_count() > 0 and counts.breached == breached

    qtbot.waitUntil(figures_over_every_row, timeout=10_000)
    return window, controller


def shown_statuses(window: MainWindow) -> list[SlaStatus | None]:
    model = window.queue_view.queue_model()
    out = [model.index(r, 0).data(SLA_STATUS_ROLE) for r in range(model.rowCount())]
    assert all(s is None or isinstance(s, SlaStatus) for s in out)
    return out


def test_the_default_view_leads_with_what_can_still_be_saved(demo_session: Session, qtbot: QtBot) -> None:
    window, controller = ready(demo_session, qtbot)
    now = controller.now()
    assert window.queue_groups.current_group() is Group.ALL  # nothing hidden by default
    statuses = [s for s in shown_statuses(window) if s is not None]
    breached = [s.due_at < now for s in statuses]
    assert any(breached) and not all(breached)
    assert breached == sorted(breached)  # every row that can still be saved comes before any breached one
    saveable = [s.remaining_s for s in statuses if s.due_at >= now]
    assert saveable == sorted(saveable)  # the next deadline first
    first = window.queue_view.queue_model().index(0, 0)
    assert " left · due " in first.data()  # the top row can still be saved, and says so


def test_breached_work_is_one_click_away_with_its_count(demo_session: Session, qtbot: QtBot) -> None:
    window, controller = ready(demo_session, qtbot)
    model, groups, now = window.queue_view.queue_model(), window.queue_groups, controller.now()
    counts = groups.counts()
    assert counts is not None and counts.breached > 0
    breached_now = sum(1 for s in shown_statuses(window) if s is not None and s.due_at < now)
    assert counts.breached == breached_now == int(window.header.breached.value.text().replace(",", ""))
    assert groups.tabText(2) == f"Breached ({breached_now})"

    qtbot.mouseClick(groups, Qt.MouseButton.LeftButton, pos=groups.tabRect(2).center())
    assert groups.current_group() is Group.BREACHED
    assert model.rowCount() == breached_now
    assert all(" over · was due " in model.index(r, 0).data() for r in range(model.rowCount()))

    groups.select(Group.SAVEABLE)
    assert model.rowCount() == counts.open - breached_now == int(groups.tabText(1).split("(")[1][:-1])
    assert all(s is None or s.due_at >= now for s in shown_statuses(window))
    groups.select(Group.ALL)
    assert model.rowCount() == counts.open


def test_header_tiles_filter_the_queue_and_open_the_longest_wait(demo_session: Session, qtbot: QtBot) -> None:
    window, controller = ready(demo_session, qtbot)
    model, header, now = window.queue_view.queue_model(), window.header, controller.now()

    qtbot.mouseClick(header.breached, Qt.MouseButton.LeftButton)
    assert window.queue_groups.current_group() is Group.BREACHED
    assert model.rowCount() == int(header.breached.value.text())

    qtbot.mouseClick(header.soon, Qt.MouseButton.LeftButton)
    assert window.navigator.current_key() == "view:breaching_30m"
    assert window.queue_groups.current_group() is Group.SAVEABLE
    statuses = shown_statuses(window)
    assert len(statuses) == int(header.soon.value.text())
    assert all(s is not None and now <= s.due_at <= now + 1800 for s in statuses)

    header.waiting.setFocus()  # the keyboard works too
    qtbot.keyClick(header.waiting, Qt.Key.Key_Return)
    assert window.navigator.current_key() == "view:waiting"
    assert model.rowCount() == int(header.waiting.value.text().replace(",", ""))

    qtbot.mouseClick(header.unanswered, Qt.MouseButton.LeftButton)
    assert model.rowCount() == int(header.unanswered.value.text().replace(",", ""))

    # The longest wait opens that enquiry, making way when the current view hides it.
    qtbot.mouseClick(header.breached, Qt.MouseButton.LeftButton)
    longest = header.longest_id
    assert longest is not None
    qtbot.mouseClick(header.longest, Qt.MouseButton.LeftButton)
    assert window.queue_view.current_id() == longest
    assert window.detail.current_id() == longest


def test_the_strip_names_each_enquiry_and_gives_the_total(demo_session: Session, qtbot: QtBot) -> None:
    window, _ = ready(demo_session, qtbot)
    strip = window.breach_strip
    strip.model.refresh()
    n = strip.model.rowCount()
    assert n > 0
    texts = [strip.model.index(r).data() for r in range(n)]
    assert len(set(texts)) == n  # never two identical chips
    model = window.queue_view.queue_model()
    for r, ident in enumerate(strip.model.ids()):
        e = model.enquiry(ident)
        assert e is not None
        assert texts[r].split(" · ")[0].endswith(" left")
        assert model.index(model.row_of(ident) or 0, 2).data() in texts[r]  # the channel, as the queue says
    total = int(window.header.soon.value.text())
    label = strip.label_text()
    assert label == (f"Breaching in 30 min: {n} of {total}" if total > n else "Breaching in 30 min:")


def test_a_fresh_breach_leaves_the_top_for_the_breached_group(
    demo_session: Session, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, controller = ready(demo_session, qtbot)
    model = window.queue_view.queue_model()
    first = model.enquiry_at(0)
    status = model.status_of(first.id) if first is not None else None
    assert first is not None and status is not None and status.state != "breached"
    # The server's clock moves a second past the first deadline (as sync's measured offset would).
    monkeypatch.setattr("widgets.main_window.queue_presenter.REARRANGE_S", 0.0)
    monkeypatch.setattr(controller.reference, "offset", controller.reference.offset)
    controller.reference.offset += status.due_at - controller.now() + 1
    controller.queue.tick()
    assert model.enquiry_at(0) != first  # the top is again something that can still be saved
    after = model.status_of(first.id)
    assert after is not None and after.state == "breached"
    row = model.row_of(first.id)
    assert row is not None
    saveable = [s for s in shown_statuses(window) if s is not None and s.state != "breached"]
    assert row >= len(saveable)  # among the breached, the freshest breach first
    assert model.index(row - 1, 0).data(SLA_STATUS_ROLE).state != "breached"


def test_the_group_counts_follow_the_navigators_pick(demo_session: Session, qtbot: QtBot) -> None:
    window, controller = ready(demo_session, qtbot)
    model, groups = window.queue_view.queue_model(), window.queue_groups
    everything = groups.counts()
    assert everything is not None
    for key in ("view:flag_fraud", "channel:x"):
        window.navigator.select_key(key)
        shown = model.rowCount()
        assert 0 < shown < everything.open

        def counted(n: int = shown) -> bool:
            c = groups.counts()
            return c is not None and c.open == n

        qtbot.waitUntil(counted, timeout=10_000)
        now = controller.now()
        breached = sum(1 for s in shown_statuses(window) if s is not None and s.due_at < now)
        counts = groups.counts()
        assert counts is not None and counts.breached == breached
        assert groups.tabText(2) == f"Breached ({breached})"
        groups.select(Group.BREACHED)
        assert model.rowCount() == breached
        groups.select(Group.ALL)
    # The header keeps counting every open enquiry.
    assert int(window.header.breached.value.text()) == everything.breached
