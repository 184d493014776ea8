"""A list model brought to a new list of rows by removals, moves and inserts, not by a reset.

The team board regroups its lanes whenever the queue changes (on a live floor, about once a second). A
reset at each regroup cleared every lane's and agent list's selection, current row and scroll position:
a supervisor who had picked an enquiry to reassign lost it before reaching "Reassign to...". With row
signals, a view's selection and current row follow their rows (persistent indexes) wherever they move.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtCore import QAbstractListModel, QModelIndex

T = TypeVar("T")


def follow_rows(model: QAbstractListModel, rows: list[T], new: Sequence[T], key: Callable[[T], str]) -> bool:
    """Make `rows` (the list behind `model`) equal to `new`, signalling each step; keys are unique in
    both. A row whose key stays is replaced in place and, when it differs, reported by dataChanged.
    True when anything changed."""
    root = QModelIndex()
    wanted = {key(r) for r in new}
    changed = False
    for i in range(len(rows) - 1, -1, -1):  # from the bottom: the rows above keep their numbers
        if key(rows[i]) not in wanted:
            model.beginRemoveRows(root, i, i)
            del rows[i]
            model.endRemoveRows()
            changed = True
    first = last = -1  # the rows replaced in place with a different value
    for i, r in enumerate(new):
        k = key(r)
        if i < len(rows) and key(rows[i]) == k:
            if rows[i] != r:
                rows[i] = r
                first, last = (i if first < 0 else min(first, i)), max(last, i)
            continue
        changed = True
        # Every row above i is in place already: the one wanted here is further down, or new.
        j = next((j for j in range(i + 1, len(rows)) if key(rows[j]) == k), None)
        if j is None:
            model.beginInsertRows(root, i, i)
            rows.insert(i, r)
            model.endInsertRows()
        else:
            model.beginMoveRows(root, j, j, root, i)
            old = rows.pop(j)
            rows.insert(i, r)
            model.endMoveRows()
            if old != r:
                first, last = (i if first < 0 else min(first, i)), max(last, i)
    if first >= 0:
        model.dataChanged.emit(model.index(first), model.index(last))
    return changed or first >= 0
