from __future__ import annotations

from dataclasses import replace

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from console.domain.model import Enquiry
from console.live.metrics import NavigatorCounts, navigator_counts, saved_views
from tests.helpers.paint_calls import calls_in_one_paint
from widgets.main_window import navigator
from widgets.main_window.navigator import ALL_KEY, NavigatorModel, NavigatorView

NOW = 1_795_000_000.0
VIEWS = saved_views(lambda: NOW, lambda e: None)
CHANNELS = [("x", "X"), ("facebook", "Facebook"), ("whatsapp", "WhatsApp")]
TEAMS = [("social", "Social"), ("cards", "Cards")]


def enq(ident: str, **kw: object) -> Enquiry:
    base = Enquiry(
        id=ident,
        channel="x",
        visibility="public",
        customer_handle="@c",
        customer_name="C",
        text="hi",
        topic="general",
        complexity=1,
        flags=frozenset(),
        priority="normal",
        status="new",
        team_id="social",
        agent_id=None,
        created_at=NOW - 600,
        version=1,
        updated_at=NOW - 600,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


ROWS = [
    enq("a"),
    enq("b", channel="facebook", visibility="private", team_id="cards", agent_id="ag"),
    enq("c", channel="facebook", flags=frozenset({"fraud_risk"})),
]


def test_navigator_model_passes_the_model_tester_through_changes(qtmodeltester: ModelTester) -> None:
    model = NavigatorModel()
    qtmodeltester.check(model, force_py=True)
    model.set_structure(VIEWS, CHANNELS, TEAMS)
    model.set_counts(navigator_counts(ROWS, VIEWS))
    # An unknown channel arrives from the API: the shape changes and the tester watches the reset.
    assert model.set_structure(VIEWS, [*CHANNELS, ("threads", "threads")], TEAMS)
    model.set_counts(navigator_counts([*ROWS, enq("d", channel="threads")], VIEWS))
    assert not model.set_structure(VIEWS, [*CHANNELS, ("threads", "threads")], TEAMS)
    model.clear_counts()  # the rows are arriving in bulk: blank counts, then counted again
    model.set_counts(navigator_counts(ROWS, VIEWS))


def test_counts_and_predicates(qtbot: QtBot) -> None:
    model = NavigatorModel()
    model.set_structure(VIEWS, CHANNELS, TEAMS)
    changed: list[object] = []
    model.dataChanged.connect(lambda *a: changed.append(a))
    model.set_counts(navigator_counts(ROWS, VIEWS))
    assert model.count(ALL_KEY) == 3
    assert model.count("channel:facebook") == 2
    assert model.count("channel:facebook:private") == 1
    # A private-only channel has no "Public posts" entry that would always read 0.
    assert model.index_of("channel:facebook:public", 0).data() == "Public posts"
    assert model.count("channel:whatsapp:public") is None and model.count("channel:whatsapp") == 0
    assert model.count("team:cards") == 1
    assert model.count("view:unassigned") == 2
    assert model.count("view:flag_fraud") == 1
    assert model.index_of("channel:x", 1).data() == "1"
    fraud = model.predicate("view:flag_fraud")
    assert fraud is not None and [e.id for e in ROWS if fraud(e)] == ["c"]
    private = model.predicate("channel:facebook:private")
    assert private is not None and [e.id for e in ROWS if private(e)] == ["b"]
    assert model.predicate(ALL_KEY) is None
    # Same counts again: nothing repaints.
    changed.clear()
    model.set_counts(navigator_counts(ROWS, VIEWS))
    assert changed == []
    # Cleared while the rows arrive in bulk: blank, not 0, for every count.
    model.clear_counts()
    keys = model.keys()  # the model's, not a dict's
    assert {model.count(k) for k in keys} == {None}
    assert model.index_of(ALL_KEY, 1).data() == "" and changed


def test_view_emits_the_picked_key_and_keeps_it_across_a_reset(qtbot: QtBot) -> None:
    model = NavigatorModel()
    model.set_structure(VIEWS, CHANNELS, TEAMS)
    view = NavigatorView()
    qtbot.addWidget(view)
    view.set_navigator_model(model)
    assert view.current_key() == ALL_KEY
    with qtbot.waitSignal(view.viewSelected) as blocker:
        view.select_key("team:cards")
    assert blocker.args == ["team:cards"]
    # Group headers cannot be picked.
    assert not view.selectionModel().isSelected(model.index_of("group:teams"))
    with qtbot.waitSignal(view.viewSelected) as blocker:
        model.set_structure(VIEWS, CHANNELS, [*TEAMS, ("fraud", "Fraud")])
    assert blocker.args == ["team:cards"]
    assert view.currentIndex() == model.index_of("team:cards")


def test_the_counts_column_fits_every_count_without_measuring_every_row(qtbot: QtBot) -> None:
    """Fixed, not sized to its contents (which measured every row at each delivery of counts): it is
    still at least as wide as Qt's own measure of the widest count, as counts grow and as the text
    grows (200%), and it narrows back."""
    model = NavigatorModel()
    model.set_structure(VIEWS, CHANNELS, TEAMS)
    view = NavigatorView()
    qtbot.addWidget(view)
    view.set_navigator_model(model)
    view.resize(260, 500)
    view.show()
    header = view.header()
    assert header.sectionResizeMode(1) == header.ResizeMode.Fixed

    def fits() -> bool:
        return header.sectionSize(1) >= view.sizeHintForColumn(1)

    small = header.sectionSize(1)
    model.set_counts(navigator_counts(ROWS, VIEWS))
    assert fits() and header.sectionSize(1) == small  # one digit, as before any count
    huge = NavigatorCounts(
        views={v.key: 1_234_567 for v in VIEWS},
        channels={("x", "public"): 12_345_678},
        teams={"social": 12_345_678},
    )
    model.set_counts(huge)
    assert fits() and header.sectionSize(1) > small
    font = view.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    view.setFont(font)
    wide = header.sectionSize(1)
    assert fits() and wide > small
    model.set_counts(navigator_counts(ROWS, VIEWS))
    assert fits() and small < header.sectionSize(1) < wide  # one digit, at 200%


def test_painting_the_navigator_calls_no_python(qtbot: QtBot) -> None:
    # Each call from Qt into Python waits for the GIL while the jobs thread computes over 100k rows: a
    # model served from Python made ~830 of them a paint (51 ms after the load). Its items answer in C++.
    model = NavigatorModel()
    model.set_structure(VIEWS, CHANNELS, TEAMS)
    model.set_counts(navigator_counts(ROWS, VIEWS))
    view = NavigatorView()
    qtbot.addWidget(view)
    view.set_navigator_model(model)
    view.resize(260, 500)
    view.show()
    qtbot.waitExposed(view)
    assert calls_in_one_paint(qtbot, view, navigator.__file__) == {}
    assert model.index_of("channel:facebook", 1).data() == "2"  # what was painted is the model's
