"""The Chatwoot parts for the gateway, built from its settings and secrets: the connector (writing into
the gateway's Ledger), the Upstream for reassignments, and the webhook endpoint to mount."""

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


def build(ledger: Ledger, base_url: str, account_id: int, mapping_file: Path | None = None) -> ChatwootParts:
    """The API token from CHATWOOT_API_TOKEN or the keyring; the webhook secret from
    CHATWOOT_WEBHOOK_SECRET (none: webhooks are accepted unsigned, as Chatwoot versions that cannot sign
    send them). ValueError when there is no token."""
    token = token_from_environment()
    if token is None:
        raise ValueError(
            "No Chatwoot API token: set CHATWOOT_API_TOKEN or store it in the keyring "
            "(service concierge-gateway, name chatwoot_api_token)"
        )
    config = MappingConfig.from_toml(mapping_file) if mapping_file else MappingConfig()
    client = ChatwootClient(ClientSettings(base_url, account_id), token)
    connector = ChatwootConnector(client, ledger, config)
    secret = os.environ.get(ENV_WEBHOOK_SECRET) or None
    return ChatwootParts(client, connector, ChatwootUpstream(client), WebhookEndpoint(connector, secret))
