"""A small floor for routing: five teams (a social team and four specialist teams) and seven agents in
every status, and an enquiry factory."""

from __future__ import annotations

from console.domain.model import Agent, Enquiry, Team

TEAMS = [
    Team(
        "soc", "Social", "social", ("general", "cards", "lending", "accounts"), "cal", trained_vulnerable=True
    ),
    Team("cards", "Cards", "specialist", ("cards", "payments"), "cal"),
    Team("lend", "Lending", "specialist", ("lending", "mortgages"), "cal", trained_vulnerable=True),
    Team("fraud", "Fraud", "specialist", ("fraud",), "cal", trained_vulnerable=True),
    Team("comp", "Complaints", "specialist", ("complaint",), "cal", trained_vulnerable=True),
]
AGENTS = [
    Agent("ann", "Ann Lee", "soc", "available", 3, 1),
    Agent("bob", "Bob Roy", "soc", "busy", 3, 3),
    Agent("cat", "Cat Ng", "cards", "available", 2, 0),
    Agent("dan", "Dan Ito", "cards", "away", 2, 0),
    Agent("eve", "Eve Ash", "cards", "offline", 2, 0),
    Agent("fay", "Fay Oz", "fraud", "available", 2, 0),
    Agent("gus", "Gus Fe", "lend", "available", 2, 0),
]


def enq(
    topic: str = "cards",
    *,
    flags: tuple[str, ...] = (),
    complexity: int = 2,
    team: str | None = "soc",
    agent: str | None = None,
    status: str = "open",
    bounces: int = 0,
) -> Enquiry:
    return Enquiry(
        id="e1",
        channel="x",
        visibility="private",
        customer_handle="@c",
        customer_name="C",
        text="hi",
        topic=topic,
        complexity=complexity,
        flags=frozenset(flags),
        priority="normal",
        status=status,
        team_id=team,
        agent_id=agent,
        created_at=0.0,
        version=1,
        updated_at=0.0,
        bounces=bounces,
    )
