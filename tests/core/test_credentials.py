"""SecretStore against a real Secret Service (gnome-keyring under dbus-run-session) and against backends
it must refuse: the fail backend, a plaintext file backend, one that fails its probe."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend

from console.platform import settings
from console.platform.credentials import CredentialsError, SecretStore
from console.sla.engine import Thresholds

SECRET = "s3cret-VALUE-never-logged"


class PlaintextKeyring(KeyringBackend):
    """Like keyrings.alt.file.PlaintextKeyring: base64 in a file, i.e. plain text on disk."""

    priority = 0.5
    path: Path = Path("/nonexistent")

    def _load(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        lines = self.path.read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def get_password(self, service: str, username: str) -> str | None:
        raw = self._load().get(f"{service}/{username}")
        return None if raw is None else base64.b64decode(raw).decode()

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}/{username}"] = base64.b64encode(password.encode()).decode()
        self.path.write_text("".join(f"{k}={v}\n" for k, v in data.items()))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        data.pop(f"{service}/{username}", None)
        self.path.write_text("".join(f"{k}={v}\n" for k, v in data.items()))


class BrokenVault(KeyringBackend):
    """Looks acceptable (good priority, innocent name) but cannot store anything."""

    priority = 5

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError("locked")


@pytest.fixture(scope="session")
def secret_service(secret_service_daemon: bool) -> None:
    """The suite's real gnome-keyring Secret Service (tests/conftest.py), chosen by keyring."""
    if not secret_service_daemon:
        pytest.skip("no D-Bus session bus: run the tests under `dbus-run-session --`")
    # Choose again now that a Secret Service exists. The automatic choice is a chainer here, because this
    # module's own backends register themselves; SecretStore must still find the Secret Service in it.
    keyring.core.init_backend()


def secret_service_backend() -> Any:
    return keyring.core.load_keyring("keyring.backends.SecretService.Keyring")


@pytest.fixture
def backend_restored() -> Iterator[None]:
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


# -- the real Secret Service ---------------------------------------------------------------------------


def test_the_secret_service_is_chosen_and_used(secret_service: None, backend_restored: None) -> None:
    store = SecretStore.open("concierge-test")
    assert store.secure and store.warning is None
    assert store.backend_name == "keyring.backends.SecretService.Keyring"
    store.set("refresh_token:sam", SECRET)
    assert store.get("refresh_token:sam") == SECRET
    # It really is in the OS store, not in the object: a fresh store and keyring itself read it back.
    assert SecretStore.open("concierge-test").get("refresh_token:sam") == SECRET
    assert secret_service_backend().get_password("concierge-test", "refresh_token:sam") == SECRET
    store.delete("refresh_token:sam")
    assert store.get("refresh_token:sam") is None
    store.delete("refresh_token:sam")  # deleting what is not there is fine


def test_cache_key_is_made_once_and_kept_in_the_keyring(secret_service: None, backend_restored: None) -> None:
    first = SecretStore.open("concierge-test").cache_key("p1")
    again = SecretStore.open("concierge-test").cache_key("p1")
    assert len(first) == 32 and first == again
    assert SecretStore.open("concierge-test").cache_key("p2") != first
    assert secret_service_backend().get_password("concierge-test", "cache_key:p1") == first.hex()


@pytest.mark.expected_log(r"^secrets held in memory only: ", logger="concierge.credentials")
def test_a_chainer_is_judged_by_its_members(
    secret_service: None, backend_restored: None, tmp_path: Path
) -> None:
    secure = secret_service_backend()
    plain = PlaintextKeyring()
    plain.path = tmp_path / "keyring_pass.cfg"

    class Chain(ChainerBackend):
        backends = [plain, secure]

    keyring.set_keyring(Chain())
    store = SecretStore.open("concierge-test")
    assert store.secure and store.backend_name == "keyring.backends.SecretService.Keyring"
    store.set("password", SECRET)
    store.delete("password")
    assert not plain.path.exists()

    class PlainOnly(ChainerBackend):
        backends = [plain]

    keyring.set_keyring(PlainOnly())
    assert not SecretStore.open("concierge-test").secure


def test_a_damaged_stored_cache_key_is_never_replaced(secret_service: None, backend_restored: None) -> None:
    secret_service_backend().set_password("concierge-test", "cache_key:damaged", "not-hex")
    with pytest.raises(CredentialsError, match="damaged"):
        SecretStore.open("concierge-test").cache_key("damaged")
    assert secret_service_backend().get_password("concierge-test", "cache_key:damaged") == "not-hex"


# -- backends that must be refused ---------------------------------------------------------------------


@pytest.mark.expected_log(r"^secrets held in memory only: ", logger="concierge.credentials")
@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_no_backend_means_memory_only_with_a_warning(backend: Any, backend_restored: None) -> None:
    keyring.set_keyring(backend)
    store = SecretStore.open()
    assert not store.secure
    assert store.warning is not None and "only until Concierge closes" in store.warning
    assert store.warning.count(".") == 1  # one plain sentence
    store.set("refresh_token", SECRET)
    assert store.get("refresh_token") == SECRET
    key = store.cache_key()
    assert store.cache_key() == key and len(key) == 32
    assert SecretStore.open().cache_key() != key  # nothing survives the session
    store.delete("refresh_token")
    assert store.get("refresh_token") is None


@pytest.mark.expected_log(r"^secrets held in memory only: ", logger="concierge.credentials")
def test_a_plaintext_backend_is_refused_and_never_written(tmp_path: Path, backend_restored: None) -> None:
    plain = PlaintextKeyring()
    plain.path = tmp_path / "keyring_pass.cfg"
    keyring.set_keyring(plain)
    store = SecretStore.open()
    assert not store.secure and store.warning is not None
    assert "PlaintextKeyring stores secrets unencrypted" in store.warning and store.warning.count(".") == 1
    store.set("refresh_token", SECRET)
    store.cache_key()
    assert not plain.path.exists()


@pytest.mark.expected_log(r"^secrets held in memory only: ", logger="concierge.credentials")
def test_a_backend_failing_its_probe_is_refused(backend_restored: None) -> None:
    keyring.set_keyring(BrokenVault())
    store = SecretStore.open()
    assert not store.secure and store.warning is not None
    assert store.backend_name.endswith("BrokenVault")


# -- environment overrides -----------------------------------------------------------------------------


@pytest.mark.expected_log(r"^secrets held in memory only: ", logger="concierge.credentials")
def test_environment_variables_win_and_are_never_stored(
    monkeypatch: pytest.MonkeyPatch, backend_restored: None
) -> None:
    keyring.set_keyring(fail.Keyring())
    store = SecretStore.open()
    store.set("access_token", "from-store")
    monkeypatch.setenv("CONCIERGE_TOKEN", "from-env")
    monkeypatch.setenv("CONCIERGE_PASSWORD", "pw-env")
    monkeypatch.setenv("CONCIERGE_CACHE_KEY", "ab" * 32)
    assert store.get("access_token") == "from-env"
    assert store.get("password") == "pw-env"
    assert store.cache_key() == bytes.fromhex("ab" * 32)
    assert store.get("cache_key:default") is None  # the env key was not copied into the store
    monkeypatch.setenv("CONCIERGE_CACHE_KEY", "xyz")
    with pytest.raises(CredentialsError, match="64 hexadecimal"):
        store.cache_key()
    monkeypatch.delenv("CONCIERGE_TOKEN")
    assert store.get("access_token") == "from-store"


@pytest.mark.expected_log(r"^secrets held in memory only: ", logger="concierge.credentials")
def test_no_secret_value_reaches_the_log(caplog: pytest.LogCaptureFixture, backend_restored: None) -> None:
    caplog.set_level(logging.DEBUG)
    keyring.set_keyring(BrokenVault())
    store = SecretStore.open()
    store.set("refresh_token", SECRET)
    store.get("refresh_token")
    key = store.cache_key()
    assert caplog.records  # the fallback was logged...
    assert SECRET not in caplog.text and key.hex() not in caplog.text  # ...without the secrets
    assert SECRET not in repr(store)


# -- settings: the non-secret side (console.platform.settings) ----------------------------------------


def _write(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def test_user_settings_override_machine_settings_over_defaults(tmp_path: Path) -> None:
    machine = _write(
        tmp_path / "etc" / "settings.json", {"api_url": "https://api.bank.example", "site": "Leeds"}
    )
    user = _write(
        tmp_path / "home" / "settings.json", {"site": "York", "theme": "dark", "future_option": [1, 2]}
    )
    s = settings.load(user, machine)
    assert (s.api_url, s.site, s.theme, s.privacy) == ("https://api.bank.example", "York", "dark", "partial")
    assert s.extra == {"future_option": [1, 2]} and s.problems == []
    assert s.thresholds().limits(3600) == (1800.0, 720.0)


@pytest.mark.expected_log(r"(was|were) ignored", logger="concierge.settings")
def test_bad_values_fall_back_with_a_clear_problem(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    machine = _write(tmp_path / "etc" / "settings.json", {"font_scale": 1.5})
    user = _write(
        tmp_path / "home" / "settings.json",
        {
            "theme": "purple",
            "font_scale": "huge",
            "api_url": "http://api.bank.example",
            "urgent_fraction": 0.9,  # above at_risk_fraction: the thresholds as a whole are refused
            "wallboard_screen": True,
        },
    )
    s = settings.load(user, machine)
    assert s.theme == "light" and s.font_scale == 1.5 and s.api_url == "" and s.wallboard_screen is None
    assert s.thresholds() == Thresholds()
    assert len(s.problems) == 5 and any("'theme' was ignored: expected one of light" in p for p in s.problems)
    assert any("plain http" in p for p in s.problems)
    assert "theme" in caplog.text


@pytest.mark.expected_log(r"'routing_model' was ignored", logger="concierge.settings")
def test_the_site_routing_model_is_a_setting(tmp_path: Path) -> None:
    machine = _write(tmp_path / "etc" / "settings.json", {"routing_model": "hybrid"})
    assert settings.load(tmp_path / "none.json", machine).routing_model == "hybrid"
    assert settings.Settings().routing_model == "concierge"  # the reference site's model
    bad = settings.load(_write(tmp_path / "home" / "settings.json", {"routing_model": "anything"}), machine)
    assert bad.routing_model == "hybrid" and any("'routing_model' was ignored" in p for p in bad.problems)


@pytest.mark.expected_log(r"its settings were skipped$", logger="concierge.settings")
@pytest.mark.parametrize("content", ["{broken", "[1, 2]"])
def test_an_unreadable_file_is_reported_and_kept_when_saving(tmp_path: Path, content: str) -> None:
    user = _write(tmp_path / "settings.json", content)
    s = settings.load(user, tmp_path / "none.json")
    assert s == settings.Settings(problems=s.problems) and len(s.problems) == 1
    s.site = "Leeds"
    settings.save(s, user, tmp_path / "none.json")
    assert (tmp_path / "settings.json.unreadable").read_text() == content  # nothing lost
    assert settings.load(user, tmp_path / "none.json").site == "Leeds"


def test_saving_round_trips_and_writes_only_what_differs(tmp_path: Path) -> None:
    machine = _write(tmp_path / "etc" / "settings.json", {"api_url": "https://api.bank.example"})
    user = tmp_path / "home" / "concierge" / "settings.json"
    s = settings.load(user, machine)
    s.theme, s.font_scale, s.wallboard_screen, s.extra = "high_contrast", 1.25, 1, {"later": True}
    settings.save(s, user, machine)
    assert json.loads(user.read_text()) == {
        "font_scale": 1.25,
        "later": True,
        "theme": "high_contrast",
        "wallboard_screen": 1,
    }
    again = settings.load(user, machine)
    assert (again.theme, again.font_scale, again.api_url, again.extra) == (
        "high_contrast",
        1.25,
        "https://api.bank.example",
        {"later": True},
    )


@pytest.mark.expected_log(r"looks like a secret and was ignored", logger="concierge.settings")
def test_saving_never_writes_a_secret(tmp_path: Path) -> None:
    user = _write(
        tmp_path / "settings.json",
        {"password": SECRET, "refresh_token": SECRET, "cache_key": SECRET, "api_key": SECRET, "ok": 1},
    )
    s = settings.load(user, tmp_path / "none.json")
    assert s.extra == {"ok": 1} and len(s.problems) == 4
    s.proxy = f"http://alice:{SECRET}@proxy.corp:3128"
    s.extra.update({"access_token": SECRET, "client_secret": SECRET})  # even if a caller puts one there
    settings.save(s, user, tmp_path / "none.json")
    text = user.read_text()
    assert SECRET not in text
    assert json.loads(text) == {"ok": 1, "proxy": "http://alice@proxy.corp:3128"}


def test_platform_locations() -> None:
    env = {"HOME": "/home/sam", "XDG_CONFIG_HOME": "/cfg", "APPDATA": r"C:\Users\sam\AppData\Roaming"}
    assert settings.user_config_dir("linux", env) == Path("/cfg/concierge")
    assert settings.user_config_dir("linux", {"HOME": "/home/sam"}) == Path("/home/sam/.config/concierge")
    assert settings.machine_config_dir("linux", env) == Path("/etc/concierge")
    assert settings.user_config_dir("win32", env) == Path(r"C:\Users\sam\AppData\Roaming") / "Concierge"
    assert settings.machine_config_dir("win32", {"PROGRAMDATA": r"D:\PD"}) == Path(r"D:\PD") / "Concierge"
    assert settings.user_config_dir("darwin", env) == Path("/home/sam/Library/Application Support/Concierge")
    assert settings.default_cache_path("linux", {"HOME": "/home/sam"}) == Path(
        "/home/sam/.local/share/concierge/cache.db"
    )
    s = settings.Settings()
    assert s.resolved_cache_path() == settings.default_cache_path()
    s.cache_path = "~/x.db"
    assert s.resolved_cache_path() == Path.home() / "x.db"
