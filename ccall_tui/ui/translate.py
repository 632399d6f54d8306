"""Key descriptions in the language chosen at run time.

Bindings are declared at class level, when the module is imported, which may be before the
language is chosen; their descriptions are the English message ids. Each node calls
:func:`translate_bindings` on itself so the footer, the help screen and the command palette
show the active language.
"""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from ..i18n import _
from .textual_compat import key_to_bindings


def translate_bindings(node: DOMNode) -> None:
    key_map = key_to_bindings(node)
    for key, bindings in list(key_map.items()):
        key_map[key] = [
            replace(
                binding,
                description=_(binding.description) if binding.description else binding.description,
                tooltip=_(binding.tooltip) if binding.tooltip else binding.tooltip,
            )
            for binding in bindings
        ]
