"""`python -m console serve-demo`: run the reference Service API with simulated traffic until Ctrl-C."""

from __future__ import annotations

import argparse
import threading
import time
from datetime import datetime

from console.service.auth import USERS


def _start(text: str) -> float | None:
    if text == "seed":
        return None
    if text == "now":
        return time.time()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--start: expected seed, now or an ISO time, got {text!r}"
        ) from None
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError("--start: give a timezone, e.g. 2026-11-26T09:00Z")
    return parsed.timestamp()


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m console serve-demo", description=__doc__)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (0 picks a free one; default 8765)")
    p.add_argument("--seed", type=int, default=1, help="simulation seed (same seed, same data)")
    p.add_argument("--open", type=int, default=2000, dest="open_enquiries", help="open enquiries at start")
    p.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second (0 freezes)")
    p.add_argument("--faults", default="", help='fault switches, e.g. "5xx=0.1,429=0.05:2,skew=300"')
    p.add_argument(
        "--start", type=_start, default=None, help="simulated start: seed (default), now, or ISO time"
    )
    p.add_argument(
        "--holidays",
        default="",
        metavar="ICS",
        help="the bank's own closures (.ics) on top of public holidays",
    )
    args = p.parse_args(argv)
    if args.open_enquiries < 0 or args.speed < 0 or not 0 <= args.port <= 65535:
        p.error("--open and --speed must not be negative; --port is 0..65535")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    from console.service.faults import parse_spec
    from console.service.server import DemoService

    try:
        parse_spec(args.faults)
    except ValueError as e:
        print(f"--faults: {e}")
        return 2
    feed = None
    if args.holidays:
        from console.domain.ical import IcalError, read_holidays

        try:
            feed = read_holidays(args.holidays)
        except IcalError as e:
            print(f"--holidays: {e}")
            return 2
        print(f"{len(feed.dates())} closed days from {args.holidays}")
        for skipped in feed.skipped:
            print(f"  skipped {skipped}")
    print(f"Simulating {args.open_enquiries} open enquiries (seed {args.seed})...", flush=True)
    service = DemoService(
        seed=args.seed,
        open_enquiries=args.open_enquiries,
        speed=args.speed,
        faults=args.faults,
        host=args.host,
        port=args.port,
        start_at=args.start,
    )
    if feed is not None:
        from console.service.sim.world import add_closures

        add_closures(service.sim.world, feed)
    try:
        url = service.start()
    except OSError as e:
        print(f"Cannot listen on {args.host}:{args.port}: {e.strerror or e}")
        return 1
    print(f"Concierge reference service at {url}  (spec: {url}/openapi.json)")
    # demo credentials only: they exist to be printed
    for user, (password, scopes) in USERS.items():
        print(f"  user {user!r} password {password!r} scopes {', '.join(scopes)}")
    print("Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("Stopping.")
    finally:
        service.stop()
    return 0
