"""One root for every expected failure, and one table of the exit codes they end in.

Every failure the user can cause or meet (a wrong flag, a broken config file, no keyring, a server
that says no) is an :class:`AppError` with its own ``exit_code`` and one short line ``message``.
The command line maps them by ``isinstance`` only; ``--help`` lists :data:`EXIT_CODES`.
"""

from __future__ import annotations

from enum import IntEnum

from .i18n import N_, _


class Exit(IntEnum):
    """The process exit codes, each with one meaning."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    AUTH = 3
    NETWORK = 4
    SERVER = 5
    NOT_FOUND = 6
    ADAPTED = 7
    NOT_UNDERSTOOD = 8
    INTERRUPTED = 130


# What each code means, as message ids (translated where shown).
EXIT_CODES: dict[Exit, str] = {
    Exit.OK: N_("ok"),
    Exit.FAILURE: N_("state folder not writable or unexpected error"),
    Exit.USAGE: N_("usage error"),
    Exit.AUTH: N_("authentication failed, no credentials or no usable keyring"),
    Exit.NETWORK: N_("network failure"),
    Exit.SERVER: N_("server or protocol error"),
    Exit.NOT_FOUND: N_("not found (no call with that id)"),
    Exit.ADAPTED: N_("doctor: this server differs"),
    Exit.NOT_UNDERSTOOD: N_("doctor: something was not understood"),
    Exit.INTERRUPTED: N_("interrupted"),
}


def exit_codes_text() -> str:
    """``Exit codes: 0 ok, 1 ..., 130 interrupted.`` in the current language."""
    listed = ", ".join(f"{int(code)} {_(meaning)}" for code, meaning in EXIT_CODES.items())
    return _("Exit codes: {codes}.").format(codes=listed)


class AppError(Exception):
    """Root of every expected failure: one line for the user and the code the process ends with."""

    exit_code: int = Exit.FAILURE
    _message: str | None = None

    @property
    def message(self) -> str:
        return self._message if self._message is not None else str(self)

    @message.setter
    def message(self, value: str) -> None:
        self._message = value


class UsageError(AppError):
    """Bad input on the command line."""

    exit_code = Exit.USAGE


class NoCredentials(AppError):
    """Neither the keyring nor the environment holds this profile's key and secret."""

    exit_code = Exit.AUTH

    def __init__(self) -> None:
        super().__init__(
            _("No credentials: run 'ccall-tui login', or set CCALL_API_KEY and CCALL_API_SECRET.")
        )
