"""Where the call browser writes files: recording and export names, folders and targets.

Names are derived from data the server sent, so they are sanitised and the final path is
resolved and checked to lie inside the folder the user chose. Nothing here overwrites a file
unless told to, and an export appears under its name only once it is complete.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from ..api.cdrs import CallRecord
from ..i18n import _

AUDIO_SUFFIXES = (".wav", ".mp3", ".ogg", ".opus", ".flac", ".m4a")
EXPORT_FORMATS = ("csv", "json")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 120


class TargetError(Exception):
    """A chosen path cannot be used; ``message`` is one line for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def safe_component(text: str, *, fallback: str = "call") -> str:
    """One file-name component: ASCII letters, digits, ``.``, ``_`` and ``-`` only.

    Diacritics are folded (``Nguyễn`` -> ``Nguyen``); separators, ``..`` and leading dots
    cannot survive, so the result never leaves the folder it is joined to.
    """
    folded = unicodedata.normalize("NFKD", text or "")
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    cleaned = _UNSAFE.sub("_", folded)
    cleaned = re.sub(r"\.{2,}", ".", cleaned).strip("._-")
    cleaned = cleaned[:MAX_NAME].rstrip("._-")
    return cleaned or fallback


def recording_suffix(url: str | None) -> str:
    """The audio suffix of the link's path when it is a known one, else ``.wav``."""
    if not url:
        return ".wav"
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return ".wav"
    suffix = PurePosixPath(path).suffix.lower()
    return suffix if suffix in AUDIO_SUFFIXES else ".wav"


def recording_filename(record: CallRecord) -> str:
    """``ccall-20261127-094512-<call id>.wav``: sortable, unique per call, safe."""
    parts = ["ccall"]
    if record.start is not None:
        parts.append(record.start.strftime("%Y%m%d-%H%M%S"))
    parts.append(safe_component(record.call_id or "", fallback="recording"))
    return safe_component("-".join(parts)) + recording_suffix(record.recording_url)


def default_folder(home: Path | None = None, cwd: Path | None = None) -> Path:
    """``~/Downloads`` when it exists, else the home folder, else the working folder."""
    home = Path.home() if home is None else home
    downloads = home / "Downloads"
    if downloads.is_dir():
        return downloads
    if home.is_dir():
        return home
    return Path.cwd() if cwd is None else cwd


def target_in(folder: Path | str, filename: str) -> Path:
    """``folder/filename`` resolved, refusing any name that would land outside ``folder``."""
    text = str(folder).strip()
    if not text:
        raise TargetError(_("Choose a folder."))
    base = Path(text).expanduser()
    if not base.is_dir():
        raise TargetError(_("The folder {folder} does not exist.").format(folder=base))
    base = base.resolve()
    name = safe_component(filename, fallback="recording.wav")
    target = (base / name).resolve()
    if target.parent != base or not target.is_relative_to(base):
        raise TargetError(_("That file name would leave the chosen folder."))
    return target


def export_filename(now: datetime, fmt: str) -> str:
    return f"ccall-calls-{now.strftime('%Y%m%d-%H%M')}.{fmt}"


def export_format(path: Path | str, default: str = "csv") -> str:
    suffix = Path(str(path)).suffix.lower().lstrip(".")
    return suffix if suffix in EXPORT_FORMATS else default


def export_target(path: Path | str) -> Path:
    """The file an export goes to: expanded, absolute, in an existing folder, not a folder."""
    text = str(path).strip()
    if not text:
        raise TargetError(_("Choose a file name."))
    target = Path(text).expanduser()
    if not target.is_absolute():
        target = Path.cwd() / target
    if target.is_dir():
        raise TargetError(_("{path} is a folder; add a file name.").format(path=target))
    if not target.parent.is_dir():
        raise TargetError(_("The folder {folder} does not exist.").format(folder=target.parent))
    return target.parent.resolve() / target.name
