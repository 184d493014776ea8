"""Routing: may this enquiry go to that team or agent, and if not, why.

The hard rules hold in every model: fraud (topic or fraud_risk flag) only to a team owning the "fraud"
topic, complaints (topic or flag) only to a team owning "complaint", vulnerable customers only to teams
with trained_vulnerable, an agent's capacity (unless overridden with a reason), no work for offline agents,
a hand-back from a specialist to the social team needs a reason, and so does any move between teams
once an enquiry has already moved `ping_pong_limit` times (ping-pong; a site setting, 3 by default).
Model rules then say which of the remaining moves fit the site's model:
- one_stop: the social team answers everything; specialists receive only what the hard rules send them.
- concierge: the social team triages; a specialist team receives only topics it owns, and simple work
  (below CONCIERGE_SPECIALIST_COMPLEXITY) sent to a specialist needs a reason.
- hybrid: complexity 1-2 stay with social (a move to a specialist needs a reason), complexity 3 goes
  to the specialist owning the topic.
A verdict is cheap (a few dict lookups) because it runs on every drag-move event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from console.domain.model import CLOSED_STATUSES, ROUTING_MODELS, Agent, Enquiry, Team

FRAUD_TOPIC = "fraud"
COMPLAINT_TOPIC = "complaint"
FRAUD_FLAG = "fraud_risk"
COMPLAINT_FLAG = "complaint"
VULNERABLE_FLAG = "vulnerable"
# Hybrid: this complexity and above goes to the owning specialist (1 simple, 2 standard, 3 complex).
HYBRID_SPECIALIST_COMPLEXITY = 3
# Concierge: the social team keeps simple work; anything from standard upwards goes to the specialist.
CONCIERGE_SPECIALIST_COMPLEXITY = 2
# Moves between teams an enquiry may make before a further one needs a reason (the default setting).
PING_PONG_LIMIT = 3

# Reasons: plain sentences a supervisor reads on a drop. {team} and {agent} are display labels.
R_OK = "Can go to {target}."
R_CLOSED = "This enquiry is {status} and cannot be moved."
R_UNKNOWN_TEAM = "There is no team {team_id!r}; refresh the team list and try again."
R_UNKNOWN_AGENT = "There is no agent {agent_id!r}; refresh the agent list and try again."
R_AGENT_OTHER_TEAM = "{agent} belongs to {agent_team}, not {team}."
R_ALREADY = "This enquiry is already with {target}."
R_FRAUD = "Fraud enquiries may only go to {teams}."
R_FRAUD_NONE = "Fraud enquiries may only go to a fraud team, and no team owns fraud."
R_COMPLAINT = "Complaints may only go to {teams}."
R_COMPLAINT_NONE = "Complaints may only go to a complaints team, and no team owns complaints."
R_VULNERABLE = "Vulnerable customers may only go to teams trained to support them; {team} is not."
R_ONE_STOP = (
    "In the one-stop model the social team answers everything; {team} only takes fraud or complaints."
)
R_NOT_OWNER = "{team} does not handle {topic} enquiries."
R_OFFLINE = "{agent} is offline and cannot take work."
R_CAPACITY = "{agent} is at capacity ({load} of {capacity} enquiries)."
R_CAPACITY_OVERRIDE = "{agent} is at capacity ({load} of {capacity} enquiries); an override needs a reason."
R_HAND_BACK = "Handing back to {team} from a specialist team needs a reason."
R_OFF_MODEL = (
    "In the hybrid model simple and standard enquiries stay with the social team; "
    "sending this one to {team} needs a reason."
)
R_CONCIERGE_SIMPLE = (
    "In the concierge model the social team answers simple enquiries itself; "
    "sending this one to {team} needs a reason."
)
R_PING_PONG = (
    "This enquiry has already moved between teams {bounces} times (ping-pong); another move needs a reason."
)
W_AWAY = "{agent} is away; the enquiry waits until they are back."
W_PING_PONG = (
    "This will be move {bounces} between teams for this enquiry; any further move will need a reason."
)


@dataclass(frozen=True, slots=True)
class Target:
    team_id: str
    agent_id: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: str
    needs_reason: bool = False  # the drop must ask the supervisor why
    warnings: tuple[str, ...] = ()


def team_label(team: Team) -> str:
    """'the Cards team' (or the name as is when it already says team)."""
    name = team.name.strip() or team.id
    return name if name.lower().endswith("team") else f"the {name} team"


def _either(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def _sentence(text: str) -> str:
    # Templates may start with a team label ("the Cards team ..."): a reason starts with a capital.
    return text[:1].upper() + text[1:]


def _refuse(reason: str) -> Verdict:
    return Verdict(False, _sentence(reason))


@dataclass(slots=True)
class _TeamCheck:
    """The part of a verdict that depends on the team only (reused for every agent of it)."""

    refusal: str | None
    asks: list[str]  # sentences saying why a reason is needed
    warnings: list[str]


class Router:
    def __init__(
        self,
        model: str,
        teams: Iterable[Team],
        agents: Iterable[Agent],
        *,
        ping_pong_limit: int = PING_PONG_LIMIT,
    ) -> None:
        if model not in ROUTING_MODELS:
            raise ValueError(f"Unknown routing model {model!r}; expected one of {', '.join(ROUTING_MODELS)}.")
        if isinstance(ping_pong_limit, bool) or not isinstance(ping_pong_limit, int) or ping_pong_limit < 1:
            raise ValueError(
                f"The ping-pong limit must be a whole number of moves, 1 or more, not {ping_pong_limit!r}."
            )
        self.model = model
        self.ping_pong_limit = ping_pong_limit
        self._teams: dict[str, Team] = {}
        self._agents: dict[str, Agent] = {}
        self.update_teams(teams, replace=True)
        self.update_agents(agents, replace=True)

    # -- reference data -------------------------------------------------------------------------------

    def update_teams(self, teams: Iterable[Team], *, replace: bool = False) -> None:
        """Upsert teams by id (replace=True drops the ones not given)."""
        if replace:
            self._teams = {}
        for t in teams:
            self._teams[t.id] = t
        self._labels = {tid: team_label(t) for tid, t in self._teams.items()}
        self._fraud = self._owners(FRAUD_TOPIC)
        self._complaints = self._owners(COMPLAINT_TOPIC)
        self._fraud_reason = self._only_to(self._fraud, R_FRAUD, R_FRAUD_NONE)
        self._complaint_reason = self._only_to(self._complaints, R_COMPLAINT, R_COMPLAINT_NONE)

    def update_agents(self, agents: Iterable[Agent], *, replace: bool = False) -> None:
        """Upsert agents by id: live status and load changes (replace=True drops the ones not given)."""
        if replace:
            self._agents = {}
        for a in agents:
            self._agents[a.id] = a

    def _owners(self, topic: str) -> frozenset[str]:
        return frozenset(tid for tid, t in self._teams.items() if topic in t.topics)

    def _only_to(self, owners: frozenset[str], template: str, none: str) -> str:
        if not owners:
            return none
        return template.format(teams=_either([self._labels[t] for t in self._teams if t in owners]))

    # -- verdicts -------------------------------------------------------------------------------------

    def verdict(self, e: Enquiry, target: Target, *, override_capacity: bool = False) -> Verdict:
        if e.status in CLOSED_STATUSES:
            return _refuse(R_CLOSED.format(status=e.status))
        team = self._teams.get(target.team_id)
        if team is None:
            return _refuse(R_UNKNOWN_TEAM.format(team_id=target.team_id))
        agent: Agent | None = None
        if target.agent_id is not None:
            agent = self._agents.get(target.agent_id)
            if agent is None:
                return _refuse(R_UNKNOWN_AGENT.format(agent_id=target.agent_id))
            if agent.team_id != team.id:
                other = self._teams.get(agent.team_id)
                return _refuse(
                    R_AGENT_OTHER_TEAM.format(
                        agent=agent.name,
                        agent_team=team_label(other) if other else f"team {agent.team_id!r}",
                        team=self._labels[team.id],
                    )
                )
        if team.id == e.team_id and target.agent_id == e.agent_id:
            return _refuse(R_ALREADY.format(target=self._target_label(team, agent)))
        return self._finish(e, team, agent, self._team_check(e, team), override_capacity)

    def allowed_targets(self, e: Enquiry) -> list[tuple[Target, Verdict]]:
        """Every team and every agent (each team followed by its agents), allowed ones first."""
        allowed: list[tuple[Target, Verdict]] = []
        refused: list[tuple[Target, Verdict]] = []
        by_team: dict[str, list[Agent]] = {}
        for a in self._agents.values():
            by_team.setdefault(a.team_id, []).append(a)
        closed = e.status in CLOSED_STATUSES
        for team in self._teams.values():
            check = None if closed else self._team_check(e, team)
            for agent in (None, *by_team.pop(team.id, ())):
                target = Target(team.id, agent.id if agent else None)
                if check is None or (team.id == e.team_id and target.agent_id == e.agent_id):
                    v = self.verdict(e, target)
                else:
                    v = self._finish(e, team, agent, check, False)
                (allowed if v.allowed else refused).append((target, v))
        for orphans in by_team.values():  # agents of a team we do not know
            for a in orphans:
                target = Target(a.team_id, a.id)
                refused.append((target, self.verdict(e, target)))
        return allowed + refused

    def suggest(self, e: Enquiry) -> Target | None:
        """The team the model would send the enquiry to (it may be where it is now); None if no team fits."""
        if e.status in CLOSED_STATUSES:
            return None
        for team in self._preferred(e):
            if self._team_check(e, team).refusal is None:
                return Target(team.id)
        return None

    # -- internals ------------------------------------------------------------------------------------

    def _preferred(self, e: Enquiry) -> list[Team]:
        teams = list(self._teams.values())
        social = [t for t in teams if t.kind == "social"]
        owners = [t for t in teams if t.kind == "specialist" and e.topic in t.topics]
        if self._is_fraud(e):
            return [self._teams[t] for t in self._teams if t in self._fraud]
        if self._is_complaint(e):
            return [self._teams[t] for t in self._teams if t in self._complaints]
        if self.model == "concierge" and e.complexity >= CONCIERGE_SPECIALIST_COMPLEXITY:
            return owners + social
        if self.model == "hybrid" and e.complexity >= HYBRID_SPECIALIST_COMPLEXITY:
            return owners + social
        return social

    @staticmethod
    def _is_fraud(e: Enquiry) -> bool:
        return e.topic == FRAUD_TOPIC or FRAUD_FLAG in e.flags

    @staticmethod
    def _is_complaint(e: Enquiry) -> bool:
        return e.topic == COMPLAINT_TOPIC or COMPLAINT_FLAG in e.flags

    def _team_check(self, e: Enquiry, team: Team) -> _TeamCheck:
        asks: list[str] = []
        warnings: list[str] = []
        label = self._labels[team.id]
        # Hard rules first: they hold in every model and decide the team on their own.
        hard = False
        if self._is_fraud(e):
            if team.id not in self._fraud:
                return _TeamCheck(self._fraud_reason, asks, warnings)
            hard = True
        elif self._is_complaint(e):
            if team.id not in self._complaints:
                return _TeamCheck(self._complaint_reason, asks, warnings)
            hard = True
        if VULNERABLE_FLAG in e.flags and not team.trained_vulnerable:
            return _TeamCheck(R_VULNERABLE.format(team=label), asks, warnings)
        moving_team = team.id != e.team_id
        # Model rules only judge moves between teams: picking an agent inside the team is the team's call.
        if moving_team and not hard and team.kind == "specialist":
            if self.model == "one_stop":
                return _TeamCheck(R_ONE_STOP.format(team=label), asks, warnings)
            if e.topic not in team.topics:
                return _TeamCheck(R_NOT_OWNER.format(team=label, topic=e.topic), asks, warnings)
            current = self._teams.get(e.team_id) if e.team_id else None
            # A vulnerable customer on a team not trained for them must move: that needs no reason.
            must_move = VULNERABLE_FLAG in e.flags and current is not None and not current.trained_vulnerable
            if self.model == "hybrid" and e.complexity < HYBRID_SPECIALIST_COMPLEXITY and not must_move:
                asks.append(R_OFF_MODEL.format(team=label))
            if self.model == "concierge" and e.complexity < CONCIERGE_SPECIALIST_COMPLEXITY and not must_move:
                asks.append(R_CONCIERGE_SIMPLE.format(team=label))
        if moving_team and team.kind == "social":
            current = self._teams.get(e.team_id) if e.team_id else None
            if current is not None and current.kind == "specialist":
                asks.append(R_HAND_BACK.format(team=label))
        if moving_team and e.team_id is not None:
            if e.bounces >= self.ping_pong_limit:
                asks.append(R_PING_PONG.format(bounces=e.bounces))
            elif e.bounces + 1 == self.ping_pong_limit:
                warnings.append(W_PING_PONG.format(bounces=e.bounces + 1))
        return _TeamCheck(None, asks, warnings)

    def _finish(
        self, e: Enquiry, team: Team, agent: Agent | None, check: _TeamCheck, override_capacity: bool
    ) -> Verdict:
        if check.refusal is not None:
            return _refuse(check.refusal)
        asks = check.asks
        warnings = check.warnings
        if agent is not None:
            if agent.status == "offline":
                return _refuse(R_OFFLINE.format(agent=agent.name))
            if agent.load >= agent.capacity:
                fields = {"agent": agent.name, "load": agent.load, "capacity": agent.capacity}
                if not override_capacity:
                    return _refuse(R_CAPACITY.format(**fields))
                asks = [*asks, R_CAPACITY_OVERRIDE.format(**fields)]
            if agent.status == "away":
                warnings = [*warnings, W_AWAY.format(agent=agent.name)]
        if asks:
            return Verdict(True, " ".join(_sentence(a) for a in asks), True, tuple(warnings))
        return Verdict(True, R_OK.format(target=self._target_label(team, agent)), False, tuple(warnings))

    def _target_label(self, team: Team, agent: Agent | None) -> str:
        label = self._labels[team.id]
        return label if agent is None else f"{agent.name} in {label}"
