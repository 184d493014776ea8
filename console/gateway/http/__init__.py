"""The gateway's HTTP side: the Concierge Service API contract (docs/api.md) over the PostgreSQL store."""
