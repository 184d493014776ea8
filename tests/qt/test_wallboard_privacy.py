"""Branch screens are seen by the public: no customer handle, name or message text may appear anywhere
in the wallboard's widget tree. Enquiries with unique marker strings go through the real service, sync
and cache; then every text the board could show is collected and searched for the markers."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from console.service.server import DemoService
from console.store.reads import StoreReader
from tests.helpers.wallboard import start_wallboard

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.AccessibleTextRole,
    Qt.ItemDataRole.StatusTipRole,
    Qt.ItemDataRole.WhatsThisRole,
)


def widget_texts(root: QWidget) -> list[str]:
    out: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        out += [
            w.windowTitle(),
            w.toolTip(),
            w.accessibleName(),
            w.accessibleDescription(),
            w.statusTip(),
            w.whatsThis(),
        ]
        if isinstance(w, (QLabel, QAbstractButton)):
            out.append(w.text())
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            model = w.model()
            stack = [QModelIndex()]
            while stack:
                parent = stack.pop()
                for r in range(model.rowCount(parent)):
                    for c in range(model.columnCount(parent)):
                        index = model.index(r, c, parent)
                        out += [str(model.data(index, role) or "") for role in ROLES]
                        stack.append(index)
    return [t for t in out if t]


# The tiles' alerts it logs depend on the floor's moment (levels are ranked, so relative).
@pytest.mark.expected_log(r"ALERT|: Watch \(", logger="concierge.ui.wallboard")
def test_no_customer_data_anywhere_on_the_wallboard(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = DemoService(seed=9, open_enquiries=60, speed=0)
    url = service.start()
    markers: list[str] = []
    for i in range(25):
        handle, name, text = f"@mkhandle{i:03d}zq", f"Mkname{i:03d} Zq", f"mktext{i:03d}zq my card is blocked"
        markers += [handle, name, f"mktext{i:03d}zq"]
        service.add_enquiry(
            customer_handle=handle,
            customer_name=name,
            text=text,
            channel=("x", "whatsapp", "instagram")[i % 3],
        )
    cache = tmp_path / "wall.db"
    session = start_wallboard(qapp, url, cache, monkeypatch, rotate_ms=200)
    try:
        views = session.views
        assert views is not None and views.wallboard is not None
        board = views.wallboard
        feed = views.feed
        assert feed is not None
        qtbot.waitUntil(lambda: feed.latest is not None and feed.latest.open >= 85, timeout=20_000)
        computed = feed.computed
        qtbot.waitUntil(lambda: feed.computed > computed + 1, timeout=10_000)  # figures after the sync
        # The markers really are in the cache the board reads (so this test could fail).
        reader = StoreReader(cache, bytes.fromhex(__import__("os").environ["CONCIERGE_CACHE_KEY"]))
        try:
            cached = {e.customer_handle for e in reader.load_open()}
        finally:
            reader.close()
        assert {m for m in markers if m.startswith("@")} <= cached

        texts: list[str] = []
        for page in range(len(board.pages)):  # every page, as the rotation shows it
            board.show_page(page)
            qapp.processEvents()
            texts += widget_texts(board)
        assert any("Waiting" in t for t in texts) and len(texts) > 30  # the walk did find the tiles
        blob = "\n".join(texts).lower()
        leaked = [m for m in markers if m.lower() in blob]
        assert leaked == []
        # Nor in the figures the tiles are built from.
        assert not [m for m in markers if m.lower() in repr(feed.latest).lower()]
    finally:
        session.stop()
        service.stop()
