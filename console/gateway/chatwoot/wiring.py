"""The Chatwoot parts for the gateway, built from its settings and secrets. The Upstream needs only the
client, so the gateway can be made with it before its Ledger exists:

    client = client_from_environment(url, account_id)
    gateway = Gateway(dsn, upstream=ChatwootUpstream(client))
    parts = connect(client, gateway.ledger, mapping_file)
    parts.connector.start(interval_s=60)      # reference data, backfill, then periodic reconciliation
    WebhookServer(parts.endpoint, host, port).start()   # or mount parts.endpoint.handle on a path
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from console.gateway.chatwoot.client import ChatwootClient, ClientSettings, token_from_environment
from console.gateway.chatwoot.connector import ChatwootConnector
from console.gateway.chatwoot.mapping import MappingConfig
from console.gateway.chatwoot.upstream import ChatwootUpstream
from console.gateway.chatwoot.webhooks import WebhookEndpoint
from console.gateway.ports import Ledger

ENV_WEBHOOK_SECRET = "CHATWOOT_WEBHOOK_SECRET"  # noqa: S105 - the name of the variable


@dataclass(frozen=True, slots=True)
class ChatwootParts:
    client: ChatwootClient
    connector: ChatwootConnector
    upstream: ChatwootUpstream
    endpoint: WebhookEndpoint


def client_from_environment(base_url: str, account_id: int) -> ChatwootClient:
    """The API token from CHATWOOT_API_TOKEN or the keyring. ValueError when there is none."""
    token = token_from_environment()
    if token is None:
        raise ValueError(
            "No Chatwoot API token: set CHATWOOT_API_TOKEN or store it in the keyring "
            "(service concierge-gateway, name chatwoot_api_token)"
        )
    return ChatwootClient(ClientSettings(base_url, account_id), token)


def connect(client: ChatwootClient, ledger: Ledger, mapping_file: Path | None = None) -> ChatwootParts:
    """The connector writing into `ledger`, the Upstream, and the webhook endpoint, whose secret comes from
    CHATWOOT_WEBHOOK_SECRET (none: webhooks are accepted unsigned, as Chatwoot versions that cannot sign
    send them)."""
    config = MappingConfig.from_toml(mapping_file) if mapping_file else MappingConfig()
    connector = ChatwootConnector(client, ledger, config)
    secret = os.environ.get(ENV_WEBHOOK_SECRET) or None
    return ChatwootParts(client, connector, ChatwootUpstream(client), WebhookEndpoint(connector, secret))
