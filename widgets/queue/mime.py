"""The drag payload: MIME type application/x-concierge-enquiries, a JSON list of {"id", "version"}.

Ids and versions only (no customer data travels through the clipboard or another application); a drop
looks the enquiries up again in the queue model, so what is judged is what the console shows now.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from PySide6.QtCore import QByteArray, QMimeData

from console.domain.model import Enquiry

MIME_TYPE = "application/x-concierge-enquiries"
MAX_ITEMS = 10_000  # a payload bigger than any real selection is someone else's data, not ours
MAX_BYTES = 2_000_000


class BadPayload(ValueError):
    """The dropped data is not a list of enquiry references; str() says what is wrong."""


def encode(enquiries: Iterable[Enquiry]) -> QMimeData:
    data = QMimeData()
    items = list(enquiries)
    refs = [{"id": e.id, "version": e.version} for e in items]
    data.setData(MIME_TYPE, QByteArray(json.dumps(refs, separators=(",", ":")).encode()))
    # Plain text too, so a drop into a note or a chat carries the references (ids only).
    data.setText("\n".join(e.id for e in items))
    return data


def has_refs(data: QMimeData | None) -> bool:
    return data is not None and data.hasFormat(MIME_TYPE)


def decode(data: QMimeData | None) -> list[tuple[str, int]]:
    """[(id, version)] in the dragged order, each id once. Raises BadPayload for anything else."""
    if not has_refs(data):
        raise BadPayload("this is not a list of enquiries")
    assert data is not None
    raw = bytes(data.data(MIME_TYPE).data())
    if len(raw) > MAX_BYTES:
        raise BadPayload("the dragged data is too large to be enquiries")
    try:
        refs = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise BadPayload(f"the dragged data is not readable JSON ({e.__class__.__name__})") from None
    if not isinstance(refs, list) or len(refs) > MAX_ITEMS:
        raise BadPayload("the dragged data is not a list of enquiries")
    out: dict[str, int] = {}
    for ref in refs:
        if not isinstance(ref, dict):
            raise BadPayload("an item of the dragged data is not an enquiry reference")
        ident, version = ref.get("id"), ref.get("version")
        if not isinstance(ident, str) or not ident or len(ident) > 128:
            raise BadPayload("an item of the dragged data has no usable id")
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise BadPayload(f"{ident[:64]} has no usable version")
        out.setdefault(ident, version)
    return list(out.items())
