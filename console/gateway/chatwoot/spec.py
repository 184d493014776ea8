"""The project's description of Chatwoot's API (chatwoot-api.json, OpenAPI 3.1), and JSON Schema checks of
bodies against it. One description serves the connector (webhooks it accepts, answers it reads) and the test
stand-in (every request it receives, every answer and webhook it sends)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs

SPEC_FILE = "chatwoot-api.json"


class SchemaError(ValueError):
    """A body that is not the shape the description gives. `str()` names the first problem and where."""


@cache
def document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        resources.files("console.gateway.chatwoot").joinpath(SPEC_FILE).read_text("utf-8")
    )
    return doc


@cache
def _validator(pointer: str) -> jsonschema_rs.Draft202012Validator:
    # The pointer is resolved inside the whole document, so its $refs to components resolve too.
    root = {"$ref": pointer, "components": document()["components"], "paths": document()["paths"]}
    return jsonschema_rs.Draft202012Validator(root, validate_formats=True)


def _check(pointer: str, body: Any) -> None:
    for error in _validator(pointer).iter_errors(body):
        where = "/".join(str(p) for p in error.instance_path) or "(body)"
        raise SchemaError(f"{where}: {error.message[:200]}")


def check_schema(name: str, body: Any) -> None:
    """`body` against components/schemas/`name`; SchemaError when it is not that shape."""
    _check(f"#/components/schemas/{name}", body)


def webhook_events() -> frozenset[str]:
    return frozenset(document()["webhooks"])


def check_webhook(body: Any) -> str:
    """A webhook body against the description of its event; returns the event. SchemaError for a body that
    is not one of the described events or not its shape."""
    if not isinstance(body, dict) or not isinstance(body.get("event"), str):
        raise SchemaError("(body): a webhook is an object with an `event`")
    event: str = body["event"]
    hook = document()["webhooks"].get(event)
    if hook is None:
        raise SchemaError(f"event: {event[:40]!r} is not an event the connector subscribes to")
    schema = hook["post"]["requestBody"]["content"]["application/json"]["schema"]
    _check(schema["$ref"], body)
    return event
