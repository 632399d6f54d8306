"""Credentials: masking, environment before keyring, and a keyring that fails or hangs."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import keyring
import keyring.backend
import pytest
from keyring.backends import fail

from ccall_tui.credentials import (
    CredentialStore,
    Credentials,
    KeyringUnavailable,
    mask,
    partial_env,
    resolve_credentials,
)

SECRET = "s3cr3t-VALUE-xyz"


@pytest.fixture(autouse=True)
def isolated_keyring(tmp_path, monkeypatch):
    from keyring_memory import InMemoryKeyring

    for name in ("CCALL_API_KEY", "CCALL_API_SECRET", "CCALL_PROFILE", "CCALL_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CCALL_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("CCALL_STATE_DIR", str(tmp_path / "state"))
    previous = keyring.get_keyring()
    backend = InMemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


class BlockingKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service, username):
        self.release.wait()
        return None

    def set_password(self, service, username, password):
        self.release.wait()

    def delete_password(self, service, username):
        self.release.wait()


class BrokenKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("locked " + SECRET)

    def set_password(self, service, username, password):
        raise keyring.errors.PasswordSetError("cannot store " + password)

    def delete_password(self, service, username):
        raise keyring.errors.KeyringLocked("locked")


def test_mask():
    assert mask("0b98c1d2e3f4") == "0b98****"
    assert mask("abc") == "a****"
    assert mask("") == "****"


def test_repr_never_shows_the_secret():
    creds = Credentials("0b98c1d2e3f4", SECRET)
    for text in (repr(creds), str(creds), f"{creds}", repr([creds]), repr({"c": creds})):
        assert SECRET not in text
        assert "c1d2" not in text
    assert repr(creds) == "Credentials(api_key='0b98****', api_secret='****')"
    assert not hasattr(creds, "__dict__")
    assert SECRET not in repr([getattr(creds, s) for s in Credentials.__slots__])
    assert creds.body_fields() == {"api_key": "0b98c1d2e3f4", "api_secret": SECRET}
    assert creds == Credentials("0b98c1d2e3f4", SECRET)
    with pytest.raises(ValueError):
        Credentials("", SECRET)


def test_rich_pretty_print_is_masked():
    from rich.pretty import pretty_repr

    creds = Credentials("0b98c1d2e3f4", SECRET)
    assert SECRET not in pretty_repr({"creds": creds})


def test_store_round_trip(isolated_keyring):
    store = CredentialStore()
    assert store.get("main") is None
    store.set("main", Credentials("key-main-1234", SECRET))
    stored = isolated_keyring.get_password("ccall-tui", "main")
    assert json.loads(stored) == {"api_key": "key-main-1234", "api_secret": SECRET}
    assert store.get("main") == Credentials("key-main-1234", SECRET)
    assert store.get("other") is None
    assert store.backend_name() == "InMemoryKeyring"
    assert store.delete("main") is True
    assert store.delete("main") is False
    assert store.get("main") is None


def test_async_wrappers():
    store = CredentialStore()

    async def go():
        await store.aset("p", Credentials("k" * 8, SECRET))
        got = await store.aget("p")
        gone = await store.adelete("p")
        return got, gone

    got, gone = asyncio.run(go())
    assert got == Credentials("k" * 8, SECRET) and gone is True


def test_environment_beats_keyring():
    store = CredentialStore()
    store.set("main", Credentials("keyring-key", "keyring-secret"))
    env = {"CCALL_API_KEY": "env-key-123", "CCALL_API_SECRET": "env-secret"}
    creds, source = resolve_credentials("main", env, store)
    assert source == "environment" and creds.api_key == "env-key-123"
    creds, source = resolve_credentials("main", {}, store)
    assert source == "keyring (InMemoryKeyring)" and creds.api_key == "keyring-key"
    assert resolve_credentials("other", {}, store) == (None, "none")
    # Half of the pair is ignored, and reported.
    assert resolve_credentials("other", {"CCALL_API_KEY": "x"}, store) == (None, "none")
    assert partial_env({"CCALL_API_KEY": "x"}) == "CCALL_API_SECRET"


def test_fail_backend_gives_guidance():
    keyring.set_keyring(fail.Keyring())
    store = CredentialStore()
    assert not store.has_backend() and store.backend_name() == "no keyring"
    with pytest.raises(KeyringUnavailable) as info:
        store.get("main")
    # One short sentence with the way forward; no backend jargon, one full stop.
    message = str(info.value)
    assert message == ("No keyring is available on this machine, so nothing can be saved: set "
                       "CCALL_API_KEY and CCALL_API_SECRET in the environment instead.")
    assert "(fail)" not in message and ".." not in message
    # Every way forward, for 'status'.
    for needed in ("CCALL_API_KEY", "CCALL_API_SECRET", "EnvironmentFile", "gnome-keyring",
                   "keyrings.alt", "PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring",
                   "less safely"):
        assert needed in info.value.guidance
    with pytest.raises(KeyringUnavailable):
        store.set("main", Credentials("k" * 8, SECRET))
    # The environment still works, silently.
    env = {"CCALL_API_KEY": "env-key-123", "CCALL_API_SECRET": "env-secret"}
    assert resolve_credentials("main", env, store)[1] == "environment"
    with pytest.raises(KeyringUnavailable):
        resolve_credentials("main", {}, store)


def test_backend_errors_never_echo_the_secret():
    keyring.set_keyring(BrokenKeyring())
    store = CredentialStore()
    with pytest.raises(KeyringUnavailable) as info:
        store.get("main")
    assert SECRET not in str(info.value)
    assert "is locked" in str(info.value)
    with pytest.raises(KeyringUnavailable) as info:
        store.set("main", Credentials("k" * 8, SECRET))
    assert SECRET not in str(info.value)
    assert "PasswordSetError" in str(info.value)


def test_blocked_keyring_times_out():
    backend = BlockingKeyring()
    keyring.set_keyring(backend)
    store = CredentialStore(timeout=0.5)
    try:
        started = time.monotonic()
        with pytest.raises(KeyringUnavailable) as info:
            store.get("main")
        assert time.monotonic() - started < 2
        assert "0.5 seconds" in str(info.value) and "CCALL_API_KEY" in str(info.value)

        async def go():
            return await store.aget("main")

        with pytest.raises(KeyringUnavailable):
            asyncio.run(go())
    finally:
        backend.release.set()


def test_plaintext_file_backend_is_named_and_flagged(tmp_path):
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring_pass.cfg")
    keyring.set_keyring(backend)
    store = CredentialStore()
    assert store.backend_name() == f"plain-text file {tmp_path / 'keyring_pass.cfg'}"
    assert store.has_backend() and not store.encrypted()
    store.set("main", Credentials("key-main-1234", SECRET))
    # What the warning is about: the secret sits in that file, only base64-encoded.
    import base64

    text = (tmp_path / "keyring_pass.cfg").read_text()
    encoded = "".join(line.strip() for line in text.splitlines() if line.startswith("\t"))
    assert SECRET in base64.b64decode(encoded).decode("utf-8")
    assert store.get("main") == Credentials("key-main-1234", SECRET)
    warning = store.plaintext_warning()
    assert warning.startswith(f"plain-text file {tmp_path}") and "not encrypted" in warning


def test_backends_are_named_as_users_know_them(isolated_keyring):
    from keyring.backends import null

    from ccall_tui.credentials import backend_encrypted, backend_label

    class Keyring(keyring.backend.KeyringBackend):  # stands in for the macOS backend's class
        priority = 1

        def get_password(self, service, username):
            return None

        def set_password(self, service, username, password):
            pass

        def delete_password(self, service, username):
            pass

    Keyring.__module__ = "keyring.backends.macOS"
    Keyring.__qualname__ = "Keyring"
    assert backend_label(Keyring()) == "macOS Keychain" and backend_encrypted(Keyring())
    assert backend_label(isolated_keyring) == "InMemoryKeyring" and backend_encrypted(isolated_keyring)

    class Declared(Keyring):
        encrypted = False

    assert not backend_encrypted(Declared())
    # The null backend stores nothing: it is no keyring at all, never "saved".
    keyring.set_keyring(null.Keyring())
    assert not CredentialStore().has_backend()
    with pytest.raises(KeyringUnavailable):
        CredentialStore().set("main", Credentials("k" * 8, SECRET))
