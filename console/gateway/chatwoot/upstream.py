"""The gateway's Upstream for Chatwoot: a reassignment a supervisor made in a console, written to Chatwoot's
conversation assignments endpoint before the gateway commits it."""

from __future__ import annotations

from console.gateway.chatwoot import mapping
from console.gateway.chatwoot.client import ChatwootClient, ChatwootRefused, ChatwootUnavailable
from console.gateway.ports import UpstreamRefused, UpstreamUnavailable


class ChatwootUpstream:
    def __init__(self, client: ChatwootClient) -> None:
        self.client = client

    def assign(self, enquiry_id: str, team_id: str, agent_id: str | None) -> None:
        cid = mapping.conversation_id(enquiry_id)
        if cid is None:
            raise UpstreamRefused(
                f"Enquiry {enquiry_id[:64]} does not come from Chatwoot, so it cannot move there"
            )
        team = mapping.chatwoot_number(team_id, mapping.TEAM_PREFIX)
        if team is None:
            raise UpstreamRefused(f"Team {team_id[:64]} is not a Chatwoot team")
        agent = mapping.chatwoot_number(agent_id, mapping.AGENT_PREFIX)
        if agent_id is not None and agent is None:
            raise UpstreamRefused(f"Agent {agent_id[:64]} is not a Chatwoot agent")
        try:
            # Two calls: beside assignee_id Chatwoot ignores team_id. A failure between them leaves the team
            # changed in Chatwoot; reconciliation then brings that state to the consoles.
            self.client.assign(cid, team_id=team)
            self.client.assign(cid, assignee_id=agent)
        except ChatwootRefused as e:
            if e.status == 404:
                raise UpstreamRefused(f"Chatwoot has no conversation {cid} any more") from None
            if e.status == 401:
                raise UpstreamUnavailable("Chatwoot did not accept the gateway's API token") from None
            raise UpstreamRefused(f"Chatwoot refused the move: {e}") from None
        except ChatwootUnavailable as e:
            raise UpstreamUnavailable(str(e)) from None

    def set_agent_status(self, agent_id: str, status: str) -> None:
        agent = mapping.chatwoot_number(agent_id, mapping.AGENT_PREFIX)
        if agent is None:
            raise UpstreamRefused(f"Agent {agent_id[:64]} is not a Chatwoot agent")
        availability = mapping.CHATWOOT_AVAILABILITY.get(status)
        if availability is None:
            raise UpstreamRefused(
                f"Chatwoot has no status {status[:32]!r} for agents: use available, busy or offline"
            )
        try:
            current = next((a for a in self.client.agents() if a.get("id") == agent), None)
            if current is None:
                raise UpstreamRefused(f"Chatwoot has no agent {agent} any more")
            self.client.update_agent(agent, str(current.get("role") or "agent"), availability)
        except ChatwootRefused as e:
            if e.status == 401:
                raise UpstreamUnavailable("Chatwoot did not accept the gateway's API token") from None
            raise UpstreamRefused(f"Chatwoot refused the status change: {e}") from None
        except ChatwootUnavailable as e:
            raise UpstreamUnavailable(str(e)) from None
