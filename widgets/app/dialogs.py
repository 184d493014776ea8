"""Dialogs: sign in, settings, and the confirmation before a link from a customer is opened.

The login dialog never touches the network itself: it hands username, password and scope to a callable
run on a worker thread (BackgroundJobs) and shows the result. Nothing here writes a secret anywhere.
A failed sign-in reads as an error (icon, colour, the whole text wrapped) in a supervisor's words, with
what went wrong technically (host, port, HTTP status) only under "Details"; the secret-store note is a
warning, styled apart from errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.platform.settings import CHECKS, Settings
from console.sla.engine import Thresholds
from widgets.app.notice import NoticePanel, SignInProblem, fit_height, sign_in_problem
from widgets.app.workers import BackgroundJobs

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
    """Sign in to the service. `login` runs off the UI thread; the dialog stays responsive and shows a
    failure as an error in plain words (sign_in_problem). `warning` (e.g. SecretStore.warning) is a
    warning, styled apart from errors."""

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

        self.message = _plain("")  # progress and what to fill in (not errors)
        self.message.setObjectName("loginMessage")
        self.error = NoticePanel("error")
        self.error.setObjectName("loginError")
        self.warning_panel = NoticePanel("warning")
        self.warning = self.warning_panel.advice  # the secret store's sentence, as it is
        self.warning.setObjectName("secretWarning")
        if warning:
            self.warning_panel.show_notice("No secure password store.", warning)
        self.problem: SignInProblem | None = None
        ok, cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
        self.buttons = QDialogButtonBox(ok | cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.warning_panel)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("m") * 34)
        (self.password if username else self.user).setFocus()

    def submit(self) -> None:
        user, password = self.user.text().strip(), self.password.text()
        if not user or not password:
            self.message.setText("Enter your user name and password.")
            return
        self._busy(True)
        self.error.hide()
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
        self.message.setText("")
        self.problem = sign_in_problem(error)
        self.error.show_notice(self.problem.headline, self.problem.advice, self.problem.details)
        fit_height(self)

    def _busy(self, busy: bool) -> None:
        for w in (self.user, self.password, self.scope):
            w.setEnabled(not busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)


class SettingsDialog(QDialog):
    """API address, CA bundle, proxy, SLA thresholds, privacy, theme and text size. Values are checked
    with the same rules the settings file uses; a bad one is named and nothing is lost or half-saved."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Concierge settings")
        self._original = settings
        self.api_url = QLineEdit(settings.api_url)
        self.api_url.setPlaceholderText("https://api.bank.example  (empty: the built-in demo)")
        self.ca_bundle = QLineEdit(settings.ca_bundle or "")
        self.ca_bundle.setPlaceholderText("the system's certificate authorities")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(browse)
        self.proxy = QLineEdit(settings.proxy or "")
        self.proxy.setPlaceholderText("none, e.g. http://proxy.bank.example:3128")
        self.privacy = _combo(
            (
                ("masked", "Masked: no customer data (wallboards, branches)"),
                ("partial", "Partial: handles shortened, card and account numbers hidden"),
                ("full", "Full: everything, for a private desk"),
            ),
            settings.privacy,
        )
        self.theme = _combo(
            (("light", "Light"), ("dark", "Dark"), ("high_contrast", "High contrast")), settings.theme
        )
        self.font_scale = _combo(
            ((1.0, "100 %"), (1.25, "125 %"), (1.5, "150 %"), (2.0, "200 %"), (3.0, "300 %")),
            settings.font_scale,
        )
        self.at_risk_fraction = _spin(settings.at_risk_fraction * 100, 0, 100, " % of target left")
        self.at_risk_minutes = _spin(settings.at_risk_minutes, 0, 1440, " min left")
        self.urgent_fraction = _spin(settings.urgent_fraction * 100, 0, 100, " % of target left")
        self.urgent_minutes = _spin(settings.urgent_minutes, 0, 1440, " min left")

        form = QFormLayout()
        form.addRow("Service API address", self.api_url)
        form.addRow("CA bundle file", ca_row)
        form.addRow("Proxy", self.proxy)
        form.addRow("Customer data", self.privacy)
        form.addRow("Theme", self.theme)
        form.addRow("Text size", self.font_scale)
        form.addRow(_plain("At risk when either is reached:"))
        form.addRow("  share of target left", self.at_risk_fraction)
        form.addRow("  or time left", self.at_risk_minutes)
        form.addRow(_plain("Urgent when either is reached:"))
        form.addRow("  share of target left", self.urgent_fraction)
        form.addRow("  or time left", self.urgent_minutes)

        self.message = _plain("")
        self.message.setObjectName("settingsMessage")
        problems = "\n".join(settings.problems)
        if problems:
            self.message.setText(f"Problems found in the settings files:\n{problems}")
        ok, cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
        self.buttons = QDialogButtonBox(ok | cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._result: Settings | None = None

    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "CA bundle", "", "Certificates (*.pem *.crt *.cer);;All (*)"
        )
        if path:
            self.ca_bundle.setText(path)

    def values(self) -> dict[str, Any]:
        return {
            "api_url": self.api_url.text().strip(),
            "ca_bundle": self.ca_bundle.text().strip(),
            "proxy": self.proxy.text().strip(),
            "privacy": self.privacy.currentData(),
            "theme": self.theme.currentData(),
            "font_scale": float(self.font_scale.currentData()),
            "at_risk_fraction": self.at_risk_fraction.value() / 100,
            "at_risk_minutes": self.at_risk_minutes.value(),
            "urgent_fraction": self.urgent_fraction.value() / 100,
            "urgent_minutes": self.urgent_minutes.value(),
        }

    def validate(self) -> tuple[Settings | None, list[str]]:
        """The new settings, or the problems in words. Checks are console.platform.settings' own."""
        clean: dict[str, Any] = {}
        problems = []
        for key, value in self.values().items():
            try:
                clean[key] = CHECKS[key](value)
            except ValueError as e:
                problems.append(f"{key.replace('_', ' ').capitalize()}: {e}")
        if not problems:
            try:
                Thresholds(
                    clean["at_risk_fraction"],
                    clean["at_risk_minutes"],
                    clean["urgent_fraction"],
                    clean["urgent_minutes"],
                )
            except ValueError as e:
                problems.append(f"SLA thresholds: {e}")
        if problems:
            return None, problems
        return replace(self._original, **clean), []

    def accept(self) -> None:
        result, problems = self.validate()
        if result is None:
            self.message.setText("Please correct:\n" + "\n".join(problems))
            return
        self._result = result
        super().accept()

    def settings(self) -> Settings:
        """The accepted settings (the originals if the dialog was cancelled)."""
        return self._result or self._original


def _combo(options: tuple[tuple[Any, str], ...], current: Any) -> QComboBox:
    box = QComboBox()
    for value, label in options:
        box.addItem(label, value)
    for i, (value, _) in enumerate(options):
        if value == current:
            box.setCurrentIndex(i)
    return box


def _spin(value: float, low: float, high: float, suffix: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(0)
    box.setSuffix(suffix)
    box.setValue(value)
    return box
