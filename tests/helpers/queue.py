"""The queue's test floor: a reference service's floor written into a real encrypted cache as sync writes it
and read back, the real SLA engine built from the cached policies and calendars, and a QueueModel over it.
The `feed` fixture (one service per test module) is in tests/qt/conftest.py."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from console.domain.model import ChangeSet, Enquiry
from console.domain.wire import agent_to_wire, calendar_to_wire, policy_to_wire, team_to_wire
from console.service.server import DemoService
from console.sla.engine import SlaEngine
from console.store.cache import Store
from tests.helpers.store import new_key
from widgets.app.workers import BackgroundJobs
from widgets.queue.model import ID_ROLE, QueueModel

HOSTILE = (
    "<b>bold</b> <a href='https://evil.example'>click</a> <img src='file:///etc/passwd'> "
    "&lt;not a tag&gt; <qt><font color=red>red</font></qt> <table><tr><td>x</td></tr></table>"
)


@dataclass
class Feed:
    """A reference service's simulated floor, written into a real encrypted cache as sync writes it (the
    service's own change feed, in-process: HTTP belongs to the integration tests), and read back from it."""

    service: DemoService
    store: Store
    engine: SlaEngine
    teams: dict[str, str]
    agents: dict[str, str]
    rows: dict[str, Enquiry]
    seq: int = 0

    def now(self) -> float:
        return self.service.server_now()

    def pull(self) -> ChangeSet:
        """Write the service's change feed, to its end, into the cache and read the changed rows back from
        it: the ChangeSet sync would hand to the UI."""
        feed = self.service.sim.store
        cs = ChangeSet()
        while True:
            with feed.lock:
                page = feed.page(self.seq, 5000)
                items = [json.loads(b'{"seq":%d,' % seq + tail) for seq, _, tail in page.entries]
                cursor = feed.cursor(page.last_seq)
            cs.merge(self.store.apply_feed_page(items, cursor))
            self.seq = page.last_seq
            if not page.has_more:
                break
        for ident in cs.removed:
            self.rows.pop(ident, None)
        for ident in cs.added | cs.changed:
            e = self.store.get(ident)
            if e is not None:
                self.rows[ident] = e
        return cs


@contextmanager
def live_feed() -> Iterator[Feed]:
    """A reference service (seed 5, 400 open enquiries, a frozen clock) written to a cache and read back."""
    service = DemoService(seed=5, open_enquiries=400, speed=0)
    world = service.sim.world
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "cache.db", new_key()) as store:
        store.replace_reference("teams", [team_to_wire(t) for t in world.teams])
        store.replace_reference("agents", [agent_to_wire(a) for a in world.agents.values()])
        store.replace_reference("calendars", [calendar_to_wire(c) for c in world.calendars])
        store.replace_reference("sla-policies", [policy_to_wire(p) for p in world.policies])
        teams = store.teams()
        calendars = {c.id: c for c in store.calendars()}
        engine = SlaEngine(store.policies(), calendars, {t.id: t for t in teams})
        agents = {a.id: a.name for a in store.agents()}
        f = Feed(service, store, engine, {t.id: t.name for t in teams}, agents, {})
        f.pull()
        yield f


def make_model(feed: Feed, rows: list[Enquiry] | None = None) -> QueueModel:
    model = QueueModel()
    model.set_clock(feed.engine, feed.now, "Europe/London")
    model.set_names(feed.teams, feed.agents)
    model.set_rows(list(feed.rows.values()) if rows is None else rows)
    return model


def open_rows(feed: Feed) -> list[Enquiry]:
    return sorted((e for e in feed.rows.values() if e.is_open), key=lambda e: e.id)


def column(model: QueueModel, col: int, role: int = Qt.ItemDataRole.DisplayRole) -> list[Any]:
    return [model.index(r, col).data(role) for r in range(model.rowCount())]


def shown_ids(model: QueueModel) -> list[str]:
    return [str(x) for x in column(model, 0, ID_ROLE)]


def plain_of_tooltip(tip: str) -> str:
    doc = QTextDocument()
    doc.setHtml(tip)
    return doc.toPlainText()


def whole_queue_settled(qtbot: QtBot) -> None:
    """Every job queued so far on the whole-queue worker has run and answered (it runs them in turn)."""
    jobs = BackgroundJobs(whole_queue=True)
    with qtbot.waitSignal(jobs.destroyed, timeout=10_000):
        jobs.read(lambda: None, lambda _: jobs.deleteLater())
