"""An enquiry for the detail pane whose every customer field is hostile markup."""

from __future__ import annotations

from dataclasses import replace

from console.domain.model import Enquiry

NOW = 1_795_000_000.0
HOSTILE = (
    "<b>bold</b> <a href='http://evil.example/x'>click</a> <img src='http://evil.example/p.png'> "
    "&lt;escaped&gt; <qt><h1>Big</h1></qt> <script>alert(1)</script>"
)


def enq(ident: str = "enq-1", **kw: object) -> Enquiry:
    base = Enquiry(
        id=ident,
        channel="x",
        visibility="public",
        customer_handle="@jo_bloggs",
        customer_name="<i>Jo</i> Bloggs",
        text=HOSTILE,
        topic="cards",
        complexity=2,
        flags=frozenset({"vulnerable"}),
        priority="high",
        status="open",
        team_id="cards",
        agent_id="a1",
        created_at=NOW - 3600,
        version=3,
        updated_at=NOW - 60,
    )
    return replace(base, **kw)  # type: ignore[arg-type]
