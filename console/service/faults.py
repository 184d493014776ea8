"""Fault switches of the reference service: seeded, changeable at run time from any thread.

Spec string: comma-separated `name=probability[:parameter]`, e.g.
"5xx=0.1,429=0.05:2,slow=0.1:1.5,drop=0.05,malformed=0.02,invalid=0.02,dup=0.1,reorder=0.1,skew=300".
The parameter is Retry-After seconds for 429 and the delay in seconds for slow; skew takes no probability,
only seconds (the server clock runs that far from the simulated one). Faults never touch /openapi.json
or /_admin.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

# name -> default parameter (None: the switch takes none)
KNOWN: dict[str, float | None] = {
    "5xx": None,
    "429": 1.0,
    "slow": 1.0,
    "drop": None,
    "malformed": None,
    "invalid": None,
    "dup": None,
    "reorder": None,
}


@dataclass(frozen=True, slots=True)
class Switch:
    probability: float
    parameter: float | None


def parse_spec(spec: str) -> tuple[dict[str, Switch], float]:
    """(switches, skew seconds) from a spec string, or ValueError with a sentence naming the bad part."""
    switches: dict[str, Switch] = {}
    skew = 0.0
    for raw in spec.split(","):
        part = raw.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip().lower()
        if not sep:
            raise ValueError(f"fault {part!r}: expected name=value")
        try:
            if name == "skew":
                skew = float(value)
                continue
            if name not in KNOWN:
                raise ValueError(f"unknown fault {name!r} (known: {', '.join([*KNOWN, 'skew'])})")
            prob_text, _, param_text = value.partition(":")
            probability = float(prob_text)
            parameter = float(param_text) if param_text else KNOWN[name]
        except ValueError as e:
            if "unknown fault" in str(e):
                raise
            raise ValueError(f"fault {part!r}: not a number") from None
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"fault {part!r}: probability must be between 0 and 1")
        if parameter is not None and parameter < 0:
            raise ValueError(f"fault {part!r}: parameter must not be negative")
        switches[name] = Switch(probability, parameter)
    return switches, skew


class FaultSwitches:
    """Thread-safe switches with their own seeded generator (so faults never disturb the simulation)."""

    def __init__(self, spec: str = "", *, seed: int = 1) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(f"faults:{seed}")
        self._switches: dict[str, Switch] = {}
        self._skew = 0.0
        self.set(spec)

    def set(self, spec: str) -> None:
        """Replace every switch with the ones in spec (an empty spec clears them)."""
        switches, skew = parse_spec(spec)
        with self._lock:
            self._switches, self._skew = switches, skew

    def clear(self) -> None:
        self.set("")

    @property
    def skew(self) -> float:
        with self._lock:
            return self._skew

    def spec(self) -> str:
        with self._lock:
            parts = [
                f"{n}={s.probability:g}" + (f":{s.parameter:g}" if s.parameter is not None else "")
                for n, s in self._switches.items()
            ]
            if self._skew:
                parts.append(f"skew={self._skew:g}")
        return ",".join(parts)

    def roll(self, name: str) -> float | None:
        """The switch's parameter (or 0.0) when it fires on this request, else None."""
        with self._lock:
            switch = self._switches.get(name)
            if switch is None or switch.probability <= 0.0:
                return None
            if self._rng.random() >= switch.probability:
                return None
            return 0.0 if switch.parameter is None else switch.parameter

    def choice(self, n: int) -> int:
        """A seeded index in range(n), for picking which feed item a fault hits."""
        with self._lock:
            return self._rng.randrange(n)
