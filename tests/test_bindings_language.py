"""Key descriptions are declared when a module is imported, which may happen while another
language is active: they must stay the English message ids, translated only when shown."""

import subprocess
import sys

PROBE = r"""
import importlib, inspect, json, pkgutil
from ccall_tui import i18n
i18n.set_language("vi", {})
import ccall_tui.ui as ui
for info in pkgutil.walk_packages(ui.__path__, "ccall_tui.ui."):
    importlib.import_module(info.name)
found = []
for name, module in list(__import__("sys").modules.items()):
    if not name.startswith("ccall_tui.ui"):
        continue
    for _, cls in inspect.getmembers(module, inspect.isclass):
        if not cls.__module__.startswith("ccall_tui"):
            continue
        for binding in cls.__dict__.get("BINDINGS", []) or []:
            description = getattr(binding, "description", None) or (binding[2] if isinstance(binding, tuple) and len(binding) > 2 else "")
            if description:
                found.append([cls.__qualname__, description])
        title = cls.__dict__.get("HELP_TITLE")
        if title:
            found.append([cls.__qualname__, title])
print(json.dumps(found, ensure_ascii=False))
"""


def _msgids() -> set[str]:
    from babel.messages.pofile import read_po
    from ccall_tui.i18n import LOCALE_DIR

    with open(LOCALE_DIR / "vi" / "LC_MESSAGES" / "ccall_tui.po", "rb") as handle:
        catalog = read_po(handle)
    return {message.id for message in catalog if message.id and isinstance(message.id, str)}


def test_key_descriptions_imported_under_vietnamese_stay_message_ids():
    import json

    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert len(found) > 40  # every screen's keys were seen
    msgids = _msgids()
    frozen = [(owner, text) for owner, text in found if text not in msgids]
    assert frozen == [], f"translated at import time, stuck in one language: {frozen}"
