"""ccall-tui: live extension monitor and call-record browser for the ccall cloud PBX."""
__version__ = "0.1.0"

import logging as _logging

# Without --log-file nothing is logged anywhere (no stray warnings on stderr).
_logging.getLogger("ccall_tui").addHandler(_logging.NullHandler())
