"""What the queue's cells say: column names and the plain-text renderings of an enquiry's fields.

Pure functions (no Qt), kept apart from the model so that the table model stays readable. Every string
returned here is plain text; the model escapes it before it goes into a tooltip.
"""

from __future__ import annotations

import html
import json
import math
import sys
from collections.abc import Mapping
from datetime import datetime
from hashlib import blake2b, sha256
from zoneinfo import ZoneInfo

from console.domain.labels import channel_text as channel_text  # people's words for codes, once
from console.domain.labels import flags_text as flags_text
from console.domain.model import Enquiry
from console.domain.privacy import mask_handle, mask_text, rules_version
from console.domain.risk.score import Risk
from console.live.queue_rows import Col as Col
from console.live.queue_rows import Row, make_hay
from console.sla.engine import SlaStatus
from console.sla.kept import code_digest
from console.sla.words import (
    NO_CLOCK_WHY,
    NO_DEADLINE,
    clock_word,
    duration,
    format_countdown,
    state_word,
)

PREVIEW_CHARS = 120
# Mask a window a little longer than what is shown, so a card number or e-mail that straddles the cut
# is masked whole before it is cut.
_MASK_WINDOW = 256


COLUMNS = ("SLA", "Age", "Channel", "Customer", "Topic", "Flags", "Team", "Agent", "Latest message", "Risk")
COLUMN_TIPS = (
    "The clock that falls due first: working time left and the wall-clock deadline",
    "Time since the enquiry arrived",
    "Social channel; a lock means a private conversation (DM)",
    "Customer, shown according to the privacy mode",
    "Topic",
    "Vulnerable customer, complaint, fraud risk",
    "Owning team",
    "Agent working on it",
    "The customer's latest message (account numbers and contact details masked)",
    "Escalation risk, 0-100: the sum of its reasons' points (hover a cell for the reasons)",
)


def one_line(text: str) -> str:
    """Collapse every run of whitespace (newlines, tabs, odd Unicode spaces) to one space; drop control
    characters so a message cannot break the row or hide text."""
    if not text.isprintable():  # most texts are printable: only the others pay per character
        text = "".join(ch if ch.isprintable() or ch.isspace() else " " for ch in text)
    return " ".join(text.split())


def risk_text(risk: Risk) -> str:
    """ "72 · high", "45 · at risk", "10 · low", "" (no signs of risk)."""
    return f"{risk.score} · {risk.level}" if risk.score else ""


def risk_tooltip(risk: Risk) -> str:
    """Escaped rich text: the score and every reason with its points."""
    if not risk.reasons:
        return html.escape("Escalation risk: no signs of risk")
    head = f"<b>Escalation risk {risk.score}</b> ({html.escape(risk.level)})"
    return "<br/>".join([head, *(html.escape(f"• {r}") for r in risk.reasons)])


def customer_text(e: Enquiry, mode: str) -> str:
    handle = one_line(mask_handle(e.customer_handle, mode))
    if mode == "full" and e.customer_name.strip():
        return f"{one_line(e.customer_name)} ({handle})" if handle else one_line(e.customer_name)
    return handle or "(no handle)"


def _window(text: str, limit: int = PREVIEW_CHARS) -> str:
    """The part of a text a preview of `limit` characters is masked from."""
    return text[: max(limit, _MASK_WINDOW) + 64]


def preview_text(text: str, mode: str, limit: int = PREVIEW_CHARS, one_line_only: bool = True) -> str:
    """The customer's latest message, PII-masked, cut to `limit` characters (one line by default).
    In the masked privacy mode (wallboards) no message text is shown at all."""
    if mode == "masked":
        return "(hidden)"
    masked = mask_text(_window(text, limit))
    flat = one_line(masked) if one_line_only else masked
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# What a kept preview (console.store.kept) was made by: the PII rules and the preview's format.
PREVIEW_VERSION = f"{rules_version()}/preview {PREVIEW_CHARS} {_MASK_WINDOW}"


def preview_digest(text: str) -> bytes:
    """The key of a text's kept preview: a digest of the part of it the queue's preview is made from."""
    return blake2b(_window(text).encode("utf-8", "surrogatepass"), digest_size=16).digest()


# Masking this loads what the PII detectors load on first use (libphonenumber's data and patterns for the
# UK and North America): done on the loading worker at start-up; the queue's first paint on the UI thread
# once masked it itself (~14 ms, bench_console). Other countries' data still loads when first seen.
_PRIMER = (
    "call me on 07700 900123, 020 7946 0018, +44 20 7946 0018, +1 212 555 0100 or (212) 555-0100; "
    "card 4361 2987 3533 8480, £1257.74, sort code 20-00-00 account 12345678, ref 0123 4567 891"
)


def prime_masking() -> None:
    """Load the PII detectors' lazily loaded data now (on a worker thread, before the first paint)."""
    mask_text(_PRIMER)


PREVIEWS_KEPT = 8192  # distinct message texts whose preview is kept (what is on screen, and repeats)
CUSTOMERS_KEPT = 20_000  # distinct masked handles shared


class CellText:
    """What a row's text cells say under a privacy mode and with team and agent names: the RowText the
    queue index sorts and filters by. The customer is cached on the row record (it is also a sort key);
    previews are kept by message text, not by row: customers send the same words ("hello??", "any
    update?") over and over, and masking is the costly part of building a row's filter text. The kept
    previews are bounded (what is on screen and the texts that repeat), not one per row."""

    def __init__(self) -> None:
        self._privacy = "partial"
        self.teams: dict[str, str] = {}
        self.agents: dict[str, str] = {}
        self._previews: dict[str, str] = {}
        self._kept: Mapping[bytes, str] | None = None  # previews read from the cache, by preview_digest
        self.made: dict[bytes, str] = {}  # with kept previews: every preview given, for the cache
        self.masked = 0  # with kept previews: how many were masked anew
        # Masked handles repeat ("@jo••••": a few thousand values for 100k rows): one copy of each.
        self._customers: dict[str, str] = {}

    @property
    def privacy(self) -> str:
        return self._privacy

    @privacy.setter
    def privacy(self, mode: str) -> None:
        self._privacy = mode
        self._previews = {}
        self._customers = {}

    def customer(self, r: Row) -> str:
        if r.customer is None:
            shown = customer_text(r.e, self._privacy)
            if self._privacy != "full":  # a full handle is the enquiry's own string already
                if len(self._customers) >= CUSTOMERS_KEPT:
                    self._customers = {}
                shown = self._customers.setdefault(shown, shown)
            r.customer = shown
        return r.customer

    def preview(self, r: Row) -> str:
        text = r.e.text
        shown = self._previews.get(text)
        if shown is None:
            if len(self._previews) >= PREVIEWS_KEPT:
                self._previews = {}  # cheaper than an LRU's bookkeeping; the frequent texts come back at once
            shown = self._previews[text] = self._make(text)
        return shown

    def _make(self, text: str) -> str:
        if self._kept is None or self._privacy == "masked":
            return preview_text(text, self._privacy)
        key = preview_digest(text)
        shown = self.made.get(key) or self._kept.get(key)
        if shown is None:
            shown = preview_text(text, self._privacy)
            self.masked += 1
        self.made[key] = shown
        return shown

    def keep(self, kept: Mapping[bytes, str]) -> None:
        """On a snapshot, for one load: previews made by an earlier start are used instead of masking
        again, and every preview given is recorded (`made`), so the cache can keep this start's. Those
        given already (taken from a worker, painted) are recorded too: they are asked for from the cache
        of previews, not made again."""
        given = {preview_digest(t): p for t, p in self._previews.items()} if self._privacy != "masked" else {}
        self._kept, self.made, self.masked = kept, given, sum(d not in kept for d in given)

    def to_keep(self, whole: bool = True) -> dict[bytes, str] | None:
        """After the load: the previews the cache should keep now, or None when what it keeps will do
        (nothing masked anew, and at most a tenth of it for texts no longer open). Not `whole` (rows
        whose filter text was kept asked for no preview): only those masked anew, to add to what is kept,
        or None. Ends the keeping."""
        kept, self._kept, made = self._kept, None, self.made
        self.made = {}  # not held on: the window's own text keeps previews while it warms up (QueueModel)
        if kept is None or self._privacy == "masked":
            return None
        if not whole:
            return {k: v for k, v in made.items() if k not in kept} or None
        stale = len(kept) - (len(made) - self.masked)
        return made if self.masked or stale > len(kept) // 10 else None

    def adopt_previews(self, other: CellText) -> None:
        """Take the previews another CellText made (a worker's, for the rows about to show: masking them
        in the first paint held the UI thread longer), when it masked under the same privacy mode."""
        if other._privacy == self._privacy:
            if len(self._previews) + len(other._previews) > PREVIEWS_KEPT:
                self._previews = {}
            self._previews.update(other._previews)

    def snapshot(self) -> CellText:
        """The same words (privacy, names) with a preview cache of its own, for one other thread."""
        twin = CellText()
        twin._privacy, twin.teams, twin.agents = self._privacy, dict(self.teams), dict(self.agents)
        return twin

    def kept_version(self) -> str:
        """The version of the words a filter text is made of (console.store.kept keeps the text under
        it between starts): the preview's (PII rules and format), the privacy mode, the team and agent
        names, and the code that makes the text (this module's, the row's, the masking's)."""
        code = [code_digest(sys.modules[f.__module__]) for f in (make_hay, CellText, mask_handle, mask_text)]
        names = [self._privacy, sorted(self.teams.items()), sorted(self.agents.items())]
        words = json.dumps([PREVIEW_VERSION, names, code]).encode()
        return sha256(words).hexdigest()

    def team(self, e: Enquiry) -> str:
        return "Unassigned" if e.team_id is None else self.teams.get(e.team_id, e.team_id)

    def agent(self, e: Enquiry) -> str:
        return "" if e.agent_id is None else self.agents.get(e.agent_id, e.agent_id)


def countdown_text(status: SlaStatus | None, tz: str, now: float | None = None) -> str:
    """ "42 min left · due 09:16" (today), "1 h 05 min over · was due Mon 14:20"; "—" with no clock."""
    return "—" if status is None else format_countdown(status, tz, now)


def sla_tooltip(status: SlaStatus | None, tz: str) -> str:
    """Escaped rich text: state, which clock, working time left or over, target and the deadline."""
    if status is None:
        return NO_CLOCK_WHY
    state, clock = state_word(status.state), clock_word(status.kind)
    if math.isinf(status.due_at):
        return html.escape(f"{state} · {clock} clock: {NO_DEADLINE}")
    due = datetime.fromtimestamp(status.due_at, ZoneInfo(tz)).strftime("%a %d %b %H:%M")
    left = duration(abs(status.remaining_s))
    when = f"{left} working time over" if status.remaining_s < 0 else f"{left} working time left"
    lines = (
        f"<b>{html.escape(state)}</b> · {html.escape(clock)} clock",
        html.escape(f"{when} (target {duration(status.target_s)})"),
        html.escape(f"{'Was due' if status.remaining_s < 0 else 'Due'} {due} ({tz})"),
    )
    return "<br>".join(lines)
