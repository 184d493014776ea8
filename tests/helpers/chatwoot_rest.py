"""The stand-in's REST side (tests/helpers/chatwoot_standin.py): the described paths routed to operations,
every request checked against console/gateway/chatwoot/chatwoot-api.json (path, query, body) and every answer
too, with the rate-limit and server-error switches. A mixin: ChatwootStandin holds the state it reads."""

from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jsonschema_rs

from console.gateway.chatwoot.spec import SchemaError, check_schema, document

TOKEN = "standin-api-token-0123456789"


@dataclass
class Faults:
    rate_limit: int = 0  # the next n requests get 429
    retry_after: str = "0.05"
    server_error: int = 0  # the next n requests get 503
    duplicate: float = 0.0  # probability a webhook is sent twice
    late: float = 0.0  # ... is held back and sent after up to `late_by` later ones
    lost: float = 0.0  # ... is never sent
    late_by: int = 20


def described_routes() -> list[tuple[re.Pattern[str], str, dict[str, Any], dict[str, Any]]]:
    out = []
    for template, item in document()["paths"].items():
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")
        for method, op in item.items():
            if method != "parameters":
                out.append((regex, method.upper(), {**op, "_params": item.get("parameters", [])}, item))
    return out


class StandinRest:
    """What the REST operations read and change (the stand-in's state)."""

    account_id: int
    faults: Faults
    refuse_assignments: str | None
    invalid: list[str]
    requests: list[tuple[str, str]]
    inboxes: dict[int, dict[str, Any]]
    teams: dict[int, dict[str, Any]]
    members: dict[int, list[int]]
    agents: dict[int, dict[str, Any]]
    labels: list[str]
    conversations: dict[int, dict[str, Any]]
    messages: dict[int, list[dict[str, Any]]]
    lock: threading.RLock
    _routes: list[tuple[re.Pattern[str], str, dict[str, Any], dict[str, Any]]]

    def conversation_json(self, cid: int) -> dict[str, Any]:
        raise NotImplementedError

    def change_assignment(
        self,
        cid: int,
        *,
        team_id: int | None = None,
        assignee_id: int | None = None,
        team: bool = False,
        agent: bool = False,
    ) -> None:
        raise NotImplementedError

    def deliver_later(self) -> None:
        raise NotImplementedError

    def serve(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(target)
        self.requests.append((method, parts.path))
        if headers.get("api_access_token") != TOKEN:
            return 401, {}, {"error": "You need to sign in or sign up before continuing."}
        with self.lock:
            if self.faults.rate_limit > 0:
                self.faults.rate_limit -= 1
                return 429, {"Retry-After": self.faults.retry_after}, "Retry later\n"
            if self.faults.server_error > 0:
                self.faults.server_error -= 1
                return 503, {}, {"error": "Service Unavailable"}
        for regex, verb, op, _ in self._routes:
            found = regex.match(parts.path)
            if found and verb == method:
                try:
                    args = self._arguments(op, found.groupdict(), dict(parse_qsl(parts.query)), raw)
                except SchemaError as e:
                    self.invalid.append(f"{method} {parts.path}: {e}")
                    return 400, {}, {"error": str(e)}
                status, body = getattr(self, "op_" + op["operationId"])(**args)
                if status == 200:
                    try:
                        _check(op["responses"]["200"]["content"]["application/json"]["schema"], body)
                    except SchemaError as e:
                        self.invalid.append(f"answer to {method} {parts.path}: {e}")
                return status, {}, body
        self.invalid.append(f"{method} {parts.path}: not in the description")
        allowed = sorted({verb for regex, verb, _, _ in self._routes if regex.match(parts.path)})
        if allowed:
            return 405, {"Allow": ", ".join(allowed)}, {"error": "Method not allowed"}
        return 404, {}, {"error": "Resource could not be found"}

    def _arguments(
        self, op: dict[str, Any], path: dict[str, str], query: dict[str, str], raw: bytes
    ) -> dict[str, Any]:
        params = {p["name"]: p for p in [*op["_params"], *op.get("parameters", [])]}
        for name in query:
            if name not in params or params[name]["in"] != "query":
                raise SchemaError(f"query: {name!r} is not a parameter of this operation")
        args: dict[str, Any] = {}
        for name, p in params.items():
            value: Any = path.get(name) if p["in"] == "path" else query.get(name)
            if value is None:
                continue
            if p["schema"].get("type") == "integer":
                if not value.isascii() or not value.isdigit():
                    raise SchemaError(f"{name}: {value[:20]!r} is not an integer")
                value = int(value)
            _check(p["schema"], value, name)
            if name != "account_id":
                args[name] = value
            elif value != self.account_id:
                raise SchemaError("account_id: not this account")
        if "requestBody" in op:
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                raise SchemaError("body: not JSON") from None
            _check(op["requestBody"]["content"]["application/json"]["schema"], body, "body")
            args["body"] = body
        return args

    def op_conversationList(
        self,
        status: str = "open",
        assignee_type: str = "all",
        inbox_id: int | None = None,
        team_id: int | None = None,
        sort_by: str = "last_activity_at_desc",
        page: int = 1,
    ) -> tuple[int, Any]:
        with self.lock:
            convs = [self.conversation_json(c) for c in self.conversations]
        convs = [
            c
            for c in convs
            if (status == "all" or c["status"] == status)
            and (inbox_id is None or c["inbox_id"] == inbox_id)
            and (team_id is None or (c["meta"]["team"] or {}).get("id") == team_id)
            and (assignee_type != "unassigned" or c["meta"]["assignee"] is None)
            and (assignee_type != "assigned" or c["meta"]["assignee"] is not None)
        ]
        field, _, order = sort_by.rpartition("_")
        convs.sort(key=lambda c: (c.get(field) or 0, c["id"]), reverse=order == "desc")
        meta = {
            "mine_count": 0,
            "all_count": len(convs),
            "assigned_count": sum(1 for c in convs if c["meta"]["assignee"]),
            "unassigned_count": sum(1 for c in convs if not c["meta"]["assignee"]),
        }
        return 200, {"data": {"meta": meta, "payload": convs[(page - 1) * 25 : page * 25]}}

    def op_conversationShow(self, conversation_id: int) -> tuple[int, Any]:
        if conversation_id not in self.conversations:
            return 404, {"error": "Resource could not be found"}
        return 200, self.conversation_json(conversation_id)

    def op_messageList(
        self, conversation_id: int, before: int | None = None, after: int | None = None
    ) -> tuple[int, Any]:
        with self.lock:
            if conversation_id not in self.messages:
                return 404, {"error": "Resource could not be found"}
            msgs = [
                m
                for m in self.messages[conversation_id]
                if (before is None or m["id"] < before) and (after is None or m["id"] > after)
            ]
            return 200, {
                "meta": {"labels": self.conversations[conversation_id]["labels"]},
                "payload": copy.deepcopy(msgs[-20:]),
            }

    def op_conversationAssign(self, conversation_id: int, body: dict[str, Any]) -> tuple[int, Any]:
        if conversation_id not in self.conversations:
            return 404, {"error": "Resource could not be found"}
        if self.refuse_assignments:
            return 422, {"message": self.refuse_assignments}
        if "assignee_id" in body:
            agent = body["assignee_id"]
            if agent is not None and agent not in self.agents:
                return 404, {"error": "Resource could not be found"}
            self.change_assignment(conversation_id, assignee_id=agent, agent=True)
            self.deliver_later()
            return 200, self.conversation_json(conversation_id)["meta"]["assignee"]
        team = body["team_id"]
        if team is not None and team not in self.teams:
            return 404, {"error": "Resource could not be found"}
        self.change_assignment(conversation_id, team_id=team, team=True)
        self.deliver_later()
        return 200, self.conversation_json(conversation_id)["meta"]["team"]

    def op_conversationLabels(self, conversation_id: int) -> tuple[int, Any]:
        if conversation_id not in self.conversations:
            return 404, {"error": "Resource could not be found"}
        return 200, {"payload": list(self.conversations[conversation_id]["labels"])}

    def op_teamList(self) -> tuple[int, Any]:
        return 200, list(self.teams.values())

    def op_teamMembers(self, team_id: int) -> tuple[int, Any]:
        if team_id not in self.teams:
            return 404, {"error": "Resource could not be found"}
        return 200, [self.agents[a] for a in self.members[team_id]]

    def op_agentUpdate(self, id: int, body: dict[str, Any]) -> tuple[int, Any]:
        with self.lock:
            if id not in self.agents:
                return 404, {"error": "Resource could not be found"}
            agent = self.agents[id]
            agent.update({k: body[k] for k in ("role", "availability_status", "auto_offline") if k in body})
            return 200, copy.deepcopy(agent)

    def op_agentList(self) -> tuple[int, Any]:
        return 200, list(self.agents.values())

    def op_inboxList(self) -> tuple[int, Any]:
        return 200, {"payload": list(self.inboxes.values())}

    def op_labelList(self) -> tuple[int, Any]:
        return 200, {
            "payload": [
                {"id": i + 1, "title": t, "description": None, "color": "#1f93ff", "show_on_sidebar": True}
                for i, t in enumerate(self.labels)
            ]
        }

    def op_slaPolicyList(self) -> tuple[int, Any]:
        return 200, {
            "payload": [
                {
                    "id": 1,
                    "name": "Fraud",
                    "description": None,
                    "first_response_time_threshold": 900,
                    "next_response_time_threshold": 1800,
                    "resolution_time_threshold": 86400,
                    "only_during_business_hours": False,
                }
            ]
        }


def _check(schema: dict[str, Any], value: Any, where: str = "") -> None:
    if "$ref" in schema:
        check_schema(schema["$ref"].rsplit("/", 1)[1], value)
        return
    wrapped = {"type": "object", "properties": {"v": schema}, "required": ["v"]}
    try:
        _check_inline(wrapped, {"v": value})
    except SchemaError as e:
        raise SchemaError(f"{where} {e}".strip()) from None


def _check_inline(schema: dict[str, Any], value: Any) -> None:

    root = {**schema, "components": document()["components"]}
    for error in jsonschema_rs.Draft202012Validator(root).iter_errors(value):
        raise SchemaError(error.message[:200])


class RestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms wait between
    standin: StandinRest

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _any(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, extra, body = self.standin.serve(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, raw
        )
        text = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
        self.send_header("Content-Length", str(len(text)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(text)

    def __getattr__(self, name: str) -> Any:
        # every method reaches the router, which answers 405 with Allow (not http.server's 501 page)
        if name.startswith("do_"):
            return self._any
        raise AttributeError(name)
