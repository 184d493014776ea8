"""The contract's limits on what a record from outside may hold (docs/api.md, "Limits"), checked before a
record is mapped: anything outside them makes the record untrustworthy, and the caller quarantines it
with the reason. Pure and iterative: a value nested a million levels deep costs a loop, not the stack.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from itertools import repeat
from typing import Any

MAX_DEPTH = 16  # levels of objects and arrays in one record (an enquiry needs 3)
MAX_NODES = 10_000  # values in one record, all levels together
MAX_STRING = 20_000  # characters in any one string (a message's text is the longest field)
MAX_INT = 2**53 - 1  # integers are exact in every JSON implementation and fit SQLite's 64 bits
EARLIEST = 946_684_800.0  # 2000-01-01T00:00:00Z: no enquiry, message or shift is older
LATEST = 4_102_444_800.0  # 2100-01-01T00:00:00Z: nothing is planned further ahead
MAX_IDENT = 128
MAX_TARGET_S = 315_360_000  # an SLA target of more than ten years is a mistake, not a policy
MAX_BOUNCES = 10_000
MAX_CAPACITY = 1_000  # concurrent enquiries one agent can hold
MAX_LOAD = 100_000
# A supervisor's complaint decision (POST /v1/enquiries/{id}/complaint and the enquiry's copy of it).
MAX_REASON = 2_000  # characters of the reason (may be empty)
MAX_TRIGGERS = 20  # words that made the console propose the complaint
MAX_ACTOR = 200  # characters of who decided (the same bound as an assignment's actor)

# NUL and lone surrogates (invalid Unicode: they cannot be stored or encoded as UTF-8).
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
# Identifiers are printable: no control characters, no bidi overrides, no line breaks.
_BAD_IDENT = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


class TooDeep(str):
    """Stands in for a part of a document nested too deeply to be read (console.api.payload): it is
    a str so that it can be shown and stored, and the check below reports it."""

    __slots__ = ()


TOO_DEEP = TooDeep(f"<nested deeper than {MAX_DEPTH} levels: not read>")


class BadRecord(ValueError):
    """A record from outside that fails validation (console.domain.wire) or breaks a limit here.
    str(e) is the reason, for the quarantine."""


LimitError = BadRecord  # the name the checks below use


def text_problem(value: str) -> str | None:
    """Why a string cannot be kept, or None."""
    if len(value) > MAX_STRING:
        return f"a string of {len(value):,} characters (the limit is {MAX_STRING:,})"
    bad = _BAD_TEXT.search(value)
    if bad is not None:
        char = bad.group()
        if char == "\x00":
            return "a NUL character"
        return f"invalid Unicode (a lone surrogate U+{ord(char):04X})"
    return None


def ident_problem(value: str) -> str | None:
    """Why an identifier is unusable, or None."""
    if not value or len(value) > MAX_IDENT:
        return f"empty or over {MAX_IDENT} characters"
    bad = _BAD_IDENT.search(value)
    if bad is not None:
        return f"contains the control or invalid character U+{ord(bad.group()):04X}"
    return None


def check_value(value: Any, name: str = "record") -> None:
    """Raise LimitError naming the first field of a decoded JSON value that breaks a limit: depth, size,
    integer range, non-finite numbers, NUL or invalid Unicode in any string or key. No recursion.

    A fast pass (one regex over all the strings at once) clears a sound record; only a record it flags
    is walked again, slowly, to name the field. Every string of the record is checked here, so the field
    readers (console.domain.wire_fields) do not check the strings they read again."""
    if not _fast_ok(value):
        _locate(value, name)
        raise LimitError(f"{name}: breaks the contract's limits")  # pragma: no cover - _locate raised


def flat_strings_ok(record: dict[str, Any]) -> bool:
    """True when every value of a flat record is a string within the limits (no NUL, no lone surrogate,
    none over MAX_STRING): what check_value would clear, for a record of strings only (a message), at a
    fraction of the cost. False says nothing more: check_value then names the problem."""
    values = record.values()
    if not all(type(v) is str for v in values):
        return False
    joined = "".join(values)
    if len(joined) > MAX_STRING and max(map(len, values)) > MAX_STRING:
        return False
    if joined.isascii():
        return "\x00" not in joined
    return _BAD_TEXT.search(joined) is None


def _fast_ok(value: Any) -> bool:
    strings: list[str] = []
    nodes = _walk(value, strings) if type(value) is dict else _walk_deep(value, 0, strings)
    if nodes < 0 or nodes > MAX_NODES:
        return False
    try:
        joined = "".join(strings)
    except TypeError:  # a key that is not a string
        return False
    if len(joined) > MAX_STRING and max(map(len, strings)) > MAX_STRING:
        return False
    if joined.isascii():  # O(1) in CPython: ASCII holds no surrogate, so only NUL is left to find
        return "\x00" not in joined
    return _BAD_TEXT.search(joined) is None


def _walk(record: dict[Any, Any], strings: list[str]) -> int:
    """A record's own fields in one flat loop (most are scalars); nested values through _walk_deep.
    Returns the values counted, or -1 when one breaks a limit. Collects every string and key."""
    strings.extend(record)  # the keys ("".join in _fast_ok refuses any that is not a string)
    append = strings.append
    nodes = 1
    for item in record.values():
        kind = type(item)
        if kind is str:
            append(item)
            nodes += 1
        elif item is None or kind is bool:
            nodes += 1
        elif kind is int:
            if not -MAX_INT <= item <= MAX_INT:
                return -1
            nodes += 1
        elif kind is dict or kind is list:
            # A container of scalars (the customer, the flags, the outcome) in a loop; deeper ones
            # (or any doubt) through the general walk, which counts and collects them afresh.
            if kind is dict:
                strings.extend(item)
            inner = _scalars(item.values() if kind is dict else item, strings)
            if inner < 0:
                inner = _walk_deep(item, 1, strings)
                if inner < 0:
                    return -1
            nodes += inner
        elif kind is float:
            if not math.isfinite(item):
                return -1
            nodes += 1
        else:
            return -1  # TooDeep, or a type JSON cannot hold
    return nodes


def _scalars(values: Iterable[Any], strings: list[str]) -> int:
    """The values counted (with their container), or -1 at the first that is not a sound scalar."""
    nodes = 1
    append = strings.append
    for item in values:
        kind = type(item)
        if kind is str:
            append(item)
        elif not (
            item is None
            or kind is bool
            or (kind is int and -MAX_INT <= item <= MAX_INT)
            or (kind is float and math.isfinite(item))
        ):
            return -1
        nodes += 1
    return nodes


def _walk_deep(value: Any, depth: int, strings: list[str]) -> int:
    stack: list[tuple[Any, int]] = [(value, depth)]
    push, collect = stack.extend, strings.extend
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        kind = type(item)
        if kind is str:
            strings.append(item)
        elif kind is dict or kind is list:
            if depth >= MAX_DEPTH:
                return -1
            if kind is dict:
                collect(item)  # the keys
                push(zip(item.values(), repeat(depth + 1)))
            else:
                push(zip(item, repeat(depth + 1)))
        elif kind is int:
            if not -MAX_INT <= item <= MAX_INT:
                return -1
        elif kind is float:
            if not math.isfinite(item):
                return -1
        elif item is not None and kind is not bool:
            return -1  # TooDeep, or a type JSON cannot hold
    return nodes


def _locate(value: Any, name: str) -> None:
    stack: list[tuple[Any, str, int]] = [(value, name, 0)]
    nodes = 0
    while stack:
        item, path, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise LimitError(f"{name}: more than {MAX_NODES:,} values in one record")
        if isinstance(item, TooDeep):
            raise LimitError(f"{path}: nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                raise LimitError(f"{path}: {problem}")
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not -MAX_INT <= item <= MAX_INT:
                raise LimitError(f"{path}: the integer {_short_int(item)} is outside ±(2^53 - 1)")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise LimitError(f"{path}: {item!r} is not a finite number")
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise LimitError(f"{path}: nested deeper than {MAX_DEPTH} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        raise LimitError(f"{path}: a key that is not a string")
                    problem = text_problem(key)
                    if problem:
                        raise LimitError(f"{path}: a key with {problem}")
                    stack.append((child, f"{path}.{key[:40]}", depth + 1))
            else:
                stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
        else:
            raise LimitError(f"{path}: a {type(item).__name__}, which JSON cannot hold")


def check_time(value: float, name: str) -> float:
    if not EARLIEST <= value <= LATEST:
        raise LimitError(f"{name}: outside 2000-01-01..2099-12-31, not a plausible time")
    return value


def or_unknown(stamp: float) -> float:
    """A time that only informs (an agent's status_since): outside the plausible range it is unknown,
    0.0, which is also how the wire mapping writes "unknown" (as 1970-01-01)."""
    return stamp if EARLIEST <= stamp <= LATEST else 0.0


def _short_int(value: int) -> str:
    digits = len(str(abs(value))) if abs(value) < 10**4000 else 4000
    return str(value) if digits <= 24 else f"of {digits}+ digits"
