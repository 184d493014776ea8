"""The reference service's message feed (GET /v1/messages): every message, in the order it was recorded.

The log holds positions, not messages: an entry is (enquiry id, first index, end index) into that
enquiry's conversation. A backlog enquiry's conversation is made on first use (a cheap start with 100k),
so its entry says "the backlog, however long" (end None) and the conversation is made when a page reaches
it. A position in the feed is (entry, messages of that entry already sent), so a page can stop anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from console.domain.model import Enquiry, Message


@dataclass(frozen=True, slots=True)
class MessagePage:
    messages: list[Message]
    position: tuple[int, int]  # (entries done, messages of the next entry done)
    has_more: bool


class MessageLog:
    def __init__(self) -> None:
        self._entries: list[tuple[str, int, int | None]] = []
        self.backlog_len: dict[str, int] = {}  # how many messages a backlog conversation began with

    def __len__(self) -> int:
        return len(self._entries)

    def backlog(self, enquiry_id: str) -> None:
        """A backlog enquiry whose conversation is made on first use."""
        self._entries.append((enquiry_id, 0, None))

    def added(self, enquiry_id: str, index: int) -> None:
        """Message number `index` of the enquiry's conversation was recorded."""
        self._entries.append((enquiry_id, index, index + 1))

    def page(
        self,
        position: tuple[int, int],
        limit: int,
        live: Mapping[str, Enquiry],
        conversation: Callable[[Enquiry], list[Message]],
    ) -> MessagePage:
        """Messages after `position`, at most `limit`; those of enquiries no longer held (deleted or
        merged) are left out. Caller holds the store's lock."""
        entry, done = position
        out: list[Message] = []
        entries = self._entries
        while entry < len(entries) and len(out) < limit:
            ident, start, end = entries[entry]
            e = live.get(ident)
            if e is not None:
                msgs = conversation(e)  # a backlog conversation is made here, on first use
                stop = self.backlog_len.get(ident, len(msgs)) if end is None else end
                take = msgs[start + done : stop][: limit - len(out)]
                out.extend(take)
                if start + done + len(take) < stop:  # the page is full inside this entry
                    return MessagePage(out, (entry, done + len(take)), True)
            entry, done = entry + 1, 0
        return MessagePage(out, (entry, 0), entry < len(entries))
