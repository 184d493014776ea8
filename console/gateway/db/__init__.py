"""The gateway's PostgreSQL store: schema and migrations, the ledger a connector writes into, the change
feed and its LISTEN/NOTIFY wake-ups, reassignments with idempotency keys, users and tokens."""
