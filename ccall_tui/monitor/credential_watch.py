"""Notice new credentials without being told: after wrong credentials the board re-reads the
credential source (keyring, environment) now and then, cheaply and off the UI loop, and
retries at once when they changed.

Only a fingerprint (a SHA-256 of key and secret, kept in memory) is compared; it is never
logged, shown or written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

# How often the source is read again while the credentials in use are refused.
CHECK_EVERY_S = 30.0


def fingerprint(credentials: Any) -> bytes | None:
    if credentials is None:
        return None
    try:
        fields = credentials.body_fields()
    except Exception:  # noqa: BLE001 - not credentials at all
        return None
    digest = hashlib.sha256()
    for name in sorted(fields):
        digest.update(name.encode("utf-8") + b"\0" + str(fields[name]).encode("utf-8") + b"\0")
    return digest.digest()


class CredentialWatch:
    """``read()`` returns the credentials the source holds now (None when none or when it
    cannot be read); :meth:`check` returns them when they differ from the ones in use."""

    def __init__(self, read: Callable[[], Any], current: Any) -> None:
        self._read = read
        self._current = fingerprint(current)

    def check(self) -> Any | None:
        """Read the source (may block: call it in a thread); new credentials or None."""
        try:
            found = self._read()
        except Exception:  # noqa: BLE001 - a locked or missing keyring: try again later
            return None
        mark = fingerprint(found)
        if mark is None or mark == self._current:
            return None
        return found

    def accept(self, credentials: Any) -> None:
        """These credentials are in use now."""
        self._current = fingerprint(credentials)


def watch_for(services: Any) -> CredentialWatch | None:
    """A watch on the app's credential source; None for the demo or with no store."""
    if getattr(services, "sim", None) is not None or getattr(services, "credential_store", None) is None:
        return None
    import os

    from ..credentials import resolve_credentials

    store, name = services.credential_store, getattr(services.profile, "name", "default")
    return CredentialWatch(lambda: resolve_credentials(name, os.environ, store)[0], services.credentials)
