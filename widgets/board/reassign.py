"""Reassignment in the UI: the move controller (verdicts, optimistic apply, outbox, results, undo) and
the keyboard "Reassign to..." flow. The dialogs it opens are in widgets.board.move_dialogs.

A drop or a dialog choice becomes a console.domain.moves plan; the movable part is applied to the queue model
at once (QueueModel.apply with the locally changed rows) and handed to the sync thread, the one writer,
which stores each move with its outbox and audit rows in one transaction and pushes it; the write goes
through the one background helper (BackgroundJobs.write), whose answer comes back on the UI thread. The
server's answer (OutboxResult) confirms the row or reverts it, and the supervisor is told, per enquiry.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from console.domain.batches import gc_paused
from console.domain.model import Agent, ChangeSet, Enquiry, Team
from console.domain.moves import DONE, PENDING, UNDO_PREFIX, MovePlan, MoveRecord, MoveRules
from console.domain.routing import PING_PONG_LIMIT, Target
from console.store.cache import Store
from console.store.moves import QueuedMove, write_moves
from console.store.reads import StoreReader
from widgets.app.workers import BackgroundJobs, StoreWriter
from widgets.board.move_dialogs import ReassignDialog, ask_reason
from widgets.queue.model import QueueModel

log = logging.getLogger("concierge.ui.moves")

DEFAULT_ROUTING_MODEL = "concierge"  # the reference site's model; a bank's setting when it has one
FLUSH_MS = 1000
HISTORY = 50  # records kept for undo and outcome matching
ROUTINE_PREFIX = "No reason needed: "  # the audit's "why" of a move the rules let through as it is


Writer = StoreWriter  # the sync thread's job queue (console.sync.engine.Syncer.submit)

ReasonAsker = Callable[[MovePlan, QWidget | None], str | None]


class MoveController(QObject):
    rowsChanged = Signal(object)  # dict[str, Enquiry]: rows changed locally (optimistic, confirm, revert)
    recordChanged = Signal(object)  # MoveRecord: applied, or an answer arrived
    message = Signal(str)  # a sentence for the status bar
    rulesChanged = Signal()

    def __init__(
        self,
        model: QueueModel,
        *,
        routing_model: str = DEFAULT_ROUTING_MODEL,
        actor: str = "supervisor",
        now: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.routing_model = routing_model
        self.ping_pong_limit = PING_PONG_LIMIT  # the site's setting, set by the session
        self.actor = actor
        self.now = now
        self.writer: Callable[[], Writer | None] = lambda: None
        self.ask_reason: ReasonAsker = ask_reason
        self.forget: Callable[[set[str]], None] = lambda ids: None  # SLA cache entries to drop
        self.reader: StoreReader | None = None  # to put rows back when a move could not be saved
        self.rules = MoveRules(routing_model, [], [])
        self._ref_key: tuple[object, ...] = ()
        self.records: list[MoveRecord] = []
        self._by_outbox: dict[int, MoveRecord] = {}
        self._pending: dict[str, int] = {}  # enquiry id -> unanswered moves of it
        self._unwritten: list[tuple[MoveRecord, list[QueuedMove], float, list[int]]] = []
        self._plans: dict[tuple[object, Target], MovePlan] = {}  # hover verdicts for the current drag
        self._flush = QTimer(self)
        self._flush.setInterval(FLUSH_MS)
        self._flush.timeout.connect(self.flush)
        self.jobs = BackgroundJobs(self)  # writes go through the sync thread; answers come back here

    # --- reference data: the Router is rebuilt only when teams or agents change --------------------

    def set_reference(self, teams: Sequence[Team], agents: Sequence[Agent]) -> None:
        key = (tuple(teams), tuple(agents))
        if key == self._ref_key:
            return
        self._ref_key = key
        self.rules = MoveRules(self.routing_model, teams, agents, ping_pong_limit=self.ping_pong_limit)
        self._plans.clear()
        self.rulesChanged.emit()

    # --- verdicts ----------------------------------------------------------------------------------

    def lookup(self, ids: Sequence[str]) -> tuple[list[Enquiry], list[str]]:
        """The enquiries as the queue model holds them now (never the store), and the missing ids."""
        found, missing = [], []
        for ident in ids:
            e = self.model.enquiry(ident)
            if e is None:
                missing.append(ident)
            else:
                found.append(e)
        return found, missing

    def plan(self, ids: Sequence[str], target: Target) -> MovePlan:
        found, missing = self.lookup(ids)
        return self.rules.plan(found, target, missing=missing)

    def plan_refs(self, refs: Sequence[tuple[str, int]], target: Target) -> MovePlan:
        """The hover verdict, cached per (payload, target) for the drag in progress."""
        key = (tuple(refs), target)
        hit = self._plans.get(key)
        if hit is None:
            if len(self._plans) > 256:
                self._plans.clear()
            with gc_paused():  # a full collection (~0.4 s at 100k) must not start inside a drag event
                hit = self._plans[key] = self.plan([r[0] for r in refs], target)
        return hit

    def forget_plans(self) -> None:
        self._plans.clear()

    # DropHandler for the board's models
    def can_drop(self, refs: Sequence[tuple[str, int]], target: Target) -> bool:
        return self.plan_refs(refs, target).allowed

    def drop(self, refs: Sequence[tuple[str, int]], target: Target) -> bool:
        self._plans.clear()
        return self.request([r[0] for r in refs], target) is not None

    def is_pending(self, enquiry_id: str) -> bool:
        return enquiry_id in self._pending

    def pending_ids(self) -> set[str]:
        return set(self._pending)

    # --- doing it ----------------------------------------------------------------------------------

    def request(self, ids: Sequence[str], target: Target, parent: QWidget | None = None) -> MoveRecord | None:
        """Judge, ask for a reason where the rules need one, apply. None when nothing moved."""
        with gc_paused():
            plan = self.plan(ids, target)
        if not plan.allowed:
            self.message.emit(f"Not moved. {plan.summary()}")
            return None
        reason = ""
        if plan.needs_reason:
            answer = self.ask_reason(plan, parent)
            if answer is None or not answer.strip():
                self.message.emit("Not moved: a reason is needed for this move.")
                return None
            reason = answer.strip()
        return self.apply(plan, reason)

    def apply(self, plan: MovePlan, reason: str, undo_of: Sequence[int] = ()) -> MoveRecord | None:
        """Optimistic: the queue model shows the move now; the store is written off the UI thread."""
        movable = plan.movable
        if not movable:
            return None
        # The audit's "why": the supervisor's reason, else the rule that let the move through.
        reason = reason.strip() or f"{ROUTINE_PREFIX}{movable[0].verdict.reason}"
        rec = MoveRecord.from_plan(plan, reason, self.actor)
        rows = {
            i.enquiry_id: dataclasses.replace(i.enquiry, team_id=i.target.team_id, agent_id=i.target.agent_id)
            for i in movable
        }
        with gc_paused():  # nor between the drop and the rows showing where they went
            self._show(rows)
        for ident in rows:
            self._pending[ident] = self._pending.get(ident, 0) + 1
        self.records = [*self.records[-HISTORY + 1 :], rec]
        moves = [QueuedMove(i.enquiry_id, i.target.team_id, i.target.agent_id) for i in movable]
        self._unwritten.append((rec, moves, self.now(), list(undo_of)))
        self.flush()
        self.recordChanged.emit(rec)
        self.message.emit(rec.summary())
        return rec

    def undo_last(self, parent: QWidget | None = None) -> MoveRecord | None:
        """A compensating move of the last reassignment (audited as one), for what it actually moved."""
        rec = self.last_undoable()
        if rec is None:
            self.message.emit("There is no reassignment to undo.")
            return None
        back = [
            (e, rec.before[i])
            for i in rec.before
            if rec.outcomes[i].state in (PENDING, DONE) and (e := self.model.enquiry(i)) is not None
        ]
        plan = self.rules.plan_undo(back)
        if not plan.allowed:
            self.message.emit(f"Nothing to undo. {plan.summary()}")
            return None
        rec.undone = True
        routine = not rec.reason or rec.reason.startswith(ROUTINE_PREFIX)
        what = f"the move to {rec.label}" if routine else rec.reason
        return self.apply(plan, f"{UNDO_PREFIX}{what}", undo_of=list(rec.outbox))

    def last_undoable(self) -> MoveRecord | None:
        for rec in reversed(self.records):
            if (
                not rec.undo
                and not rec.undone
                and any(rec.outcomes[i].state in (PENDING, DONE) for i in rec.before)
            ):
                return rec
        return None

    # --- writing (the sync thread) ---------------------------------------------------------------

    @Slot()
    def flush(self) -> None:
        """Hand unwritten moves to the writer; keep them (shown pending) while there is none yet."""
        writer = self.writer()
        if writer is None:
            if self._unwritten and not self._flush.isActive():
                self._flush.start()
            return
        self._flush.stop()
        batch, self._unwritten = self._unwritten, []
        for rec, moves, at, undo_of in batch:
            self._submit(writer, rec, moves, at, undo_of)

    def _submit(
        self, writer: Writer, rec: MoveRecord, moves: list[QueuedMove], at: float, undo: list[int]
    ) -> None:
        def job(store: Store) -> dict[str, int | None]:
            return write_moves(store, moves, reason=rec.reason, actor=rec.actor, now=at, undo_of=undo)

        # Both answers on the UI thread; a write the sync loop never ran (it stopped first) is a failure.
        self.jobs.write(
            writer,
            job,
            lambda ids: self._on_written(rec, ids, None),
            lambda error: self._on_written(rec, None, error),
            owner=self,
        )

    def _on_written(
        self, rec: MoveRecord, ids: dict[str, int | None] | None, error: BaseException | None
    ) -> None:
        if ids is None:
            log.error("a move could not be written: %s", error)
            self._revert(rec, f"could not be saved ({error})")
            return
        for ident, outbox_id in ids.items():
            if outbox_id is None:
                self._done_with(ident)
                rec.record(ident, "failed", "it is no longer in the local cache")
            else:
                rec.outbox[outbox_id] = ident
                self._by_outbox[outbox_id] = rec
        self.recordChanged.emit(rec)

    def _revert(self, rec: MoveRecord, why: str) -> None:
        ids = [i for i in rec.before if rec.outcomes[i].state == PENDING]
        for ident in ids:
            self._done_with(ident)
            rec.record(ident, "failed", why)
        self._restore(ids)
        self.recordChanged.emit(rec)
        self.message.emit(rec.summary())

    def _restore(self, ids: Sequence[str]) -> None:
        """Put rows back as the store has them (the reader the controller gives us)."""
        if self.reader is None or not ids:
            return
        rows = self.reader.by_ids(ids)
        self._show(rows, removed={i for i in ids if i not in rows})

    # --- the server's answers --------------------------------------------------------------------

    def on_outbox(self, result: Any) -> bool:
        """An OutboxResult for an assignment: confirm or revert the row, record the outcome, say it.
        False when it is not an assignment (the caller reports it)."""
        if getattr(result, "kind", "") != "assignment" or not result.enquiry_id:
            return False
        ident: str = result.enquiry_id
        rec = self._by_outbox.pop(result.outbox_id, None)
        self._done_with(ident)
        e: Enquiry | None = result.enquiry
        if ident not in self._pending:  # no later move of ours still waits: show the store's truth
            self._show({ident: e} if e is not None else {}, removed=set() if e is not None else {ident})
        now_at = self.rules.label(Target(e.team_id, e.agent_id)) if e is not None and e.team_id else ""
        if rec is None:
            rec = MoveRecord("", "", self.actor)  # a move from before a restart: still say what happened
        rec.record(ident, result.state, result.message or "", result.winner, now_at)
        self.recordChanged.emit(rec)
        if rec.finished or result.state != DONE:
            self.message.emit(rec.summary())
        return True

    def _done_with(self, ident: str) -> None:
        n = self._pending.get(ident, 0) - 1
        if n > 0:
            self._pending[ident] = n
        else:
            self._pending.pop(ident, None)

    def _show(self, rows: dict[str, Enquiry], removed: set[str] | None = None) -> None:
        ids = set(rows)
        self.forget(ids | (removed or set()))
        self.model.apply(ChangeSet(changed=ids, removed=removed or set()), rows)
        self.rowsChanged.emit(dict(rows) | dict.fromkeys(removed or (), None))


def reassign_with_dialog(
    moves: MoveController, ids: Sequence[str], parent: QWidget | None
) -> MoveRecord | None:
    if not ids:
        moves.message.emit("Select one or more enquiries first, then Reassign to… (Ctrl+R).")
        return None
    dialog = ReassignDialog(moves, ids, parent)
    if not dialog.exec():
        return None
    target = dialog.chosen()
    return None if target is None else moves.request(ids, target, parent)
