"""Small JSON state files (window layout, last filters, seen extensions), written atomically.

State files never contain secrets.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from .errors import AppError, Exit
from .i18n import _

T = TypeVar("T")


class StateError(AppError):
    """A state file could not be written; the previous version is left intact."""

    exit_code = Exit.FAILURE


def atomic_write_json(path: Path | str, data: Any) -> None:
    """Write ``data`` as JSON so that readers see the old file or the new one, never half.

    Writes a temporary file in the same directory, flushes and fsyncs it, then renames it
    over ``path``. On any OS error (disk full, read-only, permission) the old file stays as it
    was, the temporary file is removed and :class:`StateError` is raised with one line.
    """
    path = Path(path)
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    tmp_name: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
        _fsync_dir(path.parent)
    except OSError as exc:
        raise StateError(
            _("Could not save {path}: {reason}").format(
                path=path, reason=exc.strerror or type(exc).__name__
            )
        ) from None
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_json(path: Path | str, default: T) -> Any | T:
    """The parsed JSON of ``path``, or ``default`` when it is missing, unreadable or corrupt."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


# --------------------------------------------------------------------------- namespaces

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
DEMO_NAMESPACE = "demo"


def server_identity(base_url: str, domain_name: str | None = None) -> str:
    """What identifies one tenant on one server: the base URL without credentials, query or
    trailing slash, lower-cased host, plus the SIP domain when one is set."""
    parts = urlsplit((base_url or "").strip())
    host = (parts.hostname or "").lower()
    port = f":{parts.port}" if parts.port else ""
    identity = f"{parts.scheme.lower()}://{host}{port}{parts.path.rstrip('/')}"
    if domain_name:
        identity += f"#{domain_name.strip().lower()}"
    return identity


def namespace_dir(
    state_root: Path | str,
    profile_name: str,
    base_url: str,
    domain_name: str | None = None,
    *,
    demo: bool = False,
) -> Path:
    """The folder that holds everything remembered for one profile on one server.

    Two tenants never share remembered extensions, filters or history, even under one
    profile name; the built-in demo (whose port changes each run) has a folder of its own.
    """
    root = Path(state_root)
    if demo:
        return root / DEMO_NAMESPACE
    profile = _UNSAFE.sub("_", profile_name or "default")[:64] or "default"
    identity = server_identity(base_url, domain_name)
    host = _UNSAFE.sub("_", urlsplit(identity).hostname or "server")[:48] or "server"
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:10]
    return root / "profiles" / profile / f"{host}-{digest}"
