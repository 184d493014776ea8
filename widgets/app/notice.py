"""Errors and warnings that read as such, and a failed sign-in in a supervisor's words.

sign_in_problem() turns what the Service API client raised (console.api.errors) into a headline, advice
and the technical details (host, port, HTTP status) that only the "Details" part shows. NoticePanel shows
an error or a warning: the standard icon, a coloured frame, the whole text wrapped, details folded away.
Plain text only.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.api.errors import (
    ApiError,
    AuthError,
    BadDataError,
    NetworkError,
    RateLimited,
    ServerError,
    TlsError,
)


def _plain(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


@dataclass(frozen=True, slots=True)
class SignInProblem:
    """A failed sign-in in a supervisor's words: what happened, what to do, and the technical details
    (host, port, status) for the IT service desk, shown only on request."""

    headline: str
    advice: str
    details: str


_DESK = "If it keeps happening, call the IT service desk."


def sign_in_problem(error: BaseException) -> SignInProblem:
    """The words for a sign-in failure (console.api.errors types; anything else as an unknown fault)."""
    details = str(error).strip() or type(error).__name__
    status = getattr(error, "status", None)
    if isinstance(error, AuthError) and status == 403:
        return SignInProblem(
            "This account may not use Concierge with the access chosen.",
            "Choose Viewer access, or ask the IT service desk for supervisor access.",
            details,
        )
    if isinstance(error, AuthError):
        return SignInProblem(
            "Your user name or password was not accepted.",
            "Check both and try again (passwords are case-sensitive). After several failed attempts your "
            "account may be locked: the IT service desk can unlock it.",
            details,
        )
    if isinstance(error, TlsError):
        return SignInProblem(
            "Concierge could not confirm that it is talking to the bank's service.",
            "The service's security certificate was not accepted, so nothing was sent. Call the IT "
            "service desk: the certificate settings may need changing.",
            details,
        )
    if isinstance(error, NetworkError):
        return SignInProblem(
            "The service cannot be reached.",
            "Check that this PC is on the bank's network. If it is, the service may be down: try again in "
            f"a few minutes. {_DESK}",
            details,
        )
    if isinstance(error, RateLimited):
        return SignInProblem("Too many sign-in attempts.", "Wait a minute, then try again.", details)
    if isinstance(error, ServerError):
        return SignInProblem(
            "The service had a problem and could not sign you in.",
            f"Try again in a few minutes. {_DESK}",
            details,
        )
    if isinstance(error, BadDataError | ApiError):
        return SignInProblem(
            "The service gave an answer Concierge does not understand.",
            f"Try again. {_DESK} (the service address in Settings may be wrong).",
            details,
        )
    return SignInProblem("Could not sign in.", f"Try again. {_DESK}", f"{type(error).__name__}: {details}")


def _dark() -> bool:
    app = QApplication.instance()
    return isinstance(app, QApplication) and app.palette().window().color().lightness() < 128


class NoticePanel(QFrame):
    """An error or a warning that reads as one: the standard icon, a coloured frame, a bold headline,
    the advice wrapped in full, and a "Details" part folded away. Plain text only."""

    # (light ground, dark ground, frame): a red for errors, an amber for warnings, both with the window's
    # own text colour on a tint, so the contrast is the theme's.
    COLOURS = {"error": ("#FDECEA", "#3D1C1A", "#B3261E"), "warning": ("#FFF4D6", "#3A2E12", "#A66A00")}

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.setObjectName(f"{kind}Panel")
        self.setProperty("notice", True)  # the style's selector: the panel, not the labels in it
        light, dark, frame = self.COLOURS[kind]
        ground = dark if _dark() else light
        self.setStyleSheet(
            f'QFrame[notice="true"] {{ background: {ground}; border: 2px solid {frame};'
            " border-radius: 4px; }"
            " QLabel { background: transparent; border: none; }"
        )
        icon = self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxCritical
            if kind == "error"
            else QStyle.StandardPixmap.SP_MessageBoxWarning
        )
        self.icon = QLabel()
        size = self.fontMetrics().height() * 2
        self.icon.setPixmap(icon.pixmap(size, size))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.headline = _plain("")
        font = self.headline.font()
        font.setBold(True)
        self.headline.setFont(font)
        self.advice = _plain("")
        self.details = _plain("")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.hide()
        self.toggle = QToolButton()
        self.toggle.setText("Details")
        self.toggle.setCheckable(True)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.toggle.toggled.connect(self._fold)
        text = QVBoxLayout()
        for w in (self.headline, self.advice):
            text.addWidget(w)
        text.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        text.addWidget(self.details)
        row = QHBoxLayout(self)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(text, 1)
        self.hide()

    def show_notice(self, headline: str, advice: str = "", details: str = "") -> None:
        self.headline.setText(headline)
        self.advice.setText(advice)
        self.advice.setVisible(bool(advice))
        self.details.setText(details)
        self.toggle.setVisible(bool(details))
        self.toggle.setChecked(False)
        self.setAccessibleName(f"{'Error' if self.kind == 'error' else 'Warning'}: {headline}")
        self.setAccessibleDescription(advice)
        self.show()

    def _fold(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        fit_height(self.window())


def fit_height(window: QWidget) -> None:
    """Grow a dialog to the height its wrapped text needs at its width (a top-level window does not
    ask its layout's height-for-width by itself, and a long message would be cut at top and bottom)."""
    layout = window.layout()
    if layout is None:
        return
    layout.activate()
    need = window.heightForWidth(window.width()) if window.hasHeightForWidth() else -1
    need = max(need, layout.minimumSize().height())
    window.setMinimumHeight(need)
    if window.height() < need:
        window.resize(window.width(), need)
