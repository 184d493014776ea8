"""Drill-down from a report to one enquiry, read from the cache (no network): its fields, its moves and
the cached conversation, as plain text with PII masked. Reports are for review and hand-round, so this
view never reveals: revealing is the detail pane's, on screen only, and audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit, QVBoxLayout, QWidget

from console.domain.labels import channel_text, flags_text, priority_label, status_label, topic_label
from console.domain.model import Assignment, Enquiry, Message
from console.domain.privacy import mask_handle, mask_text
from console.reports.tiles import duration
from widgets.reports.models import when


def enquiry_text(
    e: Enquiry,
    messages: list[Message],
    moves: list[Assignment],
    zone: tzinfo,
    *,
    salt: str = "",
    names: Mapping[str, str] | None = None,
) -> str:
    """The masked plain-text account of an enquiry (customer names never shown; handles as a short
    code, the one the report uses for the same salt). names: team and agent ids -> display names."""
    known = names or {}

    def name(ident: str | None, none: str) -> str:
        return none if ident is None else known.get(ident, ident)

    first = (
        None
        if e.first_response_at is None
        else e.first_response_at - (e.first_customer_message_at or e.created_at)
    )
    lines = [
        f"Enquiry {e.id}",
        (
            mask_handle(e.customer_handle, "masked", salt=salt) if e.customer_handle else "unknown customer"
        ).capitalize(),
        f"{channel_text(e.channel, e.visibility)} · {topic_label(e.topic)} · {priority_label(e.priority)}"
        f" · {status_label(e.status)}",
        f"Team {name(e.team_id, 'none')} · agent {name(e.agent_id, 'unassigned')} · flags "
        f"{flags_text(e.flags, 'none')} · moved between teams {e.bounces} times",
        f"Created {when(e.created_at, zone)} · first response "
        f"{when(e.first_response_at, zone) or 'none yet'}{f' (after {duration(first)})' if first else ''}"
        f" · resolved {when(e.resolved_at, zone) or 'not yet'}",
        "",
        "Latest message (masked):",
        mask_text(e.text),
    ]
    if moves:
        lines += ["", "Moves:"]
        for m in moves:
            lines.append(
                f"  {when(m.at, zone)} {name(m.from_team, '—')} -> {name(m.to_team, '—')}"
                f" by {m.actor or '(unknown)'} ({m.result}): {mask_text(m.reason) or '(no reason given)'}"
            )
    if messages:
        lines += ["", "Conversation (masked):"]
        for msg in messages:
            who = "Customer" if msg.direction == "in" else "Agent"
            lines.append(f"── {when(msg.sent_at, zone)} · {who}\n{mask_text(msg.text)}")
    else:
        lines += ["", "The conversation is not in the cache (it is fetched when opened in the console)."]
    return "\n".join(lines)


class EnquiryDialog(QDialog):
    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setPlainText(text)  # plain text: customer words are never parsed as markup
        self.text.setAccessibleName("Enquiry detail, masked")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(640, 480)
