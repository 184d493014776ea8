"""The shift report's data: frozen dataclasses of plain values, so a report is immutable, can cross
threads, and serialises to JSON and back without loss (the store keeps it in shift_reports).

Times are epoch seconds (UTC); durations are seconds. A figure that cannot be computed (a median of
nothing, a rate over zero) is None, never NaN, so JSON stays standard and the UI can say "n/a".
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields, is_dataclass
from functools import cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from console.reports.care.consumer_duty import ConsumerDuty
from console.reports.care.quality import Quality

SCHEMA = 1

# First-response histogram bin edges (seconds): fine under an hour, where the best banks answer, then
# out to the J.D. Power 7-hour mark and a day. The last bin is open-ended (>= 24 h).
FR_BIN_EDGES_S: tuple[float, ...] = (
    0.0,
    300.0,
    900.0,
    1800.0,
    3600.0,
    7200.0,
    14400.0,
    25200.0,
    43200.0,
    86400.0,
)


class ReportFormatError(ValueError):
    """A stored report that cannot be read back; str(e) says where and why."""


@dataclass(frozen=True, slots=True)
class Count:
    key: str
    n: int


@dataclass(frozen=True, slots=True)
class HourVolume:
    hour_start: float
    total: int
    by_channel: tuple[Count, ...]


@dataclass(frozen=True, slots=True)
class FirstResponseStat:
    channel: str
    answered: int
    unanswered: int
    median_s: float | None
    p90_s: float | None
    target_s: float | None  # the most common first-response target (working seconds) in this channel
    within_target: int  # answered with the first-response SLA clock met
    histogram: tuple[int, ...]  # counts per FR_BIN_EDGES_S bin, last bin open-ended


@dataclass(frozen=True, slots=True)
class Attainment:
    key: str
    label: str
    due: int
    met: int
    rate: float | None


@dataclass(frozen=True, slots=True)
class Breach:
    enquiry_id: str
    channel: str
    team_id: str | None
    team: str
    priority: str
    clock: str
    due_at: float
    stopped_at: float | None  # None: still running at the report's cut-off
    over_s: float  # how late: stopped_at (or the cut-off) minus due_at


@dataclass(frozen=True, slots=True)
class CarriedOver:
    enquiry_id: str
    channel: str
    team_id: str | None
    team: str
    priority: str
    status: str
    created_at: float
    waiting_for: str  # first_response | reply | customer | resolution
    waiting_since: float
    waiting_s: float  # at the cut-off
    handle: str  # masked
    text: str  # masked, shortened


@dataclass(frozen=True, slots=True)
class HandoffStats:
    requested: int
    accepted: int
    pending: int
    median_accept_s: float | None
    p90_accept_s: float | None


@dataclass(frozen=True, slots=True)
class PingPong:
    enquiry_id: str
    channel: str
    team_id: str | None
    team: str
    bounces: int


@dataclass(frozen=True, slots=True)
class StatusTime:
    status: str
    seconds: float


@dataclass(frozen=True, slots=True)
class AgentTime:
    agent_id: str
    name: str
    team_id: str | None
    team: str
    by_status: tuple[StatusTime, ...]
    logged_in_s: float  # every status but offline
    busy_s: float
    utilisation: float | None  # busy / logged in


@dataclass(frozen=True, slots=True)
class OutcomeRate:
    flag: str
    known: int
    yes: int
    rate: float | None


@dataclass(frozen=True, slots=True)
class Reassignment:
    id: str
    enquiry_id: str
    at: float
    actor: str
    from_team: str | None
    to_team: str | None
    to_agent: str | None
    reason: str  # masked: supervisors sometimes quote the customer
    result: str


@dataclass(frozen=True, slots=True)
class ActorSummary:
    actor: str
    moves: int
    accepted: int
    refused: int  # rejected by policy or lost to a conflict
    reasons: tuple[Count, ...]


@dataclass(frozen=True, slots=True)
class Summary:
    created: int
    answered: int
    unanswered_at_end: int
    carried_over: int
    sla_due: int
    sla_met: int
    sla_rate: float | None
    breaches: int
    median_fr_s: float | None
    p90_fr_s: float | None
    handoffs: int
    reassignments: int
    ping_pong: int


@dataclass(frozen=True, slots=True)
class ComplaintStats:
    """Complaints in the shift (issue 17; console.reports.complaints says who counts)."""

    received: int = 0  # confirmed complaints received in the shift
    flagged_by_service: int = 0  # of which the bank's systems flagged
    confirmed: int = 0  # supervisors' confirmations made in the shift
    dismissed: int = 0  # supervisors' dismissals made in the shift
    met: int = 0  # regulatory deadlines falling in the shift, met
    missed: int = 0  # regulatory deadlines falling in the shift, missed (a window that hands over is not)
    jurisdiction: str = ""
    # Of the deadlines falling in the shift: resolved in time without the communication the clock needs
    # (FCA: a summary resolution communication within three business days). Not in met or missed.
    src_not_sent: int = 0


@dataclass(frozen=True, slots=True)
class ShiftReport:
    shift_id: str
    shift_name: str
    site: str
    start: float
    end: float
    cutoff: float  # min(end, generated_at): a report made mid-shift stops at its own time
    team_ids: tuple[str, ...]
    team_names: tuple[str, ...]  # parallel to team_ids; the id again for a team not in the reference data
    generated_at: float
    summary: Summary
    volumes_by_channel: tuple[Count, ...]
    volumes_by_hour: tuple[HourVolume, ...]
    first_response: tuple[FirstResponseStat, ...]
    fr_bin_edges_s: tuple[float, ...]
    sla_by_kind: tuple[Attainment, ...]
    sla_by_team: tuple[Attainment, ...]
    breaches: tuple[Breach, ...]
    carried_over: tuple[CarriedOver, ...]
    handoffs: HandoffStats
    ping_pong: tuple[PingPong, ...]
    agents: tuple[AgentTime, ...]
    outcomes: tuple[OutcomeRate, ...]
    reassignments: tuple[Reassignment, ...]
    reassignments_by_actor: tuple[ActorSummary, ...]
    notes: tuple[str, ...]  # how each figure is defined, printed with the report
    schema: int = SCHEMA
    # The data cut-off (the shift's end plus a grace period, on the service's clock): the report counts
    # what had happened by then (console.reports.cutoff). 0: made before cut-offs (what the cache held).
    data_cutoff: float = 0.0
    # "SLA today"'s definition over the shift (console.sla.today): reply clocks decided in the shift.
    replies_decided: int = 0
    replies_met: int = 0
    complaints: ComplaintStats = ComplaintStats()
    # Issue 17: outcomes of customers flagged vulnerable beside everyone else's (console.reports.
    # consumer_duty), and the J.D. Power behaviours in agents' replies (console.reports.care.quality).
    consumer_duty: ConsumerDuty | None = None
    quality: Quality | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = encoder(ShiftReport)(self)
        return out

    def to_json(self) -> str:
        # allow_nan=False: a NaN would be a bug upstream, and not every JSON reader accepts it.
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Any) -> ShiftReport:
        if not isinstance(data, dict):
            raise ReportFormatError("report: expected a JSON object")
        schema = data.get("schema")
        if schema != SCHEMA:
            raise ReportFormatError(f"report: schema {schema!r} is not {SCHEMA} (made by another version)")
        report = _decode(cls, data, "report")
        assert isinstance(report, ShiftReport)
        return report

    @classmethod
    def from_json(cls, text: str | bytes) -> ShiftReport:
        try:
            data = json.loads(text)
        except ValueError as e:
            raise ReportFormatError(f"report: not valid JSON ({e})") from None
        return cls.from_dict(data)


class _Bad(Exception):
    """A decoding failure on its way up: each level adds its field name to the path."""

    def __init__(self, message: str, path: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path or []


Codec = Callable[[Any], Any]


def identity(value: Any) -> Any:
    """The codec of a value JSON holds as it is (numbers, strings, None): callers test `is identity` to
    skip a per-value call."""
    return value


@cache
def encoder(tp: Any, *, keyed: bool = True) -> Codec:
    """The one JSON encoder of report types: a function dumping values of type tp to JSON-able data,
    built once per type (a report holds tens of thousands of rows; a generic walk per value is several
    times slower). keyed: each dataclass as an object of its fields (the exchange format, to_json);
    otherwise as the list of its field values in order (the cache's row form, console.reports.codec)."""
    if isinstance(tp, type) and is_dataclass(tp):
        hints = get_type_hints(tp)
        parts = [(f.name, encoder(hints[f.name], keyed=keyed)) for f in fields(tp)]
        if keyed:
            return lambda obj: {name: enc(getattr(obj, name)) for name, enc in parts}
        if all(enc is identity for _, enc in parts):
            names = [n for n, _ in parts]
            return lambda obj: [getattr(obj, n) for n in names]
        return lambda obj: [enc(getattr(obj, n)) for n, enc in parts]
    origin = get_origin(tp)
    if origin is tuple:
        item = encoder(get_args(tp)[0], keyed=keyed)
        return list if item is identity else lambda v: [item(x) for x in v]
    if origin is Union or origin is types.UnionType:
        (inner,) = [a for a in get_args(tp) if a is not type(None)]
        enc = encoder(inner, keyed=keyed)
        return enc if enc is identity else lambda v: None if v is None else enc(v)
    return identity


def _primitive(tp: type) -> Codec:
    if tp is float:

        def number(v: Any) -> float:
            if type(v) is float:
                return v
            if type(v) is int:
                return float(v)
            raise _Bad("expected a number")

        return number
    expected = {int: "an integer", str: "a string"}.get(tp)
    if expected is None:
        raise TypeError(f"report types: unsupported field type {tp!r}")  # a bug in this file

    def check(v: Any) -> Any:
        if type(v) is not tp:
            raise _Bad(f"expected {expected}")
        return v

    return check


@cache
def _decoder(tp: Any) -> Codec:
    if isinstance(tp, type) and is_dataclass(tp):
        hints = get_type_hints(tp)
        # A field with a default may be missing: reports stored before it was added still read.
        parts = [(f.name, _decoder(hints[f.name]), f.default is not MISSING) for f in fields(tp)]
        cls = tp

        def obj(value: Any) -> Any:
            if type(value) is not dict:
                raise _Bad("expected an object")
            kwargs = {}
            for name, dec, optional in parts:
                if name not in value:
                    if optional:
                        continue
                    raise _Bad("missing", [name])
                try:
                    kwargs[name] = dec(value[name])
                except _Bad as e:
                    e.path.append(name)
                    raise
            return cls(**kwargs)

        return obj
    origin = get_origin(tp)
    if origin is tuple:
        item = _decoder(get_args(tp)[0])

        def seq(value: Any) -> tuple[Any, ...]:
            if type(value) is not list:
                raise _Bad("expected a list")
            out = []
            for i, v in enumerate(value):
                try:
                    out.append(item(v))
                except _Bad as e:
                    e.path.append(f"[{i}]")
                    raise
            return tuple(out)

        return seq
    if origin is Union or origin is types.UnionType:
        (inner,) = [a for a in get_args(tp) if a is not type(None)]
        dec = _decoder(inner)
        return lambda v: None if v is None else dec(v)
    return _primitive(tp)


def _decode(tp: Any, value: Any, where: str) -> Any:
    try:
        return _decoder(tp)(value)
    except _Bad as e:
        path = "".join(p if p.startswith("[") else f".{p}" for p in reversed(e.path))
        raise ReportFormatError(f"{where}{path}: {e.message}") from None
