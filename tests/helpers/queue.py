"""The queue's test floor: a live reference service read through its change feed as sync reads it, the
real SLA engine built from the service's own policies and calendars, and a QueueModel over what was read.
The `feed` fixture (one service per test module) is in tests/qt/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from console.domain.model import ChangeSet, Enquiry
from console.domain.wire import calendar_from_wire, enquiry_from_wire, policy_from_wire, team_from_wire
from console.service.server import DemoService
from console.sla.engine import SlaEngine
from widgets.queue.model import ID_ROLE, QueueModel

HOSTILE = (
    "<b>bold</b> <a href='https://evil.example'>click</a> <img src='file:///etc/passwd'> "
    "&lt;not a tag&gt; <qt><font color=red>red</font></qt> <table><tr><td>x</td></tr></table>"
)


@dataclass
class Feed:
    """A live reference service and what a client has read from it so far."""

    service: DemoService
    session: requests.Session
    url: str
    engine: SlaEngine
    teams: dict[str, str]
    agents: dict[str, str]
    rows: dict[str, Enquiry]
    cursor: str = ""

    def now(self) -> float:
        return self.service.server_now()

    def get(self, path: str, **params: Any) -> Any:
        r = self.session.get(self.url + path, params=params, timeout=10)
        r.raise_for_status()
        return r.json()

    def pull(self) -> ChangeSet:
        """Read the change feed to its end; the ChangeSet sync would hand to the UI."""
        cs = ChangeSet()
        while True:
            page = self.get("/v1/changes", cursor=self.cursor, limit=5000)
            for ch in page["items"]:
                if ch["op"] == "delete":
                    if self.rows.pop(ch["id"], None) is not None:
                        cs.merge(ChangeSet(removed={ch["id"]}))
                    continue
                e = enquiry_from_wire(ch["enquiry"])
                old = self.rows.get(e.id)
                if old is None or e.version > old.version:
                    cs.merge(ChangeSet(changed={e.id}) if old else ChangeSet(added={e.id}))
                    self.rows[e.id] = e
            self.cursor = page["next_cursor"]
            if not page["has_more"]:
                return cs


@contextmanager
def live_feed() -> Iterator[Feed]:
    """A reference service (seed 5, 400 open enquiries, a frozen clock) read to the end of its feed."""
    service = DemoService(seed=5, open_enquiries=400, speed=0)
    url = service.start()
    session = requests.Session()
    token = session.post(
        url + "/v1/auth/token",
        json={"username": "supervisor", "password": "demo-supervisor", "scope": "supervisor"},
        timeout=10,
    ).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"

    def items(path: str) -> list[Any]:
        r = session.get(url + path, timeout=10)
        r.raise_for_status()
        return list(r.json()["items"])

    teams = [team_from_wire(t) for t in items("/v1/teams")]
    calendars = {c.id: c for c in (calendar_from_wire(c) for c in items("/v1/calendars"))}
    policies = [policy_from_wire(p) for p in items("/v1/sla-policies")]
    engine = SlaEngine(policies, calendars, {t.id: t for t in teams})
    agents = {a["id"]: a["name"] for a in items("/v1/agents")}
    f = Feed(service, session, url, engine, {t.id: t.name for t in teams}, agents, {})
    f.pull()
    try:
        yield f
    finally:
        session.close()
        service.stop()


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
