"""The shift report's complaint figures (issue 17).

- received: complaints (flagged by the bank's systems, or confirmed by a supervisor) whose customer's
  first message arrived in the shift, on the shift's teams;
- confirmed, dismissed: supervisors' decisions made in the shift, as the service keeps them on the
  enquiries (the same in every console once synced), then this console's own not yet sent
  (console.store.reads.StoreReader.complaint_decisions);
- met, missed: the regulator's deadlines falling in the shift, of every confirmed complaint: met when the
  complaint was resolved by then, missed when not. A window that hands over to a longer one (FCA: the
  three-day summary resolution, then eight weeks) is not a miss;
- src_not_sent: a three-day window whose complaint was resolved in time without a summary resolution
  communication sent (console.domain.complaints.letters finds them in the agents' messages);
- the clocks follow the communications sent (letters): a final response stops them, a holding reply lets
  a payment-services complaint pass from 15 to 35 business days.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from console.domain.complaints.letters import Letter, letters_sent
from console.domain.complaints.status import CONFIRMED, DISMISSED, Decision, flagged_by_service, received_at
from console.domain.model import Enquiry, Message
from console.reports.types import ComplaintStats
from console.sla.complaint_clocks import ComplaintClocks


def complaint_stats(
    enquiries: Iterable[Enquiry],
    decisions: Mapping[str, Decision],
    clocks: ComplaintClocks,
    start: float,
    cutoff: float,
    team_ids: Iterable[str] = (),
    letters: Mapping[str, Sequence[Letter]] | None = None,
) -> ComplaintStats:
    """`letters`: the complaint communications sent per enquiry id, for the enquiries whose agents'
    messages are known (the others: no communication is assumed missing, as before they were tracked)."""
    scope, sent = frozenset(team_ids), letters or {}
    received = by_service = met = missed = src_not_sent = 0
    for e in enquiries:
        if scope and e.team_id not in scope:
            continue
        # Only confirmed complaints count: no proposal is computed (a report covers thousands of rows).
        service = flagged_by_service(e)
        decision = decisions.get(e.id)
        if not service and (decision is None or decision.decision != CONFIRMED):
            continue
        if start <= received_at(e) < cutoff:
            received += 1
            by_service += service
        for c in clocks.clocks(e, sent.get(e.id)):
            if not start <= c.due_at < cutoff:
                continue
            if c.letter_missing:
                src_not_sent += 1
            elif c.stopped_at is not None and c.stopped_at <= c.due_at:
                met += 1
            elif not c.hands_over:
                missed += 1
    made = [d for d in decisions.values() if start <= d.at < cutoff]
    return ComplaintStats(
        received=received,
        flagged_by_service=by_service,
        confirmed=sum(d.decision == CONFIRMED for d in made),
        dismissed=sum(d.decision == DISMISSED for d in made),
        met=met,
        missed=missed,
        jurisdiction=clocks.jurisdiction.name,
        src_not_sent=src_not_sent,
    )


def known_letters(
    enquiries: Iterable[Enquiry],
    decisions: Mapping[str, Decision],
    conversations: Callable[[list[str]], Mapping[str, Sequence[Message]]],
) -> dict[str, tuple[Letter, ...]]:
    """The communications sent on each confirmed complaint whose conversation `conversations` (e.g.
    StoreReader.conversations, asked once for them all) holds; a complaint with none held is left out
    (unknown, not "none sent")."""
    confirmed = [
        e.id
        for e in enquiries
        if flagged_by_service(e) or getattr(decisions.get(e.id), "decision", None) == CONFIRMED
    ]
    return {
        i: letters_sent((m.sent_at, m.text) for m in held if m.direction == "out")
        for i, held in conversations(confirmed).items()
        if held
    }


def complaint_line(s: ComplaintStats) -> str:
    """One line for the report viewer and the PDF: "Complaints (United Kingdom (FCA)): 5 received ..."."""
    where = f" ({s.jurisdiction})" if s.jurisdiction else ""
    return (
        f"Complaints{where}: {s.received:,} received "
        f"({s.flagged_by_service:,} flagged by the bank's systems) · "
        f"{s.confirmed:,} confirmed and {s.dismissed:,} dismissed by supervisors · regulatory deadlines in "
        f"the shift: {s.met:,} met, {s.missed:,} missed"
        + (
            f", {s.src_not_sent:,} resolved without a summary resolution sent (SRC not sent)"
            if s.src_not_sent
            else ""
        )
    )
