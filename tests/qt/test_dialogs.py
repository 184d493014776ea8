from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from console.api.client import ApiClient, ApiSettings, Tokens
from console.api.errors import (
    AuthError,
    BadDataError,
    NetworkError,
    RateLimited,
    ServerError,
    TlsError,
)
from console.platform.settings import Settings
from console.service.server import DemoService
from tests.helpers.wallboard import free_port
from widgets.app.dialogs import LoginDialog, SettingsDialog
from widgets.app.notice import sign_in_problem
from widgets.app.workers import BackgroundJobs

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen: the dialogs are shown


@pytest.fixture(scope="module")
def service() -> Iterator[DemoService]:
    svc = DemoService(seed=5, open_enquiries=20, speed=0)
    svc.start()
    yield svc
    svc.stop()


def login_fn(url: str) -> Callable[[str, str, str], Tokens]:
    def login(user: str, password: str, scope: str) -> Tokens:
        with ApiClient(ApiSettings(url, max_retries=0)) as client:
            return client.login(user, password, scope)

    return login


def _fully_shown(label: QLabel) -> bool:
    """The label is tall enough for its wrapped text at its width (nothing cut at top or bottom)."""
    return label.isVisible() and label.height() >= label.heightForWidth(label.width())


def test_login_against_the_real_service(qtbot: QtBot, service: DemoService) -> None:
    jobs = BackgroundJobs()
    warning = "Concierge found no secure password store, so your sign-in is kept only until it closes."
    dialog = LoginDialog(
        login_fn(service.url), jobs, api_url=service.url, username="supervisor", warning=warning
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.warning.text() == warning and dialog.warning_panel.isVisible()
    assert dialog.error.isHidden()

    dialog.password.setText("wrong")
    dialog.submit()
    qtbot.waitUntil(dialog.error.isVisible, timeout=10_000)
    assert dialog.result() == 0 and dialog.password.text() == ""  # the bad password is not kept
    assert dialog.user.isEnabled()
    # An error, in a supervisor's words; the host and port only under Details, folded away.
    panel = dialog.error
    assert panel.headline.text() == "Your user name or password was not accepted."
    host = service.url.split("//", 1)[1]
    words = panel.headline.text() + panel.advice.text()
    assert host not in words and "refused" not in words
    assert panel.details.isHidden() and host in panel.details.text()
    panel.toggle.click()
    assert panel.details.isVisible() and _fully_shown(panel.details)
    # It does not look like the secret-store warning: another icon, frame and name.
    assert panel.styleSheet() != dialog.warning_panel.styleSheet()
    assert panel.accessibleName().startswith("Error: ")
    assert dialog.warning_panel.accessibleName().startswith("Warning: ")

    dialog.password.setText("demo-supervisor")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.submit()
    assert isinstance(dialog.result_value, Tokens) and dialog.result_value.access_token
    assert dialog.password.text() == ""
    jobs.shutdown()


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_service_down_is_said_in_full_at_any_text_size(qtbot: QtBot, scale: float) -> None:
    jobs = BackgroundJobs()
    url = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    dialog = LoginDialog(login_fn(url), jobs, api_url=url, username="supervisor")
    qtbot.addWidget(dialog)
    font = dialog.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    dialog.setFont(font)
    dialog.show()
    dialog.password.setText("whatever")
    dialog.submit()
    qtbot.waitUntil(dialog.error.isVisible, timeout=10_000)
    panel = dialog.error
    assert panel.headline.text() == "The service cannot be reached."
    assert "bank's network" in panel.advice.text() and "127.0.0.1" not in panel.advice.text()
    qtbot.waitUntil(lambda: _fully_shown(panel.headline) and _fully_shown(panel.advice), timeout=2_000)
    assert dialog.height() >= dialog.heightForWidth(dialog.width())
    jobs.shutdown()


@pytest.mark.parametrize(
    ("error", "headline"),
    [
        (AuthError("h:1 refused the sign-in", status=401), "Your user name or password was not accepted."),
        (
            AuthError("not allowed on h:1", status=403),
            "This account may not use Concierge with the access chosen.",
        ),
        (
            TlsError("certificate verify failed for h:1"),
            "Concierge could not confirm that it is talking to the bank's service.",
        ),
        (NetworkError("Cannot reach h:1"), "The service cannot be reached."),
        (
            ServerError("h:1 has a problem (HTTP 503)", status=503),
            "The service had a problem and could not sign you in.",
        ),
        (RateLimited("slow down"), "Too many sign-in attempts."),
        (BadDataError("bad json from h:1"), "The service gave an answer Concierge does not understand."),
        (RuntimeError("boom"), "Could not sign in."),
    ],
)
def test_every_sign_in_failure_has_a_headline_and_keeps_the_details(error: Exception, headline: str) -> None:
    problem = sign_in_problem(error)
    assert problem.headline.startswith(headline) and problem.advice
    assert str(error) in problem.details and "h:1" not in problem.headline + problem.advice


def test_login_needs_both_fields(qtbot: QtBot) -> None:
    jobs = BackgroundJobs()
    dialog = LoginDialog(lambda u, p, s: None, jobs, api_url="http://127.0.0.1:1")
    qtbot.addWidget(dialog)
    assert dialog.warning_panel.isHidden() and dialog.error.isHidden()
    dialog.submit()
    assert dialog.message.text() == "Enter your user name and password."
    jobs.shutdown()


def test_settings_dialog_names_bad_values_and_keeps_the_originals(qtbot: QtBot) -> None:
    original = Settings(api_url="https://api.bank.example", privacy="masked", problems=["x.json: bad theme"])
    dialog = SettingsDialog(original)
    qtbot.addWidget(dialog)
    assert "bad theme" in dialog.message.text()
    dialog.proxy.setText("not a proxy")
    dialog.api_url.setText("http://api.bank.example")  # plain http off loopback is refused
    dialog.urgent_minutes.setValue(45)  # above at-risk (30): refused too
    dialog.accept()
    text = dialog.message.text()
    assert "Proxy" in text and "Api url" in text
    assert dialog.result() == 0 and dialog.settings() is original

    dialog.proxy.setText("http://proxy.bank.example:3128")
    dialog.api_url.setText("https://api2.bank.example")
    dialog.accept()
    assert "SLA thresholds" in dialog.message.text()
    dialog.urgent_minutes.setValue(5)
    dialog.theme.setCurrentIndex(dialog.theme.findData("high_contrast"))
    dialog.font_scale.setCurrentIndex(dialog.font_scale.findData(2.0))
    dialog.accept()
    new = dialog.settings()
    assert dialog.result() == 1
    assert (new.api_url, new.proxy, new.theme, new.font_scale) == (
        "https://api2.bank.example",
        "http://proxy.bank.example:3128",
        "high_contrast",
        2.0,
    )
    assert new.urgent_minutes == 5 and new.privacy == "masked"
    assert new.thresholds().urgent_minutes == 5
    assert original.api_url == "https://api.bank.example"  # the original object is untouched
