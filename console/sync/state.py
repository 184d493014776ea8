"""The sync state: one type for every layer that reports or shows the connection.

SyncState names the phase (a StrEnum: mypy checks every comparison and a value still reads as its word in
logs and style sheets); SyncStatus is one report of it (the phase, since when, the age of the data and a
plain detail). The syncer, the sign-in loop, the status bar, the wallboard and the CLI all use these two.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SyncState(StrEnum):
    STARTING = "starting"  # nothing reported yet (the window before the sync thread speaks)
    SYNCING = "syncing"  # catching up
    LIVE = "live"  # caught up, following the feed
    RECONNECTING = "reconnecting"  # failing, for less than the back-off policy's offline threshold
    OFFLINE = "offline"  # failing for longer than that
    AUTH_REQUIRED = "auth_required"  # the service refused the credentials (or there are none)


@dataclass(frozen=True, slots=True)
class SyncStatus:
    state: SyncState
    since: float  # when this state began (server clock when known)
    last_sync_at: float | None  # the last complete catch-up (server clock): "data from ..."
    detail: str = ""  # a plain sentence (an error's words), never markup
    # The message feed is still reading what it has not seen since this start (at 100k open, 350k messages
    # after an empty cache's fill): what is read from the words (risk scores, the complaint book) is then
    # read once, when this turns False, not over what has come so far and again at its end.
    backlog: bool = False


STARTING = SyncStatus(SyncState.STARTING, 0.0, None)
