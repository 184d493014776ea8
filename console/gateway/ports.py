"""The two seams between the gateway and a platform connector.

`Ledger` is the gateway's store as a connector sees it: contract-shaped records in (docs/api.md), each
real change appended to the change feed and announced to every gateway process. `Upstream` is the
connector as the gateway sees it: a reassignment a supervisor made in a console, written back to the
platform before the gateway commits it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

ReferenceKind = Literal["teams", "agents", "channels", "sla-policies", "calendars", "shifts"]


class UpstreamRefused(Exception):
    """The platform refused a write. `str()` is a sentence a supervisor can read."""


class UpstreamUnavailable(Exception):
    """The platform could not be reached or kept failing; the write was not made."""


class Upstream(Protocol):
    def assign(self, enquiry_id: str, team_id: str, agent_id: str | None) -> None:
        """Make the assignment on the platform. Raises UpstreamRefused or UpstreamUnavailable."""
        ...

    def set_agent_status(self, agent_id: str, status: str) -> None:
        """Set an agent's availability on the platform (a contract status: available, busy, away,
        offline). Raises UpstreamRefused (e.g. a status the platform does not have) or UpstreamUnavailable."""
        ...


class Ledger(Protocol):
    def upsert_enquiry(
        self, enquiry: Mapping[str, Any], messages: Sequence[Mapping[str, Any]] | None = None
    ) -> bool:
        """Store an enquiry in the contract's shape (its `version` is the ledger's to set) and, when given,
        its whole conversation, oldest first. True when anything changed: then the enquiry's version went
        up and the change feed holds it. The same state twice changes nothing. A message new to the
        enquiry (by id) or changed joins the message feed; one sent again unchanged does not."""
        ...

    def delete_enquiry(
        self, enquiry_id: str, reason: Literal["deleted", "merged"], merged_into: str | None
    ) -> bool:
        """A tombstone in the change feed. True when the enquiry was there."""
        ...

    def put_reference(self, kind: ReferenceKind, items: Sequence[Mapping[str, Any]]) -> None:
        """Replace one list of reference data (GET /v1/<kind>)."""
        ...

    def enquiry(self, enquiry_id: str) -> Mapping[str, Any] | None:
        """The enquiry as the change feed last announced it, or None."""
        ...
