"""The complaint proposal reads the whole conversation (every customer message since the enquiry opened,
or since the supervisor's decision), shows which message said it, and is judged once per message: the
book of conversations (console.live.complaint_book) and the desk reading it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from console.domain.complaints import default_rules
from console.domain.complaints.conversation import read_conversation
from console.domain.complaints.letters import HOLDING, Letter
from console.domain.complaints.status import DISMISSED, NOT_COMPLAINT, PROPOSED, Decision
from console.domain.model import Message
from console.live.complaint_book import ComplaintBook, Memo, from_messages
from console.live.complaints import ComplaintDesk, heard_words
from console.sla.defaults import default_calendars
from tests.helpers.store import make_enquiry

LONDON = ZoneInfo("Europe/London")
TZ = "Europe/London"


def at(*parts: int) -> float:
    return datetime(*parts, tzinfo=LONDON).timestamp()  # type: ignore[misc, arg-type]


MON_9 = at(2026, 9, 7, 9, 12)
FIRST = "Formal complaint: you took £35 twice and nobody has called me back"


def desk(book: ComplaintBook | None = None, decisions: dict[str, Decision] | None = None) -> ComplaintDesk:
    business = next(c for c in default_calendars() if c.id == "business")
    return ComplaintDesk(default_rules(), "uk", business, decisions, book)


def msg(n: int, direction: str, text: str, at_: float) -> Message:
    return Message(f"E000001-m{n}", "E000001", direction, "someone", text, at_)


def test_a_complaint_in_the_first_message_followed_by_ok_thanks_is_still_proposed():
    conversation = [(MON_9, FIRST), (MON_9 + 600, "ok thanks")]
    said = read_conversation(conversation)
    assert said.complaint and said.messages == 2
    assert said.source is not None and said.source.number == 1
    # The desk, from the book a worker built, with the enquiry's latest message "ok thanks".
    e = make_enquiry(1, text="ok thanks", created_at=MON_9, last_customer_message_at=MON_9 + 600)
    book = ComplaintBook.build([(e.id, t, x) for t, x in conversation])
    d = desk(book)
    assert d.state(e) == PROPOSED
    assert "complaint" in d.proposal(e).words
    assert heard_words(d.proposal(e), TZ).endswith("in message 1 of 2 (Mon 09:12)")
    cell = d.flag_cell(e, "", MON_9 + 700, TZ)
    assert cell.text.startswith("Complaint?") and "in message 1 of 2" in cell.tip
    # The latest message alone (the old behaviour) says nothing.
    assert desk().state(e) == NOT_COMPLAINT


def test_a_message_newer_than_the_book_counts_until_the_book_reads_it():
    e = make_enquiry(
        1, text="still waiting, worst bank ever", created_at=MON_9, last_customer_message_at=MON_9 + 900
    )
    book = ComplaintBook.build([(e.id, MON_9, "hi, what time do you open?")])
    d = desk(book)
    assert d.state(e) == PROPOSED
    assert d.proposal(e).messages == 2 and d.proposal(e).source.number == 2  # type: ignore[union-attr]
    calm = make_enquiry(2, text="thanks!", created_at=MON_9, last_customer_message_at=MON_9 + 900)
    assert (
        desk(ComplaintBook.build([(calm.id, MON_9, "what time do you open?")])).state(calm) == NOT_COMPLAINT
    )


def test_after_a_dismissal_the_words_shown_are_from_the_later_messages():
    e = make_enquiry(1, text="this is a joke", created_at=MON_9, last_customer_message_at=MON_9 + 7200)
    book = ComplaintBook.build([(e.id, MON_9, FIRST), (e.id, MON_9 + 7200, "this is a joke")])
    decided = {e.id: Decision(e.id, DISMISSED, MON_9 + 3600, "sam")}
    said = desk(book, decided).proposal(e)
    assert [h.number for h in said.heard] == [2] and "complaint" not in said.words
    assert desk(book, decided).state(e) == NOT_COMPLAINT  # a decision stands


def test_each_message_is_judged_once_and_the_book_is_replaced_not_changed():
    memo = Memo()
    rows = [(f"E{i:06d}", MON_9 + i, "ok thanks" if i % 2 else FIRST) for i in range(1000)]
    book = ComplaintBook.build(rows, memo=memo)
    assert memo.judged == 2 and len(book) == 1000
    messages = [msg(1, "in", "hello", MON_9), msg(2, "out", "We need more time to investigate.", MON_9 + 60)]
    newer = book.with_messages("E000001", messages, memo)
    assert newer is not book and book.get("E000001").complaint is False  # type: ignore[union-attr]
    assert newer.get("E000001").letters == (Letter(HOLDING, MON_9 + 60),)  # type: ignore[union-attr]
    assert newer.get("E000002") is book.get("E000002")
    small = Memo(size=2)
    for text in ("a", "b", "c", "a"):
        small(text)
    assert small.judged == 3  # "a" was still in the older generation


def test_the_desk_reads_the_communications_sent_into_the_clocks():
    received = at(2026, 9, 7, 10, 0)
    e = make_enquiry(
        1, topic="payments", flags=frozenset({"complaint"}), first_customer_message_at=received, text="hi"
    )
    d = desk(ComplaintBook().with_conversations({e.id: from_messages([msg(1, "in", "hi", received)])}))
    day_15 = [c for c in d.clocks(e) if c.rule.id.startswith("uk_psd")]
    assert [c.rule.id for c in day_15] == ["uk_psd_final_response"]  # known: no holding reply sent
    conversation = from_messages(
        [msg(1, "in", "hi", received), msg(2, "out", "Sorry, we need more time.", received + 86400)]
    )
    d.set_book(ComplaintBook().with_conversations({e.id: conversation}))
    assert [c.rule.id for c in d.clocks(e) if c.rule.id.startswith("uk_psd")] == [
        "uk_psd_final_response",
        "uk_psd_exceptional",
    ]
    assert "Holding reply sent Tue 08 Sep 10:00" in d.flag_cell(e, "Complaint", received + 90000, TZ).tip
    assert d.twin().book is d.book


def test_a_new_book_asks_again_only_for_the_conversations_it_changed():
    a = make_enquiry(1, text="ok thanks", created_at=MON_9, last_customer_message_at=MON_9 + 600)
    b = make_enquiry(2, text="ok thanks", created_at=MON_9, last_customer_message_at=MON_9 + 600)
    d = desk(ComplaintBook.build([(a.id, MON_9 + 600, "ok thanks"), (b.id, MON_9 + 600, "ok thanks")]))
    assert d.state(a) == d.state(b) == NOT_COMPLAINT
    conversation = from_messages([msg(1, "in", FIRST, MON_9), msg(2, "in", "ok thanks", MON_9 + 600)])
    d.set_book(d.book.with_conversations({a.id: conversation}), (a.id,))
    assert d.state(a) == PROPOSED and d.state(b) == NOT_COMPLAINT
    assert d.take_messages(b.id, [msg(3, "in", "this is a disgrace", MON_9 + 600)])
    assert d.state(b) == PROPOSED
    assert not d.take_messages(b.id, [msg(3, "in", "this is a disgrace", MON_9 + 600)])  # nothing new
