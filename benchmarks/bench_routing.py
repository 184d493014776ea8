"""Routing cost per drag-move event: one verdict and allowed_targets with 8 teams and 200 agents,
beside a raw baseline (a bare dict lookup + comparison) timed the same way in the same run.

Run: .venv/bin/python benchmarks/bench_routing.py
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

from console.domain.model import Agent, Enquiry, Team
from console.domain.routing import Router, Target

N_VERDICTS = 100_000
N_TARGETS = 2_000


def world() -> tuple[list[Team], list[Agent]]:
    teams = [
        Team("soc1", "Social North", "social", ("general", "cards", "accounts"), "c", True),
        Team("soc2", "Social South", "social", ("general", "payments"), "c", True),
        Team("cards", "Cards", "specialist", ("cards", "payments"), "c"),
        Team("lend", "Lending", "specialist", ("lending",), "c", True),
        Team("mort", "Mortgages", "specialist", ("mortgages",), "c", True),
        Team("acc", "Accounts", "specialist", ("accounts",), "c"),
        Team("fraud", "Fraud", "specialist", ("fraud",), "c", True),
        Team("comp", "Complaints", "specialist", ("complaint",), "c", True),
    ]
    rng = random.Random(7)
    statuses = ("available", "available", "busy", "away", "offline")
    agents = [
        Agent(f"a{i}", f"Agent {i}", teams[i % 8].id, rng.choice(statuses), 3, rng.randint(0, 3))
        for i in range(200)
    ]
    return teams, agents


def enquiries(n: int) -> list[Enquiry]:
    rng = random.Random(11)
    topics = ("general", "cards", "lending", "mortgages", "accounts", "payments", "fraud", "complaint")
    flag_sets = ((), (), (), ("vulnerable",), ("fraud_risk",), ("complaint",))
    return [
        Enquiry(
            id=f"e{i}", channel="x", visibility="public", customer_handle="@c", customer_name="C", text="",
            topic=rng.choice(topics), complexity=rng.randint(1, 3), flags=frozenset(rng.choice(flag_sets)),
            priority="normal", status="open", team_id=rng.choice(("soc1", "cards", "lend", None)),
            agent_id=None, created_at=0.0, version=1, updated_at=0.0, bounces=rng.randint(0, 3),
        )
        for i in range(n)
    ]  # fmt: skip


def timed(calls: list[Callable[[], object]]) -> list[float]:
    """Per-call wall time in microseconds."""
    out = []
    clock = time.perf_counter_ns
    for call in calls:
        t0 = clock()
        call()
        out.append((clock() - t0) / 1000)
    return out


def figures(label: str, samples: list[float]) -> str:
    samples.sort()
    p99 = samples[int(len(samples) * 0.99)]
    return f"{label:<44} median {statistics.median(samples):8.2f} us   p99 {p99:8.2f} us"


def main() -> None:
    teams, agents = world()
    router = Router("hybrid", teams, agents)
    es = enquiries(1000)
    rng = random.Random(3)
    targets = [Target(t.id) for t in teams] + [Target(a.team_id, a.id) for a in agents]
    pairs = [(es[rng.randrange(len(es))], targets[rng.randrange(len(targets))]) for _ in range(N_VERDICTS)]

    # Raw baseline: the least a verdict could do (find the team, compare one field).
    team_map = {t.id: t for t in teams}
    baseline = timed([lambda e=e, t=t: team_map[t.team_id].kind == e.topic for e, t in pairs])
    verdicts = timed([lambda e=e, t=t: router.verdict(e, t) for e, t in pairs])
    sample = es[:N_TARGETS] if len(es) >= N_TARGETS else (es * (N_TARGETS // len(es) + 1))[:N_TARGETS]
    baseline_all = timed([lambda e=e: [team_map[t.team_id].kind == e.topic for t in targets] for e in sample])
    listing = timed([lambda e=e: router.allowed_targets(e) for e in sample])
    suggest = timed([lambda e=e: router.suggest(e) for e in es])

    allowed = sum(router.verdict(e, t).allowed for e, t in pairs[:10_000])
    print(f"8 teams, 200 agents, hybrid model; {allowed / 100:.0f}% of sampled moves allowed")
    print(figures(f"baseline: dict lookup + compare (x{N_VERDICTS})", baseline))
    print(figures(f"Router.verdict (x{N_VERDICTS})", verdicts))
    print(figures(f"baseline: 208 lookups + compares (x{N_TARGETS})", baseline_all))
    print(figures(f"Router.allowed_targets, 208 targets (x{N_TARGETS})", listing))
    print(figures("Router.suggest (x1000)", suggest))
    print("bar: one verdict <= 100 us")


if __name__ == "__main__":
    main()
