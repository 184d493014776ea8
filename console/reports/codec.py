"""How a shift report is kept in the cache: JSON with rows as arrays (each dataclass as the list of its
field values, the field names written once per type in a header), so a stored report of a 50,000-enquiry
shift parses in about half the time of the keyed form and opens in the viewer well within 0.5 s.

The stored bytes are checked against their SHA-256 before decoding (console.store.reports), so this
decoder trusts the values' types; the layout header lets a report stored by an older version (a field
added or dropped since) still open: fields are then matched by name and new ones take their defaults.
ShiftReport.to_json/from_json stay the exchange format (validated); this is the cache's private one.
"""

from __future__ import annotations

import json
import types
from dataclasses import MISSING, fields, is_dataclass
from functools import cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from console.reports.types import Codec, ReportFormatError, ShiftReport, encoder, identity

FORMAT = "concierge-report-rows/1"


def _dataclasses(tp: Any, seen: dict[str, list[str]]) -> None:
    """Every dataclass reachable from tp, name -> field names in order."""
    if isinstance(tp, type) and is_dataclass(tp):
        if tp.__name__ in seen:
            return
        seen[tp.__name__] = [f.name for f in fields(tp)]
        for hint in get_type_hints(tp).values():
            _dataclasses(hint, seen)
        return
    for arg in get_args(tp):
        _dataclasses(arg, seen)


@cache
def current_layouts() -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    _dataclasses(ShiftReport, seen)
    return seen


def encode(report: ShiftReport) -> bytes:
    body = {
        "format": FORMAT,
        "schema": report.schema,
        "layouts": current_layouts(),
        "report": encoder(ShiftReport, keyed=False)(report),
    }
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def _decoder(tp: Any, layouts: dict[str, list[str]], made: dict[Any, Codec]) -> Codec:
    if tp in made:
        return made[tp]
    if isinstance(tp, type) and is_dataclass(tp):
        made[tp] = _dataclass_decoder(tp, layouts, made)
        return made[tp]
    origin = get_origin(tp)
    if origin is tuple:
        item = _decoder(get_args(tp)[0], layouts, made)
        dec: Codec = tuple if item is identity else lambda v: tuple([item(x) for x in v])
    elif origin is Union or origin is types.UnionType:
        (inner,) = [a for a in get_args(tp) if a is not type(None)]
        sub = _decoder(inner, layouts, made)
        dec = sub if sub is identity else lambda v: None if v is None else sub(v)
    else:
        dec = identity
    made[tp] = dec
    return dec


def _dataclass_decoder(tp: type, layouts: dict[str, list[str]], made: dict[Any, Codec]) -> Codec:
    hints = get_type_hints(tp)
    own = list(fields(tp))
    stored = layouts.get(tp.__name__)
    if stored is None:
        raise ReportFormatError(f"stored report: no layout for {tp.__name__}")
    decs = [_decoder(hints[f.name], layouts, made) for f in own]
    if stored == [f.name for f in own]:
        if all(d is identity for d in decs):
            return lambda v: tp(*v)
        return lambda v: tp(*[d(x) for d, x in zip(decs, v, strict=True)])
    # Another version's layout: match by name; a field it did not have takes its default.
    where = {name: i for i, name in enumerate(stored)}
    plan: list[tuple[str, int, Codec]] = []
    for f, d in zip(own, decs, strict=True):
        if f.name in where:
            plan.append((f.name, where[f.name], d))
        elif f.default is MISSING and f.default_factory is MISSING:
            raise ReportFormatError(f"stored report: {tp.__name__}.{f.name} is missing (another version)")

    def by_name(v: Any) -> Any:
        return tp(**{name: d(v[i]) for name, i, d in plan})

    return by_name


def decode(data: bytes) -> ShiftReport:
    """Stored bytes -> report. Raises ReportFormatError with a reason for anything unreadable."""
    try:
        body = json.loads(data)
    except ValueError as e:
        raise ReportFormatError(f"stored report: not valid JSON ({e})") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        return ShiftReport.from_dict(body)  # the keyed exchange form
    layouts = body.get("layouts")
    if not isinstance(layouts, dict):
        raise ReportFormatError("stored report: no layouts")
    try:
        report = _decoder(ShiftReport, layouts, {})(body["report"])
    except (TypeError, ValueError, KeyError, IndexError) as e:
        raise ReportFormatError(f"stored report: cannot be read back ({e})") from None
    if not isinstance(report, ShiftReport):
        raise ReportFormatError("stored report: not a shift report")
    return report
