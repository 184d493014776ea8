"""Quality beyond speed in the shift report: J.D. Power's behaviours (the reply was in the customer's
channel, thanked them, offered more help, offered other products) found in agents' replies by
console.domain.risk, per agent and per team, beside the outcome flags the service records
(Enquiry.outcome), with how often the two agree where both exist.

Population: enquiries in scope resolved in [start, cutoff) whose conversation the cache holds (the
console keeps the conversations it has fetched; `checked` of `resolved` says how many that is). Per
agent: the share of their replies that did each thing. Per team and for the shift: the share of
enquiries where some reply did it (for "same channel": every reply), the service's flag rate, and
agreement over the enquiries that have both.

Unlike the rest of the report, this section depends on which conversations this cache holds, so two
consoles' reports of one shift can differ here; the counts say what it was computed from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from console.domain.model import Enquiry, Message
from console.domain.risk.continuity import ReplyCheck, check_replies

BEHAVIOURS = ("same_channel", "thanked", "offered_more_help", "offered_products")
LABELS = {
    "same_channel": "replied in the same channel",
    "thanked": "thanked the customer",
    "offered_more_help": "offered more help",
    "offered_products": "offered other products",
}


@dataclass(frozen=True, slots=True)
class BehaviourRate:
    behaviour: str
    checked: int  # replies (agent rows) or enquiries (team and shift rows) looked at
    found: int
    rate: float | None
    api_known: int  # enquiries with the service's flag (team and shift rows; 0 for agents)
    api_yes: int
    both: int  # enquiries with the flag and a checked conversation
    agree: int
    agreement: float | None


@dataclass(frozen=True, slots=True)
class QualityRow:
    kind: str  # "agent" | "team" | "shift"
    key: str  # the agent's name as on their replies, the team id, or "" for the shift
    label: str
    enquiries: int
    replies: int
    public_detail_requests: int  # replies that asked for account details in a public post
    behaviours: tuple[BehaviourRate, ...]


@dataclass(frozen=True, slots=True)
class Quality:
    resolved: int  # in scope and resolved in the shift
    checked: int  # of them, with the conversation in the cache
    rows: tuple[QualityRow, ...]  # the shift first, then teams, then agents (by name)


def _rate(n: int, d: int) -> float | None:
    return n / d if d else None


def _enquiry_found(checks: Sequence[ReplyCheck]) -> dict[str, bool | None]:
    """Per behaviour for one conversation: did some reply do it (same channel: did every reply)."""
    out: dict[str, bool | None] = {}
    known = [c.behaviours.same_channel for c in checks if c.behaviours.same_channel is not None]
    out["same_channel"] = all(known) if known else None
    for b in BEHAVIOURS[1:]:
        out[b] = any(getattr(c.behaviours, b) for c in checks) if checks else None
    return out


class _Tally:
    def __init__(self) -> None:
        self.enquiries = 0
        self.replies = 0
        self.public_details = 0
        self.checked: dict[str, int] = defaultdict(int)
        self.found: dict[str, int] = defaultdict(int)
        self.api_known: dict[str, int] = defaultdict(int)
        self.api_yes: dict[str, int] = defaultdict(int)
        self.both: dict[str, int] = defaultdict(int)
        self.agree: dict[str, int] = defaultdict(int)

    def add_enquiry(self, e: Enquiry, found: Mapping[str, bool | None] | None) -> None:
        self.enquiries += 1
        for b in BEHAVIOURS:
            ours = None if found is None else found.get(b)
            theirs = e.outcome.get(b)
            if ours is not None:
                self.checked[b] += 1
                self.found[b] += ours
            if theirs is not None:
                self.api_known[b] += 1
                self.api_yes[b] += theirs
            if ours is not None and theirs is not None:
                self.both[b] += 1
                self.agree[b] += ours == theirs

    def add_reply(self, c: ReplyCheck) -> None:
        self.replies += 1
        self.public_details += c.behaviours.asks_account_details_in_public
        for b in BEHAVIOURS:
            value = getattr(c.behaviours, b)
            if value is not None:
                self.checked[b] += 1
                self.found[b] += bool(value)

    def row(self, kind: str, key: str, label: str) -> QualityRow:
        rates = tuple(
            BehaviourRate(
                b,
                self.checked[b],
                self.found[b],
                _rate(self.found[b], self.checked[b]),
                self.api_known[b],
                self.api_yes[b],
                self.both[b],
                self.agree[b],
                _rate(self.agree[b], self.both[b]),
            )
            for b in BEHAVIOURS
        )
        return QualityRow(kind, key, label, self.enquiries, self.replies, self.public_details, rates)


def compute_quality(
    enquiries: Iterable[Enquiry],
    conversations: Mapping[str, Sequence[Message]],
    team_label: Callable[[str | None], str],
    *,
    team_ids: Sequence[str],
    start: float,
    cutoff: float,
) -> Quality:
    """conversations: enquiry id -> its messages, for the ones the cache holds."""
    scope = frozenset(team_ids)
    shift = _Tally()
    teams: dict[str | None, _Tally] = defaultdict(_Tally)
    agents: dict[str, _Tally] = defaultdict(_Tally)
    resolved = checked = 0
    for e in enquiries:
        if scope and e.team_id is not None and e.team_id not in scope:
            continue
        if e.resolved_at is None or not start <= e.resolved_at < cutoff:
            continue
        resolved += 1
        messages = [m for m in conversations.get(e.id, ()) if m.sent_at < cutoff]
        checks = check_replies(e, messages) if messages else []
        found = _enquiry_found(checks) if checks else None
        checked += found is not None
        shift.add_enquiry(e, found)
        teams[e.team_id].add_enquiry(e, found)
        for c in checks:
            agents[c.message.author or "(no name)"].add_reply(c)
            shift.public_details += c.behaviours.asks_account_details_in_public
            teams[e.team_id].public_details += c.behaviours.asks_account_details_in_public
        shift.replies += len(checks)
        teams[e.team_id].replies += len(checks)
    rows = [shift.row("shift", "", "Whole shift")]
    rows += [
        t.row("team", k or "", team_label(k))
        for k, t in sorted(teams.items(), key=lambda kv: team_label(kv[0]))
    ]
    rows += [a.row("agent", k, k) for k, a in sorted(agents.items())]
    return Quality(resolved, checked, tuple(rows))
