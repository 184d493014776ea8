"""Following the message feed (GET /v1/messages, docs/api.md) into the cache, on the sync thread.

Every conversation is then in the cache, so what is read from the words (the complaint proposal over the
whole conversation, the complaint communications sent, the mood trend, the reply behaviours of the shift
report) is the same in every console, whichever conversations a supervisor opened. It is read after the
change feed, so the queue comes first; a new message changes its enquiry too, so each answer of the
change feed's long-poll brings the sync loop back here.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable

from console.api.client import ApiClient
from console.api.errors import ApiError, GoneError, NotFound
from console.domain.model import ChangeSet
from console.store.cache import Store
from console.store.messages import MESSAGE_CURSOR, damaged_enquiries
from console.sync.net import background, read_safely

log = logging.getLogger("concierge.sync")

GONE_RETRIES = 3
HEAL_PER_PAGE = 20  # conversations read whole again after a damaged message, per page (the rest: heal())


class MessageFeed:
    def __init__(
        self, api: ApiClient, store: Store, emit: Callable[[ChangeSet], None], page_limit: int
    ) -> None:
        self.api, self.store, self.emit, self.page_limit = api, store, emit, page_limit
        # False once the service answered 404; the sync engine sets it again at each reference refresh.
        self.available = True
        self.behind = False  # the last pull stopped before the end of the feed (set as each pull ends)
        # Conversations grown while behind: said once the feed is caught up, so that a first sync's
        # 100k conversations make one "what changed" for the views, not one per page.
        self._grown: set[str] = set()
        # The server time at which a pull last found the end of the feed (None: not since this start).
        # A shift report counts the letters and replies sent, so it is closed only on data read to here.
        self.caught_up_at: float | None = None

    def read_until(self, now: float) -> float | None:
        """The time up to which every message has been read (now when the service has no feed), or None
        when the feed has not been read to its end since this start: a shift report waits for it."""
        if not self.available:
            return now
        return None if self.caught_up_at is None else min(now, self.caught_up_at)

    def pull(
        self,
        stop: threading.Event | None = None,
        *,
        budget_s: float | None = None,
        until: Callable[[], bool] | None = None,
    ) -> int:
        """The feed to its end, or for about budget_s seconds or until `until()` says so (checked per
        page; then `behind` says there is more); returns how many messages were read. Each page is
        committed with its cursor: a stop or a kill loses nothing."""
        if not self.available:
            self.behind = False
            return 0
        end = math.inf if budget_s is None else time.monotonic() + budget_s
        read = 0
        cursor = self.store.get_meta(MESSAGE_CURSOR) or ""
        for attempt in range(GONE_RETRIES + 1):
            try:
                asked = self.api.now()  # when the page in hand was asked for: it holds what was before
                page = read_safely(self.api.message_feed, cursor, self.page_limit)
                while True:
                    # This turn's last page (nothing fetched ahead): out of time, or the change feed has
                    # news (a new enquiry waits for no more than the page in hand).
                    last = time.monotonic() > end or (until is not None and until())
                    # The next page is fetched while SQLite writes this one, as for the change feed. It is
                    # parsed here, not on the helper: beside a Python-bound helper each of SQLite's steps
                    # hands the GIL over and back (a 100k first sync by the CLI took 12.8 s, not 9.6).
                    ahead_asked = self.api.now()
                    ahead = (
                        background(read_safely, self.api.message_feed, page.next_cursor, self.page_limit)
                        if page.has_more and not last
                        else None
                    )
                    ids, damaged = self.store.apply_message_page(
                        page.items, page.next_cursor, now=self.api.now()
                    )
                    read += len(page.items)
                    self._grown |= ids | {i for i in sorted(damaged)[:HEAL_PER_PAGE] if self._heal(i)}
                    if ahead is None or (stop is not None and stop.is_set()):
                        self.behind = page.has_more
                        if not self.behind:
                            self.caught_up_at = asked
                        if not self.behind or (stop is not None and stop.is_set()):
                            grown, self._grown = self._grown, set()
                            self.emit(ChangeSet(messages=grown))
                        return read
                    page, asked = ahead.result(), ahead_asked
            except NotFound:
                log.info("the service has no message feed: a conversation is read when it is opened")
                self.available = self.behind = False
                return read
            except GoneError:
                if attempt == GONE_RETRIES:
                    raise
                log.warning("the server forgot our feed cursor for messages: reading every message again")
                cursor = ""
        return read

    def _heal(self, enquiry_id: str) -> bool:
        """A message arrived damaged: its conversation read whole again, which heals damage in transit
        (real damage stays quarantined, counted and shown). True when the conversation was stored."""
        try:
            raws = read_safely(self.api.messages, enquiry_id)
        except NotFound:
            return False  # the enquiry is gone: its change brings the tombstone
        except ApiError as e:
            log.info("could not read the conversation of %s again: %s", enquiry_id, e)
            return False
        self.store.replace_messages(enquiry_id, raws, now=self.api.now())
        return True

    def heal_quarantined(self, limit: int | None) -> int:
        """The conversations of quarantined messages read whole again (the sync engine's heal pass, for
        what a page's own healing left). Returns how many messages left the quarantine."""
        rows = self.store.quarantine("messages")
        raws = []
        for row in rows:
            try:
                raws.append(json.loads(row["raw"]))
            except ValueError:
                continue  # cut short when it was kept: its enquiry is unknown
        for enquiry_id in sorted(damaged_enquiries([("", "", raw) for raw in raws]))[:limit]:
            if self._heal(enquiry_id):
                self.emit(ChangeSet(messages={enquiry_id}))
        return len(rows) - len(self.store.quarantine("messages"))
