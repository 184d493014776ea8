from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from console.api.client import ApiClient, ApiSettings, Tokens
from console.platform.settings import Settings
from console.service.server import DemoService
from widgets.app.dialogs import LoginDialog, SettingsDialog
from widgets.app.workers import BackgroundJobs


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


def test_login_against_the_real_service(qtbot: QtBot, service: DemoService) -> None:
    jobs = BackgroundJobs()
    warning = "Concierge found no secure password store, so your sign-in is kept only until it closes."
    dialog = LoginDialog(
        login_fn(service.url), jobs, api_url=service.url, username="supervisor", warning=warning
    )
    qtbot.addWidget(dialog)
    assert dialog.warning.text() == warning and not dialog.warning.isHidden()

    dialog.password.setText("wrong")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Could not sign in"), timeout=10_000)
    assert dialog.result() == 0 and dialog.password.text() == ""  # the bad password is not kept
    assert dialog.user.isEnabled()

    dialog.password.setText("demo-supervisor")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.submit()
    assert isinstance(dialog.result_value, Tokens) and dialog.result_value.access_token
    assert dialog.password.text() == ""
    jobs.shutdown()


def test_login_needs_both_fields(qtbot: QtBot) -> None:
    jobs = BackgroundJobs()
    dialog = LoginDialog(lambda u, p, s: None, jobs, api_url="http://127.0.0.1:1")
    qtbot.addWidget(dialog)
    assert dialog.warning.isHidden()
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
