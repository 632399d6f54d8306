"""What other screens (and the app) ask of the call browser, as messages.

Post one to the browser screen after switching to its mode; it acts once it is ready.
"""

from __future__ import annotations

from textual.message import Message

from ...monitor import cdr_filter as cf


class ShowCall(Message):
    """Open the detail pane on one call, looked up by its id."""

    def __init__(self, call_id: str) -> None:
        super().__init__()
        self.call_id = call_id


class FilterExtension(Message):
    """Search the calls of one extension (as source, or as destination)."""

    def __init__(self, extension: str, *, as_destination: bool = False) -> None:
        super().__init__()
        self.extension = extension
        self.as_destination = as_destination


class ShowFilter(Message):
    """Search exactly this filter (the extension details' ``c``: the same calls, same count)."""

    def __init__(self, form: cf.CdrFilter) -> None:
        super().__init__()
        self.form = form
