"""Decoding an answer body so that one hostile record cannot spoil the whole answer.

json.loads is tried first (fast). Bytes that are not UTF-8 are kept as lone surrogates (surrogateescape),
so only the strings that hold them fail the contract's limits and their records are quarantined, not the
page. A document nested too deeply for json.loads (RecursionError) is read again with ijson's iterative
parser, and every part deeper than MAX_DEPTH is replaced by limits.TOO_DEEP, which the wire mapping
reports: the record is quarantined with its id and the rest of the page is used.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import ijson

from console.domain.limits import MAX_DEPTH, TOO_DEEP

_PARSER = ijson.get_backend("python")  # exact for any integer and for exponents a float cannot hold


class PayloadError(ValueError):
    """The body is not JSON at all."""


def loads(body: bytes) -> Any:
    # Plain "utf-8" (not "utf-8-sig", which misses CPython's fast decoder): a BOM is dropped by hand.
    text = body.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "surrogateescape")
    try:
        return json.loads(text)
    except RecursionError:
        return _shallow(text)
    except ValueError as e:
        raise PayloadError(str(e)) from None


def _shallow(text: str) -> Any:
    """Build the document without recursion; parts deeper than MAX_DEPTH become TOO_DEEP."""
    root: list[Any] = []
    stack: list[Any] = [root]  # containers being filled; a dict is paired with its pending key
    keys: list[str | None] = [None]
    skipping = 0  # depth inside a part being skipped
    try:
        # Bytes that were not UTF-8 go back in as JSON escapes of the same lone surrogates.
        for event, value in _PARSER.basic_parse(text.encode("utf-8", "backslashreplace")):
            if skipping:
                if event in ("start_map", "start_array"):
                    skipping += 1
                elif event in ("end_map", "end_array"):
                    skipping -= 1
                continue
            if event in ("start_map", "start_array"):
                if len(stack) > MAX_DEPTH + 1:
                    _add(stack, keys, TOO_DEEP)
                    skipping = 1
                    continue
                container: Any = {} if event == "start_map" else []
                _add(stack, keys, container)
                stack.append(container)
                keys.append(None)
            elif event in ("end_map", "end_array"):
                stack.pop()
                keys.pop()
            elif event == "map_key":
                keys[-1] = value
            else:
                _add(stack, keys, _number(value) if event == "number" else value)
    except ijson.JSONError as e:
        raise PayloadError(str(e)) from None
    if len(root) != 1:
        raise PayloadError("not exactly one JSON document")
    return root[0]


def _add(stack: list[Any], keys: list[str | None], value: Any) -> None:
    top = stack[-1]
    if isinstance(top, dict):
        top[keys[-1]] = value
    else:
        top.append(value)


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # 1e999 -> inf, as json.loads gives it: the limits refuse it
    return value
