"""The simulated ccall PBX: a seeded tenant model and an HTTP server speaking the real wire format.

Run one by hand with ``ccall-tui simulate`` or ``python -m ccall_tui.sim``.
"""

from .clock import ManualClock, pbx_now
from .faults import QUIRKS, Faults
from .server import RecordedRequest, SimulatedPbx
from .tenant import Tenant

__all__ = ["Faults", "ManualClock", "QUIRKS", "RecordedRequest", "SimulatedPbx", "Tenant", "pbx_now"]
