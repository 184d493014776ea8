"""Complaints: a proposal from what the customer wrote (detect), whether an enquiry is one and who said so
(status), and the regulators' and platforms' rules as data (rules, rules.toml). The clocks themselves are
computed in console.sla.complaint_clocks and console.sla.reply_windows."""

from console.domain.complaints.detect import Proposal, Trigger, propose
from console.domain.complaints.rules import (
    ClockRule,
    Jurisdiction,
    Rules,
    RulesError,
    WindowRule,
    default_rules,
    parse_rules,
)
from console.domain.complaints.status import (
    Decision,
    complaint_state,
    flagged_by_service,
    is_confirmed,
    received_at,
)

__all__ = [
    "ClockRule",
    "Decision",
    "Jurisdiction",
    "Proposal",
    "Rules",
    "RulesError",
    "Trigger",
    "WindowRule",
    "complaint_state",
    "default_rules",
    "flagged_by_service",
    "is_confirmed",
    "parse_rules",
    "propose",
    "received_at",
]
