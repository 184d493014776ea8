"""`python -m console gateway`: serve the Concierge Service API from PostgreSQL, with the Chatwoot connector
when `--chatwoot-url` is given (its webhooks at /chatwoot/webhook on the same port); `gateway add-user`:
add a console user (or replace their password and scopes).

Secrets never come on the command line (a process list shows it to every user): the database password
comes from PGPASSWORD (libpq reads it itself) or the keyring (service `concierge-gateway`, name `dsn`);
a user's password from CONCIERGE_GATEWAY_PASSWORD or a prompt.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from console.contract.http import Request, Response, problem

if TYPE_CHECKING:
    from console.gateway.chatwoot.webhooks import WebhookEndpoint

log = logging.getLogger("concierge.gateway")
KEYRING_SERVICE = "concierge-gateway"


def dsn_with_secret(text: str) -> str:
    """The DSN, with the password from the keyring added when neither it nor PGPASSWORD gives one."""
    if "password" in psycopg.conninfo.conninfo_to_dict(text) or os.environ.get("PGPASSWORD"):
        return text
    try:
        import keyring

        from console.platform.credentials import choose_backend

        # Only a store known to encrypt (the console's own rule): never keyrings.alt's plaintext files.
        backend, _ = choose_backend(keyring.get_keyring(), KEYRING_SERVICE)
        secret = backend.get_password(KEYRING_SERVICE, "dsn") if backend is not None else None
    except Exception:  # no usable keyring here: libpq's own ways (.pgpass, trust) remain
        secret = None
    if not secret:
        return text
    return psycopg.conninfo.make_conninfo(text, password=secret)


def _serve(args: argparse.Namespace) -> int:
    from console.gateway.http.server import Gateway

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    dsn = dsn_with_secret(args.dsn)
    client, upstream = None, None
    if args.chatwoot_url:
        from console.gateway.chatwoot.upstream import ChatwootUpstream
        from console.gateway.chatwoot.wiring import client_from_environment

        try:
            client = client_from_environment(args.chatwoot_url, args.chatwoot_account)
        except ValueError as e:  # no token: say how to give one
            print(str(e), file=sys.stderr)
            return 2
        upstream = ChatwootUpstream(client)  # the gateway asks Chatwoot first on every console move
    gateway = Gateway(
        dsn, host=args.host, port=args.port, routing_model=args.routing_model, upstream=upstream
    )
    connector = None
    if client is not None:
        from console.gateway.chatwoot.wiring import connect

        parts = connect(client, gateway.ledger, args.chatwoot_mapping)
        gateway.mount("/chatwoot/", webhook_route(parts.endpoint))
        connector = parts.connector
        if args.reconcile_every > 0:  # one process behind a balancer is enough; the others pass 0
            connector.start(interval_s=args.reconcile_every)
    url = gateway.start()
    print(f"gateway serving {url} (pid {os.getpid()})", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop: close cleanly
    try:
        gateway.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if connector is not None:
            connector.stop()
        gateway.stop()
        if client is not None:
            client.close()
    return 0


def webhook_route(endpoint: WebhookEndpoint) -> Callable[[Request], Response]:
    """Chatwoot's webhooks served by the gateway itself, at /chatwoot/webhook (Gateway.mount)."""
    from console.gateway.chatwoot.webhooks import PATH

    def route(req: Request) -> Response:
        if req.path != PATH:
            return problem(404, f"There is no endpoint {req.path[:100]}.")
        if req.method != "POST":
            resp = problem(405, "POST only.")
            resp.headers["Allow"] = "POST"
            return resp
        status, answer = endpoint.handle(req.headers, req.body)
        return Response(status, json.dumps(answer).encode())

    return route


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _add_user(args: argparse.Namespace) -> int:
    from console.gateway.db.auth import Auth
    from console.gateway.db.store import Database

    password = os.environ.get("CONCIERGE_GATEWAY_PASSWORD") or getpass.getpass(
        f"password for {args.username}: "
    )
    if len(password) < 8:
        print("the password must have at least 8 characters", file=sys.stderr)
        return 2
    db = Database(dsn_with_secret(args.dsn), max_size=2)
    try:
        Auth(db).add_user(args.username, password, [s.strip() for s in args.scopes.split(",")])
    except ValueError as e:
        print(str(e), file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"user {args.username} may sign in with scopes {args.scopes}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m console gateway",
        description="Serve the Concierge Service API from PostgreSQL, or (add-user) add a console user.",
    )
    parser.add_argument(
        "--dsn", required=True, help="libpq connection string, without the password (PGPASSWORD or keyring)"
    )
    sub = parser.add_subparsers(dest="command")
    add = sub.add_parser("add-user", help="add a console user or replace their password and scopes")
    add.add_argument("--username", required=True)
    add.add_argument("--scopes", default="supervisor,viewer", help="comma-separated: supervisor, viewer")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8780)
    parser.add_argument("--routing-model", default="concierge", choices=("one_stop", "concierge", "hybrid"))
    cw = parser.add_argument_group(
        "Chatwoot", "the connector (token from CHATWOOT_API_TOKEN or the keyring; CHATWOOT_WEBHOOK_SECRET)"
    )
    cw.add_argument("--chatwoot-url", default=None, help="Chatwoot's base URL; none: no connector")
    cw.add_argument("--chatwoot-account", type=int, default=1, help="the Chatwoot account id")
    cw.add_argument("--chatwoot-mapping", type=Path, default=None, help="the bank's mapping (TOML)")
    cw.add_argument(
        "--reconcile-every", type=float, default=60.0, help="seconds between reconciliations (0: none here)"
    )
    args = parser.parse_args(argv)
    if args.command == "add-user":
        return _add_user(args)
    return _serve(args)
