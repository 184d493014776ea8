"""A list model brought to a new list of rows by removals, moves and inserts, not by a reset.

The team board regroups its lanes whenever the queue changes (on a live floor, about once a second), and
the breaching strip changes its chips as deadlines come near. A reset at each change cleared every lane's
and agent list's selection and current row (a supervisor who had picked an enquiry to reassign lost it
before reaching "Reassign to..."), and the keyboard's place among the strip's chips. With row signals, a
view's selection and current row follow their rows (persistent indexes) wherever they move. (When the
current row itself leaves, Qt makes a neighbour current and scrolls to it, as it does for any removal.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtCore import QAbstractListModel, QModelIndex

T = TypeVar("T")


def follow_rows(
    model: QAbstractListModel,
    rows: list[T],
    new: Sequence[T],
    key: Callable[[T], str],
    *,
    all_read_again: bool = False,
) -> None:
    """Make `rows` (the list behind `model`) equal to `new`, signalling each step; keys are unique in
    both. A row whose key stays is replaced in place and, when it differs, reported by dataChanged; with
    all_read_again (a new moment: every countdown changes), one dataChanged covers every row."""
    if not rows and not new:
        return
    root = QModelIndex()
    wanted = {key(r) for r in new}
    if not any(key(r) in wanted for r in rows):  # nothing stays: nothing to keep, one reset is cheaper
        model.beginResetModel()
        rows[:] = new
        model.endResetModel()
        return
    end = len(rows)
    while end > 0:  # from the bottom, a run at a time: the rows above keep their numbers
        if key(rows[end - 1]) in wanted:
            end -= 1
            continue
        start = end - 1
        while start > 0 and key(rows[start - 1]) not in wanted:
            start -= 1
        model.beginRemoveRows(root, start, end - 1)
        del rows[start:end]
        model.endRemoveRows()
        end = start
    first = last = -1  # the rows replaced in place with a different value
    keys = [key(r) for r in rows]  # beside the rows: a lane's 200 found in C, not by calling key()
    held = set(keys)
    for i, r in enumerate(new):
        k = key(r)
        if i < len(rows) and keys[i] == k:
            if rows[i] != r:
                rows[i] = r
                first, last = (i if first < 0 else min(first, i)), max(last, i)
            continue
        # Every row above i is in place already: the one wanted here is further down, or new.
        if k not in held:
            model.beginInsertRows(root, i, i)
            rows.insert(i, r)
            keys.insert(i, k)
            held.add(k)
            model.endInsertRows()
            continue
        j = keys.index(k, i + 1)
        model.beginMoveRows(root, j, j, root, i)
        old = rows.pop(j)
        rows.insert(i, r)
        keys.insert(i, keys.pop(j))
        model.endMoveRows()
        if old != r:
            first, last = (i if first < 0 else min(first, i)), max(last, i)
    if all_read_again and rows:
        first, last = 0, len(rows) - 1
    if first >= 0:
        model.dataChanged.emit(model.index(first), model.index(last))
