"""Dialogs: sign in, settings, and the confirmation before a link from a customer is opened.

The login dialog never touches the network itself: it hands username, password and scope to a callable
run on a worker thread (BackgroundJobs) and shows the result. Nothing here writes a secret anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from widgets.workers import BackgroundJobs

LoginFn = Callable[[str, str, str], Any]  # (username, password, scope) -> anything; raises on failure


def _plain(text: str, *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    return label


def confirm_open_link(parent: QWidget | None, url: str) -> bool:
    """Links come from customers: show the whole address, plainly, and open only on a yes."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Open a link from a customer?")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(
        "This link was written by a customer. It may not be what it seems.\n\n"
        f"{url[:500]}\n\nOpen it in your browser?"
    )
    box.setStandardButtons(QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Open


class LoginDialog(QDialog):
    """Sign in to the service. `login` runs off the UI thread; the dialog stays responsive and shows
    the error in plain words when it fails. `warning` (e.g. SecretStore.warning) is shown as it is."""

    def __init__(
        self,
        login: LoginFn,
        jobs: BackgroundJobs,
        *,
        api_url: str,
        username: str = "",
        warning: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to Concierge")
        self._login = login
        self._jobs = jobs
        self.result_value: Any = None

        self.user = QLineEdit(username)
        self.user.setAccessibleName("User name")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.scope = QComboBox()
        self.scope.addItem("Supervisor (read and reassign)", "supervisor")
        self.scope.addItem("Viewer (read only, for wallboards)", "viewer")
        form = QFormLayout()
        form.addRow("Service", _plain(api_url))
        form.addRow("User name", self.user)
        form.addRow("Password", self.password)
        form.addRow("Access", self.scope)

        self.message = _plain("")
        self.message.setObjectName("loginMessage")
        self.warning = _plain(warning or "")
        self.warning.setObjectName("secretWarning")
        self.warning.setVisible(bool(warning))
        ok, cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
        self.buttons = QDialogButtonBox(ok | cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.warning)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        (self.password if username else self.user).setFocus()

    def submit(self) -> None:
        user, password = self.user.text().strip(), self.password.text()
        if not user or not password:
            self.message.setText("Enter your user name and password.")
            return
        self._busy(True)
        self.message.setText("Signing in…")
        scope = str(self.scope.currentData())
        self._jobs.submit(lambda: self._login(user, password, scope), self._done, self._failed)

    def _done(self, value: Any) -> None:
        self.result_value = value
        self.password.clear()
        self._busy(False)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._busy(False)
        self.password.clear()
        self.password.setFocus()
        self.message.setText(f"Could not sign in: {error}")

    def _busy(self, busy: bool) -> None:
        for w in (self.user, self.password, self.scope):
            w.setEnabled(not busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)
