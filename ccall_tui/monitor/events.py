"""What the board feed tells its subscribers (the TUI, a headless watcher, tests).

Plain frozen dataclasses, delivered on the feed's event loop in the order they happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .board import BoardChanges


@dataclass(frozen=True, slots=True)
class PollStarted:
    """A poll went out; ``announce`` when someone asked for it (say "updating…" at once)."""

    announce: bool


@dataclass(frozen=True, slots=True)
class SnapshotApplied:
    """An answer was applied to the board: what changed, and when."""

    changes: BoardChanges
    at: datetime
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class PollFailed:
    """A poll failed: the one-line reason, its kind and the wait before the next attempt."""

    message: str
    kind: str
    delay: float
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class AuthRejected:
    """The credentials were refused; ``first`` for the first refusal in a row."""

    message: str
    delay: float
    first: bool


@dataclass(frozen=True, slots=True)
class CredentialsReplaced:
    """New credentials were found in the credential source and are in use now."""


@dataclass(frozen=True, slots=True)
class SeenSaved:
    """The extensions seen online were written to the seen store."""

    version: int


@dataclass(frozen=True, slots=True)
class SeenRefused:
    """Writing the seen store failed: one line for the user."""

    message: str


@dataclass(frozen=True, slots=True)
class GrowthRefused:
    """One answer listed far more new extensions than are remembered: shown, not kept."""

    count: int
    limit: int


@dataclass(frozen=True, slots=True)
class DiscoveryFinished:
    """Extensions and names learned from today's local calls."""

    added: list[str]
    renamed: list[str]


@dataclass(frozen=True, slots=True)
class ExtensionForgotten:
    """An extension was forgotten (``outcome`` as :meth:`ExtensionBoard.forget` says)."""

    extension: str
    outcome: str


FeedEvent = (
    PollStarted | SnapshotApplied | PollFailed | AuthRejected | CredentialsReplaced | SeenSaved
    | SeenRefused | GrowthRefused | DiscoveryFinished | ExtensionForgotten
)
