"""Python's cyclic garbage collector, paused while the TUI starts.

Importing Textual, the HTTP client and the app, and building the first screen, allocate some
hundreds of thousands of objects that all live on: the collector runs some two hundred times
over them before the first data is on screen (a full collection among them), about a seventh of
the CPU the start costs, and finds next to nothing to free. The TUI pauses it from its first
line (:func:`pause`) and resumes it (:func:`resume`) once the first poll's outcome is painted,
when the login screen opens instead, or after :data:`RESUME_AFTER_S` whatever happens. Reference
counting frees everything else meanwhile as usual; only garbage in cycles waits those moments.

When it resumes, what the start made is set aside for good (``gc.freeze``): those objects live
as long as the program, and a full collection would otherwise scan them all again every minute
or two, holding the screen still while it does (~70 ms at 10,000 extensions, ~210 ms at
50,000, against ~1-2 ms for what was made since). Objects set aside are still freed as usual
when nothing refers to them; only cycles among them that became garbage are never collected:
the start's own leftovers and the first answer's, some 7,000 objects at 10,000 extensions
(under 2 MB), once.
"""

from __future__ import annotations

import gc

# However the start goes (a server that never answers, a screen that is not the board), the
# collector runs again after this long at the latest.
RESUME_AFTER_S = 10.0

_paused = False


def pause() -> None:
    """Pause the collector (when it runs: a program that turned it off keeps it off)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Let the collector run again, if :func:`pause` stopped it, past what the start made;
    otherwise nothing."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def paused() -> bool:
    return _paused
