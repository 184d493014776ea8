"""Agents' loads counted from the enquiries the gateway holds: open enquiries assigned to each agent.

A connector reports loads as it last saw them, but a console's move changes them at once, and the
routing rules judge capacity by them: counted here, in the same transaction as the move, two quick moves
to a nearly full agent cannot both pass the capacity rule, and every gateway process serves the same figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from console.domain.model import OPEN_STATUSES
from console.gateway.db.store import Conn

_OPEN = sorted(OPEN_STATUSES)


def agent_loads(conn: Conn, agent_ids: Iterable[str] | None = None) -> dict[str, int]:
    """Open enquiries per agent id (agents with none are left out); only `agent_ids` when given."""
    sql = (
        "SELECT body->>'agent_id', count(*) FROM enquiries "
        "WHERE body->>'agent_id' IS NOT NULL AND body->>'status' = ANY(%s)"
    )
    params: list[Any] = [_OPEN]
    if agent_ids is not None:
        sql += " AND body->>'agent_id' = ANY(%s)"
        params.append(sorted(set(agent_ids)))
    rows = conn.execute(sql + " GROUP BY 1", params).fetchall()
    return {str(agent): int(n) for agent, n in rows}


def agent_load(conn: Conn, agent_id: str) -> int:
    """One agent's load, counted under a lock of that agent held to the end of the transaction: two moves
    to the same agent (in any gateway process) count one after the other, each seeing the other's."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"agent-load:{agent_id}",))
    return agent_loads(conn, [agent_id]).get(agent_id, 0)


def with_loads(agents: Sequence[Mapping[str, Any]], loads: Mapping[str, int]) -> list[dict[str, Any]]:
    """The agents as the contract serves them, each with the load counted here."""
    return [{**a, "load": loads.get(str(a.get("id")), 0)} for a in agents]
