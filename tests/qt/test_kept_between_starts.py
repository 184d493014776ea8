"""What a start keeps in the cache for the next (issue 16: masking every open text and timing every clock
are the largest parts of a start at 100k). A start with none kept masks every text and times every clock
on its loading worker and keeps them; the next start uses them instead of doing it again; what was kept
under another version of the PII or SLA rules is never used. Real encrypted cache files, a real main
window."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import apsw
import pytest
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from console.domain import wire
from console.domain.model import ChangeSet, Enquiry, Team
from console.live.queue_rows import Row
from console.sla.engine import SlaEngine
from console.store.cache import Store, StoreReader
from tests.helpers.store import make_enquiry, new_key
from widgets.main_window import loading
from widgets.main_window.controller import Controller
from widgets.main_window.loading import Readers, read_first
from widgets.main_window.window import MainWindow
from widgets.queue.model import QueueModel
from widgets.queue.text import PREVIEW_VERSION, CellText, Col, preview_digest, preview_text

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")  # offscreen
CARD = "4539 1488 0343 6467"  # Luhn-valid: masked in every preview


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[tuple[Path, str, list[Enquiry]]]:
    key, path = new_key(), tmp_path / "cache.db"
    rows = [make_enquiry(i, text=f"my card {CARD} was swallowed at branch {i % 4}") for i in range(24)]
    with Store(path, key) as store:
        store.apply_enquiries(rows)
    yield path, key, rows


def kept(path: Path, key: str, version: str = PREVIEW_VERSION) -> dict[bytes, str]:
    with StoreReader(path, key) as reader:
        return reader.previews(version)


def start(path: Path, key: str, qtbot: QtBot) -> tuple[Controller, QueueModel]:
    """The main window's load from the cache, as the session starts it with no sync thread yet."""
    model = QueueModel()
    window = MainWindow(model)
    qtbot.addWidget(window)
    ctl = Controller(window, model, StoreReader(path, key), reader_factory=lambda: StoreReader(path, key))
    ctl.queue.cache = lambda: (path, bytes.fromhex(key))
    ctl.load_from_cache()
    qtbot.waitUntil(lambda: ctl.loaded, timeout=10_000)
    return ctl, model


def matches(model: QueueModel, needle: str) -> int:
    model.set_filter(needle)
    n = model.rowCount()
    model.set_filter("")
    return n


@pytest.mark.parametrize("looked_up_at_most", [5_000, 0], ids=["looked-up", "read-whole"])
def test_a_start_keeps_its_previews_and_the_next_reads_them_instead_of_masking(
    cache: tuple[Path, str, list[Enquiry]],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    looked_up_at_most: int,
) -> None:
    # The rows without kept filter text: their previews looked up one by one, or (more than
    # LOOKED_UP_AT_MOST of them) every kept preview read.
    monkeypatch.setattr(loading, "LOOKED_UP_AT_MOST", looked_up_at_most)
    path, key, rows = cache
    assert kept(path, key) == {}
    ctl, model = start(path, key, qtbot)
    qtbot.waitUntil(lambda: len(kept(path, key)) == 4, timeout=10_000)  # four distinct texts
    first = kept(path, key)
    assert all(CARD not in p and "6467" in p for p in first.values())  # masked, the last four kept
    at = model.row_of(rows[1].id)
    assert at is not None
    shown = model.index(at, Col.PREVIEW).data()
    assert first[preview_digest(rows[1].text)] == shown
    ctl.stop()

    # The next start's filter text comes from what was kept (here a preview only the cache could say),
    # once no filter text is kept either (test_a_start_keeps_its_filter_text_...).
    planted = {**first, preview_digest(rows[1].text): "kept by the last start"}
    with Store(path, key) as store:
        store.keep_previews(PREVIEW_VERSION, planted)
        store._conn.execute("DELETE FROM filter_texts")
    ctl, model = start(path, key, qtbot)
    assert matches(model, "kept by the last") == sum(r.text == rows[1].text for r in rows) == 6
    ctl.stop()
    assert kept(path, key) == planted  # nothing was new: no write

    # Kept under other PII rules: never used, every text masked again, and the kept set replaced.
    with Store(path, key) as store:
        store.keep_previews("0/older rules", planted)
        store._conn.execute("DELETE FROM filter_texts")
    assert kept(path, key) == {}
    ctl, model = start(path, key, qtbot)
    assert matches(model, "kept by the last") == 0
    assert matches(model, "swallowed at branch 1") == 6
    qtbot.waitUntil(lambda: kept(path, key) == first, timeout=10_000)
    ctl.stop()


def test_the_previews_of_the_rows_at_the_top_are_made_on_the_worker_not_in_the_first_paint(
    cache: tuple[Path, str, list[Enquiry]], qtbot: QtBot
) -> None:
    path, key, rows = cache
    ctl, model = start(path, key, qtbot)  # not shown: nothing painted, no preview asked for
    made = model._labels._previews
    assert {e.text for e in rows} <= made.keys() and all(CARD not in p for p in made.values())
    qtbot.waitUntil(lambda: len(kept(path, key)) == 4, timeout=10_000)
    ctl.stop()

    # The first screenful's: those an earlier start kept (here one only the cache could say), the rest
    # masked there, each in the window's text before the rows show.
    with Store(path, key) as store:
        store.keep_previews(PREVIEW_VERSION, {**kept(path, key), preview_digest(rows[1].text): "kept"})
    engine = ctl.reference.engine.snapshot()
    opened: list[StoreReader] = []

    def reader() -> StoreReader:
        opened.append(StoreReader(path, key))
        return opened[-1]

    readers = Readers(reader)
    first = read_first(readers, engine, time.time(), QueueModel(), CellText())
    # Its connection is handed over to the full load, which opens none of its own.
    assert readers.take() is opened[0] and len(opened) == 1
    opened[0].close()
    assert len(first.prepared.ids) == len(rows) and first.text._previews[rows[1].text] == "kept"
    assert first.text._previews[rows[2].text] == preview_text(rows[2].text, "partial")
    fresh = QueueModel()
    fresh.take_previews(first.text)
    assert fresh._labels._previews == first.text._previews


def clocks(path: Path, key: str, version: str) -> dict[str, tuple[object, ...]]:
    with StoreReader(path, key) as reader:
        return reader.clocks(version)


def test_a_start_keeps_its_clocks_and_the_next_shows_the_kept_ones_without_timing_them_again(
    cache: tuple[Path, str, list[Enquiry]], qtbot: QtBot
) -> None:
    path, key, rows = cache
    ctl, model = start(path, key, qtbot)
    version = ctl.reference.engine.rules_version()
    qtbot.waitUntil(lambda: len(clocks(path, key, version)) == len(rows), timeout=10_000)
    breached = model.status_of(rows[3].id)
    assert breached is not None and breached.state == "breached"  # created in September
    ctl.stop()

    # The next start shows the kept clock (here one only the cache could say: due in 50 minutes).
    due = time.time() + 3000.0
    with Store(path, key) as store:
        store._conn.execute("UPDATE sla_clocks SET due_at = ? WHERE id = ?", (due, rows[3].id))
    ctl, model = start(path, key, qtbot)
    planted = model.status_of(rows[3].id)
    assert planted is not None and planted.due_at == due and planted.state == "urgent"  # 50 min of 7 h
    assert planted.kind == breached.kind
    kept, timed = model.status_of(rows[4].id), ctl.reference.engine.snapshot().status(rows[4], model.now())
    assert kept is not None and timed is not None and kept[:2] + kept[3:] == timed[:2] + timed[3:]
    ctl.stop()


def texts(path: Path, key: str) -> dict[str, tuple[object, ...]]:
    """The filter texts kept: by enquiry id, (version, team, agent, text)."""
    with StoreReader(path, key) as reader:
        rows = reader._conn.execute("SELECT id, version, team_id, agent_id, hay FROM filter_texts")
        return {r[0]: tuple(r[1:]) for r in rows}


def name_teams(path: Path, key: str, social: str) -> None:
    with Store(path, key) as store:
        store.replace_reference("teams", [wire.team_to_wire(Team("social", social, "social", (), "social"))])


def test_a_start_keeps_its_filter_text_and_the_next_reads_it_for_the_same_enquiry_version_and_words(
    cache: tuple[Path, str, list[Enquiry]], qtbot: QtBot
) -> None:
    path, key, rows = cache
    name_teams(path, key, "Social care")
    ctl, model = start(path, key, qtbot)
    qtbot.waitUntil(lambda: len(texts(path, key)) == len(rows), timeout=10_000)
    hay = str(texts(path, key)[rows[1].id][3])
    assert hay.startswith("e000001\n@cu") and "swallowed at branch 1\ncards\nsocial care" in hay  # folded
    assert CARD not in hay and "6467" in hay  # masked as the preview is
    assert texts(path, key)[rows[1].id][:3] == (rows[1].version, "social", None)
    qtbot.waitUntil(lambda: len(kept(path, key)) == 4, timeout=10_000)
    previews = kept(path, key)
    ctl.stop()

    # The next start reads each row's kept text (here words only the cache could say), except for an
    # enquiry changed since (a newer version): its text is made again, and kept.
    newer = dataclasses.replace(rows[2], version=2, text="Lost PIN")
    with Store(path, key) as store:
        for r in rows[1:3]:
            planted = (f"planted {r.id.lower()}", r.id)  # as kept: case-folded
            store._conn.execute("UPDATE filter_texts SET hay = ? WHERE id = ?", planted)
        store.apply_enquiries([newer])
    ctl, model = start(path, key, qtbot)
    assert matches(model, f"planted {rows[1].id}") == 1
    assert matches(model, f"planted {rows[2].id}") == 0 and matches(model, "lost pin") == 1
    qtbot.waitUntil(lambda: texts(path, key)[rows[2].id][0] == 2, timeout=10_000)
    assert texts(path, key)[rows[1].id][3] == f"planted {rows[1].id.lower()}"  # the others not written again
    # The previews kept stay (rows whose text was kept asked for none), the new one joins them.
    qtbot.waitUntil(lambda: len(kept(path, key)) == 5, timeout=10_000)
    assert kept(path, key) == {**previews, preview_digest("Lost PIN"): "Lost PIN"}
    ctl.stop()

    # Other words (a team renamed): no kept text is read, every one is made again and kept anew.
    name_teams(path, key, "Social media desk")
    ctl, model = start(path, key, qtbot)
    assert matches(model, "planted") == 0 and matches(model, "social media desk") == len(rows)
    qtbot.waitUntil(lambda: "social media desk" in str(texts(path, key)[rows[1].id][3]), timeout=10_000)
    assert all("social media desk" in str(t[3]) for t in texts(path, key).values())
    ctl.stop()


def test_while_the_first_screenful_shows_no_count_calls_it_every_open_enquiry(
    cache: tuple[Path, str, list[Enquiry]], qtbot: QtBot
) -> None:
    # "2,000 shown of 2,000 open" and a team board of "0 open" lanes beside a queue of urgent rows, for
    # the seconds the rest of 100k rows took to read.
    path, key, _ = cache
    with Store(path, key) as store:
        store.replace_reference(
            "teams", [wire.team_to_wire(Team("social", "Social", "social", (), "social"))]
        )
    model = QueueModel()
    window = MainWindow(model)
    qtbot.addWidget(window)
    ctl = Controller(window, model, StoreReader(path, key), reader_factory=lambda: StoreReader(path, key))
    said: list[tuple[str, set[str]]] = []
    progress: list[str] = []

    strip: list[str] = []

    def counted() -> None:  # after the window's own slot
        lanes = {lane.stats.text().split(" · ")[0] for lane in ctl.board.lanes.values()}
        said.append((window.counts.text(), lanes))
        strip.append(window.breach_strip.label_text())

    model.countsChanged.connect(counted)
    window.statusBar().messageChanged.connect(progress.append)
    ctl.load_from_cache()
    qtbot.waitUntil(lambda: ctl.loaded, timeout=10_000)
    first = [lanes for counts, lanes in said if counts == "24 shown · reading the rest"]
    assert first == [{"Open enquiries not known yet"}]  # the board waits for every row too
    # No clocks kept yet (a first start): the first screenful is the longest waits, and says so.
    assert "Opening the local cache… longest waits first" in progress
    # Nor "Nothing breaches in the next 30 min" over rows that are not all in.
    at_first = strip[[counts for counts, _ in said].index("24 shown · reading the rest")]
    assert at_first == "Deadlines not known yet: the local cache is still being read"
    assert not window.breach_strip.label_text().startswith("Deadlines not known yet")
    assert said[-1][0] == window.counts.text() == "24 shown of 24 open"
    social = ctl.board.lanes["social"]
    qtbot.waitUntil(lambda: social.stats.text().startswith("24 open"), timeout=10_000)  # grouped: known
    ctl.stop()


def test_rows_read_whole_after_a_first_fill_keep_the_previews_their_warm_up_masked(
    tmp_path: Path, qtbot: QtBot
) -> None:
    # After an empty cache's first fill the rows show before their filter text (the warm-up masks it):
    # what it masked is kept all the same, or the next start masked all 100k again before showing a row.
    key, path = new_key(), tmp_path / "cache.db"
    with Store(path, key):
        pass  # empty: the fill's pages come next
    ctl, model = start(path, key, qtbot)
    rows = [make_enquiry(i, text=f"card {CARD} kept at branch {i % 3}") for i in range(12)]
    with Store(path, key) as store:
        filled = store.apply_enquiries(rows)
    filled.bulk = True
    ctl.on_changes(filled)
    with qtbot.waitSignal(model.warmedUp, timeout=10_000):
        ctl.on_changes(ChangeSet(filled=True))
    qtbot.waitUntil(lambda: len(kept(path, key)) == 3, timeout=10_000)  # three distinct texts
    assert all(CARD not in p and "6467" in p for p in kept(path, key).values())
    ctl.stop()


def row(text: str) -> Row:
    return Row(make_enquiry(1, text=text))


def test_kept_previews_are_used_recorded_and_offered_back_only_when_out_of_date() -> None:
    texts = [f"call me on 07700 900{n:03d} about the loan" for n in range(20)]
    made = {preview_digest(t): preview_text(t, "partial") for t in texts}
    twin = CellText().snapshot()
    twin.keep({**made, preview_digest(texts[0]): "from the cache"})
    assert twin.preview(row(texts[0])) == "from the cache"
    for t in texts[1:]:
        twin.preview(row(t))
    assert twin.masked == 0 and twin.to_keep() is None  # all found, none stale

    # A new text is masked and recorded: the whole set, new one included, is offered for the cache.
    twin = CellText().snapshot()
    twin.keep(made)
    fresh = "my email is jo.bloggs@example.com"
    assert "jo.bloggs" not in twin.preview(row(fresh))
    for t in texts:
        twin.preview(row(t))
    offered = twin.to_keep()
    assert twin.masked == 1 and offered == {**made, preview_digest(fresh): preview_text(fresh, "partial")}
    assert twin.made == {}  # handed over, not held on (the window's own text keeps while it warms up)

    # Texts gone (closed enquiries): kept while they are a tenth or less of what is kept.
    for gone, offer in ((2, False), (3, True)):
        twin = CellText().snapshot()
        twin.keep(made)
        for t in texts[gone:]:
            twin.preview(row(t))
        assert (twin.to_keep() is not None) is offer, gone


def test_only_previews_masked_anew_are_offered_when_rows_kept_their_filter_text() -> None:
    # Rows whose filter text was kept ask for no preview: what is kept is not stale, only added to.
    made = {preview_digest(t): preview_text(t, "partial") for t in ("hello", "any update?")}
    twin = CellText().snapshot()
    twin.keep(made)
    twin.preview(row("hello"))
    assert twin.to_keep(whole=False) is None
    twin.keep(made)
    twin.preview(row("call 07700 900123"))
    assert twin.to_keep(whole=False) == {preview_digest("call 07700 900123"): "call ••••••123"}


def test_the_filter_text_version_follows_privacy_and_names_not_the_snapshot() -> None:
    text = CellText()
    versions = {text.kept_version(), text.snapshot().kept_version()}
    text.teams = {"social": "Social"}
    versions.add(text.kept_version())
    text.agents = {"a1": "Ann"}
    versions.add(text.kept_version())
    text.privacy = "full"
    versions.add(text.kept_version())
    assert len(versions) == 4 and text.snapshot().kept_version() == text.kept_version()


def test_a_wallboard_privacy_neither_reads_nor_keeps_previews() -> None:
    twin = CellText()
    twin.privacy = "masked"
    twin = twin.snapshot()
    twin.keep({preview_digest("hello"): "from the cache"})
    assert twin.preview(row("hello")) == "(hidden)"
    assert twin.to_keep() is None


PRIMED_THEN_MASKED = """
import json
from phonenumbers.phonemetadata import PhoneMetadata
from console.domain.privacy.detect import mask_uncached
from widgets.queue.text import prime_masking
prime_masking()
loaded = set(PhoneMetadata._region_metadata)
texts = ["Hi, can someone call me back on 07700 900549 please", "ring 020 7946 0123",
         "+1 415 555 0134 any time", "My card 4361 2987 3533 8480 was declined",
         "sort code 40-11-62, account 31926819"]
masked = [mask_uncached(t) for t in texts]
print(json.dumps([sorted(loaded), sorted(set(PhoneMetadata._region_metadata) - loaded), masked]))
"""


def test_priming_loads_what_masking_a_uk_or_us_number_needs_before_the_first_paint() -> None:
    # The queue's first paint (UI thread) once loaded libphonenumber's data itself (~14 ms): the loading
    # worker primes the detectors first, and masking the first screenful then loads nothing more.
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", PRIMED_THEN_MASKED], cwd=root, capture_output=True, text=True, check=True
    )
    loaded, more, masked = json.loads(out.stdout)
    assert {"GB", "US"} <= set(loaded) and more == []
    shown = "".join(masked)
    digits = ("07700", "7946", "415", "4361", "40-11")
    assert all("•" in m for m in masked) and not any(d in shown for d in digits)


def test_after_a_first_fill_the_warm_up_waits_for_the_message_backlog(tmp_path: Path, qtbot: QtBot) -> None:
    # The rows read whole after the fill show at once; their filter text waits while the sync still
    # reads the message feed's backlog (SyncStatus.backlog), then is built and its previews kept.
    key, path = new_key(), tmp_path / "cache.db"
    with Store(path, key):
        pass
    ctl, model = start(path, key, qtbot)
    ctl.feed.set_backlog(True)
    with Store(path, key) as store:
        filled = store.apply_enquiries([make_enquiry(i, text=f"card {CARD} at {i % 3}") for i in range(12)])
    filled.bulk = True
    ctl.on_changes(filled)
    ctl.on_changes(ChangeSet(filled=True))
    qtbot.waitUntil(lambda: ctl.loaded and model.total_count() == 12, timeout=10_000)
    for _ in range(5):
        QCoreApplication.processEvents()
    assert not model.warmed_up() and kept(path, key) == {}
    with qtbot.waitSignal(model.warmedUp, timeout=10_000):
        ctl.feed.set_backlog(False)
    qtbot.waitUntil(lambda: len(kept(path, key)) == 3, timeout=10_000)
    ctl.stop()


def test_a_first_screenful_that_fails_closes_its_connection_and_the_full_load_opens_its_own(
    cache: tuple[Path, str, list[Enquiry]],
) -> None:
    path, key, _ = cache
    opened: list[StoreReader] = []

    def reader() -> StoreReader:
        opened.append(StoreReader(path, key))
        return opened[-1]

    class Broken(QueueModel):
        def prepare(self, *args: object, **kwargs: object) -> object:  # type: ignore[override]
            raise RuntimeError("broken")

    readers = Readers(reader)
    engine = SlaEngine([], {}, {})
    with pytest.raises(RuntimeError, match="broken"):
        read_first(readers, engine, time.time(), Broken(), CellText())
    with pytest.raises(apsw.ConnectionClosedError):
        opened[0].enquiry_count()
    again = readers.take()
    assert again is opened[1] and again.enquiry_count() == len(cache[2])
    again.close()
