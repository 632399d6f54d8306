"""User-facing language. Every string shown to a user goes through ``_()``.

(A minimal version; catalogues and language selection are filled in by the i18n module.)
"""

from __future__ import annotations


def _(message: str) -> str:
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural
