"""The production Service API gateway (issue 18): the Concierge contract served from PostgreSQL, fed by a
platform connector (Chatwoot first). Qt-free; started with `python -m console gateway`."""
