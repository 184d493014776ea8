"""The reference service over loopback: the simulation, the compacted feed, long-poll, tombstones,
messages, reassignment and the serve-demo command."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

import requests

from console.domain import wire
from console.service.server import DemoService
from console.service.sim.clock import start_for_seed
from console.service.sim.simulator import Simulator
from console.service.sim.world import LONDON

Make = Callable[..., DemoService]
Bearer = Callable[..., dict[str, str]]


def read_feed(
    svc: DemoService, headers: dict[str, str], cursor: str = "", limit: int = 500
) -> tuple[list[Any], str]:
    items: list[Any] = []
    while True:
        resp = requests.get(
            f"{svc.url}/v1/changes", params={"cursor": cursor, "limit": str(limit)}, headers=headers
        )
        assert resp.status_code == 200, resp.text
        page = resp.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return items, cursor


def test_same_seed_same_world_and_stepping_does_not_change_the_outcome(fresh_service: Make) -> None:
    a, b = fresh_service(seed=11, open_enquiries=120), fresh_service(seed=11, open_enquiries=120)
    assert a.snapshot() == b.snapshot()
    a.advance(3 * 3600)
    for _ in range(6):
        b.advance(1800)
    snap = a.snapshot()
    assert snap == b.snapshot()
    assert snap != fresh_service(seed=12, open_enquiries=120).snapshot()
    with a.sim.store.lock:
        assert [m.text for m in a.sim.messages(a.sim.store.enquiries[next(iter(snap))])]


def test_the_backlog_is_realistic(fresh_service: Make) -> None:
    svc = fresh_service(seed=7, open_enquiries=2000)
    records = [wire.enquiry_from_wire(r) for r in svc.snapshot().values()]
    assert len(records) == 2000 and all(e.is_open for e in records)
    channels = Counter(e.channel for e in records)
    assert {"x", "facebook", "instagram", "whatsapp", "linkedin", "threads"} <= set(channels)
    assert channels["x"] > channels["linkedin"] > channels["threads"]
    assert {e.visibility for e in records if e.channel == "whatsapp"} == {"private"}
    x_public = sum(e.visibility == "public" for e in records if e.channel == "x") / channels["x"]
    assert x_public > 0.7
    assert {e.status for e in records} == {"new", "open", "waiting_customer", "pending_specialist"}
    assert {e.complexity for e in records} == {1, 2, 3}
    vulnerable = sum("vulnerable" in e.flags for e in records) / len(records)
    assert 0.01 < vulnerable < 0.06
    assert all(
        e.team_id == "fraud" for e in records if e.topic == "fraud" and e.status == "pending_specialist"
    )
    texts = " ".join(e.text for e in records)
    assert re.search(r"\b4\d{3} \d{4} \d{4} \d{4}\b", texts) and re.search(r"\d\d-\d\d-\d\d", texts)
    assert "@example.com" in texts and "07700 900" in texts
    assert "<a href=" in texts or "<img" in texts or "<b>" in texts
    for e in records:
        assert e.created_at <= (e.first_response_at or e.created_at) <= e.updated_at
        if e.status == "waiting_customer":
            assert e.pauses and e.pauses[-1][1] is None
    agents = svc.sim.world.agents.values()
    assert all(3 <= a.capacity <= 8 and 0 <= a.load <= a.capacity for a in agents)


def test_reference_data(demo_service: DemoService, bearer: Bearer) -> None:
    h = bearer(demo_service, "wallboard")

    def get(kind: str) -> list[Any]:
        items: list[Any] = requests.get(f"{demo_service.url}/v1/{kind}", headers=h).json()["items"]
        return items

    teams = [wire.team_from_wire(t) for t in get("teams")]
    assert sum(t.kind == "social" for t in teams) == 1 and sum(t.kind == "specialist" for t in teams) >= 5
    fraud = next(t for t in teams if "fraud" in t.topics)
    assert fraud.trained_vulnerable and fraud.calendar_id == "cal-24x7"
    agents = [wire.agent_from_wire(a) for a in get("agents")]
    assert sum(a.team_id == "social" for a in agents) == 20
    # busy means every slot taken: a calm floor may have nobody busy
    assert (
        {"available", "away", "offline"}
        <= {a.status for a in agents}
        <= {"available", "busy", "away", "offline"}
    )
    calendars = {c.id: c for c in map(wire.calendar_from_wire, get("calendars"))}
    assert calendars["cal-24x7"].always_open
    business = calendars["cal-business"]
    assert business.timezone == "Europe/London" and business.public_holidays == "GB-ENG"
    assert calendars["cal-social"].annual_closures == frozenset({"12-25"})
    assert len(calendars["cal-complaints"].hours[0]) == 2  # a split day
    policies = [wire.policy_from_wire(p) for p in get("sla-policies")]
    assert any(p.topic == "fraud" and p.calendar_id == "cal-24x7" for p in policies)
    shifts = [wire.shift_from_wire(s) for s in get("shifts")]
    assert {s.name.split()[0] for s in shifts} == {"Early", "Late", "Night"}
    assert [c["id"] for c in get("channels")] == ["x", "facebook", "instagram", "whatsapp", "linkedin"]


def test_the_feed_pages_to_every_record_once(demo_service: DemoService, bearer: Bearer) -> None:
    h = bearer(demo_service, "wallboard")
    items, _ = read_feed(demo_service, h, limit=37)
    ids = [i["enquiry"]["id"] for i in items if i["op"] == "upsert"]
    assert len(ids) == len(set(ids))
    snap = demo_service.snapshot()
    assert set(ids) == set(snap)
    assert {i["enquiry"]["id"]: i["enquiry"] for i in items if i["op"] == "upsert"} == snap
    seqs = [i["seq"] for i in items]
    assert seqs == sorted(seqs)


def test_the_feed_is_compacted_and_resumes_from_a_cursor(fresh_service: Make, bearer: Bearer) -> None:
    svc = fresh_service(open_enquiries=30)
    h = bearer(svc)
    _, cursor = read_feed(svc, h)
    target = next(iter(svc.snapshot()))
    for n in range(5):
        svc.update_enquiry(target, priority=("low", "high")[n % 2])
    added = svc.add_enquiry(topic="cards")
    items, cursor2 = read_feed(svc, h, cursor)
    assert [(i["enquiry"]["id"], i["enquiry"]["version"]) for i in items] == [
        (target, svc.snapshot()[target]["version"]),
        (added["id"], 0),
    ]
    everything, _ = read_feed(svc, h)
    assert Counter(i["enquiry"]["id"] for i in everything)[target] == 1
    assert read_feed(svc, h, cursor2)[0] == []


def test_a_long_poll_wakes_on_a_change_and_times_out_without_one(fresh_service: Make, bearer: Bearer) -> None:
    svc = fresh_service(open_enquiries=10)
    h = bearer(svc)
    _, cursor = read_feed(svc, h)
    started = time.monotonic()
    empty = requests.get(f"{svc.url}/v1/changes", params={"cursor": cursor, "wait": "0.3"}, headers=h).json()
    assert empty["items"] == [] and time.monotonic() - started >= 0.3
    result: list[Any] = []
    polling = threading.Event()

    def poll() -> None:
        polling.set()
        url = f"{svc.url}/v1/changes"
        result.append(requests.get(url, params={"cursor": cursor, "wait": "30"}, headers=h).json())

    thread = threading.Thread(target=poll)
    thread.start()
    polling.wait(5)
    added = svc.add_enquiry()
    thread.join(30)
    assert [i["enquiry"]["id"] for i in result[0]["items"]] == [added["id"]]


def test_stop_releases_a_waiting_long_poll(fresh_service: Make, bearer: Bearer) -> None:
    svc = fresh_service(open_enquiries=5)
    h = bearer(svc)
    _, cursor = read_feed(svc, h)
    answers: list[int] = []
    thread = threading.Thread(
        target=lambda: answers.append(
            requests.get(
                f"{svc.url}/v1/changes", params={"cursor": cursor, "wait": "60"}, headers=h
            ).status_code
        )
    )
    thread.start()
    deadline = time.monotonic() + 5
    while not svc.sim.store.changed._waiters and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)
    svc.stop()
    thread.join(10)
    assert answers == [200] and not thread.is_alive()


def test_cursors_from_elsewhere_are_gone(demo_service: DemoService, bearer: Bearer) -> None:
    h = bearer(demo_service)
    for cursor in ("abc.5", "garbage", f"{demo_service.sim.store.instance}.999999999"):
        resp = requests.get(f"{demo_service.url}/v1/changes", params={"cursor": cursor}, headers=h)
        assert resp.status_code == 410 and resp.headers["Content-Type"].startswith("application/problem+json")
    for bad in ({"limit": "0"}, {"limit": "5001"}, {"wait": "61"}, {"limit": "x"}):
        assert requests.get(f"{demo_service.url}/v1/changes", params=bad, headers=h).status_code == 422


def test_tombstones_for_deletions_and_merges(fresh_service: Make, bearer: Bearer) -> None:
    svc = fresh_service(open_enquiries=10)
    h = bearer(svc)
    _, cursor = read_feed(svc, h)
    a, b, c = list(svc.snapshot())[:3]
    svc.delete_enquiry(a)
    svc.delete_enquiry(b, merged_into=c)
    items, _ = read_feed(svc, h, cursor)
    assert [(i["op"], i["id"], i["reason"], i["merged_into"]) for i in items] == [
        ("delete", a, "deleted", None),
        ("delete", b, "merged", c),
    ]
    gone = requests.get(f"{svc.url}/v1/enquiries/{b}", headers=h)
    assert gone.status_code == 404 and gone.json()["merged_into"] == c
    assert a not in svc.snapshot()


def test_time_moves_the_simulation(fresh_service: Make, bearer: Bearer) -> None:
    svc = fresh_service(seed=3, open_enquiries=200)
    h = bearer(svc)
    before = svc.snapshot()
    t0 = requests.get(f"{svc.url}/v1/time").json()["now"]
    svc.advance(8 * 3600)
    assert wire.ts(requests.get(f"{svc.url}/v1/time").json()["now"], "now") - wire.ts(t0, "now") == 8 * 3600
    items, _ = read_feed(svc, h)
    after = {i["enquiry"]["id"]: wire.enquiry_from_wire(i["enquiry"]) for i in items if i["op"] == "upsert"}
    arrivals = set(after) - set(before)
    assert len(arrivals) > 5
    statuses = Counter(e.status for e in after.values())
    assert statuses["resolved"] + statuses["closed"] > 10
    # hand-offs happen as time passes (and are accepted, so none need still be pending)
    assert any((e.handoff_requested_at or 0) > wire.ts(t0, "now") for e in after.values())
    assert any(
        e.handoff_accepted_at
        for i, e in after.items()
        if before.get(i, {}).get("handoff_accepted_at") is None
    )
    assert any(len(e.pauses) and e.pauses[0][1] is not None for e in after.values())
    assert any(e.outcome.get("resolved") for e in after.values())
    deleted = [i for i in items if i["op"] == "delete"]
    assert all(i["reason"] in ("deleted", "merged") for i in deleted)
    for ident, e in after.items():
        if ident in before:
            assert e.version >= before[ident]["version"]
    e = next(e for i, e in after.items() if i in arrivals and e.first_response_at)
    msgs = requests.get(f"{svc.url}/v1/enquiries/{e.id}/messages", headers=h).json()["items"]
    assert [m["direction"] for m in msgs][:2] == ["in", "out"]
    assert [m["sent_at"] for m in msgs] == sorted(m["sent_at"] for m in msgs)


def test_arrivals_follow_the_daily_curve() -> None:
    sim = Simulator(seed=5, open_enquiries=0, start=start_for_seed(5))
    sim.peak_per_hour = 200
    by_hour: Counter[int] = Counter()
    t = sim.now
    for _ in range(6000):
        t = sim._draw_arrival(t)
        by_hour[datetime.fromtimestamp(t, LONDON).hour] += 1
    assert by_hour[11] > 4 * by_hour[3] and by_hour[19] > 4 * by_hour[4]


def test_messages_match_the_enquiry(demo_service: DemoService, bearer: Bearer) -> None:
    h = bearer(demo_service)
    for ident, rec in list(demo_service.snapshot().items())[:40]:
        msgs = requests.get(f"{demo_service.url}/v1/enquiries/{ident}/messages", headers=h).json()["items"]
        parsed = [wire.message_from_wire(m) for m in msgs]
        last_in = [m for m in parsed if m.direction == "in"][-1]
        assert last_in.text == rec["text"] and parsed[0].direction == "in"
        assert [m.sent_at for m in parsed] == sorted(m.sent_at for m in parsed)
    assert requests.get(f"{demo_service.url}/v1/enquiries/nope/messages", headers=h).status_code == 404


def assign(svc: DemoService, h: dict[str, str], ident: str, body: dict[str, Any], **headers: str) -> Any:
    return requests.post(f"{svc.url}/v1/enquiries/{ident}/assignment", json=body, headers={**h, **headers})


def test_reassignment_rules(fresh_service: Make, bearer: Bearer) -> None:
    svc = fresh_service(open_enquiries=5)
    h = bearer(svc)
    e = svc.add_enquiry(topic="cards", flags=frozenset(), complexity=2)
    body = {"team_id": "cards", "agent_id": None, "reason": "", "actor": "sup1"}
    assert assign(svc, h, e["id"], body, **{"Idempotency-Key": "k0"}).status_code == 412
    assert assign(svc, h, e["id"], body, **{"If-Match": '"0"'}).status_code == 422
    assert (
        assign(
            svc, bearer(svc, "wallboard"), e["id"], body, **{"If-Match": '"0"', "Idempotency-Key": "v"}
        ).status_code
        == 403
    )
    first = assign(svc, h, e["id"], body, **{"If-Match": '"0"', "Idempotency-Key": "k1"})
    assert first.status_code == 200
    result = first.json()
    assert result["enquiry"]["team_id"] == "cards" and result["enquiry"]["version"] == 1
    assert result["enquiry"]["status"] == "pending_specialist" and result["enquiry"]["handoff_requested_at"]
    assert result["assignment"]["from_team"] == "social" and result["assignment"]["actor"] == "sup1"
    replay = assign(svc, h, e["id"], body, **{"If-Match": '"0"', "Idempotency-Key": "k1"})
    assert replay.status_code == 200 and replay.content == first.content
    assert svc.snapshot()[e["id"]]["version"] == 1  # done once
    svc.update_enquiry(e["id"], priority="high")  # someone else changes it (actor "test")
    late = assign(
        svc,
        h,
        e["id"],
        {**body, "team_id": "social", "reason": "back"},
        **{"If-Match": '"1"', "Idempotency-Key": "k2"},
    )
    assert late.status_code == 409
    current = late.json()["current"]
    assert current["version"] == 2 and current["moved_by"] == "test" and current["team_id"] == "cards"
    fraud = svc.add_enquiry(topic="fraud", flags=frozenset({"fraud_risk"}))
    refused = assign(svc, h, fraud["id"], body, **{"If-Match": '"0"', "Idempotency-Key": "k3"})
    assert refused.status_code == 422
    assert refused.json()["detail"] == "Fraud enquiries may only go to the Fraud team."
    back = assign(
        svc, h, e["id"], {**body, "team_id": "social"}, **{"If-Match": '"2"', "Idempotency-Key": "k4"}
    )
    assert back.status_code == 422 and "needs a reason" in back.json()["detail"]
    moved_back = assign(svc, h, e["id"], {**body, "team_id": "social", "reason": "not a card issue"},
                        **{"If-Match": '"2"', "Idempotency-Key": "k5"})  # fmt: skip
    assert moved_back.status_code == 200 and moved_back.json()["enquiry"]["bounces"] == 2
    history = requests.get(f"{svc.url}/v1/enquiries/{e['id']}/assignments", headers=h).json()["items"]
    assert [a["result"] for a in history] == ["accepted", "conflict", "rejected", "accepted"]
    since = requests.get(f"{svc.url}/v1/assignments", params={"since": "2000-01-01T00:00:00Z"}, headers=h)
    assert len(since.json()["items"]) == 5
    future = requests.get(f"{svc.url}/v1/assignments", params={"since": "2100-01-01T00:00:00Z"}, headers=h)
    assert future.json()["items"] == []


def test_agent_status(fresh_service: Make, bearer: Bearer) -> None:
    svc = fresh_service(open_enquiries=5)
    url = f"{svc.url}/v1/agents/ag-cards-01/status"
    assert requests.put(url, json={"status": "away"}, headers=bearer(svc, "wallboard")).status_code == 403
    done = requests.put(url, json={"status": "offline"}, headers=bearer(svc))
    assert done.status_code == 200 and done.json()["status"] == "offline"
    assert requests.put(url, json={"status": "asleep"}, headers=bearer(svc)).status_code == 422
    assert (
        requests.put(
            f"{svc.url}/v1/agents/nobody/status", json={"status": "away"}, headers=bearer(svc)
        ).status_code
        == 404
    )
    agents = requests.get(f"{svc.url}/v1/agents", headers=bearer(svc)).json()["items"]
    assert next(a for a in agents if a["id"] == "ag-cards-01")["status"] == "offline"


def test_unknown_paths_and_methods_are_problems(demo_service: DemoService) -> None:
    resp = requests.get(f"{demo_service.url}/v2/nothing")
    assert resp.status_code == 404 and resp.json()["status"] == 404
    resp = requests.delete(f"{demo_service.url}/v1/time")
    assert resp.status_code == 405 and resp.headers["Allow"] == "GET"


def test_keep_alive_serves_many_requests_on_one_connection(demo_service: DemoService) -> None:
    with requests.Session() as s:
        for _ in range(20):
            assert s.get(f"{demo_service.url}/v1/time").status_code == 200
        assert s.get(f"{demo_service.url}/v1/time").raw.version == 11


def test_serve_demo_command_prints_url_and_credentials_and_stops_on_ctrl_c() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "serve-demo", "--port", "0", "--open", "20", "--speed", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not any("Ctrl-C" in line for line in lines):
            line = proc.stdout.readline()
            assert line, "serve-demo exited early"
            lines.append(line)
        out = "".join(lines)
        url = re.search(r"http://127\.0\.0\.1:\d+", out)
        assert url and "demo-supervisor" in out and "demo-viewer" in out
        assert json.loads(requests.get(f"{url.group(0)}/v1/time").text)["now"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_serve_demo_refuses_bad_options() -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "console", "serve-demo", "--faults", "boom=1"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "unknown fault" in bad.stdout


def test_a_running_clock_drives_the_simulation_in_the_background(fresh_service: Make) -> None:
    svc = fresh_service(open_enquiries=50, speed=1200)  # 20 simulated minutes per real second
    store = svc.sim.store
    with store.lock:
        seq, started = store.seq, svc.sim.now
        assert store.changed.wait_for(lambda: store.seq > seq + 5, timeout=20)
        assert svc.sim.now - started >= 60  # simulated seconds went by


def test_the_feed_compacts_itself_and_cursors_stay_valid() -> None:
    sim = Simulator(seed=2, open_enquiries=3, start=start_for_seed(2))
    store = sim.store
    a, b, c = list(store.enquiries)
    with store.lock:
        old_cursor = store.seq
        for _ in range(10_010):
            sim.update(a, {"priority": "high"})
        sim.update(b, {"priority": "low"})
        assert len(store._seqs) < 20  # stale entries dropped (10,013 changes made)
        page = store.page(old_cursor, 100)
        assert [ident for _, ident, _ in page.entries] == [a, b] and not page.has_more
        assert [ident for _, ident, _ in store.page(0, 100).entries] == [c, a, b]
