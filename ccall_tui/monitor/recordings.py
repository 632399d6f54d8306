"""Files the call browser writes: recording downloads and exports.

Names are derived from data the server sent, so they are sanitised and the final path is
resolved and checked to lie inside the folder the user chose. Nothing here overwrites a file
unless told to, and an export appears under its name only once it is complete.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from ..api.client import CcallClient
from ..api.models import CallRecord, CdrQuery
from ..i18n import _
from .export import DEFAULT_CONCURRENCY, DEFAULT_PAGE_SIZE, PageProgress, PagingReport, iter_pages, make_writer

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


async def export_to_file(
    client: CcallClient,
    query: CdrQuery,
    target: Path,
    fmt: str,
    *,
    overwrite: bool = False,
    page_size: int = DEFAULT_PAGE_SIZE,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: PageProgress | None = None,
    on_records: Callable[[int], Any] | None = None,
    report: PagingReport | None = None,
    now: datetime | None = None,
) -> int:
    """Every page of ``query`` into ``target`` (same path as ``ccall-tui cdrs --all``).

    Writes a temporary file beside the target and renames it at the end, so a failure or a
    cancellation leaves nothing half-written. Returns the number of records written.
    Raises ``FileExistsError`` when the target exists and ``overwrite`` is false. When the
    paging stops early for a reason (see ``PagingReport``), what was read is written and
    ``report`` says why and whether calls are missing.
    """
    if target.exists() and not overwrite:
        raise FileExistsError(str(target))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = make_writer(fmt, handle)
            async for page in iter_pages(
                client, query, page_size=page_size, concurrency=concurrency, progress=progress,
                report=report, now=now,
            ):
                writer.write(page.records)
                count += len(page.records)
                if on_records is not None:
                    on_records(count)
            writer.close()
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp_name, target)
        else:
            # link() fails if someone created the target meanwhile: never clobber it.
            try:
                os.link(tmp_name, target)
            except FileExistsError:
                raise
            except OSError:
                if target.exists():
                    raise FileExistsError(str(target)) from None
                os.replace(tmp_name, target)
            else:
                os.unlink(tmp_name)
        tmp_name = ""
    finally:
        if tmp_name:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
    return count
