"""The detail pane's complaint box: whether the enquiry is a complaint and who said so, the customer's
words that made the console propose one, and Confirm / Not a complaint. Either answer is written to the
audit trail and the outbox first (decide_audited); only then does the console treat it as decided (pending
until the service has it).

The trigger words are the customer's: plain text only, PII-masked in partial mode, not shown when the
privacy mode is masked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console.domain.complaints.status import (
    AUDIT_ACTIONS,
    BY_SERVICE,
    BY_SUPERVISOR,
    CONFIRMED,
    DISMISSED,
    PROPOSED,
    Decision,
)
from console.domain.model import Enquiry
from console.domain.privacy import mask_text
from console.live.complaints import ComplaintDesk, decision_detail
from console.store.decisions import write_decision
from widgets.detail.audit_trail import AuditTrail

if TYPE_CHECKING:
    from console.store.cache import Store

WHY = "Under the FCA's rules any expression of dissatisfaction is a complaint; the regulator's clocks start."


class ComplaintBox(QFrame):
    decided = Signal(str, str)  # enquiry id, "confirmed" | "dismissed"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Complaint")
        self._id: str | None = None
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # the customer's words: never rich text
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.confirm = QPushButton("Confirm complaint")
        self.confirm.setToolTip(f"{WHY}\nConfirming starts them (audited).")
        self.dismiss = QPushButton("Not a complaint")
        self.dismiss.setToolTip("No complaint clocks for this enquiry (audited)")
        self.confirm.clicked.connect(lambda: self._id and self.decided.emit(self._id, CONFIRMED))
        self.dismiss.clicked.connect(lambda: self._id and self.decided.emit(self._id, DISMISSED))
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 4, 8, 4)
        box.addWidget(self.label)
        row = QHBoxLayout()  # the buttons under the words: the pane is narrow on a 1366 screen
        row.addWidget(self.confirm)
        row.addWidget(self.dismiss)
        row.addStretch(1)
        box.addLayout(row)
        self.hide()

    def show_state(
        self,
        e: Enquiry | None,
        state: str,
        words: Sequence[str],
        decision: Decision | None,
        *,
        privacy: str,
        tz: str,
        where: str = "",
        sent: Sequence[str] = (),
    ) -> None:
        """state: console.domain.complaints.status (BY_SERVICE, BY_SUPERVISOR, PROPOSED, or none). where:
        which customer message the words came from ("in message 1 of 3 (Mon 09:12)"); sent: the complaint
        communications sent, a line each ("Holding reply sent Tue 15 Sep 10:02")."""
        self._id = None if e is None else e.id
        if e is None or (state not in (BY_SERVICE, BY_SUPERVISOR, PROPOSED) and decision is None):
            self.hide()
            return
        said = _words(words, privacy)
        if said and where:
            said = f"{said} {where}"
        if state == BY_SERVICE:
            text, confirm, dismiss = "Complaint: flagged by the bank's systems.", False, False
        elif state == PROPOSED:
            text = f"Possible complaint{said}."
            confirm, dismiss = True, True
        else:
            assert decision is not None
            when = datetime.fromtimestamp(decision.at, ZoneInfo(tz)).strftime("%a %d %b %H:%M")
            verb = "Confirmed as a complaint" if decision.decision == CONFIRMED else "Not a complaint"
            waiting = ", not yet with the service" if decision.pending else ""  # still in the outbox
            text = f"{verb} (decided by {decision.actor}, {when}{waiting}){said}."
            confirm, dismiss = decision.decision != CONFIRMED, decision.decision == CONFIRMED
        if sent:
            text = "\n".join([text, *sent])
        self.label.setText(text)
        self.confirm.setVisible(confirm)
        self.dismiss.setVisible(dismiss)
        self.show()


def _words(words: Sequence[str], privacy: str) -> str:
    if privacy == "masked" or not words:
        return ""
    # Words only: a cue such as a trailing "..." or "??" says nothing to a person reading it.
    shown = [w if privacy == "full" else mask_text(w) for w in words if any(c.isalpha() for c in w)][:6]
    if not shown:
        return ""
    return ": the customer wrote " + ", ".join(f"“{w}”" for w in shown)


def decide_audited(
    audit: AuditTrail,
    desk: ComplaintDesk,
    e: Enquiry,
    decision: str,
    landed: Callable[[], None],
    now: Callable[[], float] = time.time,
) -> None:
    """Write the supervisor's decision to the audit trail and the outbox in one transaction (the cache
    keeps it from the audit entry, shown at once as pending; sync sends it to the service, which keeps it
    on the enquiry for every console); `landed` runs on the UI thread once it is committed. now: the
    service's clock (the decision is sent with its time, which the service checks against its own)."""
    proposal, state = desk.proposal(e), desk.state(e)
    detail = decision_detail(proposal, state)
    triggers = [mask_text(w) for w in proposal.words]  # a cue can quote the customer: masked
    actor, at = audit.actor(), now()

    def write(store: Store) -> int:
        return write_decision(store, e.id, decision, actor=actor, now=at, triggers=triggers, detail=detail)

    audit.write(AUDIT_ACTIONS[decision], e.id, write, lambda _id: landed())
