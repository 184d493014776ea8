"""Team and agent names in the queue: the reference data comes again whenever an agent's status changes
(each minute on a live floor), with the same names; only a real rename touches the rows it names."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.helpers.queue import Feed, make_model, open_rows, shown_ids
from widgets.queue.text import Col


@pytest.fixture(autouse=True)
def _app(qapp: Any) -> Any:
    return qapp


def test_the_same_names_again_keep_every_filter_text_and_the_filtered_rows(feed: Feed, qtbot: QtBot) -> None:
    model = make_model(feed)
    qtbot.waitUntil(model.warmed_up, timeout=5000)
    model.set_filter(feed.agents[next(e.agent_id for e in open_rows(feed) if e.agent_id)])  # their rows
    shown = shown_ids(model)
    assert 0 < len(shown) < model.total_count()
    with qtbot.assertNotEmitted(model.modelReset), qtbot.assertNotEmitted(model.dataChanged):
        model.set_names(dict(feed.teams), dict(feed.agents))  # equal, not the same dictionaries
    assert model.warmed_up() and shown_ids(model) == shown


def test_a_renamed_agent_is_found_by_the_new_name_and_no_longer_by_the_old(feed: Feed, qtbot: QtBot) -> None:
    model = make_model(feed)
    qtbot.waitUntil(model.warmed_up, timeout=5000)
    rows = open_rows(feed)
    agent = next(e.agent_id for e in rows if e.agent_id)
    theirs = {e.id for e in rows if e.agent_id == agent}
    model.set_filter("zebedee")
    assert model.visible_count() == 0
    with qtbot.waitSignal(model.modelReset):  # the filter is applied again: their rows now match
        model.set_names(feed.teams, {**feed.agents, agent: "Zebedee Quux"})
    assert set(shown_ids(model)) == theirs
    assert {model.index(r, Col.AGENT).data() for r in range(model.rowCount())} == {"Zebedee Quux"}
    model.set_names(feed.teams, feed.agents)  # the old name back
    assert model.visible_count() == 0
    qtbot.waitUntil(model.warmed_up, timeout=5000)


def test_a_rename_while_a_load_is_prepared_gives_its_rows_the_new_name_once_taken_in(
    feed: Feed, qtbot: QtBot
) -> None:
    # The load's filter text is made on a worker with the names it began with: taken in after a rename,
    # it is made again (the warm-up), so the filter finds the new name, not the old.
    model = make_model(feed)
    rows = open_rows(feed)
    agent = next(e.agent_id for e in rows if e.agent_id)
    theirs = {e.id for e in rows if e.agent_id == agent}
    prepared = model.prepare(rows)
    assert not prepared.bare and len(prepared.made_text) == len(prepared.ids)  # every row has its text
    model.set_names(feed.teams, {**feed.agents, agent: "Zebedee Quux"})
    model.set_prepared(prepared)
    assert model._ix.text_left() == len(prepared.ids)  # every row's text is made again
    qtbot.waitUntil(model.warmed_up, timeout=5000)
    assert all(r.hay is not None and (r.e.agent_id != agent or "zebedee" in r.hay) for r in prepared.ids)
    model.set_filter("zebedee")
    assert set(shown_ids(model)) == theirs

    # Taken in with the names it was made with: no row is left to the warm-up.
    prepared = model.prepare(rows)
    model.set_prepared(prepared)
    assert model._ix.text_left() == 0
    assert set(shown_ids(model)) == theirs  # the filter still applies
