"""ccall-tui: live extension monitor and call-record browser for the ccall cloud PBX."""
__version__ = "0.1.0"
