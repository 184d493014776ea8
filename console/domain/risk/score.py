"""The escalation-risk score: how likely an enquiry is to escalate (a complaint, a public pile-on, a
regulator), as points from named reasons, so a supervisor sees why ("public post +20", "3 reassignments
+15"). No black box: the score is the sum of its reasons' points, capped at 100, and the weights are data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from console.domain.risk import sentiment

DAY = 86_400.0
REPEAT_WINDOW_S = 7 * DAY


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: a key of assess_facts' cache
class Weights:
    """Points per reason. SLA proximity: by the clock's state (console.sla's state names)."""

    sla: dict[str, int] = field(default_factory=lambda: {"at_risk": 10, "urgent": 20, "breached": 30})
    per_reassignment: int = 5  # from the second move on: one move to a specialist is the design
    reassignment_cap: int = 20
    worsening: int = 20  # the customer's mood fell over the conversation
    very_negative: int = 10  # the latest message is very negative (counted once, beside worsening)
    public: int = 20
    repeat_contact: int = 15  # an earlier enquiry from the same handle within 7 days
    repeat_each_more: int = 5
    repeat_cap: int = 25
    vulnerable: int = 15


DEFAULT_WEIGHTS = Weights()
AT_RISK = 40  # the saved view "At risk of escalation" shows scores from here up
HIGH = 60


@dataclass(frozen=True, slots=True)
class Reason:
    words: str
    points: int

    def __str__(self) -> str:
        return f"{self.words} +{self.points}"


@dataclass(frozen=True, slots=True)
class Risk:
    score: int  # 0..100, the sum of the reasons' points, capped
    reasons: tuple[Reason, ...]

    @property
    def level(self) -> str:
        if self.score >= HIGH:
            return "high"
        if self.score >= AT_RISK:
            return "at risk"
        return "low" if self.score else "none"

    def explain(self) -> str:
        """ "55 · public post +20, 3 reassignments +10, ..." (or "No signs of risk")."""
        if not self.reasons:
            return "No signs of risk"
        return f"{self.score} ({self.level}): " + ", ".join(map(str, self.reasons))


NO_RISK = Risk(0, ())
_SLA_WORDS = {"at_risk": "reply due soon", "urgent": "reply nearly overdue", "breached": "reply overdue"}


@dataclass(frozen=True, slots=True)
class Signals:
    """The plain facts a score is made from (console.live gathers them: the clock state from console.sla,
    the sentiment scores from the customer's messages, the earlier contacts from the cache)."""

    sla_state: str | None = None
    bounces: int = 0
    customer_scores: tuple[float, ...] = ()  # VADER compound of each customer message, oldest first
    public: bool = False
    earlier_contacts_7d: int = 0
    vulnerable: bool = False


def assess(s: Signals, w: Weights = DEFAULT_WEIGHTS) -> Risk:
    scores = s.customer_scores
    return assess_facts(
        s.sla_state,
        s.bounces,
        sentiment.worsening(scores) is not None,
        bool(scores) and scores[-1] <= sentiment.ANGRY,
        s.public,
        s.earlier_contacts_7d,
        s.vulnerable,
        w,
    )


@functools.lru_cache(maxsize=4096)
def assess_facts(
    sla_state: str | None,
    bounces: int,
    worsening: bool,
    very_negative: bool,
    public: bool,
    earlier: int,
    vulnerable: bool,
    w: Weights = DEFAULT_WEIGHTS,
) -> Risk:
    """The score from the facts (few distinct combinations: cached, and a Risk is immutable)."""
    reasons: list[Reason] = []
    if sla_state and (pts := w.sla.get(sla_state, 0)):
        reasons.append(Reason(_SLA_WORDS.get(sla_state, sla_state.replace("_", " ")), pts))
    if bounces >= 2:
        pts = min(w.reassignment_cap, w.per_reassignment * (bounces - 1))
        reasons.append(Reason(f"{bounces} reassignments", pts))
    if worsening:
        reasons.append(Reason("customer's mood worsening", w.worsening))
    if very_negative:
        reasons.append(Reason("very negative message", w.very_negative))
    if public:
        reasons.append(Reason("public post", w.public))
    if earlier > 0:
        pts = min(w.repeat_cap, w.repeat_contact + w.repeat_each_more * (earlier - 1))
        said = (
            "wrote to us before within 7 days"
            if earlier == 1
            else f"wrote to us {earlier} times before within 7 days"
        )
        reasons.append(Reason(said, pts))
    if vulnerable:
        reasons.append(Reason("vulnerable customer", w.vulnerable))
    if not reasons:
        return NO_RISK
    reasons.sort(key=lambda r: -r.points)
    return Risk(min(100, sum(r.points for r in reasons)), tuple(reasons))
