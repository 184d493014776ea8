"""The Chatwoot connector (issue 18): Chatwoot's conversations into the gateway's Ledger, by webhooks and by
periodic reconciliation over its REST API, and the console's reassignments back to Chatwoot (Upstream).
Qt-free. Chatwoot's API as the project describes it: chatwoot-api.json beside this file."""
