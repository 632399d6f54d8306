"""The simulated PBX's clock: the real one by default; tests and demos pass the app's one
:class:`ccall_tui.clock.ManualClock`."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from ..clock import PBX_TZ

__all__ = ["PBX_TZ", "Clock", "pbx_now"]

Clock = Callable[[], datetime]


def pbx_now() -> datetime:
    """Now, as an aware datetime in the PBX's timezone."""
    return datetime.now(PBX_TZ)
